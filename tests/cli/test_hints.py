"""Hints that name options: pasted as printed, each one runs on the command that printed it."""

from __future__ import annotations

import re
import shlex
from typing import TYPE_CHECKING

import pytest
from typer.testing import CliRunner

from aimetenv.cli.app import app

if TYPE_CHECKING:
    from pathlib import Path

RUNNER = CliRunner()


def _run(args: list[str]) -> tuple[int, str]:
    result = RUNNER.invoke(app, args)
    return result.exit_code, result.stderr


def _pasted(args: list[str], hint_pattern: str, stderr: str) -> list[str]:
    """The command line with the option the hint names replaced by the hint's words."""
    match = re.search(hint_pattern, stderr)
    assert match is not None, stderr
    words = shlex.split(match.group(1))
    flag = words[0]
    kept = list(args)
    for old in ("--python", "--python-version"):
        if old in kept:
            at = kept.index(old)
            del kept[at : at + 2]
    assert flag.startswith("--")
    return [*kept, *words]


@pytest.mark.parametrize(
    ("args", "hint_pattern"),
    [
        (
            [
                "resolve",
                "--variant",
                "torch-cpu",
                "--tag",
                "1.16.2.py37",
                "--python-version",
                "3.10",
            ],
            r"Pass (--python-version \S+), or leave it out",
        ),
        (
            ["resolve", "--variant", "onnx-cpu", "--tag", "2.42.0", "--python-version", "3.9"],
            r"Pass (--python-version \S+), or leave it out",
        ),
        (
            ["resolve", "--variant", "onnx-cpu", "--tag", "2.42.0", "--python", "3.11"],
            r"For a Python version use (--python-version \S+)\.",
        ),
    ],
)
def test_a_hint_pasted_as_printed_works(args: list[str], hint_pattern: str) -> None:
    code, err = _run(args)
    assert code == 2
    again = _pasted(args, hint_pattern, err)
    code, err = _run(again)
    assert code == 0, (again, err)


def test_leaving_the_python_version_out_works_as_the_hint_says() -> None:
    code, err = _run(["resolve", "--variant", "torch-cpu", "--tag", "1.16.2.py37"])
    assert code == 0, err


def test_download_refuses_python_with_the_option_to_use(tmp_path: Path) -> None:
    wheelhouse = tmp_path / "wh"
    code, err = _run(
        ["download", "--variant", "onnx-cpu", "--tag", "2.42.0", "-d", str(wheelhouse),
         "--python", "3.10"]
    )  # fmt: skip
    assert code == 2
    assert not wheelhouse.exists()
    assert err.count("\n") == 1
    assert "use --python-version 3.10." in err
