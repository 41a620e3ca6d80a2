"""Atomic writes keep the mode and leave nothing behind on failure."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from aimetenv.errors import FileError
from aimetenv.fsutil import atomic_write_text


def test_replaces_and_keeps_mode(tmp_path: Path) -> None:
    folder = tmp_path / "home"
    folder.mkdir()
    path = folder / "rc"
    path.write_text("old")
    path.chmod(0o600)
    atomic_write_text(path, "new")
    assert path.read_text() == "new"
    assert path.stat().st_mode & 0o777 == 0o600
    assert [p.name for p in folder.iterdir()] == ["rc"]


def test_unwritable_place_is_a_file_error(tmp_path: Path) -> None:
    # /proc refuses new files even to root, so this holds whatever user runs the tests.
    with pytest.raises(FileError, match="cannot write /proc/aimetenv-test/x"):
        atomic_write_text(Path("/proc/aimetenv-test/x"), "y")
    blocked = tmp_path / "file"
    blocked.write_text("not a folder")
    with pytest.raises(FileError, match="cannot write"):
        atomic_write_text(blocked / "x", "y")
    assert blocked.read_text() == "not a folder"


def test_a_write_that_need_not_be_durable_is_atomic_without_fsync(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    synced: list[int] = []
    real_fsync = os.fsync

    def counting_fsync(fd: int) -> None:
        synced.append(fd)
        real_fsync(fd)

    monkeypatch.setattr(os, "fsync", counting_fsync)
    folder = tmp_path / "cache"
    path = folder / "record.sha256"
    atomic_write_text(path, "first\n", durable=False)
    atomic_write_text(path, "second\n", durable=False)
    assert path.read_text() == "second\n"
    assert [p.name for p in folder.iterdir()] == ["record.sha256"]
    assert synced == []
    atomic_write_text(path, "third\n")
    assert len(synced) == 2  # the file, then its folder
