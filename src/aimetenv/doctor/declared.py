"""What the installed AIMET distributions declare they need, read from their metadata files.

Each distribution's ``Requires-Dist`` lines are read from its ``*.dist-info/METADATA`` (or the
``requires.txt`` of an ``*.egg-info``) in the folder the probe found it in: no interpreter is
started and nothing is imported. Markers are evaluated for the target interpreter (its version,
implementation, machine and system, from the probe), not for the Python aimetenv runs on. A
requirement behind an extra counts only when that extra was asked for (the receipt's
requirements say which); aimet-torch's ``v1-deps`` extra is kept apart, because it states what
the legacy ``aimet_torch.v1`` API needs even when nobody asked for the extra.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from packaging.markers import InvalidMarker, UndefinedComparison, default_environment
from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping

V1_EXTRA = "v1-deps"
"""aimet-torch's extra for the legacy ``aimet_torch.v1`` API (PR qualcomm/aimet#3811)."""

Scope = Literal["core", "extra", "v1"]
Verdict = Literal["ok", "missing", "mismatch", "unknown"]
_EGG_SECTION = re.compile(r"^\[(?P<extra>[^:\]]*)(?::(?P<marker>.*))?\]$")


@dataclass(frozen=True)
class Declared:
    """One requirement an installed distribution declares, as it applies to the target."""

    requirement: Requirement
    by: str
    """The distribution that declares it, ``aimet-onnx 2.42.0``."""
    scope: Scope
    """``core``; ``extra`` (an extra the install asked for); ``v1`` (aimet_torch.v1's needs)."""


@dataclass(frozen=True)
class Finding:
    """One declared requirement against what is installed."""

    declared: Declared
    verdict: Verdict
    installed: str | None
    """The installed version, None when the distribution is not installed."""

    @property
    def name(self) -> str:
        """The required distribution's name as the requirement spells it."""
        return self.declared.requirement.name

    @property
    def wanted(self) -> str:
        """``onnxruntime>=1.19``: the requirement without its marker."""
        req = self.declared.requirement
        extras = f"[{','.join(sorted(req.extras))}]" if req.extras else ""
        return f"{req.name}{extras}{req.specifier}"


def marker_environment(facts: Mapping[str, Any]) -> dict[str, str]:
    """The PEP 508 marker variables of the target interpreter, from the probe's facts.

    The target runs on this machine, so the kernel values (``platform_release``,
    ``platform_version``) are this process's; everything about the interpreter is the target's.
    """
    env: dict[str, str] = {k: str(v) for k, v in default_environment().items()}
    version = facts.get("version")
    if isinstance(version, list) and len(version) >= 2:  # noqa: PLR2004  # major, minor
        env["python_version"] = f"{version[0]}.{version[1]}"
    text = facts.get("version_text")
    if isinstance(text, str) and text:
        env["python_full_version"] = text
    implementation = facts.get("implementation")
    if isinstance(implementation, str) and implementation:
        env["implementation_name"] = implementation
        env["platform_python_implementation"] = {"cpython": "CPython", "pypy": "PyPy"}.get(
            implementation, implementation
        )
        if isinstance(text, str) and text:
            env["implementation_version"] = text
    machine = facts.get("machine")
    if isinstance(machine, str) and machine:
        env["platform_machine"] = machine
    system = facts.get("system")
    if isinstance(system, str) and system:
        env["platform_system"] = system
        env["sys_platform"] = "linux" if system == "Linux" else system.lower()
        env["os_name"] = "nt" if system == "Windows" else "posix"
    return env


def _header_lines(path: Path) -> list[str]:
    """The header lines of a METADATA/PKG-INFO file (the body is the long description)."""
    try:
        with path.open(encoding="utf-8", errors="replace") as handle:
            lines = []
            for line in handle:
                if not line.strip():
                    break
                lines.append(line.rstrip("\n"))
            return lines
    except OSError:
        return []


def _egg_requires(path: Path) -> list[str]:
    """``requires.txt`` sections turned into Requires-Dist strings with markers."""
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return []
    found: list[str] = []
    condition = ""
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        section = _EGG_SECTION.match(line)
        if section is not None:
            parts = []
            if section.group("extra"):
                parts.append(f'extra == "{section.group("extra")}"')
            if section.group("marker"):
                parts.append(f"({section.group('marker')})")
            condition = " and ".join(parts)
            continue
        found.append(f"{line}; {condition}" if condition else line)
    return found


