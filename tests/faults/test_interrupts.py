"""Ctrl-C in each install phase, an interrupted receipt write, and two installs into one env.

SIGINT goes to the aimetenv process alone (not its group), as a terminal's Ctrl-C reaches the
foreground program, at a moment the test has proof of: the host has sent part of a wheel, conda
is inside ``create``, pip is inside a download from a held index, the smoke test has started.
Each case ends with the same command run again, which must complete.
"""

from __future__ import annotations

import json
import os
from typing import TYPE_CHECKING

import pytest

from aimetenv import fsutil
from aimetenv.errors import FileError
from aimetenv.install.receipt import Receipt, write_receipt
from faults.cases import case
from faults.helpers import (
    cache_folder,
    check,
    download_args,
    files_in,
    hold_in_env,
    install_args,
    interrupt,
    pip_check,
    python_runs,
    rc_state,
    receipt_of,
    record,
    run,
    slow_conda,
    wait_for,
)
from support.envs import need_python, site_packages
from support.legacy import PYTHON37, TAG
from support.seeded import make_venv_with_pip
from support.standins import hermetic_env, modern_args, pip_list, start_aimetenv

if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path

    from support.legacy import LegacyRelease
    from support.releasehost import ReleaseHost
    from support.standins import GatedIndex, ModernRelease

RC = (
    b"export EDITOR=vim\n\n# >>> aimetenv env: /home/me/envs/old >>>\nexport X=1\n"
    b"# <<< aimetenv env: /home/me/envs/old <<<\n"
)


@pytest.fixture
def rc(tmp_path: Path) -> Path:
    """A user's rc file holding a block an earlier ``aimetenv env --write`` put there."""
    folder = tmp_path / "home"
    folder.mkdir()
    path = folder / ".bashrc"
    path.write_bytes(RC)
    return path


def premade_venv(prefix: Path) -> Path:
    """An existing Python 3.7 venv (made without aimetenv); its site-packages."""
    if not PYTHON37.exists():
        pytest.skip("Python 3.7 (pyenv) is needed for the legacy stand-in release")
    make_venv_with_pip(PYTHON37, prefix)
    return site_packages(prefix)


def part_of(legacy_release: LegacyRelease) -> Path:
    """The ``.part`` file of the first wheel install downloads."""
    return cache_folder() / (legacy_release.common.name + ".part")


def test_sigint_during_download(
    host: ReleaseHost, legacy_release: LegacyRelease, rc: Path, tmp_path: Path
) -> None:
    url = host.file_url(TAG, legacy_release.common.name)
    # The part grows in steps of its file buffer (4 KiB here): at 1 kB/s the first step shows
    # after about 4 s, and the 7.4 kB wheel would be complete about 3 s later.
    host.drip(url, chunk=100, delay=0.1, limit=120.0, times=1)
    prefix = tmp_path / "env"
    before = rc_state(rc)
    args = install_args(host, "--venv", str(prefix))
    part = part_of(legacy_release)
    process = start_aimetenv(*args)
    wait_for(lambda: part.exists() and part.stat().st_size >= 500, "a part of the wheel", process)
    ran = interrupt(process, tuple(args))

    check(ran, case("sigint-download"))
    assert not prefix.exists()
    assert rc_state(rc) == before
    kept = part.stat().st_size
    size = legacy_release.common.stat().st_size
    assert part.read_bytes() == legacy_release.common.read_bytes()[:kept]
    record("sigint-download-exit-seconds", ran.seconds)

    host.hits()  # waits until the host has seen the interrupted transfer end
    host.clear_log()
    again = run(*args)
    assert again.returncode == 0, again.stderr
    gets = [h for h in host.hits(url) if h.method == "GET"]
    assert [(h.range, h.status, h.sent) for h in gets] == [(f"bytes={kept}-", 206, size - kept)]
    assert receipt_of(prefix).is_file()
    record("sigint-download-bytes-kept", kept)
    record("sigint-download-bytes-fetched-after", size - kept)


