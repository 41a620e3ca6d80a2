"""Check: ``import aimet_torch`` / ``aimet_onnx`` / ``aimet_tensorflow`` works for real.

This is the slow check (importing aimet_onnx takes about 7 s, aimet_torch about 10 s on two
cores); it runs once, in parallel with the others. It catches what no file inspection can, such
as a torchvision that dies at import.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from aimetenv.doctor.importcause import classify
from aimetenv.doctor.inspect import module_origin
from aimetenv.doctor.loading import diagnose_import
from aimetenv.doctor.model import Check, CheckResult, Status
from aimetenv.install.plan import SmokeSpec
from aimetenv.install.smoke import run_smoke

if TYPE_CHECKING:
    from aimetenv.doctor.context import DoctorContext
    from aimetenv.doctor.importcause import ImportCause
    from aimetenv.doctor.model import FactValue
    from aimetenv.install.smoke import SmokeResult

ID = "package-import"
_CANDIDATES = ("aimet_torch", "aimet_onnx", "aimet_tensorflow")


def _packages(ctx: DoctorContext) -> tuple[str, ...]:
    info = ctx.release()
    if info is not None:
        return info.variant.packages
    return tuple(name for name in _CANDIDATES if module_origin(ctx.facts, name) is not None)


def _import(ctx: DoctorContext, packages: tuple[str, ...], *, with_exports: bool) -> SmokeResult:
    """The smoke test's full mode with no native module: each package imported for real."""
    info = ctx.release()
    plan = None if info is None else info.plan
    spec = SmokeSpec(packages, None, None, None, needs_exports=False, note="")
    return run_smoke(
        ctx.runner,
        ctx.target.python,
        spec,
        exports=plan.exports if with_exports and plan is not None else None,
        site_packages=() if info is None or info.site_packages is None else (info.site_packages,),
        mode="full",
        as_user=True,
        cwd=ctx.cwd,
        timeout=ctx.settings.import_timeout,
    )


def check_package_import(ctx: DoctorContext) -> CheckResult:
    """Import each AIMET package of the release in the target, as the user would."""
    packages = _packages(ctx)
    if not packages:
        return CheckResult(ID, Status.SKIP, "no AIMET package to import")
    shown = ", ".join(packages)
    result = _import(ctx, packages, with_exports=False)
    facts: dict[str, FactValue] = {"packages": packages}
    if result.ok:
        timing = ", ".join(f"{c.name} {c.seconds:.1f} s" for c in result.checks)
        return CheckResult(ID, Status.OK, f"import {shown} works ({timing})", facts=facts)
    if result.error:
        return CheckResult(
            ID,
            Status.FAIL,
            f"import {shown}: {result.error}",
            hint=f"Run '{ctx.target.python} -c \"import {packages[0]}\"' to watch it; a crash "
            "without a Python error usually means a native library mismatch (see native-libs).",
            facts=facts,
        )
    first = next(c for c in result.checks if not c.ok)
    facts["error"] = first.detail
    if ctx.missing_exports() and _import(ctx, packages, with_exports=True).ok:
        return CheckResult(
            ID,
            Status.FAIL,
            f"import {first.name} fails with your environment ({first.detail}); it works "
            "with the release's exports: the exports are missing",
            hint=ctx.env_fix_hint(),
            facts={**facts, "fixed_by_exports": True},
        )
    hint = f"Reinstall the release: {ctx.reinstall_command()}"
    if "torchvision::nms" in first.detail:
        hint = "torch and torchvision are from different builds; the framework check gives the fix."
    elif "both aimet_onnx and aimet_torch" in first.detail:
        hint = "aimet-torch and aimet-onnx are installed together; the aimet-conflicts check gives the fix."
    else:
        cause = _cause(ctx, packages, first.detail)
        if cause is not None:
            return CheckResult(
                ID,
                Status.FAIL,
                f"import {first.name} fails: {cause.line}",
                hint=cause.hint,
                details=(
                    f"error: {first.detail}",
                    f"run '{ctx.target.python} -c \"import {first.name}\"' for the traceback",
                ),
                facts={
                    **facts,
                    "cause": cause.kind,
                    **({"suspect": cause.suspect} if cause.suspect else {}),
                },
            )
    return CheckResult(
        ID,
        Status.FAIL,
        f"import {first.name} fails: {first.detail}",
        hint=hint,
        details=(f"run '{ctx.target.python} -c \"import {first.name}\"' for the traceback",),
        facts=facts,
    )


def _cause(ctx: DoctorContext, packages: tuple[str, ...], error: str) -> ImportCause | None:
    """Import again, this time to see which file failed, and name the cause."""
    answer = diagnose_import(ctx, packages)
    diagnosis = answer.document or {}
    return classify(ctx, diagnosis, error)


PACKAGE_IMPORT = Check(
    ID, "the AIMET packages import", check_package_import, requires=("aimet-packages",)
)

__all__ = ["PACKAGE_IMPORT", "check_package_import"]
