"""The ``manifest.json`` of a wheelhouse: every file with its sha256 and size, and what it is for.

Schema ``aimetenv.wheelhouse/1``: the tag, variant and plan the wheelhouse was made for,
the target's Python, glibc and machine, and whether the dependencies are in it too.
"""

from __future__ import annotations

import dataclasses
import json
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from aimetenv.errors import IntegrityError, UsageError

if TYPE_CHECKING:
    from collections.abc import Mapping
    from pathlib import Path

MANIFEST = "manifest.json"
SCHEMA = "aimetenv.wheelhouse/1"
ARCHIVES = (".whl", ".tar.gz", ".zip")
"""The file endings pip's ``--find-links`` picks up."""
_HEX64 = re.compile(r"^[0-9a-f]{64}$")


@dataclass(frozen=True)
class WheelhouseFile:
    """One file of a wheelhouse."""

    filename: str
    sha256: str
    size: int
    url: str | None = None
    """Where it came from (release-host files); pip downloads record no URL."""

    def to_dict(self) -> dict[str, Any]:
        """JSON form."""
        return {
            "filename": self.filename,
            "sha256": self.sha256,
            "size": self.size,
            "url": self.url,
        }


@dataclass(frozen=True)
class Manifest:
    """What ``manifest.json`` says."""

    tag: str
    variant: str
    source: str
    python: str
    glibc: str | None
    machine: str
    created: str
    dependencies: bool
    """The dependencies of the AIMET files are in the wheelhouse too (always for PyPI plans)."""
    files: tuple[WheelhouseFile, ...]
    plan: Mapping[str, Any] = dataclasses.field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """The JSON document written to ``manifest.json``."""
        return {
            "schema": SCHEMA,
            "tag": self.tag,
            "variant": self.variant,
            "source": self.source,
            "python": self.python,
            "glibc": self.glibc,
            "machine": self.machine,
            "created": self.created,
            "dependencies": self.dependencies,
            "files": [f.to_dict() for f in self.files],
            "plan": dict(self.plan),
        }


def _plain_name(name: object, where: Path) -> str:
    if (
        not isinstance(name, str)
        or not name
        or "/" in name
        or "\\" in name
        or name in (".", "..")
        or name == MANIFEST
    ):
        raise IntegrityError(
            f"{where / MANIFEST} lists a file name that is not a plain name: {str(name)[:80]!r}",
            code="wheelhouse-invalid",
        )
    return name


def read_manifest(directory: Path) -> Manifest:
    """Read and validate ``DIR/manifest.json``; IntegrityError when it is missing or malformed."""
    path = directory / MANIFEST
    if not directory.is_dir():
        raise UsageError(f"--wheel-dir {directory} is not a directory", code="wheelhouse-missing")
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise IntegrityError(
            f"{directory} has no {MANIFEST}, so its files cannot be checked",
            hint="Make the wheelhouse with 'aimetenv download --variant V --tag T -d DIR'.",
            code="wheelhouse-no-manifest",
        ) from None
    except (OSError, UnicodeDecodeError, ValueError) as error:
        raise IntegrityError(
            f"{path} cannot be read as JSON ({type(error).__name__})",
            hint="Make the wheelhouse again with 'aimetenv download'.",
            code="wheelhouse-invalid",
        ) from None
    if not isinstance(data, dict) or data.get("schema") != SCHEMA:
        raise IntegrityError(
            f"{path} is not an aimetenv wheelhouse manifest (schema {SCHEMA})",
            code="wheelhouse-invalid",
        )
    files = []
    for item in data.get("files") or []:
        if not isinstance(item, dict):
            raise IntegrityError(
                f"{path}: a files entry is not an object", code="wheelhouse-invalid"
            )
        digest = str(item.get("sha256", "")).lower()
        size = item.get("size")
        if not _HEX64.match(digest) or not isinstance(size, int) or size < 0:
            raise IntegrityError(
                f"{path}: the entry for {str(item.get('filename'))[:80]} has no valid sha256 "
                "and size",
                code="wheelhouse-invalid",
            )
        url = item.get("url")
        files.append(
            WheelhouseFile(
                filename=_plain_name(item.get("filename"), directory),
                sha256=digest,
                size=size,
                url=url if isinstance(url, str) else None,
            )
        )
    plan = data.get("plan")
    return Manifest(
        tag=str(data.get("tag", "")),
        variant=str(data.get("variant", "")),
        source=str(data.get("source", "")),
        python=str(data.get("python", "")),
        glibc=None if data.get("glibc") is None else str(data.get("glibc")),
        machine=str(data.get("machine", "")),
        created=str(data.get("created", "")),
        dependencies=bool(data.get("dependencies", False)),
        files=tuple(files),
        plan=plan if isinstance(plan, dict) else {},
    )


__all__ = ["ARCHIVES", "MANIFEST", "SCHEMA", "Manifest", "WheelhouseFile", "read_manifest"]
