"""Running the checks: selection, prerequisites, concurrency, and crashes turned into results.

Checks run as soon as their prerequisites have finished, several at a time (the slow ones wait on
child processes, so threads are enough), and the report lists them in registry order. A check
whose prerequisite did not pass is skipped and says which one; a check that raises is reported
as ``error`` with the exception and its traceback in the details. Nothing here prints.
"""

from __future__ import annotations

import time
import traceback
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from typing import TYPE_CHECKING

from aimetenv.doctor.causes import attribute, root_cause
from aimetenv.doctor.model import CheckResult, DoctorReport, Status
from aimetenv.errors import UsageError

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

    from aimetenv.doctor.context import DoctorContext
    from aimetenv.doctor.model import Check

MAX_WORKERS = 8
BUG_HINT = "This is a bug in aimetenv; please report it with the output of 'aimetenv doctor -v'."


def select_checks(
    checks: Sequence[Check], names: Sequence[str] = (), *, deep: bool = False
) -> tuple[Check, ...]:
    """The checks to run, in registry order.

    No names: every check except the opt-in ones (those join with ``deep``). Names: those
    checks and, transitively, the checks they require. An unknown name is a usage error.
    """
    by_id = {check.id: check for check in checks}
    unknown = [name for name in names if name not in by_id]
    if unknown:
        known = ", ".join(by_id)
        raise UsageError(
            f"unknown check {unknown[0][:40]!r}",
            hint=f"Known checks: {known}. 'aimetenv doctor --list' describes them.",
            code="unknown-check",
        )
    if not names:
        return tuple(c for c in checks if deep or not c.opt_in)
    wanted: set[str] = set()
    stack = list(names)
    while stack:
        name = stack.pop()
        if name in wanted:
            continue
        wanted.add(name)
        stack.extend(r for r in by_id[name].requires if r in by_id)
    return tuple(c for c in checks if c.id in wanted)


def run_one(check: Check, ctx: DoctorContext) -> CheckResult:
    """Run one check; a crash becomes an ``error`` result. The duration is recorded."""
    start = time.monotonic()
    try:
        result = check.run(ctx)
        if result.check_id != check.id:
            msg = f"check {check.id} returned a result for {result.check_id}"
            raise ValueError(msg)  # noqa: TRY301  # reported like any other crash
    except Exception as error:  # noqa: BLE001  # a crashing check must not stop the others
        lines = traceback.format_exception(type(error), error, error.__traceback__)
        details = tuple(line.rstrip() for chunk in lines for line in chunk.splitlines())
        result = CheckResult(
            check.id,
            Status.ERROR,
            f"the check crashed: {type(error).__name__}: {str(error)[:200]}".replace("\n", " "),
            hint=BUG_HINT,
            details=details,
        )
    return _timed(result, time.monotonic() - start)


def _timed(result: CheckResult, seconds: float) -> CheckResult:
    return CheckResult(
        result.check_id,
        result.status,
        result.summary,
        result.hint,
        result.details,
        result.facts,
        round(seconds, 3),
    )


def _skip_for(check: Check, blocked_by: list[CheckResult]) -> CheckResult:
    first = blocked_by[0]
    return CheckResult(
        check.id,
        Status.SKIP,
        f"skipped: requires {first.check_id}, which did not pass ({first.status.value})",
        facts={"blocked_by": tuple(r.check_id for r in blocked_by)},
    )


def run_checks(
    checks: Sequence[Check],
    ctx: DoctorContext,
    *,
    max_workers: int = MAX_WORKERS,
    on_result: Callable[[CheckResult], None] | None = None,
) -> tuple[CheckResult, ...]:
    """Run ``checks`` concurrently as their prerequisites finish; results in registry order."""
    selected = {check.id for check in checks}
    results: dict[str, CheckResult] = {}
    pending = list(checks)

    def record(result: CheckResult) -> None:
        results[result.check_id] = result
        if on_result is not None:
            on_result(result)

    with ThreadPoolExecutor(max_workers=max_workers, thread_name_prefix="doctor") as pool:
        running: dict[Future[CheckResult], Check] = {}
        while pending or running:
            for check in list(pending):
                needs = [r for r in check.requires if r in selected]
                if any(r not in results for r in needs):
                    continue
                pending.remove(check)
                blocked = [results[r] for r in needs if not results[r].status.passed]
                if blocked:
                    record(_skip_for(check, blocked))
                else:
                    running[pool.submit(run_one, check, ctx)] = check
            if not running:
                continue
            done, _ = wait(running, return_when=FIRST_COMPLETED)
            for future in done:
                running.pop(future)
                record(future.result())
    return tuple(results[c.id] for c in checks)


def run_doctor(
    ctx: DoctorContext,
    checks: Sequence[Check],
    *,
    names: Sequence[str] = (),
    on_result: Callable[[CheckResult], None] | None = None,
) -> DoctorReport:
    """Select, run and collect: the whole doctor run as one report."""
    start = time.monotonic()
    chosen = select_checks(checks, names, deep=ctx.settings.deep)
    results = attribute(run_checks(chosen, ctx, on_result=on_result))
    cause = root_cause(results)
    try:
        info, note = ctx.release(), ctx.release_note()
    except Exception as error:  # noqa: BLE001  # the checks that need it already report the crash
        info, note = None, f"working out the release crashed: {type(error).__name__}: {error}"
    return DoctorReport(
        target=ctx.target,
        release=None if info is None else info.summary,
        release_note=note or None,
        results=results,
        root_cause=None if cause is None else cause.check_id,
        titles={c.id: c.title for c in chosen},
        strict=ctx.settings.strict,
        deep=ctx.settings.deep,
        seconds=round(time.monotonic() - start, 3),
    )


__all__ = ["BUG_HINT", "MAX_WORKERS", "run_checks", "run_doctor", "run_one", "select_checks"]
