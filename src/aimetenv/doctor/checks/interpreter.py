"""Check: the target interpreter runs and answers, and which environment it is."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from aimetenv.doctor.model import Check, CheckResult, Status
from aimetenv.errors import AimetenvError
from aimetenv.runner import Command

if TYPE_CHECKING:
    from aimetenv.doctor.context import DoctorContext

ID = "interpreter"
OLDEST = (3, 6)
"""The oldest Python the probe runs on (and older than any AIMET release needs)."""
_VERSION = re.compile(r"^Python (\d+)\.(\d+)", re.MULTILINE)


def check_interpreter(ctx: DoctorContext) -> CheckResult:
    """The interpreter must start and run the probe with the caller's environment."""
    target = ctx.target
    outcome = ctx.probe()
    where = f"{target.label} ({target.reason})"
    if outcome.facts is None:
        old = _too_old(ctx)
        if old is not None:
            return CheckResult(
                ID,
                Status.FAIL,
                f"{where}: Python {old} is too old: AIMET and aimetenv's checks need Python 3 "
                "(3.6 or newer; each release names its own)",
                hint="Point doctor at a Python 3 environment (--venv, --prefix, --name or "
                "--python), or create one with the release's Python: aimetenv install "
                "--variant VARIANT --tag TAG --venv NEW_ENV",
                details=(f"the probe's error: {outcome.error}",),
                facts={
                    "python": str(target.python),
                    "kind": target.kind,
                    "reason": target.reason,
                    "version": old,
                },
            )
        if not target.python.exists():
            hint = (
                "Name an existing environment (--venv, --prefix, --name or --python), or create "
                "one with 'aimetenv install'."
            )
        else:
            hint = (
                f"Run '{target.python} -c pass' to see the error; a venv whose base Python was "
                "removed or upgraded must be recreated ('aimetenv install ... --recreate')."
            )
        return CheckResult(
            ID,
            Status.FAIL,
            f"{where}: the interpreter does not run: {outcome.error}",
            hint=hint,
            facts={"python": str(target.python), "kind": target.kind, "reason": target.reason},
        )
    facts = outcome.facts
    version = str(facts.get("version_text") or "?")
    implementation = str(facts.get("implementation") or "?")
    details = (
        f"executable: {facts.get('executable')}",
        f"prefix: {facts.get('prefix')} (base {facts.get('base_prefix')})",
        f"site-packages: {', '.join(str(p) for p in facts.get('site_packages') or [])}",
    )
    return CheckResult(
        ID,
        Status.OK,
        f"{where}: {implementation} {version}",
        details=details,
        facts={
            "python": str(target.python),
            "kind": target.kind,
            "reason": target.reason,
            "version": version,
            "executable": str(facts.get("executable") or ""),
        },
    )


def _too_old(ctx: DoctorContext) -> str | None:
    """``2.7`` when the interpreter runs but is older than the probe needs (Python 3.6)."""
    if not ctx.target.python.exists():
        return None
    try:
        completed = ctx.runner.run(Command(argv=(str(ctx.target.python), "-V"), timeout=30.0))
    except AimetenvError:
        return None
    # Python 2 prints its version to stderr, Python 3 to stdout.
    match = _VERSION.search(completed.stdout + completed.stderr)
    if match is None:
        return None
    major, minor = int(match.group(1)), int(match.group(2))
    return f"{major}.{minor}" if (major, minor) < OLDEST else None


INTERPRETER = Check(ID, "the target interpreter runs", check_interpreter)

__all__ = ["INTERPRETER", "check_interpreter"]
