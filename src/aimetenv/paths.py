"""Where aimetenv keeps its own files. Honours the XDG variables through platformdirs."""

from __future__ import annotations

from pathlib import Path

import platformdirs

APP = "aimetenv"


def data_dir() -> Path:
    """Environments aimetenv creates as venvs, and the catalog overlay."""
    return Path(platformdirs.user_data_dir(APP))


def cache_dir() -> Path:
    """Downloaded wheels, by tag."""
    return Path(platformdirs.user_cache_dir(APP))


def state_dir() -> Path:
    """Locks, logs and the record of the last install."""
    return Path(platformdirs.user_state_dir(APP))


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
