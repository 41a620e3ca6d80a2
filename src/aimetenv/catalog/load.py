"""Load the packaged release catalog (and the user overlay) and validate every entry.

A malformed entry raises ``CatalogError`` naming the file, the entry and the field, so a broken
overlay or a bad edit of the packaged data never shows up later as a traceback.
"""

from __future__ import annotations

import dataclasses
import re
from importlib import resources
from typing import TYPE_CHECKING, Any, cast

import yaml
from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.tags import parse_tag
from packaging.version import InvalidVersion, Version

from aimetenv.catalog.model import (
    CONFIDENCE_LEVELS,
    Catalog,
    Era,
    Hosts,
    LibpymoRule,
    PublishedFile,
    Refusal,
    Release,
    Source,
    Variant,
    WheelFile,
)
from aimetenv.catalog.names import is_release_tag, release_version, wheel_fields
from aimetenv.catalog.variants import parse_variant_id
from aimetenv.errors import CatalogError

if TYPE_CHECKING:
    from collections.abc import Mapping
    from pathlib import Path

SCHEMA = 1
_XY_RE = re.compile(r"^\d+\.\d+$")
_SHA256_RE = re.compile(r"^[0-9a-f]{64}$")
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
_VARIANT_KEYS = frozenset({"cuda", "aliases", "shipped", "github", "pypi"})


class _Where:
    """Names the place in the catalog that a validation error is about."""

    def __init__(self, origin: str, path: str = "") -> None:
        self.origin = origin
        self.path = path

    def at(self, part: str) -> _Where:
        return _Where(self.origin, f"{self.path}{part}" if self.path else part)

    def fail(self, problem: str) -> CatalogError:
        where = f" {self.path}:" if self.path else ""
        return CatalogError(
            f"release catalog {self.origin}:{where} {problem}",
            hint="Reinstall aimetenv, or remove the overlay with 'aimetenv releases --reset'.",
            code="catalog-invalid",
        )


def _mapping(value: object, where: _Where) -> Mapping[str, Any]:
    if not isinstance(value, dict):
        raise where.fail(f"expected a mapping, found {type(value).__name__}")
    return cast("Mapping[str, Any]", value)


def _text(value: object, where: _Where, *, optional: bool = False) -> str | None:
    if value is None and optional:
        return None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str) or not value.strip():
        raise where.fail("expected a non-empty string")
    return value


def _required_text(value: object, where: _Where) -> str:
    text = _text(value, where)
    assert text is not None  # noqa: S101  # _text without optional never returns None
    return text


def _check_keys(data: Mapping[str, Any], allowed: frozenset[str], where: _Where) -> None:
    unknown = sorted(set(data) - allowed)
    if unknown:
        raise where.fail(f"unknown field(s) {', '.join(unknown)}")


def _specifier(value: object, where: _Where) -> SpecifierSet:
    text = _required_text(value, where)
    try:
        return SpecifierSet(text)
    except InvalidSpecifier:
        raise where.fail(f"not a version specifier: {text!r}") from None


def _xy(value: object, where: _Where, *, optional: bool = True) -> str | None:
    text = _text(value, where, optional=optional)
    if text is not None and not _XY_RE.match(text):
        raise where.fail(f"expected a version like 3.10, found {text!r}")
    return text


def _confidence(value: object, where: _Where) -> str:
    text = _required_text(value, where)
    if text not in CONFIDENCE_LEVELS:
        raise where.fail(f"confidence must be one of {', '.join(CONFIDENCE_LEVELS)}, not {text!r}")
    return text


def _wheel(value: object, where: _Where) -> WheelFile:
    if isinstance(value, str):
        name, find_links = value, False
    else:
        data = _mapping(value, where)
        _check_keys(data, frozenset({"file", "find_links"}), where)
        name = _required_text(data.get("file"), where.at(".file"))
        find_links = bool(data.get("find_links", False))
    fields = wheel_fields(name)
    if fields is None or "/" in name:
        raise where.fail(f"not a wheel file name: {name!r}")
    try:
        parse_tag(fields[2])
    except ValueError:
        raise where.fail(f"wheel file name has no valid tags: {name!r}") from None
    return WheelFile(filename=name, find_links=find_links)


