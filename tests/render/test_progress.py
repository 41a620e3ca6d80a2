"""Progress while an install runs: the heartbeat without a terminal, the redraw in a real one.

The terminal tests run a small script inside tmux (a real pseudo-terminal of a chosen width) and
read the screen tmux shows afterwards: what a user would be left looking at.
"""

from __future__ import annotations

import hashlib
import io
import os
import shutil
import subprocess  # noqa: TID251  # tmux drives the terminal; the code under test uses runner.py
import sys
import textwrap
import time
from typing import TYPE_CHECKING

import pytest
from rich.console import Console

from aimetenv.cli.install import _ConsoleReporter
from aimetenv.fetch.download import Downloader
from aimetenv.install.activity import WatchedRunner
from aimetenv.install.plan import PlannedWheel
from aimetenv.render.progress import retry_line
from aimetenv.runner import Command, SubprocessRunner
from support.releasehost import ReleaseHost

if TYPE_CHECKING:
    from pathlib import Path

SILENT_PIP = (
    "import time\nprint('Collecting torch==2.1.0 (from aimet-onnx==2.42.0)', flush=True)\n"
    "time.sleep(0.6)\nprint('Installing collected packages: torch', flush=True)\ntime.sleep(0.6)"
)


def plain_reporter(heartbeat_seconds: float) -> tuple[_ConsoleReporter, io.StringIO]:
    text = io.StringIO()
    console = Console(file=text, markup=False, highlight=False, width=200)
    return _ConsoleReporter(
        console, talk=True, echo=False, heartbeat_seconds=heartbeat_seconds
    ), text


def test_without_a_terminal_a_silent_step_writes_heartbeats_naming_its_last_activity() -> None:
    reporter, text = plain_reporter(heartbeat_seconds=0.0)  # a heartbeat on every poll
    runner = WatchedRunner(SubprocessRunner(), reporter)
    done = runner.stream(Command((sys.executable, "-c", SILENT_PIP)), io.StringIO())
    assert done.ok
    lines = text.getvalue().splitlines()
    assert lines, "no heartbeat at all"
    assert all(line.startswith("      still running python: ") for line in lines), lines
    assert any(line.endswith(", last: Collecting torch==2.1.0") for line in lines), lines
    assert "\r" not in text.getvalue()  # nothing is redrawn in a log


def test_without_a_terminal_no_heartbeat_before_the_interval() -> None:
    reporter, text = plain_reporter(heartbeat_seconds=3600.0)
    runner = WatchedRunner(SubprocessRunner(), reporter)
    assert runner.stream(Command((sys.executable, "-c", SILENT_PIP)), io.StringIO()).ok
    assert text.getvalue() == ""


def test_a_download_retry_is_said_once_per_retry(tmp_path: Path) -> None:
    reporter, text = plain_reporter(heartbeat_seconds=3600.0)
    data = bytes(range(256)) * 64
    name = "AimetCommon-torch_cpu_1.16.2.py37-cp37-cp37m-linux_x86_64.whl"
    with ReleaseHost(tmp_path / "host") as host:
        url = host.publish("1.16.2.py37", name, data)
        host.fail(url, times=2, status=503)
        downloader = Downloader(
            cache_root=tmp_path / "cache", backoff=0.0, timeout=10.0, on_retry=reporter.retrying
        )
        wheel = PlannedWheel(filename=name, url=url, confidence="inferred",
                             sha256=hashlib.sha256(data).hexdigest())  # fmt: skip
        assert downloader.fetch(wheel, "1.16.2.py37").size == len(data)
    assert text.getvalue().splitlines() == [
        "      retry 1/4 after HTTP 503",
        "      retry 2/4 after HTTP 503",
    ]


def test_retry_causes_read_as_words() -> None:
    assert retry_line(2, 5, "timeout") == "      retry 2/5 after a time-out"
    assert retry_line(1, 4, "connection") == "      retry 1/4 after a broken connection"


