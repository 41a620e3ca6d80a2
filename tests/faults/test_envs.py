"""Environments that are there already: a repeated install of a release that no longer works.

The env is a real venv made by a real ``aimetenv install`` of the PyPI-shaped 2.42.0 stand-ins
from a loopback index; the damage is done to its files the way users do it (a deleted folder).
"""

from __future__ import annotations

import shutil
from typing import TYPE_CHECKING

from faults.cases import case
from faults.helpers import check, files_in, python_runs, receipt_of, run
from support.envs import need_python, site_packages
from support.seeded import make_venv_with_pip
from support.standins import modern_args

if TYPE_CHECKING:
    from pathlib import Path

    from support.standins import GatedIndex


def test_a_broken_env_is_not_already_installed(index: GatedIndex, tmp_path: Path) -> None:
    prefix = tmp_path / "env"
    make_venv_with_pip(need_python("3.10"), prefix)  # made or found, the env is aimetenv's after
    args = modern_args(index.url, "--venv", str(prefix))
    assert run(*args).returncode == 0
    shutil.rmtree(site_packages(prefix) / "aimet_torch")
    receipt = receipt_of(prefix).read_bytes()
    before = files_in(prefix)
    asked = len(index.requests)

    line = check(run(*args), case("repeat-broken-env"))
    assert f"--venv {prefix}" in line
    assert files_in(prefix) == before
    assert receipt_of(prefix).read_bytes() == receipt
    assert len(index.requests) == asked

    repaired = run(*args, "--force")
    assert repaired.returncode == 0, repaired.stderr
    python_runs(prefix, "import aimet_torch")
