"""The legacy end to end: 1.16.2.py37 torch-cpu installed by aimetenv into a real Python 3.7 venv.

``legacy_env`` (tests/conftest.py) is made by ``aimetenv install --mirror <loopback release host>
--venv P --torch-find-links <loopback page>``: three wheels with a real compiled libpymo that
links a second shared library in its folder. These tests read it; none changes it.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess  # noqa: TID251  # running the installed AIMET the way a user would
from typing import TYPE_CHECKING

from support.envs import site_packages
from support.legacy import TAG, VARIANT, LegacyRelease
from support.standins import hermetic_env, run_aimetenv

if TYPE_CHECKING:
    from pathlib import Path


def receipt(prefix: Path) -> dict[str, object]:
    data = json.loads((prefix / "etc/aimetenv/receipt.json").read_text())
    assert isinstance(data, dict)
    return data


def test_the_receipt_records_the_files_pip_installed(
    legacy_env: Path, legacy_release: LegacyRelease
) -> None:
    data = receipt(legacy_env)
    assert (data["schema"], data["tag"], data["variant"]) == (
        "aimetenv.receipt/1",
        TAG,
        VARIANT,
    )
    assert data["python_version"] == "3.7.16"
    files = data["files"]
    assert isinstance(files, list)
    assert [(f["filename"], f["sha256"], f["size"]) for f in files] == [
        (w.name, hashlib.sha256(w.read_bytes()).hexdigest(), w.stat().st_size)
        for w in legacy_release.wheels
    ]
    assert all(f["url"].startswith("http://127.0.0.1:") for f in files)
    assert data["exports"] == {
        "LD_LIBRARY_PATH": ["aimet_common/x86_64-linux-gnu", "aimet_common"],
        "PYTHONPATH": ["aimet_common/x86_64-linux-gnu"],
        "cuda": False,
        "note": data["exports"]["note"],  # type: ignore[index]
    }


def test_aimet_runs_with_the_exports_and_not_without(legacy_env: Path) -> None:
    site = site_packages(legacy_env)
    native = site / "aimet_common/x86_64-linux-gnu"
    script = "from aimet_torch import quantsim; print(quantsim.check(), quantsim.QUANTIZATION_TF)"
    python = str(legacy_env / "bin/python")
    bare = subprocess.run(
        [python, "-c", script], env=hermetic_env(), capture_output=True, text=True, check=False
    )
    assert bare.returncode != 0
    assert "No module named 'libpymo'" in bare.stderr
    env = hermetic_env(
        PYTHONPATH=str(native),
        LD_LIBRARY_PATH=os.pathsep.join([str(native), str(site / "aimet_common")]),
    )
    ran = subprocess.run(
        [python, "-c", script], env=env, capture_output=True, text=True, check=True
    )
    assert ran.stdout.split() == ["9", "tf"]


def test_installing_it_again_is_a_no_op(legacy_env: Path) -> None:
    before = (legacy_env / "etc/aimetenv/receipt.json").read_bytes()
    # The mirror is a closed port: anything but the no-op would fail to fetch.
    args = ["install", "--variant", VARIANT, "--tag", TAG, "--venv", str(legacy_env)]
    result = run_aimetenv(*args, "--mirror", "http://127.0.0.1:9", "--json")
    assert result.returncode == 0, result.stderr
    document = json.loads(result.stdout)
    assert document["outcome"] == "already-installed"
    assert document["smoke"]["ok"] is True
    assert document["next_step"]["write"] == f"aimetenv env --venv {legacy_env} --write ~/.bashrc"
    assert (legacy_env / "etc/aimetenv/receipt.json").read_bytes() == before
