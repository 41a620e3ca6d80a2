"""docs/reliability.md shows exactly the fault table, and every row has its test."""

from __future__ import annotations

import re
from pathlib import Path

from aimetenv.exit_codes import ExitCode
from faults.cases import CASES, INPUT_CASES
from faults.document import (
    DOCUMENT,
    FIGURES,
    FIGURES_BEGIN,
    FIGURES_END,
    TABLE_BEGIN,
    TABLE_END,
    render_table,
    section,
)

HERE = Path(__file__).parent


def test_the_document_holds_the_table_the_cases_render() -> None:
    text = DOCUMENT.read_text(encoding="utf-8")
    assert section(text, TABLE_BEGIN, TABLE_END) == render_table(CASES), (
        "docs/reliability.md is out of date: run 'python tests/faults/document.py' "
        "(see its docstring)"
    )


def test_the_document_shows_every_figure() -> None:
    figures = section(DOCUMENT.read_text(encoding="utf-8"), FIGURES_BEGIN, FIGURES_END)
    rows = [line for line in figures.splitlines() if line.startswith("| ") and "---" not in line]
    assert [row.split(" | ")[0].removeprefix("| ") for row in rows[1:]] == [
        f.label for f in FIGURES
    ]
    assert "not measured" not in figures


def test_every_case_has_a_test_and_a_documented_exit_code() -> None:
    assert len(CASES) >= 30
    assert len({c.id for c in CASES}) == len(CASES)
    sources = "\n".join(
        p.read_text(encoding="utf-8")
        for p in HERE.glob("test_*.py")
        if p.name != Path(__file__).name
    )
    for row in CASES:
        if row in INPUT_CASES:
            assert row.argv, row.id
            continue
        assert len(re.findall(rf'"{re.escape(row.id)}"', sources)) == 1, row.id
    documented = {int(code) for code in ExitCode}
    assert {c.exit_code for c in CASES if c.exit_code is not None} <= documented
    assert all(c.line for c in CASES if c.form in ("one-line", "pip-failure"))
