"""What ``download`` prints: text for people, JSON for scripts."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from rich.text import Text

if TYPE_CHECKING:
    from pathlib import Path

    from aimetenv.wheelhouse import Wheelhouse

DOWNLOAD_SCHEMA = "aimetenv.download/1"


_KILO = 1000


def _size(count: int) -> str:
    value = float(count)
    for unit in ("B", "kB", "MB"):
        if value < _KILO:
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= _KILO
    return f"{value:.1f} GB"


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
        f"--tag {manifest.tag} --wheel-dir DIR --offline'"
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


__all__ = [
    "DOWNLOAD_SCHEMA",
    "download_document",
    "download_text",
]
