"""Check: AIMET distributions that must not be together, and look-alike PyPI names."""

from __future__ import annotations

import shlex
from typing import TYPE_CHECKING

from aimetenv.doctor.model import Check, CheckResult, Status

if TYPE_CHECKING:
    from aimetenv.doctor.context import DoctorContext
    from aimetenv.doctor.identify import AimetDist

ID = "aimet-conflicts"
_MODERN = ("aimet-torch", "aimet-onnx")


def _pip(ctx: DoctorContext, *args: str) -> str:
    python = shlex.quote(str(ctx.target.python))
    return f"{python} -m pip " + " ".join(shlex.quote(a) for a in args)


def check_aimet_conflicts(ctx: DoctorContext) -> CheckResult:
    """aimet-torch and aimet-onnx break ``aimet_common`` together; some PyPI names are not AIMET."""
    dists = ctx.aimet()
    facts = {"distributions": tuple(d.label() for d in dists)}
    strangers = [d for d in dists if d.role in ("placeholder", "unrelated", "yanked")]
    modern = [d for d in dists if d.key in _MODERN and d.role == "framework"]
    if len(modern) > 1:
        keep = _keep(ctx, modern)
        drop = [d.name for d in modern if d.key != keep]
        return CheckResult(
            ID,
            Status.FAIL,
            f"{' and '.join(d.label() for d in modern)} are installed together; both own "
            "aimet_common, which breaks one or the other",
            hint=(
                "Keep one AIMET framework package per environment: "
                f"{_pip(ctx, 'uninstall', '-y', *drop)}, then reinstall {keep} "
                f"({_pip(ctx, 'install', '--force-reinstall', '--no-deps', keep)})"
            ),
            details=(
                (
                    "From 2.20 aimet_common is an alias of aimet_torch.common or "
                    "aimet_onnx.common and refuses to choose when both are installed; before "
                    "2.20 each wheel's aimet_common files overwrite the other's."
                ),
                "Uninstalling either deletes aimet_common for the one that stays.",
            ),
            facts=facts,
        )
    legacy = [d for d in dists if d.key in ("aimettorch", "aimetonnx", "aimettensorflow")]
    if legacy and modern:
        return CheckResult(
            ID,
            Status.FAIL,
            f"{', '.join(d.label() for d in legacy + modern)}: a 1.x release and a newer "
            "aimet package are mixed; both write aimet_common",
            hint="Use one release per environment: "
            f"{_pip(ctx, 'uninstall', '-y', *(d.name for d in legacy + modern))}, then "
            f"{ctx.install_command()}",
            facts=facts,
        )
    if strangers:
        notes = tuple(f"{d.label()}: {d.note}" for d in strangers)
        names = [d.name for d in strangers]
        return CheckResult(
            ID,
            Status.WARN,
            f"{', '.join(d.label() for d in strangers)} is not an AIMET release",
            hint=f"Remove it: {_pip(ctx, 'uninstall', '-y', *names)}",
            details=notes,
            facts=facts,
        )
    return CheckResult(
        ID, Status.OK, "no conflicting or look-alike AIMET distributions", facts=facts
    )


def _keep(ctx: DoctorContext, modern: list[AimetDist]) -> str:
    info = ctx.release()
    if info is not None:
        wanted = {"torch": "aimet-torch", "onnx": "aimet-onnx"}.get(info.variant.frameworks[-1])
        if wanted:
            return wanted
    return modern[0].key


AIMET_CONFLICTS = Check(
    ID,
    "no AIMET packages that conflict, no look-alike names",
    check_aimet_conflicts,
    requires=("interpreter",),
)

__all__ = ["AIMET_CONFLICTS", "check_aimet_conflicts"]
