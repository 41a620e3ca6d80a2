"""Small helpers about real environments that tests share."""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

#: The caller's variables that would make aimetenv pick or look into another environment than the
#: one a test or benchmark names, find a real conda, or use another release host or index.
CALLER_SETTINGS = (
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


def need_python(version: str) -> Path:
    """A pyenv interpreter of this version (``3.7``), or skip the test with the reason."""
    root = Path(os.environ.get("PYENV_ROOT", str(Path.home() / ".pyenv"))) / "versions"
    for folder in sorted(root.glob(f"{version}.*"), reverse=True):
        candidate = folder / "bin" / f"python{version}"
        if candidate.exists():
            return candidate
    pytest.skip(f"no Python {version} under pyenv on this machine")
    raise AssertionError  # pragma: no cover  # skip raises


def site_packages(prefix: Path) -> Path:
    """The site-packages folder of a venv made from a pyenv CPython."""
    found = sorted(prefix.glob("lib/python3.*/site-packages"))
    assert found, f"no site-packages under {prefix}"
    return found[0]


def isolated_env(
    base: Path,
    *,
    redirect: Sequence[str],
    drop: Sequence[str] = (),
    extra: Mapping[str, str] | None = None,
) -> dict[str, str]:
    """This process's environment for a child aimetenv, without ``CALLER_SETTINGS`` (nor
    ``drop``), with the XDG folders named in ``redirect`` (``"STATE"``, ...) under
    ``base/xdg``, no colour, and ``extra`` on top."""
    cleared = {*CALLER_SETTINGS, *drop}
    env = {k: v for k, v in os.environ.items() if k not in cleared}
    for name in redirect:
        folder = base / "xdg" / name.lower()
        folder.mkdir(parents=True, exist_ok=True)
        env[f"XDG_{name}_HOME"] = str(folder)
    env["NO_COLOR"] = "1"
    env.update(extra or {})
    return env


__all__ = ["CALLER_SETTINGS", "isolated_env", "need_python", "site_packages"]
