"""Each kind of target knows its own flags, activation, creation and refusals. Pure, but for
the venv checks and the bundled wheels, which look at real folders and a real interpreter."""

from __future__ import annotations

from pathlib import Path

import pytest

from aimetenv.envs.kinds import KIND_TYPES, CondaEnv, PlainPython, VirtualEnv, bundled_wheels
from aimetenv.envs.targets import CondaTool
from aimetenv.errors import UsageError
from support.envs import need_python

CONDA = CondaTool("/opt/conda/bin/conda", "conda", "$CONDA_EXE")
PREFIX = Path("/w/env")


def test_labels_flags_and_activation() -> None:
    conda = CondaEnv(PREFIX / "bin/python", PREFIX, "aimet-x", CONDA)
    venv = VirtualEnv(PREFIX / "bin/python", PREFIX)
    python = PlainPython(Path("/usr/bin/python3"))
    assert (conda.label, venv.label, python.label) == (
        "conda env aimet-x (/w/env)",
        "venv /w/env",
        "interpreter /usr/bin/python3",
    )
    assert conda.flags(by_name=True) == ("--name", "aimet-x")
    assert conda.flags(by_name=False) == ("--prefix", "/w/env")
    assert venv.flags(by_name=True, prefix=Path("/other")) == ("--venv", "/other")
    assert python.flags(by_name=True, prefix=Path("/usr")) == ("--python", "/usr/bin/python3")
    assert conda.activate_command(PREFIX, "aimet-x") == "conda activate aimet-x"
    assert venv.activate_command(Path("/a b"), "x") == ". '/a b/bin/activate'"
    assert python.activate_command(PREFIX, "x") is None
    assert [KIND_TYPES[k].own_environment for k in ("conda", "venv", "python")] == [
        True,
        True,
        False,
    ]


def test_creation() -> None:
    conda = CondaEnv(PREFIX / "bin/python", PREFIX, "aimet-x", CONDA)
    assert conda.create_argv("3.10", None, clear=True, by_name=True) == (
        CONDA.exe, "create", "--yes", "--name", "aimet-x", "python=3.10",
    )  # fmt: skip
    venv = VirtualEnv(PREFIX / "bin/python", PREFIX)
    assert venv.create_argv("3.10", Path("/usr/bin/python3.10"), clear=True, by_name=False) == (
        "/usr/bin/python3.10", "-m", "venv", "--clear", "/w/env",
    )  # fmt: skip
    with pytest.raises(ValueError, match="base interpreter"):
        venv.create_argv("3.10", None, clear=False, by_name=False)
    with pytest.raises(ValueError, match="conda executable"):
        CondaEnv(PREFIX / "bin/python", PREFIX).create_argv(
            "3.10", None, clear=False, by_name=False
        )
    with pytest.raises(ValueError, match="never created"):
        PlainPython(Path("/usr/bin/python3")).create_argv("3.10", None, clear=False, by_name=False)


def test_refusals(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="no such interpreter"):
        PlainPython(tmp_path / "python").check_new()
    with pytest.raises(UsageError, match="no conda, mamba or micromamba was found"):
        CondaEnv(PREFIX / "bin/python", PREFIX).check_new()
    with pytest.raises(UsageError, match="can only be rebuilt with conda"):
        CondaEnv(PREFIX / "bin/python", PREFIX).check_recreate()
    busy = tmp_path / "busy"
    busy.mkdir()
    (busy / "notes.txt").write_text("x", encoding="utf-8")
    with pytest.raises(UsageError, match="non-empty directory that is not a venv"):
        VirtualEnv(busy / "bin/python", busy).check_new()
    with pytest.raises(UsageError, match="not a venv"):
        VirtualEnv(busy / "bin/python", busy).check_recreate()
    VirtualEnv(tmp_path / "new/bin/python", tmp_path / "new").check_new()


def _bundled_folder(base: Path, xy: str, *names: str) -> Path:
    folder = base / "lib" / f"python{xy}" / "ensurepip" / "_bundled"
    folder.mkdir(parents=True)
    for name in names:
        (folder / name).write_bytes(b"")
    return folder


def test_bundled_wheels_are_the_newest_pip_and_setuptools(tmp_path: Path) -> None:
    folder = _bundled_folder(
        tmp_path,
        "3.8",
        "pip-22.0.4-py3-none-any.whl",
        "pip-23.0.1-py3-none-any.whl",
        "setuptools-56.0.0-py3-none-any.whl",
        "wheel-0.40.0-py3-none-any.whl",
        "__init__.py",
    )
    found = bundled_wheels(tmp_path, "3.8")
    assert found.folder == folder
    assert found.wheels == (
        folder / "pip-23.0.1-py3-none-any.whl",
        folder / "setuptools-56.0.0-py3-none-any.whl",
    )


def test_no_bundled_pip_wheel_means_none(tmp_path: Path) -> None:
    _bundled_folder(tmp_path, "3.11", "setuptools-65.5.0-py3-none-any.whl")
    assert bundled_wheels(tmp_path, "3.11").wheels == ()
    assert bundled_wheels(tmp_path / "missing", "3.11").wheels == ()


def test_a_real_interpreter_bundles_its_pip() -> None:
    """A pyenv CPython's prefix is the folder above its ``bin``."""
    python = need_python("3.12")
    found = bundled_wheels(python.parent.parent, "3.12")
    assert [w.name.split("-")[0] for w in found.wheels] == ["pip"]
    assert found.wheels[0].is_file()
