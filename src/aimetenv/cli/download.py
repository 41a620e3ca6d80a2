"""``aimetenv download``: placeholder until the command lands."""

from __future__ import annotations

from aimetenv.cli.common import guarded


@guarded("download")
def download() -> int:
    """Not available in this build yet."""
    from aimetenv.errors import UsageError

    raise UsageError(
        "'aimetenv download' is not available in this build yet", code="not-implemented"
    )
