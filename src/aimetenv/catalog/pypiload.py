"""The generated PyPI section of the catalog: every published AIMET file, and the sources built from it."""

from __future__ import annotations

import dataclasses
import re
from typing import TYPE_CHECKING

from packaging.specifiers import SpecifierSet
from packaging.version import Version

from aimetenv.catalog.model import (
    Era,
    PublishedFile,
    Refusal,
    Release,
    Source,
    Variant,
)
from aimetenv.catalog.names import is_release_tag, release_version, wheel_fields
from aimetenv.catalog.variants import parse_variant_id

if TYPE_CHECKING:
    from collections.abc import Mapping
from aimetenv.catalog.validate import (
    SHA256_RE,
    Where,
    check_keys,
    mapping,
    required_text,
    specifier,
    str_map,
    text_value,
    wheel_file,
    xy_value,
)

_FILE_KEYS = frozenset({"file", "url", "size", "sha256", "requires_python", "uploaded", "cuda"})


_PROJECT_KEYS = frozenset({"files", "variants", "python", "python_reason", "glibc", "note"})


_PROJECT_VARIANT_KEYS = frozenset({"torch", "replace", "pins", "note"})


_UPLOADED_RE = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$")


def _published(value: object, where: Where) -> PublishedFile:
    data = mapping(value, where)
    check_keys(data, _FILE_KEYS, where)
    wheel = wheel_file(data.get("file"), where.at(".file"))
    url = required_text(data.get("url"), where.at(".url"))
    if not url.startswith(("https://", "http://")) or not url.endswith("/" + wheel.filename):
        raise where.at(".url").fail(f"expected an http(s) URL ending in /{wheel.filename}")
    size = data.get("size")
    if not isinstance(size, int) or isinstance(size, bool) or size <= 0:
        raise where.at(".size").fail(f"expected a positive number of bytes, found {size!r}")
    sha = required_text(data.get("sha256"), where.at(".sha256"))
    if not SHA256_RE.match(sha):
        raise where.at(".sha256").fail("expected 64 lowercase hex digits")
    requires = text_value(data.get("requires_python"), where.at(".requires_python"), optional=True)
    if requires is not None:
        specifier(requires, where.at(".requires_python"))
    uploaded = required_text(data.get("uploaded"), where.at(".uploaded"))
    if not _UPLOADED_RE.match(uploaded):
        raise where.at(".uploaded").fail(f"expected YYYY-MM-DDTHH:MM:SSZ, found {uploaded!r}")
    return PublishedFile(
        filename=wheel.filename,
        url=url,
        size=size,
        sha256=sha,
        requires_python=requires,
        uploaded=uploaded,
        cuda=xy_value(data.get("cuda"), where.at(".cuda")),
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
    project: str, version: str, value: object, where: Where, index: str
) -> dict[str, Source]:
    data = mapping(value, where)
    check_keys(data, _PROJECT_KEYS, where)
    raw_files = data.get("files")
    if not isinstance(raw_files, list) or not raw_files:
        raise where.at(".files").fail("expected a non-empty list of files")
    files = tuple(_published(f, where.at(f".files[{i}]")) for i, f in enumerate(raw_files))
    tags = tuple(dict.fromkeys(wheel_fields(f.filename)[2] for f in files))  # type: ignore[index]
    python = text_value(data.get("python"), where.at(".python"), optional=True)
    if python is not None:
        specifier(python, where.at(".python"))
    else:
        declared = {f.requires_python for f in files if f.requires_python}
        python = declared.pop() if len(declared) == 1 else None
    reason = text_value(data.get("python_reason"), where.at(".python_reason"), optional=True)
    glibc = xy_value(data.get("glibc"), where.at(".glibc")) or _glibc_floor(tags)
    note = text_value(data.get("note"), where.at(".note"), optional=True)
    sources = {}
    for vid, raw in mapping(data.get("variants"), where.at(".variants")).items():
        w = where.at(f".variants.{vid}")
        extra = mapping(raw or {}, w)
        check_keys(extra, _PROJECT_VARIANT_KEYS, w)
        parsed = parse_variant_id(str(vid))
        if parsed is None or parsed.id != vid:
            raise w.fail(f"not a canonical variant id: {vid!r}")
        torch = extra.get("torch")
        if torch not in (None, "cpu-index"):
            raise w.at(".torch").fail(f"expected cpu-index, found {torch!r}")
        notes = [
            n for n in (note, text_value(extra.get("note"), w.at(".note"), optional=True)) if n
        ]
        sources[str(vid)] = Source(
            kind="pypi",
            confidence="verified-pypi",
            evidence=f"PYPI {index}/{project}/{version}/json",
            requirement=f"{project}=={version}",
            wheel_tags=tags,
            python=python,
            python_default=_python_default(python, tags),
            glibc=glibc,
            pins=str_map(extra.get("pins"), w.at(".pins")),
            torch=None if torch is None else str(torch),
            replace=str_map(extra.get("replace"), w.at(".replace")),
            note="; ".join(notes) or None,
            sha256={f.filename: f.sha256 for f in files},
            files=files,
            python_reason=reason,
        )
    return sources


def merge_pypi_section(  # the section and what it lands on
    by_tag: Mapping[str, Release],
    value: object,
    where: Where,
    eras: Mapping[str, Era],
    refused: tuple[Refusal, ...],
) -> tuple[dict[str, Release], tuple[Refusal, ...]]:
    """Releases with the PyPI sources of a ``pypi:`` section, and the refused versions.

    Each variant the section names gets its PyPI source (replacing an older one); a version no
    release has yet becomes a PyPI-only release; a release without a date takes the day of its
    first upload. Refusals are keyed by project and version; the section's win.
    """
    data = mapping(value, where)
    check_keys(data, frozenset({"index", "refused", "releases"}), where)
    index = required_text(data.get("index"), where.at(".index")).rstrip("/")
    result = dict(by_tag)
    kept = {(r.project, r.version): r for r in refused}
    for i, item in enumerate(data.get("refused") or []):
        w = where.at(f".refused[{i}]")
        entry = mapping(item, w)
        check_keys(entry, frozenset({"project", "version", "reason"}), w)
        refusal = Refusal(
            project=required_text(entry.get("project"), w.at(".project")),
            version=required_text(entry.get("version"), w.at(".version")),
            reason=required_text(entry.get("reason"), w.at(".reason")),
        )
        kept[(refusal.project, refusal.version)] = refusal
    for i, item in enumerate(data.get("releases") or []):
        entry = mapping(item, where.at(f".releases[{i}]"))
        check_keys(entry, frozenset({"version", "date", "era", "projects"}), where)
        tag = required_text(entry.get("version"), where.at(f".releases[{i}].version"))
        w = where.at(f" release {tag!r}")
        if not is_release_tag(tag):
            raise w.fail("version must look like 2.42.0 or 1.32.1.post1")
        date = required_text(entry.get("date"), w.at(".date"))
        if not re.match(r"^\d{4}-\d{2}-\d{2}$", date):
            raise w.at(".date").fail(f"expected YYYY-MM-DD, found {date!r}")
        era = required_text(entry.get("era"), w.at(".era"))
        if era not in eras:
            raise w.at(".era").fail(f"unknown era {era!r}")
        sources: dict[str, Source] = {}
        for project, raw in mapping(entry.get("projects"), w.at(".projects")).items():
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
