"""Generate docs/reference/cli.md from the typer app itself, so the reference cannot drift.

Run ``python -m aimetenv.cli.reference > docs/reference/cli.md`` after changing an option;
``tests/cli/test_reference.py`` fails while the file and the app disagree.
"""

from __future__ import annotations

import inspect
from typing import Any

import typer

from aimetenv.cli.app import app

HEADER = """\
# Command-line reference

Generated from the program itself (`python -m aimetenv.cli.reference`); a test keeps it in step.
Every command also answers `--help`. Exit codes: [exit-codes.md](exit-codes.md).
"""


def _option_row(param: Any) -> str:  # noqa: ANN401  # a typer/click parameter object
    names = ", ".join(f"`{n}`" for n in [*param.opts, *param.secondary_opts])
    help_text = " ".join((getattr(param, "help", None) or "").split())
    extras = []
    envvar = getattr(param, "envvar", None)
    if envvar:
        extras.append(f"env `{envvar}`")
    if param.required:
        extras.append("required")
    elif getattr(param, "is_flag", False) or getattr(param, "count", False):
        pass
    elif (
        param.default not in (None, "", False) and getattr(param, "show_default", True) is not False
    ):
        extras.append(f"default `{param.default}`")
    suffix = f" ({'; '.join(extras)})" if extras else ""
    return f"| {names} | {help_text}{suffix} |"


def _command_section(name: str, command: Any) -> list[str]:  # noqa: ANN401  # a click command
    doc = inspect.cleandoc(command.help or "")
    lines = [f"## aimetenv {name}", "", doc, ""]
    arguments = [p for p in command.params if getattr(p, "param_type_name", "") == "argument"]
    options = [p for p in command.params if getattr(p, "param_type_name", "") == "option"]
    if arguments:
        lines.append("Arguments: " + ", ".join(f"`{p.name.upper()}`" for p in arguments))
        lines.append("")
    if options:
        lines += ["| option | meaning |", "| --- | --- |"]
        lines += [_option_row(p) for p in options if p.name != "help"]
        lines.append("")
    return lines


def render_reference() -> str:
    """The Markdown reference of every command, in registration order."""
    group = typer.main.get_command(app)
    lines = [HEADER]
    root_doc = inspect.cleandoc(group.help or "")
    lines += [root_doc, ""]
    commands = getattr(group, "commands", {})
    for name, command in commands.items():
        lines += _command_section(name, command)
    return "\n".join(lines).rstrip() + "\n"


if __name__ == "__main__":
    import sys

    sys.stdout.write(render_reference())
