"""Renderables for people. Pure functions: they build rich objects and never print."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.table import Table
from rich.text import Text

from aimetenv.catalog.lookup import said_tag
from aimetenv.fetch.urls import redact

if TYPE_CHECKING:
    from collections.abc import Iterable

    from aimetenv.catalog.model import Catalog, Release, Source, Variant
    from aimetenv.envs.targets import EnvTarget
    from aimetenv.install.actions import Action
    from aimetenv.install.plan import InstallPlan, PlannedWheel


def releases_table(releases: Iterable[Release]) -> Table:
    """One row per release: tag, date, era, variants, hosting, confidence."""
    table = Table(box=None, pad_edge=False, header_style="bold")
    for column in ("tag", "date", "era", "variants", "hosting", "confidence"):
        table.add_column(column)
    for release in releases:
        variants = ", ".join(v.id for v in release.variants.values() if v.shipped)
        table.add_row(
            release.tag,
            release.date or "-",
            release.era,
            variants,
            "+".join(release.hosting),
            release.confidence,
        )
    return table


def _source_lines(source: Source, release: Release) -> list[str]:
    lines = [f"  {source.kind} ({source.confidence})"]
    if source.kind == "github":
        for wheel in source.wheels:
            extra = "  [with the PyTorch find-links page]" if wheel.find_links else ""
            lines.append(f"    {wheel.filename}{extra}")
            lines.append(f"      {wheel.evidence}")
    else:
        extra = "  [torch and torchvision from the PyTorch CPU index first]" if source.torch else ""
        lines.append(f"    {source.requirement}{extra}")
        lines.append(f"    wheel tags: {', '.join(source.wheel_tags)}")
        lines.extend(f"    {f.filename}: CUDA {f.cuda}" for f in source.files if f.cuda)
    for old, new in source.replace.items():
        lines.append(f"    then {new} replaces {old}")
    lines.extend(_python_lines(source, release))
    if source.glibc:
        lines.append(f"    glibc >= {source.glibc}")
    if source.pip:
        lines.append(f"    pip {source.pip}")
    if source.pins:
        pins = ", ".join(f"{k}=={v}" for k, v in source.pins.items())
        lines.append(f"    pins: {pins}")
    lines.append(f"    evidence: {source.evidence}")
    if source.note:
        lines.append(f"    note: {source.note}")
    return lines


def _python_lines(source: Source, release: Release) -> list[str]:
    python = source.python or release.python
    if not python:
        return []
    if source.python_reason is None:
        return [f"    python {python}"]
    declared = sorted({f.requires_python for f in source.files if f.requires_python})
    wider = f" (the files declare Requires-Python {' / '.join(declared)})" if declared else ""
    return [
        f"    python {python}, stricter than PyPI's{wider}",
        f"      why: {source.python_reason}",
    ]


def _variant_lines(variant: Variant, release: Release) -> list[str]:
    head = f"{variant.id}"
    if variant.aliases:
        head += f" (also: {', '.join(variant.aliases)})"
    if variant.cuda:
        head += f"  CUDA {variant.cuda}"
    if not variant.shipped:
        head += "  [named in the docs, never published]"
    lines = [head]
    for source in (variant.github, variant.pypi):
        if source is not None:
            lines.extend(_source_lines(source, release))
    return lines


def release_detail(catalog: Catalog, release: Release) -> Text:
    """Everything the catalog knows about one release."""
    era = catalog.eras[release.era]
    lines = [
        f"AIMET {release.tag}  ({release.date or 'date unknown'})",
        f"era {era.id}: {era.summary}",
        f"hosting: {', '.join(release.hosting)}; preferred source: {release.prefer}",
        f"confidence: {release.confidence}",
    ]
    if release.note:
        lines.append(f"note: {release.note}")
    lines.append("")
    for variant in release.variants.values():
        lines.extend(_variant_lines(variant, release))
        lines.append("")
    return Text("\n".join(lines).rstrip() + "\n")


def _wheel_lines(wheel: PlannedWheel) -> list[str]:
    lines = [f"     {wheel.url}"]
    if wheel.quoted:
        lines.append(f"     verified: quoted by {wheel.quoted}")
    elif wheel.check_exists:
        lines.append("     inferred: install asks the host for it (HEAD) first")
    return lines


def plan_text(plan: InstallPlan) -> Text:
    """The plan for ``resolve``: what, from where, for which Python, in which order."""
    lines = [
        f"AIMET {plan.tag} {plan.variant} (era {plan.era}) from {plan.source}",
        (
            f"python: {plan.python_required or 'any the wheels accept'}"
            f" (new environments get Python {plan.python_for_new_env};"
            f" planned for {plan.target.describe()}, {plan.target.origin})"
        ),
    ]
    if plan.source_note:
        lines.append(f"source: {plan.source_note}")
    lines.append(f"pip: {plan.pip_bound or 'any version'}")
    if plan.glibc_floor:
        lines.append(f"glibc: {plan.glibc_floor} or newer")
    if plan.cuda:
        lines.append(f"CUDA: {plan.cuda}")
    if plan.pins:
        lines.append("framework pins: " + ", ".join(f"{k}=={v}" for k, v in plan.pins.items()))
    lines.append(f"confidence: {plan.confidence} ({plan.evidence})")
    lines.append("steps:")
    for number, step in enumerate(plan.steps, 1):
        lines.append(f"  {number}. {step.description}")
        if step.wheel is not None:
            lines.extend(_wheel_lines(step.wheel))
        if step.pip_args:
            lines.append(f"     pip options: {' '.join(step.pip_args)}")
    smoke = plan.smoke
    native = smoke.native or "none (pure-Python build, no libpymo expected)"
    lines.append(f"smoke test: import {', '.join(smoke.packages)}; native libpymo: {native}")
    exports = plan.exports
    if exports.ld_library_path or exports.pythonpath:
        parts = []
        if exports.ld_library_path:
            parts.append(
                "LD_LIBRARY_PATH += "
                + ", ".join(f"<site-packages>/{d}" for d in exports.ld_library_path)
            )
        if exports.pythonpath:
            parts.append(
                "PYTHONPATH += " + ", ".join(f"<site-packages>/{d}" for d in exports.pythonpath)
            )
        lines.append("exports: " + "; ".join(parts))
    else:
        lines.append("exports: none needed for AIMET itself")
    lines.extend(f"note: {note}" for note in plan.notes)
    return Text(redact("\n".join(lines)) + "\n")


def dry_run_text(plan: InstallPlan, target: EnvTarget, actions: list[Action]) -> Text:
    """What ``install --dry-run`` prints: the target, why, and each command in order."""
    lines = [
        f"target: {target.label} ({target.reason})",
        f"plan: AIMET {plan.tag} {plan.variant} from {plan.source}, Python {plan.python_for_new_env}",
    ]
    said = (
        None if plan.requested_tag is None else said_tag(plan.requested_tag, plan.tag, plan.variant)
    )
    if said is not None:
        lines.append(f"tag: {said}")
    lines.append("would run:")
    for number, action in enumerate(actions, 1):
        condition = f"   # {action.condition}" if action.condition else ""
        lines.append(f"  {number}. {action.description}")
        shown = action.display()
        if shown:
            lines.append(f"     {shown}{condition}")
    lines.extend(f"note: {note}" for note in plan.notes if note != said)
    return Text(redact("\n".join(lines)) + "\n")


__all__ = ["dry_run_text", "plan_text", "release_detail", "releases_table"]