def _wheel_tag(value: object, where: _Where) -> None:
    text = _required_text(value, where)
    try:
        parse_tag(text)
    except ValueError:
        raise where.fail(f"not a wheel tag: {text!r}") from None


def _str_map(value: object, where: _Where) -> dict[str, str]:
    if value is None:
        return {}
    data = _mapping(value, where)
    return {str(k): _required_text(v, where.at(f".{k}")) for k, v in data.items()}


def _source(  # one validation per field, read top to bottom
    kind: str, value: object, where: _Where, defaults: Mapping[str, Any]
) -> Source:
    data = _mapping(value, where)
    _check_keys(data, _SOURCE_KEYS, where)

    def inherited(key: str) -> object:
        return data[key] if key in data else defaults.get(key)

    wheels: tuple[WheelFile, ...] = ()
    requirement = None
    wheel_tags: tuple[str, ...] = ()
    if kind == "github":
        raw = data.get("wheels")
        if not isinstance(raw, list) or not raw:
            raise where.at(".wheels").fail("a github source needs a non-empty list of wheels")
        wheels = tuple(_wheel(w, where.at(f".wheels[{i}]")) for i, w in enumerate(raw))
    else:
        requirement = _required_text(data.get("requirement"), where.at(".requirement"))
        if not re.match(r"^[A-Za-z0-9][A-Za-z0-9._-]*==\S+$", requirement):
            raise where.at(".requirement").fail(f"expected name==version, found {requirement!r}")
        raw_tags = data.get("wheel_tags")
        if not isinstance(raw_tags, list) or not raw_tags:
            raise where.at(".wheel_tags").fail("a pypi source needs the wheel tags it publishes")
        for i, tag in enumerate(raw_tags):
            _wheel_tag(tag, where.at(f".wheel_tags[{i}]"))
        wheel_tags = tuple(str(t) for t in raw_tags)
    python = inherited("python")
    if python is not None:
        _specifier(python, where.at(".python"))
    glibc = _xy(inherited("glibc"), where.at(".glibc"))
    pip = data.get("pip")
    if pip is not None:
        _specifier(pip, where.at(".pip"))
    torch = data.get("torch")
    if torch not in (None, "cpu-index"):
        raise where.at(".torch").fail(f"expected cpu-index, found {torch!r}")
    sha = _str_map(data.get("sha256"), where.at(".sha256"))
    for name, digest in sha.items():
        if not _SHA256_RE.match(digest):
            raise where.at(f".sha256.{name}").fail("expected 64 lowercase hex digits")
    return Source(
        kind="github" if kind == "github" else "pypi",
        confidence=_confidence(data.get("confidence"), where.at(".confidence")),
        evidence=_required_text(
            data.get("evidence", defaults.get("evidence")), where.at(".evidence")
        ),
        wheels=wheels,
        requirement=requirement,
        wheel_tags=wheel_tags,
        python=None if python is None else str(python),
        python_default=_xy(inherited("python_default"), where.at(".python_default")),
        glibc=glibc,
        pip=None if pip is None else str(pip),
        pins=_str_map(data.get("pins"), where.at(".pins")),
        torch=None if torch is None else str(torch),
        replace=_str_map(data.get("replace"), where.at(".replace")),
        note=_text(data.get("note"), where.at(".note"), optional=True),
        sha256=sha,
    )


def _variant(variant_id: str, value: object, where: _Where, defaults: Mapping[str, Any]) -> Variant:
    data = _mapping(value, where)
    _check_keys(data, _VARIANT_KEYS, where)
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
    return Variant(
        id=variant_id,
        framework=parsed.framework,
        accelerator=parsed.accelerator,
        cuda=_xy(data.get("cuda"), where.at(".cuda")),
        aliases=tuple(aliases),
        shipped=bool(data.get("shipped", True)),
        github=None if github is None else _source("github", github, where.at(".github"), defaults),
        pypi=None if pypi is None else _source("pypi", pypi, where.at(".pypi"), defaults),
    )


