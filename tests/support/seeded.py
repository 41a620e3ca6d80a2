"""Venvs with pip, as ``python -m venv PREFIX`` makes them, copied in well under a second.

``python -m venv`` spends about 5 s of CPU in ensurepip, which unpacks and byte-compiles pip (and,
before Python 3.12, setuptools) for every venv. Tests that need an existing venv with pip, and the
conda stand-in's ``create``, get a copy instead: the first test of the run that asks for a given
interpreter makes a real venv with it under the run's shared folder (``SEEDS``, set by
``tests/conftest.py``), under an exclusive ``flock``; every later one copies that venv and
rewrites the template's path in the few files that name it (``pyvenv.cfg``, the activation
scripts and their prompt, the shebangs of ``bin/pip*`` and their lines in ``RECORD``), as
virtualenv's copying seeder does. The interpreter is a symlink in both, and bytecode takes its
file names from where it is loaded. A prefix with blanks or quotes gets a real ``python -m venv``
(pip quotes such shebangs its own way). ``test_seeded.py`` holds a copy to a real venv.

Without ``SEEDS`` in the environment (a script run outside the suite), it runs ``python -m
venv`` itself. It needs only the standard library and ``support.wheelbuild`` (the same): the
conda stand-in imports it.
"""

from __future__ import annotations

import csv
import fcntl
import hashlib
import os
import shutil
import subprocess  # noqa: TID251  # the template is a real venv
from pathlib import Path

from support.wheelbuild import record_hash

#: The folder that holds the templates of this run (one per interpreter).
SEEDS = "AIMETENV_TEST_SEEDS"
#: The template's own folder name, distinct enough to be found and replaced in the copy.
NAME = "seeded-venv-template"


def make_venv_with_pip(python: Path, prefix: Path) -> None:
    """What ``python -m venv prefix`` makes (raises ``CalledProcessError`` as it would fail)."""
    seeds = os.environ.get(SEEDS)
    if not seeds or any(c in str(prefix.absolute()) for c in " \t'\"\\"):  # pip's quoted shebangs
        subprocess.run([str(python), "-m", "venv", str(prefix)], check=True, capture_output=True)
        return
    copy_venv(_template(Path(seeds), python), prefix)


def copy_venv(source: Path, prefix: Path) -> Path:
    """A copy of the venv ``source`` at ``prefix``, its paths renamed as above; returns ``prefix``."""
    shutil.copytree(source, prefix, symlinks=True)
    _rename(prefix, source)
    return prefix


def _template(seeds: Path, python: Path) -> Path:
    key = hashlib.sha256(str(python.absolute()).encode()).hexdigest()[:16]
    folder = seeds / key
    seeds.mkdir(parents=True, exist_ok=True)
    fd = os.open(seeds / f"{key}.lock", os.O_CREAT | os.O_RDWR, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        if not (folder / "done").is_file():
            shutil.rmtree(folder, ignore_errors=True)
            folder.mkdir()
            venv = folder / NAME
            subprocess.run([str(python), "-m", "venv", str(venv)], check=True, capture_output=True)
            (folder / "done").write_text(str(python), encoding="utf-8")
    finally:
        os.close(fd)  # closing lets the lock go
    return folder / NAME


def _rename(prefix: Path, template: Path) -> None:
    """Point the copy's text files that name the template at the copy: its path, then its name
    (the activation scripts' prompt); then the hashes and sizes of those files in ``RECORD``."""
    texts = [prefix / "pyvenv.cfg", *(p for p in (prefix / "bin").iterdir() if not p.is_symlink())]
    changed: set[Path] = set()
    for path in texts:
        data = path.read_bytes()
        renamed = data.replace(bytes(template.absolute()), bytes(prefix.absolute()))
        if template.name == NAME:
            renamed = renamed.replace(NAME.encode(), prefix.name.encode())
        if renamed != data:
            path.write_bytes(renamed)
            changed.add(path.resolve())
    for record in prefix.glob("lib/python*/site-packages/*.dist-info/RECORD"):
        _rehash(record, changed)


def _rehash(record: Path, changed: set[Path]) -> None:
    text = record.read_bytes().decode("utf-8")
    rows = list(csv.reader(text.splitlines()))
    for row in rows:
        path = (record.parent.parent / row[0]).resolve()
        if path in changed and len(row) == 3 and row[1]:
            data = path.read_bytes()
            row[1:] = [record_hash(data), str(len(data))]
    with record.open("w", encoding="utf-8", newline="") as handle:
        ending = "\r\n" if "\r\n" in text else "\n"  # pip writes csv's default, CRLF
        csv.writer(handle, lineterminator=ending).writerows(rows)


__all__ = ["SEEDS", "copy_venv", "make_venv_with_pip"]
