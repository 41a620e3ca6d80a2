"""The options every command shares: one spelling, one meaning, and help that says so."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from aimetenv.cli.app import make_app

RUNNER = CliRunner()


def _help(command: str) -> str:
    result = RUNNER.invoke(make_app(), [command, "--help"], env={"COLUMNS": "160"})
    assert result.exit_code == 0, result.output
    return result.stdout


@pytest.mark.parametrize("command", ["install", "download", "doctor"])
def test_verbose_shows_as_a_repeatable_flag(command: str) -> None:
    line = next(line for line in _help(command).splitlines() if "--verbose" in line)
    assert "<int>" not in line
    assert "..." in line
    assert "-vv" in line


@pytest.mark.parametrize("extra", [["install"], ["download", "-d", "unused"]])
def test_vv_is_taken(extra: list[str]) -> None:
    """``-vv`` parses: the command goes on to its own check of the tag."""
    result = RUNNER.invoke(make_app(), [*extra, "-vv", "--variant", "torch-cpu", "--tag", "x"])
    assert result.exit_code == 2
    assert result.stderr.startswith("aimetenv: error: malformed tag 'x'")


@pytest.mark.parametrize(
    ("command", "version", "interpreter"),
    [
        ("resolve", True, False),
        ("download", True, False),
        ("install", True, True),
        ("env", False, True),
        ("doctor", False, True),
    ],
)
def test_python_is_an_interpreter_and_python_version_is_x_y(
    command: str, *, version: bool, interpreter: bool
) -> None:
    shown = _help(command)
    assert ("--python-version" in shown) is version
    python_lines = [
        line
        for line in shown.splitlines()
        if "--python " in line or line.rstrip().endswith("--python")
    ]
    assert bool(python_lines) is interpreter
    for line in python_lines:
        assert "X.Y" not in line
