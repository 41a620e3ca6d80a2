from __future__ import annotations

import os
import platform
from typing import TYPE_CHECKING

from aimetenv.doctor.checks.platform_info import check_platform, distribution_name
from aimetenv.doctor.context import DoctorSettings
from aimetenv.doctor.model import Status

if TYPE_CHECKING:
    from pathlib import Path

    from support.doctor_envs import MakeContext


def test_this_machine_against_a_release_floor(make_ctx: MakeContext, bare_venv: Path) -> None:
    ctx = make_ctx(bare_venv, settings=DoctorSettings(release_override=("2.42.0", "onnx-cpu")))
    result = check_platform(ctx)
    glibc = (os.confstr("CS_GNU_LIBC_VERSION") or "glibc ?").split()[1]
    assert result.facts["glibc"] == ".".join(glibc.split(".")[:2])
    assert result.facts["machine"] == platform.machine()
    assert result.facts["glibc_floor"] == "2.34"
    assert result.status is Status.OK  # glibc 2.34 or newer on the test machines
    assert result.summary.endswith("(the release needs 2.34 or newer)")


def test_distribution_name(tmp_path: Path) -> None:
    os_release = tmp_path / "os-release"
    os_release.write_text('NAME="Ubuntu"\nPRETTY_NAME="Ubuntu 20.04.6 LTS"\nID=ubuntu\n')
    assert distribution_name(str(os_release)) == "Ubuntu 20.04.6 LTS"
    os_release.write_text("NAME=Alpine\n")
    assert distribution_name(str(os_release)) == "Alpine"
    assert distribution_name(str(tmp_path / "missing")) is None
