"""Timing helpers for the benchmarks: medians of repeated real runs, ratios against a baseline.

Every figure the benchmarks print is a ratio against a baseline measured in the same run, on the
same machine, interleaved with the measurement (baseline, subject, baseline, subject, ...) so that
load from elsewhere hits both alike. A goal is one ``Result``: the two medians, the ratio, the
goal and whether it is met.
"""

from __future__ import annotations

import os
import statistics
import subprocess  # noqa: TID251  # benchmarks time real processes
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping, Sequence

Verdict = Literal["MET", "NOT MET", "REPORTED"]


class BenchmarkError(RuntimeError):
    """A command the benchmark runs failed: the measurement is void."""


@dataclass(frozen=True)
class Samples:
    """The wall times of interleaved runs, subject and baseline."""

    subject: tuple[float, ...]
    baseline: tuple[float, ...]

    @property
    def subject_median(self) -> float:
        """Median of the subject's runs."""
        return statistics.median(self.subject)

    @property
    def baseline_median(self) -> float:
        """Median of the baseline's runs."""
        return statistics.median(self.baseline)


@dataclass(frozen=True)
class Result:
    """One goal: what was measured, against what, the ratio, the goal and the verdict."""

    name: str
    subject: str
    """What was measured, e.g. ``aimetenv --version``."""
    baseline: str
    """What it was compared with, e.g. ``python -c "import typer"``."""
    measured: float
    reference: float
    unit: str
    """``s``, ``MB/s`` or ``bytes``."""
    ratio: float | None
    goal: str
    verdict: Verdict
    runs: int = 1
    notes: tuple[str, ...] = field(default_factory=tuple)

    def line(self) -> str:
        """``startup --version: 0.112 s vs 0.095 s = 1.18x (goal <= 1.30x) MET``."""
        ratio = "" if self.ratio is None else f" = {self.ratio:.2f}x"
        return (
            f"{self.name}: {_figure(self.measured, self.unit)} vs "
            f"{_figure(self.reference, self.unit)}{ratio} (goal {self.goal}) {self.verdict}"
        )

    def to_dict(self) -> dict[str, object]:
        """JSON form, for ``run.py --json``."""
        return {
            "name": self.name,
            "subject": self.subject,
            "baseline": self.baseline,
            "measured": self.measured,
            "reference": self.reference,
            "unit": self.unit,
            "ratio": self.ratio,
            "goal": self.goal,
            "verdict": self.verdict,
            "runs": self.runs,
            "notes": list(self.notes),
        }


def _figure(value: float, unit: str) -> str:
    if unit == "s":
        return f"{value:.3f} s" if value < 10 else f"{value:.1f} s"
    if unit == "bytes":
        return f"{int(value):,} bytes"
    return f"{value:.1f} {unit}"


