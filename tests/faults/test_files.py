"""Awkward paths and files: prefixes with spaces or nowhere to go, rc files users protect, caches.

Tests run as root here, so permission bits alone stop nothing: an unwritable place is one even
root cannot write (under ``/proc``, or under a regular file), and a read-only rc file is one whose
owner cleared the write bit, which aimetenv respects for root too.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess  # noqa: TID251  # the exports are evaluated in a real bash
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from faults.cases import case
from faults.helpers import (
    Ran,
    check,
    download_args,
    files_in,
    install_args,
    rc_state,
    receipt_of,
    run,
)
from support.standins import aimetenv_argv, hermetic_env

if TYPE_CHECKING:
    from support.releasehost import ReleaseHost

BASHRC = b"# the user's own settings\nexport EDITOR=vim\nalias ll='ls -l'\n"


def test_prefix_with_spaces(host: ReleaseHost, tmp_path: Path) -> None:
    row = case("prefix-with-spaces")
    prefix = tmp_path / "my envs" / "aimet env"
    check(run(*install_args(host, "--venv", str(prefix))), row)
    assert receipt_of(prefix).is_file()
    exports = run("env", "--venv", str(prefix), "-q")
    assert exports.returncode == 0, exports.stderr
    script = f'{exports.stdout}\n"$1" -c "import libpymo; print(libpymo.answer(5))"\n'
    shell = subprocess.run(
        ["bash", "--norc", "--noprofile", "-c", script, "bash", str(prefix / "bin" / "python")],
        capture_output=True,
        text=True,
        check=False,
        env={k: v for k, v in hermetic_env().items() if k not in ("PYTHONPATH", "LD_LIBRARY_PATH")},
    )
    assert shell.returncode == 0, shell.stderr
    assert shell.stdout.strip() != ""


def test_prefix_under_proc(host: ReleaseHost) -> None:
    row = case("prefix-under-proc")
    check(run(*install_args(host, "--venv", "/proc/aimetenv-faults/env")), row)
    assert host.hits() == []
    assert not Path("/proc/aimetenv-faults").exists()


def test_prefix_under_a_file(host: ReleaseHost, tmp_path: Path) -> None:
    row = case("prefix-under-a-file")
    notes = tmp_path / "notes.txt"
    notes.write_bytes(b"keep me\n")
    check(run(*install_args(host, "--venv", str(notes / "env"))), row)
    assert notes.read_bytes() == b"keep me\n"
    assert host.hits() == []


@pytest.fixture
def rc(tmp_path: Path) -> Path:
    """A user's ``.bashrc`` alone in its folder."""
    folder = tmp_path / "home"
    folder.mkdir()
    path = folder / ".bashrc"
    path.write_bytes(BASHRC)
    return path


@pytest.mark.parametrize(
    ("row_id", "mode"),
    [("rc-read-only", 0o444), ("rc-owner-read-only", 0o464)],
    ids=["444", "464"],
)
def test_read_only_rc_file(legacy_env: Path, rc: Path, row_id: str, mode: int) -> None:
    rc.chmod(mode)
    before = rc_state(rc)
    check(run("env", "--venv", str(legacy_env), "--write", str(rc)), case(row_id))
    assert rc_state(rc) == before


def test_rc_with_unpaired_marker(legacy_env: Path, rc: Path) -> None:
    rc.write_bytes(BASHRC + b"# >>> aimetenv env: /old/env >>>\nexport X=1\n")
    before = rc_state(rc)
    check(run("env", "--venv", str(legacy_env), "--write", str(rc)), case("rc-unpaired-marker"))
    assert rc_state(rc) == before


def test_rc_is_a_folder(legacy_env: Path, tmp_path: Path) -> None:
    folder = tmp_path / "rcdir"
    folder.mkdir()
    (folder / "inside").write_bytes(b"x")
    check(run("env", "--venv", str(legacy_env), "--write", str(folder)), case("rc-is-a-folder"))
    assert files_in(folder) == {"inside": b"x"}


def test_rc_under_proc(legacy_env: Path) -> None:
    row = case("rc-under-proc")
    check(run("env", "--venv", str(legacy_env), "--write", "/proc/aimetenv-faults/rc"), row)
    assert not Path("/proc/aimetenv-faults").exists()


def test_rc_with_bytes_that_are_not_utf8(legacy_env: Path, rc: Path) -> None:
    row = case("rc-not-utf8")
    original = BASHRC + b"echo caf\xe9 \xff\xfe\n"
    rc.write_bytes(original)
    check(run("env", "--venv", str(legacy_env), "--write", str(rc)), row)
    written = rc.read_bytes()
    assert written.startswith(original)
    assert b"# >>> aimetenv env: " in written
    check(run("env", "--venv", str(legacy_env), "--write", str(rc), "--remove"), row)
    assert rc.read_bytes() == original
    assert sorted(p.name for p in rc.parent.iterdir()) == [".bashrc", ".bashrc.aimetenv.bak"]


def into_full_disk(*args: str) -> Ran:
    """``aimetenv ARGS > /dev/full``: every write to stdout fails with ENOSPC."""
    with Path("/dev/full").open("w") as full:
        result = subprocess.run(
            aimetenv_argv(*args),
            stdout=full,
            stderr=subprocess.PIPE,
            text=True,
            env=hermetic_env(),
            check=False,
        )
    return Ran(args, result.returncode, "", result.stderr, 0.0)


