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
