"""The --deep programs run on every Python from 3.6 to 3.13 and always answer, even on failure."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from aimetenv.doctor.loading import QUANTIZE_PROGRAMS, read_answer, run_program
from aimetenv.runner import Command, Completed
from support.envs import need_python

if TYPE_CHECKING:
    from pathlib import Path

    from support.doctor_envs import MakeContext


@pytest.mark.parametrize("version", ["3.6", "3.13"])
@pytest.mark.parametrize("framework", ["torch", "onnx"])
def test_quantize_program_reports_the_real_error(
    version: str,
    framework: str,
    make_ctx: MakeContext,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The program's first import fails the way a broken install does, first on the import path.
    first = {"torch": "torch", "onnx": "numpy"}[framework]
    (tmp_path / f"{first}.py").write_text("raise ImportError('libfake.so.1: cannot open')\n")
    monkeypatch.setenv("PYTHONPATH", str(tmp_path))
    ctx = make_ctx(python=need_python(version), kind="python")
    answer = run_program(ctx, QUANTIZE_PROGRAMS[framework], timeout=120)
    assert answer.document is not None, answer.problem
    assert not answer.ok
    assert answer.document["error"] == "ImportError: libfake.so.1: cannot open"
    assert any(f"{first}.py" in line for line in answer.document["traceback"])
    assert not any("importlib" in line for line in answer.document["traceback"])


def test_noise_on_stdout_does_not_hide_the_answer() -> None:
    text = 'Unable to import cvxpy\nB-1\n{"ok": true}\nE-1\nbye\n'
    answer = read_answer(Completed(Command(argv=("x",)), 0, text, "", 0.1), "B-1", "E-1")
    assert answer.ok


def test_a_crash_or_a_time_out_is_a_problem_not_an_answer() -> None:
    command = Command(argv=("x",), timeout=5)
    stdout = "\nB-native /env/torch/_C.so\nnoise\nB-native /env/aimet_torch/_q.so\n"
    crashed = read_answer(Completed(command, -11, stdout, "Segmentation fault", 0.1), "B", "E")
    assert crashed.document is None
    assert crashed.problem == "was killed by SIGSEGV (signal 11, a segmentation fault)"
    assert crashed.signal == 11
    assert crashed.native_loaded == ("/env/torch/_C.so", "/env/aimet_torch/_q.so")
    late = read_answer(Completed(command, -9, "", "", 5.0, timed_out=True), "B", "E")
    assert late.problem == "did not finish within 5 s"
