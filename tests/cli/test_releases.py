"""``aimetenv releases``: the table, one release in detail, and the JSON documents."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from aimetenv.catalog.load import load_catalog
from aimetenv.cli.app import app

RUNNER = CliRunner()


def test_table_lists_every_release() -> None:
    result = RUNNER.invoke(app, ["releases"])
    assert result.exit_code == 0
    first = result.stdout.splitlines()[0].split()
    assert first == ["tag", "date", "era", "variants", "hosting", "confidence"]
    tags = {line.split()[0] for line in result.stdout.splitlines()[1:] if line.strip()}
    assert tags == {r.tag for r in load_catalog().releases}


def test_one_release_shows_files_and_evidence() -> None:
    result = RUNNER.invoke(app, ["releases", "1.34.0"])
    assert result.exit_code == 0
    assert "aimet_torch-1.34.0.cu121-cp310-cp310-manylinux_2_34_x86_64.whl" in result.stdout
    assert "aimet-torch==1.34.0" in result.stdout
    assert "evidence:" in result.stdout


def test_json_documents() -> None:
    listing = json.loads(RUNNER.invoke(app, ["releases", "--json"]).stdout)
    assert listing["schema"] == "aimetenv.releases/1"
    assert listing["non_releases"].keys() == {"2.0", "2.1"}
    one = json.loads(RUNNER.invoke(app, ["releases", "2.42.0", "--json"]).stdout)
    assert one["schema"] == "aimetenv.release/1"
    variants = {v["id"]: v for v in one["variants"]}
    assert variants["onnx-cpu"]["pypi"]["requirement"] == "aimet-onnx==2.42.0"


def test_unknown_release_is_exit_2() -> None:
    result = RUNNER.invoke(app, ["releases", "2.1"])
    assert result.exit_code == 2
    assert "is not an AIMET release" in result.stderr


def test_latest_and_a_leading_v_name_a_release() -> None:
    newest = max(load_catalog().releases, key=lambda r: r.version)
    latest = json.loads(RUNNER.invoke(app, ["releases", "latest", "--json"]).stdout)
    assert latest["tag"] == newest.tag
    typed = RUNNER.invoke(app, ["releases", "v1.16.2"])
    assert typed.exit_code == 0
    assert typed.stdout == RUNNER.invoke(app, ["releases", "1.16.2"]).stdout


def test_a_stricter_python_range_is_shown_with_its_reason() -> None:
    catalog = load_catalog()
    source = catalog.get("2.0.0").variants["torch-gpu"].pypi  # type: ignore[union-attr]
    assert source is not None
    assert source.python == "==3.10.*"
    assert source.python_reason
    text = RUNNER.invoke(app, ["releases", "2.0.0"]).stdout
    assert (
        "python ==3.10.*, stricter than PyPI's (the files declare Requires-Python >=3.8.0)" in text
    )
    assert f"why: {source.python_reason}" in text
    one = json.loads(RUNNER.invoke(app, ["releases", "2.0.0", "--json"]).stdout)
    pypi = {v["id"]: v for v in one["variants"]}["torch-gpu"]["pypi"]
    assert (pypi["python"], pypi["python_reason"]) == ("==3.10.*", source.python_reason)
    plain = {v["id"]: v for v in one["variants"]}["torch-gpu"]["github"]
    assert plain["python_reason"] is None
