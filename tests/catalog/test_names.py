"""Wheel names: legacy versions parse, tags come from packaging.tags."""

from __future__ import annotations

import pytest
from packaging.tags import Tag

from aimetenv.catalog.names import is_compatible, parse_wheel_name, tags_text
from aimetenv.envs.facts import assumed_facts


@pytest.mark.parametrize(
    ("filename", "pep440", "version"),
    [
        (
            "AimetCommon-torch_cpu_1.16.2.py37-cp37-cp37m-linux_x86_64.whl",
            False,
            "torch_cpu_1.16.2.py37",
        ),
        ("aimet_torch-1.34.0.cu121-cp310-cp310-manylinux_2_34_x86_64.whl", False, "1.34.0.cu121"),
        ("AimetCommon-1.13.0-py3-none-any.whl", True, "1.13.0"),
        ("aimet_onnx-2.42.0-cp310-abi3-manylinux_2_34_x86_64.whl", True, "2.42.0"),
        ("aimet_torch-2.9.0+cpu-py38-none-any.whl", True, "2.9.0+cpu"),
    ],
)
def test_parse(filename: str, pep440: bool, version: str) -> None:
    name = parse_wheel_name(filename)
    assert name.pep440 is pep440
    assert name.version == version
    assert name.tags


@pytest.mark.parametrize("bad", ["x.zip", "a-b.whl", "nothing"])
def test_not_a_wheel(bad: str) -> None:
    with pytest.raises(ValueError, match="not a wheel file name"):
        parse_wheel_name(bad)


def test_compatibility_uses_tag_sets() -> None:
    py37 = assumed_facts((3, 7), glibc=(2, 36), machine="x86_64").supported_tags()
    py311 = assumed_facts((3, 11), glibc=(2, 36), machine="x86_64").supported_tags()
    legacy = parse_wheel_name("AimetCommon-torch_cpu_1.16.2.py37-cp37-cp37m-linux_x86_64.whl").tags
    abi3 = parse_wheel_name("aimet_onnx-2.42.0-cp310-abi3-manylinux_2_34_x86_64.whl").tags
    assert is_compatible(legacy, py37)
    assert not is_compatible(legacy, py311)
    assert is_compatible(abi3, py311)
    old_glibc = assumed_facts((3, 11), glibc=(2, 31), machine="x86_64").supported_tags()
    assert not is_compatible(abi3, old_glibc)
    assert tags_text([Tag("cp37", "cp37m", "linux_x86_64")]) == "cp37-cp37m-linux_x86_64"
