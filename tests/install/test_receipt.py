"""Receipts round-trip, live in the env or the state folder, and damaged ones are ignored."""

from __future__ import annotations

import json
from dataclasses import replace
from typing import TYPE_CHECKING

from aimetenv.fsutil import atomic_write_text
from aimetenv.install.receipt import (
    Receipt,
    read_last_install,
    read_receipt,
    receipt_path_in_env,
    receipt_path_in_state,
    record_last_install,
    write_receipt,
)

if TYPE_CHECKING:
    from pathlib import Path


def _receipt(prefix: Path) -> Receipt:
    return Receipt(
        tag="1.16.2.py37",
        variant="torch-cpu",
        source="github",
        prefix=str(prefix),
        python=str(prefix / "bin" / "python"),
        python_version="3.7.16",
        target_kind="venv",
        site_packages=(str(prefix / "lib/python3.7/site-packages"),),
        exports={"LD_LIBRARY_PATH": ["aimet_common"], "PYTHONPATH": [], "cuda": False, "note": ""},
        smoke={"native": "libpymo"},
        plan={"schema": "aimetenv.plan/1"},
        files=({"filename": "a.whl", "sha256": "0" * 64, "size": 1},),
    )


def test_round_trip_in_the_env(tmp_path: Path) -> None:
    prefix = tmp_path / "env"
    receipt = _receipt(prefix)
    path = write_receipt(receipt, tmp_path / "state")
    assert path == receipt_path_in_env(prefix)
    assert read_receipt(prefix, tmp_path / "state") == receipt


def test_falls_back_to_the_state_folder(tmp_path: Path) -> None:
    prefix = tmp_path / "env"
    prefix.mkdir()
    (prefix / "etc").write_text("a file where a folder should be")
    path = write_receipt(_receipt(prefix), tmp_path / "state")
    assert path.is_relative_to(tmp_path / "state")
    assert read_receipt(prefix, tmp_path / "state") is not None


def test_the_newer_of_two_receipts_wins(tmp_path: Path) -> None:
    prefix = tmp_path / "env"
    old = replace(_receipt(prefix), tag="1.16.2", finished="2026-01-01T00:00:00+00:00")
    new = replace(_receipt(prefix), finished="2026-06-01T00:00:00+00:00")
    write_receipt(old, tmp_path / "state")
    # The env became read-only, so the next install's receipt went to the state folder.
    atomic_write_text(receipt_path_in_state(prefix, tmp_path / "state"), json.dumps(new.to_dict()))
    assert read_receipt(prefix, tmp_path / "state") == new


def test_credentials_never_reach_the_receipt(tmp_path: Path) -> None:
    prefix = tmp_path / "env"
    files = ({"filename": "a.whl", "url": "https://me:s3cret@mirror.example/a.whl"},)
    path = write_receipt(replace(_receipt(prefix), files=files), tmp_path / "state")
    text = path.read_text()
    assert "s3cret" not in text
    assert "https://me:****@mirror.example/a.whl" in text


def test_damaged_or_foreign_receipts_are_ignored(tmp_path: Path) -> None:
    prefix = tmp_path / "env"
    path = receipt_path_in_env(prefix)
    path.parent.mkdir(parents=True)
    path.write_text("{not json")
    assert read_receipt(prefix, tmp_path / "state") is None
    path.write_text('{"schema": "other"}')
    assert read_receipt(prefix, tmp_path / "state") is None
    assert Receipt.from_dict({"schema": "aimetenv.receipt/1"}) is None


def test_last_install(tmp_path: Path) -> None:
    assert read_last_install(tmp_path) is None
    record_last_install(tmp_path, prefix="/p", python="/p/bin/python", kind="venv")
    assert read_last_install(tmp_path) == {
        "schema": "aimetenv.last-install/1", "prefix": "/p", "python": "/p/bin/python", "kind": "venv",
    }  # fmt: skip
