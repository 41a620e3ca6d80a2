"""Credentials in URLs never reach stdout, stderr, JSON documents, receipts or logs."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from aimetenv.cli.app import app

RUNNER = CliRunner()
SECRET = "s3cr3t-t0ken"  # noqa: S105  # a made-up credential the output must hide


def test_plan_and_dry_run_hide_credentials(tmp_path: object) -> None:
    for args in (
        ["resolve", "--variant", "torch-cpu", "--tag", "2.42.0",
         "--index-url", f"https://me:{SECRET}@pypi.corp/simple",
         "--torch-index", f"https://{SECRET}@torch.corp/cpu"],
        ["resolve", "--variant", "torch-cpu", "--tag", "1.16.2.py37", "--json",
         "--mirror", f"https://me:{SECRET}@mirror.corp/aimet"],
        ["install", "--variant", "torch-cpu", "--tag", "1.16.2.py37", "--dry-run", "--json",
         "--venv", f"{tmp_path}/env", "--mirror", f"https://me:{SECRET}@mirror.corp/aimet"],
        ["install", "--variant", "torch-cpu", "--tag", "1.16.2.py37", "--dry-run",
         "--venv", f"{tmp_path}/env", "--mirror", f"https://me:{SECRET}@mirror.corp/aimet"],
    ):  # fmt: skip
        result = RUNNER.invoke(app, args)
        assert result.exit_code == 0, result.stderr
        assert SECRET not in result.stdout
        assert SECRET not in result.stderr
        assert "****@" in result.stdout


def test_errors_hide_credentials() -> None:
    result = RUNNER.invoke(
        app,
        ["resolve", "--variant", "nope", "--tag", "2.42.0", "--json",
         "--mirror", f"http://me:{SECRET}@mirror.corp/aimet"],
    )  # fmt: skip
    assert result.exit_code == 2
    assert SECRET not in result.stderr
    assert SECRET not in result.stdout
    json.loads(result.stdout)
