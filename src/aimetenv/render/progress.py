"""Progress on stderr: the download bar, and the status of a running pip, uv or compile step.

``StepStatus`` shows what a step's child is doing (``install.activity``): on a terminal one line,
redrawn in place, with the elapsed time and pip's current activity, cut to the terminal's width so
that it never wraps (a wrapped line could not be redrawn and would be left behind), and replaced by
one finished row when the child ends; without a terminal, a heartbeat line every 30 s
("still running pip: 2 min 30 s, last: Collecting torch"), so that a CI log shows the install is
alive while pip is silent.

The download bar:

``make_progress`` returns a ``ProgressFactory`` (see ``aimetenv.fetch.progress``) or None: None with
``--quiet`` or ``--json``, and None when stderr is not a terminal (CI logs, pipes, files), so
nothing but the command's own lines ever reaches a log. One rich ``Progress`` display starts with
the first file and stops when the last file closes; each file is one row with its size, speed and
time left.
"""

from __future__ import annotations

import os
import sys
import time
from typing import IO, TYPE_CHECKING, TextIO

from aimetenv.install.activity import elapsed_text

if TYPE_CHECKING:
    from collections.abc import Callable

    from rich.progress import Progress, TaskID

    from aimetenv.fetch.progress import ProgressFactory
    from aimetenv.install.activity import Activity
    from aimetenv.render.console import Settings
    from aimetenv.runner import Completed

HEARTBEAT_SECONDS = 30.0
"""Without a terminal, how often a running step says it is still running."""
_INDENT = "      "
_CLEAR = "\r\x1b[2K"
_RETRY_CAUSES = {"timeout": "a time-out", "connection": "a broken connection"}


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
        from rich.table import Column  # noqa: PLC0415  # rich only when something is drawn

        def one_line(ratio: int | None = None, min_width: int | None = None) -> Column:
            # A row that wraps cannot be redrawn in place: rich would leave its old lines
            # behind, so that each finished row showed several times on a narrow terminal.
            return Column(no_wrap=True, overflow="ellipsis", ratio=ratio, min_width=min_width)

        self.progress: Progress = Progress(
            TextColumn("{task.description}", markup=False, table_column=one_line(min_width=12)),
            BarColumn(bar_width=None, table_column=one_line(ratio=1)),
            DownloadColumn(table_column=one_line()),
            TransferSpeedColumn(table_column=one_line()),
            TimeRemainingColumn(table_column=one_line()),
            console=console,
            expand=True,
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
            # Its rows are on the screen now; kept, the next start would draw them again.
            for task in list(self.progress.task_ids):
                self.progress.remove_task(task)


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


def activity_text(activity: Activity | None) -> str:
    """``Downloading torch-....whl (190.0 MB) 45%``, or ``starting`` before pip says anything."""
    if activity is None:
        return "starting"
    if activity.percent is None:
        return activity.text
    return f"{activity.text} {activity.percent:.0f}%"


def retry_line(number: int, retries: int, code: str) -> str:
    """``retry 2/4 after a time-out``: a download attempt failed and another follows."""
    cause = f"HTTP {code[5:]}" if code.startswith("http-") else _RETRY_CAUSES.get(code, code)
    return f"{_INDENT}retry {number}/{retries} after {cause}"


def heartbeat_line(tool: str, seconds: float, activity: Activity | None) -> str:
    """``still running pip: 2 min 30 s, last: Collecting torch``."""
    line = f"{_INDENT}still running {tool}: {elapsed_text(seconds)}"
    if activity is not None:
        line += f", last: {activity_text(activity)}"
    return line


def finished_line(tool: str, completed: Completed) -> str:
    """The one row a finished step leaves on a terminal."""
    took = elapsed_text(completed.seconds)
    if completed.timed_out:
        return f"{_INDENT}{tool} timed out after {took}"
    if completed.returncode != 0:
        return f"{_INDENT}{tool} ended with exit status {completed.returncode} after {took}"
    return f"{_INDENT}{tool} done in {took}"


def _terminal_width(stream: IO[str]) -> int:
    try:
        return os.get_terminal_size(stream.fileno()).columns
    except (AttributeError, OSError, ValueError):
        return 80


class StepStatus:
    """The status of the running step on stderr: redrawn in place, or a heartbeat (see above)."""

    def __init__(  # one keyword per setting
        self,
        stream: IO[str],
        *,
        terminal: bool,
        heartbeat_seconds: float = HEARTBEAT_SECONDS,
        clock: Callable[[], float] = time.monotonic,
        width: Callable[[], int] | None = None,
    ) -> None:
        """Draw on ``stream``; ``terminal`` chooses redrawing over heartbeat lines."""
        self.stream = stream
        self.terminal = terminal
        self.heartbeat_seconds = heartbeat_seconds
        self.clock = clock
        self.width = width or (lambda: _terminal_width(stream))
        self._tool: str | None = None
        self._started = 0.0
        self._last_beat = 0.0
        self._activity: Activity | None = None
        self._drawn = False

    def started(self, tool: str) -> None:
        """A child started."""
        self._tool = tool
        self._started = self._last_beat = self.clock()
        self._activity = None
        self._draw()

    def activity(self, activity: Activity) -> None:
        """The child's activity changed."""
        self._activity = activity
        self._draw()

    def tick(self) -> None:
        """Redraw the clock, or write a heartbeat when one is due."""
        if self._tool is None:
            return
        if self.terminal:
            self._draw()
            return
        now = self.clock()
        if now - self._last_beat >= self.heartbeat_seconds:
            self._last_beat = now
            self._write(heartbeat_line(self._tool, now - self._started, self._activity) + "\n")

    def finished(self, completed: Completed) -> None:
        """The child ended: on a terminal its live line becomes one finished row."""
        tool, self._tool = self._tool, None
        if self.terminal and tool is not None:
            self._clear()
            self._write(self._fit(finished_line(tool, completed)) + "\n")

    def above(self, line: str) -> None:
        """Print a line that stays (a retry, pip's own output with -v) above the live line."""
        self._clear()
        self._write(line + "\n")
        self._draw()

    def _fit(self, line: str) -> str:
        limit = max(10, self.width() - 1)
        return line if len(line) <= limit else line[: limit - 1] + "…"

    def _draw(self) -> None:
        if not self.terminal or self._tool is None:
            return
        seconds = self.clock() - self._started
        text = f"{_INDENT}{self._tool} {elapsed_text(seconds)}: {activity_text(self._activity)}"
        self._write(_CLEAR + self._fit(text))
        self._drawn = True

    def _clear(self) -> None:
        if self._drawn:
            self._write(_CLEAR)
            self._drawn = False

    def _write(self, text: str) -> None:
        try:
            self.stream.write(text)
            self.stream.flush()
        except (OSError, ValueError):  # stderr closed under us: progress is not worth a failure
            pass


__all__ = [
    "HEARTBEAT_SECONDS",
    "ProgressDisplay",
    "StepStatus",
    "activity_text",
    "finished_line",
    "heartbeat_line",
    "make_progress",
    "retry_line",
]
