"""Check: which AIMET distributions are installed, and whether they are the release expected."""

from __future__ import annotations

from typing import TYPE_CHECKING

from aimetenv.doctor.identify import identify
from aimetenv.doctor.inspect import accelerator_hints, module_origin
from aimetenv.doctor.model import Check, CheckResult, Status

if TYPE_CHECKING:
    from aimetenv.doctor.context import DoctorContext

ID = "aimet-packages"


def check_aimet_packages(ctx: DoctorContext) -> CheckResult:
    """An AIMET release must be installed: its distributions and its importable packages."""
    dists = ctx.aimet()
    real = [d for d in dists if d.role in ("framework", "common", "meta")]
    labels = tuple(d.label() for d in real)
    info = ctx.release()
    receipt = ctx.receipt()
    facts = {
        "distributions": labels,
        "release": None if info is None else info.summary.tag,
        "variant": None if info is None else info.summary.variant,
        "origin": None if info is None else info.summary.origin,
        "receipt": receipt is not None,
    }
    if not real:
        said = ""
        if receipt is not None:
            said = f" (the receipt says {receipt.tag} {receipt.variant} was installed)"
        return CheckResult(
            ID,
            Status.FAIL,
            f"no AIMET release is installed in the target{said}",
            hint=f"Install one: {ctx.install_command()}",
            details=tuple(f"{d.label()}: {d.note}" for d in dists if d.note),
            facts=facts,
        )
    shown = ", ".join(labels)
    if info is None:
        return CheckResult(
            ID,
            Status.WARN,
            f"{shown}; {ctx.release_note()}",
            hint="Run 'aimetenv releases --refresh', or name the release with --tag and "
            "--variant, so that the other checks can compare against it.",
            facts=facts,
        )
    label = f"{info.summary.tag} {info.summary.variant}"
    missing = [p for p in info.variant.packages if module_origin(ctx.facts, p) is None]
    if missing:
        return CheckResult(
            ID,
            Status.FAIL,
            f"{shown}, but {', '.join(missing)} cannot be found by this interpreter",
            hint=f"Reinstall the release: {ctx.reinstall_command()}",
            details=(
                (
                    "Installing only the small meta wheel (Aimet-...) gives no AIMET package "
                    "(quic/aimet issue 1764)."
                ),
            ),
            facts=facts,
        )
    installed = _installed_release(ctx)
    if (
        info.summary.origin == "--tag/--variant"
        and installed is not None
        and installed
        != (
            info.summary.tag,
            info.summary.variant,
        )
    ):
        return CheckResult(
            ID,
            Status.WARN,
            f"{shown}: checking against {label} (--tag/--variant), but the installed release "
            f"is {installed[0]} {installed[1]}",
            hint=f"Check against what is installed (drop --tag and --variant, or give --tag "
            f"{installed[0]} --variant {installed[1]}), or install {label}: "
            f"{ctx.install_command(force=True)}",
            facts={**facts, "installed_release": f"{installed[0]} {installed[1]}"},
        )
    if receipt is not None and ctx.catalog() is not None:
        catalog = ctx.catalog()
        assert catalog is not None  # noqa: S101  # checked above
        found, _reason = identify(dists, catalog, accelerator_hint=accelerator_hints(ctx.facts))
        if found is not None and found.tag != receipt.tag:
            return CheckResult(
                ID,
                Status.WARN,
                f"{shown}: the receipt says {receipt.tag} {receipt.variant} was installed, but "
                f"the files are {found.tag}",
                hint="Something changed the environment after aimetenv installed it; reinstall "
                f"to get back to a known state: {ctx.reinstall_command()}",
                facts=facts,
            )
    where = {
        "receipt": "from the receipt",
        "installed distributions": "identified from the installed distributions",
    }.get(info.summary.origin, "as given with --tag/--variant")
    return CheckResult(
        ID,
        Status.OK,
        f"{shown}: AIMET {label} ({where})",
        details=(f"evidence: {info.summary.evidence}",),
        facts=facts,
    )


def _installed_release(ctx: DoctorContext) -> tuple[str, str] | None:
    """The release the files (or the receipt) say is installed, whatever --tag names."""
    receipt = ctx.receipt()
    if receipt is not None:
        return receipt.tag, receipt.variant
    catalog = ctx.catalog()
    if catalog is None:
        return None
    found, _reason = identify(ctx.aimet(), catalog, accelerator_hint=accelerator_hints(ctx.facts))
    return None if found is None else (found.tag, found.variant)


AIMET_PACKAGES = Check(
    ID, "the AIMET release that is installed", check_aimet_packages, requires=("interpreter",)
)

__all__ = ["AIMET_PACKAGES", "check_aimet_packages"]
