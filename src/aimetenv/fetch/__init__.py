"""Fetching files over HTTP: the URL rules and resumable, checked downloads.

``urls`` says which URLs aimetenv fetches; ``http`` is the client (redirect checks, retries,
time-outs, error codes); ``transfer`` moves one file's bytes into its ``.part`` file;
``download`` keeps the cache (records, locks, integrity) and asks whether files exist;
``checksums`` and ``progress`` serve them.
"""
