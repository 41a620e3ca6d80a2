"""The PyPI part of the catalog and ``scripts/pypi-catalog``, against a loopback PyPI JSON API."""

from __future__ import annotations

import json
import runpy
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable

import pytest
from packaging.version import Version

from aimetenv.catalog.load import load_catalog, packaged_catalog_text, parse_catalog
from aimetenv.catalog.pypisection import MARKER, served_variants
from aimetenv.catalog.releaseapi import PYPI_FILES, file_url
from support.releasehost import ReleaseHost

if TYPE_CHECKING:
    from collections.abc import Iterator

DATA = Path(__file__).resolve().parents[1] / "data" / "refresh"
SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "pypi-catalog"
CATALOG = load_catalog()


def fixture(name: str) -> Any:
    return json.loads((DATA / name).read_text())


@pytest.fixture
def pypi(tmp_path: Path) -> Iterator[ReleaseHost]:
    with ReleaseHost(tmp_path / "pypi") as host:
        host.serve_json("pypi/aimet-torch/json", fixture("pypi-aimet-torch.json"))
        host.serve_json("pypi/aimet-onnx/json", fixture("pypi-aimet-onnx.json"))
        empty = {"filename": "aimet_tensorflow-0.0.1-py3-none-any.whl", "yanked": False}
        placeholder = {"info": {"name": "aimet-tensorflow"}, "releases": {"0.0.1": [empty]}}
        host.serve_json("pypi/aimet-tensorflow/json", placeholder)
        yield host


def script() -> Callable[[list[str]], int]:
    namespace = runpy.run_path(str(SCRIPT), run_name="pypi_catalog")
    return namespace["main"]  # type: ignore[no-any-return]


def copy_of_catalog(tmp_path: Path) -> Path:
    path = tmp_path / "catalog.yaml"
    path.write_text(packaged_catalog_text(), encoding="utf-8")
    return path


def test_the_script_rewrites_only_the_pypi_part(tmp_path: Path, pypi: ReleaseHost) -> None:
    path = copy_of_catalog(tmp_path)
    before = path.read_text()
    args = ["--catalog", str(path), "--pypi-url", pypi.url("pypi")]
    assert script()(args) == 0
    after = path.read_text()
    assert after.split(MARKER)[0] == before.split(MARKER)[0], "the hand-written part stays"
    catalog = parse_catalog(after, str(path))
    release = catalog.get("2.44.0")
    assert release is not None, "a version only PyPI has becomes a release"
    assert (release.hosting, release.date) == (("pypi",), "2026-12-14")
    onnx = release.variants["onnx-cpu"].pypi
    assert onnx is not None
    (published,) = onnx.files
    raw = fixture("pypi-aimet-onnx.json")["releases"]["2.44.0"][0]
    assert (published.filename, published.url, published.size, published.sha256) == (
        raw["filename"],
        raw["url"],
        raw["size"],
        raw["digests"]["sha256"],
    ), "the Windows wheel is left out"
    refused = {(r.project, r.version): r.reason for r in catalog.refused}
    assert refused == {
        ("aimet-onnx", "0.0.1"): "yanked on PyPI (This was a non-functional trial release)",
        ("aimet-tensorflow", "0.0.1"): refused[("aimet-tensorflow", "0.0.1")],
        ("aimet-torch", "2.46.0"): refused[("aimet-torch", "2.46.0")],
    }
    assert refused[("aimet-tensorflow", "0.0.1")].startswith("a placeholder upload")
    assert refused[("aimet-torch", "2.46.0")].startswith("yanked on PyPI")
    assert catalog.get("2.46.0") is None


def test_the_script_is_deterministic_and_check_says_when_it_is_stale(
    tmp_path: Path, pypi: ReleaseHost
) -> None:
    path = copy_of_catalog(tmp_path)
    args = ["--catalog", str(path), "--pypi-url", pypi.url("pypi")]
    assert script()([*args, "--check"]) == 1, "the packaged catalog is PyPI's, not the fixture's"
    assert script()(args) == 0
    first = path.read_text()
    assert script()(args) == 0
    assert path.read_text() == first
    assert script()([*args, "--check"]) == 0


def test_the_script_leaves_the_catalog_when_pypi_does_not_answer(
    tmp_path: Path, pypi: ReleaseHost, capsys: pytest.CaptureFixture[str]
) -> None:
    path = copy_of_catalog(tmp_path)
    before = path.read_text()
    pypi.gone("pypi/aimet-torch/json", status=403)
    assert script()(["--catalog", str(path), "--pypi-url", pypi.url("pypi")]) == 3
    assert path.read_text() == before
    assert "answered 403" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("project", "version", "expected"),
    [
        ("aimet-torch", "1.33.0", ["torch-gpu"]),
        ("aimet-torch", "2.3.0", ["torch-gpu"]),
        ("aimet-torch", "2.4.0", ["torch-cpu", "torch-gpu"]),
        ("aimet-onnx", "2.0.0", ["onnx-gpu"]),
        ("aimet-onnx", "2.1.0", ["onnx-cpu", "onnx-gpu"]),
        ("aimet-tensorflow", "0.0.1", []),
    ],
)
def test_which_variants_a_pypi_release_serves(
    project: str, version: str, expected: list[str]
) -> None:
    assert sorted(served_variants(project, Version(version))) == expected


def test_onnxruntime_gpu_step_from_2_8() -> None:
    assert "replace" not in served_variants("aimet-onnx", Version("2.7.0"))["onnx-gpu"]
    assert served_variants("aimet-onnx", Version("2.8.0"))["onnx-gpu"]["replace"] == {
        "onnxruntime": "onnxruntime-gpu"
    }


def test_every_non_yanked_pypi_version_is_a_release_with_its_files() -> None:
    text = packaged_catalog_text()
    section = parse_catalog(text, "(packaged)")
    assert section.refusal("2.0.16") is not None
    with_files = [
        (r.tag, v.id)
        for r in CATALOG.releases
        for v in r.variants.values()
        if v.pypi is not None and v.pypi.files
    ]
    assert len({tag for tag, _ in with_files}) == 57
    for release in CATALOG.releases:
        for variant in release.variants.values():
            if variant.pypi is not None:
                assert variant.pypi.files, f"{release.tag} {variant.id} has no PyPI files"
                assert all(f.url.startswith(PYPI_FILES) for f in variant.pypi.files)


def test_the_cpython_310_only_builds_keep_the_stricter_range() -> None:
    release = CATALOG.get("2.19.0")
    assert release is not None
    source = release.variants["torch-gpu"].pypi
    assert source is not None
    assert {f.requires_python for f in source.files} == {">=3.8"}
    assert source.python == "==3.10.*"
    assert source.python_reason is not None
    assert "CPython 3.10 only" in source.python_reason


def test_a_relative_file_url_becomes_pypis_file_host() -> None:
    blake = "37" + "0f" + "a" * 60
    name = "aimet_onnx-2.42.0-cp310-abi3-manylinux_2_34_x86_64.whl"
    raw = f"../../packages/packages/37/0f/{'a' * 60}/{name}"
    doc = "https://mirror.example/pypi/aimet-onnx/json"
    assert file_url(doc, raw, name, blake) == f"{PYPI_FILES}/37/0f/{'a' * 60}/{name}"
    assert (
        file_url(doc, "../files/x.whl", "x.whl", None) == "https://mirror.example/pypi/files/x.whl"
    )
    assert file_url(doc, "https://h.example/x.whl", "x.whl", blake) == "https://h.example/x.whl"
