"""Consoles: output written to a file or a pipe carries no padding out to a width."""

from __future__ import annotations

import io
import os
import subprocess  # noqa: TID251  # the real entry point, with stdout a real pipe
import sys
from typing import TYPE_CHECKING

from rich.table import Table

from aimetenv.render.console import Settings, make_consoles

if TYPE_CHECKING:
    import pytest


def test_a_table_printed_to_a_file_has_no_trailing_spaces(monkeypatch: pytest.MonkeyPatch) -> None:
    written = io.StringIO()
    monkeypatch.setattr(sys, "stdout", written)
    out, _err = make_consoles(Settings())
    table = Table(box=None, pad_edge=False)
    table.add_column("tag")
    table.add_column("variants")
    table.add_row("1.13.0", "tf-torch-gpu")
    table.add_row("2.42.0", "onnx-cpu, onnx-gpu, torch-cpu, torch-gpu")
    out.print(table)
    lines = written.getvalue().splitlines()
    assert lines == [
        "tag     variants",
        "1.13.0  tf-torch-gpu",
        "2.42.0  onnx-cpu, onnx-gpu, torch-cpu, torch-gpu",
    ]


def test_releases_piped_is_not_padded() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "aimetenv", "releases"],
        capture_output=True, text=True, check=True, env={**os.environ, "COLUMNS": "300"},
    )  # fmt: skip
    lines = done.stdout.splitlines()
    assert lines[0].split()[:3] == ["tag", "date", "era"]
    assert len(lines) > 10  # the packaged catalog lists dozens of releases
    assert [line for line in lines if line != line.rstrip()] == []
