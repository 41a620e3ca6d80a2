"""The examples work: every spec resolves, and every aimetenv command in them is valid."""

from __future__ import annotations

import json
import re
import shlex
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
import yaml
from typer.main import get_command
from typer.testing import CliRunner

from aimetenv.cli.app import app
from support.envs import need_python

if TYPE_CHECKING:
    from collections.abc import Iterator

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"
SPECS = sorted(EXAMPLES.glob("*.yaml"))
RUNNER = CliRunner()


def test_there_are_specs_a_dockerfile_and_a_ci_job() -> None:
    assert len(SPECS) >= 2
    assert (EXAMPLES / "Dockerfile").is_file()
    assert (EXAMPLES / "ci" / "aimet-doctor.yml").is_file()


@pytest.mark.parametrize("spec", SPECS, ids=lambda p: p.name)
def test_spec_dry_run(spec: Path, tmp_path: Path) -> None:
    data = yaml.safe_load(spec.read_text())
    need_python(str(data.get("python-version") or ("3.7" if "py37" in data["tag"] else "3.10")))
    result = RUNNER.invoke(
        app,
        ["install", "--spec", str(spec), "--venv", str(tmp_path / "env"), "--dry-run", "--json"],
    )
    assert result.exit_code == 0, result.stderr
    document = json.loads(result.stdout)
    assert document["plan"]["tag"] == data["tag"]
    assert document["plan"]["variant"] == data["variant"].replace("_", "-")
    assert document["target"]["prefix"] == str(tmp_path / "env"), (
        "the --venv flag wins over the spec"
    )


def _commands(text: str) -> Iterator[list[str]]:
    joined = re.sub(r"\\\n\s*", " ", text)
    for line in joined.splitlines():
        if line.lstrip().startswith("#"):
            continue
        match = re.search(r"\baimetenv (releases|resolve|install|download|env|doctor)\b(.*)", line)
        if match:
            words = shlex.split(match.group(2).split(">")[0].split("#")[0])
            yield [match.group(1), *words]


@pytest.mark.parametrize("name", ["Dockerfile", "ci/aimet-doctor.yml"])
def test_commands_in_examples_use_real_options(name: str) -> None:
    group = get_command(app)
    commands = list(_commands((EXAMPLES / name).read_text()))
    assert commands, name
    for command, *words in commands:
        params = group.commands[command].params  # type: ignore[attr-defined]
        known = {o for p in params for o in (*p.opts, *p.secondary_opts)}
        for word in words:
            if word.startswith("-"):
                assert word.split("=")[0] in known, (
                    f"{name}: aimetenv {command} has no option {word}"
                )
