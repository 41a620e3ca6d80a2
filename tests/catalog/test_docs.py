"""docs/catalog.md describes the catalog that ships."""

from __future__ import annotations

import re
from pathlib import Path

from aimetenv.catalog.load import load_catalog
from aimetenv.catalog.model import CONFIDENCE_LEVELS

DOC = (Path(__file__).resolve().parents[2] / "docs" / "catalog.md").read_text(encoding="utf-8")


def test_every_era_has_a_row() -> None:
    rows = re.findall(r"^\| ([A-Z]) \| ", DOC, flags=re.MULTILINE)
    assert rows == list(load_catalog().eras)


def test_every_confidence_level_is_explained() -> None:
    for level in CONFIDENCE_LEVELS:
        assert f"| {level} |" in DOC
