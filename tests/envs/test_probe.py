"""The probe runs inside real interpreters from 3.6 to 3.13 and reports their facts."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

import pytest

from aimetenv.envs.facts import facts_from_probe
from aimetenv.envs.probe import run_probe
from aimetenv.errors import UsageError
from aimetenv.runner import SubprocessRunner
from support.envs import need_python

if TYPE_CHECKING:
    from pathlib import Path


@pytest.mark.parametrize("version", ["3.6", "3.7", "3.8", "3.9", "3.10", "3.11", "3.12", "3.13"])
def test_probe_on_old_and_new_pythons(version: str) -> None:
    python = need_python(version)
    data = run_probe(SubprocessRunner(), python)
    facts = facts_from_probe(data)
    assert facts.python_xy == version
    assert facts.origin == "probe"
    assert data["implementation"] == "cpython"
    assert data["glibc"]
    assert data["site_packages"]
    assert "pip" in data["distributions"]
    assert data["pip_version"]
    if version == "3.6":
        assert data["abiflags"] == "m"


def test_probe_sees_pythonpath_only_as_user(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PYTHONPATH", str(tmp_path))
    (tmp_path / "libpymo.py").write_text("")
    plain = run_probe(SubprocessRunner(), __import__("pathlib").Path(sys.executable))
    user = run_probe(SubprocessRunner(), __import__("pathlib").Path(sys.executable), as_user=True)
    assert plain["modules"]["libpymo"] is None
    assert user["modules"]["libpymo"]["origin"] == str(tmp_path / "libpymo.py")


def test_probe_of_something_that_is_not_python(tmp_path: Path) -> None:
    fake = tmp_path / "python"
    fake.write_text("#!/bin/sh\necho hello\n")
    fake.chmod(0o755)
    with pytest.raises(UsageError, match="could not report its facts"):
        run_probe(SubprocessRunner(), fake)
    with pytest.raises(UsageError, match="cannot run the interpreter"):
        run_probe(SubprocessRunner(), tmp_path / "missing")
