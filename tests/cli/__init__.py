"""Tests of the command-line layer, one module per command."""
