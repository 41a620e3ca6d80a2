"""The programs doctor runs inside target interpreters work on every Python from 3.6 to 3.13."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from aimetenv.doctor.loading import import_packages, load_native, read_answer
from aimetenv.runner import Command, Completed
from support.envs import need_python

if TYPE_CHECKING:
    from pathlib import Path

    from support.doctor_envs import MakeContext


@pytest.fixture
def package(tmp_path: Path) -> Path:
    """A package whose __init__ raises: loading a submodule must not run it."""
    root = tmp_path / "pkgs"
    (root / "outer" / "inner").mkdir(parents=True)
    (root / "outer" / "__init__.py").write_text("raise RuntimeError('outer __init__ ran')\n")
    (root / "outer" / "inner" / "__init__.py").write_text("raise RuntimeError('inner ran')\n")
    (root / "outer" / "inner" / "mod.py").write_text("from . import helper\nVALUE = helper.VALUE\n")
    (root / "outer" / "inner" / "helper.py").write_text("VALUE = 42\n")
    (root / "broken.py").write_text("import does_not_exist_anywhere\n")
    return root


@pytest.mark.parametrize("version", ["3.6", "3.13"])
def test_native_program_on_old_and_new_python(
    version: str, make_ctx: MakeContext, package: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    python = need_python(version)
    monkeypatch.setenv("PYTHONPATH", str(package))
    ctx = make_ctx(python=python, kind="python")
    inner = load_native(ctx, "outer.inner.mod")
    assert inner.ok, inner
    assert inner.document is not None
    assert inner.document["extension"] is False  # a .py file, which is never libpymo
    extension = load_native(ctx, "_csv")
    assert extension.document is not None
    assert extension.document["extension"] is True
    missing = load_native(ctx, "outer.nothing_here")
    assert missing.document is not None
    assert not missing.ok
    assert missing.document["error"] == "ModuleNotFoundError: No module named 'outer.nothing_here'"


@pytest.mark.parametrize("version", ["3.6", "3.13"])
def test_import_program_reports_the_real_error(
    version: str, make_ctx: MakeContext, package: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PYTHONPATH", str(package))
    ctx = make_ctx(python=need_python(version), kind="python")
    answer = import_packages(ctx, ("json", "broken"))
    assert answer.document is not None
    assert not answer.ok
    good, bad = answer.document["imports"]
    assert good["ok"]
    assert not bad["ok"]
    assert bad["error"] == "ModuleNotFoundError: No module named 'does_not_exist_anywhere'"
    assert any("broken.py" in line for line in bad["traceback"])
    assert not any("importlib" in line for line in bad["traceback"])


def test_noise_on_stdout_does_not_hide_the_answer() -> None:
    begin, end = "B-1", "E-1"
    text = 'Unable to import cvxpy\nB-1\n{"ok": true}\nE-1\nbye\n'
    answer = read_answer(Completed(Command(argv=("x",)), 0, text, "", 0.1), begin, end)
    assert answer.ok


def test_a_crash_or_a_time_out_is_a_problem_not_an_answer() -> None:
    command = Command(argv=("x",), timeout=5)
    crashed = read_answer(Completed(command, -11, "", "Segmentation fault", 0.1), "B", "E")
    assert crashed.document is None
    assert crashed.problem == "the interpreter was killed by signal 11"
    late = read_answer(Completed(command, -9, "", "", 5.0, timed_out=True), "B", "E")
    assert late.problem == "did not finish within 5 s"
