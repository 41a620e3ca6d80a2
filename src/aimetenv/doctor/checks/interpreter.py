"""Check: the target interpreter runs and answers, and which environment it is."""

from __future__ import annotations

from typing import TYPE_CHECKING

from aimetenv.doctor.model import Check, CheckResult, Status

if TYPE_CHECKING:
    from aimetenv.doctor.context import DoctorContext

ID = "interpreter"


def check_interpreter(ctx: DoctorContext) -> CheckResult:
    """The interpreter must start and run the probe with the caller's environment."""
    target = ctx.target
    outcome = ctx.probe()
    where = f"{target.label} ({target.reason})"
    if outcome.facts is None:
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


INTERPRETER = Check(ID, "the target interpreter runs", check_interpreter)

__all__ = ["INTERPRETER", "check_interpreter"]
