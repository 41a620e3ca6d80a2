"""Helpers the tests share: real wheels, real native libraries, a loopback release host."""
