from __future__ import annotations

from typing import TYPE_CHECKING

from aimetenv.doctor.checks.system_packages import check_system_packages
from aimetenv.doctor.model import Status
from aimetenv.install.reqsfiles import running_as_root
from support.doctor_envs import add_distribution
from support.envs import site_packages

if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path

    import pytest

    from support.doctor_envs import MakeContext

MISSING = "aimetenv-test-no-such-package"


def legacy_with_lists(fake_env: Callable[..., Path]) -> Path:
    prefix = fake_env()
    version = "torch_cpu_1.16.2.py37"
    add_distribution(
        site_packages(prefix),
        "AimetCommon",
        version,
        {
            "aimet_common/__init__.py": "",
            "aimet_common/bin/reqs_deb_common.txt": f"python3.6 python3.6-dev coreutils -y {MISSING}\n",
            "aimet_torch/bin/reqs_deb_torch_gpu.txt": "cuda-cublas-11-0 libcudnn8=8.0.5.39-1+cuda11.0\n",
        },
    )
    add_distribution(site_packages(prefix), "AimetTorch", version, {"aimet_torch/__init__.py": ""})
    return prefix


def test_missing_packages_get_one_apt_line(
    make_ctx: MakeContext, fake_env: Callable[..., Path]
) -> None:
    result = check_system_packages(make_ctx(legacy_with_lists(fake_env)))
    assert result.status is Status.WARN
    assert result.facts["wanted"] == ("coreutils", MISSING)  # python3.x and gpu lists left out
    assert result.facts["missing"] == (MISSING,)
    sudo = "" if running_as_root() else "sudo "
    assert result.hint == f"{sudo}apt-get install -y {MISSING}"


def test_without_dpkg(
    make_ctx: MakeContext,
    fake_env: Callable[..., Path],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    prefix = legacy_with_lists(fake_env)
    monkeypatch.setenv("PATH", str(tmp_path))
    result = check_system_packages(make_ctx(prefix))
    assert result.status is Status.SKIP
    assert result.summary.startswith("dpkg-query is not available")


def test_the_legacy_stand_in_lists(make_ctx: MakeContext, plain_legacy_env: Path) -> None:
    result = check_system_packages(make_ctx(plain_legacy_env))
    assert result.status in (Status.OK, Status.WARN)  # depends on this machine's packages
    assert result.facts["wanted"] == ("liblapacke", "liblapacke-dev", "coreutils")
