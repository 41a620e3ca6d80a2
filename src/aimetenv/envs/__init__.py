"""Environments: which one a command acts on, its kind, and the facts probed from its Python."""
