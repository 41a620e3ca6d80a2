"""Catalog refresh: real asset names, their sha256 digests and newer releases, from the APIs.

``releases --refresh`` reads the GitHub releases API of quic/aimet and the PyPI JSON API of
aimet-torch and aimet-onnx (``catalog.releaseapi``) and writes a user-level overlay
(``paths.overlay_path()``, YAML schema 1, merged by ``catalog.load.merge_overlay``) on top of
the packaged catalog; ``catalog.overlay`` decides what goes into it. Nothing is written unless
every request succeeded and the new overlay merges cleanly; ``--reset`` deletes the overlay.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any

from aimetenv.catalog.overlay import build_overlay
from aimetenv.catalog.releaseapi import (
    DEFAULT_GITHUB_API,
    DEFAULT_PYPI_JSON,
    PYPI_PROJECTS,
    PypiFile,
    fetch_github,
    fetch_pypi,
)
from aimetenv.errors import FileError
from aimetenv.fetch.http import HttpClient
from aimetenv.fsutil import atomic_write_text

if TYPE_CHECKING:
    from collections.abc import Mapping
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
            "verified": list(self.verified),
            "unmatched": list(self.unmatched),
            "added": list(self.added),
            "digests": self.digests,
            "skipped": list(self.skipped),
        }


def refresh(  # one keyword per input
    *,
    catalog: Catalog,
    overlay: Path,
    github_api: str = DEFAULT_GITHUB_API,
    pypi_url: str = DEFAULT_PYPI_JSON,
    client: HttpClient | None = None,
    today: str | None = None,
) -> RefreshResult:
    """Read the APIs, build the overlay for the packaged ``catalog`` and write it atomically.

    ``catalog`` must be the packaged catalog (the overlay is rebuilt from scratch each time).
    Any network failure raises ``NetworkError`` (exit 3) before the old overlay is touched.
    """
    import yaml  # noqa: PLC0415  # only when writing

    from aimetenv.catalog.load import merge_overlay  # noqa: PLC0415  # the YAML loader only when an overlay is written

    http = client or HttpClient()
    date = today or datetime.now(timezone.utc).date().isoformat()
    try:
        releases = fetch_github(http, github_api)
        pypi: dict[str, dict[str, tuple[PypiFile, ...]]] = {}
        skipped: list[str] = []
        for project in PYPI_PROJECTS:
            found = fetch_pypi(http, pypi_url, project)
            if found is None:
                skipped.append(f"{project}: not on {pypi_url}")
                continue
            pypi[project] = found
    finally:
        if client is None:
            http.close()
    document, tally = build_overlay(catalog, releases, pypi, pypi_base=pypi_url, date=date)
    header = (
        f"# The aimetenv catalog overlay, written by 'aimetenv releases --refresh' on {date}\n"
        f"# from {github_api} and {pypi_url}. 'aimetenv releases --reset' removes it.\n"
    )
    text = header + yaml.safe_dump(document, sort_keys=False, allow_unicode=True, width=100)
    merge_overlay(catalog, text, str(overlay))
    atomic_write_text(overlay, text)
    return RefreshResult(
        path=overlay,
        github_api=github_api,
        pypi_url=pypi_url,
        date=date,
        github_releases=len(releases),
        pypi_versions={name: len(versions) for name, versions in pypi.items()},
        verified=tuple(tally.verified),
        unmatched=tuple(tally.unmatched),
        added=tuple(tally.added),
        digests=tally.digests,
        skipped=tuple(skipped + tally.skipped),
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


__all__ = ["DEFAULT_GITHUB_API", "DEFAULT_PYPI_JSON", "RefreshResult", "refresh", "reset"]
