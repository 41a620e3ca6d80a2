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


def doctor_table(report: DoctorReport, *, verbose: int = 0) -> Table:
    """One row per check: status, id, summary; hints under problems; details with -v."""
    table = Table(box=None, pad_edge=False, show_header=False, expand=False)
    table.add_column("status", no_wrap=True)
    table.add_column("check", no_wrap=True)
    table.add_column("summary")
    for result in report.results:
        status = result.status.value
        text = Text(result.summary)
        if result.hint and result.status.value in ("warn", "fail", "error"):
            text.append("\n  fix: " + result.hint, style="italic")
        if verbose:
            for line in result.details:
                text.append("\n    " + line, style="dim")
        table.add_row(Text(status, style=STYLES[status]), Text(result.check_id), text)
    return table


def _footer(report: DoctorReport) -> Text:
    counts = report.counts()
    parts = [f"{counts[s]} {s}" for s in ("ok", "warn", "fail", "error", "skip") if counts[s]]
    verdict = "healthy" if report.exit_code == 0 else "problems found"
    strict = " (--strict: warnings count)" if report.strict and counts["warn"] else ""
    return Text(f"\n{verdict}: {', '.join(parts)}{strict} in {report.seconds:.1f} s\n")


def doctor_text(report: DoctorReport, *, verbose: int = 0) -> tuple[Text, Table, Text]:
    """The header, the table and the footer, in order."""
    return _header(report), doctor_table(report, verbose=verbose), _footer(report)


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
    "doctor_table",
    "doctor_text",
    "result_document",
]