TMUX = shutil.which("tmux")
needs_tmux = pytest.mark.skipif(TMUX is None, reason="tmux is not installed")


def on_screen(tmp_path: Path, script: str, *, width: int) -> list[str]:
    """Run ``script`` in a tmux pane ``width`` columns wide; the pane's lines when it is done."""
    assert TMUX is not None
    path = tmp_path / "script.py"
    done = tmp_path / "done"
    path.write_text(textwrap.dedent(script))
    # tmp_path.name repeats across xdist workers (each has its own base folder): the pid keeps
    # two workers' panes off one tmux server.
    socket = f"aimetenv-test-{os.getpid()}-{tmp_path.name}"
    # COLUMNS (which the suite sets for its own output) would override the pane's width.
    shell = f"env -u COLUMNS -u LINES {sys.executable} {path} 2>&1; touch {done}; sleep 60"
    tmux = [TMUX, "-L", socket, "-f", "/dev/null"]
    subprocess.run([*tmux, "new-session", "-d", "-x", str(width), "-y", "30", shell], check=True)
    try:
        for _ in range(600):  # until the script is done: a condition, not a time limit
            if done.exists():
                break
            time.sleep(0.05)
        assert done.exists(), "the script in tmux did not finish"
        screen = subprocess.run(
            [*tmux, "capture-pane", "-p"], check=True, capture_output=True, text=True
        ).stdout
    finally:
        subprocess.run([*tmux, "kill-server"], check=False)
    return [line for line in screen.splitlines() if line.strip()]


STEP_SCRIPT = """
    import io, sys
    from rich.console import Console
    from aimetenv.cli.install import _ConsoleReporter
    from aimetenv.install.activity import WatchedRunner
    from aimetenv.runner import Command, SubprocessRunner

    code = (
        "import time\\n"
        "print('Collecting a-package-name-much-longer-than-the-terminal-is-wide==1.0', flush=True)\\n"
        "time.sleep(0.5)\\n"
        "print('Installing collected packages: a-package', flush=True)\\n"
        "time.sleep(0.5)\\n"
    )
    err = Console(file=sys.stderr, markup=False, highlight=False)
    assert err.is_terminal
    reporter = _ConsoleReporter(err, talk=True, echo=False)
    print("[1/1] install", file=sys.stderr)
    WatchedRunner(SubprocessRunner(), reporter).stream(
        Command((sys.executable, "-c", code)), io.StringIO()
    )
    print("END", file=sys.stderr)
"""


@needs_tmux
@pytest.mark.parametrize("width", [30, 100])
def test_on_a_terminal_the_step_is_redrawn_in_place_and_leaves_one_row(
    tmp_path: Path, width: int
) -> None:
    lines = on_screen(tmp_path, STEP_SCRIPT, width=width)
    assert lines[0] == "[1/1] install"
    assert lines[1].startswith("      python done in ")
    assert lines[2:] == ["END"], lines
    assert all(len(line) <= width for line in lines)


DOWNLOAD_SCRIPT = """
    import sys
    from aimetenv.render.progress import ProgressDisplay

    display = ProgressDisplay(sys.stderr)
    for name in ("first-file-with-a-long-name.whl", "second-file-with-a-long-name.whl"):
        row = display(name, 0, 4096)
        for _ in range(8):
            row.advance(512)
        row.close()
    print("END", file=sys.stderr)
"""


@needs_tmux
@pytest.mark.parametrize("width", [30, 120])
def test_finished_download_rows_are_printed_once_at_any_width(tmp_path: Path, width: int) -> None:
    lines = on_screen(tmp_path, DOWNLOAD_SCRIPT, width=width)
    screen = "\n".join(lines)
    assert lines[-1] == "END"
    assert len(lines) == 3, screen  # one row per file, each on one line
    for stem in ("first-file", "second-file"):
        assert screen.count(stem) == 1, screen
    assert all(len(line) <= width for line in lines)
