"""The download progress bar: rich, on stderr, and only for a terminal.

``make_progress`` returns a ``ProgressFactory`` (see ``aimetenv.fetch.progress``) or None: None with
``--quiet`` or ``--json``, and None when stderr is not a terminal (CI logs, pipes, files), so
nothing but the command's own lines ever reaches a log. One rich ``Progress`` display starts with
the first file and stops when the last file closes; each file is one row with its size, speed and
time left.
"""

from __future__ import annotations

import os
import sys
from typing import TYPE_CHECKING, TextIO

if TYPE_CHECKING:
    from rich.progress import Progress, TaskID

    from aimetenv.fetch.progress import ProgressFactory
    from aimetenv.render.console import Settings


class _Row:
    """One file's row; ``close`` finishes it."""

    def __init__(self, display: ProgressDisplay, task: TaskID) -> None:
        self._display = display
        self._task = task
        self._closed = False

    def advance(self, count: int) -> None:
        """``count`` more bytes arrived."""
        self._display.progress.advance(self._task, count)

    def close(self) -> None:
        """The file is done (or failed); the display stops after its last row."""
        if not self._closed:
            self._closed = True
            self._display.finished()


class ProgressDisplay:
    """A ``ProgressFactory`` backed by one rich ``Progress`` on a stderr console."""

    def __init__(self, stream: TextIO, *, color: bool = True) -> None:
        """Draw on ``stream`` (a terminal)."""
        from rich.console import Console  # noqa: PLC0415  # rich only when something is drawn
        from rich.progress import (  # noqa: PLC0415  # rich only when something is drawn
            BarColumn,
            DownloadColumn,
            Progress,
            TextColumn,
            TimeRemainingColumn,
            TransferSpeedColumn,
        )

        console = Console(
            file=stream,
            stderr=True,
            markup=False,
            highlight=False,
            emoji=False,
            no_color=not color or "NO_COLOR" in os.environ,
        )
        self.progress: Progress = Progress(
            TextColumn("{task.description}", markup=False),
            BarColumn(),
            DownloadColumn(),
            TransferSpeedColumn(),
            TimeRemainingColumn(),
            console=console,
        )
        self._open = 0

    def __call__(self, name: str, done: int, total: int | None) -> _Row:
        """Start a row for one file."""
        if self._open == 0:
            self.progress.start()
        self._open += 1
        task = self.progress.add_task(name, total=total, completed=done)
        return _Row(self, task)

    def finished(self) -> None:
        """A row closed; stop drawing when none is left."""
        self._open -= 1
        if self._open <= 0:
            self._open = 0
            self.progress.stop()


def make_progress(settings: Settings, stream: TextIO | None = None) -> ProgressFactory | None:
    """The progress bar for downloads, or None (--quiet, --json, or stderr is no terminal)."""
    if settings.json or settings.quiet:
        return None
    target = sys.stderr if stream is None else stream
    try:
        if not target.isatty():
            return None
    except (AttributeError, ValueError):
        return None
    return ProgressDisplay(target, color=settings.color)


__all__ = ["ProgressDisplay", "make_progress"]
