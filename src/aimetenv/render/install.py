"""What ``install`` shows: one line per action while it runs, the outcome, the next step.

Pure functions that build text and JSON documents; ``cli/install.py`` prints them on stderr (human
mode) or stdout (``--json``, schema ``aimetenv.install/1``, or ``aimetenv.dry-run/1`` for
``--dry-run``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from rich.text import Text

from aimetenv.fetch.urls import redact

if TYPE_CHECKING:
    from pathlib import Path

    from aimetenv.install.actions import Action
    from aimetenv.install.prepare import Prepared
    from aimetenv.install.result import InstallResult, NextStep

INSTALL_SCHEMA = "aimetenv.install/1"
DRY_RUN_SCHEMA = "aimetenv.dry-run/1"


def target_line(prepared: Prepared) -> str:
    """Which environment was chosen, and why."""
    target = prepared.target
    state = "exists" if target.exists else "will be created"
    if prepared.recreate:
        state = "will be recreated (--recreate)"
    line = f"target: {target.label} ({target.reason}; {state})"
    if prepared.base_interpreter is not None:
        line += f"\n  new env from {prepared.base_interpreter} ({prepared.base_interpreter_origin})"
    return line


def action_line(number: int, total: int, action: Action) -> str:
    """``[3/9] download Aimet-....whl (resumable, ...)``."""
    return f"[{number}/{total}] {action.description}"


def log_line(path: Path) -> str:
    """Where the children's output goes, said when the install starts."""
    return f"log: {path}"


def skipped_line(reason: str) -> str:
    """An action that was not needed, and why."""
    return f"      skipped: {reason}"


def install_summary(result: InstallResult, *, root: bool) -> Text:
    """The outcome for people: what, where, the smoke test, the apt line, the next step."""
    plan = result.plan
    lines: list[str] = []
    if result.outcome == "already-installed":
        lines.append(
            f"already installed: AIMET {plan.tag} {plan.variant} in {result.target.label} "
            f"(receipt {result.receipt_path}; --force reinstalls)"
        )
    else:
        lines.append(
            f"installed AIMET {plan.tag} {plan.variant} into {result.target.label} "
            f"in {result.seconds:.0f} s"
        )
    lines.append(f"smoke test: {result.smoke.summary}")
    if result.deb is not None:
        line = result.deb.apt_line(root=root)
        if line is not None:
            lines.append(f"missing system packages (aimetenv does not run apt-get): {line}")
        else:
            lines.append("system packages from reqs_deb: all installed")
    lines.extend(f"note: {note}" for note in result.notes)
    if result.receipt_path is not None and result.outcome == "installed":
        lines.append(f"receipt: {result.receipt_path}")
    if result.log_path is not None:
        lines.append(f"log: {result.log_path}")
    step = result.next_step
    if step.needs_exports and step.write and step.eval:
        lines.append(f"next: {step.write}   (recommended)")
        lines.append(f"  or: {step.eval}")
    else:
        lines.append(f"next: {next_step_message(step, plan.tag)}")
    return Text(redact("\n".join(lines)) + "\n")


def next_step_message(step: NextStep, tag: str) -> str:
    """The next step in one sentence: the ``aimetenv env`` commands, or activation."""
    if step.needs_exports:
        return (
            f"AIMET {tag} needs environment variables: run '{step.write}' (recommended), "
            f"or '{step.eval}' in each shell"
        )
    message = "no exports are needed"
    if step.activate:
        message += f"; activate the environment with '{step.activate}'"
    return message


def install_document(result: InstallResult, *, root: bool) -> dict[str, Any]:
    """The ``--json`` document (schema ``aimetenv.install/1``)."""
    step = result.next_step
    return {
        "schema": INSTALL_SCHEMA,
        "command": "install",
        "status": "success",
        "exit_code": 0,
        "outcome": result.outcome,
        "target": {
            "kind": result.target.kind,
            "label": result.target.label,
            "reason": result.target.reason,
            "prefix": str(result.prefix),
            "python": str(result.python),
            "name": result.target.name,
        },
        "plan": result.plan.to_dict(),
        "files": list(result.files),
        "receipt": None if result.receipt_path is None else str(result.receipt_path),
        "log": None if result.log_path is None else str(result.log_path),
        "smoke": result.smoke.to_dict(),
        "reqs_files": [str(p) for p in result.reqs_files],
        "apt": None if result.deb is None else result.deb.to_dict(root=root),
        "next_step": {
            "needs_exports": step.needs_exports,
            "flags": step.flags,
            "write": step.write,
            "eval": step.eval,
            "activate": step.activate,
            "message": next_step_message(step, result.plan.tag),
        },
        "notes": list(result.notes),
        "seconds": round(result.seconds, 3),
    }


def dry_run_document(prepared: Prepared) -> dict[str, Any]:
    """The ``--dry-run --json`` document (schema ``aimetenv.dry-run/1``): target, plan, actions."""
    target = prepared.target
    return {
        "schema": DRY_RUN_SCHEMA,
        "command": "install",
        "status": "success",
        "exit_code": 0,
        "target": {
            "kind": target.kind,
            "python": str(target.python),
            "prefix": None if target.prefix is None else str(target.prefix),
            "reason": target.reason,
            "exists": target.exists,
        },
        "plan": prepared.plan.to_dict(),
        "actions": [
            {
                "kind": a.kind,
                "description": a.description,
                "argv": list(a.argv),
                "url": a.url,
                "path": a.path,
                "condition": a.condition,
            }
            for a in prepared.actions
        ],
    }


__all__ = [
    "DRY_RUN_SCHEMA",
    "INSTALL_SCHEMA",
    "action_line",
    "dry_run_document",
    "install_document",
    "install_summary",
    "next_step_message",
    "skipped_line",
    "target_line",
]