def test_sigint_during_env_creation(host: ReleaseHost, rc: Path, tmp_path: Path) -> None:
    conda, hold = slow_conda(tmp_path / "conda", tmp_path)
    prefix = tmp_path / "env"
    env = hermetic_env(CONDA_EXE=str(conda))
    before = rc_state(rc)
    args = install_args(host, "-p", str(prefix))
    process = start_aimetenv(*args, env=env)
    wait_for(hold.reached.exists, "conda create", process)
    assert (prefix / "conda-meta").is_dir()  # half made, as conda leaves it while it links
    ran = interrupt(process, tuple(args))

    check(ran, case("sigint-env-creation"))
    assert not prefix.exists()
    assert rc_state(rc) == before
    record("sigint-create-exit-seconds", ran.seconds)

    hold.release()
    again = run(*args, env=env)
    assert again.returncode == 0, again.stderr
    assert receipt_of(prefix).is_file()
    assert (prefix / "conda-meta").is_dir()


def test_sigint_during_pip(
    index: GatedIndex, modern: ModernRelease, rc: Path, tmp_path: Path
) -> None:
    prefix = tmp_path / "env"
    before = rc_state(rc)
    index.hold(modern.torch.name)
    args = modern_args(index.url, "--venv", str(prefix))
    process = start_aimetenv(*args)
    wait_for(index.state.reached.is_set, "pip asking for the torch wheel", process)
    ran = interrupt(process, tuple(args))

    check(ran, case("sigint-pip"))
    assert not prefix.exists()
    assert rc_state(rc) == before
    record("sigint-pip-exit-seconds", ran.seconds)

    index.open_gate()
    again = run(*args)
    assert again.returncode == 0, again.stderr
    assert receipt_of(prefix).is_file()


def test_sigint_during_pip_into_an_existing_env(
    index: GatedIndex, modern: ModernRelease, tmp_path: Path
) -> None:
    prefix = tmp_path / "env"
    make_venv_with_pip(need_python("3.10"), prefix)
    index.hold(modern.torch.name)
    args = modern_args(index.url, "--venv", str(prefix))
    process = start_aimetenv(*args)
    wait_for(index.state.reached.is_set, "pip asking for the torch wheel", process)
    ran = interrupt(process, tuple(args))

    check(ran, case("sigint-pip-existing-env"))
    assert not receipt_of(prefix).exists()
    assert "torch" not in pip_list(prefix)
    pip_check(prefix)

    index.open_gate()
    again = run(*args)
    assert again.returncode == 0, again.stderr
    assert receipt_of(prefix).is_file()


def test_sigint_just_before_the_receipt(host: ReleaseHost, rc: Path, tmp_path: Path) -> None:
    prefix = tmp_path / "env"
    hold = hold_in_env(premade_venv(prefix), "AIMETENV-SMOKE-BEGIN-", tmp_path)
    before = rc_state(rc)
    args = install_args(host, "--venv", str(prefix))
    process = start_aimetenv(*args)
    wait_for(hold.reached.exists, "the smoke test", process)
    ran = interrupt(process, tuple(args))

    check(ran, case("sigint-before-receipt"))
    assert not receipt_of(prefix).exists()
    assert not receipt_of(prefix).parent.exists() or list(receipt_of(prefix).parent.iterdir()) == []
    python_runs(prefix, "import aimet_torch, aimet_common")
    pip_check(prefix)
    assert rc_state(rc) == before
    record("sigint-smoke-exit-seconds", ran.seconds)

    again = run(*args)
    assert again.returncode == 0, again.stderr
    assert json.loads(receipt_of(prefix).read_text())["tag"] == TAG


def _raise(error: BaseException) -> Callable[..., None]:
    def fail(*_args: object, **_kwargs: object) -> None:
        raise error

    return fail


class _Failing:
    """A file object whose ``write`` raises, wrapping the real one (closed properly)."""

    def __init__(self, stream: object, error: BaseException) -> None:
        self.stream = stream
        self.error = error

    def __enter__(self) -> _Failing:  # noqa: PYI034  # no subclasses; Self needs 3.11
        return self

    def __exit__(self, *exc: object) -> None:
        self.stream.close()  # type: ignore[attr-defined]  # the real file object

    def write(self, _data: bytes) -> int:
        raise self.error


