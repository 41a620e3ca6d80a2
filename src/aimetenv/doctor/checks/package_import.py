"""Check: ``import aimet_torch`` / ``aimet_onnx`` / ``aimet_tensorflow`` works for real.

This is the slow check (importing aimet_onnx takes about 7 s, aimet_torch about 10 s on two
cores); it runs once, in parallel with the others. It catches what no file inspection can, such
as a torchvision that dies at import.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from aimetenv.doctor.inspect import module_origin
from aimetenv.doctor.loading import import_packages
from aimetenv.doctor.model import Check, CheckResult, Status

if TYPE_CHECKING:
    from aimetenv.doctor.context import DoctorContext
    from aimetenv.doctor.loading import Answer

ID = "package-import"
_CANDIDATES = ("aimet_torch", "aimet_onnx", "aimet_tensorflow")


def _packages(ctx: DoctorContext) -> tuple[str, ...]:
    info = ctx.release()
    if info is not None:
        return info.variant.packages
    return tuple(name for name in _CANDIDATES if module_origin(ctx.facts, name) is not None)


def _failures(answer: Answer) -> list[dict[str, object]]:
    if answer.document is None:
        return []
    items = answer.document.get("imports") or []
    return [item for item in items if isinstance(item, dict) and not item.get("ok")]


def check_package_import(ctx: DoctorContext) -> CheckResult:
    """Import each AIMET package of the release in the target, as the user would."""
    packages = _packages(ctx)
    if not packages:
        return CheckResult(ID, Status.SKIP, "no AIMET package to import")
    shown = ", ".join(packages)
    answer = import_packages(ctx, packages)
    if answer.document is None:
        return CheckResult(
            ID,
            Status.FAIL,
            f"import {shown}: {answer.problem}",
            hint=f"Run '{ctx.target.python} -c \"import {packages[0]}\"' to watch it; a crash "
            "without a Python error usually means a native library mismatch (see native-libs).",
            details=answer.output_tail,
        )
    if answer.ok:
        items = answer.document.get("imports") or []
        timing = ", ".join(
            f"{item.get('module')} {item.get('seconds')} s"
            for item in items
            if isinstance(item, dict)
        )
        return CheckResult(
            ID,
            Status.OK,
            f"import {shown} works ({timing})",
            facts={"packages": packages},
        )
    failed = _failures(answer)
    first = failed[0]
    error = str(first.get("error") or "unknown error")
    tail = tuple(str(line) for line in first.get("traceback") or ())  # type: ignore[attr-defined]
    if ctx.missing_exports():
        retry = import_packages(ctx, packages, env=ctx.with_exports())
        if retry.ok:
            return CheckResult(
                ID,
                Status.FAIL,
                f"import {first.get('module')} fails with your environment ({error}); it works "
                "with the release's exports: the exports are missing",
                hint=ctx.env_fix_hint(),
                details=tail,
                facts={"packages": packages, "error": error, "fixed_by_exports": True},
            )
    hint = f"Reinstall the release: {ctx.install_command(recreate=True)}"
    if "torchvision::nms" in error:
        hint = "torch and torchvision are from different builds; the framework check gives the fix."
    elif "aimet_common" in error and "both aimet_onnx and aimet_torch" in error:
        hint = "aimet-torch and aimet-onnx are installed together; the aimet-conflicts check gives the fix."
    return CheckResult(
        ID,
        Status.FAIL,
        f"import {first.get('module')} fails: {error}",
        hint=hint,
        details=tail,
        facts={"packages": packages, "error": error},
    )


PACKAGE_IMPORT = Check(
    ID, "the AIMET packages import", check_package_import, requires=("aimet-packages",)
)

__all__ = ["PACKAGE_IMPORT", "check_package_import"]
