"""One install per environment: a real second process is refused at once with exit code 6."""

from __future__ import annotations

import subprocess  # noqa: TID251  # a second, real process holds the lock
import sys
from pathlib import Path

import pytest

from aimetenv.errors import BusyError
from aimetenv.exit_codes import ExitCode
from aimetenv.install.locks import env_lock, lock_path

HOLDER = """
import sys
from pathlib import Path
from aimetenv.install.locks import env_lock
with env_lock(Path(sys.argv[1]), Path(sys.argv[2]), label="venv x"):
    print("held", flush=True)
    sys.stdin.readline()
"""


def start_holder(prefix: Path, state: Path) -> subprocess.Popen[str]:
    """Another process that holds the lock of ``prefix`` until it reads a line (or is killed)."""
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(prefix), str(state)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert holder.stdout is not None
    assert holder.stdout.readline().strip() == "held"
    return holder


def test_lock_path_is_stable_and_outside_the_env(tmp_path: Path) -> None:
    state = tmp_path / "state"
    first = lock_path(Path("/envs/a"), state)
    assert first == lock_path(Path("/envs/a"), state)
    assert first != lock_path(Path("/envs/b"), state)
    assert first.parent == state / "locks"
    assert len(first.stem) == 16


def test_a_second_process_is_refused_while_the_first_holds_the_lock(tmp_path: Path) -> None:
    prefix, state = tmp_path / "env", tmp_path / "state"
    holder = start_holder(prefix, state)
    try:
        with pytest.raises(BusyError) as refused, env_lock(prefix, state, label="venv x"):
            pass
        assert refused.value.exit_code == ExitCode.BUSY
        assert refused.value.message == (
            f"another aimetenv process is installing into venv x (pid {holder.pid})"
        )
    finally:
        holder.communicate("\n", timeout=30)
    with env_lock(prefix, state, label="venv x") as path:  # released when its holder exits
        assert path == lock_path(prefix, state)


def test_a_killed_holder_leaves_no_stale_lock(tmp_path: Path) -> None:
    prefix, state = tmp_path / "env", tmp_path / "state"
    holder = start_holder(prefix, state)
    holder.kill()
    holder.wait(timeout=30)
    with env_lock(prefix, state, label="venv x"):
        pass
