"""The entry point: only the command on the command line is built, and nothing changes for users."""

from __future__ import annotations

import json
import os
import subprocess  # noqa: TID251  # the real entry point in a fresh interpreter
import sys

import pytest

from aimetenv.cli.app import COMMANDS, app, make_app

RUN_MAIN = """
import gc, json, sys
code = None
sys.argv = ["aimetenv", *sys.argv[1:]]
from aimetenv.cli.app import main
try:
    main()
except SystemExit as done:
    code = done.code
print("MODULES", json.dumps(sorted(m for m in sys.modules if m.startswith("aimetenv.cli."))))
print("EXIT", code)
print("FROZEN", gc.get_freeze_count() > 0)
"""


def run_main(*args: str) -> tuple[str, list[str], str]:
    done = subprocess.run(
        [sys.executable, "-c", RUN_MAIN, *args], capture_output=True, text=True, check=True
    )
    lines = done.stdout.splitlines()
    modules = next(line for line in lines if line.startswith("MODULES"))
    exit_line = next(line for line in lines if line.startswith("EXIT"))
    return "\n".join(lines), json.loads(modules.split(" ", 1)[1]), exit_line.split(" ", 1)[1]


def test_a_command_imports_only_its_own_module() -> None:
    out, modules, code = run_main("env", "--help")
    assert code == "0"
    assert "Usage: aimetenv env [OPTIONS]" in out
    assert modules == [
        "aimetenv.cli.app",
        "aimetenv.cli.common",
        "aimetenv.cli.completion",
        "aimetenv.cli.env",
        "aimetenv.cli.options",
    ]


def test_the_collector_leaves_start_up_objects_alone() -> None:
    out, _modules, code = run_main("env", "--help")
    assert code == "0"
    assert "FROZEN True" in out


def test_completion_options_belong_to_the_bare_command() -> None:
    out, _modules, _code = run_main("--help")
    assert "--install-completion" in out
    out, _modules, _code = run_main("env", "--help")
    assert "--install-completion" not in out


def test_shell_completion_still_sees_every_command_and_option() -> None:
    def complete(words: str, index: int) -> list[str]:
        env = {
            **os.environ,
            "_AIMETENV_COMPLETE": "complete_bash",
            "COMP_WORDS": words,
            "COMP_CWORD": str(index),
        }
        done = subprocess.run(
            [sys.executable, "-m", "aimetenv"], capture_output=True, text=True, env=env, check=True
        )
        return done.stdout.split()

    assert complete("aimetenv ins", 1) == ["install"]
    assert complete("aimetenv env --sh", 2) == ["--shell"]


def test_version_needs_no_command() -> None:
    out, modules, code = run_main("--version")
    assert code == "0"
    assert out.splitlines()[0] == "aimetenv 0.1.0"
    assert modules == ["aimetenv.cli.app"]


@pytest.mark.parametrize("args", [("--help",), ()])
def test_the_overview_lists_every_command(args: tuple[str, ...]) -> None:
    out, modules, _code = run_main(*args)
    for name in COMMANDS:
        assert f"aimetenv.cli.{name}" in modules
        assert f" {name} " in out


def test_a_mistyped_command_still_gets_a_suggestion() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "aimetenv", "instal"], capture_output=True, text=True, check=False
    )
    assert done.returncode == 2
    assert "No such command 'instal'. Did you mean 'install'?" in done.stderr


def test_the_full_app_and_a_one_command_app_agree() -> None:
    full = {c.name: c.callback for c in app.registered_commands}
    assert list(full) == list(COMMANDS)
    for name in COMMANDS:
        single = make_app((name,))
        assert [(c.name, c.callback) for c in single.registered_commands] == [(name, full[name])]
