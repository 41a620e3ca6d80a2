"""conda flows end to end, with the conda stand-in (conda cannot be installed on these machines).

The stand-in (``tests/support/fakeconda/conda.py``) makes real venvs from the pyenv
interpreters; what is checked here is what aimetenv decides and passes to conda, and that each
flow leaves a working environment with a receipt.
"""

from __future__ import annotations

import json
import subprocess  # noqa: TID251  # the stand-in is run directly to prepare an active env
from typing import TYPE_CHECKING

import pytest

from support.fakeconda import calls, install_conda
from support.standins import (
    GatedIndex,
    hermetic_env,
    modern_args,
    one_line,
    run_aimetenv,
    tail,
)

if TYPE_CHECKING:
    from pathlib import Path

DEFAULT_NAME = "aimet-torch-cpu-2.42.0"

# The options of real conda that aimetenv may pass, per subcommand, from conda's own command
# reference (docs.conda.io, commands/create.html, commands/info.html, commands/env/list.html,
# conda 23.7 to 26.x): "usage: conda create [-h] [--clone ENV] (-n ENVIRONMENT | -p PATH) ...
# [--json] [-v] [-q] [-d] [-y] ... [package_spec ...]", "conda info [--json] ...",
# "conda env list [--json] ...". Options that take a value are marked True.
REAL_CONDA = {
    ("create",): {
        "-n": True, "--name": True, "-p": True, "--prefix": True, "-c": True, "--channel": True,
        "--override-channels": False, "--json": False, "-v": False, "-q": False, "--quiet": False,
        "-d": False, "--dry-run": False, "-y": False, "--yes": False, "--clone": True,
        "--file": True, "--no-default-packages": False, "--offline": False,
    },
    ("info",): {"--json": False, "-v": False, "-q": False, "--envs": False, "-e": False},
    ("env", "list"): {"--json": False, "-v": False, "-q": False},
}  # fmt: skip


def assert_valid_for_real_conda(argv: list[str]) -> None:
    """Each call is a real conda subcommand with options real conda accepts, used correctly."""
    for words, options in REAL_CONDA.items():
        if tuple(argv[: len(words)]) != words:
            continue
        rest = argv[len(words) :]
        positional = []
        index = 0
        while index < len(rest):
            arg = rest[index]
            if arg.startswith("-"):
                assert arg in options, f"{arg} is not an option of conda {' '.join(words)}"
                index += 2 if options[arg] else 1
            else:
                positional.append(arg)
                index += 1
        if words == ("create",):
            targets = [a for a in rest if a in ("-n", "--name", "-p", "--prefix")]
            assert len(targets) == 1, f"create needs exactly one of -n/-p: {argv}"
            assert any(a in ("-y", "--yes") for a in rest), "create must not prompt"
            assert positional, "create names the python to install"
            assert all(p.startswith("python=") for p in positional)
        else:
            assert not positional, argv
        return
    pytest.fail(f"aimetenv called a conda subcommand it should not: {argv}")


@pytest.fixture
def conda_root(tmp_path: Path) -> Path:
    """A conda-like base prefix whose ``bin/conda`` is the stand-in."""
    root = tmp_path / "conda"
    install_conda(root)
    return root


def on_path(root: Path, **changes: str | None) -> dict[str, str]:
    env = hermetic_env(**changes)
    env["PATH"] = f"{root / 'bin'}:{env['PATH']}"
    return env


def check_calls(root: Path) -> list[list[str]]:
    made = calls(root)
    assert made
    for argv in made:
        assert_valid_for_real_conda(argv)
    return made


def receipt(prefix: Path) -> dict[str, object]:
    data = json.loads((prefix / "etc/aimetenv/receipt.json").read_text())
    assert isinstance(data, dict)
    return data


