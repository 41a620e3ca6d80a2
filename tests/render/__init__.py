"""Tests of the rendering layer: the documents and lines commands print."""
