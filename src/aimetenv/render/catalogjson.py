"""JSON documents for ``releases`` (schema ``aimetenv.releases/1`` and ``aimetenv.release/1``)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from aimetenv.catalog.model import Catalog, Release, Source, Variant


def _source(source: Source | None) -> dict[str, Any] | None:
    if source is None:
        return None
    return {
        "confidence": source.confidence,
        "evidence": source.evidence,
        "wheels": [
            {
                "filename": w.filename,
                "find_links": w.find_links,
                "evidence": "verified" if w.verified else "inferred",
                "quoted": w.quoted,
            }
            for w in source.wheels
        ],
        "requirement": source.requirement,
        "wheel_tags": list(source.wheel_tags),
        "python": source.python,
        "python_reason": source.python_reason,
        "python_default": source.python_default,
        "glibc": source.glibc,
        "pip": source.pip,
        "pins": dict(source.pins),
        "torch": source.torch,
        "replace": dict(source.replace),
        "note": source.note,
        "sha256": dict(source.sha256),
        "cuda_by_file": {f.filename: f.cuda for f in source.files if f.cuda},
    }


def _variant(variant: Variant) -> dict[str, Any]:
    return {
        "id": variant.id,
        "framework": variant.framework,
        "accelerator": variant.accelerator,
        "cuda": variant.cuda,
        "aliases": list(variant.aliases),
        "shipped": variant.shipped,
        "reason": variant.reason,
        "github": _source(variant.github),
        "pypi": _source(variant.pypi),
    }


def _summary(release: Release) -> dict[str, Any]:
    return {
        "tag": release.tag,
        "date": release.date,
        "era": release.era,
        "hosting": list(release.hosting),
        "prefer": release.prefer,
        "confidence": release.confidence,
        "variants": [v.id for v in release.variants.values() if v.shipped],
    }


def releases_document(catalog: Catalog) -> dict[str, Any]:
    """Every release, one summary each."""
    return {
        "schema": "aimetenv.releases/1",
        "command": "releases",
        "status": "success",
        "exit_code": 0,
        "overlay": catalog.overlay_path,
        "releases": [_summary(r) for r in catalog.releases],
        "non_releases": dict(catalog.non_releases),
    }


def release_document(catalog: Catalog, release: Release) -> dict[str, Any]:
    """One release with its variants and sources."""
    era = catalog.eras[release.era]
    document = {
        "schema": "aimetenv.release/1",
        "command": "releases",
        "status": "success",
        "exit_code": 0,
        **_summary(release),
    }
    document.update(
        {
            "era_summary": era.summary,
            "evidence": release.evidence,
            "note": release.note,
            "variants": [_variant(v) for v in release.variants.values()],
        }
    )
    return document


__all__ = ["release_document", "releases_document"]
