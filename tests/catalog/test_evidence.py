"""Every verified release-host file has a citation that quotes its exact name.

CITATIONS is the audit: for each file the catalog marks verified, the source and the words of
that source that name the file. Marking another file verified means adding its quote here.
"""

from __future__ import annotations

import pytest

from aimetenv.catalog.load import load_catalog, parse_catalog
from aimetenv.errors import CatalogError

_REL_134 = "REL https://github.com/quic/aimet/releases/tag/1.34.0"
_ISS_2377 = "ISS #2377"
_LIST_2377 = " ".join(
    f"> {name}-{token}_1.27.0-cp38-cp38-linux_x86_64.whl"
    for name, tokens in (
        ("Aimet", ("tf_cpu", "tf_gpu", "torch_cpu", "torch_gpu")),
        ("AimetCommon", ("tf_cpu", "tf_gpu", "torch_cpu", "torch_gpu")),
        ("AimetTensorflow", ("tf_cpu", "tf_gpu")),
    )
    for token in tokens
)
_REL_134_LIST = (
    "aimet_torch-1.34.0.cu121-cp310-cp310-manylinux_2_34_x86_64.whl "
    "aimet_torch-1.34.0.cu117-cp310-cp310-manylinux_2_34_x86_64.whl "
    "aimet_torch-1.34.0.cpu-cp310-cp310-manylinux_2_34_x86_64.whl "
    "aimet_onnx-1.34.0.cu117-cp310-cp310-manylinux_2_34_x86_64.whl "
    "aimet_onnx-1.34.0.cpu-cp310-cp310-manylinux_2_34_x86_64.whl "
    "aimet_tensorflow-1.34.0.cu118-cp310-cp310-manylinux_2_34_x86_64.whl"
)

# file name -> (the source's label as the catalog's 'quoted' field starts, the quoted words)
CITATIONS: dict[str, tuple[str, str]] = {
    "Aimet-torch_gpu_1.19.1.py37-cp37-cp37m-linux_x86_64.whl": (
        "3P (id 13081582157)",
        (
            "https://github.com/quic/aimet/releases/download/1.19.1.py37/"
            "Aimet-torch_gpu_1.19.1.py37-cp37-cp37m-linux_x86_64.whl"
        ),
    ),
    "AimetCommon-torch_gpu_1.23.0-cp38-cp38-linux_x86_64.whl": (
        "ISS #1878",
        "AimetCommon-torch_gpu_1.23.0-cp38-cp38-linux_x86_64.whl",
    ),
    "Aimet-torch_cpu_1.23.0-cp38-cp38-linux_x86_64.whl": (
        "ISS #1764",
        "python3 -m pip install Aimet-torch_cpu_1.23.0-cp38-cp38-linux_x86_64.whl",
    ),
    "AimetCommon-torch_gpu_1.24.0-cp38-cp38-linux_x86_64.whl": (
        "ISS #1938",
        (
            "python3 -m pip install https://github.com/quic/aimet/releases/download/1.24.0/"
            "AimetCommon-torch_gpu_1.24.0-cp38-cp38-linux_x86_64.whl"
        ),
    ),
    "AimetCommon-torch_gpu_1.29.0-cp38-cp38-linux_x86_64.whl": (
        "ISS #3743",
        "pip install AimetCommon-torch_gpu_1.29.0-cp38-cp38-linux_x86_64.whl",
    ),
    "aimet_onnx-1.35.0.cpu-cp310-cp310-manylinux_2_34_x86_64.whl": (
        "ISS #3584",
        (
            "pip install https://github.com/quic/aimet/releases/download/1.35.0/"
            "aimet_onnx-1.35.0.cpu-cp310-cp310-manylinux_2_34_x86_64.whl"
        ),
    ),
    "aimet_tensorflow-1.35.0.cu118-cp310-cp310-manylinux_2_34_x86_64.whl": (
        "ISS #3982",
        (
            "python3 -m pip install https://github.com/quic/aimet/releases/download/1.35.0/"
            "aimet_tensorflow-1.35.0.cu118-cp310-cp310-manylinux_2_34_x86_64.whl"
        ),
    ),
    "aimet_torch-2.2.0+cu121-cp310-cp310-manylinux_2_34_x86_64.whl": (
        "ISS #3970",
        "actual asset aimet_torch-2.2.0+cu121-cp310-cp310-manylinux_2_34_x86_64.whl",
    ),
    **dict.fromkeys(
        (part.removeprefix("> ") for part in _LIST_2377.split(" > ")), (_ISS_2377, _LIST_2377)
    ),
    **dict.fromkeys(_REL_134_LIST.split(), (_REL_134, _REL_134_LIST)),
}


def _verified_files() -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    for release in load_catalog().releases:
        for variant in release.variants.values():
            if variant.github is None:
                continue
            for wheel in variant.github.wheels:
                if wheel.verified:
                    assert wheel.quoted is not None
                    found.setdefault(wheel.filename, set()).add(wheel.quoted)
    return found


def test_the_verified_files_are_exactly_the_quoted_ones() -> None:
    found = _verified_files()
    assert len(found) == 24
    assert set(found) == set(CITATIONS)


@pytest.mark.parametrize("filename", sorted(CITATIONS))
def test_each_citation_names_its_source_and_quotes_the_exact_file(filename: str) -> None:
    label, words = CITATIONS[filename]
    assert filename in words
    quoted = _verified_files()[filename]
    assert all(q.startswith(label) for q in quoted), quoted


def test_every_other_release_host_file_is_inferred_and_a_verified_asset_source_is_all_quoted() -> (
    None
):
    inferred = 0
    for release in load_catalog().releases:
        for variant in release.variants.values():
            source = variant.github
            if source is None:
                continue
            inferred += sum(1 for w in source.wheels if not w.verified)
            if source.confidence == "verified-asset":
                assert source.verified, (release.tag, variant.id)
    assert inferred > 500


_DOC = """\
schema: 1
hosts: {release: 'https://h', torch_find_links: 'https://f', torch_cpu_index: 'https://c'}
eras: {D: {versions: x, summary: y}}
libpymo: [{versions: '>=1', native: libpymo, note: n}]
releases:
- tag: 1.27.0
  era: D
  hosting: [github]
  confidence: inferred
  variants:
    tf-cpu:
      github:
        wheels:
        - file: AimetCommon-tf_cpu_1.27.0-cp38-cp38-linux_x86_64.whl
          quoted: 'ISS #2377'
        - Aimet-tf_cpu_1.27.0-cp38-cp38-linux_x86_64.whl
        confidence: CONF
        evidence: e
"""


def test_a_verified_asset_source_with_an_unquoted_file_is_refused() -> None:
    with pytest.raises(CatalogError, match=r"verified-asset needs a 'quoted' source for every"):
        parse_catalog(_DOC.replace("CONF", "verified-asset"), "test")
    catalog = parse_catalog(_DOC.replace("CONF", "inferred"), "test")
    wheels = catalog.releases[0].variants["tf-cpu"].github.wheels  # type: ignore[union-attr]
    assert [w.evidence for w in wheels] == ["verified (quoted by ISS #2377)", "inferred"]
