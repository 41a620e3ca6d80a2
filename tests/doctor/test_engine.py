"""The engine: registry order, prerequisites, crashes as results, selection, concurrency."""

from __future__ import annotations

import sys
import threading
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from aimetenv.doctor.checks import ALL_CHECKS
from aimetenv.doctor.engine import run_checks, run_doctor, select_checks
from aimetenv.doctor.model import Check, CheckResult, Status
from aimetenv.errors import UsageError
from aimetenv.exit_codes import ExitCode

if TYPE_CHECKING:
    from aimetenv.doctor.context import DoctorContext
    from support.doctor_envs import MakeContext


def fixed(check_id: str, status: Status, requires: tuple[str, ...] = ()) -> Check:
    def run(_ctx: DoctorContext) -> CheckResult:
        hint = "fix it" if status in (Status.FAIL, Status.WARN) else None
        return CheckResult(check_id, status, f"{check_id} is {status.value}", hint=hint)

    return Check(check_id, f"the {check_id} check", run, requires)


@pytest.fixture
def ctx(make_ctx: MakeContext) -> DoctorContext:
    return make_ctx(python=Path(sys.executable), kind="python")


def test_results_in_registry_order_and_failed_prerequisite_skips(ctx: DoctorContext) -> None:
    checks = (
        fixed("a", Status.FAIL),
        fixed("b", Status.OK, requires=("a",)),
        fixed("c", Status.WARN),
        fixed("d", Status.OK, requires=("c",)),
        fixed("e", Status.OK, requires=("b",)),
    )
    results = run_checks(checks, ctx)
    assert [r.check_id for r in results] == ["a", "b", "c", "d", "e"]
    assert [r.status for r in results] == [
        Status.FAIL, Status.SKIP, Status.WARN, Status.OK, Status.SKIP,
    ]  # fmt: skip
    assert results[1].summary == "skipped: requires a, which did not pass (fail)"
    assert results[4].summary == "skipped: requires b, which did not pass (skip)"


def test_a_crash_is_an_error_result_with_the_traceback(ctx: DoctorContext) -> None:
    def crash(_ctx: DoctorContext) -> CheckResult:
        table: dict[str, CheckResult] = {}
        return table["missing"]

    def wrong_id(_ctx: DoctorContext) -> CheckResult:
        return CheckResult("someone-else", Status.OK, "ok")

    results = run_checks(
        (
            Check("boom", "crashes", crash),
            Check("liar", "lies", wrong_id),
            fixed("fine", Status.OK),
        ),
        ctx,
    )
    boom, liar, fine = results
    assert boom.status is Status.ERROR
    assert boom.summary == "the check crashed: KeyError: 'missing'"
    assert boom.hint is not None
    assert "report" in boom.hint
    assert any("Traceback" in line for line in boom.details)
    assert liar.status is Status.ERROR
    assert "someone-else" in liar.summary
    assert fine.status is Status.OK


def test_independent_checks_run_at_the_same_time(ctx: DoctorContext) -> None:
    # Each check waits for the other at a barrier: run one after the other, both would fail.
    barrier = threading.Barrier(2, timeout=60)

    def meet(name: str) -> Check:
        def run(_ctx: DoctorContext) -> CheckResult:
            barrier.wait()
            return CheckResult(name, Status.OK, "met")

        return Check(name, name, run)

    results = run_checks((meet("left"), meet("right")), ctx)
    assert [r.status for r in results] == [Status.OK, Status.OK]


def test_durations_are_recorded(ctx: DoctorContext) -> None:
    [result] = run_checks((fixed("a", Status.OK),), ctx)
    assert result.seconds >= 0


def test_selection_by_name_pulls_in_prerequisites() -> None:
    chosen = select_checks(ALL_CHECKS, ["libpymo"])
    assert [c.id for c in chosen] == ["interpreter", "aimet-packages", "libpymo"]


def test_default_selection_leaves_out_opt_in_checks() -> None:
    default = [c.id for c in select_checks(ALL_CHECKS)]
    deep = [c.id for c in select_checks(ALL_CHECKS, deep=True)]
    assert "quantize" not in default
    assert deep == [c.id for c in ALL_CHECKS]
    assert [c.id for c in select_checks(ALL_CHECKS, ["quantize"])][-1] == "quantize"


def test_unknown_name_is_a_usage_error_listing_the_checks() -> None:
    with pytest.raises(UsageError) as caught:
        select_checks(ALL_CHECKS, ["libpymo", "nope"])
    assert caught.value.exit_code is ExitCode.USAGE
    assert caught.value.code == "unknown-check"
    assert "'nope'" in caught.value.message
    assert caught.value.hint is not None
    for check in ALL_CHECKS:
        assert check.id in caught.value.hint


def test_registry_ids_are_unique_kebab_case_and_prerequisites_come_first() -> None:
    seen: list[str] = []
    for check in ALL_CHECKS:
        assert check.id == check.id.lower()
        assert " " not in check.id
        assert "_" not in check.id
        assert check.id not in seen
        assert all(r in seen for r in check.requires), check.id
        seen.append(check.id)


def test_run_doctor_reports_target_and_release(
    make_ctx: MakeContext, plain_legacy_env: Path
) -> None:
    ctx = make_ctx(plain_legacy_env)
    report = run_doctor(ctx, ALL_CHECKS, names=["aimet-packages"])
    assert [r.check_id for r in report.results] == ["interpreter", "aimet-packages"]
    assert report.release is not None
    assert (report.release.tag, report.release.variant) == ("1.16.2.py37", "torch-cpu")
    assert report.release.origin == "installed distributions"
    assert report.titles["aimet-packages"]
    assert report.exit_code is ExitCode.OK
