"""AIMET wheel file names: their tags, whether pip still accepts their version, and compatibility.

AIMET's release-host wheels from 1.16.1 to 1.35.0 carry versions that are not PEP 440
(``torch_gpu_1.29.0``, ``1.34.0.cu117``). ``packaging.utils.parse_wheel_filename`` rejects them,
so the tags are read with ``packaging.tags.parse_tag`` from the last three fields instead; the
compatibility decision is always ``packaging.tags``' set logic, never string matching.
"""

from __future__ import annotations

import re
import zipfile
from dataclasses import dataclass
from typing import TYPE_CHECKING

from packaging.tags import Tag, parse_tag
from packaging.utils import InvalidWheelFilename, parse_wheel_filename
from packaging.version import InvalidVersion

if TYPE_CHECKING:
    from collections.abc import Iterable
    from pathlib import Path

_LEGACY_DISTS = frozenset({"AimetCommon", "AimetTorch", "AimetTensorflow", "AimetOnnx", "Aimet"})
_NEW_DISTS = {"aimet_torch": "aimet_torch", "aimet_onnx": "aimet_onnx", "aimet_tf": "aimet_tf",
              "aimet_tensorflow": "aimet_tf"}  # fmt: skip
_VARIANT_PART = r"(?:tf|torch|onnx)_(?:cpu|gpu)(?:_[a-z]+\d+)?"
_TOKEN_VERSION = re.compile(rf"^(?P<token>{_VARIANT_PART})_(?P<version>\d+\.\d+\.\d+(?:\.py37)?)$")
_TOKEN_DIST = re.compile(rf"^aimet_(?P<token>{_VARIANT_PART})$")
_LOCAL_VERSION = re.compile(
    r"^(?P<version>\d+\.\d+\.\d+(?:\.post\d+)?)(?:[.+](?P<local>cu\d+|cpu))?$"
)


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


def classify_tags(filename: str) -> str | None:
    """The ``python-abi-platform`` of a Linux or pure wheel name; None for other platforms."""
    parts = filename[: -len(".whl")].split("-")
    if len(parts) < 5:  # noqa: PLR2004  # dist-version-python-abi-platform
        return None
    platform = parts[-1]
    if platform != "any" and not platform.startswith(("linux_", "manylinux")):
        return None
    return "-".join(parts[-3:])


# asset names


@dataclass(frozen=True)
class AssetKey:
    """What an AIMET wheel name says: its package, variant token or local tag, version, tags."""

    role: str
    """The package: ``AimetCommon`` ... ``Aimet`` (1.x), or ``aimet_torch``/``aimet_onnx``/``aimet_tf``."""
    token: str | None
    """The variant token of 1.x names (``torch_gpu_pt113``), or None."""
    local: str | None
    """``cu121``, ``cpu``, or None (no local tag) for the ``aimet_<fw>`` names of 1.33 on."""
    version: str
    tags: str
    """``cp310-cp310-manylinux_2_34_x86_64``."""

    @property
    def linux(self) -> bool:
        """Installable on Linux x86_64 (not a Windows or macOS build)."""
        platform = self.tags.rsplit("-", 1)[-1]
        return platform == "any" or platform.startswith(("linux_", "manylinux"))

    @property
    def accelerator(self) -> str:
        """``cpu`` or ``gpu`` (untagged wheels of 2.39 and later are the GPU build)."""
        marker = self.token or self.local or "gpu"
        return "cpu" if marker.endswith("cpu") or "_cpu" in marker else "gpu"


def classify(name: str) -> AssetKey | None:
    """Read an AIMET wheel name (any era); None when it is not one."""
    if not name.endswith(".whl"):
        return None
    parts = name[: -len(".whl")].split("-")
    if len(parts) < 5:  # noqa: PLR2004  # dist-version-python-abi-platform
        return None
    dist, version, tags = parts[0], "-".join(parts[1:-3]), "-".join(parts[-3:])
    if dist in _LEGACY_DISTS:
        return _classify_legacy(dist, version, tags)
    return _classify_new(dist.lower(), version, tags)


def _classify_legacy(dist: str, version: str, tags: str) -> AssetKey | None:
    tokened = _TOKEN_VERSION.match(version)
    if tokened:
        return AssetKey(dist, tokened.group("token"), None, tokened.group("version"), tags)
    if re.match(r"^\d+\.\d+\.\d+$", version):  # the combined TF+Torch GPU build of 1.13-1.16.0
        return AssetKey(dist, "tf_torch_gpu", None, version, tags)
    return None


def _classify_new(low: str, version: str, tags: str) -> AssetKey | None:
    tokened = _TOKEN_VERSION.match(version)
    if low in _NEW_DISTS and tokened:
        return AssetKey(
            _NEW_DISTS[low], tokened.group("token"), None, tokened.group("version"), tags
        )
    token_dist = _TOKEN_DIST.match(low)
    if token_dist and re.match(r"^\d+\.\d+\.\d+$", version):
        token = token_dist.group("token")
        return AssetKey(f"aimet_{token.split('_', 1)[0]}", token, None, version, tags)
    local = _LOCAL_VERSION.match(version)
    if low in _NEW_DISTS and local:
        return AssetKey(_NEW_DISTS[low], None, local.group("local"), local.group("version"), tags)
    return None


__all__ = [
    "AssetKey",
    "WheelName",
    "classify",
    "classify_tags",
    "is_compatible",
    "parse_wheel_name",
    "tags_text",
    "wheel_problem",
]
