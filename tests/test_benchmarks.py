"""The benchmark code itself, on small inputs: its command line, its verdicts, its download path.

No timing is checked here: the figures belong to ``benchmarks/run.py`` and docs/performance.md.
"""

from __future__ import annotations

import hashlib
import subprocess  # noqa: TID251  # the benchmark's real command line
import sys
from pathlib import Path

import pytest

BENCHMARKS = Path(__file__).resolve().parent.parent / "benchmarks"
sys.path.insert(0, str(BENCHMARKS))

from goals.download import FastHost, fetch_once, make_file, resume_bytes  # noqa: E402  # after sys.path names benchmarks/
from harness import Samples, at_most, count_equal, throughput_at_least, time_under  # noqa: E402  # after sys.path names benchmarks/


def test_run_help_names_every_section() -> None:
    done = subprocess.run(
        [sys.executable, str(BENCHMARKS / "run.py"), "--help"],
        capture_output=True,
        text=True,
        check=True,
    )
    for section in ("startup", "doctor", "noop", "install", "download"):
        assert section in done.stdout


def test_a_bad_repeat_is_refused() -> None:
    done = subprocess.run(
        [sys.executable, str(BENCHMARKS / "run.py"), "--repeat", "0"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 2
    assert "--repeat must be at least 1" in done.stderr


def test_verdicts_follow_the_goals() -> None:
    samples = Samples(subject=(1.2, 1.0, 1.1), baseline=(1.0, 1.0, 0.9))
    met = at_most("x", "subject", "baseline", samples, 1.2)
    assert (met.measured, met.reference, met.verdict) == (1.1, 1.0, "MET")
    assert met.line() == "x: 1.100 s vs 1.000 s = 1.10x (goal <= 1.20x) MET"
    assert at_most("x", "s", "b", samples, 1.05).verdict == "NOT MET"
    fast = throughput_at_least("d", "s", "b", samples, size=100_000_000, limit=0.8)
    assert fast.unit == "MB/s"
    assert fast.ratio == pytest.approx(1.0 / 1.1)
    assert fast.verdict == "MET"
    assert time_under("n", "s", "b", samples, 1.0).verdict == "NOT MET"
    assert count_equal("r", "s", "b", 5, 5).verdict == "MET"
    assert count_equal("r", "s", "b", 6, 5).verdict == "NOT MET"


def test_the_download_comparison_fetches_and_resumes_a_small_file(tmp_path: Path) -> None:
    source = tmp_path / "file.bin"
    digest = make_file(source, 3_000_001)
    assert digest == hashlib.sha256(source.read_bytes()).hexdigest()
    with FastHost({"/file.bin": source}) as host:
        assert fetch_once(host.url("/file.bin"), digest, tmp_path / "cache") == 3_000_001
    first, second, missing = resume_bytes(source, digest, tmp_path / "work")
    assert first == 1_500_000
    assert second == missing == 1_500_001
