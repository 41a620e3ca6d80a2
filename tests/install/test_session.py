"""One install from options to result: the lock and the early smoke test around prepare and run.

Real runs against the shared ``legacy_env`` (a probe and a quick smoke test, about a second):
``confirm`` stops each install before anything is fetched, so the environment is never changed.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

import pytest

from aimetenv.catalog.load import load_catalog
from aimetenv.envs.probe import probe_source
from aimetenv.envs.targets import TargetRequest
from aimetenv.errors import BusyError
from aimetenv.install.locks import env_lock
from aimetenv.install.options import InstallOptions
from aimetenv.install.session import install_locked, prepare_install
from support.legacy import TAG, VARIANT
from support.recording import SpyRunner

if TYPE_CHECKING:
    from pathlib import Path

    from aimetenv.install.prepare import Prepared

CATALOG = load_catalog()


class StopError(Exception):
    """Raised by ``confirm`` to end an install before anything is fetched."""


def stop(prepared: Prepared) -> None:
    del prepared
    raise StopError


def options_for(prefix: Path, **extra: object) -> InstallOptions:
    return InstallOptions(
        variant=VARIANT,
        tag=TAG,
        target=TargetRequest(venv=str(prefix)),
        **extra,  # type: ignore[arg-type]
    )


def smoke_tests(runner: SpyRunner) -> list[tuple[str, ...]]:
    return [a for a in runner.argvs if a[1:2] == ("-c",) and a[2] != probe_source()]


def test_the_lock_is_held_from_the_target_on_and_let_go_after(
    legacy_env: Path, tmp_path: Path
) -> None:
    state = tmp_path / "state"
    seen: list[Prepared] = []

    def confirm(prepared: Prepared) -> None:
        seen.append(prepared)
        with pytest.raises(BusyError) as busy, env_lock(legacy_env, state, label="x"):
            pass
        assert (
            busy.value.message
            == f"another aimetenv process is installing into x (pid {os.getpid()})"
        )
        raise StopError

    runner = SpyRunner()
    with pytest.raises(StopError):
        install_locked(
            CATALOG,
            options_for(legacy_env),
            runner,
            state=state,
            cache=tmp_path / "cache",
            venvs=tmp_path / "envs",
            confirm=confirm,
        )
    assert [p.target.prefix for p in seen] == [legacy_env]
    assert len(smoke_tests(runner)) == 1  # the early quick smoke test of the existing env
    with env_lock(legacy_env, state, label="x"):  # let go when the install ended
        pass


def test_force_starts_no_early_smoke_test_and_dry_run_takes_no_lock(
    legacy_env: Path, tmp_path: Path
) -> None:
    state = tmp_path / "state"
    runner = SpyRunner()
    with pytest.raises(StopError), env_lock(legacy_env, state, label="x"):
        install_locked(
            CATALOG,
            options_for(legacy_env, force=True),
            runner,
            state=tmp_path / "other-state",
            cache=tmp_path / "cache",
            venvs=tmp_path / "envs",
            confirm=stop,
        )
    assert smoke_tests(runner) == []
    with env_lock(legacy_env, state, label="x"):  # held here, and the dry run does not mind
        prepared = prepare_install(
            CATALOG, options_for(legacy_env), runner, cache=tmp_path / "c", venvs=tmp_path / "e"
        )
    assert prepared.target.prefix == legacy_env
    assert prepared.actions[1].path == str(tmp_path / "c" / TAG / prepared.plan.wheels[0].filename)
