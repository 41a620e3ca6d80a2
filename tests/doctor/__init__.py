"""Tests of aimetenv doctor, mirroring src/aimetenv/doctor."""
