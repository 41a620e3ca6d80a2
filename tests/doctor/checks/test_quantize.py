from __future__ import annotations

from typing import TYPE_CHECKING

from aimetenv.doctor.checks.quantize import check_quantize
from aimetenv.doctor.model import Status

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
