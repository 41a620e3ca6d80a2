"""Where aimetenv keeps its own files: the XDG base directories, as platformdirs finds them.

On Linux the XDG rule is applied here (``$XDG_<KIND>_HOME`` when it is an absolute path, else
the default under the home folder), exactly as platformdirs applies it, because importing
platformdirs costs about 5 ms on every start and ``aimetenv env`` runs from shell start-up files.
Elsewhere platformdirs decides.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

APP = "aimetenv"
_XDG_DEFAULTS = {
    "XDG_DATA_HOME": "~/.local/share",
    "XDG_CACHE_HOME": "~/.cache",
    "XDG_STATE_HOME": "~/.local/state",
}


def _user_dir(variable: str) -> Path:
    """``<base>/aimetenv`` for one of the XDG base directory variables."""
    if not sys.platform.startswith("linux"):
        import platformdirs  # noqa: PLC0415  # only off Linux, see the module docstring

        kind = variable.removeprefix("XDG_").removesuffix("_HOME").lower()
        return Path(getattr(platformdirs, f"user_{kind}_dir")(APP))
    base = os.environ.get(variable, "")
    if not os.path.isabs(base):  # noqa: PTH117  # unset, empty and relative values are ignored
        base = os.path.expanduser(_XDG_DEFAULTS[variable])  # noqa: PTH111  # as platformdirs
    return Path(base, APP)


def data_dir() -> Path:
    """Environments aimetenv creates as venvs, and the catalog overlay."""
    return _user_dir("XDG_DATA_HOME")


def cache_dir() -> Path:
    """Downloaded wheels, by tag."""
    return _user_dir("XDG_CACHE_HOME")


def state_dir() -> Path:
    """Locks, logs and the record of the last install."""
    return _user_dir("XDG_STATE_HOME")


def venvs_dir() -> Path:
    """Where new venvs go when no conda is found."""
    return data_dir() / "envs"


def overlay_path() -> Path:
    """The user-level catalog overlay written by ``releases --refresh``."""
    return data_dir() / "catalog-overlay.yaml"


def wheel_cache_dir() -> Path:
    """Downloaded release-host files: ``<cache>/wheels/<tag>/<file>``."""
    return cache_dir() / "wheels"


__all__ = [
    "cache_dir",
    "data_dir",
    "overlay_path",
    "state_dir",
    "venvs_dir",
    "wheel_cache_dir",
]
