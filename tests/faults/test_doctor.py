"""The doctor's rows of the fault table: each fault planted for real, doctor run as users run it."""

from __future__ import annotations

import os
import subprocess  # noqa: TID251  # one run with a stdout the reader has closed
import sys
from typing import TYPE_CHECKING

from faults.cases import case
from faults.helpers import check, run, tail
from support.doctor_envs import clobbered_env, crashing_quantsim_env, numpy_abi_env, session_env
from support.envs import need_python
from support.seeded import copy_venv
from support.standins import aimetenv_argv, hermetic_env

if TYPE_CHECKING:
    from pathlib import Path

    import pytest

    from faults.cases import Case
    from faults.helpers import Ran


def report_line(ran: Ran, row: Case) -> str:
    """The row's line in the report on stdout; the exit code is the row's, no traceback."""
    assert "Traceback" not in ran.stdout + ran.stderr, tail(ran.stderr)
    assert ran.returncode == row.exit_code, tail(ran.stdout + ran.stderr)
    found = [line for line in ran.stdout.splitlines() if row.matches(line)]
    assert found, f"\n  expected: {row.line}\n  report:\n{tail(ran.stdout)}"
    return found[0]


def test_not_an_environment() -> None:
    row = case("doctor-not-an-env")
    ran = run("doctor", "--venv", "/etc")
    check(ran, row)


def test_an_interpreter_given_as_venv(tmp_path: Path) -> None:
    row = case("doctor-venv-is-interpreter")
    python = sys.executable
    ran = run("doctor", "--venv", python)
    check(ran, row)
    again = run("doctor", "--python", python, "--check", "interpreter")
    assert again.returncode == 0, tail(again.stdout + again.stderr)


def test_python_2_7() -> None:
    row = case("doctor-python-2-7")
    ran = run("doctor", "--python", str(need_python("2.7")))
    line = report_line(ran, row)
    assert "does not run" not in line


def test_a_closed_stdout() -> None:
    row = case("doctor-closed-stdout")
    read, write = os.pipe()
    os.close(read)
    try:
        result = subprocess.run(
            aimetenv_argv("doctor", "--python", sys.executable, "--check", "interpreter"),
            stdout=write, stderr=subprocess.PIPE, text=True, check=False, env=hermetic_env(),
        )  # fmt: skip
    finally:
        os.close(write)
    assert result.returncode == row.exit_code, result.stderr
    assert result.stderr == ""


def test_numpy_abi(tmp_path_factory: pytest.TempPathFactory, tmp_path: Path) -> None:
    row = case("doctor-numpy-abi")
    # a copy of the run's shared env (tests/doctor/checks has it too): the fix below changes it
    prefix = copy_venv(session_env(tmp_path_factory, "numpy-abi", numpy_abi_env), tmp_path / "env")
    ran = run("doctor", "--venv", str(prefix), "--check", "package-import")
    report_line(ran, row)
    fix = next(line for line in ran.stdout.splitlines() if "fix: Install NumPy 1.x: " in line)
    command = fix.split("fix: Install NumPy 1.x: ", 1)[1]
    wheels = "/opt/pypi-more/files"
    # The env was made without pip; the pip check's own fix gives it one first.
    subprocess.run(
        [str(prefix / "bin" / "python"), "-m", "ensurepip"], check=True, capture_output=True
    )
    subprocess.run(  # noqa: S602  # the printed line, pasted into a shell, offline
        f"{command} --no-index -f {wheels}", shell=True, check=True, capture_output=True,
        env={**hermetic_env(), "PIP_CONFIG_FILE": "/dev/null"},
    )  # fmt: skip
    after = run("doctor", "--venv", str(prefix), "--check", "package-import")
    assert after.returncode == 0, tail(after.stdout)


def test_files_gone(tmp_path: Path) -> None:
    row = case("doctor-files-gone")
    prefix = clobbered_env(tmp_path)
    ran = run(
        "doctor", "--venv", str(prefix), "--tag", "2.42.0", "--variant", "onnx-cpu",
        "--check", "package-import",
    )  # fmt: skip
    report_line(ran, row)
    assert "--force-reinstall --no-deps onnxruntime-gpu==1.19.2" in ran.stdout


def test_deep_crash(tmp_path: Path) -> None:
    row = case("doctor-deep-crash")
    prefix = crashing_quantsim_env(tmp_path)
    ran = run(
        "doctor", "--venv", str(prefix), "--tag", "2.42.0", "--variant", "torch-cpu", "--deep",
        "--check", "quantize",
    )  # fmt: skip
    report_line(ran, row)
    assert "--check requirements" in ran.stdout
