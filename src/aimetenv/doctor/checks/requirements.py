"""Check: every requirement the installed AIMET distributions declare is installed and fits.

``pip check`` knows these; nothing else in the doctor did. aimet-onnx 2.42.0 declares
``onnxruntime>=1.19`` and imports with onnxruntime 1.16.3, then crashes in the first session it
runs; aimet-torch 2.13.0 declares ``numpy<2``, and its extension built for NumPy 1.x fails
under NumPy 2. The requirements come from the installed metadata (``declared``), so the check
reads files only. Releases whose wheels declare nothing (1.x) are compared with the catalog's
pins instead, except the framework pins, which the framework check owns.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version

from aimetenv.doctor.checks.framework import FRAMEWORK_DISTS
from aimetenv.doctor.declared import (
    V1_EXTRA,
    Declared,
    Finding,
    declared_requirements,
    installed_version,
    judge,
    requires_dist,
)
from aimetenv.doctor.fixes import index_args, pip_install_line
from aimetenv.doctor.model import Check, CheckResult, Issue, Status, worst_issue

if TYPE_CHECKING:
    from aimetenv.doctor.context import DoctorContext
    from aimetenv.doctor.identify import AimetDist
    from aimetenv.doctor.model import FactValue

ID = "requirements"
# Distributions that install the same importable package under another name: a requirement on
# the first is met by any of the others (onnxruntime-gpu is AIMET's documented stand-in for
# onnxruntime in gpu variants).
ALTERNATIVES = {
    "onnxruntime": ("onnxruntime-gpu",),
    "tensorflow": ("tensorflow-cpu", "tensorflow-gpu"),
    "opencv-python": ("opencv-python-headless", "opencv-contrib-python"),
}
_ROLES = ("framework", "common", "meta")


def requested_extras(ctx: DoctorContext, dist: AimetDist) -> tuple[str, ...]:
    """The extras the install asked for on ``dist`` (``aimet-torch[v1-deps]`` in the receipt)."""
    receipt = ctx.receipt()
    if receipt is None:
        return ()
    extras: list[str] = []
    for text in receipt.requirements:
        try:
            requirement = Requirement(text)
        except InvalidRequirement:
            continue
        if canonicalize_name(requirement.name) == canonicalize_name(dist.key):
            extras.extend(requirement.extras)
    return tuple(extras)


def _installed(ctx: DoctorContext, name: str) -> tuple[str, str | None]:
    """The distribution that stands for ``name`` and its version (None: nothing installed)."""
    version = installed_version(ctx.facts, name)
    if version is not None:
        return name, version
    for other in ALTERNATIVES.get(canonicalize_name(name), ()):
        version = installed_version(ctx.facts, other)
        if version is not None:
            return other, version
    return name, None


def _has_v1(dist: AimetDist) -> bool:
    return bool(dist.location) and Path(dist.location, "aimet_torch", "v1").is_dir()


def _keep_aimet(ctx: DoctorContext) -> list[str]:
    """``aimet-onnx==2.42.0``: pins that stop pip from moving AIMET while it fixes the rest."""
    pins = []
    for dist in ctx.aimet():
        if dist.role != "framework":
            continue
        try:
            Version(dist.version)
        except InvalidVersion:
            continue
        pins.append(f"{dist.name.replace('_', '-')}=={dist.version}")
    return pins


def _fix(ctx: DoctorContext, findings: list[Finding]) -> str:
    wanted = list(dict.fromkeys(f.wanted for f in findings))
    receipt = ctx.receipt()
    args = index_args(receipt, findings[0].name)
    return pip_install_line(str(ctx.target.python), [*wanted, *_keep_aimet(ctx)], args)


def _issue(ctx: DoctorContext, finding: Finding, shown_as: str) -> Issue | None:
    declared = finding.declared
    wanted = finding.wanted
    fix = _fix(ctx, [finding])
    if declared.scope == "v1":
        if finding.verdict not in ("missing", "mismatch"):
            return None
        have = "not installed" if finding.installed is None else f"{finding.installed}"
        return Issue(
            Status.WARN,
            f"{shown_as} {have}: the legacy aimet_torch.v1 API needs {wanted} ({declared.by}, "
            f"extra {V1_EXTRA}); import aimet_torch.v1 fails, aimet_torch itself works",
            f"Only if you use aimet_torch.v1: {fix}",
        )
    if finding.verdict == "missing":
        return Issue(
            Status.FAIL,
            f"{finding.name} is not installed; {declared.by} requires {wanted}",
            fix,
        )
    if finding.verdict == "mismatch":
        return Issue(
            Status.FAIL,
            f"{shown_as} {finding.installed} is installed; {declared.by} requires {wanted}",
            fix,
        )
    return None


def _pin_issue(ctx: DoctorContext, name: str, pinned: str, tag: str) -> Issue | None:
    """The catalog's pin of a release whose metadata declares nothing (1.x)."""
    shown_as, installed = _installed(ctx, name)
    fix = pip_install_line(
        str(ctx.target.python), [f"{name}=={pinned}"], index_args(ctx.receipt(), name)
    )
    if installed is None:
        return Issue(
            Status.FAIL,
            f"{name} is not installed; {tag} was built with {name} {pinned} (the catalog's pin)",
            fix,
        )
    try:
        have, want = Version(installed), Version(pinned)
    except InvalidVersion:
        return None
    if have == want:
        return None
    # A compiled extension built against NumPy 1.x does not load under NumPy 2 (and back).
    status = Status.FAIL if name == "numpy" and have.major != want.major else Status.WARN
    return Issue(
        status,
        f"{shown_as} {installed} is installed; {tag} was built and tested with {pinned} "
        "(the catalog's pin: its wheels declare no requirements)",
        fix,
    )


