"""What an install did, and the commands the user runs next."""

from __future__ import annotations

import shlex
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    from pathlib import Path

    from aimetenv.envs.targets import EnvTarget
    from aimetenv.install.plan import InstallPlan
    from aimetenv.install.reqsfiles import (
        DebCheck,
    )
    from aimetenv.install.smoke import SmokeResult


Outcome = Literal["installed", "already-installed"]
_SHORT_FLAGS = {"--name": "-n", "--prefix": "-p"}


@dataclass(frozen=True)
class NextStep:
    """What the user runs next: the ``aimetenv env`` commands, or nothing but activation."""

    needs_exports: bool
    flags: str
    """The target flags that name this environment for ``aimetenv env`` and ``doctor``."""
    write: str | None
    """``aimetenv env FLAGS --write ~/.bashrc`` when exports are needed."""
    eval: str | None
    """``eval "$(aimetenv env FLAGS)"`` when exports are needed."""
    activate: str | None
    """How to activate a venv or a conda env (None for ``--python``)."""


@dataclass(frozen=True)
class InstallResult:
    """What ``install`` did."""

    outcome: Outcome
    plan: InstallPlan
    target: EnvTarget
    prefix: Path
    python: Path
    smoke: SmokeResult
    next_step: NextStep
    files: tuple[dict[str, Any], ...] = ()
    """Each release-host file: filename, url, path, sha256, size, from_cache."""
    receipt_path: Path | None = None
    log_path: Path | None = None
    reqs_files: tuple[Path, ...] = ()
    deb: DebCheck | None = None
    notes: tuple[str, ...] = ()
    seconds: float = 0.0


def target_flags(target: EnvTarget, prefix: Path) -> str:
    """The flags that name this environment again, shell-quoted: ``--venv /x``, ``-n NAME``."""
    flag, value = target.flags(prefix)
    return f"{_SHORT_FLAGS.get(flag, flag)} {shlex.quote(value)}"


def next_step(plan: InstallPlan, target: EnvTarget, prefix: Path) -> NextStep:
    """The ``aimetenv env`` line for releases that need exports; activation for the others."""
    flags = target_flags(target, prefix)
    exports = plan.exports
    needs = bool(exports.ld_library_path or exports.pythonpath or exports.cuda)
    activate = target.env.activate_command(prefix, flags.split(" ", 1)[1])
    if needs:
        return NextStep(
            needs_exports=True,
            flags=flags,
            write=f"aimetenv env {flags} --write ~/.bashrc",
            eval=f'eval "$(aimetenv env {flags})"',
            activate=activate,
        )
    return NextStep(needs_exports=False, flags=flags, write=None, eval=None, activate=activate)
