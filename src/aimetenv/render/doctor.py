"""The doctor's report for people (a rich table) and for scripts (JSON ``aimetenv.doctor/1``)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from rich.table import Table
from rich.text import Text

if TYPE_CHECKING:
    from collections.abc import Sequence

    from aimetenv.doctor.model import Check, CheckResult, DoctorReport, FactValue

SCHEMA = "aimetenv.doctor/1"
LIST_SCHEMA = "aimetenv.doctor-checks/1"
STYLES = {
    "ok": "green",
    "warn": "yellow",
    "fail": "bold red",
    "skip": "dim",
    "error": "bold magenta",
}


def _fact(value: FactValue) -> Any:  # noqa: ANN401  # JSON values
    if isinstance(value, tuple):
        return list(value)
    return value


def result_document(result: CheckResult, title: str | None) -> dict[str, Any]:
    """One check in the JSON document."""
    return {
        "id": result.check_id,
        "title": title,
        "status": result.status.value,
        "summary": result.summary,
        "hint": result.hint,
        "details": list(result.details),
        "facts": {key: _fact(value) for key, value in result.facts.items()},
        "seconds": result.seconds,
    }


def doctor_document(report: DoctorReport) -> dict[str, Any]:
    """The JSON document (schema ``aimetenv.doctor/1``); ``status`` agrees with ``exit_code``."""
    target = report.target
    release = report.release
    return {
        "schema": SCHEMA,
        "command": "doctor",
        "status": report.status,
        "exit_code": int(report.exit_code),
        "overall": report.worst().value,
        "strict": report.strict,
        "deep": report.deep,
        "target": {
            "kind": target.kind,
            "python": str(target.python),
            "prefix": None if target.prefix is None else str(target.prefix),
            "name": target.name,
            "reason": target.reason,
        },
        "release": None
        if release is None
        else {
            "tag": release.tag,
            "variant": release.variant,
            "origin": release.origin,
            "evidence": release.evidence,
            "source": release.source,
        },
        "release_note": report.release_note,
        "root_cause": report.root_cause,
        "counts": report.counts(),
        "checks": [result_document(r, report.titles.get(r.check_id)) for r in report.results],
        "seconds": report.seconds,
    }


def _header(report: DoctorReport) -> Text:
    target = report.target
    lines = [f"target: {target.label} ({target.reason})"]
    release = report.release
    if release is not None:
        lines.append(f"release: AIMET {release.tag} {release.variant} (from {release.origin})")
    else:
        lines.append(f"release: unknown ({report.release_note or 'no AIMET release found'})")
    return Text("\n".join(lines) + "\n")


FIX_INDENT = " " * 25


def _row(result: CheckResult, width: int, *, verbose: int) -> Text:
    """One check: status, id and summary on one line; its fix and details on lines of their own.

    A fix is one line that pastes as printed: it is never wrapped, whatever the terminal's
    width (the caller prints it with ``soft_wrap``, so only the terminal folds it on screen).
    """
    status = result.status.value
    text = Text(f"{status:<6}", style=STYLES[status])
    text.append(f"{result.check_id:<{width}}{result.summary}")
    if result.hint and status in ("warn", "fail", "error"):
        text.append(f"\n{FIX_INDENT}fix: {result.hint}", style="italic")
    if verbose:
        for line in result.details:
            text.append(f"\n{FIX_INDENT}  {line}", style="dim")
    return text


def doctor_rows(report: DoctorReport, *, verbose: int = 0) -> list[Text]:
    """One block per check, in registry order; hints under problems; details with -v."""
    width = max((len(r.check_id) for r in report.results), default=0) + 2
    width = max(width, len(FIX_INDENT) - 6)
    return [_row(result, width, verbose=verbose) for result in report.results]


def _root(report: DoctorReport) -> Text:
    """The cause to fix first, when one check's failure explains others."""
    cause = next((r for r in report.results if r.check_id == report.root_cause), None)
    if cause is None:
        return Text()
    caused = [r.check_id for r in report.results if r.facts.get("caused_by") == cause.check_id]
    also = f" (it also makes {', '.join(caused)} fail)" if caused else ""
    text = Text(f"start with {cause.check_id}{also}: {cause.summary}\n", style="bold")
    if cause.hint:
        text.append(f"  fix: {cause.hint}\n", style="italic")
    return text


def _footer(report: DoctorReport) -> Text:
    counts = report.counts()
    parts = [f"{counts[s]} {s}" for s in ("ok", "warn", "fail", "error", "skip") if counts[s]]
    verdict = "healthy" if report.exit_code == 0 else "problems found"
    strict = " (--strict: warnings count)" if report.strict and counts["warn"] else ""
    text = Text(f"\n{verdict}: {', '.join(parts)}{strict} in {report.seconds:.1f} s\n")
    return text.append_text(_root(report))


def doctor_text(report: DoctorReport, *, verbose: int = 0) -> tuple[Text, list[Text], Text]:
    """The header, one block per check and the footer, in order; print each with soft_wrap."""
    return _header(report), doctor_rows(report, verbose=verbose), _footer(report)


def checks_table(checks: Sequence[Check]) -> Table:
    """``--list``: each check's id, what it checks, and what it requires."""
    table = Table(box=None, pad_edge=False, header_style="bold")
    for column in ("check", "what it checks", "requires"):
        table.add_column(column)
    for check in checks:
        title = check.title + (" [opt-in]" if check.opt_in else "")
        table.add_row(check.id, title, ", ".join(check.requires) or "-")
    return table


def checks_document(checks: Sequence[Check]) -> dict[str, Any]:
    """``--list --json``."""
    return {
        "schema": LIST_SCHEMA,
        "command": "doctor",
        "status": "success",
        "exit_code": 0,
        "checks": [
            {"id": c.id, "title": c.title, "requires": list(c.requires), "opt_in": c.opt_in}
            for c in checks
        ],
    }


__all__ = [
    "LIST_SCHEMA",
    "SCHEMA",
    "checks_document",
    "checks_table",
    "doctor_document",
    "doctor_rows",
    "doctor_text",
    "result_document",
]
