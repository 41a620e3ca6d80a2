"""The Markdown references in docs/ are generated from, or checked against, the code."""

from __future__ import annotations

import re
from pathlib import Path

from aimetenv.cli.reference import render_reference
from aimetenv.exit_codes import MEANINGS, ExitCode

DOCS = Path(__file__).resolve().parents[2] / "docs" / "reference"


def test_cli_reference_matches_the_app() -> None:
    expected = render_reference()
    actual = (DOCS / "cli.md").read_text(encoding="utf-8")
    assert actual == expected, (
        "docs/reference/cli.md is out of date: run "
        "'.venv/bin/python -m aimetenv.cli.reference > docs/reference/cli.md'"
    )


def test_exit_code_table_matches_the_enum() -> None:
    text = (DOCS / "exit-codes.md").read_text(encoding="utf-8")
    rows = re.findall(r"^\| (\d+) \| ([A-Z_]+) \| (.+) \|$", text, flags=re.MULTILINE)
    assert [(int(code), name) for code, name, _ in rows] == [(int(c), c.name) for c in ExitCode]
    for code, _name, meaning in rows:
        assert meaning.startswith(MEANINGS[ExitCode(int(code))]), code
