"""Run aimetenv as ``python -m aimetenv``."""

from __future__ import annotations

from aimetenv.cli.app import main

if __name__ == "__main__":
    main()
