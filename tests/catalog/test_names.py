"""AIMET's names, every era: release tags, distribution names and versions, wheel file names.

Pure tables: each row is a name AIMET really published (or a look-alike that must be refused)
and what aimetenv reads from it.
"""

from __future__ import annotations

from typing import Any

import pytest
from packaging.tags import Tag
from packaging.version import Version

from aimetenv.catalog.names import (
    DistName,
    classify,
    classify_tags,
    is_compatible,
    is_release_tag,
    parse_dist_name,
    parse_dist_version,
    parse_wheel_name,
    release_version,
    tag_version,
    tags_text,
    wheel_fields,
)
from aimetenv.envs.facts import assumed_facts

# --- release tags ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("tag", "shaped", "version"),
    [
        ("1.16.2", True, "1.16.2"),
        ("1.16.2.py37", True, "1.16.2"),
        ("1.32.1.post1", True, "1.32.1.post1"),
        ("2.42.0", True, "2.42.0"),
        ("2.0", False, "2.0"),  # a bare develop tag, not a release
        ("2.42.0rc1", False, "2.42.0rc1"),
        ("v2.42.0", False, "2.42.0"),  # PEP 440 allows the v, the catalog's tags do not
        ("latest", False, None),
    ],
)
def test_release_tags(tag: str, shaped: bool, version: str | None) -> None:
    assert is_release_tag(tag) is shaped
    assert tag_version(tag) == (None if version is None else Version(version))


def test_release_version_of_a_py37_tag_is_the_release() -> None:
    assert release_version("1.16.2.py37") == Version("1.16.2")


# --- distribution names ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("AimetCommon", DistName("aimetcommon", "common")),
        ("AimetTorch", DistName("aimettorch", "torch")),
        ("AimetTensorflow", DistName("aimettensorflow", "tf")),
        ("AimetOnnx", DistName("aimetonnx", "onnx")),
        ("Aimet", DistName("aimet", None)),  # the 1.x meta package, or PyPI's unrelated 'aimet'
        ("aimet_torch", DistName("aimet-torch", "torch")),
        ("aimet-onnx", DistName("aimet-onnx", "onnx")),
        ("aimet-tensorflow", DistName("aimet-tensorflow", "tf")),
        ("aimet_tf", DistName("aimet-tf", "tf")),
        ("aimet-common", DistName("aimet-common", "common")),
        ("aimet_torch_gpu", DistName("aimet-torch-gpu", "torch", "torch-gpu")),  # 1.32.0
        ("aimet_torch_cpu_pt21", DistName("aimet-torch-cpu-pt21", "torch", "torch-cpu-pt21")),
        ("aimet_tf_gpu", DistName("aimet-tf-gpu", "tf", "tf-gpu")),
        ("torch", None),
        ("aimetx", None),
        ("aimet-torch-extras", None),
    ],
)
def test_distribution_names(name: str, expected: DistName | None) -> None:
    assert parse_dist_name(name) == expected


# --- distribution versions ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("version", "expected"),
    [
        ("torch_cpu_1.16.2.py37", ((1, 16, 2), "1.16.2.py37", "torch_cpu", None, True)),
        ("tf_gpu_1.22.2", ((1, 22, 2), "1.22.2", "tf_gpu", None, True)),
        ("tf_gpu_tf115_1.22.1", ((1, 22, 1), "1.22.1", "tf_gpu_tf115", None, True)),
        ("torch_gpu_pt113_1.28.0", ((1, 28, 0), "1.28.0", "torch_gpu_pt113", None, True)),
        ("tf_torch_gpu_1.13.0", ((1, 13, 0), "1.13.0", "tf_torch_gpu", None, True)),
        ("torch-gpu-1.31.0", ((1, 31, 0), "1.31.0", "torch-gpu", None, True)),
        ("1.34.0.cu121", ((1, 34, 0), "1.34.0", None, "cu121", True)),
        ("1.34.0.cpu", ((1, 34, 0), "1.34.0", None, "cpu", True)),
        ("2.19.0+cu121", ((2, 19, 0), "2.19.0", None, "cu121", True)),
        ("2.0.0+cpu", ((2, 0, 0), "2.0.0", None, "cpu", True)),
        ("2.42.0", ((2, 42, 0), "2.42.0", None, None, True)),
        ("1.32.1.post1", ((1, 32, 1), "1.32.1.post1", None, None, True)),
        ("0.0.1", ((0, 0, 1), "0.0.1", None, None, True)),
        # Not one of AIMET's forms: the parts are still read, but the version is not exact.
        ("2.43.0.dev0", ((2, 43, 0), "2.43.0", None, None, False)),
        ("1.32.1.post1.cu118", ((1, 32, 1), "1.32.1.post1", None, "cu118", False)),
        ("TORCH_CPU_1.16.2", ((1, 16, 2), "1.16.2", "torch_cpu", None, False)),
    ],
)
def test_distribution_versions(version: str, expected: tuple[Any, ...]) -> None:
    found = parse_dist_version(version)
    assert found is not None
    assert (found.release, found.tag, found.token, found.local, found.exact) == expected


