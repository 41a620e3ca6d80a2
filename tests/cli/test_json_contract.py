"""Every command's --json: one document on stdout, a schema, and status agreeing with the exit code."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

import pytest
from typer.testing import CliRunner

from aimetenv.cli.app import app

if TYPE_CHECKING:
    from pathlib import Path

RUNNER = CliRunner()
CASES = [
    ["resolve", "--variant", "onnx-cpu", "--tag", "2.42.0"],
    ["resolve", "--variant", "nope", "--tag", "2.42.0"],
    ["releases"],
    ["releases", "2.1"],
    ["install", "--variant", "torch-cpu", "--tag", "2.0", "--dry-run"],
    ["download", "--variant", "torch-cpu", "--tag", "9.9.9", "-d", "/tmp/never-used"],
    ["doctor", "--check", "no-such-check"],
    ["doctor", "--list"],
    ["env", "--venv", "/nonexistent/env"],
]


def _check(args: list[str]) -> dict[str, object]:
    result = RUNNER.invoke(app, [*args, "--json"])
    document = json.loads(result.stdout)  # exactly one document: json.loads refuses trailing data
    assert isinstance(document, dict)
    assert str(document["schema"]).startswith("aimetenv.")
    assert document["exit_code"] == result.exit_code, args
    assert (document["status"] == "success") == (result.exit_code == 0), args
    return document


@pytest.mark.parametrize("args", CASES, ids=" ".join)
def test_contract(args: list[str]) -> None:
    _check(args)


def test_contract_on_a_real_environment(legacy_env: Path) -> None:
    env = _check(["env", "--venv", str(legacy_env)])
    assert env["schema"] == "aimetenv.env/1"
    doctor = _check(["doctor", "--venv", str(legacy_env), "--check", "python"])
    assert doctor["schema"] == "aimetenv.doctor/1"
