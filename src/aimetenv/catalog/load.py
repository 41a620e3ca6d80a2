"""Load the packaged release catalog (and the user overlay) and validate every entry.

A malformed entry raises ``CatalogError`` naming the file, the entry and the field, so a broken
overlay or a bad edit of the packaged data never shows up later as a traceback.
"""

from __future__ import annotations

import re
from importlib import resources
from typing import TYPE_CHECKING, Any

import yaml
from packaging.version import InvalidVersion, Version

from aimetenv.catalog.cache import packaged_catalog
from aimetenv.catalog.model import (
    Catalog,
    Era,
    Hosts,
    LibpymoRule,
    Refusal,
    Release,
    Source,
    Variant,
    WheelFile,
)
from aimetenv.catalog.names import is_release_tag, release_version
from aimetenv.catalog.pypiload import merge_pypi_section
from aimetenv.catalog.validate import (
    SHA256_RE,
    XY_RE,
    Where,
    check_keys,
    confidence,
    mapping,
    required_text,
    specifier,
    str_map,
    text_value,
    wheel_file,
    wheel_tag,
    xy_value,
)
from aimetenv.catalog.variants import parse_variant_id

if TYPE_CHECKING:
    from collections.abc import Mapping
    from pathlib import Path

SCHEMA = 1
_RELEASE_KEYS = frozenset(
    {
        "tag", "date", "era", "hosting", "prefer", "python", "python_default", "glibc",
        "confidence", "evidence", "note", "variants",
    }
)  # fmt: skip
_SOURCE_KEYS = frozenset(
    {
        "wheels", "requirement", "wheel_tags", "python", "python_default", "glibc", "pip", "pins",
        "torch", "replace", "confidence", "evidence", "note", "sha256",
    }
)  # fmt: skip
_VARIANT_KEYS = frozenset({"cuda", "aliases", "shipped", "reason", "github", "pypi"})


def _source(  # one validation per field, read top to bottom
    kind: str, value: object, where: Where, defaults: Mapping[str, Any]
) -> Source:
    data = mapping(value, where)
    check_keys(data, _SOURCE_KEYS, where)

    def inherited(key: str) -> object:
        return data[key] if key in data else defaults.get(key)

    wheels: tuple[WheelFile, ...] = ()
    requirement = None
    wheel_tags: tuple[str, ...] = ()
    if kind == "github":
        raw = data.get("wheels")
        if not isinstance(raw, list) or not raw:
            raise where.at(".wheels").fail("a github source needs a non-empty list of wheels")
        wheels = tuple(wheel_file(w, where.at(f".wheels[{i}]")) for i, w in enumerate(raw))
    else:
        requirement = required_text(data.get("requirement"), where.at(".requirement"))
        if not re.match(r"^[A-Za-z0-9][A-Za-z0-9._-]*==\S+$", requirement):
            raise where.at(".requirement").fail(f"expected name==version, found {requirement!r}")
        raw_tags = data.get("wheel_tags")
        if not isinstance(raw_tags, list) or not raw_tags:
            raise where.at(".wheel_tags").fail("a pypi source needs the wheel tags it publishes")
        for i, tag in enumerate(raw_tags):
            wheel_tag(tag, where.at(f".wheel_tags[{i}]"))
        wheel_tags = tuple(str(t) for t in raw_tags)
    python = inherited("python")
    if python is not None:
        specifier(python, where.at(".python"))
    glibc = xy_value(inherited("glibc"), where.at(".glibc"))
    pip = data.get("pip")
    if pip is not None:
        specifier(pip, where.at(".pip"))
    torch = data.get("torch")
    if torch not in (None, "cpu-index"):
        raise where.at(".torch").fail(f"expected cpu-index, found {torch!r}")
    level = confidence(data.get("confidence"), where.at(".confidence"))
    unquoted = [w.filename for w in wheels if not w.verified]
    if kind == "github" and level == "verified-asset" and unquoted:
        raise where.at(".confidence").fail(
            f"verified-asset needs a 'quoted' source for every wheel; {unquoted[0]} has none"
        )
    sha = str_map(data.get("sha256"), where.at(".sha256"))
    for name, digest in sha.items():
        if not SHA256_RE.match(digest):
            raise where.at(f".sha256.{name}").fail("expected 64 lowercase hex digits")
    return Source(
        kind="github" if kind == "github" else "pypi",
        confidence=level,
        evidence=required_text(
            data.get("evidence", defaults.get("evidence")), where.at(".evidence")
        ),
        wheels=wheels,
        requirement=requirement,
        wheel_tags=wheel_tags,
        python=None if python is None else str(python),
        python_default=xy_value(inherited("python_default"), where.at(".python_default")),
        glibc=glibc,
        pip=None if pip is None else str(pip),
        pins=str_map(data.get("pins"), where.at(".pins")),
        torch=None if torch is None else str(torch),
        replace=str_map(data.get("replace"), where.at(".replace")),
        note=text_value(data.get("note"), where.at(".note"), optional=True),
        sha256=sha,
    )


