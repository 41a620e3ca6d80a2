"""The exact commands an install runs, built from a plan and a target. Pure.

``install --dry-run`` prints this list; ``install`` carries out the same list, so what the dry run
shows is what happens.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path

    from aimetenv.plan import InstallPlan, PlannedWheel, Step
    from aimetenv.targets import EnvTarget

Installer = Literal["pip", "uv"]
ActionKind = Literal["create-env", "check-url", "download", "pip", "smoke", "receipt"]


@dataclass(frozen=True)
class Action:
    """One thing install does, in order."""

    kind: ActionKind
    description: str
    argv: tuple[str, ...] = ()
    url: str | None = None
    path: str | None = None
    condition: str | None = None
    step: Step | None = None

    def display(self) -> str:
        """The command line, shell-quoted, or what is fetched where."""
        import shlex  # noqa: PLC0415  # display only

        if self.argv:
            return " ".join(shlex.quote(a) for a in self.argv)
        if self.kind == "check-url":
            return f"HEAD {self.url}"
        if self.kind == "download":
            return f"GET {self.url} -> {self.path}"
        if self.kind == "receipt":
            return f"write {self.path}"
        return ""


def create_env_argv(
    target: EnvTarget, python_xy: str, base_interpreter: Path | None
) -> tuple[str, ...]:
    """The command that creates the target environment with Python ``python_xy``."""
    if target.kind == "conda":
        if target.conda is None or target.prefix is None:
            msg = "a conda target needs a conda executable and a prefix"
            raise ValueError(msg)
        where = (
            ("--name", target.name)
            if target.name and target.reason == "--name given"
            else ("--prefix", str(target.prefix))
        )
        return (target.conda.exe, "create", "--yes", *where, f"python={python_xy}")
    if target.kind == "venv":
        if base_interpreter is None or target.prefix is None:
            msg = "a venv target needs a base interpreter and a prefix"
            raise ValueError(msg)
        return (str(base_interpreter), "-m", "venv", str(target.prefix))
    msg = "an interpreter target is never created"
    raise ValueError(msg)


def pip_argv(
    python: Path,
    requirements: tuple[str, ...],
    pip_args: tuple[str, ...],
    *,
    installer: Installer = "pip",
    uv: str | None = None,
    action: Literal["install", "uninstall"] = "install",
) -> tuple[str, ...]:
    """``<python> -m pip install --no-input ...``, or the uv equivalent."""
    if installer == "uv":
        translated = tuple("--find-links" if a == "-f" else a for a in pip_args)
        verb = ("uninstall",) if action == "uninstall" else ("install",)
        return (uv or "uv", "pip", *verb, "--python", str(python), *requirements, *translated)
    if action == "uninstall":
        return (str(python), "-m", "pip", "uninstall", "--yes", *requirements)
    return (str(python), "-m", "pip", "install", "--no-input", *requirements, *pip_args)


def install_actions(  # each argument is one independent input of the plan
    plan: InstallPlan,
    target: EnvTarget,
    *,
    base_interpreter: Path | None,
    wheel_path: Callable[[PlannedWheel], Path],
    installer: Installer = "pip",
    uv: str | None = None,
    receipt_path: Path | None = None,
) -> list[Action]:
    """Everything install does for this plan and target, in order."""
    actions: list[Action] = []
    if not target.exists:
        argv = create_env_argv(target, plan.python_for_new_env, base_interpreter)
        actions.append(
            Action(
                "create-env", f"create {target.label} with Python {plan.python_for_new_env}", argv
            )
        )
    for wheel in plan.wheels:
        path = wheel_path(wheel)
        if wheel.check_exists:
            actions.append(
                Action(
                    "check-url",
                    f"ask the release host whether {wheel.filename} exists ({wheel.confidence} name)",
                    url=wheel.url,
                )
            )
        actions.append(
            Action(
                "download",
                f"download {wheel.filename} (resumable, sha256 recorded and checked)",
                url=wheel.url,
                path=str(path),
            )
        )
    for step in plan.steps:
        if step.kind == "pip-bound":
            if installer == "uv":
                continue
            actions.append(
                Action(
                    "pip",
                    step.description,
                    pip_argv(target.python, step.requirements, step.pip_args),
                    condition=f"only if pip is outside {plan.pip_bound}",
                    step=step,
                )
            )
            continue
        requirements = (
            (str(wheel_path(step.wheel)),) if step.wheel is not None else step.requirements
        )
        actions.append(
            Action(
                "pip",
                step.description,
                pip_argv(
                    target.python,
                    requirements,
                    step.pip_args,
                    installer=installer,
                    uv=uv,
                    action="uninstall" if step.kind == "uninstall" else "install",
                ),
                step=step,
            )
        )
    native = plan.smoke.native or "no native libpymo expected"
    actions.append(
        Action(
            "smoke",
            f"import {', '.join(plan.smoke.packages)} and load {native} in the target",
        )
    )
    if receipt_path is not None:
        actions.append(Action("receipt", "write the install receipt", path=str(receipt_path)))
    return actions


__all__ = ["Action", "ActionKind", "Installer", "create_env_argv", "install_actions", "pip_argv"]
