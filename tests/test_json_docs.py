"""docs/json.md lists every JSON schema the program can print or write."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_every_schema_is_documented() -> None:
    found: set[str] = set()
    for path in (ROOT / "src" / "aimetenv").rglob("*.py"):
        found.update(re.findall(r'"(aimetenv\.[a-z-]+/\d+)"', path.read_text(encoding="utf-8")))
    documented = set(
        re.findall(r"`(aimetenv\.[a-z-]+/\d+)`", (ROOT / "docs" / "json.md").read_text())
    )
    assert found, "no schema strings found"
    assert found == documented


def test_schema_names_are_flat_and_not_module_paths() -> None:
    # A schema name is a contract with scripts: 'aimetenv.plan/1', never a dotted module path.
    for path in [*(ROOT / "src").rglob("*.py"), *(ROOT / "docs").rglob("*.md")]:
        names = re.findall(r"aimetenv\.[a-z_.-]+/\d+", path.read_text(encoding="utf-8"))
        assert [n for n in names if n.count(".") > 1] == [], path