@pytest.mark.parametrize("error", [KeyboardInterrupt(), OSError(28, "No space left on device")])
def test_receipt_write_is_atomic(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, error: BaseException
) -> None:
    """The receipt writer, interrupted (or failing) at each step: the old receipt survives.

    Runs in-process: an interrupt at an exact step cannot be timed from outside. The step is made
    to raise by replacing one ``os`` function for the duration of one write.
    """
    row = case("receipt-write-interrupted")
    assert row.form == "in-process"
    prefix = tmp_path / "env"
    old = Receipt(tag="1.16.2.py37", variant="torch-cpu", source="github", prefix=str(prefix),
                  python="/p", python_version="3.7.16", target_kind="venv", site_packages=(),
                  exports={}, smoke={}, plan={})  # fmt: skip
    new = Receipt(**{**old.__dict__, "tag": "1.34.0", "python_version": "3.8.18"})
    path = write_receipt(old, tmp_path / "state")
    original = path.read_bytes()
    real_fdopen = os.fdopen
    steps: dict[str, Callable[[], None]] = {
        "write": lambda: monkeypatch.setattr(
            os, "fdopen", lambda fd, *a, **k: _Failing(real_fdopen(fd, *a, **k), error)
        ),
        "fsync": lambda: monkeypatch.setattr(os, "fsync", _raise(error)),
        "chmod": lambda: monkeypatch.setattr(os, "chmod", _raise(error)),
        "rename": lambda: monkeypatch.setattr(os, "replace", _raise(error)),
    }
    for step, breaks in steps.items():
        breaks()
        with pytest.raises((KeyboardInterrupt, FileError)):
            fsutil.atomic_write_text(path, json.dumps(new.to_dict()))
        monkeypatch.undo()
        assert path.read_bytes() == original, step
        assert sorted(p.name for p in path.parent.iterdir()) == ["receipt.json"], step


def test_sigint_during_wheelhouse_download(
    host: ReleaseHost, legacy_release: LegacyRelease, tmp_path: Path
) -> None:
    url = host.file_url(TAG, legacy_release.common.name)
    host.drip(url, chunk=100, delay=0.1, limit=120.0, times=1)
    house = tmp_path / "house"
    args = download_args(host, house)
    part = part_of(legacy_release)
    process = start_aimetenv(*args)
    wait_for(lambda: part.exists() and part.stat().st_size >= 500, "a part of the wheel", process)
    ran = interrupt(process, tuple(args))

    check(ran, case("sigint-wheelhouse"))
    assert not house.exists() or list(house.iterdir()) == []
    kept = part.stat().st_size
    assert kept > 0

    host.hits()  # waits until the host has seen the interrupted transfer end
    host.clear_log()
    again = run(*args)
    assert again.returncode == 0, again.stderr
    gets = [h for h in host.hits(url) if h.method == "GET"]
    assert [h.range for h in gets] == [f"bytes={kept}-"]
    assert (house / legacy_release.common.name).read_bytes() == legacy_release.common.read_bytes()
    assert files_in(house).keys() >= {"manifest.json"}


def test_two_installs_into_one_env(host: ReleaseHost, tmp_path: Path) -> None:
    prefix = tmp_path / "env"
    hold = hold_in_env(premade_venv(prefix), "AIMETENV-SMOKE-BEGIN-", tmp_path)
    args = install_args(host, "--venv", str(prefix))
    first = start_aimetenv(*args)
    try:
        wait_for(hold.reached.exists, "the first install's smoke test", first)
        second = run(*args)
    finally:
        hold.release()
        _out, err = first.communicate(timeout=300)
    line = check(second, case("two-installs-one-env"))
    assert f"(pid {first.pid})" in line
    assert first.returncode == 0, err
    assert json.loads(receipt_of(prefix).read_text())["tag"] == TAG
