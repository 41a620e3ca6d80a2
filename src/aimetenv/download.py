"""Fetching release-host files safely and resumably.

https only (loopback or --allow-http excepted), retries with backoff, resume with HTTP Range,
sha256 recorded and checked on reuse, atomic cache writes.

The interface below is what ``installer`` and ``wheelhouse`` call; the bodies are being written.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from pathlib import Path

    from aimetenv.plan import PlannedWheel


class ProgressSink(Protocol):
    """Receives progress for one file (the CLI renders it; the core only reports)."""

    def advance(self, count: int) -> None:
        """``count`` more bytes arrived."""
        ...

    def close(self) -> None:
        """The file is done (or failed)."""
        ...


class ProgressFactory(Protocol):
    """Makes a sink for one file: its name, bytes already present, total size if known."""

    def __call__(self, name: str, done: int, total: int | None) -> ProgressSink:
        """Start reporting one file."""
        ...


@dataclass(frozen=True)
class Fetched:
    """A file that is ready for pip, with what it took to get it."""

    path: Path
    url: str
    sha256: str
    size: int
    bytes_transferred: int
    """Bytes read from the network in this call (0 when served from the cache)."""
    from_cache: bool


class Downloader:
    """Fetches ``PlannedWheel`` files into ``<cache_root>/<tag>/<filename>``."""

    def __init__(
        self,
        *,
        cache_root: Path,
        allow_http: bool = False,
        offline: bool = False,
        retries: int = 4,
        backoff: float = 0.5,
        timeout: float = 60.0,
        progress: ProgressFactory | None = None,
    ) -> None:
        """Settings only; no network activity until ``fetch`` or ``exists``."""
        self.cache_root = cache_root
        self.allow_http = allow_http
        self.offline = offline
        self.retries = retries
        self.backoff = backoff
        self.timeout = timeout
        self.progress = progress

    def exists(self, url: str) -> bool:
        """Ask the host with HEAD whether ``url`` exists (False on 404; NetworkError otherwise)."""
        raise NotImplementedError

    def fetch(self, wheel: PlannedWheel, tag: str) -> Fetched:
        """Return the cached file after checking its sha256, or download (resuming) and record it."""
        raise NotImplementedError


__all__ = ["Downloader", "Fetched", "ProgressFactory", "ProgressSink"]
