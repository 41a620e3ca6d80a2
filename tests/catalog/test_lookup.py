"""Finding releases and variants from what users type, and the one-line refusals."""

from __future__ import annotations

import pytest

from aimetenv.catalog.load import load_catalog
from aimetenv.catalog.lookup import (
    find_release,
    find_variant,
    latest_release,
    nearest_releases,
    said_tag,
    shown,
)
from aimetenv.errors import UsageError

CATALOG = load_catalog()


@pytest.mark.parametrize(
    ("spelling", "tag", "canonical"),
    [
        ("torch-cpu", "1.16.2.py37", "torch-cpu"),
        ("torch_cpu", "1.16.2.py37", "torch-cpu"),
        ("TORCH_CPU", "1.16.2.py37", "torch-cpu"),
        ("  torch-cpu ", "1.16.2.py37", "torch-cpu"),
        ("tf_gpu", "1.18.0", "tf-gpu"),
        ("torch-gpu-pt113", "1.26.0", "torch-gpu-pt113"),
        ("torch_gpu_pt113", "1.34.0", "torch-gpu-pt113"),
        ("torch-cpu-pt19", "1.28.0", "torch-cpu-pt19"),
        ("torch_gpu_pt21", "1.31.2", "torch-gpu-pt21"),
        ("onnx_cpu", "2.42.0", "onnx-cpu"),
        ("torch-gpu", "1.13.0", "tf-torch-gpu"),
        ("tf-gpu", "1.14.0", "tf-torch-gpu"),
        ("tf-torch-gpu", "1.16.0", "tf-torch-gpu"),
    ],
)
def test_variant_spellings(spelling: str, tag: str, canonical: str) -> None:
    release = find_release(CATALOG, tag)
    assert find_variant(CATALOG, release, spelling).id == canonical


def _error(tag: str, variant: str = "torch-cpu") -> UsageError:
    with pytest.raises(UsageError) as caught:
        release = find_release(CATALOG, tag)
        find_variant(CATALOG, release, variant)
    error = caught.value
    assert "\n" not in error.message
    assert error.exit_code == 2
    return error


def test_unknown_variant_suggests_and_lists_offered() -> None:
    error = _error("1.16.2.py37", "toch-cpu")
    assert error.code == "unknown-variant"
    assert "Did you mean torch-cpu" in error.message
    assert error.hint == "Release 1.16.2.py37 offers: torch-gpu, torch-cpu, tf-gpu, tf-cpu."


def test_surrounding_whitespace_is_tolerated() -> None:
    assert find_release(CATALOG, " 2.42.0\n").tag == "2.42.0"


def test_unknown_tag_names_nearest() -> None:
    error = _error("1.16.3")
    assert error.code == "unknown-tag"
    assert error.hint is not None
    assert "1.16.2" in error.hint


@pytest.mark.parametrize(
    "tag",
    [
        "1.16.2;rm -rf /",
        "../../x",
        "",
        "   ",
        "1" * 500,
        "1.16\n.2",
        "vv1.16.2",
        "v",
        "1.16.é",
        "newest",
    ],
)
def test_malformed_tags(tag: str) -> None:
    error = _error(tag)
    assert error.code == "malformed-tag"
    assert len(error.message) < 200
    assert "Nearest releases" in (error.hint or "") or "aimetenv releases" in (error.hint or "")


@pytest.mark.parametrize("tag", ["2.0", "2.1"])
def test_stray_git_tags_are_refused_with_reason(tag: str) -> None:
    error = _error(tag)
    assert error.code == "not-a-release"
    assert "not an AIMET release" in error.message
    assert f"{tag}.0" in (error.hint or "")


def test_variant_after_its_last_release_names_that_release() -> None:
    error = _error("2.20.0", "tf-gpu")
    assert error.code == "variant-not-offered"
    assert "the last release with tf-gpu is 2.14.0" in error.message


def test_variant_before_its_first_release() -> None:
    error = _error("1.14.0", "torch-cpu")
    assert "torch-cpu first appears in 1.16.1" in error.message


def test_documented_but_never_shipped_variant() -> None:
    error = _error("1.27.0", "torch-cpu-pt113")
    assert error.code == "variant-not-shipped"


@pytest.mark.parametrize("variant", ["", "x" * 300, "torch-cpu; rm -rf /", "torch-npu", "../torch"])
def test_hostile_variants(variant: str) -> None:
    error = _error("2.42.0", variant)
    assert error.code == "unknown-variant"
    assert len(error.message) < 200


def test_nearest_by_version_and_by_spelling() -> None:
    assert nearest_releases(CATALOG, "2.41.5")[0] == "2.41.0"
    assert nearest_releases(CATALOG, "1.16.2.py37")[0] in {"1.16.2", "1.16.2.py37"}
    assert nearest_releases(CATALOG, "junk") == [] or all(
        t in {r.tag for r in CATALOG.releases} for t in nearest_releases(CATALOG, "junk")
    )


def test_shown_quotes_and_truncates() -> None:
    assert shown("a\nb") == "'a\\nb'"
    assert shown("x" * 100).endswith("...'")


@pytest.mark.parametrize(
    ("typed", "tag"),
    [("v1.16.2", "1.16.2"), ("V2.42.0", "2.42.0"), (" v1.16.2.py37 ", "1.16.2.py37"),
     ("v1.32.1.post1", "1.32.1.post1")],
)  # fmt: skip
def test_a_leading_v_is_the_tag_without_it(typed: str, tag: str) -> None:
    release = find_release(CATALOG, typed)
    assert release.tag == tag
    assert said_tag(typed, release.tag) == f"{typed.strip()} = {tag}"


def test_a_plain_tag_is_not_said_back() -> None:
    assert said_tag("2.42.0", "2.42.0") is None


def test_latest_is_the_newest_release_that_ships_the_variant() -> None:
    newest = max(CATALOG.releases, key=lambda r: r.version)
    assert find_release(CATALOG, "latest").tag == newest.tag
    for variant in ("onnx-gpu", "torch_cpu", "tf-gpu", "torch-gpu-pt113", "tf-torch-gpu"):
        release = find_release(CATALOG, "Latest", variant)
        found = find_variant(CATALOG, release, variant)
        assert found.shipped
        later = [
            r
            for r in CATALOG.releases
            if r.version > release.version
            and (v := r.find_variant(found.id)) is not None
            and v.shipped
        ]
        assert later == [], (variant, release.tag)
    assert find_release(CATALOG, "latest", "tf-gpu").version < newest.version
    assert said_tag("latest", newest.tag, "onnx-gpu") == (
        f"latest = {newest.tag} (the newest release that offers onnx-gpu)"
    )


def test_latest_with_an_unknown_variant_leaves_the_refusal_to_find_variant() -> None:
    assert latest_release(CATALOG, "toch-cpu").tag == latest_release(CATALOG).tag
    error = _error("latest", "toch-cpu")
    assert error.code == "unknown-variant"
