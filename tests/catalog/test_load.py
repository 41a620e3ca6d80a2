"""The packaged catalog loads, covers every release, and a malformed entry names itself."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

import pytest
import yaml
from packaging.specifiers import SpecifierSet
from packaging.version import Version

from aimetenv.catalog.load import load_catalog, merge_overlay, packaged_catalog_text, parse_catalog
from aimetenv.catalog.model import Release
from aimetenv.catalog.names import parse_wheel_name
from aimetenv.catalog.pypisection import MARKER
from aimetenv.errors import CatalogError

if TYPE_CHECKING:
    from pathlib import Path

    from aimetenv.catalog.model import Catalog

CATALOG = load_catalog()
RELEASES = CATALOG.releases
IDS = [r.tag for r in RELEASES]

# Every GitHub tag of quic/aimet (the git snapshot), the .py37 builds, and the later/PyPI-only ones.
GIT_TAGS = [
    "1.13.0",
    "1.14.0",
    "1.16.0",
    "1.16.1",
    "1.16.1.py37",
    "1.16.2",
    "1.16.2.py37",
    "1.17.0",
    "1.17.0.py37",
    "1.18.0",
    "1.18.0.py37",
    "1.19.1",
    "1.19.1.py37",
    "1.20.0",
    "1.21.0",
    "1.22.0",
    "1.22.1",
    "1.22.2",
    "1.23.0",
    "1.24.0",
    "1.25.0",
    "1.26.0",
    "1.26.1",
    "1.27.0",
    "1.28.0",
    "1.28.1",
    "1.29.0",
    "1.30.0",
    "1.31.0",
    "1.31.2",
    "1.32.0",
    "1.33.0",
    "1.33.5",
    "1.34.0",
]
PYPI_ONLY = ("1.30.1", "1.31.1", "1.32.1", "1.32.1.post1", "1.32.2", "2.0.1")


def test_every_release_from_1_13_to_2_42_is_present() -> None:
    tags = set(IDS)
    assert set(GIT_TAGS) <= tags
    assert set(PYPI_ONLY) <= tags
    assert {"1.35.0", "1.35.1"} <= tags
    for minor in range(43):
        assert f"2.{minor}.0" in tags, f"2.{minor}.0 missing"
    assert IDS[0] == "1.13.0"
    assert IDS[-1] == "2.42.0"


def test_releases_are_sorted_and_unique() -> None:
    versions = [r.version for r in RELEASES]
    assert versions == sorted(versions)
    assert len(IDS) == len(set(IDS))


def test_stray_two_part_tags_are_not_releases() -> None:
    assert set(CATALOG.non_releases) == {"2.0", "2.1"}
    assert CATALOG.get("2.0") is None
    assert "not AIMET 2.0.0" in CATALOG.non_releases["2.0"]


@pytest.mark.parametrize("release", RELEASES, ids=IDS)
def test_release_entry_is_consistent(release: object) -> None:
    assert isinstance(release, Release)
    assert release.era in CATALOG.eras
    assert release.variants
    for variant in release.variants.values():
        sources = [s for s in (variant.github, variant.pypi) if s is not None]
        assert sources, f"{release.tag} {variant.id} has no source"
        if variant.github is not None:
            assert "github" in release.hosting
        if variant.pypi is not None:
            assert "pypi" in release.hosting
        for source in sources:
            assert source.evidence
            if source.python is not None:
                SpecifierSet(source.python)
            default = source.python_default or release.python_default
            assert default is not None, f"{release.tag} {variant.id}: no default Python"
            if source.python is not None:
                assert Version(default + ".0") in SpecifierSet(source.python), (
                    release.tag,
                    variant.id,
                )


@pytest.mark.parametrize("release", RELEASES, ids=IDS)
def test_wheel_names_carry_the_tag_and_a_pip_bound_when_legacy(release: object) -> None:
    assert isinstance(release, Release)
    base = str(release.version)
    for variant in release.variants.values():
        if variant.github is None:
            continue
        names = [parse_wheel_name(w.filename) for w in variant.github.wheels]
        for name in names:
            assert base in name.version or release.tag in name.version, name.filename
        legacy = any(not n.pep440 for n in names)
        # Wheels whose version is not PEP 440 need pip < 24.1; valid ones must not be held back.
        assert (variant.github.pip == "<24.1") == legacy, (release.tag, variant.id)


@pytest.mark.parametrize("release", [r for r in RELEASES if r.tag.endswith(".py37")], ids=str)
def test_py37_builds_are_cp37m(release: object) -> None:
    assert isinstance(release, Release)
    assert release.python == "==3.7.*"
    for variant in release.variants.values():
        assert variant.github is not None
        for wheel in variant.github.wheels:
            assert wheel.filename.endswith("-cp37-cp37m-linux_x86_64.whl")


def test_framework_pins_carry_cuda_local_tags() -> None:
    pins = CATALOG.get("1.19.1")
    assert pins is not None
    gpu = pins.variants["torch-gpu"].github
    cpu = pins.variants["torch-cpu"].github
    assert gpu is not None
    assert cpu is not None
    assert gpu.pins["torch"] == "1.9.1+cu111"
    assert cpu.pins["torch"] == "1.9.1+cpu"
    assert pins.variants["torch-gpu"].cuda == "11.0"


def test_tf_ends_at_2_14() -> None:
    with_tf = [r.tag for r in RELEASES if "tf-gpu" in r.variants]
    assert with_tf[-1] == "2.14.0"


def test_pure_python_torch_from_2_30() -> None:
    rule = CATALOG.libpymo_rule(Version("2.30.0"), "torch")
    assert rule is not None
    assert rule.native is None
    onnx = CATALOG.libpymo_rule(Version("2.30.0"), "onnx")
    assert onnx is not None
    assert onnx.native == "{pkg}.common._libpymo"


def test_packaged_yaml_parses_with_the_plain_loader() -> None:
    data = yaml.safe_load(packaged_catalog_text())
    assert data["schema"] == 1
    tags = {r["tag"] for r in data["releases"]} | {r["version"] for r in data["pypi"]["releases"]}
    assert len(tags) == len(RELEASES)


def _broken(old: str, new: str) -> str:
    text = packaged_catalog_text()
    assert old in text, old
    return text.replace(old, new, 1)


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        (
            "- tag: 1.16.2.py37\n",
            "- tag: 1.16.2-py37\n",
            r"release '1.16.2-py37': tag must look like",
        ),
        (
            "AimetCommon-torch_cpu_1.16.2.py37-cp37-cp37m-linux_x86_64.whl",
            "AimetCommon-torch_cpu.zip",
            r"release '1.16.2.py37'.variants.torch-cpu.github.wheels\[0\]: not a wheel file name",
        ),
        ("era: C\n", "era: Z\n", r"\.era: unknown era 'Z'"),
        ("schema: 1\n", "schema: 7\n", r"schema 7 is not supported"),
        ("confidence: verified-asset", "confidence: sure", r"confidence must be one of"),
        (
            "sha256: a3e0652e7799ef9c5739a2f01544e93437e03e73f616d7133903d97ef9e15789",
            "sha256: A3E0",
            r"pypi release '2\.42\.0'\.aimet-onnx\.files\[0\]\.sha256: expected 64 lowercase",
        ),
        (
            "    size: 85032212\n",
            "    size: -1\n",
            r"\.size: expected a positive number of bytes",
        ),
        (
            "          onnx-cpu:\n            torch: cpu-index\n",
            "          onnx-cpu:\n            torch: rocm\n",
            r"onnx-cpu\.torch: expected cpu-index",
        ),
        ("python: ==3.7.*", "python: =3.7", r"not a version specifier"),
        ("      cuda: '11.0'", "      cuda: eleven", r"expected a version like 3.10"),
    ],
)
def test_malformed_entries_name_themselves(old: str, new: str, message: str) -> None:
    with pytest.raises(CatalogError, match=message) as caught:
        parse_catalog(_broken(old, new), "(test)")
    assert caught.value.message.startswith("release catalog (test):")
    assert "\n" not in caught.value.message


def test_invalid_yaml_is_a_catalog_error() -> None:
    with pytest.raises(CatalogError, match="not valid YAML"):
        parse_catalog("schema: [1\n", "(test)")


def test_duplicate_release_is_refused() -> None:
    text = packaged_catalog_text()
    block = text[text.index("- tag: 2.42.0") : text.index(MARKER)]
    doubled = text.replace(MARKER, block + MARKER, 1)
    with pytest.raises(CatalogError, match=r"release '2\.42\.0' is listed twice"):
        parse_catalog(doubled, "(test)")


def _overlay(tmp_path: Path, text: str) -> Catalog:
    path = tmp_path / "overlay.yaml"
    path.write_text(text)
    return load_catalog(path)


def test_overlay_replaces_names_and_adds_digests(tmp_path: Path) -> None:
    digest = "a" * 64
    catalog = _overlay(
        tmp_path,
        f"""
