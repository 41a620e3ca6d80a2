"""``aimetenv doctor``: placeholder until the command lands."""

from __future__ import annotations

from aimetenv.cli.common import guarded


@guarded("doctor")
def doctor() -> int:
    """Not available in this build yet."""
    from aimetenv.errors import UsageError

    raise UsageError("'aimetenv doctor' is not available in this build yet", code="not-implemented")
