"""Before any download: the download cache's and the environment's filesystems have room.

The sizes come from the catalog: PyPI lists each file's size, and the catalog keeps it (by
sha256). Release-host files and everything pip takes from an index (torch and the other
dependencies) have no size known in advance, so the check covers only the known part and says
so: a plan with no known size is not checked at all. The environment gets at least as many bytes
as the compressed wheels (inferred: a wheel unpacks to at least its own size). Where the cache
and the environment share a filesystem, their needs are added up.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from typing import TYPE_CHECKING

from aimetenv.errors import FileError

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping, Sequence
    from pathlib import Path

    from aimetenv.catalog.model import Catalog
    from aimetenv.install.plan import InstallPlan

MB = 1_000_000


@dataclass(frozen=True)
class Need:
    """Bytes that must fit under one folder, and what they are for."""

    folder: Path
    role: str
    """``the download cache``, ``the environment``: words for the message."""
    size: int


def known_sizes(catalog: Catalog, plan: InstallPlan) -> dict[str, int]:
    """The size of each of the plan's files the catalog knows, by URL (PyPI files only)."""
    by_digest: dict[str, int] = {}
    for release in catalog.releases:
        for variant in release.variants.values():
            for source in (variant.github, variant.pypi):
                if source is not None:
                    by_digest.update((f.sha256, f.size) for f in source.files)
    return {
        w.url: by_digest[w.sha256]
        for w in plan.wheels
        if w.sha256 is not None and w.sha256 in by_digest
    }


def _existing(folder: Path) -> Path:
    """The nearest folder at or above ``folder`` that exists (where a new one would go)."""
    while not folder.exists() and folder != folder.parent:
        folder = folder.parent
    return folder


def shortfall(
    needs: Sequence[Need],
    *,
    device: Callable[[Path], int] = lambda p: p.stat().st_dev,
    free: Callable[[Path], int] = lambda p: shutil.disk_usage(p).free,
) -> tuple[Need, int] | None:
    """The first filesystem without room: (its need, added up per filesystem; free bytes)."""
    totals: dict[int, Need] = {}
    for need in needs:
        if need.size <= 0:
            continue
        place = _existing(need.folder)
        key = device(place)
        seen = totals.get(key)
        totals[key] = (
            Need(place, need.role, need.size)
            if seen is None
            else Need(seen.folder, f"{seen.role} and {need.role}", seen.size + need.size)
        )
    for need in totals.values():
        available = free(need.folder)
        if available < need.size:
            return need, available
    return None


def check_space(needs: Sequence[Need], *, unknown: int) -> None:
    """Refuse (exit 7) when a filesystem has less room than the known sizes need.

    ``unknown``: how many of the plan's downloads have no known size (said in the message).
    """
    found = shortfall(needs)
    if found is None:
        return
    need, available = found
    rest = (
        f"; {unknown} more file(s) and pip's dependencies come on top"
        if unknown
        else "; pip's dependencies come on top"
    )
    raise FileError(
        f"not enough free space for {need.role}: {need.folder} has {available / MB:.1f} MB "
        f"free, the files of known size need {need.size / MB:.1f} MB{rest}; nothing was changed",
        hint="Free some space there, or put the cache elsewhere (XDG_CACHE_HOME) or the "
        "environment (--prefix, --venv).",
        code="no-space",
    )


def plan_needs(
    plan: InstallPlan, sizes: Mapping[str, int], *, cached: Callable[[str], bool], cache: Path,
    prefix: Path,
) -> tuple[list[Need], int]:  # fmt: skip
    """What the cache and the environment need, and how many downloads have no known size."""
    download = sum(sizes[w.url] for w in plan.wheels if w.url in sizes and not cached(w.url))
    unpacked = sum(sizes[w.url] for w in plan.wheels if w.url in sizes)
    unknown = sum(1 for w in plan.wheels if w.url not in sizes)
    return [
        Need(cache, "the download cache", download),
        Need(prefix, "the environment", unpacked),
    ], unknown


__all__ = ["Need", "check_space", "known_sizes", "plan_needs", "shortfall"]