def metadata_folder(location: str, key: str) -> Path | None:
    """The ``*.dist-info`` or ``*.egg-info`` of distribution ``key`` in ``location``."""
    try:
        entries = sorted(p.name for p in Path(location).iterdir())
    except OSError:
        return None
    wanted = canonicalize_name(key)
    for entry in entries:
        stem, dot, kind = entry.rpartition(".")
        if not dot or kind not in ("dist-info", "egg-info"):
            continue
        name = stem.split("-", 1)[0]
        if canonicalize_name(name) == wanted:
            return Path(location, entry)
    return None


def requires_dist(location: str, key: str) -> tuple[str, ...] | None:
    """The raw ``Requires-Dist`` values of ``key`` installed in ``location``.

    None when no metadata is found; an empty tuple when the metadata declares nothing.
    """
    folder = metadata_folder(location, key)
    if folder is None:
        return None
    if folder.name.endswith(".egg-info"):
        if folder.is_file():
            headers = _header_lines(folder)
        else:
            found = _egg_requires(folder / "requires.txt")
            if found:
                return tuple(found)
            headers = _header_lines(folder / "PKG-INFO")
    else:
        headers = _header_lines(folder / "METADATA")
    prefix = "requires-dist:"
    return tuple(
        line.split(":", 1)[1].strip() for line in headers if line.lower().startswith(prefix)
    )


def _applies(
    requirement: Requirement, env: Mapping[str, str], extras: Iterable[str]
) -> Scope | None:
    """Which scope a requirement applies in for the target, or None when it does not apply."""
    marker = requirement.marker
    if marker is None:
        return "core"
    try:
        if marker.evaluate({**env, "extra": ""}):
            return "core"
        for extra in extras:
            if marker.evaluate({**env, "extra": extra}):
                return "extra"
        if marker.evaluate({**env, "extra": V1_EXTRA}):
            return "v1"
    except (InvalidMarker, UndefinedComparison, ValueError):
        return None
    return None


def declared_requirements(
    by: str,
    lines: Iterable[str],
    facts: Mapping[str, Any],
    *,
    extras: Iterable[str] = (),
) -> tuple[list[Declared], list[str]]:
    """The requirements in ``lines`` that apply to the target, and the lines that do not parse."""
    env = marker_environment(facts)
    wanted_extras = [canonicalize_name(e) for e in extras]
    applies: list[Declared] = []
    unreadable: list[str] = []
    for line in lines:
        try:
            requirement = Requirement(line)
        except InvalidRequirement:
            unreadable.append(line)
            continue
        scope = _applies(requirement, env, wanted_extras)
        if scope is not None:
            applies.append(Declared(requirement, by, scope))
    return applies, unreadable


def judge(declared: Declared, installed: str | None) -> Finding:
    """Whether the installed version (None: not installed) satisfies the requirement."""
    if installed is None:
        return Finding(declared, "missing", None)
    specifier = declared.requirement.specifier
    if not str(specifier):
        return Finding(declared, "ok", installed)
    try:
        version = Version(installed)
    except InvalidVersion:
        return Finding(declared, "unknown", installed)
    verdict: Verdict = "ok" if specifier.contains(version, prereleases=True) else "mismatch"
    return Finding(declared, verdict, installed)


def installed_version(facts: Mapping[str, Any], name: str) -> str | None:
    """The installed version of ``name`` per the probe (None: not installed)."""
    distributions = facts.get("distributions")
    if not isinstance(distributions, dict):
        return None
    key = canonicalize_name(name)
    for candidate, entry in distributions.items():
        if canonicalize_name(str(candidate)) == key and isinstance(entry, dict):
            version = entry.get("version")
            return None if version is None else str(version)
    return None


__all__ = [
    "V1_EXTRA",
    "Declared",
    "Finding",
    "declared_requirements",
    "installed_version",
    "judge",
    "marker_environment",
    "metadata_folder",
    "requires_dist",
]
