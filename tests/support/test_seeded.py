"""A seeded venv is the venv ``python -m venv`` makes at that place, file for file."""

from __future__ import annotations

import csv
import os
import struct
import subprocess  # noqa: TID251  # the real venv to compare with, and the copy's own pip
from typing import TYPE_CHECKING

from support.envs import need_python
from support.seeded import SEEDS, make_venv_with_pip
from support.wheelbuild import record_hash

if TYPE_CHECKING:
    from pathlib import Path


def _files(prefix: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(prefix)): bytes(p.readlink()) if p.is_symlink() else p.read_bytes()
        for p in sorted(prefix.rglob("*"))
        if p.is_symlink() or p.is_file()
    }


def _current(pyc: Path) -> bool:
    """Whether Python would load this bytecode: its header holds its source's mtime and size."""
    source = pyc.parent.parent / (pyc.name.split(".", 1)[0] + ".py")
    flags, mtime, size = struct.unpack("<III", pyc.read_bytes()[4:16])
    stat = source.stat()
    return flags == 0 and (mtime, size) == (
        int(stat.st_mtime) & 0xFFFFFFFF,
        stat.st_size & 0xFFFFFFFF,
    )


def test_a_copy_is_the_real_venv_with_its_own_paths(tmp_path: Path) -> None:
    assert os.environ.get(SEEDS)  # set for the run by conftest.py
    python = need_python("3.13")  # pip alone, no setuptools: the quickest real venv to compare
    real, copy = tmp_path / "real" / "env", tmp_path / "copy" / "env"
    subprocess.run([str(python), "-m", "venv", str(real)], check=True, capture_output=True)
    make_venv_with_pip(python, copy)

    made, copied = _files(real), _files(copy)
    assert made.keys() == copied.keys()
    differ = {k for k, v in made.items() if v != copied[k] and not k.endswith((".pyc", "RECORD"))}
    assert differ  # the activation scripts and pip's shebangs name the prefix
    assert [k for k in differ if made[k].replace(bytes(real), bytes(copy)) != copied[k]] == []
    # RECORD: the same rows, the same line ends, each hash that of the copy's own file
    for record in [k for k in made if k.endswith("RECORD")]:
        ours, theirs = copied[record].decode(), made[record].decode()
        assert ours.count("\r\n") == theirs.count("\r\n")
        rows = list(csv.reader(ours.splitlines()))
        assert [r[0] for r in rows] == [r[0] for r in csv.reader(theirs.splitlines())]
        for name, digest, _size in (r for r in rows if r[1]):
            data = (copy / record).parent.parent.joinpath(name).read_bytes()
            assert digest == record_hash(data), name
    # bytecode differs in the times it was made at; the copy's is current for its own sources
    stale = [k for k in copied if k.endswith(".pyc") and not _current(copy / k)]
    assert stale == []
    for pip in ("bin/pip", "bin/pip3"):
        shown = subprocess.run(
            [str(copy / pip), "--version"], check=False, capture_output=True, text=True
        )
        assert f"from {copy}/lib/python3.13/site-packages/pip" in shown.stdout, shown
