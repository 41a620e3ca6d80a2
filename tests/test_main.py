"""The installed console script behaves: version, help, and no traceback on bad input."""

from __future__ import annotations

import subprocess  # noqa: TID251  # the real entry point, as users run it
import sys

from aimetenv import __version__


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "aimetenv", *args], capture_output=True, text=True, check=False
    )


def test_version() -> None:
    result = run("--version")
    assert result.returncode == 0
    assert result.stdout.strip() == f"aimetenv {__version__}"


def test_bad_variant_is_one_line_exit_2() -> None:
    result = run("resolve", "--variant", "toch-cpu", "--tag", "1.16.2.py37")
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1
    assert "Did you mean torch-cpu" in lines[0]