def _collect(ctx: DoctorContext) -> tuple[tuple[Declared, ...], tuple[str, ...], tuple[str, ...]]:
    """What the AIMET distributions declare, the ones that declare nothing, unreadable lines.

    Read once per doctor run: the environment check asks for the names too (shadowing).
    """
    return ctx.shared("declared-requirements", lambda: _read_declared(ctx))


def _read_declared(
    ctx: DoctorContext,
) -> tuple[tuple[Declared, ...], tuple[str, ...], tuple[str, ...]]:
    declared: list[Declared] = []
    silent: list[str] = []
    details: list[str] = []
    for dist in ctx.aimet():
        if dist.role not in _ROLES or not dist.location:
            continue
        lines = requires_dist(dist.location, dist.key)
        if not lines:
            silent.append(dist.label())
            if lines is None:
                details.append(f"{dist.label()}: no metadata found in {dist.location}")
            continue
        found, unreadable = declared_requirements(
            f"{dist.name.replace('_', '-')} {dist.version}",
            lines,
            ctx.facts,
            extras=requested_extras(ctx, dist),
        )
        declared.extend(d for d in found if d.scope != "v1" or _has_v1(dist))
        details.extend(f"{dist.label()}: cannot read Requires-Dist {u!r}" for u in unreadable)
    return tuple(declared), tuple(silent), tuple(details)


def _one_fix(ctx: DoctorContext, result: CheckResult, failing: list[Finding]) -> CheckResult:
    """Several unmet requirements from one index: one pip line that fixes them all."""
    receipt = ctx.receipt()
    if len(failing) < 2 or len({index_args(receipt, f.name) for f in failing}) != 1:  # noqa: PLR2004  # one needs no merging
        return result
    return replace(result, hint=_fix(ctx, failing))


def declared_names(ctx: DoctorContext) -> list[str]:
    """The distributions the installed AIMET declares it requires (for the shadowing check)."""
    declared, _silent, _details = _collect(ctx)
    return list(dict.fromkeys(d.requirement.name for d in declared if d.scope != "v1"))


def check_requirements(ctx: DoctorContext) -> CheckResult:
    """Each declared requirement (or, for 1.x, each catalog pin) against the installed version."""
    if not any(d.role in _ROLES for d in ctx.aimet()):
        return CheckResult(ID, Status.SKIP, "no AIMET distribution is installed")
    declared, silent, details = _collect(ctx)
    issues: list[Issue] = []
    failing: list[Finding] = []
    compared: list[str] = []
    for item in declared:
        shown_as, installed = _installed(ctx, item.requirement.name)
        finding = judge(item, installed)
        compared.append(
            f"{finding.wanted} ({item.by}{', extra' if item.scope != 'core' else ''}): "
            f"{'not installed' if installed is None else f'{shown_as} {installed}'}"
            f" -> {finding.verdict}"
        )
        issue = _issue(ctx, finding, shown_as)
        if issue is not None:
            issues.append(issue)
            if issue.status is Status.FAIL:
                failing.append(finding)
    info = ctx.release()
    pinned: dict[str, str] = {}
    if not declared and silent and info is not None and info.plan is not None:
        pinned = {k: v for k, v in info.plan.pins.items() if k not in FRAMEWORK_DISTS}
        for name, pin in sorted(pinned.items()):
            issue = _pin_issue(ctx, name, pin, info.summary.tag)
            compared.append(f"{name}=={pin} (the catalog's pin for {info.summary.tag})")
            if issue is not None:
                issues.append(issue)
    facts: dict[str, FactValue] = {
        "declared": len(declared),
        "catalog_pins": tuple(f"{k}=={v}" for k, v in sorted(pinned.items())),
        "unmet": tuple(i.line for i in issues),
    }
    lead = (*details, *compared)
    if issues:
        result = worst_issue(ID, issues, facts=facts, lead=lead)
        return _one_fix(ctx, result, failing)
    if declared:
        by = sorted({d.by for d in declared})
        summary = f"all {len(declared)} requirements of {', '.join(by)} are installed and fit"
    elif pinned:
        summary = f"{', '.join(silent)} declare no requirements; the catalog's pins fit"
    else:
        summary = (
            f"{', '.join(silent)} declare no requirements, and the catalog pins nothing "
            "beyond the frameworks (see framework)"
        )
    return CheckResult(ID, Status.OK, summary, details=lead, facts=facts)


REQUIREMENTS = Check(
    ID,
    "the requirements AIMET declares are installed",
    check_requirements,
    requires=("interpreter",),
)

__all__ = [
    "ALTERNATIVES",
    "REQUIREMENTS",
    "check_requirements",
    "declared_names",
    "requested_extras",
]
