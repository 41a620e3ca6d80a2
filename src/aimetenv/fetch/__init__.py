"""Fetching files over HTTP: the URL rules and resumable, checked downloads."""
