"""The requirements check, against real venvs holding stand-in wheels with real Requires-Dist."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from aimetenv.doctor.checks.requirements import check_requirements
from aimetenv.doctor.context import DoctorSettings
from aimetenv.doctor.model import Status
from support.doctor_envs import (
    add_distribution,
    session_env,
    standin_venv,
    standin_wheel,
    write_test_receipt,
)
from support.envs import need_python, site_packages

if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path

    from support.doctor_envs import MakeContext

ONNX_REQUIRES = (
    "onnxruntime>=1.19",
    "numpy<2",
    "onnx",
    'torchvision; extra == "test"',
    'scipy==1.8.1; python_version < "3.10"',
)
TORCH_REQUIRES = ("numpy<2", "torch", 'torch==2.1.*; extra == "v1-deps"')


def _onnx_env(folder: Path, runtime: tuple[str, str]) -> Path:
    wheels = [
        standin_wheel(folder / "w", "aimet-onnx", "2.42.0", requires=ONNX_REQUIRES),
        standin_wheel(folder / "w", runtime[0], runtime[1]),
        standin_wheel(folder / "w", "numpy", "2.1.0"),
        standin_wheel(folder / "w", "onnx", "1.17.0"),
    ]
    return standin_venv(need_python("3.11"), folder / "env", wheels)


@pytest.fixture(scope="session")
def old_runtime_env(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """aimet-onnx 2.42.0 (declares onnxruntime>=1.19, numpy<2) with onnxruntime 1.16.3, numpy 2."""
    return session_env(
        tmp_path_factory, "old-onnxruntime", lambda f: _onnx_env(f, ("onnxruntime", "1.16.3"))
    )


def test_unmet_requirements_fail_with_one_quoted_line(
    make_ctx: MakeContext, old_runtime_env: Path
) -> None:
    result = check_requirements(make_ctx(old_runtime_env))
    assert result.status is Status.FAIL
    assert result.summary == (
        "onnxruntime 1.16.3 is installed; aimet-onnx 2.42.0 requires onnxruntime>=1.19 (and 1 "
        "more: numpy 2.1.0 is installed; aimet-onnx 2.42.0 requires numpy<2)"
    )
    python = old_runtime_env / "bin" / "python"
    assert (
        result.hint == f"{python} -m pip install 'onnxruntime>=1.19' 'numpy<2' aimet-onnx==2.42.0"
    )
    assert any(
        line.startswith("fail: numpy 2.1.0 is installed; aimet-onnx 2.42.0 requires numpy<2")
        for line in result.details
    )
    # The extra nobody asked for and the marker for another Python are not requirements here.
    assert not any("torchvision" in line or "scipy" in line for line in result.details)
    assert result.facts["declared"] == 3


def test_the_fix_uses_the_receipts_index(
    make_ctx: MakeContext, tmp_path: Path, old_runtime_env: Path
) -> None:
    prefix = standin_venv(
        need_python("3.11"),
        tmp_path / "env",
        [w for w in sorted((old_runtime_env.parent / "w").glob("*.whl")) if "numpy" not in w.name],
    )
    index = "http://127.0.0.1:9/simple"
    write_test_receipt(
        prefix,
        tag="2.42.0",
        variant="onnx-cpu",
        python_version="3.11.9",
        source="pypi",
        requirements=("aimet-onnx==2.42.0",),
        steps=(
            {"kind": "requirement", "requirements": ["aimet-onnx==2.42.0"],
             "pip_args": ["--index-url", index]},
        ),
    )  # fmt: skip
    result = check_requirements(make_ctx(prefix))
    assert result.status is Status.FAIL
    numpy_fix = (
        f"{prefix / 'bin' / 'python'} -m pip install --index-url {index} 'numpy<2' "
        "aimet-onnx==2.42.0"
    )
    assert (
        f"fail: numpy is not installed; aimet-onnx 2.42.0 requires numpy<2; fix: {numpy_fix}"
        in result.details
    )
    python = prefix / "bin" / "python"
    assert result.hint == (
        f"{python} -m pip install --index-url {index} 'onnxruntime>=1.19' 'numpy<2' "
        "aimet-onnx==2.42.0"
    )


def test_onnxruntime_gpu_meets_an_onnxruntime_requirement(
    make_ctx: MakeContext, tmp_path_factory: pytest.TempPathFactory
) -> None:
    prefix = session_env(
        tmp_path_factory, "ort-gpu", lambda f: _onnx_env(f, ("onnxruntime-gpu", "1.20.1"))
    )
    result = check_requirements(make_ctx(prefix))
    assert "onnxruntime>=1.19 (aimet-onnx 2.42.0): onnxruntime-gpu 1.20.1 -> ok" in result.details
    assert result.status is Status.FAIL  # numpy 2 is still wrong
    assert result.summary == "numpy 2.1.0 is installed; aimet-onnx 2.42.0 requires numpy<2"


def test_markers_are_evaluated_for_the_target_python(make_ctx: MakeContext, tmp_path: Path) -> None:
    requires = ('numpy<1.25; python_version < "3.10"', 'numpy<2; python_version >= "3.10"')
    wheels = [
        standin_wheel(tmp_path / "w", "aimet-onnx", "2.13.0", requires=requires),
        standin_wheel(tmp_path / "w", "numpy", "1.26.0"),
    ]
    prefix = standin_venv(need_python("3.8"), tmp_path / "env", wheels)
    result = check_requirements(make_ctx(prefix))
    # aimetenv runs on 3.11, where numpy 1.26.0 would do; the target is 3.8.
    assert result.status is Status.FAIL
    assert result.summary == "numpy 1.26.0 is installed; aimet-onnx 2.13.0 requires numpy<1.25"


def _torch_env(folder: Path) -> Path:
    files = {"aimet_torch/__init__.py": b"", "aimet_torch/v1/__init__.py": b""}
    wheels = [
        standin_wheel(folder / "w", "aimet-torch", "2.13.0", requires=TORCH_REQUIRES, files=files),
        standin_wheel(folder / "w", "torch", "2.13.0"),
        standin_wheel(folder / "w", "numpy", "1.26.4"),
    ]
    return standin_venv(need_python("3.11"), folder / "env", wheels)


def test_v1_needs_warn_when_the_extra_was_not_asked_for(
    make_ctx: MakeContext, tmp_path: Path
) -> None:
    prefix = _torch_env(tmp_path)
    result = check_requirements(make_ctx(prefix))
    assert result.status is Status.WARN
    assert result.summary == (
        "torch 2.13.0: the legacy aimet_torch.v1 API needs torch==2.1.* (aimet-torch 2.13.0, "
        "extra v1-deps); import aimet_torch.v1 fails, aimet_torch itself works"
    )
    python = prefix / "bin" / "python"
    assert result.hint == (
        f"Only if you use aimet_torch.v1: {python} -m pip install 'torch==2.1.*' "
        "aimet-torch==2.13.0"
    )


def test_an_extra_the_install_asked_for_is_a_requirement(
    make_ctx: MakeContext, tmp_path: Path
) -> None:
    prefix = _torch_env(tmp_path)
    write_test_receipt(
        prefix,
        tag="2.13.0",
        variant="torch-cpu",
        python_version="3.11.9",
        source="pypi",
        requirements=("aimet-torch[v1-deps]==2.13.0",),
    )
    result = check_requirements(make_ctx(prefix))
    assert result.status is Status.FAIL
    assert result.summary == ("torch 2.13.0 is installed; aimet-torch 2.13.0 requires torch==2.1.*")


def test_v1_needs_are_not_reported_once_v1_is_gone(make_ctx: MakeContext, tmp_path: Path) -> None:
    wheels = [
        standin_wheel(tmp_path / "w", "aimet-torch", "2.30.0", requires=TORCH_REQUIRES),
        standin_wheel(tmp_path / "w", "torch", "2.13.0"),
        standin_wheel(tmp_path / "w", "numpy", "1.26.4"),
    ]
    prefix = standin_venv(need_python("3.11"), tmp_path / "env", wheels)
    result = check_requirements(make_ctx(prefix))
    assert result.status is Status.OK
    assert result.summary == "all 2 requirements of aimet-torch 2.30.0 are installed and fit"


@pytest.mark.parametrize(
    ("numpy", "status"),
    [("2.0.2", Status.FAIL), ("1.21.6", Status.WARN), ("1.16.4", Status.OK)],
)
def test_legacy_releases_use_the_catalogs_pins(
    make_ctx: MakeContext,
    fake_env: Callable[..., Path],
    numpy: str,
    status: Status,
) -> None:
    prefix = fake_env()
    site = site_packages(prefix)
    add_distribution(site, "AimetTorch", "1.13.0", {"aimet_torch/__init__.py": ""})
    add_distribution(site, "numpy", numpy, {"numpy/__init__.py": ""})
    settings = DoctorSettings(release_override=("1.13.0", "tf-torch-gpu"))
    result = check_requirements(make_ctx(prefix, settings=settings))
    assert result.status is status
    assert result.facts["catalog_pins"] == ("numpy==1.16.4",)
    if status is not Status.OK:
        assert result.summary == (
            f"numpy {numpy} is installed; 1.13.0 was built and tested with 1.16.4 (the "
            "catalog's pin: its wheels declare no requirements)"
        )
        assert result.hint == f"{prefix / 'bin' / 'python'} -m pip install numpy==1.16.4"


def test_no_aimet_skips(make_ctx: MakeContext, bare_venv: Path) -> None:
    result = check_requirements(make_ctx(bare_venv))
    assert result.status is Status.SKIP
    assert result.summary == "no AIMET distribution is installed"
