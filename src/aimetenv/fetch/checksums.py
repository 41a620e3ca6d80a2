"""sha256 of files: read in chunks, hashed beside a transfer, and recorded next to a cached file."""

from __future__ import annotations

import hashlib
import queue
import re
import threading
from typing import TYPE_CHECKING, Any

from aimetenv.fsutil import atomic_write_text

if TYPE_CHECKING:
    from pathlib import Path

_HEX64 = re.compile(r"^[0-9a-f]{64}$")


def sha256_file(path: Path) -> str:
    """The hex sha256 of a file, read in chunks."""
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        for block in iter(lambda: stream.read(1024 * 1024), b""):
            digest.update(block)
    return digest.hexdigest()


def read_record(path: Path) -> str | None:
    """The sha256 recorded next to a cached file (``<file>.sha256``), or None."""
    record = path.with_name(path.name + ".sha256")
    try:
        text = record.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return None
    first = text.split(maxsplit=1)[0].lower() if text.strip() else ""
    return first if _HEX64.match(first) else None


def write_record(path: Path, digest: str) -> None:
    """Record a file's sha256 as ``sha256sum`` writes it (``sha256sum -c`` can check it)."""
    # Not durable: a record a crash damaged reads as missing, and the file is fetched again.
    atomic_write_text(
        path.with_name(path.name + ".sha256"), f"{digest}  {path.name}\n", durable=False
    )


class Hasher:
    """A sha256 fed on a thread of its own, in order, so that hashing overlaps the transfer.

    hashlib lets go of the GIL for large blocks, so on two cores the hash costs no wall time.
    At most ``depth`` blocks wait in between.
    """

    def __init__(self, digest: Any, depth: int = 16) -> None:  # noqa: ANN401  # a hashlib object
        """Start the thread."""
        self._digest = digest
        self._queue: queue.Queue[bytes | None] = queue.Queue(maxsize=depth)
        self._thread = threading.Thread(target=self._run, name="aimetenv-sha256", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while True:
            block = self._queue.get()
            if block is None:
                return
            self._digest.update(block)

    def update(self, block: bytes) -> None:
        """Hash ``block`` after the ones before it."""
        self._queue.put(block)

    def finish(self) -> None:
        """Wait until every block handed over is in the digest."""
        self._queue.put(None)
        self._thread.join()


__all__ = ["Hasher", "read_record", "sha256_file", "write_record"]
