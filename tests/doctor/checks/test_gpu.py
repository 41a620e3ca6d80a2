"""The GPU check: the driver against the CUDA of gpu variants; no driver here, for real."""

from __future__ import annotations

import os
import shutil
from typing import TYPE_CHECKING

import pytest

from aimetenv.doctor.checks.gpu import (
    check_gpu,
    parse_proc_version,
    parse_smi_output,
    required_driver,
)
from aimetenv.doctor.context import DoctorSettings
from aimetenv.doctor.model import Status

if TYPE_CHECKING:
    from pathlib import Path

    from support.doctor_envs import MakeContext

# The shape of /proc/driver/nvidia/version on a real machine (proprietary and open modules).
PROC_CLOSED = (
    "NVRM version: NVIDIA UNIX x86_64 Kernel Module  {v}  Tue Jun  6 22:20:39 UTC 2023\n"
    "GCC version:  gcc version 12.2.0 (Debian 12.2.0-14)\n"
)
PROC_OPEN = (
    "NVRM version: NVIDIA UNIX Open Kernel Module for x86_64  {v}  Release Build  "
    "(dvs-builder@U16-I3-B03-4-3)  Thu Oct 10 22:26:31 UTC 2024\n"
    "GCC version:  gcc version 12.3.0 (Ubuntu 12.3.0-1ubuntu1~22.04)\n"
)


@pytest.mark.parametrize(
    ("driver", "status"),
    [
        ("535.54.03", Status.OK),
        ("530.30.02", Status.OK),
        ("527.41", Status.WARN),
        ("470.82.01", Status.FAIL),
    ],
)
def test_driver_against_cuda_12_1(
    make_ctx: MakeContext, bare_venv: Path, tmp_path: Path, driver: str, status: Status
) -> None:
    proc = tmp_path / "version"
    proc.write_text(PROC_CLOSED.format(v=driver))
    settings = DoctorSettings(
        release_override=("1.34.0", "torch-gpu"), nvidia_version_file=str(proc)
    )
    result = check_gpu(make_ctx(bare_venv, settings=settings))
    assert result.status is status
    assert result.facts["driver"] == driver
    assert result.facts["cuda"] == "12.1"
    if status is not Status.OK:
        assert result.hint == "Update the NVIDIA driver to 530.30.02 or newer (CUDA 12.1)."


def test_no_gpu_on_this_machine(make_ctx: MakeContext, bare_venv: Path, tmp_path: Path) -> None:
    if shutil.which("nvidia-smi"):
        pytest.skip("this machine has nvidia-smi")
    settings = DoctorSettings(
        release_override=("1.34.0", "torch-gpu"), nvidia_version_file=str(tmp_path / "absent")
    )
    result = check_gpu(make_ctx(bare_venv, settings=settings))
    assert result.status is Status.FAIL
    assert result.summary.startswith("no NVIDIA driver found")
    assert result.hint == (
        "Use the cpu variant on a machine without an NVIDIA GPU: aimetenv install "
        "--variant torch-cpu --tag 1.34.0"
    )


def test_cpu_variants_skip(make_ctx: MakeContext, plain_legacy_env: Path) -> None:
    result = check_gpu(make_ctx(plain_legacy_env))
    assert result.status is Status.SKIP
    assert result.summary == "torch-cpu is a cpu variant"


def test_driver_from_nvidia_smi(
    make_ctx: MakeContext, bare_venv: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A stand-in for nvidia-smi, which cannot run without a GPU: it prints what the real one
    # prints for --query-gpu=driver_version --format=csv,noheader on a two-GPU machine.
    tools = tmp_path / "bin"
    tools.mkdir()
    smi = tools / "nvidia-smi"
    smi.write_text(
        '#!/bin/sh\n[ "$1" = --query-gpu=driver_version ] && printf "560.35.03\\n560.35.03\\n"\n'
    )
    smi.chmod(0o755)
    monkeypatch.setenv("PATH", f"{tools}:{os.environ['PATH']}")
    settings = DoctorSettings(
        release_override=("1.34.0", "torch-gpu"), nvidia_version_file=str(tmp_path / "absent")
    )
    result = check_gpu(make_ctx(bare_venv, settings=settings))
    assert result.status is Status.OK
    assert result.facts["driver"] == "560.35.03"
    assert result.facts["driver_source"] == "nvidia-smi"


@pytest.mark.parametrize("template", [PROC_CLOSED, PROC_OPEN])
def test_parse_proc_version(template: str) -> None:
    assert parse_proc_version(template.format(v="560.35.03")) == "560.35.03"
    assert parse_proc_version("garbage") is None


def test_parse_smi_output() -> None:
    assert parse_smi_output("535.104.05\n535.104.05\n") == "535.104.05"
    assert parse_smi_output("NVIDIA-SMI has failed\n") is None


@pytest.mark.parametrize(
    ("cuda", "expected"),
    [
        ("11.0", ("450.36.06", "450.80.02")),
        ("11.8", ("520.61.05", "450.80.02")),
        ("12.1", ("530.30.02", "525.60.13")),
        ("12.7", ("560.28.03", "525.60.13")),
        ("10.0", ("410.48", None)),
        ("x", (None, None)),
    ],
)
def test_required_driver(cuda: str, expected: tuple[str | None, str | None]) -> None:
    assert required_driver(cuda) == expected
