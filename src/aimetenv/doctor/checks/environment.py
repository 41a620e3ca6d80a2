"""Check: the variables the release needs are set, and nothing in the environment hurts it.

Harmful things seen in AIMET's issue tracker and on real machines: a PYTHONPATH (or the current
folder) with another copy of an AIMET package that shadows the installed one, the 1.x-style
PYTHONPATH exports left over for a 2.x install, a folder with an older libstdc++ early on
LD_LIBRARY_PATH, and folders on either variable that do not exist. The same holds for what AIMET
imports: a numpy earlier on PYTHONPATH than the environment's breaks ``import aimet_onnx`` with
a SystemError that says nothing about PYTHONPATH.
"""

from __future__ import annotations

import os
import shlex
from pathlib import Path
from typing import TYPE_CHECKING

from aimetenv.doctor.elf import ElfReadError, newest_versions, version_key
from aimetenv.doctor.inspect import aimet_package_dirs, module_origin, shared_objects
from aimetenv.doctor.model import Check, CheckResult, Issue, Status, worst_issue
from aimetenv.doctor.shadowing import DEPENDENCIES, first_copy, import_name, same_folder

if TYPE_CHECKING:
    from aimetenv.doctor.context import DoctorContext

ID = "environment"
SHADOWABLE = ("aimet_common", "aimet_torch", "aimet_onnx", "aimet_tensorflow", "libpymo")


def _entries(value: str | None) -> list[str]:
    return value.split(":") if value else []


def _norm(path: str) -> str:
    return os.path.normpath(Path(path).absolute())


def _set_without(name: str, value: str | None, drop: str) -> str:
    kept = [p for p in _entries(value) if p and _norm(p) != _norm(drop)]
    if not kept:
        return f"unset {name}"
    return f"export {name}={shlex.quote(':'.join(kept))}"


def _inside(path: str, folder: str) -> bool:
    return _norm(path).startswith(_norm(folder).rstrip("/") + "/")


def _exports_issues(ctx: DoctorContext) -> list[Issue]:
    missing = ctx.missing_exports()
    if not missing:
        return []
    parts = [f"{name} lacks {', '.join(dirs)}" for name, dirs in missing.items()]
    info = ctx.release()
    tag = info.summary.tag if info else "this release"
    return [
        Issue(
            Status.FAIL,
            f"{tag} needs exports that are not set: {'; '.join(parts)}",
            ctx.env_fix_hint(),
        )
    ]


def _entry_source(ctx: DoctorContext, entry: str) -> str:
    pythonpath = [_norm(p) for p in _entries(ctx.user_env("PYTHONPATH")) if p]
    if _norm(entry) in pythonpath:
        return "PYTHONPATH"
    if entry in ("", ".") or _norm(entry) == _norm(ctx.cwd):
        return "the current folder"
    if "/.local/lib/" in entry:
        return "the user site-packages (~/.local)"
    return "sys.path"


def _shadow_issues(ctx: DoctorContext) -> list[Issue]:
    site = ctx.site_packages()
    if site is None:
        return []
    allowed = [site]
    allowed.extend(ctx.export_dirs().get("PYTHONPATH", ()))
    sys_path = [str(p) for p in ctx.facts.get("sys_path") or []]
    issues = []
    for name in SHADOWABLE:
        origin = module_origin(ctx.facts, name)
        if origin is None:
            continue
        if name == "libpymo" and not ctx.export_dirs().get("PYTHONPATH"):
            stray = origin
            issues.append(
                Issue(
                    Status.WARN,
                    f"a top-level libpymo module is importable from {stray}; this release does "
                    "not use one (a leftover of a 1.x install?)",
                    f"Remove it from the import path: {_remove_hint(ctx, stray, sys_path)}",
                )
            )
            continue
        if any(
            _inside(origin, folder) or _norm(str(Path(origin).parent)) == _norm(folder)
            for folder in allowed
        ):
            continue
        entry = _providing_entry(origin, sys_path, ctx.cwd)
        source = _entry_source(ctx, entry)
        issues.append(
            Issue(
                Status.FAIL,
                f"{name} is imported from {origin} ({source}), not from the installed release "
                f"in {site}",
                _remove_hint(ctx, origin, sys_path),
            )
        )
    return issues


