from __future__ import annotations

from typing import TYPE_CHECKING

from aimetenv.doctor.checks.interpreter import check_interpreter
from aimetenv.doctor.model import Status
from support.envs import need_python

if TYPE_CHECKING:
    from pathlib import Path

    from support.doctor_envs import MakeContext


def test_a_working_venv(make_ctx: MakeContext, plain_legacy_env: Path) -> None:
    result = check_interpreter(make_ctx(plain_legacy_env))
    assert result.status is Status.OK
    assert result.summary.startswith(f"venv {plain_legacy_env} (a test target): cpython 3.7.")
    assert result.facts["executable"] == str(plain_legacy_env / "bin" / "python")


def test_a_venv_whose_base_python_is_gone(make_ctx: MakeContext, tmp_path: Path) -> None:
    prefix = tmp_path / "orphan"
    (prefix / "bin").mkdir(parents=True)
    (prefix / "bin" / "python").symlink_to(tmp_path / "removed" / "python3.9")
    result = check_interpreter(make_ctx(prefix))
    assert result.status is Status.FAIL
    assert "the interpreter does not run" in result.summary
    assert result.hint is not None
    assert "--recreate" in result.hint or "Name an existing environment" in result.hint


def test_an_interpreter_that_is_not_python(make_ctx: MakeContext, tmp_path: Path) -> None:
    fake = tmp_path / "python"
    fake.write_text("#!/bin/sh\necho not python\nexit 3\n")
    fake.chmod(0o755)
    result = check_interpreter(make_ctx(python=fake, kind="python"))
    assert result.status is Status.FAIL
    assert "could not report its facts" in result.summary
    assert result.hint is not None
    assert f"{fake} -c pass" in result.hint


def test_python_2_7_is_too_old_not_broken(make_ctx: MakeContext) -> None:
    """The real pyenv Python 2.7: it runs, prints 'Python 2.7.18' on stderr, and is too old."""
    python27 = need_python("2.7")
    result = check_interpreter(make_ctx(python=python27, kind="python"))
    assert result.status is Status.FAIL
    assert result.summary == (
        f"interpreter {python27} (a test target): Python 2.7 is too old: AIMET and aimetenv's "
        "checks need Python 3 (3.6 or newer; each release names its own)"
    )
    assert "does not run" not in result.summary
    assert result.hint is not None
    assert "create one with the release's Python" in result.hint