schema: 1
releases:
  - tag: 2.42.0
    variants:
      onnx-cpu:
        github:
          wheels:
          - file: aimet_onnx-2.42.0+cpu-cp310-abi3-manylinux_2_34_x86_64.whl
            quoted: REL test
          confidence: verified-asset
          evidence: REL test
          sha256:
            aimet_onnx-2.42.0+cpu-cp310-abi3-manylinux_2_34_x86_64.whl: {digest}
""",
    )
    release = catalog.get("2.42.0")
    assert release is not None
    github = release.variants["onnx-cpu"].github
    assert github is not None
    assert github.confidence == "verified-asset"
    assert next(iter(github.sha256.values())) == digest
    assert release.variants["onnx-cpu"].pypi is not None, "sources the overlay does not name stay"
    assert catalog.overlay_path == str(tmp_path / "overlay.yaml")


def test_overlay_adds_a_new_release(tmp_path: Path) -> None:
    catalog = _overlay(
        tmp_path,
        """
schema: 1
releases:
  - tag: 2.43.0
    era: M
    hosting: [pypi]
    prefer: pypi
    python_default: '3.10'
    confidence: verified-pypi
    evidence: PYPI test
    variants:
      onnx-cpu:
        pypi:
          requirement: aimet-onnx==2.43.0
          wheel_tags: [cp310-abi3-manylinux_2_34_x86_64]
          confidence: verified-pypi
