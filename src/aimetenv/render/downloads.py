"""What ``download`` and ``releases --refresh/--reset`` print: text for people, JSON for scripts."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from rich.text import Text

if TYPE_CHECKING:
    from collections.abc import Mapping
    from pathlib import Path

    from aimetenv.catalog.refresh import RefreshResult
    from aimetenv.install.wheelhouse import Wheelhouse
    from aimetenv.install.wheelhouse_manifest import Manifest

DOWNLOAD_SCHEMA = "aimetenv.download/1"
REFRESH_SCHEMA = "aimetenv.refresh/1"
RESET_SCHEMA = "aimetenv.refresh-reset/1"


_KILO = 1000


def _size(count: int) -> str:
    value = float(count)
    for unit in ("B", "kB", "MB"):
        if value < _KILO:
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= _KILO
    return f"{value:.1f} GB"


def _requirement_index(plan: Mapping[str, Any]) -> str | None:
    """The ``--index-url`` of the plan's AIMET requirement, when the plan names no file."""
    steps = plan.get("steps")
    if plan.get("wheels") or not isinstance(steps, list):
        return None
    for step in steps:
        if not isinstance(step, dict) or step.get("kind") != "requirement":
            continue
        args = step.get("pip_args")
        if isinstance(args, list) and "--index-url" in args:
            at = args.index("--index-url") + 1
            return str(args[at]) if at < len(args) else None
    return None


def _plan_options(manifest: Manifest) -> str:
    """The install options that make install plan the files this wheelhouse holds.

    ``--source``: the wheelhouse holds that source's files, and ``auto`` may prefer the other
    one. ``--index-url URL`` when the AIMET package came from that index by requirement (the
    plan then names no file, and without it install would look for PyPI's file); credentials
    in it are shown as ``****``. ``--python-version X.Y`` when the wheelhouse is for a Python a
    new environment would not get: without it install plans for the release's own Python.
    """
    import shlex  # noqa: PLC0415  # only for this line

    from aimetenv.fetch.urls import redact  # noqa: PLC0415  # same

    options = [f"--source {manifest.source}"] if manifest.source in ("github", "pypi") else []
    index = _requirement_index(manifest.plan)
    if index is not None:
        options.append(f"--index-url {shlex.quote(redact(index))}")
    planned = manifest.plan.get("python")
    new_env = planned.get("new_env") if isinstance(planned, dict) else None
    if new_env not in (None, manifest.python):
        options.append(f"--python-version {manifest.python}")
    return "".join(f" {option}" for option in options)


def download_text(house: Wheelhouse, log: Path | None) -> Text:
    """The wheelhouse: each file with its size and where it came from, then the next step."""
    manifest = house.manifest
    total = sum(f.size for f in manifest.files)
    head = (
        f"wheelhouse {house.directory}: AIMET {manifest.tag} {manifest.variant} "
        f"({manifest.source}), Python {manifest.python}, {len(manifest.files)} files, "
        f"{_size(total)}"
    )
    lines = [head]
    cached = {f.path.name for f in house.fetched if f.from_cache}
    for entry in manifest.files:
        origin = "cache" if entry.filename in cached else ("release host" if entry.url else "pip")
        lines.append(f"  {entry.filename}  {_size(entry.size)}  ({origin})")
    if not manifest.dependencies:
        lines.append(
            "dependencies: not included (--with-deps adds them); install takes them from the index"
        )
    if log is not None:
        lines.append(f"pip log: {log}")
    lines.append(f"manifest: {house.directory / 'manifest.json'} (sha256 of every file)")
    lines.append(
        f"next: copy the directory, then 'aimetenv install --variant {manifest.variant} "
        f"--tag {manifest.tag}{_plan_options(manifest)} --wheel-dir DIR --offline'"
    )
    return Text("\n".join(lines) + "\n")


def download_document(house: Wheelhouse, log: Path | None) -> dict[str, Any]:
    """``download --json`` (schema ``aimetenv.download/1``)."""
    manifest = house.manifest
    return {
        "schema": DOWNLOAD_SCHEMA,
        "command": "download",
        "status": "success",
        "exit_code": 0,
        "directory": str(house.directory),
        "manifest": str(house.directory / "manifest.json"),
        "tag": manifest.tag,
        "variant": manifest.variant,
        "source": manifest.source,
        "python": manifest.python,
        "glibc": manifest.glibc,
        "dependencies": manifest.dependencies,
        "files": [f.to_dict() for f in manifest.files],
        "downloads": [
            {
                "filename": f.path.name,
                "url": f.url,
                "from_cache": f.from_cache,
                "resumed": f.resumed,
                "bytes_transferred": f.bytes_transferred,
            }
            for f in house.fetched
        ],
        "bytes_transferred": house.bytes_transferred,
        "notes": list(house.notes),
        "log": None if log is None else str(log),
    }


def refresh_text(result: RefreshResult) -> Text:
    """What ``releases --refresh`` learned and where it wrote it."""
    lines = [f"skipped {line}" for line in result.sources_skipped]
    lines += [
        f"read {result.github_releases} releases from {result.github_api}",
        "read PyPI: "
        + (
            ", ".join(f"{name} ({count} versions)" for name, count in result.pypi_versions.items())
            or "nothing"
        )
        + (f"; {result.pypi_files} files with their sha256" if result.pypi_files else ""),
        (
            f"verified asset names: {len(result.verified)} variants of "
            f"{len(result.verified_tags)} known releases ({result.digests} sha256 digests)"
        ),
    ]
    if result.added:
        lines.append("new releases: " + ", ".join(result.added))
    else:
        lines.append("new releases: none")
    if result.unmatched:
        lines.append(
            f"no matching assets (left as packaged): {len(result.unmatched)} variants, e.g. "
            + ", ".join(result.unmatched[:3])
        )
    if result.skipped:
        lines.append("not used: " + "; ".join(result.skipped))
    lines.append(f"overlay: {result.path}")
    return Text("\n".join(lines) + "\n")


def refresh_document(result: RefreshResult) -> dict[str, Any]:
    """``releases --refresh --json`` (schema ``aimetenv.refresh/1``)."""
    return {
        "schema": REFRESH_SCHEMA,
        "command": "releases",
        "status": "success",
        "exit_code": 0,
        **result.to_dict(),
    }


def reset_text(path: Path, removed: bool) -> Text:
    """What ``releases --reset`` did."""
    if removed:
        return Text(f"removed the catalog overlay {path}; the packaged catalog applies again\n")
    return Text(f"no catalog overlay at {path}; the packaged catalog applies\n")


def reset_document(path: Path, removed: bool) -> dict[str, Any]:
    """``releases --reset --json``."""
    return {
        "schema": RESET_SCHEMA,
        "command": "releases",
        "status": "success",
        "exit_code": 0,
        "overlay": str(path),
        "removed": removed,
    }


__all__ = [
    "DOWNLOAD_SCHEMA",
    "REFRESH_SCHEMA",
    "RESET_SCHEMA",
    "download_document",
    "download_text",
    "refresh_document",
    "refresh_text",
    "reset_document",
    "reset_text",
]
