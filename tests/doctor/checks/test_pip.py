from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from aimetenv.doctor.checks.pip import check_pip
from aimetenv.doctor.context import DoctorSettings
from aimetenv.doctor.model import Status
from support.doctor_envs import pip_install
from support.envs import need_python

if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path

    from support.doctor_envs import MakeContext


def test_pip_inside_the_release_bound(make_ctx: MakeContext, plain_legacy_env: Path) -> None:
    result = check_pip(make_ctx(plain_legacy_env))
    assert result.status is Status.OK
    assert result.facts["bound"] == "<24.1"
    assert result.summary.endswith("(inside <24.1)")


def test_no_pip(make_ctx: MakeContext, bare_venv: Path) -> None:
    result = check_pip(make_ctx(bare_venv))
    assert result.status is Status.FAIL
    assert result.hint == f"{bare_venv / 'bin' / 'python'} -m ensurepip --upgrade"


def test_pip_too_new_for_a_release_with_legacy_versions(
    make_ctx: MakeContext, fake_env: Callable[..., Path]
) -> None:
    # Offline: the pip wheel Python 3.13's ensurepip carries (24.2) is new enough.
    python313 = need_python("3.13")
    bundled = sorted(python313.parent.parent.glob("lib/python3.13/ensurepip/_bundled/pip-*.whl"))
    if not bundled:
        pytest.skip("this Python 3.13 has no bundled pip wheel")
    prefix = fake_env()
    pip_install(prefix, "--no-index", str(bundled[-1]), own_pip=False)
    ctx = make_ctx(prefix, settings=DoctorSettings(release_override=("1.34.0", "torch-cpu")))
    result = check_pip(ctx)
    assert result.status is Status.WARN
    assert "is outside <24.1, the bound for 1.34.0" in result.summary
    assert result.hint == f"{prefix / 'bin' / 'python'} -m pip install 'pip<24.1'"