def _variant(variant_id: str, value: object, where: Where, defaults: Mapping[str, Any]) -> Variant:
    data = mapping(value, where)
    check_keys(data, _VARIANT_KEYS, where)
    parsed = parse_variant_id(variant_id)
    if parsed is None or parsed.id != variant_id:
        raise where.fail(f"not a canonical variant id: {variant_id!r}")
    github = data.get("github")
    pypi = data.get("pypi")
    if github is None and pypi is None:
        raise where.fail("a variant needs a github or a pypi source")
    aliases = data.get("aliases") or []
    if not isinstance(aliases, list) or not all(isinstance(a, str) for a in aliases):
        raise where.at(".aliases").fail("expected a list of variant ids")
    shipped = bool(data.get("shipped", True))
    return Variant(
        id=variant_id,
        framework=parsed.framework,
        accelerator=parsed.accelerator,
        cuda=xy_value(data.get("cuda"), where.at(".cuda")),
        aliases=tuple(aliases),
        shipped=shipped,
        reason=_unshipped_reason(data, shipped, where),
        github=None if github is None else _source("github", github, where.at(".github"), defaults),
        pypi=None if pypi is None else _source("pypi", pypi, where.at(".pypi"), defaults),
    )


def _unshipped_reason(data: Mapping[str, Any], shipped: bool, where: Where) -> str | None:
    reason = text_value(data.get("reason"), where.at(".reason"), optional=True)
    if reason is not None and shipped:
        raise where.at(".reason").fail("a reason is for a variant with 'shipped: false'")
    return reason


def _release(value: object, where: Where, eras: Mapping[str, Era]) -> Release:
    data = mapping(value, where)
    tag = required_text(data.get("tag"), where.at("tag"))
    where = Where(where.origin, f"release {tag!r}")
    check_keys(data, _RELEASE_KEYS, where)
    if not is_release_tag(tag):
        raise where.fail("tag must look like 1.16.2, 1.16.2.py37 or 1.32.1.post1")
    era = required_text(data.get("era"), where.at(".era"))
    if era not in eras:
        raise where.at(".era").fail(f"unknown era {era!r}")
    date = data.get("date")
    if date is not None and not re.match(r"^\d{4}-\d{2}-\d{2}$", str(date)):
        raise where.at(".date").fail(f"expected YYYY-MM-DD, found {date!r}")
    hosting = data.get("hosting")
    if not isinstance(hosting, list) or not set(hosting) <= {"github", "pypi"} or not hosting:
        raise where.at(".hosting").fail("expected a list of github and/or pypi")
    prefer = data.get("prefer", "github")
    if prefer not in ("github", "pypi"):
        raise where.at(".prefer").fail(f"expected github or pypi, found {prefer!r}")
    raw_variants = mapping(data.get("variants"), where.at(".variants"))
    if not raw_variants:
        raise where.at(".variants").fail("a release needs at least one variant")
    defaults = {
        "python": data.get("python"),
        "python_default": data.get("python_default"),
        "glibc": data.get("glibc"),
        "evidence": data.get("evidence"),
    }
    variants = {
        str(vid): _variant(str(vid), v, where.at(f".variants.{vid}"), defaults)
        for vid, v in raw_variants.items()
    }
    evidence = data.get("evidence") or "; ".join(
        sorted({s.evidence for v in variants.values() for s in (v.github, v.pypi) if s})
    )
    python = data.get("python")
    if python is not None:
        specifier(python, where.at(".python"))
    return Release(
        tag=tag,
        version=release_version(tag),
        era=era,
        date=None if date is None else str(date),
        hosting=tuple(hosting),
        prefer="pypi" if prefer == "pypi" else "github",
        confidence=confidence(data.get("confidence"), where.at(".confidence")),
        evidence=str(evidence),
        variants=variants,
        python=None if python is None else str(python),
        python_default=xy_value(data.get("python_default"), where.at(".python_default")),
        glibc=xy_value(data.get("glibc"), where.at(".glibc")),
        note=text_value(data.get("note"), where.at(".note"), optional=True),
    )


