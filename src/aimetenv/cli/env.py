"""``aimetenv env``: placeholder until the command lands."""

from __future__ import annotations

from aimetenv.cli.common import guarded


@guarded("env")
def env() -> int:
    """Not available in this build yet."""
    from aimetenv.errors import UsageError

    raise UsageError("'aimetenv env' is not available in this build yet", code="not-implemented")
