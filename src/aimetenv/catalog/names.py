"""AIMET's names, in one place: release tags, distribution names and versions, wheel file names.

AIMET spelled its releases differently in each era, and every part of aimetenv that meets one of
these names reads it here:

- release tags: ``1.16.2``, ``1.16.2.py37`` (built for Python 3.7), ``1.32.1.post1``;
- distribution names: ``AimetCommon``/``AimetTorch``/``AimetTensorflow``/``AimetOnnx`` and the
  ``Aimet`` meta package (1.x), ``aimet-torch``/``aimet-onnx``/``aimet-tensorflow``/``aimet-tf``,
  and the 1.32.0 names that carry the variant (``aimet_torch_gpu``);
- distribution versions: ``torch_cpu_1.16.2.py37`` and ``torch_gpu_pt113_1.28.0`` (1.16.1-1.30),
  ``torch-gpu-1.31.0`` (aimet-torch 1.31), ``1.34.0.cu121`` (1.33-1.35 release-host wheels),
  ``2.42.0+cpu`` or a plain ``2.42.0`` (PyPI);
- wheel file names of every era, with their tags (``wheel_fields``, ``parse_wheel_name``) and
  what an AIMET wheel says about its package and variant (``classify``).

AIMET's release-host wheels from 1.16.1 to 1.35.0 carry versions that are not PEP 440
(``torch_gpu_1.29.0``, ``1.34.0.cu117``). ``packaging.utils.parse_wheel_filename`` rejects them,
so the tags are read with ``packaging.tags.parse_tag`` from the last three fields instead; the
compatibility decision is always ``packaging.tags``' set logic, never string matching.

``aimetenv env`` recognises releases through this module at shell start-up, so it imports only
``re`` at module level; ``packaging`` and ``zipfile`` are imported by the functions that need them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Iterable
    from pathlib import Path

    from packaging.tags import Tag
    from packaging.version import Version

FRAMEWORK_PACKAGES = {"torch": "aimet_torch", "onnx": "aimet_onnx", "tf": "aimet_tensorflow"}
"""The importable AIMET package of each framework key."""

_RELEASE_TAG = re.compile(r"^\d+\.\d+\.\d+(\.post\d+)?(\.py37)?$")
_PLAIN = re.compile(r"^\d+\.\d+\.\d+$")

# Distribution names (after ``normalize``).
_LEGACY_NAMES = {
    "aimetcommon": "common",
    "aimettorch": "torch",
    "aimettensorflow": "tf",
    "aimetonnx": "onnx",
}
_NEW_NAME = re.compile(
    r"^aimet-(?P<framework>torch|tensorflow|tf|onnx|common)"
    r"(?:-(?P<accelerator>cpu|gpu)(?P<suffix>-(?:pt|tf)\d+)?)?$"
)

# Distribution versions: the three exact forms ...
_TOKEN_FORM = re.compile(
    r"^(?P<token>(?:tf[_-]torch|torch|tf|onnx)[_-](?:cpu|gpu)(?:[_-](?:pt|tf)\d+)?)[_-]"
    r"(?P<tag>\d+\.\d+\.\d+(?:\.py37)?)$"
)
_DOT_LOCAL_FORM = re.compile(r"^(?P<tag>\d+\.\d+\.\d+)\.(?P<local>cu\d+|cpu)$")
_PEP440_FORM = re.compile(r"^(?P<tag>\d+\.\d+\.\d+(?:\.post\d+)?)(?:\+(?P<local>cu\d+|cpu))?$")
# ... and the parts of any version, read one by one.
_RELEASE_IN = re.compile(r"(?<![\d.])(\d+)\.(\d+)\.(\d+)((?:\.post\d+)?)((?:\.py37)?)")
_TOKEN_IN = re.compile(r"^(?P<token>[a-z][a-z0-9]*(?:[-_][a-z0-9]+)*?)[-_]\d+\.\d+\.\d+")
_LOCAL_IN = re.compile(r"\d[.+](cu\d+|cpu)\b")

# Release-host wheel file names (``classify``).
_LEGACY_DISTS = frozenset({"AimetCommon", "AimetTorch", "AimetTensorflow", "AimetOnnx", "Aimet"})
_NEW_DISTS = {"aimet_torch": "aimet_torch", "aimet_onnx": "aimet_onnx", "aimet_tf": "aimet_tf",
              "aimet_tensorflow": "aimet_tf"}  # fmt: skip
_VARIANT_PART = r"(?:tf|torch|onnx)_(?:cpu|gpu)(?:_[a-z]+\d+)?"
_TOKEN_VERSION = re.compile(rf"^(?P<token>{_VARIANT_PART})_(?P<version>\d+\.\d+\.\d+(?:\.py37)?)$")
_TOKEN_DIST = re.compile(rf"^aimet_(?P<token>{_VARIANT_PART})$")
_LOCAL_VERSION = re.compile(
    r"^(?P<version>\d+\.\d+\.\d+(?:\.post\d+)?)(?:[.+](?P<local>cu\d+|cpu))?$"
)


# --- release tags ------------------------------------------------------------------------------


def is_release_tag(text: str) -> bool:
    """Whether ``text`` has the shape of a release tag: ``1.16.2``, ``1.16.2.py37``, ``1.32.1.post1``."""
    return _RELEASE_TAG.match(text) is not None


def release_version(tag: str) -> Version:
    """The version a tag stands for: ``1.16.2.py37`` is release 1.16.2 built for Python 3.7.

    Raises ``packaging.version.InvalidVersion`` when the tag is not a version.
    """
    from packaging.version import Version  # noqa: PLC0415  # keeps 'aimetenv env' light

    return Version(tag.removesuffix(".py37"))


def tag_version(text: str) -> Version | None:
    """``release_version``, or None when ``text`` is not a version."""
    from packaging.version import InvalidVersion  # noqa: PLC0415  # keeps 'aimetenv env' light

    try:
        return release_version(text)
    except InvalidVersion:
        return None


# --- distribution names ------------------------------------------------------------------------


def normalize(name: str) -> str:
    """PEP 503 name normalisation (``AimetTorch`` -> ``aimettorch``, ``aimet_torch`` -> ``aimet-torch``)."""
    return re.sub(r"[-_.]+", "-", name).lower()


@dataclass(frozen=True)
class DistName:
    """What an AIMET-looking distribution name says."""

    key: str
    """The normalised name: ``aimettorch``, ``aimet-onnx``."""
    framework: str | None
    """``torch``, ``tf``, ``onnx`` or ``common``; None for ``aimet`` (the 1.x meta package, or the
    unrelated PyPI project of that name)."""
    token: str | None = None
    """The variant the name carries (``aimet_torch_gpu`` of 1.32.0 -> ``torch-gpu``), or None."""


def parse_dist_name(name: str) -> DistName | None:
    """Read an AIMET distribution name (any era); None when it is not one."""
    key = normalize(name)
    if key == "aimet":
        return DistName(key, None)
    if key in _LEGACY_NAMES:
        return DistName(key, _LEGACY_NAMES[key])
    match = _NEW_NAME.match(key)
    if match is None:
        return None
    framework = "tf" if match["framework"] in ("tf", "tensorflow") else match["framework"]
    token = None
    if match["accelerator"]:
        token = f"{framework}-{match['accelerator']}{match['suffix'] or ''}"
    return DistName(key, framework, token)


# --- distribution versions ---------------------------------------------------------------------


@dataclass(frozen=True)
class DistVersion:
    """What an AIMET distribution version says."""

    release: tuple[int, int, int]
    """``(1, 16, 2)``."""
    tag: str
    """The release tag: ``1.16.2.py37``, ``1.32.1.post1``, ``2.42.0``."""
    token: str | None
    """The variant token as written (``torch_cpu``, ``torch-gpu``, ``torch_gpu_pt113``), or None."""
    local: str | None
    """``cpu`` or ``cuXYZ`` (``1.34.0.cu121``, ``2.0.0+cpu``), or None."""
    exact: bool
    """The whole version is one of AIMET's forms. Otherwise the fields were read from the parts
    that look like them (a ``2.43.0.dev0`` built from source still reads as 2.43.0)."""


def parse_dist_version(version: str) -> DistVersion | None:
    """Read an AIMET distribution version (any era); None when it holds no ``X.Y.Z`` at all."""
    text = version.strip()
    found = _RELEASE_IN.search(text)
    if found is None:
        return None
    numbers = (int(found.group(1)), int(found.group(2)), int(found.group(3)))
    token = _TOKEN_IN.match(text.lower())
    local = _LOCAL_IN.search(text.lower())
    exact = any(form.match(text) for form in (_TOKEN_FORM, _DOT_LOCAL_FORM, _PEP440_FORM))
    return DistVersion(
        release=numbers,
        tag=f"{numbers[0]}.{numbers[1]}.{numbers[2]}{found.group(4)}{found.group(5)}",
        token=token.group("token") if token else None,
        local=local.group(1) if local else None,
        exact=exact,
    )


# --- wheel file names --------------------------------------------------------------------------


@dataclass(frozen=True)
class WheelName:
    """The parts of a wheel file name that matter to aimetenv."""

    filename: str
    distribution: str
    version: str
    tags: frozenset[Tag]
    pep440: bool
    """False for legacy versions such as ``torch_cpu_1.16.2.py37``: pip >= 24.1 refuses them."""


def wheel_fields(filename: str) -> tuple[str, str, str] | None:
    """``(distribution, version, "python-abi-platform")`` of a ``.whl`` name; None when it is not one.

    Only the dashes count: the version may be anything (``torch_cpu_1.16.2.py37``), so this is
    the one reading that works for every era of AIMET's names.
    """
    if not filename.endswith(".whl"):
        return None
    parts = filename[: -len(".whl")].split("-")
    if len(parts) < 5:  # noqa: PLR2004  # dist-version-python-abi-platform
        return None
    return parts[0], "-".join(parts[1:-3]), "-".join(parts[-3:])


def _linux(tags: str) -> bool:
    platform = tags.rsplit("-", 1)[-1]
    return platform == "any" or platform.startswith(("linux_", "manylinux"))


def parse_wheel_name(filename: str) -> WheelName:
    """Parse a wheel file name; raises ValueError when it is not one."""
    from packaging.tags import parse_tag  # noqa: PLC0415  # keeps 'aimetenv env' light
    from packaging.utils import InvalidWheelFilename, parse_wheel_filename  # noqa: PLC0415  # as above
    from packaging.version import InvalidVersion  # noqa: PLC0415  # as above

    if not filename.endswith(".whl"):
        raise ValueError(f"not a wheel file name: {filename!r}")
    try:
        name, version, _build, tags = parse_wheel_filename(filename)
        return WheelName(filename, str(name), str(version), frozenset(tags), pep440=True)
    except (InvalidWheelFilename, InvalidVersion):
        pass
    fields = wheel_fields(filename)
    if fields is None:
        raise ValueError(f"not a wheel file name: {filename!r}")
    distribution, raw_version, tag_text = fields
    return WheelName(
        filename, distribution, raw_version, frozenset(parse_tag(tag_text)), pep440=False
    )


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
    import zipfile  # noqa: PLC0415  # keeps 'aimetenv env' light

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
    fields = wheel_fields(filename)
    if fields is None or not _linux(fields[2]):
        return None
    return fields[2]


# --- AIMET wheel files ----------------------------------------------------------------------------


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
        return _linux(self.tags)

    @property
    def accelerator(self) -> str:
        """``cpu`` or ``gpu`` (untagged wheels of 2.39 and later are the GPU build)."""
        marker = self.token or self.local or "gpu"
        return "cpu" if marker.endswith("cpu") or "_cpu" in marker else "gpu"


def classify(name: str) -> AssetKey | None:
    """Read an AIMET wheel name (any era); None when it is not one."""
    fields = wheel_fields(name)
    if fields is None:
        return None
    dist, version, tags = fields
    if dist in _LEGACY_DISTS:
        return _classify_legacy(dist, version, tags)
    return _classify_new(dist.lower(), version, tags)


def _classify_legacy(dist: str, version: str, tags: str) -> AssetKey | None:
    tokened = _TOKEN_VERSION.match(version)
    if tokened:
        return AssetKey(dist, tokened.group("token"), None, tokened.group("version"), tags)
    if _PLAIN.match(version):  # the combined TF+Torch GPU build of 1.13-1.16.0
        return AssetKey(dist, "tf_torch_gpu", None, version, tags)
    return None


def _classify_new(low: str, version: str, tags: str) -> AssetKey | None:
    tokened = _TOKEN_VERSION.match(version)
    if low in _NEW_DISTS and tokened:
        return AssetKey(
            _NEW_DISTS[low], tokened.group("token"), None, tokened.group("version"), tags
        )
    token_dist = _TOKEN_DIST.match(low)
    if token_dist and _PLAIN.match(version):
        token = token_dist.group("token")
        return AssetKey(f"aimet_{token.split('_', 1)[0]}", token, None, version, tags)
    local = _LOCAL_VERSION.match(version)
    if low in _NEW_DISTS and local:
        return AssetKey(_NEW_DISTS[low], None, local.group("local"), local.group("version"), tags)
    return None


__all__ = [
    "FRAMEWORK_PACKAGES",
    "AssetKey",
    "DistName",
    "DistVersion",
    "WheelName",
    "classify",
    "classify_tags",
    "is_compatible",
    "is_release_tag",
    "normalize",
    "parse_dist_name",
    "parse_dist_version",
    "parse_wheel_name",
    "release_version",
    "tag_version",
    "tags_text",
    "wheel_fields",
    "wheel_problem",
]
