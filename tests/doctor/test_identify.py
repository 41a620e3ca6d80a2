"""Recognising the release and variant from installed distributions, across AIMET's eras."""

from __future__ import annotations

from typing import Literal

import pytest

from aimetenv.catalog.load import load_catalog
from aimetenv.doctor.identify import aimet_distributions, identify


def dists(*pairs: tuple[str, str]) -> dict[str, dict[str, str]]:
    return {
        name.lower().replace("_", "-"): {"name": name, "version": version, "location": "/site"}
        for name, version in pairs
    }


@pytest.mark.parametrize(
    ("installed", "hint", "expected"),
    [
        (
            [("AimetCommon", "torch_cpu_1.16.2.py37"), ("AimetTorch", "torch_cpu_1.16.2.py37"),
             ("Aimet", "torch_cpu_1.16.2.py37")],
            {},
            ("1.16.2.py37", "torch-cpu", "github"),
        ),
        ([("aimet-torch", "1.34.0.cu121")], {}, ("1.34.0", "torch-gpu", "github")),
        ([("aimet-torch", "1.34.0.cu117")], {}, ("1.34.0", "torch-gpu-pt113", "github")),
        ([("aimet-torch", "1.34.0.cpu")], {}, ("1.34.0", "torch-cpu", "github")),
        ([("aimet-onnx", "2.42.0")], {"onnx": "cpu"}, ("2.42.0", "onnx-cpu", "pypi")),
        ([("aimet-onnx", "2.42.0")], {"onnx": "gpu"}, ("2.42.0", "onnx-gpu", "pypi")),
        ([("aimet-torch", "2.19.0+cu121")], {}, ("2.19.0", "torch-gpu", "github")),
        ([("aimet-torch", "2.42.0")], {"torch": "cpu"}, ("2.42.0", "torch-cpu", "pypi")),
    ],
)  # fmt: skip
def test_identify(
    installed: list[tuple[str, str]],
    hint: dict[str, Literal["cpu", "gpu"]],
    expected: tuple[str, str, str],
) -> None:
    catalog = load_catalog(None)
    found, reason = identify(aimet_distributions(dists(*installed)), catalog, accelerator_hint=hint)
    assert found is not None, reason
    assert (found.tag, found.variant, found.source) == expected


def test_look_alikes_are_not_a_release() -> None:
    installed = aimet_distributions(dists(("aimet", "0.0.1"), ("aimet-tensorflow", "0.0.1")))
    assert [d.role for d in installed] == ["unrelated", "placeholder"]
    found, reason = identify(installed, load_catalog(None), accelerator_hint={})
    assert found is None
    assert "aimet 0.0.1" in reason
    assert "is not one" in reason


def test_unknown_release_says_how_to_learn_it() -> None:
    installed = aimet_distributions(dists(("aimet-onnx", "9.9.9")))
    found, reason = identify(installed, load_catalog(None), accelerator_hint={})
    assert found is None
    assert "9.9.9" in reason
    assert "aimetenv releases --refresh" in reason


def test_nothing_installed() -> None:
    found, reason = identify([], load_catalog(None), accelerator_hint={})
    assert found is None
    assert reason == "no AIMET distribution is installed"
