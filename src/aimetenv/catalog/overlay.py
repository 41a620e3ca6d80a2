"""The user overlay that ``releases --refresh`` writes, built from what the release APIs said.

- For a release the catalog knows, each variant whose every file matches a release asset gets
  the real asset names, each ``quoted`` by the release listing, ``confidence:
  verified-asset``, ``evidence: REL <url> (refreshed <date>)`` and the ``sha256`` digests the
  API reports (newer releases have them; older ones do not). Other fields of the variant stay as packaged.
- A release newer than every packaged one is added whole. It takes the era and the rules of the
  newest packaged release (its template): each of the template's variants is looked for among
  the new release's assets (the template's file name with the new version).
- What PyPI serves (new versions, files, sha256 digests, yanks, dates) is the overlay's ``pypi:``
  section, built by ``catalog.pypisection`` like the packaged one.

Matching asset names uses the same knowledge as the catalog: legacy ``<Pkg>-<token>_<tag>-...``,
``aimet_<fw>-<token>_<tag>-...``, ``aimet_<token>-<tag>-...``, ``aimet_<fw>-<ver>.<cuXYZ|cpu>-...``,
``aimet_<fw>-<ver>+<cuXYZ|cpu>-...`` and the untagged GPU wheels of 2.39 and later; ``aimet_tf``
and ``aimet_tensorflow`` are one framework (see ``catalog.names.classify``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from aimetenv.catalog.names import classify, is_release_tag, tag_version

if TYPE_CHECKING:
    from collections.abc import Sequence

    from aimetenv.catalog.model import Catalog, Release, Source, Variant
    from aimetenv.catalog.releaseapi import Asset, GithubRelease


# matching


def _match(wanted: Sequence[str], assets: Sequence[Asset]) -> list[Asset] | None:
    """The asset for each wanted file name, in order, or None when any has no single match."""
    by_name = {a.name: a for a in assets}
    keyed = [(a, k) for a in assets if (k := classify(a.name)) is not None and k.linux]
    found: list[Asset] = []
    for name in wanted:
        if name in by_name:
            found.append(by_name[name])
            continue
        key = classify(name)
        if key is None:
            return None
        same = [
            a
            for a, k in keyed
            if (k.role, k.token, k.local, k.version)
            == (key.role, key.token, key.local, key.version)
        ]
        if len(same) > 1:
            same = [a for a in same if a.name.endswith(f"-{key.tags}.whl")]
        if len(same) != 1:
            return None
        found.append(same[0])
    return found


def _fallback(
    wanted: Sequence[str], assets: Sequence[Asset], claimed: set[str]
) -> list[Asset] | None:
    """For local-tag names only: the one unclaimed asset of the same package and accelerator."""
    found: list[Asset] = []
    for name in wanted:
        key = classify(name)
        if key is None or key.token is not None:
            return None
        options = [
            a
            for a in assets
            if a.name not in claimed
            and (k := classify(a.name)) is not None
            and k.linux
            and k.token is None
            and (k.role, k.version, k.accelerator) == (key.role, key.version, key.accelerator)
        ]
        if len(options) != 1:
            return None
        found.append(options[0])
    return found


# overlay


def _source_dict(source: Source, assets: Sequence[Asset], evidence: str) -> dict[str, Any]:
    wheels: list[Any] = []
    for wheel, asset in zip(source.wheels, assets):
        # The release API's asset list quotes each name: the file is verified by that listing.
        entry: dict[str, Any] = {"file": asset.name, "quoted": evidence}
        if wheel.find_links:
            entry["find_links"] = True
        wheels.append(entry)
    data: dict[str, Any] = {
        "wheels": wheels,
        "python": source.python,
        "python_default": source.python_default,
        "glibc": source.glibc,
    }
    if source.pip:
        data["pip"] = source.pip
    if source.pins:
        data["pins"] = dict(source.pins)
    if source.torch:
        data["torch"] = source.torch
    if source.replace:
        data["replace"] = dict(source.replace)
    if source.note:
        data["note"] = source.note
    data["confidence"] = "verified-asset"
    data["evidence"] = evidence
    digests = {a.name: a.sha256 for a in assets if a.sha256}
    if digests:
        data["sha256"] = digests
    return data


@dataclass
class _Tally:
    verified: list[str] = field(default_factory=list)
    unmatched: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    added: list[str] = field(default_factory=list)
    digests: int = 0


def _known_release(
    release: Release, remote: GithubRelease, date: str, tally: _Tally
) -> dict[str, Any] | None:
    evidence = f"REL {remote.html_url} (refreshed {date})"
    chosen: dict[str, list[Asset]] = {}
    pending: list[Variant] = []
    for variant in release.variants.values():
        if variant.github is None or not variant.shipped:
            continue
        found = _match([w.filename for w in variant.github.wheels], remote.assets)
        if found is None:
            pending.append(variant)
        else:
            chosen[variant.id] = found
    claimed = {a.name for found in chosen.values() for a in found}
    for variant in pending:
        assert variant.github is not None  # noqa: S101  # filtered above
        found = _fallback([w.filename for w in variant.github.wheels], remote.assets, claimed)
        if found is None:
            tally.unmatched.append(f"{release.tag} {variant.id}")
            continue
        chosen[variant.id] = found
        claimed.update(a.name for a in found)
    if not chosen:
        return None
    variants: dict[str, Any] = {}
    for variant_id, assets in chosen.items():
        github = release.variants[variant_id].github
        assert github is not None  # noqa: S101  # chosen only for variants with a github source
        variants[variant_id] = {"github": _source_dict(github, assets, evidence)}
        tally.verified.append(f"{release.tag} {variant_id}")
        tally.digests += sum(1 for a in assets if a.sha256)
    return {"tag": release.tag, "variants": variants}


def _renamed(filename: str, old: str, new: str) -> str:
    return re.sub(rf"(?<=[-_]){re.escape(old)}(?=[-+.])", new, filename, count=1)


def _with_cpu(filename: str, version: str) -> str:
    return filename.replace(f"-{version}-", f"-{version}+cpu-", 1)


def _new_github(
    template: Release, variant: Variant, remote: GithubRelease, tag: str, date: str
) -> tuple[dict[str, Any], list[Asset]] | None:
    if variant.github is None:
        return None
    wanted = [_renamed(w.filename, template.tag, tag) for w in variant.github.wheels]
    found = None
    if variant.accelerator == "cpu":
        # The template may use the GPU wheel for CPU (no +cpu asset that release); prefer a
        # +cpu asset when the new release has one again.
        found = _match([_with_cpu(name, tag) for name in wanted], remote.assets)
    found = found or _match(wanted, remote.assets)
    if found is None:
        return None
    data = _source_dict(variant.github, found, f"REL {remote.html_url} (refreshed {date})")
    data.pop("note", None)
    return data, found


def _new_release(  # the inputs of one new entry
    template: Release,
    *,
    tag: str,
    remote: GithubRelease,
    date: str,
    tally: _Tally,
) -> dict[str, Any] | None:
    variants: dict[str, Any] = {}
    for variant in template.variants.values():
        if not variant.shipped:
            continue
        entry: dict[str, Any] = {}
        github = _new_github(template, variant, remote, tag, date)
        if github is not None:
            entry["github"] = github[0]
            tally.digests += sum(1 for a in github[1] if a.sha256)
        if entry:
            if variant.cuda:
                entry["cuda"] = variant.cuda
            if variant.aliases:
                entry["aliases"] = list(variant.aliases)
            variants[variant.id] = entry
    if not variants:
        tally.skipped.append(f"{tag}: no file matches the files of {template.tag}'s variants")
        return None
    tally.added.append(tag)
    return {
        "tag": tag,
        "date": remote.published,
        "era": template.era,
        "hosting": ["github"],
        "prefer": template.prefer,
        "python_default": template.python_default,
        "confidence": "verified-asset",
        "evidence": f"added by 'aimetenv releases --refresh' on {date}; rules of era "
        f"{template.era} (as {template.tag})",
        "variants": variants,
    }


def _usable(releases: Sequence[GithubRelease], tally: _Tally) -> dict[str, GithubRelease]:
    """Published releases with a release-shaped tag, by tag (drafts and pre-releases left out)."""
    usable: dict[str, GithubRelease] = {}
    for remote in releases:
        if remote.draft or remote.prerelease:
            tally.skipped.append(f"{remote.tag}: draft or pre-release")
        elif not is_release_tag(remote.tag):
            tally.skipped.append(f"{remote.tag}: not a release tag")
        else:
            usable.setdefault(remote.tag, remote)
    return usable


def build_overlay(
    catalog: Catalog, releases: Sequence[GithubRelease], *, date: str
) -> tuple[dict[str, Any], _Tally]:
    """The overlay releases for the packaged ``catalog`` and what the GitHub releases API said."""
    tally = _Tally()
    known = {r.tag: r for r in catalog.releases}
    template = catalog.releases[-1]
    remote_by_tag = _usable(releases, tally)
    entries: list[dict[str, Any]] = []
    for tag, remote in remote_by_tag.items():
        if tag in known:
            entry = _known_release(known[tag], remote, date, tally)
            if entry is not None:
                entries.append(entry)
    new_tags = []
    for tag in sorted(remote_by_tag):
        version = tag_version(tag)
        if tag in known or version is None or not is_release_tag(tag):
            continue
        if version > template.version:
            new_tags.append(tag)
        else:
            tally.skipped.append(f"{tag}: older than {template.tag} and not in the catalog")
    for tag in sorted(new_tags, key=lambda t: tag_version(t) or template.version):
        entry = _new_release(
            template,
            tag=tag,
            remote=remote_by_tag[tag],
            date=date,
            tally=tally,
        )
        if entry is not None:
            entries.append(entry)
    return {"schema": 1, "releases": entries}, tally


__all__ = ["build_overlay"]
