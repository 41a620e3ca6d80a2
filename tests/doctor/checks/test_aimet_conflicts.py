from __future__ import annotations

from typing import TYPE_CHECKING

from aimetenv.doctor.checks.aimet_conflicts import check_aimet_conflicts
from aimetenv.doctor.model import Status
from support.doctor_envs import add_distribution
from support.envs import site_packages

if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path

    from support.doctor_envs import MakeContext


def test_torch_and_onnx_together(make_ctx: MakeContext, fake_env: Callable[..., Path]) -> None:
    prefix = fake_env()
    site = site_packages(prefix)
    shim = {"aimet_common/__init__.py": "raise ImportError('both')\n"}
    add_distribution(site, "aimet-torch", "2.42.0", {**shim, "aimet_torch/__init__.py": ""})
    add_distribution(site, "aimet-onnx", "2.42.0", {**shim, "aimet_onnx/__init__.py": ""})
    result = check_aimet_conflicts(make_ctx(prefix))
    assert result.status is Status.FAIL
    assert result.summary == (
        "aimet-onnx 2.42.0 and aimet-torch 2.42.0 are installed together; both own aimet_common, "
        "which breaks one or the other"
    )
    assert result.hint is not None
    python = prefix / "bin" / "python"
    assert f"{python} -m pip uninstall -y aimet-onnx" in result.hint
    assert f"{python} -m pip install --force-reinstall --no-deps aimet-torch" in result.hint


def test_look_alike_names(make_ctx: MakeContext, fake_env: Callable[..., Path]) -> None:
    prefix = fake_env()
    add_distribution(site_packages(prefix), "aimet", "0.0.1", {"aimet/__init__.py": ""})
    add_distribution(site_packages(prefix), "aimet-tensorflow", "0.0.1")
    result = check_aimet_conflicts(make_ctx(prefix))
    assert result.status is Status.WARN
    assert result.summary == "aimet 0.0.1, aimet-tensorflow 0.0.1 is not an AIMET release"
    assert any("unrelated package" in line for line in result.details)
    assert any("empty placeholder" in line for line in result.details)
    assert (
        result.hint
        == f"Remove it: {prefix / 'bin' / 'python'} -m pip uninstall -y aimet aimet-tensorflow"
    )


def test_a_clean_legacy_release(make_ctx: MakeContext, plain_legacy_env: Path) -> None:
    result = check_aimet_conflicts(make_ctx(plain_legacy_env))
    assert result.status is Status.OK
