"""Fixtures for the doctor tests: a context maker and the broken environments, built once."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

import pytest

from aimetenv.doctor.context import DoctorContext, DoctorSettings, target_flags
from aimetenv.envs.targets import EnvTarget, Origin, TargetKind
from aimetenv.install.inputs import load_user_catalog
from aimetenv.paths import state_dir
from aimetenv.runner import SubprocessRunner
from support.doctor_envs import (
    copy_aimet_files,
    legacy_venv,
    make_venv,
    old_libstdcxx_dir,
    plain_legacy,
    session_env,
    without_companion,
    write_test_receipt,
)
from support.envs import need_python
from support.legacy import PYTHON37

if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path

    from support.doctor_envs import MakeContext
    from support.legacy import LegacyRelease


@pytest.fixture
def make_ctx(tmp_path: Path) -> MakeContext:
    """A real doctor context for a venv (or an interpreter), run from ``tmp_path``."""

    def make(
        prefix: Path | None = None,
        *,
        python: Path | None = None,
        kind: TargetKind = "venv",
        settings: DoctorSettings | None = None,
        cwd: Path | None = None,
    ) -> DoctorContext:
        if python is None:
            assert prefix is not None
            python = prefix / "bin" / "python"
        target = EnvTarget(kind, python, "a test target", Origin.VENV_GIVEN, prefix=prefix)
        return DoctorContext(
            target,
            SubprocessRunner(),
            environ=dict(os.environ),
            cwd=str(cwd or tmp_path),
            state_dir=state_dir(),
            catalog=load_user_catalog,
            settings=settings,
            target_flags=target_flags(target),
        )

    return make


@pytest.fixture(scope="session")
def companionless_env(
    legacy_release: LegacyRelease, tmp_path_factory: pytest.TempPathFactory
) -> Path:
    """The 1.16.2.py37 stand-in with libpymo's companion library deleted."""
    return session_env(
        tmp_path_factory,
        "companionless",
        lambda folder: without_companion(legacy_venv(folder, PYTHON37, legacy_release, pip=False)),
    )


@pytest.fixture(scope="session")
def py38_legacy_env(plain_legacy_env: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A Python 3.8 venv carrying the files of the 1.16.2.py37 packages (the wrong Python)."""
    python38 = need_python("3.8")
    return session_env(
        tmp_path_factory,
        "py38-legacy",
        lambda folder: copy_aimet_files(
            plain_legacy_env, make_venv(python38, folder / "env", pip=False)
        ),
    )


@pytest.fixture(scope="session")
def old_libstdcxx(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder whose libstdc++.so.6 stops at GLIBCXX_3.4.28 (an old GCC runtime)."""
    return session_env(tmp_path_factory, "old-libstdcxx", old_libstdcxx_dir)


@pytest.fixture(scope="session")
def bare_venv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A Python 3.11 venv with no AIMET in it (and no pip)."""
    python311 = need_python("3.11")
    return session_env(
        tmp_path_factory, "bare", lambda folder: make_venv(python311, folder / "env", pip=False)
    )


@pytest.fixture
def fake_env(tmp_path: Path) -> Callable[..., Path]:
    """A fresh Python 3.11 venv without pip, to write distributions into (``add_distribution``)."""
    python311 = need_python("3.11")
    count = [0]

    def make(python: Path = python311) -> Path:
        count[0] += 1
        return make_venv(python, tmp_path / f"fake{count[0]}", pip=False)

    return make


@pytest.fixture(scope="session")
def plain_legacy_env(
    legacy_release: LegacyRelease, tmp_path_factory: pytest.TempPathFactory
) -> Path:
    """The 1.16.2.py37 stand-in installed with plain pip: no receipt, no exports."""
    return plain_legacy(tmp_path_factory, legacy_release)


@pytest.fixture(scope="session")
def py38_receipt_env(plain_legacy_env: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A Python 3.8 venv with the 1.16.2.py37 files and a receipt that says Python 3.7."""
    python38 = need_python("3.8")

    def build(folder: Path) -> Path:
        prefix = copy_aimet_files(plain_legacy_env, make_venv(python38, folder / "env", pip=False))
        write_test_receipt(prefix, tag="1.16.2.py37", variant="torch-cpu", python_version="3.7.16")
        return prefix

    return session_env(tmp_path_factory, "py38-receipt", build)
