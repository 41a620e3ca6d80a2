"""aimetenv itself runs on Python 3.9: installed into a real 3.9 venv, its commands work.

typer on 3.9 reads option annotations as objects, so the command modules must not postpone
annotations; this test catches a regression the 3.11 suite cannot see.
"""

from __future__ import annotations

import json
import subprocess  # noqa: TID251  # builds and runs a real venv
import sys
from pathlib import Path

import pytest

from support.envs import need_python

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def py39_aimetenv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    python = need_python("3.9")
    venv = tmp_path_factory.mktemp("py39") / "venv"
    subprocess.run([str(python), "-m", "venv", "--without-pip", str(venv)], check=True)
    # uv (a dev tool here) installs aimetenv and its dependencies into the real 3.9 venv in a
    # fraction of pip's time; what is tested is aimetenv running there, not how it got there.
    # Byte-compiled as pip would: the commands below would each compile them again otherwise.
    uv = Path(sys.executable).with_name("uv")
    subprocess.run(
        [
            str(uv),
            "pip",
            "install",
            "--quiet",
            "--compile-bytecode",
            "--python",
            str(venv / "bin" / "python"),
            str(ROOT),
        ],
        check=True,
        capture_output=True,
    )
    return venv / "bin" / "aimetenv"


@pytest.mark.slow
def test_commands_work_on_python_39(py39_aimetenv: Path) -> None:
    result = subprocess.run(
        [str(py39_aimetenv), "resolve", "--variant", "torch-cpu", "--tag", "1.16.2.py37", "--json"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert len(json.loads(result.stdout)["wheels"]) == 3
    for args in (
        ["--help"],
        ["releases", "--help"],
        ["install", "--help"],
        ["env", "--help"],
        ["doctor", "--help"],
        ["download", "--help"],
    ):
        shown = subprocess.run(
            [str(py39_aimetenv), *args], capture_output=True, text=True, check=False
        )
        assert shown.returncode == 0, (args, shown.stderr)
        assert "Usage" in shown.stdout
    env_dir = py39_aimetenv.parent.parent.parent / "target"
    for args in (
        ["releases", "2.42.0", "--json"],
        [
            "install",
            "--variant",
            "torch-cpu",
            "--tag",
            "1.16.2.py37",
            "--venv",
            str(env_dir),
            "--dry-run",
        ],
        [
            "download",
            "--variant",
            "torch-cpu",
            "--tag",
            "1.16.2.py37",
            "-d",
            str(env_dir),
            "--help",
        ],
        ["env", "--venv", str(env_dir), "--shell", "json"],
        ["doctor", "--list"],
    ):
        ran = subprocess.run(
            [str(py39_aimetenv), *args], capture_output=True, text=True, check=False
        )
        assert "Traceback" not in ran.stderr, (args, ran.stderr)
        assert "Got unexpected extra argument" not in ran.stderr, (args, ran.stderr)
        assert "No such option" not in ran.stderr, (args, ran.stderr)
        if args[0] != "env":
            assert ran.returncode == 0, (args, ran.stderr)
    bad = subprocess.run(
        [str(py39_aimetenv), "resolve", "--variant", "nope", "--tag", "2.42.0"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert bad.returncode == 2
    assert bad.stderr.startswith("aimetenv: error: unknown variant 'nope'")
    assert "Traceback" not in bad.stderr
