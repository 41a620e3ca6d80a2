"""What a running pip, uv or compile step is doing, read from its output lines.

``read_activity`` is pure: one line of the child's output (and the activity so far) in, the
activity to show out, or None when the line says nothing new. ``Watcher`` is what receives it: the
CLI draws the activity in place on a terminal, or writes a heartbeat line without one. The core
only reports (``execute.WatchedRunner``); it never prints.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path
    from typing import IO

    from aimetenv.runner import Command, Completed, Runner


@dataclass(frozen=True)
class Activity:
    """One thing a child is doing: what pip said, and how far a download is when pip says so."""

    text: str
    """``Collecting torch``, ``Downloading torch-2.1.0-....whl (190.0 MB)``, ..."""
    percent: float | None = None
    """Of the current download, when pip prints its progress (``--progress-bar raw``)."""


_SIZE = r"\((?P<size>[0-9.]+\s*[kKMGT]?i?B)\)"
_PATTERNS = (
    # pip: "Collecting torch==2.1.0 (from aimet-onnx==2.42.0)" -> "Collecting torch==2.1.0"
    (re.compile(r"^\s*Collecting (?P<what>\S+)"), "Collecting {what}"),
    # pip: "  Downloading https://host/p/torch-2.1.0-...whl (190.0 MB)", or the file name alone;
    # and uv prints "Downloading torch (180.4MiB)"
    (re.compile(r"^\s*Downloading (?P<what>\S+)\s*" + _SIZE), "Downloading {what} ({size})"),
    (re.compile(r"^\s*Downloading (?P<what>\S+)\s*$"), "Downloading {what}"),
    (re.compile(r"^\s*Using cached (?P<what>\S+)"), "Using cached {what}"),
    (re.compile(r"^\s*Processing (?P<what>\S+)"), "Processing {what}"),
    (re.compile(r"^\s*Requirement already satisfied: (?P<what>\S+)"), "Already satisfied: {what}"),
    (re.compile(r"^\s*Building wheels? for (?P<what>.+?)\s*(?:\(|$)"), "Building wheel for {what}"),
    (re.compile(r"^\s*Installing collected packages: (?P<what>.+)$"),
     "Installing collected packages: {what}"),
    (re.compile(r"^\s*Installing build dependencies"), "Installing build dependencies"),
    # uv: "Resolved 12 packages in 1.02s", "Prepared 3 packages ...", "Installed 3 packages ..."
    (re.compile(r"^\s*(?P<what>(?:Resolved|Prepared|Installed|Uninstalled|Audited) \d+ packages?)"),
     "{what}"),
    # python -m compileall: "Compiling '/env/lib/.../x.py'..."
    (re.compile(r"^\s*Compiling '(?P<what>[^']+)'"), "Compiling {what}"),
    (re.compile(r"^\s*Listing '(?P<what>[^']+)'"), "Listing {what}"),
)  # fmt: skip
_RAW_PROGRESS = re.compile(r"^\s*Progress (?P<done>\d+) of (?P<total>\d+)\s*$")
_LONGEST = 200


def _short(what: str) -> str:
    """A URL or path shortened to its last part (never a host or credentials)."""
    if "://" in what or what.startswith("/"):
        what = what.rstrip("/").rsplit("/", 1)[-1]
    return what[:_LONGEST]


def read_activity(line: str, current: Activity | None = None) -> Activity | None:
    """The activity ``line`` announces, or None when it says nothing new.

    A progress line (``Progress 1024 of 4096``, pip's ``--progress-bar raw``) updates the percent of
    the download under way; every other recognised line starts a new activity.
    """
    raw = _RAW_PROGRESS.match(line)
    if raw is not None:
        total = int(raw["total"])
        if current is None or total <= 0:
            return None
        return replace(current, percent=min(100.0, 100.0 * int(raw["done"]) / total))
    for pattern, template in _PATTERNS:
        match = pattern.match(line)
        if match is not None:
            fields = {k: _short(v) if k == "what" else v for k, v in match.groupdict().items()}
            return Activity(template.format(**fields))
    return None


def elapsed_text(seconds: float) -> str:
    """``12 s``, ``2 min 30 s``, ``1 h 5 min``: how long a step has run, for people."""
    whole = int(seconds)
    if whole < 60:  # noqa: PLR2004  # seconds in a minute
        return f"{whole} s"
    minutes, secs = divmod(whole, 60)
    if minutes < 60:  # noqa: PLR2004  # minutes in an hour
        return f"{minutes} min {secs} s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes} min"


class Watcher(Protocol):
    """Receives what happens inside the steps of an install (the CLI renders it)."""

    def log_opened(self, path: Path) -> None:
        """The install log was opened; everything the children print goes there."""
        ...

    def child_started(self, tool: str) -> None:
        """A child (``pip``, ``uv``, ``python``, ``conda``) started."""
        ...

    def child_activity(self, activity: Activity) -> None:
        """The child's current activity changed."""
        ...

    def child_tick(self) -> None:
        """The child is still running (called at least every 0.2 s, output or not)."""
        ...

    def child_finished(self, completed: Completed) -> None:
        """The child ended (or timed out)."""
        ...

    def retrying(self, number: int, retries: int, code: str) -> None:
        """A download attempt failed; retry ``number`` of ``retries`` follows.

        ``code`` is the failure's: ``timeout``, ``connection``, ``http-503``, ...
        """
        ...


class WatchedRunner:
    """A ``Runner`` that tells a ``Watcher`` what each streamed child is doing.

    ``run`` (short children: probes, the smoke test) passes straight through; ``stream`` (the
    steps: create, pip, uv, compile) reads each output line into an ``Activity`` and ticks the
    watcher on every poll of the child, so that a silent pip still shows its clock.
    """

    def __init__(self, inner: Runner, watcher: Watcher) -> None:
        """Wrap ``inner``; report to ``watcher``."""
        self.inner = inner
        self.watcher = watcher

    def run(self, command: Command) -> Completed:
        """``inner.run``, unwatched."""
        return self.inner.run(command)

    def stream(
        self,
        command: Command,
        log: IO[str],
        echo: Callable[[str], None] | None = None,
        tick: Callable[[], None] | None = None,
    ) -> Completed:
        """``inner.stream``, with each line read into the watcher's activity."""
        watcher = self.watcher
        current: list[Activity | None] = [None]

        def line(text: str) -> None:
            if echo is not None:
                echo(text)
            activity = read_activity(text, current[0])
            if activity is not None and activity != current[0]:
                current[0] = activity
                watcher.child_activity(activity)

        def ticked() -> None:
            if tick is not None:
                tick()
            watcher.child_tick()

        watcher.child_started(tool_name(command.argv))
        completed = self.inner.stream(command, log, line, ticked)
        watcher.child_finished(completed)
        return completed


#: The first pip with ``--progress-bar raw`` (``Progress DONE of TOTAL`` lines); older ones refuse it.
RAW_PROGRESS_PIP = (24, 1)


def pip_beside(python: str) -> tuple[int, ...] | None:
    """The version of the one pip installed in the environment of ``python`` (``ENV/bin/python``).

    Read from its ``pip-X.Y.dist-info`` folder name under ``ENV/lib/python*/site-packages``; None
    when there is none, more than one, or a name that is not a plain version.
    """
    from pathlib import Path  # noqa: PLC0415  # only for a pip step

    prefix = Path(python).parent.parent
    try:
        found = list(prefix.glob("lib/python*/site-packages/pip-*.dist-info"))
    except OSError:
        return None
    if len(found) != 1:
        return None
    version = found[0].name[len("pip-") : -len(".dist-info")]
    parts = re.match(r"^(\d+)\.(\d+)", version)
    return None if parts is None else (int(parts[1]), int(parts[2]))


def progress_env(argv: tuple[str, ...]) -> dict[str, str]:
    """``PIP_PROGRESS_BAR=raw`` for a ``python -m pip install`` whose pip prints it, else nothing.

    With it, pip prints its download progress as lines (four a second at most) that
    ``read_activity`` turns into a percent. Checked at each step, since a step before may have
    changed pip (a ``pip<24.1`` bound).
    """
    if argv[1:4] != ("-m", "pip", "install"):
        return {}
    version = pip_beside(argv[0])
    return {"PIP_PROGRESS_BAR": "raw"} if version and version >= RAW_PROGRESS_PIP else {}


def without_progress(text: str) -> str:
    """``text`` without pip's ``Progress DONE of TOTAL`` lines: what a failure's tail shows."""
    return "\n".join(line for line in text.splitlines() if not _RAW_PROGRESS.match(line))


def tool_name(argv: tuple[str, ...]) -> str:
    """``pip``, ``uv``, ``compile``, ``venv`` or the program's name: what a heartbeat names.

    The compile step runs ``python -c "import compileall; ..."`` (``actions.COMPILE_CODE``), and
    ``python -m compileall`` is the same tool: both read ``compile``.
    """
    program = argv[0].rsplit("/", 1)[-1] if argv else "?"
    if "-c" in argv[1:2]:
        code = argv[2] if len(argv) > 2 else ""  # noqa: PLR2004  # python -c CODE
        return "compile" if re.match(r"\s*import compileall\b", code) else program
    if program == "uv" or "-m" not in argv:
        return program
    module = argv[argv.index("-m") + 1] if argv.index("-m") + 1 < len(argv) else program
    return {"compileall": "compile"}.get(module, module)


__all__ = [
    "RAW_PROGRESS_PIP",
    "Activity",
    "WatchedRunner",
    "Watcher",
    "elapsed_text",
    "pip_beside",
    "progress_env",
    "read_activity",
    "tool_name",
    "without_progress",
]
