"""What a download reports while it runs: the core reports, the CLI renders (``render.progress``)."""

from __future__ import annotations

from typing import Protocol


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


__all__ = ["ProgressFactory", "ProgressSink"]
