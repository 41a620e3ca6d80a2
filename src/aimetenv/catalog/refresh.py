"""Catalog refresh: real asset names, their sha256 digests and newer releases, from the APIs.

``releases --refresh`` reads the GitHub releases API of quic/aimet and the PyPI JSON API of
aimet-torch and aimet-onnx (``catalog.releaseapi``) and writes a user-level overlay
(``paths.overlay_path()``, YAML schema 1, merged by ``catalog.load.merge_overlay``) on top of
the packaged catalog: ``catalog.overlay`` decides what GitHub's answer adds, and
``catalog.pypisection`` turns PyPI's answer into the overlay's ``pypi:`` section (every file,
sha256, yank and date, for the releases the catalog knows and for new ones).

Each source is read on its own: when one does not answer (or answers nonsense), the other is
still used, the overlay keeps what the silent source said last time, and the result names the
skipped source. Only when no source answered does refresh fail (``NetworkError``, exit 3), and
then the old overlay is left as it was. ``--reset`` deletes the overlay.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any, cast

from aimetenv.catalog.overlay import build_overlay
from aimetenv.catalog.pypisection import PROJECTS, build_section, read_pypi
from aimetenv.catalog.releaseapi import (
    DEFAULT_GITHUB_API,
    DEFAULT_PYPI_JSON,
    GithubRelease,
    fetch_github,
    started,
)
from aimetenv.errors import FileError, NetworkError
from aimetenv.fetch.http import HttpClient, default_timeout
from aimetenv.fsutil import atomic_write_text

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping
    from pathlib import Path

    from aimetenv.catalog.model import Catalog


@dataclass(frozen=True)
class RefreshResult:
    """What a refresh read and what it wrote."""

    path: Path
    github_api: str
    pypi_url: str
    date: str
    github_releases: int
    pypi_versions: Mapping[str, int]
    verified: tuple[str, ...]
    """``"<tag> <variant>"`` for each variant whose asset names are now verified."""
    unmatched: tuple[str, ...]
    added: tuple[str, ...]
    digests: int
    skipped: tuple[str, ...]
    sources_skipped: tuple[str, ...] = ()
    """One line per source that did not answer: ``GitHub: <why>``; its last answer was kept."""
    pypi_files: int = 0
    """The PyPI files (each with its sha256) the overlay's ``pypi:`` section lists."""
    refused: int = 0

    @property
    def verified_tags(self) -> tuple[str, ...]:
        """The known releases with at least one verified variant."""
        return tuple(dict.fromkeys(v.split(" ", 1)[0] for v in self.verified))

    def to_dict(self) -> dict[str, Any]:
        """JSON form."""
        return {
            "overlay": str(self.path),
            "github_api": self.github_api,
            "pypi_url": self.pypi_url,
            "date": self.date,
            "github_releases": self.github_releases,
            "pypi_versions": dict(self.pypi_versions),
            "pypi_files": self.pypi_files,
            "refused": self.refused,
            "verified": list(self.verified),
            "unmatched": list(self.unmatched),
            "added": list(self.added),
            "digests": self.digests,
            "skipped": list(self.skipped),
            "sources_skipped": list(self.sources_skipped),
        }


def _old_overlay(overlay: Path) -> Mapping[str, Any]:
    """The overlay written last time, or nothing when there is none or it does not parse."""
    import yaml  # noqa: PLC0415  # only when refreshing

    try:
        loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml when it is there
        data = yaml.load(overlay.read_text(encoding="utf-8"), Loader=loader)  # noqa: S506  # safe loaders only
    except (OSError, UnicodeDecodeError, yaml.YAMLError):
        return {}
    return data if isinstance(data, dict) else {}


_TAG = "tag:yaml.org,2002:"


def yaml_text(document: Mapping[str, Any]) -> str:
    """``yaml.dump(document, sort_keys=False, allow_unicode=True, width=100)``, sooner.

    libyaml's emitter when PyYAML has it (the pure-Python one took most of a refresh's time).
    The nodes of a document of plain dicts, lists, strings, ints, bools and None are built here
    as PyYAML's SafeRepresenter builds them (block style, a dict or list met twice becomes the
    same node, so an alias), without its per-object dispatch; anything else goes through
    ``yaml.dump`` itself. The text is the same either way.
    """
    import io  # noqa: PLC0415  # only when writing

    import yaml  # noqa: PLC0415  # only when writing
    from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode  # noqa: PLC0415  # only when writing

    options: dict[str, Any] = {"allow_unicode": True, "width": 100, "sort_keys": False}
    dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
    made: dict[int, Node] = {}

    def node(data: object) -> Node:
        kind = type(data)
        if kind is str:
            return ScalarNode(_TAG + "str", data)
        if kind is dict or kind is list:
            found = made.get(id(data))
            if found is not None:
                return found
            if kind is dict:
                pairs: list[tuple[Node, Node]] = []
                made[id(data)] = MappingNode(_TAG + "map", pairs, flow_style=False)
                pairs.extend((node(k), node(v)) for k, v in cast("dict[Any, Any]", data).items())
            else:
                items: list[Node] = []
                made[id(data)] = SequenceNode(_TAG + "seq", items, flow_style=False)
                items.extend(node(v) for v in cast("list[Any]", data))
            return made[id(data)]
        if kind is bool:
            return ScalarNode(_TAG + "bool", "true" if data else "false")
        if kind is int:
            return ScalarNode(_TAG + "int", str(data))
        if data is None:
            return ScalarNode(_TAG + "null", "null")
        raise TypeError(kind)

    try:
        root = node(document)
    except TypeError:  # a value the representer knows better: its own way
        return str(yaml.dump(document, Dumper=dumper, **options))
    stream = io.StringIO()
    writer = dumper(stream, default_flow_style=False, **options)
    try:
        writer.open()
        writer.serialize(root)
        writer.close()
    finally:
        writer.dispose()
    return stream.getvalue()