def _release(value: object, where: _Where, eras: Mapping[str, Era]) -> Release:
    data = _mapping(value, where)
    tag = _required_text(data.get("tag"), where.at("tag"))
    where = _Where(where.origin, f"release {tag!r}")
    _check_keys(data, _RELEASE_KEYS, where)
    if not is_release_tag(tag):
        raise where.fail("tag must look like 1.16.2, 1.16.2.py37 or 1.32.1.post1")
    era = _required_text(data.get("era"), where.at(".era"))
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
    raw_variants = _mapping(data.get("variants"), where.at(".variants"))
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
        _specifier(python, where.at(".python"))
    return Release(
        tag=tag,
        version=release_version(tag),
        era=era,
        date=None if date is None else str(date),
        hosting=tuple(hosting),
        prefer="pypi" if prefer == "pypi" else "github",
        confidence=_confidence(data.get("confidence"), where.at(".confidence")),
        evidence=str(evidence),
        variants=variants,
        python=None if python is None else str(python),
        python_default=_xy(data.get("python_default"), where.at(".python_default")),
        glibc=_xy(data.get("glibc"), where.at(".glibc")),
        note=_text(data.get("note"), where.at(".note"), optional=True),
    )


def _libpymo_rules(raw: object, where: _Where) -> tuple[LibpymoRule, ...]:
    data = _mapping(raw, where)
    libpymo: list[LibpymoRule] = []
    for i, item in enumerate(data.get("libpymo") or []):
        w = where.at(f"libpymo[{i}]")
        rule = _mapping(item, w)
        frameworks = rule.get("frameworks") or []
        libpymo.append(
            LibpymoRule(
                versions=_specifier(rule.get("versions"), w.at(".versions")),
                frameworks=tuple(str(f) for f in frameworks),
                native=_text(rule.get("native"), w.at(".native"), optional=True),
                wrapper=_text(rule.get("wrapper"), w.at(".wrapper"), optional=True),
                location=_text(rule.get("location"), w.at(".location"), optional=True),
                note=_required_text(rule.get("note"), w.at(".note")),
            )
        )
    if not libpymo:
        raise where.fail("the libpymo rules must not be empty")
    return tuple(libpymo)


def _document(text: str, where: _Where, *, detail: bool) -> Mapping[str, Any]:
    """The top-level mapping of a catalog or overlay, which must name this ``SCHEMA``.

    ``detail``: quote YAML's own message in the error (``parse_catalog``); an overlay's error
    names only the kind of YAML error.
    """
    try:
        raw = yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))  # noqa: S506  # safe loaders only
    except yaml.YAMLError as exc:
        shown = f"{exc.__class__.__name__}: {exc}" if detail else exc.__class__.__name__
        raise where.fail(f"not valid YAML ({shown})") from None
    data = _mapping(raw, where)
    if data.get("schema") != SCHEMA:
        raise where.fail(f"schema {data.get('schema')!r} is not supported (expected {SCHEMA})")
    return data