def test_output_to_a_full_disk(legacy_env: Path) -> None:
    check(into_full_disk("env", "--venv", str(legacy_env)), case("stdout-disk-full"))
    assert not (Path(os.environ["XDG_STATE_HOME"]) / "aimetenv" / "crash").exists()


def test_help_to_a_full_disk() -> None:
    check(into_full_disk("--help"), case("help-disk-full"))


def test_output_closed(legacy_env: Path) -> None:
    script = 'exec "$@" >&-'
    result = subprocess.run(
        ["bash", "-c", script, "bash", *aimetenv_argv("env", "--venv", str(legacy_env))],
        stderr=subprocess.PIPE,
        text=True,
        env=hermetic_env(),
        check=False,
    )
    check(Ran(("env",), result.returncode, "", result.stderr, 0.0), case("stdout-closed"))
    assert not (Path(os.environ["XDG_STATE_HOME"]) / "aimetenv" / "crash").exists()


def test_cache_under_a_file(host: ReleaseHost, tmp_path: Path) -> None:
    row = case("cache-unwritable")
    blocker = tmp_path / "not-a-folder"
    blocker.write_bytes(b"a file\n")
    prefix = tmp_path / "env"
    env = hermetic_env(XDG_CACHE_HOME=str(blocker / "cache"))
    check(run(*install_args(host, "--venv", str(prefix)), env=env), row)
    assert not prefix.exists()
    assert blocker.read_bytes() == b"a file\n"


def test_state_under_a_file(host: ReleaseHost, tmp_path: Path) -> None:
    row = case("state-unwritable")
    blocker = tmp_path / "not-a-folder"
    blocker.write_bytes(b"a file\n")
    prefix = tmp_path / "env"
    env = hermetic_env(XDG_STATE_HOME=str(blocker / "state"))
    check(run(*install_args(host, "--venv", str(prefix)), env=env), row)
    assert not prefix.exists()
    assert host.hits() == []


def test_corrupt_catalog_overlay(host: ReleaseHost, tmp_path: Path) -> None:
    row = case("overlay-corrupt")
    overlay = Path(os.environ["XDG_DATA_HOME"]) / "aimetenv" / "catalog-overlay.yaml"
    overlay.parent.mkdir(parents=True)
    damaged = (
        b"schema: aimetenv.catalog-overlay/1\nreleases:\n  - tag: '1.16.2.py37'\n    variants: {to"
    )
    overlay.write_bytes(damaged)
    prefix = tmp_path / "env"
    check(run(*install_args(host, "--venv", str(prefix))), row)
    assert overlay.read_bytes() == damaged
    assert not prefix.exists()
    reset = run("releases", "--reset")
    assert reset.returncode == 0, reset.stderr
    assert not overlay.exists()
    planned = run(*install_args(host, "--venv", str(prefix), "--dry-run"))
    assert planned.returncode == 0, planned.stderr


def test_corrupt_receipt(legacy_env: Path, tmp_path: Path) -> None:
    row = case("receipt-corrupt")
    prefix = tmp_path / "copy"
    shutil.copytree(legacy_env, prefix, symlinks=True)
    good = json.loads(receipt_of(legacy_env).read_text())
    good["prefix"] = str(prefix)
    text = json.dumps(good, indent=2).replace(str(legacy_env), str(prefix))
    receipt_of(prefix).write_text(text[: len(text) // 2])
    cut = receipt_of(prefix).read_bytes()
    reference = run("env", "--venv", str(legacy_env), "--json")
    ran = run("env", "--venv", str(prefix), "--json")
    check(ran, row)
    assert receipt_of(prefix).read_bytes() == cut
    expected = json.loads(reference.stdout.replace(str(legacy_env), str(prefix)))
    document = json.loads(ran.stdout)
    assert document["variables"] == expected["variables"]
    assert document["release"]["tag"] == expected["release"]["tag"]
    assert document["release"]["source"] != "receipt"


def test_spec_nested_too_deeply(host: ReleaseHost, tmp_path: Path) -> None:
    spec = tmp_path / "deep.yaml"
    spec.write_text("variant: " + "[" * 50_000 + "]" * 50_000 + "\n", encoding="utf-8")
    check(run("install", "--spec", str(spec)), case("spec-nested-too-deeply"))
    assert host.hits() == []
    assert not (Path(os.environ["XDG_STATE_HOME"]) / "aimetenv" / "crash").exists()


def test_wheelhouse_with_a_cut_off_manifest(host: ReleaseHost, tmp_path: Path) -> None:
    row = case("wheelhouse-truncated-manifest")
    house = tmp_path / "house"
    made = run(*download_args(host, house))
    assert made.returncode == 0, made.stderr
    manifest = house / "manifest.json"
    manifest.write_bytes(manifest.read_bytes()[:200])
    before = files_in(house)
    prefix = tmp_path / "env"
    ran = run(*install_args(host, "--wheel-dir", str(house), "--offline", "--venv", str(prefix)))
    check(ran, row)
    assert files_in(house) == before
    assert not prefix.exists()