@pytest.mark.parametrize("version", ["not-a-version", "1.7", ""])
def test_versions_without_a_release(version: str) -> None:
    assert parse_dist_version(version) is None


# --- wheel file names --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("filename", "fields"),
    [
        ("AimetCommon-torch_cpu_1.16.2.py37-cp37-cp37m-linux_x86_64.whl",
         ("AimetCommon", "torch_cpu_1.16.2.py37", "cp37-cp37m-linux_x86_64")),
        ("aimet_onnx-2.42.0-cp310-abi3-manylinux_2_34_x86_64.whl",
         ("aimet_onnx", "2.42.0", "cp310-abi3-manylinux_2_34_x86_64")),
        ("a-b-c-d.whl", None),
        ("aimet_onnx-2.42.0.tar.gz", None),
    ],
)  # fmt: skip
def test_wheel_fields(filename: str, fields: tuple[str, str, str] | None) -> None:
    assert wheel_fields(filename) == fields


@pytest.mark.parametrize(
    ("filename", "tags"),
    [
        (
            "aimet_onnx-2.42.0-cp310-abi3-manylinux_2_34_x86_64.whl",
            "cp310-abi3-manylinux_2_34_x86_64",
        ),
        ("aimet_torch-2.9.0+cpu-py38-none-any.whl", "py38-none-any"),
        ("aimet_onnx-2.39.0+cpu-cp310-abi3-win_amd64.whl", None),
        ("aimet_onnx-2.39.0-cp310-abi3-macosx_11_0_arm64.whl", None),
    ],
)
def test_linux_tags(filename: str, tags: str | None) -> None:
    assert classify_tags(filename) == tags


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


# --- AIMET wheel files ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("AimetCommon-torch_cpu_1.16.2.py37-cp37-cp37m-linux_x86_64.whl",
         ("AimetCommon", "torch_cpu", None, "1.16.2.py37", "cpu")),
        ("AimetTorch-torch_gpu_pt113_1.26.0-cp38-cp38-linux_x86_64.whl",
         ("AimetTorch", "torch_gpu_pt113", None, "1.26.0", "gpu")),
        ("Aimet-1.13.0-py3-none-any.whl", ("Aimet", "tf_torch_gpu", None, "1.13.0", "gpu")),
        ("aimet_torch-torch_cpu_1.31.0-cp38-cp38-linux_x86_64.whl",
         ("aimet_torch", "torch_cpu", None, "1.31.0", "cpu")),
        ("aimet_tf_gpu-1.32.0-cp310-cp310-manylinux_2_34_x86_64.whl",
         ("aimet_tf", "tf_gpu", None, "1.32.0", "gpu")),
        ("aimet_tensorflow-1.34.0.cu118-cp310-cp310-manylinux_2_34_x86_64.whl",
         ("aimet_tf", None, "cu118", "1.34.0", "gpu")),
        ("aimet_torch-2.9.0+cpu-py38-none-any.whl", ("aimet_torch", None, "cpu", "2.9.0", "cpu")),
        ("aimet_onnx-2.40.0-cp310-abi3-manylinux_2_34_x86_64.whl",
         ("aimet_onnx", None, None, "2.40.0", "gpu")),
        ("aimet_torch-1.32.1.post1-cp310-cp310-manylinux_2_32_x86_64.whl",
         ("aimet_torch", None, None, "1.32.1.post1", "gpu")),
    ],
)  # fmt: skip
def test_classify_reads_every_era(name: str, expected: tuple[Any, ...]) -> None:
    key = classify(name)
    assert key is not None
    assert (key.role, key.token, key.local, key.version, key.accelerator) == expected
    assert key.linux


@pytest.mark.parametrize(
    "name",
    ["torch-2.5.1+cpu-cp310-cp310-linux_x86_64.whl", "aimet_onnx-0.0.1.tar.gz", "README.md",
     "aimet_onnx-notaversion-cp310-abi3-manylinux_2_34_x86_64.whl"],
)  # fmt: skip
def test_classify_ignores_other_files(name: str) -> None:
    assert classify(name) is None


def test_windows_builds_are_not_linux() -> None:
    key = classify("aimet_onnx-2.39.0+cpu-cp310-abi3-win_amd64.whl")
    assert key is not None
    assert not key.linux