def parse_catalog(text: str, origin: str) -> Catalog:
    """Parse and validate catalog YAML text; ``origin`` names it in error messages."""
    where = _Where(origin)
    data = _document(text, where, detail=True)
    hosts = _mapping(data.get("hosts"), where.at("hosts"))
    eras = {
        str(k): Era(
            id=str(k),
            versions=_required_text(_mapping(v, where.at(f"eras.{k}")).get("versions"), where),
            summary=_required_text(v.get("summary"), where.at(f"eras.{k}.summary")),
        )
        for k, v in _mapping(data.get("eras"), where.at("eras")).items()
    }
    libpymo = _libpymo_rules(data, where)
    non_releases = {}
    for i, item in enumerate(data.get("non_releases") or []):
        entry = _mapping(item, where.at(f"non_releases[{i}]"))
        tag = _required_text(entry.get("tag"), where.at(f"non_releases[{i}].tag"))
        non_releases[tag] = _required_text(entry.get("reason"), where.at(f"non_releases[{i}]"))
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
    pip_by_python = _str_map(data.get("pip_by_python"), where.at("pip_by_python"))
    return Catalog(
        schema=SCHEMA,
        hosts=Hosts(
            release=_required_text(hosts.get("release"), where.at("hosts.release")),
            torch_find_links=_required_text(
                hosts.get("torch_find_links"), where.at("hosts.torch_find_links")
            ),
            torch_cpu_index=_required_text(
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


def _check_unique(releases: list[Release], where: _Where) -> None:
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
    where = _Where(origin)
    data = _document(text, where, detail=False)
    by_tag = {r.tag: r for r in catalog.releases}
    for i, item in enumerate(data.get("releases") or []):
        entry = _mapping(item, where.at(f"releases[{i}]"))
        tag = _required_text(entry.get("tag"), where.at(f"releases[{i}].tag"))
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
    base: Release | None, entry: Mapping[str, Any], where: _Where, eras: Mapping[str, Era]
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
    for vid, raw in _mapping(entry.get("variants") or {}, where.at(".variants")).items():
        w = where.at(f".variants.{vid}")
        data = _mapping(raw, w)
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
        variants[str(vid)] = Variant(
            id=old.id,
            framework=old.framework,
            accelerator=old.accelerator,
            cuda=old.cuda,
            aliases=old.aliases,
            shipped=bool(data.get("shipped", old.shipped)),
            github=github,
            pypi=pypi,
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


_FILE_KEYS = frozenset({"file", "url", "size", "sha256", "requires_python", "uploaded"})
_PROJECT_KEYS = frozenset({"files", "variants", "python", "python_reason", "glibc", "note"})
_PROJECT_VARIANT_KEYS = frozenset({"torch", "replace", "pins", "note"})
_UPLOADED_RE = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$")


def _published(value: object, where: _Where) -> PublishedFile:
    data = _mapping(value, where)
    _check_keys(data, _FILE_KEYS, where)
    wheel = _wheel(data.get("file"), where.at(".file"))
    url = _required_text(data.get("url"), where.at(".url"))
    if not url.startswith(("https://", "http://")) or not url.endswith("/" + wheel.filename):
        raise where.at(".url").fail(f"expected an http(s) URL ending in /{wheel.filename}")
    size = data.get("size")
    if not isinstance(size, int) or isinstance(size, bool) or size <= 0:
        raise where.at(".size").fail(f"expected a positive number of bytes, found {size!r}")
    sha = _required_text(data.get("sha256"), where.at(".sha256"))
    if not _SHA256_RE.match(sha):
        raise where.at(".sha256").fail("expected 64 lowercase hex digits")
    requires = _text(data.get("requires_python"), where.at(".requires_python"), optional=True)
    if requires is not None:
        _specifier(requires, where.at(".requires_python"))
    uploaded = _required_text(data.get("uploaded"), where.at(".uploaded"))
    if not _UPLOADED_RE.match(uploaded):
        raise where.at(".uploaded").fail(f"expected YYYY-MM-DDTHH:MM:SSZ, found {uploaded!r}")
    return PublishedFile(
        filename=wheel.filename,
        url=url,
        size=size,
        sha256=sha,
        requires_python=requires,
        uploaded=uploaded,
    )


def _python_default(python: str | None, tags: tuple[str, ...]) -> str:
    """3.10 when a file and the range allow it (most AIMET builds are for 3.10), else 3.8."""
    interpreters = {t.split("-", 1)[0] for tag in tags for t in tag.split(".")}
    allows_310 = python is None or Version("3.10.0") in SpecifierSet(python)
    if allows_310 and interpreters & {"cp310", "py310", "py38", "py3"}:
        return "3.10"
    return "3.8"


def _glibc_floor(tags: tuple[str, ...]) -> str | None:
    floors = []
    for tag in tags:
        found = re.search(r"manylinux_(\d+)_(\d+)_", tag)
        if found:
            floors.append((int(found.group(1)), int(found.group(2))))
    if not floors:
        return None
    major, minor = min(floors)
    return f"{major}.{minor}"


def _pypi_sources(
    project: str, version: str, value: object, where: _Where, index: str
) -> dict[str, Source]:
    data = _mapping(value, where)
    _check_keys(data, _PROJECT_KEYS, where)
    raw_files = data.get("files")
    if not isinstance(raw_files, list) or not raw_files:
        raise where.at(".files").fail("expected a non-empty list of files")
    files = tuple(_published(f, where.at(f".files[{i}]")) for i, f in enumerate(raw_files))
    tags = tuple(dict.fromkeys(wheel_fields(f.filename)[2] for f in files))  # type: ignore[index]
    python = _text(data.get("python"), where.at(".python"), optional=True)
    if python is not None:
        _specifier(python, where.at(".python"))
    else:
        declared = {f.requires_python for f in files if f.requires_python}
        python = declared.pop() if len(declared) == 1 else None
    reason = _text(data.get("python_reason"), where.at(".python_reason"), optional=True)
    glibc = _xy(data.get("glibc"), where.at(".glibc")) or _glibc_floor(tags)
    note = _text(data.get("note"), where.at(".note"), optional=True)
    sources = {}
    for vid, raw in _mapping(data.get("variants"), where.at(".variants")).items():
        w = where.at(f".variants.{vid}")
        extra = _mapping(raw or {}, w)
        _check_keys(extra, _PROJECT_VARIANT_KEYS, w)
        parsed = parse_variant_id(str(vid))
        if parsed is None or parsed.id != vid:
            raise w.fail(f"not a canonical variant id: {vid!r}")
        torch = extra.get("torch")
        if torch not in (None, "cpu-index"):
            raise w.at(".torch").fail(f"expected cpu-index, found {torch!r}")
        notes = [n for n in (note, _text(extra.get("note"), w.at(".note"), optional=True)) if n]
        sources[str(vid)] = Source(
            kind="pypi",
            confidence="verified-pypi",
            evidence=f"PYPI {index}/{project}/{version}/json",
            requirement=f"{project}=={version}",
            wheel_tags=tags,
            python=python,
            python_default=_python_default(python, tags),
            glibc=glibc,
            pins=_str_map(extra.get("pins"), w.at(".pins")),
            torch=None if torch is None else str(torch),
            replace=_str_map(extra.get("replace"), w.at(".replace")),
            note="; ".join(notes) or None,
            sha256={f.filename: f.sha256 for f in files},
            files=files,
            python_reason=reason,
        )
    return sources


def merge_pypi_section(  # the section and what it lands on
    by_tag: Mapping[str, Release],
    value: object,
    where: _Where,
    eras: Mapping[str, Era],
    refused: tuple[Refusal, ...],
) -> tuple[dict[str, Release], tuple[Refusal, ...]]:
    """Releases with the PyPI sources of a ``pypi:`` section, and the refused versions.

    Each variant the section names gets its PyPI source (replacing an older one); a version no
    release has yet becomes a PyPI-only release; a release without a date takes the day of its
    first upload. Refusals are keyed by project and version; the section's win.
    """
    data = _mapping(value, where)
    _check_keys(data, frozenset({"index", "refused", "releases"}), where)
    index = _required_text(data.get("index"), where.at(".index")).rstrip("/")
    result = dict(by_tag)
    kept = {(r.project, r.version): r for r in refused}
    for i, item in enumerate(data.get("refused") or []):
        w = where.at(f".refused[{i}]")
        entry = _mapping(item, w)
        _check_keys(entry, frozenset({"project", "version", "reason"}), w)
        refusal = Refusal(
            project=_required_text(entry.get("project"), w.at(".project")),
            version=_required_text(entry.get("version"), w.at(".version")),
            reason=_required_text(entry.get("reason"), w.at(".reason")),
        )
        kept[(refusal.project, refusal.version)] = refusal
    for i, item in enumerate(data.get("releases") or []):
        entry = _mapping(item, where.at(f".releases[{i}]"))
        _check_keys(entry, frozenset({"version", "date", "era", "projects"}), where)
        tag = _required_text(entry.get("version"), where.at(f".releases[{i}].version"))
        w = where.at(f" release {tag!r}")
        if not is_release_tag(tag):
            raise w.fail("version must look like 2.42.0 or 1.32.1.post1")
        date = _required_text(entry.get("date"), w.at(".date"))
        if not re.match(r"^\d{4}-\d{2}-\d{2}$", date):
            raise w.at(".date").fail(f"expected YYYY-MM-DD, found {date!r}")
        era = _required_text(entry.get("era"), w.at(".era"))
        if era not in eras:
            raise w.at(".era").fail(f"unknown era {era!r}")
        sources: dict[str, Source] = {}
        for project, raw in _mapping(entry.get("projects"), w.at(".projects")).items():
            sources.update(_pypi_sources(str(project), tag, raw, w.at(f".{project}"), index))
        if not sources:
            raise w.at(".projects").fail("a PyPI release needs at least one variant")
        result[tag] = _with_pypi(result.get(tag), tag, date, era, sources)
    return result, tuple(sorted(kept.values(), key=lambda r: (r.project, r.version)))


def _with_pypi(
    base: Release | None, tag: str, date: str, era: str, sources: Mapping[str, Source]
) -> Release:
    if base is None:
        variants = {vid: _pypi_variant(vid, source) for vid, source in sorted(sources.items())}
        first = next(iter(sources.values()))
        return Release(
            tag=tag,
            version=release_version(tag),
            era=era,
            date=date,
            hosting=("pypi",),
            prefer="pypi",
            confidence="verified-pypi",
            evidence=first.evidence.rsplit("/", 3)[0] + " (JSON API)",
            variants=variants,
            python_default=first.python_default,
        )
    variants = dict(base.variants)
    for vid, source in sources.items():
        old = base.find_variant(vid) if vid not in variants else variants[vid]
        if old is None:
            variants[vid] = _pypi_variant(vid, source)
        else:
            variants[old.id] = dataclasses.replace(old, pypi=source)
    hosting = base.hosting if "pypi" in base.hosting else (*base.hosting, "pypi")
    return dataclasses.replace(base, variants=variants, hosting=hosting, date=base.date or date)


def _pypi_variant(vid: str, source: Source) -> Variant:
    parsed = parse_variant_id(vid)
    assert parsed is not None  # noqa: S101  # checked by _pypi_sources
    return Variant(id=vid, framework=parsed.framework, accelerator=parsed.accelerator, pypi=source)


def packaged_catalog_text() -> str:
    """The YAML text of the catalog shipped inside the package."""
    return resources.files("aimetenv").joinpath("data/catalog.yaml").read_text(encoding="utf-8")


def load_catalog(overlay: Path | None = None) -> Catalog:
    """Load the packaged catalog, then merge the overlay file when it exists."""
    catalog = parse_catalog(packaged_catalog_text(), "(packaged)")
    return with_overlay(catalog, overlay)


def with_overlay(catalog: Catalog, overlay: Path | None) -> Catalog:
    """``catalog`` with the overlay file merged in, when there is one."""
    if overlay is not None and overlay.is_file():
        try:
            text = overlay.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise _Where(str(overlay)).fail(f"cannot be read ({exc})") from None
        catalog = merge_overlay(catalog, text, str(overlay))
    return catalog


def parse_xy(text: str) -> tuple[int, int] | None:
    """``"3.10"`` -> ``(3, 10)``; anything else -> None."""
    if not _XY_RE.match(text):
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
    "packaged_catalog_text",
    "parse_catalog",
    "parse_xy",
    "with_overlay",
]
