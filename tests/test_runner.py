"""The one door to child processes, exercised with real children."""

from __future__ import annotations

import io
import os
import sys

import pytest

from aimetenv.errors import InstallError
from aimetenv.runner import TAIL_LINES, Command, SubprocessRunner, child_env, sanitized_env
from support.recording import Answer, RecordingRunner

RUNNER = SubprocessRunner()


def test_run_captures_output_and_status() -> None:
    done = RUNNER.run(
        Command(
            (
                sys.executable,
                "-c",
                "import sys; print('out'); print('err', file=sys.stderr); sys.exit(3)",
            )
        )
    )
    assert done.returncode == 3
    assert not done.ok
    assert done.stdout.strip() == "out"
    assert done.stderr.strip() == "err"
    assert done.tail() == "out\nerr"


def test_timeout_is_data() -> None:
    done = RUNNER.run(Command((sys.executable, "-c", "import time; time.sleep(30)"), timeout=0.5))
    assert done.timed_out
    assert not done.ok


def test_missing_program_is_an_install_error() -> None:
    with pytest.raises(InstallError, match="no such file"):
        RUNNER.run(Command(("/nonexistent/program",)))


def test_stream_merges_into_the_log_and_keeps_the_tail() -> None:
    log = io.StringIO()
    seen: list[str] = []
    code = "import sys\nfor i in range(1000): print(i)\nprint('bad', file=sys.stderr)\nsys.exit(1)"
    done = RUNNER.stream(Command((sys.executable, "-c", code)), log, echo=seen.append)
    assert done.returncode == 1
    assert log.getvalue().splitlines()[0] == "0"
    assert "bad" in log.getvalue()
    assert done.stdout.splitlines()[-1] == "bad"
    assert len(done.stdout.splitlines()) == TAIL_LINES
    assert seen[-1] == "bad"


def test_stream_times_out_a_child_that_prints_nothing() -> None:
    # A hung conda create or a pip stuck on a dead socket is silent: the deadline must still hold.
    log = io.StringIO()
    code = "import os, sys, time\nprint(os.getpid(), flush=True)\ntime.sleep(120)"
    done = SubprocessRunner(grace_seconds=1).stream(
        Command((sys.executable, "-c", code), timeout=1), log
    )
    assert done.timed_out
    assert not done.ok
    pid = int(log.getvalue().split()[0])
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)


def test_stream_times_out_a_child_that_keeps_printing() -> None:
    log = io.StringIO()
    code = "import time\nwhile True:\n    print('busy', flush=True)\n    time.sleep(0.05)"
    done = RUNNER.stream(Command((sys.executable, "-c", code), timeout=1), log)
    assert done.timed_out
    assert log.getvalue().startswith("busy\n")


def test_sanitized_env_drops_what_misdirects_pip() -> None:
    env = sanitized_env(
        {"PYTHONPATH": "/x", "PIP_TARGET": "/t", "PIP_INDEX_URL": "https://i", "HOME": "/h"},
        {"EXTRA": "1", "HOME": None},
    )
    assert "PYTHONPATH" not in env
    assert "PIP_TARGET" not in env
    assert "HOME" not in env
    assert env["PIP_INDEX_URL"] == "https://i"
    assert env["PIP_NO_INPUT"] == "1"
    assert env["EXTRA"] == "1"


def test_as_user_keeps_the_environment() -> None:
    command = Command(("x",), sanitize=False)
    assert child_env(command, {"PYTHONPATH": "/x"}) == {"PYTHONPATH": "/x"}


def test_environment_reaches_the_child() -> None:
    done = RUNNER.run(
        Command(
            (sys.executable, "-c", "import os; print(os.environ['SIGIL'])"), env={"SIGIL": "$x y'z"}
        )
    )
    assert done.stdout.strip() == "$x y'z"


def test_display_quotes_for_a_shell() -> None:
    assert Command(("pip", "install", "pip<24.1")).display() == "pip install 'pip<24.1'"


def test_the_recording_runner_answers_by_the_longest_prefix() -> None:
    log = io.StringIO()
    runner = RecordingRunner(
        answers={("pip",): Answer(stdout="generic"), ("pip", "install"): Answer(returncode=1)}
    )
    assert runner.run(Command(("pip", "list"))).stdout == "generic"
    assert runner.stream(Command(("pip", "install", "x")), log).returncode == 1
    assert runner.run(Command(("conda",))).ok
    assert runner.argvs == [("pip", "list"), ("pip", "install", "x"), ("conda",)]


def test_stream_ticks_while_a_child_prints_nothing() -> None:
    # The heartbeat of a silent pip rests on this: ticks come whether or not a line arrives.
    ticks: list[int] = []
    seen: list[str] = []
    code = "import time\nprint('start', flush=True)\ntime.sleep(1)"
    done = RUNNER.stream(
        Command((sys.executable, "-c", code)),
        io.StringIO(),
        echo=seen.append,
        tick=lambda: ticks.append(len(seen)),
    )
    assert done.ok
    assert seen == ["start"]
    assert any(count == 1 for count in ticks[1:]), ticks  # ticks after the only line, while silent
