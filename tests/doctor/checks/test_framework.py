from __future__ import annotations

import subprocess  # noqa: TID251  # builds a real shared object for a fake torchvision
from typing import TYPE_CHECKING

import pytest

from aimetenv.doctor.checks.framework import check_framework, same_version, torchvision_pairs
from aimetenv.doctor.context import DoctorSettings
from aimetenv.doctor.model import Status
from support.doctor_envs import (
    TORCH_SYMBOL,
    add_distribution,
    framework_build_env,
    write_test_receipt,
)
from support.envs import site_packages

if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path

    from support.doctor_envs import MakeContext


def test_legacy_pins_missing_torch(make_ctx: MakeContext, plain_legacy_env: Path) -> None:
    result = check_framework(make_ctx(plain_legacy_env))
    assert result.status is Status.FAIL
    assert result.summary.startswith("torch is not installed (1.16.2.py37 torch-cpu needs it)")
    python = plain_legacy_env / "bin" / "python"
    assert result.hint == (
        f"{python} -m pip install torch==1.7.1+cpu -f https://download.pytorch.org/whl/torch_stable.html"
    )


def cuda_torchvision(tmp_path: Path) -> bytes:
    """A torchvision ``_C.so`` that links CUDA libraries, as PyPI's CUDA build does."""
    for name in ("libtorch_cuda.so", "libcudart.so.13"):
        subprocess.run(
            ["gcc", "-shared", "-fPIC", "-x", "c", "-", "-o", str(tmp_path / name),
             f"-Wl,-soname,{name}"],
            input="int stub(void) { return 0; }\n", text=True, check=True,
        )  # fmt: skip
    out = tmp_path / "_C.so"
    subprocess.run(
        ["gcc", "-shared", "-fPIC", "-x", "c", "-", "-o", str(out), f"-L{tmp_path}",
         "-Wl,--no-as-needed", "-ltorch_cuda", "-l:libcudart.so.13"],
        input="int vision(void) { return 0; }\n", text=True, check=True,
    )  # fmt: skip
    return out.read_bytes()


@pytest.fixture
def mixed_torch(fake_env: Callable[..., Path], tmp_path: Path) -> Path:
    """torch 2.13.0+cpu next to torchvision 0.28.0 from PyPI (a CUDA build)."""
    prefix = fake_env()
    site = site_packages(prefix)
    add_distribution(site, "torch", "2.13.0+cpu", {"torch/__init__.py": "", "torch/lib/.keep": ""})
    add_distribution(
        site,
        "torchvision",
        "0.28.0",
        {"torchvision/__init__.py": "", "torchvision/_C.so": cuda_torchvision(tmp_path)},
    )
    add_distribution(site, "onnx", "1.23.2", {"onnx/__init__.py": ""})
    add_distribution(site, "onnxruntime", "1.32.0", {"onnxruntime/__init__.py": ""})
    return prefix


def test_cuda_torchvision_next_to_cpu_torch_for_onnx(
    make_ctx: MakeContext, mixed_torch: Path
) -> None:
    ctx = make_ctx(mixed_torch, settings=DoctorSettings(release_override=("2.42.0", "onnx-cpu")))
    result = check_framework(ctx)
    assert result.status is Status.WARN
    assert result.summary == (
        "torchvision 0.28.0 (cuda build) next to torch 2.13.0+cpu (cpu build): import torchvision "
        "would fail; aimet_onnx does not import it, so AIMET works"
    )
    assert result.facts["torchvision_build"] == "cuda"
    assert result.facts["torch_build"] == "cpu"


def test_cuda_torchvision_next_to_cpu_torch_for_torch(
    make_ctx: MakeContext, mixed_torch: Path
) -> None:
    ctx = make_ctx(mixed_torch, settings=DoctorSettings(release_override=("2.42.0", "torch-cpu")))
    result = check_framework(ctx)
    assert result.status is Status.FAIL
    assert "operator torchvision::nms does not exist" in result.summary
    assert result.hint is not None
    assert (
        "--index-url https://download.pytorch.org/whl/cpu torch==2.13.0+cpu torchvision"
        in result.hint
    )


