"""Writing files so that nothing is ever half-written: temp file in the same folder, fsync, rename."""

from __future__ import annotations

import contextlib
import os
from typing import TYPE_CHECKING, Literal

from aimetenv.errors import FileError

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path
    from typing import IO


def atomic_write_bytes(
    path: Path, data: bytes, *, mode: int | None = None, durable: bool = True
) -> None:
    """Replace ``path`` with ``data`` in one rename. ``mode`` defaults to the old file's mode.

    ``durable``: fsync the file and its folder, so that the new content survives a power cut.
    Cache bookkeeping that is checked on every read (a download's sha256 record) passes False:
    on ext4 an fsync also forces every other file written before it to disk (a 200 MB download,
    a whole pip install), which can take seconds, and a lost record only means a new download.
    """
    import tempfile  # noqa: PLC0415  # start-up speed: only when a file is written

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
            if durable:
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
    if not durable:
        return
    with contextlib.suppress(OSError):
        dir_fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)


def atomic_write_text(
    path: Path, text: str, *, mode: int | None = None, durable: bool = True
) -> None:
    """``atomic_write_bytes`` for UTF-8 text."""
    atomic_write_bytes(path, text.encode("utf-8"), mode=mode, durable=durable)


@contextlib.contextmanager
def open_run_log(
    state: Path, command: str, *, mode: Literal["w", "a"]
) -> Iterator[tuple[Path, IO[str]]]:
    """This run's log, ``<state>/logs/<command>-<time>-<pid>.log``, open for text in ``mode``.

    A folder or file that cannot be made is exit 7 (``log-failed``), before anything runs.
    """
    import time  # noqa: PLC0415  # start-up speed: only when a command writes a log

    folder = state / "logs"
    path = folder / f"{command}-{time.strftime('%Y%m%d-%H%M%S')}-{os.getpid()}.log"
    try:
        folder.mkdir(parents=True, exist_ok=True)
        stream = path.open(mode, encoding="utf-8")
    except OSError as error:
        raise FileError(
            f"cannot write the {command} log {path}: {error.strerror or error}", code="log-failed"
        ) from None
    with stream:
        yield path, stream


__all__ = ["atomic_write_bytes", "atomic_write_text", "open_run_log"]
