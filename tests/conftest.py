"""Shared fixtures. Every test runs with its own user directories and a clean environment."""

from __future__ import annotations

import shutil
import subprocess  # noqa: TID251  # fixtures build real environments directly
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from support.envs import need_python, site_packages  # re-exported for tests
from support.legacy import PYTHON37, LegacyRelease, build_legacy_release

__all__ = ["need_python", "site_packages"]

_CLEARED = (
    "AIMETENV_MIRROR",
    "AIMETENV_TORCH_INDEX",
    "AIMETENV_TORCH_FIND_LINKS",
    "CONDA_PREFIX",
    "CONDA_DEFAULT_ENV",
    "CONDA_EXE",
    "CONDA_ROOT",
    "MAMBA_EXE",
    "VIRTUAL_ENV",
    "PYTHONPATH",
    "LD_LIBRARY_PATH",
)


@pytest.fixture(autouse=True)
def isolated_user_dirs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """XDG folders in tmp, no colour, and none of the caller's env or conda settings."""
    home = tmp_path / "xdg"
    for name in ("DATA", "CACHE", "STATE", "CONFIG"):
        folder = home / name.lower()
        folder.mkdir(parents=True)
        monkeypatch.setenv(f"XDG_{name}_HOME", str(folder))
    for name in _CLEARED:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("NO_COLOR", "1")
    monkeypatch.setenv("COLUMNS", "200")
    return home


@pytest.fixture(scope="session")
def legacy_release(tmp_path_factory: pytest.TempPathFactory) -> LegacyRelease:
    """The three 1.16.2.py37 torch-cpu stand-in wheels, with a compiled libpymo."""
    if not PYTHON37.exists():
        pytest.skip("Python 3.7 (pyenv) is needed to compile the libpymo stand-in")
    if shutil.which("gcc") is None or shutil.which("g++") is None:
        pytest.skip("gcc and g++ are needed to compile the libpymo stand-in")
    return build_legacy_release(tmp_path_factory.mktemp("legacy-release"))


@pytest.fixture(scope="session")
def legacy_env(legacy_release: LegacyRelease, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A real Python 3.7 venv with the legacy stand-in release installed (no exports set).

    Tests must not change it; tests that break it take a copy (``copy_env``).
    """
    prefix = tmp_path_factory.mktemp("legacy-env") / "env"
    subprocess.run([str(PYTHON37), "-m", "venv", str(prefix)], check=True)
    for wheel in legacy_release.wheels:
        subprocess.run(
            [str(prefix / "bin" / "python"), "-m", "pip", "install", "--no-input", "--no-index",
             "--no-deps", str(wheel)],
            check=True,
            capture_output=True,
        )  # fmt: skip
    return prefix