""",
    )
    assert catalog.releases[-1].tag == "2.43.0"


def test_malformed_overlay_names_the_file(tmp_path: Path) -> None:
    with pytest.raises(CatalogError, match=re.escape(str(tmp_path / "overlay.yaml"))):
        _overlay(tmp_path, "schema: 1\nreleases:\n  - tag: 2.42.0\n    variants: [1]\n")


def test_overlay_with_bad_digest_is_refused() -> None:
    base = load_catalog()
    with pytest.raises(CatalogError, match="expected 64 lowercase hex digits"):
        merge_overlay(
            base,
            """
schema: 1
releases:
  - tag: 2.42.0
    variants:
      onnx-cpu:
        github:
          wheels: [aimet_onnx-2.42.0-cp310-abi3-manylinux_2_34_x86_64.whl]
          confidence: inferred
          evidence: x
          sha256: {aimet_onnx-2.42.0-cp310-abi3-manylinux_2_34_x86_64.whl: nothex}
""",
            "(overlay)",
        )


@pytest.mark.parametrize(
    ("tag", "filename", "sha256"),
    [
        ("2.0.0", "aimet_torch-2.0.0-cp310-none-any.whl",
         "0b1a5992e58879f1af3c2a5f4dc80a77599d31b14c2f5853100553672c346d15"),
        ("2.0.0", "aimet_torch-2.0.0-py38-none-any.whl",
         "e6492a030a7bb52756b6134fb557ce47df098b2d2569068660ca619fcd6fa4ea"),
        ("2.1.0", "aimet_torch-2.1.0-cp310-cp310-manylinux_2_34_x86_64.whl",
         "e84fcec481279a601c3a66507a4131b844c6b1bff4019d4c4e2d4dd9b4de3b95"),
        ("2.1.0", "aimet_torch-2.1.0-py38-none-any.whl",
         "3c7947e504422e37220748675da761580d1249bc268317fed29c5547884c2f51"),
    ],
)  # fmt: skip
def test_the_pypi_files_of_aimet_torch_2_0_and_2_1_are_all_there(
    tag: str, filename: str, sha256: str
) -> None:
    # PyPI's simple index lists both files of each version; the sha256s are PyPI's own.
    release = CATALOG.get(tag)
    assert release is not None
    source = release.variants["torch-gpu"].pypi
    assert source is not None
    assert {f.filename: f.sha256 for f in source.files}[filename] == sha256