def _libpymo_rules(raw: object, where: Where) -> tuple[LibpymoRule, ...]:
    data = mapping(raw, where)
    libpymo: list[LibpymoRule] = []
    for i, item in enumerate(data.get("libpymo") or []):
        w = where.at(f"libpymo[{i}]")
        rule = mapping(item, w)
        frameworks = rule.get("frameworks") or []
        libpymo.append(
            LibpymoRule(
                versions=specifier(rule.get("versions"), w.at(".versions")),
                frameworks=tuple(str(f) for f in frameworks),
                native=text_value(rule.get("native"), w.at(".native"), optional=True),
                wrapper=text_value(rule.get("wrapper"), w.at(".wrapper"), optional=True),
                location=text_value(rule.get("location"), w.at(".location"), optional=True),
                note=required_text(rule.get("note"), w.at(".note")),
            )
        )
    if not libpymo:
        raise where.fail("the libpymo rules must not be empty")
    return tuple(libpymo)


def _document(text: str, where: Where, *, detail: bool) -> Mapping[str, Any]:
    """The top-level mapping of a catalog or overlay, which must name this ``SCHEMA``.

    ``detail``: quote YAML's own message in the error (``parse_catalog``); an overlay's error
    names only the kind of YAML error.
    """
    try:
        raw = yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))  # noqa: S506  # safe loaders only
    except yaml.YAMLError as exc:
        shown = f"{exc.__class__.__name__}: {exc}" if detail else exc.__class__.__name__
        raise where.fail(f"not valid YAML ({shown})") from None
    data = mapping(raw, where)
    if data.get("schema") != SCHEMA:
        raise where.fail(f"schema {data.get('schema')!r} is not supported (expected {SCHEMA})")
    return data


def parse_catalog(text: str, origin: str) -> Catalog:
    """Parse and validate catalog YAML text; ``origin`` names it in error messages."""
    where = Where(origin)
    data = _document(text, where, detail=True)
    hosts = mapping(data.get("hosts"), where.at("hosts"))
    eras = {
        str(k): Era(
            id=str(k),
            versions=required_text(mapping(v, where.at(f"eras.{k}")).get("versions"), where),
            summary=required_text(v.get("summary"), where.at(f"eras.{k}.summary")),
        )
        for k, v in mapping(data.get("eras"), where.at("eras")).items()
    }
    libpymo = _libpymo_rules(data, where)
    non_releases = {}
    for i, item in enumerate(data.get("non_releases") or []):
        entry = mapping(item, where.at(f"non_releases[{i}]"))
        tag = required_text(entry.get("tag"), where.at(f"non_releases[{i}].tag"))
        non_releases[tag] = required_text(entry.get("reason"), where.at(f"non_releases[{i}]"))
    raw_releases = data.get("releases")
    if not isinstance(raw_releases, list) or not raw_releases:
        raise where.at("releases").fail("expected a non-empty list")
    releases = [_release(r, where.at(f"releases[{i}]"), eras) for i, r in enumerate(raw_releases)]
    _check_unique(releases, where)
    refused: tuple[Refusal, ...] = ()
    if data.get("pypi") is not None:
        merged, refused = merge_pypi_section(
            {r.tag: r for r in releases}, data["pypi"], where.at("pypi"), eras, ()
        )
        releases = list(merged.values())
    pip_by_python = str_map(data.get("pip_by_python"), where.at("pip_by_python"))
    return Catalog(
        schema=SCHEMA,
        hosts=Hosts(
            release=required_text(hosts.get("release"), where.at("hosts.release")),
            torch_find_links=required_text(
                hosts.get("torch_find_links"), where.at("hosts.torch_find_links")
            ),
            torch_cpu_index=required_text(
                hosts.get("torch_cpu_index"), where.at("hosts.torch_cpu_index")
            ),
        ),
        pip_by_python=pip_by_python,
        eras=eras,
        libpymo_rules=libpymo,
        non_releases=non_releases,
        releases=tuple(sorted(releases, key=_release_order)),
        refused=refused,
    )


def _release_order(release: Release) -> tuple[Version, str]:
    return (release.version, release.tag)


def _check_unique(releases: list[Release], where: Where) -> None:
    seen: set[str] = set()
    for release in releases:
        if release.tag in seen:
            raise where.fail(f"release {release.tag!r} is listed twice")
        seen.add(release.tag)


def merge_overlay(catalog: Catalog, text: str, origin: str) -> Catalog:
    """Merge a user overlay: its releases replace or extend the packaged ones, source by source.

    An overlay release with a known tag keeps the packaged fields it does not name; each variant
    it names replaces the packaged variant's sources that it names. New tags are added whole.
    """
    return merge_overlay_document(catalog, _document(text, Where(origin), detail=False), origin)


