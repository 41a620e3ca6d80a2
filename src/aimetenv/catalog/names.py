"""AIMET wheel file names: their tags, whether pip still accepts their version, and compatibility.

AIMET's release-host wheels from 1.16.1 to 1.35.0 carry versions that are not PEP 440
(``torch_gpu_1.29.0``, ``1.34.0.cu117``). ``packaging.utils.parse_wheel_filename`` rejects them,
so the tags are read with ``packaging.tags.parse_tag`` from the last three fields instead; the
compatibility decision is always ``packaging.tags``' set logic, never string matching.
"""

from __future__ import annotations

import zipfile
from dataclasses import dataclass
from typing import TYPE_CHECKING

from packaging.tags import Tag, parse_tag
from packaging.utils import InvalidWheelFilename, parse_wheel_filename
from packaging.version import InvalidVersion

if TYPE_CHECKING:
    from collections.abc import Iterable
    from pathlib import Path


@dataclass(frozen=True)
class WheelName:
    """The parts of a wheel file name that matter to aimetenv."""

    filename: str
    distribution: str
    version: str
    tags: frozenset[Tag]
    pep440: bool
    """False for legacy versions such as ``torch_cpu_1.16.2.py37``: pip >= 24.1 refuses them."""


def parse_wheel_name(filename: str) -> WheelName:
    """Parse a wheel file name; raises ValueError when it is not one."""
    if not filename.endswith(".whl"):
        raise ValueError(f"not a wheel file name: {filename!r}")
    try:
        name, version, _build, tags = parse_wheel_filename(filename)
        return WheelName(filename, str(name), str(version), frozenset(tags), pep440=True)
    except (InvalidWheelFilename, InvalidVersion):
        pass
    parts = filename[: -len(".whl")].split("-")
    if len(parts) < 5:  # noqa: PLR2004  # name-version-python-abi-platform
        raise ValueError(f"not a wheel file name: {filename!r}")
    tags = frozenset(parse_tag("-".join(parts[-3:])))
    return WheelName(filename, parts[0], "-".join(parts[1:-3]), tags, pep440=False)


def is_compatible(tags: Iterable[Tag], supported: frozenset[Tag]) -> bool:
    """True when at least one of the wheel's tags is among the target's supported tags."""
    return any(tag in supported for tag in tags)


def tags_text(tags: Iterable[Tag]) -> str:
    """``cp37-cp37m-linux_x86_64`` (several tags joined by commas)."""
    return ", ".join(sorted(str(t) for t in tags))


def wheel_problem(path: Path) -> str | None:
    """Why the file at ``path`` is not a readable wheel, or None when it is one.

    Reads only the zip's central directory (at the end of the file), so it is cheap for large
    wheels: a cut-off download, an HTML error page saved under the wheel's name or an empty file
    fail here instead of inside pip.
    """
    try:
        with zipfile.ZipFile(path) as archive:
            names = archive.namelist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, ValueError) as error:
        return f"not a complete zip archive: {error}"[:160]
    except OSError as error:
        return f"cannot be read: {error.strerror or error}"
    if not any(n.count("/") == 1 and n.endswith(".dist-info/WHEEL") for n in names):
        return "no .dist-info/WHEEL file in it"
    return None


__all__ = ["WheelName", "is_compatible", "parse_wheel_name", "tags_text", "wheel_problem"]
