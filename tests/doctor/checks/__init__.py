"""Tests of the doctor checks, one module per check."""
