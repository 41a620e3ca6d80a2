from __future__ import annotations

from typing import TYPE_CHECKING

from aimetenv.doctor.checks.quantize import check_quantize
from aimetenv.doctor.context import DoctorSettings
from aimetenv.doctor.model import Status
from support.doctor_envs import crashing_quantsim_env
from support.envs import site_packages

if TYPE_CHECKING:
    from pathlib import Path

    from support.doctor_envs import MakeContext


def test_skips_without_the_framework(make_ctx: MakeContext, plain_legacy_env: Path) -> None:
    result = check_quantize(make_ctx(plain_legacy_env))
    assert result.status is Status.SKIP
    assert result.summary == "torch is not installed"


def test_skips_without_a_release(make_ctx: MakeContext, bare_venv: Path) -> None:
    result = check_quantize(make_ctx(bare_venv))
    assert result.status is Status.SKIP
    assert result.summary == "no tiny quantization for an unknown release (torch and onnx only)"


def test_a_native_crash_names_the_signal_the_modules_and_the_versions(
    make_ctx: MakeContext, tmp_path: Path
) -> None:
    prefix = crashing_quantsim_env(tmp_path)
    ctx = make_ctx(
        prefix, settings=DoctorSettings(deep=True, release_override=("2.42.0", "torch-cpu"))
    )
    result = check_quantize(ctx)
    assert result.status is Status.FAIL
    site = site_packages(prefix)
    torch_c = next((site / "torch").glob("_C.*.so"))
    assert result.summary == (
        "the tiny torch quantization crashed: the interpreter was killed by SIGSEGV (signal 11, "
        f"a segmentation fault) with torch 2.1.2; the last native module loaded was {torch_c.name}"
    )
    assert result.facts["native_loaded"] == (str(torch_c),)
    assert result.facts["signal"] == 11
    assert result.hint == (
        "A crash in native code usually means versions that do not fit each other: the "
        f"requirements check compares them with what AIMET declares (aimetenv doctor --venv "
        f"{prefix} --check requirements)."
    )