def merge_overlay_document(catalog: Catalog, data: Mapping[str, Any], origin: str) -> Catalog:
    """``merge_overlay`` of an overlay document already in memory.

    ``refresh`` checks the document it is about to write this way, without parsing its YAML.
    """
    where = Where(origin)
    if data.get("schema") != SCHEMA:
        raise where.fail(f"schema {data.get('schema')!r} is not supported (expected {SCHEMA})")
    by_tag = {r.tag: r for r in catalog.releases}
    for i, item in enumerate(data.get("releases") or []):
        entry = mapping(item, where.at(f"releases[{i}]"))
        tag = required_text(entry.get("tag"), where.at(f"releases[{i}].tag"))
        base = by_tag.get(tag)
        merged = _merge_release(base, entry, where.at(f"releases[{i}]"), catalog.eras)
        by_tag[tag] = merged
    refused = catalog.refused
    if data.get("pypi") is not None:
        by_tag, refused = merge_pypi_section(
            by_tag, data["pypi"], where.at("pypi"), catalog.eras, catalog.refused
        )
    releases = tuple(sorted(by_tag.values(), key=_release_order))
    return catalog.replace_releases(releases, origin, refused)


def _merge_release(
    base: Release | None, entry: Mapping[str, Any], where: Where, eras: Mapping[str, Era]
) -> Release:
    if base is None:
        return _release(entry, where, eras)
    variants = dict(base.variants)
    defaults = {
        "python": entry.get("python", base.python),
        "python_default": entry.get("python_default", base.python_default),
        "glibc": entry.get("glibc", base.glibc),
        "evidence": entry.get("evidence", base.evidence),
    }
    for vid, raw in mapping(entry.get("variants") or {}, where.at(".variants")).items():
        w = where.at(f".variants.{vid}")
        data = mapping(raw, w)
        old = variants.get(str(vid))
        if old is None:
            variants[str(vid)] = _variant(str(vid), data, w, defaults)
            continue
        github = old.github
        pypi = old.pypi
        if "github" in data:
            github = _source("github", data["github"], w.at(".github"), defaults)
        if "pypi" in data:
            pypi = _source("pypi", data["pypi"], w.at(".pypi"), defaults)
        shipped = bool(data.get("shipped", old.shipped))
        reason = _unshipped_reason(data, shipped, w)
        variants[str(vid)] = Variant(
            id=old.id,
            framework=old.framework,
            accelerator=old.accelerator,
            cuda=old.cuda,
            aliases=old.aliases,
            shipped=shipped,
            github=github,
            pypi=pypi,
            reason=None if shipped else reason or old.reason,
        )
    hosting = tuple(entry.get("hosting") or base.hosting)
    return Release(
        tag=base.tag,
        version=base.version,
        era=base.era,
        date=str(entry["date"]) if entry.get("date") else base.date,
        hosting=hosting,
        prefer=base.prefer,
        confidence=base.confidence,
        evidence=base.evidence,
        variants=variants,
        python=base.python,
        python_default=base.python_default,
        glibc=base.glibc,
        note=base.note,
    )


def packaged_catalog_text() -> str:
    """The YAML text of the catalog shipped inside the package."""
    return resources.files("aimetenv").joinpath("data/catalog.yaml").read_text(encoding="utf-8")


def load_catalog(overlay: Path | None = None) -> Catalog:
    """The packaged catalog (from its cache when that matches), then the overlay file merged in."""
    return with_overlay(packaged_catalog(), overlay)


def with_overlay(catalog: Catalog, overlay: Path | None) -> Catalog:
    """``catalog`` with the overlay file merged in, when there is one."""
    if overlay is not None and overlay.is_file():
        try:
            text = overlay.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise Where(str(overlay)).fail(f"cannot be read ({exc})") from None
        catalog = merge_overlay(catalog, text, str(overlay))
    return catalog


def parse_xy(text: str) -> tuple[int, int] | None:
    """``"3.10"`` -> ``(3, 10)``; anything else -> None."""
    if not XY_RE.match(text):
        return None
    try:
        version = Version(text)
    except InvalidVersion:
        return None
    return (version.major, version.minor)


__all__ = [
    "SCHEMA",
    "load_catalog",
    "merge_overlay",
    "merge_overlay_document",
    "packaged_catalog_text",
    "parse_catalog",
    "parse_xy",
    "with_overlay",
]