def test_a_new_env_by_name(conda_root: Path, index: GatedIndex) -> None:
    result = run_aimetenv(*modern_args(index.url, "-n", "work", "--json"), env=on_path(conda_root))
    assert result.returncode == 0, tail(result.stderr)
    prefix = conda_root / "envs" / "work"
    document = json.loads(result.stdout)
    assert document["target"]["kind"] == "conda"
    assert document["target"]["prefix"] == str(prefix)
    assert document["target"]["reason"] == "--name given"
    assert document["next_step"]["activate"] == "conda activate work"
    assert (prefix / "conda-meta").is_dir()
    assert receipt(prefix)["target_kind"] == "conda"
    made = check_calls(conda_root)
    assert ["create", "--yes", "--name", "work", "python=3.10"] in made
    assert ["info", "--json"] in made


def test_a_new_env_by_prefix(conda_root: Path, index: GatedIndex, tmp_path: Path) -> None:
    prefix = tmp_path / "by-prefix"
    result = run_aimetenv(*modern_args(index.url, "-p", str(prefix)), env=on_path(conda_root))
    assert result.returncode == 0, tail(result.stderr)
    assert f"target: conda env ({prefix}) (--prefix given; will be created)" in result.stderr
    assert receipt(prefix)["prefix"] == str(prefix)
    assert ["create", "--yes", "--prefix", str(prefix), "python=3.10"] in check_calls(conda_root)


def test_base_is_never_the_default_target(conda_root: Path, index: GatedIndex) -> None:
    env = hermetic_env(
        CONDA_EXE=str(conda_root / "bin/conda"),
        CONDA_PREFIX=str(conda_root),
        CONDA_DEFAULT_ENV="base",
    )
    result = run_aimetenv(*modern_args(index.url), env=env)
    assert result.returncode == 0, tail(result.stderr)
    prefix = conda_root / "envs" / DEFAULT_NAME
    assert (
        f"target: conda env {DEFAULT_NAME} ({prefix}) (a new conda env named after the variant "
        "and tag (conda found by $CONDA_EXE); will be created)"
    ) in result.stderr
    assert receipt(prefix)["variant"] == "torch-cpu"
    assert not (conda_root / "etc/aimetenv").exists()
    assert f"activate the environment with 'conda activate {DEFAULT_NAME}'" in result.stderr
    made = check_calls(conda_root)
    assert ["create", "--yes", "--prefix", str(prefix), "python=3.10"] in made


def test_the_active_env_is_used(conda_root: Path, index: GatedIndex, tmp_path: Path) -> None:
    active = tmp_path / "active"
    subprocess.run(
        [str(conda_root / "bin/conda"), "create", "--yes", "-p", str(active), "python=3.10"],
        check=True,
        capture_output=True,
    )
    env = on_path(conda_root, CONDA_PREFIX=str(active), CONDA_DEFAULT_ENV=str(active))
    result = run_aimetenv(*modern_args(index.url), env=env)
    assert result.returncode == 0, tail(result.stderr)
    assert "(the active conda env ($CONDA_PREFIX); exists)" in result.stderr
    assert receipt(active)["extras"]["target_reason"] == "the active conda env ($CONDA_PREFIX)"  # type: ignore[index]
    assert [c for c in check_calls(conda_root) if c[0] == "create"] == [
        ["create", "--yes", "-p", str(active), "python=3.10"]
    ]


def test_a_failed_create_leaves_nothing_behind(conda_root: Path, index: GatedIndex) -> None:
    env = on_path(conda_root, STAND_IN_CONDA_FAIL_AFTER_CREATE="1")
    result = run_aimetenv(*modern_args(index.url, "-n", "broken"), env=env)
    assert result.returncode == 4, result.stderr
    assert "(conda exit status 1)" in result.stderr
    assert "CondaError: the stand-in was told to fail" in result.stderr
    assert not (conda_root / "envs" / "broken").exists()
    assert index.requests == []


def test_without_conda_a_name_is_refused(index: GatedIndex) -> None:
    result = run_aimetenv(*modern_args(index.url, "-n", "x"), env=hermetic_env())
    assert result.returncode == 2
    assert "--name x needs conda, mamba or micromamba" in one_line(result.stderr)
