"""The overlay's YAML text: ``refresh.yaml_text`` writes what ``yaml.dump`` writes, byte for byte."""

from __future__ import annotations

from typing import Any

import pytest
import yaml

from aimetenv.catalog.refresh import yaml_text

OPTIONS: dict[str, Any] = {"sort_keys": False, "allow_unicode": True, "width": 100}


def dumped(document: object) -> str:
    dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
    return str(yaml.dump(document, Dumper=dumper, **OPTIONS))


SHARED = {"files": ["a.whl", "b.whl"]}

DOCUMENTS: dict[str, dict[Any, Any]] = {
    "scalars that YAML would read as other types": {
        "schema": 1,
        "values": ["yes", "no", "null", "~", "1.0", "0x1f", "2026-12-07", "", " x ", "-", "a: b"],
        "flags": [True, False, None, 0, -3, 10**20],
    },
    "unicode, long and multi-line text": {
        "note": "naïve — ünïcode " * 20,
        "body": "line one\nline two\n\ttabbed\n",
        "quote": 'it\'s "quoted" # not a comment',
    },
    "keys in their own order, empty containers": {"z": {}, "a": [], "m": [{}, []], 3: "int key"},
    "one dict met twice becomes an alias": {"one": SHARED, "two": SHARED, "list": [SHARED]},
    "a float goes through yaml.dump": {"ratio": 1.5, "name": "x"},
}


@pytest.mark.parametrize("name", list(DOCUMENTS))
def test_yaml_text_is_yaml_dump(name: str) -> None:
    document = DOCUMENTS[name]
    text = yaml_text(document)
    assert text == dumped(document)
    assert yaml.safe_load(text) == document


def test_an_overlay_shaped_document() -> None:
    """Nested releases, variants and files, as a refresh writes them."""
    files = [
        {"filename": f"aimet_torch-2.{n}.0-py310-none-any.whl", "sha256": f"{n:064x}", "size": n}
        for n in range(30)
    ]
    document = {
        "schema": 1,
        "releases": [
            {"tag": f"2.{n}.0", "date": "2025-01-01", "variants": {"torch-cpu": {"github": {
                "wheels": [f["filename"] for f in files[:n]], "confidence": "verified-asset"}}}}
            for n in range(30)
        ],
        "pypi": {"index": "https://pypi.org/pypi", "releases": [{"version": "2.1.0", "files": files}]},
    }  # fmt: skip
    assert yaml_text(document) == dumped(document)
