"""Malformed and hostile command-line input: exit 2, one line, and nothing touched anywhere.

Every row of ``INPUT_CASES`` runs the real ``aimetenv`` with a loopback release host as its
mirror, so "nothing touched" includes the network: the host must not have seen a request.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from faults.cases import INPUT_CASES, Case, case
from faults.helpers import check, files_in, run
from support.standins import GatedIndex, hermetic_env

if TYPE_CHECKING:
    from pathlib import Path

    from support.releasehost import ReleaseHost


@pytest.mark.parametrize("row", INPUT_CASES, ids=[c.id for c in INPUT_CASES])
def test_bad_input(row: Case, host: ReleaseHost, tmp_path: Path) -> None:
    prefix = tmp_path / "env"
    notes = tmp_path / "notes.txt"
    notes.write_bytes(b"the user's notes\n")
    folder = tmp_path / "home"
    folder.mkdir()
    (folder / "thesis.tex").write_bytes(b"\\documentclass{article}\n")
    values = {
        "prefix": str(prefix),
        "mirror": host.base,
        "tmp": str(tmp_path),
        "file": str(notes),
        "folder": str(folder),
    }
    args = [arg.format(**values) if "{" in arg else arg for arg in row.argv]
    before = files_in(tmp_path)

    ran = run(*args, env=hermetic_env(**row.env))

    check(ran, row)
    assert host.hits() == []
    assert not prefix.exists()
    after = files_in(tmp_path)
    assert {k: v for k, v in after.items() if not k.startswith(("xdg/", "host/"))} == {
        k: v for k, v in before.items() if not k.startswith(("xdg/", "host/"))
    }
    assert files_in(tmp_path / "xdg" / "cache") == {}


@pytest.mark.parametrize("command", ["resolve", "download"])
def test_the_python_version_hint_pastes_and_works(
    command: str, index: GatedIndex, tmp_path: Path
) -> None:
    row = case(f"{command}-python-is-interpreter")
    args = [command, "--variant", "torch-cpu", "--tag", "2.42.0"]
    if command == "download":
        args += ["--index-url", index.url, "--torch-index", index.url, "-d", str(tmp_path / "wh")]
    refused = run(*args, "--python", "3.10")
    line = check(refused, row)
    assert not (tmp_path / "wh").exists()
    hinted = line.split("For a Python version use ", 1)[1].removesuffix(".")
    assert hinted == "--python-version 3.10"
    pasted = run(*args, *hinted.split())
    assert pasted.returncode == 0, pasted.stderr
    assert "3.10" in pasted.stdout
