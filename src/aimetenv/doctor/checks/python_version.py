"""Check: the interpreter's version and ABI against what the release was built for."""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING

from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.version import Version

from aimetenv.doctor.inspect import aimet_package_dirs, shared_objects
from aimetenv.doctor.model import Check, CheckResult, Status
from aimetenv.install.resolver import describe_python

if TYPE_CHECKING:
    from aimetenv.doctor.context import DoctorContext
    from aimetenv.doctor.model import FactValue

ID = "python"
_CPYTHON_SUFFIX = re.compile(r"(\.cpython-(\d)(\d+)[a-z]*-[^.]+\.so)$")


def foreign_extensions(folders: list[str], ext_suffixes: list[str]) -> list[tuple[str, str]]:
    """Extension modules under ``folders`` built for another CPython: (path, its suffix).

    Python only imports files whose names end in one of its ``EXTENSION_SUFFIXES``; a
    ``.cpython-310-x86_64-linux-gnu.so`` is invisible to 3.11, which then quietly uses AIMET's
    pure-Python stand-in (1.33 and later) or fails to import.
    """
    foreign = []
    for path in shared_objects(folders):
        match = _CPYTHON_SUFFIX.search(Path(path).name)
        if match and match.group(1) not in ext_suffixes:
            foreign.append((path, match.group(1)))
    return foreign


def check_python(ctx: DoctorContext) -> CheckResult:
    """The release's native code is built for one Python ABI; other versions do not load it."""
    facts = ctx.facts
    version = facts.get("version") or [0, 0, 0]
    xy = f"{version[0]}.{version[1]}"
    abi = f"cp{version[0]}{version[1]}{facts.get('abiflags') or ''}"
    suffixes = [str(s) for s in facts.get("ext_suffixes") or []]
    info = ctx.release()
    result_facts: dict[str, FactValue] = {
        "version": str(facts.get("version_text") or xy),
        "abi": abi,
        "shared_libpython": bool(facts.get("shared_libpython")),
        "ext_suffixes": tuple(suffixes),
    }
    shown = f"Python {facts.get('version_text') or xy} ({abi})"
    folders = aimet_package_dirs(facts, None if info is None else info.site_packages)
    foreign = foreign_extensions(folders, suffixes)
    spec_text = None
    if info is not None:
        spec_text = info.plan.python_specifier if info.plan else info.release.python
        result_facts["required"] = spec_text
        label = f"{info.summary.tag} {info.summary.variant}"
        needed = _outside(xy, spec_text)
        if needed:
            recreate = ctx.install_command(recreate=True)
            return CheckResult(
                ID,
                Status.FAIL,
                f"{shown}: {label} needs Python {needed}",
                hint=f"Rebuild the environment with Python {needed}: {recreate}",
                details=tuple(f"built for another Python: {p}" for p, _s in foreign),
                facts=result_facts,
            )
        if info.compat_code == "platform-mismatch" and info.compat_error:
            return CheckResult(
                ID,
                Status.FAIL,
                f"{shown}: {info.compat_error}",
                hint=f"Rebuild the environment: {ctx.install_command(recreate=True)}",
                facts=result_facts,
            )
    if foreign:
        path, suffix = foreign[0]
        built_for = _CPYTHON_SUFFIX.search(suffix)
        other = f"{built_for.group(2)}.{built_for.group(3)}" if built_for else "another version"
        return CheckResult(
            ID,
            Status.FAIL,
            f"{shown}: {Path(path).name} is built for Python {other}; this Python cannot load it",
            hint=f"Use Python {other} for this AIMET build: {ctx.install_command(recreate=True)}",
            details=(
                *(f"built for another Python: {p}" for p, _s in foreign),
                f"this interpreter loads: {', '.join(suffixes)}",
            ),
            facts=result_facts,
        )
    if info is None:
        return CheckResult(
            ID,
            Status.OK,
            f"{shown}; no release to compare with ({ctx.release_note()})",
            facts=result_facts,
        )
    required = describe_python(spec_text)
    against = f"; {info.summary.tag} needs {required}" if required else ""
    return CheckResult(ID, Status.OK, f"{shown}{against}", facts=result_facts)


def _outside(xy: str, specifier: str | None) -> str | None:
    """The needed Python (described) when ``xy`` is outside ``specifier``; else None."""
    if not specifier:
        return None
    try:
        spec = SpecifierSet(specifier)
    except InvalidSpecifier:
        return None
    if Version(f"{xy}.0") in spec:
        return None
    return describe_python(specifier) or specifier


PYTHON = Check(
    ID, "Python version and ABI fit the release", check_python, requires=("interpreter",)
)

__all__ = ["PYTHON", "check_python", "foreign_extensions"]
