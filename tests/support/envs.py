"""Small helpers about real environments that tests share."""

from __future__ import annotations

import os
from pathlib import Path

import pytest


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


__all__ = ["need_python", "site_packages"]
