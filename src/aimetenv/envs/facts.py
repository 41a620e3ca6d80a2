"""What aimetenv knows about a target interpreter: probed for real, or assumed for a plan."""

from __future__ import annotations

import os
import platform
import re
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any, Literal

from packaging.tags import Tag, compatible_tags, cpython_tags

if TYPE_CHECKING:
    from collections.abc import Mapping

_MANYLINUX_ALIASES = {17: "manylinux2014", 12: "manylinux2010", 5: "manylinux1"}

_NUMBER = re.compile(r"[0-9]{1,6}")
"""A version number part: ASCII digits only (``int()`` also takes "²" and thousands of digits)."""


@dataclass(frozen=True)
class TargetFacts:
    """The facts a plan depends on: Python version and ABI, glibc and machine."""

    python: tuple[int, int]
    machine: str
    glibc: tuple[int, int] | None
    abiflags: str = ""
    system: str = "Linux"
    origin: Literal["probe", "assumed"] = "assumed"
    """Probed from a real interpreter, or assumed for a plan (``resolve``, ``--dry-run``)."""
    python_full: str | None = None
    executable: str | None = None
    version: tuple[int, ...] = ()
    """``sys.version_info[:3]`` as probed; empty when assumed."""
    version_text: str | None = None
    """``platform.python_version()`` as probed (``3.7.16``)."""
    prefix: str | None = None
    """``sys.prefix`` as probed."""
    site_packages: tuple[str, ...] = ()
    """The site-packages folders the probe found."""
    pip_version: str | None = None
    """The installed pip's version; None when pip is missing."""
    distributions: Mapping[str, Any] = field(default_factory=dict, compare=False, repr=False)
    """The installed distributions by normalised name: name, version, location."""
    raw: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)

    @property
    def python_xy(self) -> str:
        """``"3.7"``."""
        return f"{self.python[0]}.{self.python[1]}"

    @property
    def glibc_text(self) -> str | None:
        """``"2.36"`` or None (not glibc)."""
        return None if self.glibc is None else f"{self.glibc[0]}.{self.glibc[1]}"

    @property
    def interpreter_tag(self) -> str:
        """``cp37``."""
        return f"cp{self.python[0]}{self.python[1]}"

    def platforms(self) -> list[str]:
        """Platform tags this target accepts, most specific first."""
        arch = self.machine
        if self.system != "Linux":
            return []
        tags: list[str] = []
        if self.glibc is not None and self.glibc[0] == 2:  # noqa: PLR2004  # glibc 2.x is all there is
            for minor in range(self.glibc[1], 4, -1):
                tags.append(f"manylinux_2_{minor}_{arch}")
                alias = _MANYLINUX_ALIASES.get(minor)
                if alias is not None:
                    tags.append(f"{alias}_{arch}")
        tags.append(f"linux_{arch}")
        return tags

    def supported_tags(self) -> frozenset[Tag]:
        """Every wheel tag this target's pip would accept (``packaging.tags``)."""
        platforms = self.platforms()
        abi = f"{self.interpreter_tag}{self.abiflags}"
        tags = set(cpython_tags(self.python, abis=[abi], platforms=platforms))
        tags.update(compatible_tags(self.python, self.interpreter_tag, platforms))
        return frozenset(tags)

    def describe(self) -> str:
        """One line for messages: ``Python 3.7 (cp37m), glibc 2.36, x86_64``."""
        glibc = f"glibc {self.glibc_text}" if self.glibc else "no glibc"
        return f"Python {self.python_xy} ({self.interpreter_tag}{self.abiflags}), {glibc}, {self.machine}"


def parse_xy_tuple(text: str | None) -> tuple[int, int] | None:
    """``"2.36"`` or ``"2.36.1"`` -> ``(2, 36)``; None when it does not parse."""
    if not text:
        return None
    parts = text.split(".")
    if len(parts) < 2 or not _NUMBER.fullmatch(parts[0]) or not _NUMBER.fullmatch(parts[1]):  # noqa: PLR2004  # X.Y: two parts
        return None
    return (int(parts[0]), int(parts[1]))


def default_abiflags(python: tuple[int, int]) -> str:
    """CPython before 3.8 was built with pymalloc: ``cp37m``; from 3.8 the flag is gone."""
    return "m" if python < (3, 8) else ""


def host_glibc() -> tuple[int, int] | None:
    """The glibc of the machine aimetenv runs on."""
    try:
        text = os.confstr("CS_GNU_LIBC_VERSION")
    except (AttributeError, ValueError, OSError):
        return None
    if not text or not text.startswith("glibc "):
        return None
    return parse_xy_tuple(text.split(" ", 1)[1])


def assumed_facts(
    python: tuple[int, int],
    *,
    glibc: tuple[int, int] | None = None,
    machine: str | None = None,
) -> TargetFacts:
    """Facts for an interpreter that does not exist yet, on this machine unless told otherwise."""
    return TargetFacts(
        python=python,
        machine=machine or platform.machine(),
        glibc=glibc if glibc is not None else host_glibc(),
        abiflags=default_abiflags(python),
        system=platform.system(),
        origin="assumed",
    )


def facts_from_probe(data: dict[str, Any]) -> TargetFacts:
    """Facts from the probe's JSON document (see ``aimetenv/envs/probe_script.py``)."""
    version = data.get("version") or [0, 0, 0]
    sites = data.get("site_packages") or []
    pip = data.get("pip_version")
    distributions = data.get("distributions")
    return TargetFacts(
        python=(int(version[0]), int(version[1])),
        machine=str(data.get("machine") or platform.machine()),
        glibc=parse_xy_tuple(data.get("glibc")),
        abiflags=str(data.get("abiflags") or ""),
        system=str(data.get("system") or "Linux"),
        origin="probe",
        python_full=str(data.get("version_text") or ".".join(str(p) for p in version)),
        executable=data.get("executable"),
        version=tuple(int(p) for p in data.get("version") or ()),
        version_text=data.get("version_text") or None,
        prefix=data.get("prefix") if isinstance(data.get("prefix"), str) else None,
        site_packages=tuple(str(p) for p in sites if isinstance(p, str)),
        pip_version=None if pip is None else str(pip),
        distributions=distributions if isinstance(distributions, dict) else {},
        raw=data,
    )


def with_glibc(facts: TargetFacts, glibc: tuple[int, int]) -> TargetFacts:
    """The same facts with another glibc (``--glibc``: plan for another machine)."""
    return replace(facts, glibc=glibc)


__all__ = [
    "TargetFacts",
    "assumed_facts",
    "default_abiflags",
    "facts_from_probe",
    "host_glibc",
    "parse_xy_tuple",
    "with_glibc",
]