def _dependency_names(ctx: DoctorContext) -> list[str]:
    """What AIMET imports: the frameworks, numpy, scipy and its declared requirements."""
    from aimetenv.doctor.checks.requirements import declared_names  # noqa: PLC0415  # avoids a cycle

    names = list(DEPENDENCIES)
    for distribution in declared_names(ctx):
        module = import_name(distribution)
        if module not in names and not module.startswith("aimet"):
            names.append(module)
    return names


def _dependency_issues(ctx: DoctorContext) -> list[Issue]:
    """A module AIMET imports that comes from PYTHONPATH, the current folder or another path."""
    sites = [str(p) for p in ctx.facts.get("site_packages") or []]
    sys_path = [str(p) for p in ctx.facts.get("sys_path") or []]
    suffixes = [str(s) for s in ctx.facts.get("ext_suffixes") or []]
    if not sites or not sys_path:
        return []
    issues = []
    for name in _dependency_names(ctx):
        first = first_copy(name, sys_path, cwd=ctx.cwd, suffixes=suffixes)
        if first is None or any(same_folder(first[0], site) for site in sites):
            continue
        entry, origin = first
        source = _entry_source(ctx, entry)
        if source == "sys.path":
            continue  # the interpreter's own folders (a system Python's dist-packages)
        installed = first_copy(name, sites, cwd=ctx.cwd, suffixes=suffixes)
        if installed is None and source.startswith("the user site"):
            continue  # pip install --user put it there, for an interpreter without a venv
        if installed is not None:
            issues.append(
                Issue(
                    Status.FAIL,
                    f"{name} is imported from {origin} ({source}), not from the environment's "
                    f"copy in {Path(installed[1]).parent}; AIMET imports {name}",
                    _remove_hint(ctx, origin, sys_path),
                )
            )
        else:
            issues.append(
                Issue(
                    Status.WARN,
                    f"{name}, which AIMET imports, comes from {origin} ({source}), not from the "
                    "environment",
                    _remove_hint(ctx, origin, sys_path),
                )
            )
    return issues


def _providing_entry(origin: str, sys_path: list[str], cwd: str) -> str:
    best = ""
    for entry in sys_path:
        folder = cwd if entry in ("", ".") else entry
        if _inside(origin, folder) and len(folder) > len(best):
            best = entry or cwd
    return best


def _remove_hint(ctx: DoctorContext, origin: str, sys_path: list[str]) -> str:
    entry = _providing_entry(origin, sys_path, ctx.cwd)
    source = _entry_source(ctx, entry)
    if source == "PYTHONPATH":
        return f"take {entry} off PYTHONPATH: {_set_without('PYTHONPATH', ctx.user_env('PYTHONPATH'), entry)}"
    if source == "the current folder":
        return f"run Python from another folder than {ctx.cwd}, or rename the copy in it"
    return f"remove or rename {origin}"


def _gone(variable: str, value: str | None, entry: str) -> Issue:
    """A folder on ``variable`` that does not exist: a warning, and the value without it."""
    return Issue(
        Status.WARN,
        f"{variable} names {entry}, which does not exist",
        _set_without(variable, value, entry),
    )


def _pythonpath_issues(ctx: DoctorContext) -> list[Issue]:
    issues = []
    needed = [_norm(d) for d in ctx.export_dirs().get("PYTHONPATH", ())]
    info = ctx.release()
    for entry in _entries(ctx.user_env("PYTHONPATH")):
        if not entry:
            continue
        if not Path(entry).is_dir():
            issues.append(_gone("PYTHONPATH", ctx.user_env("PYTHONPATH"), entry))
            continue
        if info is not None and not needed and "aimet_common" in _norm(entry).split("/"):
            issues.append(
                Issue(
                    Status.WARN,
                    f"PYTHONPATH names {entry}: {info.summary.tag} needs no PYTHONPATH, and the "
                    "1.x-style exports can shadow its packages",
                    _set_without("PYTHONPATH", ctx.user_env("PYTHONPATH"), entry),
                )
            )
    return issues


