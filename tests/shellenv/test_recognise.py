"""Recognising the installed release from distribution names and versions: values in, values out."""

from __future__ import annotations

import pytest

from aimetenv.shellenv.recognise import identify_release, parse_distribution

# --- recognising a release ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "version", "tag", "variant", "accelerator", "assumed"),
    [
        ("AimetTorch", "torch_cpu_1.16.2.py37", "1.16.2.py37", "torch-cpu", "cpu", False),
        ("AimetCommon", "torch_gpu_1.18.0", "1.18.0", "torch-gpu", "gpu", False),
        ("AimetTensorflow", "tf_gpu_tf115_1.22.1", "1.22.1", "tf-gpu-tf115", "gpu", False),
        ("AimetTorch", "1.13.0", "1.13.0", None, "gpu", True),  # era A: GPU-only builds
        ("aimet-torch", "torch-gpu-1.31.0", "1.31.0", "torch-gpu", "gpu", False),
        ("aimet_torch", "1.34.0.cu121", "1.34.0", "torch-gpu", "gpu", False),
        ("aimet_torch", "1.34.0.cpu", "1.34.0", "torch-cpu", "cpu", False),
        ("aimet_torch_gpu", "1.32.0", "1.32.0", "torch-gpu", "gpu", False),
        ("aimet_torch_cpu_pt21", "1.32.0", "1.32.0", "torch-cpu-pt21", "cpu", False),
        ("aimet-torch", "1.32.1.post1", "1.32.1.post1", None, "gpu", True),
        ("aimet-onnx", "2.0.0+cpu", "2.0.0", "onnx-cpu", "cpu", False),
        ("aimet-onnx", "2.0.1+cu121", "2.0.1", "onnx-gpu", "gpu", False),
        ("aimet-torch", "2.42.0", "2.42.0", None, "gpu", True),
    ],
)
def test_parse_distribution(
    name: str, version: str, tag: str, variant: str | None, accelerator: str, assumed: bool
) -> None:
    release = parse_distribution(name, version)
    assert release is not None
    assert (release.tag, release.variant, release.accelerator, release.assumed_gpu) == (
        tag,
        variant,
        accelerator,
        assumed,
    )


@pytest.mark.parametrize(
    ("name", "version"),
    [
        ("aimet", "0.0.1"),  # an unrelated meteorology package on PyPI
        ("aimet-tensorflow", "0.0.1"),  # Qualcomm's empty placeholder
        ("aimet-onnx", "0.0.2"),  # yanked trial release
        ("torch", "1.7.1+cpu"),
        ("Aimet", "torch_cpu_1.16.2.py37"),  # the meta package names no framework
    ],
)
def test_not_aimet_releases(name: str, version: str) -> None:
    assert parse_distribution(name, version) is None


def test_framework_package_wins_over_common_and_mixes_are_noted() -> None:
    release, notes = identify_release(
        [("AimetCommon", "torch_cpu_1.16.2.py37"), ("AimetTorch", "torch_cpu_1.16.2.py37")]
    )
    assert release is not None
    assert release.distribution.startswith("AimetTorch")
    assert notes == ()
    release, notes = identify_release([("aimet-torch", "2.42.0"), ("AimetCommon", "1.16.0")])
    assert release is not None
    assert release.tag == "2.42.0"
    assert len(notes) == 1
    assert "1.16.0" in notes[0]