def refresh(  # one keyword per input
    *,
    catalog: Catalog | Callable[[], Catalog],
    overlay: Path,
    github_api: str = DEFAULT_GITHUB_API,
    pypi_url: str = DEFAULT_PYPI_JSON,
    client: HttpClient | None = None,
    today: str | None = None,
) -> RefreshResult:
    """Read both APIs, build the overlay for the packaged ``catalog`` and write it atomically.

    ``catalog`` must be the packaged catalog (the overlay is rebuilt each time), or a function
    that loads it: that is called once the requests are on their way, so the loading happens
    while the hosts answer. A source that fails is skipped and named in ``sources_skipped``;
    when both fail, one ``NetworkError`` (exit 3) names each source's failure, with the first
    one's code and hint, before the old overlay is touched.
    """
    http = client or HttpClient(timeout=default_timeout())
    date = today or datetime.now(timezone.utc).date().isoformat()
    try:  # the two sources at the same time, each on its own (a failure skips only its source)
        jobs: list[Callable[[HttpClient], object]] = [
            lambda c: fetch_github(c, github_api),
            lambda c: read_pypi(c, pypi_url),
        ]
        # requests first, on this thread: the reads leave as soon as their threads start, and
        # the work below fills the round trip instead of delaying them
        import requests  # noqa: F401, PLC0415  # loaded here; the reads' threads use it

        answers = started(http, jobs)
        # meanwhile, on this thread: the catalog, and the YAML loader the check below needs
        from aimetenv.catalog.load import merge_overlay_document  # noqa: PLC0415  # only when an overlay is written

        if callable(catalog):
            catalog = catalog()
        github_read, pypi_read = answers()
    finally:
        if client is None:
            http.close()
    failures = [
        (name, read)
        for name, read in (("GitHub", github_read), ("PyPI", pypi_read))
        if isinstance(read, NetworkError)
    ]
    releases = (
        None if isinstance(github_read, NetworkError) else cast("list[GithubRelease]", github_read)
    )
    pypi = None if isinstance(pypi_read, NetworkError) else cast("tuple[Any, Any]", pypi_read)
    if releases is None and pypi is None:  # each source's own words, the first one's code
        first = failures[0][1]
        said = "; ".join(f"{name}: {error.message}" for name, error in failures)
        raise NetworkError(
            f"neither source answered ({said})",
            hint=first.hint,
            code=first.code,
            details=first.details,
        )
    old = _old_overlay(overlay) if failures else {}  # only a silent source keeps its last answer
    document: dict[str, Any] = {"schema": 1, "releases": []}
    tally = None
    if releases is not None:
        built, tally = build_overlay(catalog, releases, date=date)
        document["releases"] = built["releases"]
    elif isinstance(old.get("releases"), list):
        document["releases"] = old["releases"]
    section = None
    if pypi is not None:
        section = build_section(pypi[0], index=pypi_url, catalog=catalog, placeholders=pypi[1])
        document["pypi"] = section
    elif isinstance(old.get("pypi"), dict):
        document["pypi"] = old["pypi"]
    sources = [github_api if releases is not None else None, pypi_url if pypi else None]
    said = " and ".join(s for s in sources if s)
    header = (
        f"# The aimetenv catalog overlay, written by 'aimetenv releases --refresh' on {date}\n"
        f"# from {said}. 'aimetenv releases --reset' removes it.\n"
    )
    text = header + yaml_text(document)
    merge_overlay_document(catalog, document, str(overlay))  # what is written must load
    atomic_write_text(overlay, text)
    added = [] if tally is None else list(tally.added)
    for entry in [] if section is None else section["releases"]:
        if catalog.get(entry["version"]) is None and entry["version"] not in added:
            added.append(entry["version"])
    files = 0 if section is None else sum(
        len(p["files"]) for r in section["releases"] for p in r["projects"].values()
    )  # fmt: skip
    return RefreshResult(
        path=overlay,
        github_api=github_api,
        pypi_url=pypi_url,
        date=date,
        github_releases=0 if releases is None else len(releases),
        pypi_versions={}
        if pypi is None
        else {name: len(pypi[0].get(name, {})) for name in PROJECTS},
        verified=() if tally is None else tuple(tally.verified),
        unmatched=() if tally is None else tuple(tally.unmatched),
        added=tuple(added),
        digests=0 if tally is None else tally.digests,
        skipped=tuple(
            [f"{name}: not on {pypi_url}" for name in PROJECTS if pypi and not pypi[0].get(name)]
            + ([] if tally is None else tally.skipped)
        ),
        sources_skipped=tuple(
            f"{name}: {error.message} (its last answer was kept)" for name, error in failures
        ),
        pypi_files=files,
        refused=0 if section is None else len(section["refused"]),
    )


def reset(overlay: Path) -> bool:
    """Delete the overlay; False when there was none."""
    try:
        overlay.unlink()
    except FileNotFoundError:
        return False
    except OSError as error:
        raise FileError(
            f"cannot remove {overlay}: {error.strerror or error}", code="overlay-unwritable"
        ) from None
    return True


__all__ = [
    "DEFAULT_GITHUB_API",
    "DEFAULT_PYPI_JSON",
    "RefreshResult",
    "refresh",
    "reset",
    "yaml_text",
]
