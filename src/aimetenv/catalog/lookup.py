"""Find a release and a variant from what the user typed, or explain in one line why not."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from packaging.version import InvalidVersion

from aimetenv.catalog.names import release_version
from aimetenv.catalog.variants import (
    MAX_INPUT,
    normalize_variant,
    parse_variant_id,
    suggest,
)
from aimetenv.errors import UsageError

if TYPE_CHECKING:
    from aimetenv.catalog.model import Catalog, Release, Variant

_TAG_SHAPE = re.compile(r"^\d+(\.\d+){1,3}(\.post\d+)?(\.py37)?$")
_LEADING_V = re.compile(r"^[vV](?=\d)")
LATEST = "latest"
"""The tag that stands for the newest release (that offers the variant, when one is named)."""


def shown(text: str, limit: int = 40) -> str:
    """Quote user input for a message: printable, one line, never longer than ``limit``."""
    cut = text if len(text) <= limit else text[:limit] + "..."
    return repr(cut)


def typed_tag(tag: str) -> str:
    """The tag as the catalog spells it: ``v1.16.2`` -> ``1.16.2``; ``Latest`` -> ``latest``."""
    text = tag.strip()
    if text.lower() == LATEST:
        return LATEST
    return _LEADING_V.sub("", text)


def latest_release(catalog: Catalog, variant: str | None = None) -> Release:
    """The newest release; with ``variant``, the newest that ships it (when any release does).

    A variant no release ships leaves the choice to the newest release, so ``find_variant``
    says what is wrong with the variant in its own words.
    """
    newest = sorted(catalog.releases, key=lambda r: (r.version, r.tag))
    if not newest:
        raise UsageError("the release catalog lists no releases", code="unknown-tag")
    parsed = parse_variant_id(variant) if variant is not None else None
    if parsed is not None:
        offering = [r for r in newest if (v := r.find_variant(parsed.id)) is not None and v.shipped]
        if offering:
            return offering[-1]
    return newest[-1]


def said_tag(tag: str, release_tag: str, variant: str | None = None) -> str | None:
    """How a plan says back a tag typed as ``latest`` or ``v1.16.2``; None for a plain tag."""
    text = tag.strip()
    if text == release_tag:
        return None
    if typed_tag(text) == LATEST:
        which = f"the newest release that offers {variant}" if variant else "the newest release"
        return f"latest = {release_tag} ({which})"
    return f"{text} = {release_tag}"


def find_release(catalog: Catalog, tag: str, variant: str | None = None) -> Release:
    """The release for ``tag``, or a UsageError naming the nearest releases.

    ``latest`` is the newest release (that ships ``variant``, when it is given), and a leading
    ``v`` is dropped (``v1.16.2`` is ``1.16.2``), as people copy tags from GitHub.
    """
    text = typed_tag(tag)
    if text == LATEST:
        return latest_release(catalog, variant)
    if text in catalog.non_releases:
        raise UsageError(
            f"tag {text!r} is not an AIMET release: {catalog.non_releases[text]}",
            hint=f"Did you mean {text}.0? See 'aimetenv releases'.",
            code="not-a-release",
        )
    if not text or len(text) > MAX_INPUT or not _TAG_SHAPE.match(text):
        raise UsageError(
            f"malformed tag {shown(tag)}: a release tag looks like 1.16.2, 1.16.2.py37, "
            "2.42.0 or latest",
            hint=_nearest_hint(catalog, text),
            code="malformed-tag",
        )
    release = catalog.get(text)
    if release is None:
        raise UsageError(
            f"unknown release tag {shown(text)}",
            hint=_nearest_hint(catalog, text),
            code="unknown-tag",
        )
    return release


def nearest_releases(catalog: Catalog, text: str, count: int = 3) -> list[str]:
    """The tags nearest to ``text``: by version when it parses, else by spelling."""
    tags = [r.tag for r in catalog.releases]
    text = text[:MAX_INPUT]  # a huge number would make Version() fail on int()'s digit limit
    try:
        wanted = release_version(text)
    except InvalidVersion:
        import difflib  # noqa: PLC0415  # only needed on this error path

        return difflib.get_close_matches(text, tags, n=count, cutoff=0.3)

    def distance(tag: str) -> tuple[int, int, int]:
        version = release_version(tag)
        return (
            abs(version.major - wanted.major),
            abs(version.minor - wanted.minor),
            abs(version.micro - wanted.micro),
        )

    return sorted(tags, key=distance)[:count]


def _nearest_hint(catalog: Catalog, text: str) -> str:
    near = nearest_releases(catalog, text)
    if not near:
        return "See 'aimetenv releases' for the list of releases."
    return f"Nearest releases: {', '.join(near)}. See 'aimetenv releases'."


def known_variant_ids(catalog: Catalog) -> list[str]:
    """Every canonical variant id in the catalog, sorted."""
    return sorted({vid for r in catalog.releases for vid in r.variants})


def find_variant(catalog: Catalog, release: Release, variant: str) -> Variant:
    """The release's variant for what the user typed, or a UsageError that says what exists."""
    offered = ", ".join(v for v, var in release.variants.items() if var.shipped)
    parsed = parse_variant_id(variant)
    known = known_variant_ids(catalog)
    if parsed is None or (
        parsed.id not in known
        and not any(parsed.id in v.aliases for r in catalog.releases for v in r.variants.values())
    ):
        near = suggest(variant, known)
        did_you_mean = f" Did you mean {' or '.join(near)}?" if near else ""
        raise UsageError(
            f"unknown variant {shown(variant)}.{did_you_mean}",
            hint=f"Release {release.tag} offers: {offered}.",
            code="unknown-variant",
        )
    found = release.find_variant(parsed.id)
    if found is None:
        raise UsageError(
            f"release {release.tag} does not offer variant {parsed.id}"
            f"{_where_else(catalog, release, parsed.id)}",
            hint=f"Release {release.tag} offers: {offered}.",
            code="variant-not-offered",
        )
    if not found.shipped:
        why = (
            f": {found.reason}"
            if found.reason
            else " (it is named in the install docs, but its files were never published)"
        )
        raise UsageError(
            f"release {release.tag} does not offer {found.id}{why}",
            hint=f"Release {release.tag} offers: {offered}.",
            code="variant-not-shipped",
        )
    return found


def _where_else(catalog: Catalog, release: Release, variant_id: str) -> str:
    having = [
        r for r in catalog.releases if (v := r.find_variant(variant_id)) is not None and v.shipped
    ]
    if not having:
        return ""
    older = [r for r in having if r.version < release.version]
    newer = [r for r in having if r.version > release.version]
    if older and not newer:
        return f"; the last release with {variant_id} is {older[-1].tag}"
    if newer and not older:
        return f"; {variant_id} first appears in {newer[0].tag}"
    if older and newer:
        return f"; the nearest releases with it are {older[-1].tag} and {newer[0].tag}"
    return ""


def normalized(variant: str) -> str:
    """The canonical spelling of a variant as typed (for messages and file names)."""
    return normalize_variant(variant)


__all__ = [
    "LATEST",
    "find_release",
    "find_variant",
    "known_variant_ids",
    "latest_release",
    "nearest_releases",
    "normalized",
    "said_tag",
    "shown",
    "typed_tag",
]
