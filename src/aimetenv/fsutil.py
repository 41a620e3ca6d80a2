"""Writing files so that nothing is ever half-written: temp file in the same folder, fsync, rename."""

from __future__ import annotations

import contextlib
import os
import tempfile
from typing import TYPE_CHECKING

from aimetenv.errors import FileError

if TYPE_CHECKING:
    from pathlib import Path


def atomic_write_bytes(path: Path, data: bytes, *, mode: int | None = None) -> None:
    """Replace ``path`` with ``data`` in one rename. ``mode`` defaults to the old file's mode."""
    folder = path.parent
    try:
        folder.mkdir(parents=True, exist_ok=True)
        if mode is None and path.exists():
            mode = path.stat().st_mode & 0o7777
        handle, temp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=folder)
    except OSError as error:
        raise FileError(
            f"cannot write {path}: {error.strerror or error}", code="write-failed"
        ) from None
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
            stream.flush()
            os.fsync(stream.fileno())
        os.chmod(temp, mode if mode is not None else 0o644)  # noqa: PTH101  # on the temp path
        os.replace(temp, path)  # noqa: PTH105  # atomic on POSIX
    except BaseException as error:
        with contextlib.suppress(OSError):
            os.unlink(temp)  # noqa: PTH108  # best effort cleanup
        if isinstance(error, OSError):
            raise FileError(
                f"cannot write {path}: {error.strerror or error}", code="write-failed"
            ) from None
        raise
    with contextlib.suppress(OSError):
        dir_fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)


def atomic_write_text(path: Path, text: str, *, mode: int | None = None) -> None:
    """``atomic_write_bytes`` for UTF-8 text."""
    atomic_write_bytes(path, text.encode("utf-8"), mode=mode)


__all__ = ["atomic_write_bytes", "atomic_write_text"]