def test_both_onnxruntimes(make_ctx: MakeContext, fake_env: Callable[..., Path]) -> None:
    prefix = fake_env()
    site = site_packages(prefix)
    for name in ("onnx", "onnxruntime", "onnxruntime-gpu"):
        add_distribution(site, name, "1.19.2")
    ctx = make_ctx(prefix, settings=DoctorSettings(release_override=("2.42.0", "onnx-gpu")))
    result = check_framework(ctx)
    assert result.status is Status.WARN
    assert result.summary.startswith("onnxruntime and onnxruntime-gpu are both installed")


@pytest.mark.parametrize(
    ("installed", "pinned", "same"),
    [("1.7.1+cpu", "1.7.1+cpu", True), ("1.7.1", "1.7.1+cpu", False), ("2.1.2", "2.1.2", True)],
)
def test_same_version(installed: str, pinned: str, same: bool) -> None:
    assert same_version(installed, pinned) is same


@pytest.mark.parametrize(
    ("torch", "vision", "pairs"),
    [
        ("1.7.1+cpu", "0.8.2+cpu", True),
        ("1.13.1", "0.14.1", True),
        ("2.1.2+cu121", "0.16.2+cu121", True),
        ("2.13.0+cpu", "0.28.0", True),
        ("2.13.0", "0.27.0", False),
        ("3.0.0", "0.1.0", None),
    ],
)
def test_torchvision_pairs(torch: str, vision: str, pairs: bool | None) -> None:
    assert torchvision_pairs(torch, vision) is pairs


@pytest.mark.parametrize(
    ("loads", "status", "words"),
    [
        (False, Status.FAIL, "and AIMET's _C"),
        (True, Status.WARN, "AIMET's compiled extensions (1) still load with it"),
    ],
)
def test_torch_outside_the_pin_fails_only_when_the_extension_does_not_load(
    make_ctx: MakeContext, tmp_path: Path, loads: bool, status: Status, words: str
) -> None:
    """A real extension linking the torch stand-in's libc10.so is loaded in the target."""
    prefix = framework_build_env(tmp_path, symbol_in_installed_torch=loads)
    ctx = make_ctx(prefix, settings=DoctorSettings(release_override=("1.33.0", "torch-cpu")))
    result = check_framework(ctx)
    line = next(d for d in result.details if "torch 2.3.0 is installed" in d)
    assert line.startswith(
        f"{status.value}: torch 2.3.0 is installed; 1.33.0 was built and tested with 2.1.2+cpu"
    )
    assert words in line
    if not loads:
        assert f"undefined symbol: {TORCH_SYMBOL}" in line
    python = prefix / "bin" / "python"
    assert line.endswith(
        f"fix: {python} -m pip install -f https://download.pytorch.org/whl/torch_stable.html "
        "torch==2.1.2+cpu"
    )


def test_the_fix_pairs_torchvision_from_the_table_and_the_receipts_index(
    make_ctx: MakeContext, fake_env: Callable[..., Path]
) -> None:
    prefix = fake_env()
    site = site_packages(prefix)
    add_distribution(site, "torch", "2.1.2", {"torch/__init__.py": ""})
    add_distribution(site, "torchvision", "0.18.0", {"torchvision/__init__.py": ""})
    index = "http://127.0.0.1:9/whl/cpu"
    write_test_receipt(
        prefix, tag="2.42.0", variant="onnx-cpu", python_version="3.11.7", source="pypi",
        steps=({"kind": "framework", "requirements": ["torch", "torchvision"],
                "pip_args": ["--index-url", index]},),
    )  # fmt: skip
    result = check_framework(make_ctx(prefix))
    line = next(d for d in result.details if "does not belong to torch" in d)
    assert line == (
        "warn: torchvision 0.18.0 does not belong to torch 2.1.2; fix: "
        f"{prefix / 'bin' / 'python'} -m pip install --index-url {index} torch==2.1.2 "
        "torchvision==0.16.2"
    )
