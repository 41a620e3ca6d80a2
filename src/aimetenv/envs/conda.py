"""Asking a conda-compatible executable where its environments live (``info --json``)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

from aimetenv.envs.targets import CondaInfo
from aimetenv.runner import Command

if TYPE_CHECKING:
    from aimetenv.envs.targets import CondaTool
    from aimetenv.runner import Runner

INFO_TIMEOUT = 60.0


def parse_conda_info(text: str) -> CondaInfo | None:
    """Read ``conda info --json`` (conda, mamba) or ``micromamba info --json``."""
    try:
        data: Any = json.loads(text)
    except json.JSONDecodeError:
        return None
    if not isinstance(data, dict):
        return None
    root = data.get("root_prefix") or data.get("base environment")
    envs_dirs = data.get("envs_dirs") or data.get("envs directories") or []
    envs = data.get("envs") or []
    if isinstance(envs_dirs, str):
        envs_dirs = [envs_dirs]
    return CondaInfo(
        root_prefix=Path(root) if isinstance(root, str) and root else None,
        envs_dirs=tuple(Path(p) for p in envs_dirs if isinstance(p, str)),
        envs=tuple(Path(p) for p in envs if isinstance(p, str)),
    )


def conda_info(runner: Runner, tool: CondaTool) -> CondaInfo | None:
    """Run ``<tool> info --json``; None when it fails (callers explain what that blocks)."""
    completed = runner.run(Command(argv=(tool.exe, "info", "--json"), timeout=INFO_TIMEOUT))
    if not completed.ok:
        return None
    return parse_conda_info(completed.stdout)


__all__ = ["conda_info", "parse_conda_info"]
