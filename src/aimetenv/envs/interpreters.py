"""Finding a Python X.Y to build a venv from: ``--interpreter``, ``pythonX.Y`` on PATH, pyenv."""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

_PATCH_RE = re.compile(r"^(\d+)\.(\d+)\.(\d+)$")


def pyenv_root(environ: Mapping[str, str]) -> Path:
    """``$PYENV_ROOT``, else ``~/.pyenv``."""
    root = environ.get("PYENV_ROOT")
    if root:
        return Path(root)
    home = environ.get("HOME")
    return (Path(home) if home else Path.home()) / ".pyenv"


def interpreter_candidates(
    xy: str,
    *,
    environ: Mapping[str, str],
    which: Callable[[str], str | None],
    listdir: Callable[[Path], list[str]],
) -> list[tuple[Path, str]]:
    """Interpreters that should be Python ``xy``, best first, each with where it was found.

    The caller confirms each by running it (the probe) before using it.
    """
    found: list[tuple[Path, str]] = []
    on_path = which(f"python{xy}")
    if on_path:
        found.append((Path(on_path), f"python{xy} on PATH"))
    root = pyenv_root(environ)
    versions = root / "versions"
    patches = []
    for entry in listdir(versions):
        match = _PATCH_RE.match(entry)
        if match and f"{match.group(1)}.{match.group(2)}" == xy:
            patches.append((int(match.group(3)), entry))
    for _patch, entry in sorted(patches, reverse=True):
        found.append((versions / entry / "bin" / f"python{xy}", f"pyenv {entry}"))
    unique: list[tuple[Path, str]] = []
    seen: set[Path] = set()
    for path, origin in found:
        if path not in seen:
            seen.add(path)
            unique.append((path, origin))
    return unique


def safe_listdir(path: Path) -> list[str]:
    """``os.listdir`` that answers [] for a missing or unreadable folder."""
    try:
        return sorted(p.name for p in path.iterdir())
    except OSError:
        return []


__all__ = ["interpreter_candidates", "pyenv_root", "safe_listdir"]