def _needed_glibcxx(ctx: DoctorContext) -> str | None:
    info = ctx.release()
    folders = aimet_package_dirs(ctx.facts, None if info is None else info.site_packages)
    versions: list[str] = []
    for path in shared_objects(folders):
        versions.extend(_stdcxx_needs(ctx, path))
    return newest_versions(versions).get("GLIBCXX")


def _stdcxx_needs(ctx: DoctorContext, path: str) -> tuple[str, ...]:
    try:
        return ctx.elves.get(path).version_needs.get("libstdc++.so.6", ())
    except ElfReadError:
        return ()


def _library_path_issues(ctx: DoctorContext) -> list[Issue]:
    issues = []
    value = ctx.user_env("LD_LIBRARY_PATH")
    system = ctx.loader(library_path=()).config.cache.get("libstdc++.so.6", ())
    system_newest = None
    if system:
        try:
            system_newest = newest_versions(ctx.elves.get(system[0]).version_defs).get("GLIBCXX")
        except ElfReadError:
            system_newest = None
    for entry in _entries(value):
        if not entry:
            continue
        if not Path(entry).is_dir():
            issues.append(_gone("LD_LIBRARY_PATH", value, entry))
            continue
        candidate = str(Path(entry, "libstdc++.so.6"))
        if not Path(candidate).exists():
            continue
        try:
            has = newest_versions(ctx.elves.get(candidate).version_defs).get("GLIBCXX")
        except ElfReadError:
            continue
        needed = _needed_glibcxx(ctx)
        if needed and (has is None or _older(has, needed)):
            issues.append(
                Issue(
                    Status.FAIL,
                    f"LD_LIBRARY_PATH puts {candidate} (up to {has}) before the system's; AIMET "
                    f"needs {needed}",
                    _set_without("LD_LIBRARY_PATH", value, entry),
                )
            )
        elif system_newest and has and _older(has, system_newest):
            issues.append(
                Issue(
                    Status.WARN,
                    f"LD_LIBRARY_PATH puts an older libstdc++ ({candidate}, up to {has}) before "
                    f"the system's ({system_newest})",
                    _set_without("LD_LIBRARY_PATH", value, entry),
                )
            )
        break  # only the first libstdc++ on the path is ever loaded
    return issues


def _older(have: str, need: str) -> bool:
    a, b = version_key(have), version_key(need)
    return a is not None and b is not None and a[1] < b[1]


def check_environment(ctx: DoctorContext) -> CheckResult:
    """PYTHONPATH, LD_LIBRARY_PATH and the current folder, as the target interpreter sees them."""
    issues = (
        _exports_issues(ctx)
        + _shadow_issues(ctx)
        + _dependency_issues(ctx)
        + _pythonpath_issues(ctx)
        + _library_path_issues(ctx)
    )
    facts = {
        "PYTHONPATH": ctx.user_env("PYTHONPATH"),
        "LD_LIBRARY_PATH": ctx.user_env("LD_LIBRARY_PATH"),
        "cwd": ctx.cwd,
    }
    if not issues:
        needed = ctx.export_dirs()
        if needed:
            summary = "the release's exports are set; nothing shadows the installed packages"
        else:
            summary = "nothing in PYTHONPATH, LD_LIBRARY_PATH or the current folder gets in the way"
        return CheckResult(ID, Status.OK, summary, facts=facts)
    return worst_issue(ID, issues, facts=facts)


ENVIRONMENT = Check(
    ID, "environment variables help and do not hurt", check_environment, requires=("interpreter",)
)

__all__ = ["ENVIRONMENT", "check_environment"]
