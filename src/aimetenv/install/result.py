"""What an install did, and the line the user runs next."""

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
    """What the user runs next: the ``aimetenv env`` line, or nothing but activation."""

    needs_exports: bool
    flags: str
    """The target flags that name this environment for ``aimetenv env`` and ``doctor``."""
    write: str | None
    eval: str | None
    activate: str | None
    message: str

    def to_dict(self) -> dict[str, Any]:
        """JSON form."""
        return {
            "needs_exports": self.needs_exports,
            "flags": self.flags,
            "write": self.write,
            "eval": self.eval,
            "activate": self.activate,
            "message": self.message,
        }


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

    def to_dict(self, *, root: bool = False) -> dict[str, Any]:
        """The body of the ``aimetenv.install/1`` document."""
        return {
            "outcome": self.outcome,
            "target": {
                "kind": self.target.kind,
                "label": self.target.label,
                "reason": self.target.reason,
                "prefix": str(self.prefix),
                "python": str(self.python),
                "name": self.target.name,
            },
            "plan": self.plan.to_dict(),
            "files": list(self.files),
            "receipt": None if self.receipt_path is None else str(self.receipt_path),
            "log": None if self.log_path is None else str(self.log_path),
            "smoke": self.smoke.to_dict(),
            "reqs_files": [str(p) for p in self.reqs_files],
            "apt": None if self.deb is None else self.deb.to_dict(root=root),
            "next_step": self.next_step.to_dict(),
            "notes": list(self.notes),
            "seconds": round(self.seconds, 3),
        }


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
        write = f"aimetenv env {flags} --write ~/.bashrc"
        evaluate = f'eval "$(aimetenv env {flags})"'
        message = (
            f"AIMET {plan.tag} needs environment variables: run '{write}' (recommended), "
            f"or '{evaluate}' in each shell"
        )
        return NextStep(
            needs_exports=True,
            flags=flags,
            write=write,
            eval=evaluate,
            activate=activate,
            message=message,
        )
    message = "no exports are needed"
    if activate:
        message += f"; activate the environment with '{activate}'"
    return NextStep(
        needs_exports=False, flags=flags, write=None, eval=None, activate=activate, message=message
    )
