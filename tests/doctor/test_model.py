"""The doctor's data model: every problem has a hint, and status agrees with the exit code."""

from __future__ import annotations

from pathlib import Path

import pytest

from aimetenv.doctor.model import CheckResult, DoctorReport, Issue, Status, worst_issue
from aimetenv.envs.targets import EnvTarget, Origin
from aimetenv.exit_codes import ExitCode

TARGET = EnvTarget("python", Path("/usr/bin/python3"), "a test target", Origin.PYTHON_GIVEN)


def report(*statuses: Status, strict: bool = False) -> DoctorReport:
    results = tuple(
        CheckResult(
            f"c{i}", s, "one line", hint="do this" if s in (Status.FAIL, Status.WARN) else None
        )
        for i, s in enumerate(statuses)
    )
    return DoctorReport(TARGET, None, "no release", results, {}, strict=strict)


@pytest.mark.parametrize("status", [Status.FAIL, Status.WARN])
def test_problems_need_a_hint(status: Status) -> None:
    with pytest.raises(ValueError, match="needs a hint"):
        CheckResult("pip", status, "pip is missing")


def test_summary_is_one_line() -> None:
    with pytest.raises(ValueError, match="one line"):
        CheckResult("pip", Status.OK, "two\nlines")


@pytest.mark.parametrize(
    ("statuses", "strict", "code"),
    [
        ((Status.OK, Status.SKIP), False, ExitCode.OK),
        ((Status.OK, Status.WARN), False, ExitCode.OK),
        ((Status.OK, Status.WARN), True, ExitCode.CHECKS_FAILED),
        ((Status.OK, Status.FAIL), False, ExitCode.CHECKS_FAILED),
        ((Status.ERROR,), False, ExitCode.CHECKS_FAILED),
        ((), False, ExitCode.OK),
    ],
)
def test_exit_code_and_status_agree(
    statuses: tuple[Status, ...], strict: bool, code: ExitCode
) -> None:
    made = report(*statuses, strict=strict)
    assert made.exit_code is code
    assert (made.status == "success") == (made.exit_code == 0)


def test_worst_and_counts() -> None:
    made = report(Status.OK, Status.WARN, Status.SKIP, Status.FAIL, Status.OK)
    assert made.worst() is Status.FAIL
    assert made.counts() == {"ok": 2, "warn": 1, "fail": 1, "skip": 1, "error": 0}


def test_passed() -> None:
    assert Status.OK.passed
    assert Status.WARN.passed
    assert not Status.FAIL.passed
    assert not Status.SKIP.passed
    assert not Status.ERROR.passed


def test_up_to_three_problems_are_all_named_on_the_line() -> None:
    issues = [Issue(Status.WARN, f"problem {n}", "fix it") for n in range(1, 5)]
    two = worst_issue("x", [Issue(Status.FAIL, "worst", "fix"), *issues[:2]], facts={})
    assert two.summary == "worst (and 2 more: problem 1; problem 2)"
    one = worst_issue("x", issues[:2], facts={})
    assert one.summary == "problem 1 (and 1 more: problem 2)"
    many = worst_issue("x", issues, facts={})
    assert many.summary == "problem 1 (and 3 more)"
