"""The doctor's data: statuses, one check's result, the check records and the whole report."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Union

from aimetenv.exit_codes import ExitCode

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

    from aimetenv.doctor.context import DoctorContext
    from aimetenv.envs.targets import EnvTarget

FactValue = Union[str, int, float, bool, None, tuple[str, ...]]


class Status(enum.Enum):
    """How one check came out."""

    OK = "ok"
    WARN = "warn"
    """It works, but something will bite later; exit 0 unless --strict."""
    FAIL = "fail"
    """The environment is wrong."""
    SKIP = "skip"
    """Not applicable (a cpu variant), or a prerequisite did not pass."""
    ERROR = "error"
    """The check itself crashed: a bug in aimetenv, reported, never swallowed."""

    @property
    def passed(self) -> bool:
        """OK or WARN: checks that require this one may run."""
        return self in (Status.OK, Status.WARN)


SEVERITY: Mapping[Status, int] = {
    Status.SKIP: 0,
    Status.OK: 1,
    Status.WARN: 2,
    Status.FAIL: 3,
    Status.ERROR: 4,
}


@dataclass(frozen=True)
class CheckResult:
    """What one check found: a status, one line, a next step and the evidence."""

    check_id: str
    status: Status
    summary: str
    """One line, shown in the table."""
    hint: str | None = None
    """What to do about it, with the exact command where one exists; required for FAIL/WARN."""
    details: tuple[str, ...] = ()
    """Extra lines (shown with -v, always in --json): error text, paths, what was compared."""
    facts: Mapping[str, FactValue] = field(default_factory=dict)
    """Machine-readable values for --json."""
    seconds: float = 0.0
    """How long the check took (the engine fills this in)."""

    def __post_init__(self) -> None:
        """Every problem ships with a next step, and the summary stays on one line."""
        if self.status in (Status.FAIL, Status.WARN) and not self.hint:
            msg = f"check {self.check_id}: a {self.status.value} result needs a hint"
            raise ValueError(msg)
        if "\n" in self.summary:
            msg = f"check {self.check_id}: the summary must be one line"
            raise ValueError(msg)


@dataclass(frozen=True)
class Issue:
    """One problem a check found, with its fix; a check that finds several reports the worst."""

    status: Status
    line: str
    hint: str


def worst_issue(
    check_id: str,
    issues: list[Issue],
    *,
    facts: Mapping[str, FactValue],
    lead: tuple[str, ...] = (),
) -> CheckResult:
    """The result of a check that found ``issues`` (at least one): the worst leads the line.

    Every issue is a detail line (after ``lead``) with its status and its fix.
    """
    ordered = sorted(issues, key=lambda i: -SEVERITY[i.status])
    worst = ordered[0]
    more = and_more([i.line for i in ordered[1:]])
    return CheckResult(
        check_id,
        worst.status,
        worst.line + more,
        hint=worst.hint,
        details=(*lead, *(f"{i.status.value}: {i.line}; fix: {i.hint}" for i in ordered)),
        facts=facts,
    )


LISTED_PROBLEMS = 3
"""Up to this many problems, the one line names them all; beyond, it counts the rest."""


def and_more(others: list[str]) -> str:
    """`` (and 1 more: B)`` after the first problem's line; `` (and 5 more)`` for many."""
    if not others:
        return ""
    if len(others) < LISTED_PROBLEMS:
        return f" (and {len(others)} more: {'; '.join(others)})"
    return f" (and {len(others)} more)"


@dataclass(frozen=True)
class Check:
    """One entry of the registry: a kebab-case id users type, a title and the function."""

    id: str
    title: str
    run: Callable[[DoctorContext], CheckResult]
    requires: tuple[str, ...] = ()
    """Checks that must pass (OK or WARN) first; otherwise this one is skipped."""
    opt_in: bool = False
    """Runs only with --deep or when named with --check (slow and not needed to diagnose)."""


@dataclass(frozen=True)
class ReleaseSummary:
    """Which AIMET release the checks compared against, and how aimetenv knows."""

    tag: str
    variant: str
    origin: str
    """``receipt``, ``installed distributions`` or ``--tag/--variant``."""
    evidence: str
    source: str | None = None


@dataclass(frozen=True)
class DoctorReport:
    """Everything one doctor run found."""

    target: EnvTarget
    release: ReleaseSummary | None
    release_note: str | None
    """Why no release is known, when none is."""
    results: tuple[CheckResult, ...]
    titles: Mapping[str, str]
    root_cause: str | None = None
    """The failing check to fix first (``doctor.causes``); None when nothing failed."""
    strict: bool = False
    deep: bool = False
    seconds: float = 0.0

    def worst(self) -> Status:
        """The most severe status of any check (SKIP when nothing ran)."""
        statuses = [r.status for r in self.results]
        return max(statuses, key=SEVERITY.__getitem__, default=Status.SKIP)

    def counts(self) -> dict[str, int]:
        """How many checks ended in each status."""
        counts = {status.value: 0 for status in Status}
        for result in self.results:
            counts[result.status.value] += 1
        return counts

    @property
    def exit_code(self) -> ExitCode:
        """1 when a check failed or crashed (or warned, with --strict); else 0."""
        worst = self.worst()
        if worst in (Status.FAIL, Status.ERROR):
            return ExitCode.CHECKS_FAILED
        if worst is Status.WARN and self.strict:
            return ExitCode.CHECKS_FAILED
        return ExitCode.OK

    @property
    def status(self) -> str:
        """``success`` exactly when the exit code is 0, else ``error``."""
        return "success" if self.exit_code is ExitCode.OK else "error"


__all__ = [
    "LISTED_PROBLEMS",
    "SEVERITY",
    "Check",
    "CheckResult",
    "DoctorReport",
    "FactValue",
    "Issue",
    "ReleaseSummary",
    "Status",
    "and_more",
    "worst_issue",
]