def run_quiet(
    argv: Sequence[str],
    env: Mapping[str, str] | None = None,
    cwd: str | None = None,
    *,
    ok: Sequence[int] = (0,),
) -> subprocess.CompletedProcess[str]:
    """Run a command with its output captured; an exit status outside ``ok`` raises."""
    result = subprocess.run(  # argv from the benchmark itself
        list(argv),
        env=None if env is None else dict(env),
        cwd=cwd,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode not in ok:
        msg = (
            f"{' '.join(argv[:8])} failed ({result.returncode}):\n"
            f"{result.stdout[-2000:]}\n{result.stderr[-2000:]}"
        )
        raise BenchmarkError(msg)
    return result


def timed(action: Callable[[], object]) -> float:
    """Wall time of one call."""
    start = time.perf_counter()
    action()
    return time.perf_counter() - start


def rounds(
    runners: Sequence[Callable[[], object]],
    repeat: int,
    *,
    warmup: int = 1,
    before: Callable[[], object] | None = None,
    rotate: bool = False,
) -> list[tuple[float, ...]]:
    """Wall times of ``repeat`` rounds; each round runs every runner once.

    ``warmup`` untimed rounds come first. ``before`` runs untimed ahead of every single run
    (e.g. to remove the venv the last run made), so that every side starts from the same state.
    ``rotate``: start each round with the next runner (A B C, B C A, C A B, ...), so that no side
    always follows the same one (whose leftovers, such as a disk still writing, it would pay for).
    """
    times: list[list[float]] = [[] for _ in runners]
    for number in range(warmup + repeat):
        order = list(range(len(runners)))
        if rotate:
            shift = number % len(runners)
            order = order[shift:] + order[:shift]
        for index in order:
            if before is not None:
                before()
            took = timed(runners[index])
            if number >= warmup:
                times[index].append(took)
    return [tuple(t) for t in times]


def interleaved(
    subject: Callable[[], object],
    baseline: Callable[[], object],
    repeat: int,
    *,
    warmup: int = 1,
    before: Callable[[], object] | None = None,
) -> Samples:
    """``rounds`` of baseline then subject: the two series."""
    base, subj = rounds([baseline, subject], repeat, warmup=warmup, before=before)
    return Samples(subj, base)


def _seconds(  # one parameter per column of the printed line
    name: str, subject: str, baseline: str, samples: Samples, *, goal: str, verdict: Verdict
) -> Result:
    """A result in seconds: the two medians and their ratio."""
    return Result(
        name,
        subject,
        baseline,
        samples.subject_median,
        samples.baseline_median,
        "s",
        samples.subject_median / samples.baseline_median,
        goal,
        verdict,
        runs=len(samples.subject),
    )


def at_most(  # one parameter per column of the printed line
    name: str, subject: str, baseline: str, samples: Samples, limit: float
) -> Result:
    """A time goal of the form ``subject <= limit x baseline``."""
    met = samples.subject_median / samples.baseline_median <= limit
    verdict: Verdict = "MET" if met else "NOT MET"
    return _seconds(name, subject, baseline, samples, goal=f"<= {limit:.2f}x", verdict=verdict)


def reported(name: str, subject: str, baseline: str, samples: Samples) -> Result:
    """A time ratio shown beside a goal, with no goal of its own."""
    return _seconds(name, subject, baseline, samples, goal="none, reported", verdict="REPORTED")


def throughput_at_least(  # one parameter per column of the printed line
    name: str, subject: str, baseline: str, samples: Samples, *, size: int, limit: float
) -> Result:
    """A throughput goal ``subject MB/s >= limit x baseline MB/s`` for ``size`` bytes per run."""
    mine = size / samples.subject_median / 1e6
    theirs = size / samples.baseline_median / 1e6
    ratio = mine / theirs
    return Result(
        name,
        subject,
        baseline,
        mine,
        theirs,
        "MB/s",
        ratio,
        f">= {limit:.2f}x",
        "MET" if ratio >= limit else "NOT MET",
        runs=len(samples.subject),
    )


def time_under(name: str, subject: str, baseline: str, samples: Samples, limit: float) -> Result:
    """An absolute time goal (the no-op install); the baseline is shown for scale."""
    met = samples.subject_median < limit
    verdict: Verdict = "MET" if met else "NOT MET"
    return _seconds(name, subject, baseline, samples, goal=f"< {limit:g} s", verdict=verdict)


def count_equal(name: str, subject: str, baseline: str, counted: int, expected: int) -> Result:
    """A byte count that must equal the expected one (the resume fetches only what is missing)."""
    return Result(
        name,
        subject,
        baseline,
        float(counted),
        float(expected),
        "bytes",
        counted / expected if expected else None,
        "= the missing bytes",
        "MET" if counted == expected else "NOT MET",
    )


def clean_env(**changes: str | None) -> dict[str, str]:
    """This process's environment with ``changes`` applied (None removes a variable)."""
    env = dict(os.environ)
    for key, value in changes.items():
        if value is None:
            env.pop(key, None)
        else:
            env[key] = value
    return env


__all__ = [
    "BenchmarkError",
    "Result",
    "Samples",
    "at_most",
    "clean_env",
    "count_equal",
    "interleaved",
    "reported",
    "rounds",
    "run_quiet",
    "throughput_at_least",
    "time_under",
    "timed",
]
