"""Check: every shared object in the AIMET packages would load, judged from the ELF headers.

Nothing is loaded or run: each object's DT_NEEDED, RPATH/RUNPATH and needed symbol versions
are read with pyelftools and resolved the way ld.so would for the target interpreter's process
(see ``aimetenv.doctor.ldresolve``). Each missing library is named with what usually provides it; each
symbol version the library that would really be loaded lacks (``GLIBCXX_3.4.29``) is named with
the file that lacks it.
"""

from __future__ import annotations

import os
import shlex
from pathlib import Path
from typing import TYPE_CHECKING

from aimetenv.doctor.elf import ElfReadError, newest_versions
from aimetenv.doctor.inspect import aimet_package_dirs, shared_objects
from aimetenv.doctor.model import Check, CheckResult, Status, and_more
from aimetenv.doctor.providers import provider_of

if TYPE_CHECKING:
    from aimetenv.doctor.context import DoctorContext
    from aimetenv.doctor.ldresolve import LoadAnalysis, MissingLibrary, VersionProblem
    from aimetenv.doctor.model import FactValue

ID = "native-libs"
_RUNTIMES = ("libc.so.6", "libstdc++.so.6")


def _short(path: str, bases: list[str]) -> str:
    """``aimet_common/x86_64-linux-gnu/libpymo.so``: the path from site-packages on."""
    for base in bases:
        parent = str(Path(base).parent)
        if path.startswith(parent + "/"):
            return path[len(parent) + 1 :]
    return path


def _problems(
    analyses: list[LoadAnalysis],
) -> tuple[list[MissingLibrary], list[VersionProblem]]:
    missing: dict[str, MissingLibrary] = {}
    versions: dict[tuple[str, str], VersionProblem] = {}
    for analysis in analyses:
        for item in analysis.missing:
            missing.setdefault(item.soname, item)
        for problem in analysis.version_problems:
            versions.setdefault((problem.version, problem.library), problem)
    return list(missing.values()), list(versions.values())


def _record_owner(ctx: DoctorContext, soname: str) -> str | None:
    """The AIMET distribution whose RECORD lists a file called ``soname`` that is gone."""
    for dist in ctx.aimet():
        location = Path(dist.location)
        if not dist.location or not location.is_dir():
            continue
        stem = dist.name.replace("-", "_").lower()
        for info in sorted(location.glob("*.dist-info")):
            if not info.name.lower().startswith(stem + "-"):
                continue
            try:
                lines = (info / "RECORD").read_text(encoding="utf-8").splitlines()
            except OSError:
                continue
            for line in lines:
                path = line.split(",", 1)[0]
                if Path(path).name == soname and not (location / path).exists():
                    return f"{dist.name} installed {path}, and it is gone"
    return None


def _found_elsewhere(soname: str, folders: list[str]) -> str | None:
    for top in folders:
        for root, _dirs, files in os.walk(top):
            if soname in files:
                return str(Path(root, soname))
    return None


def _explain_missing(ctx: DoctorContext, item: MissingLibrary, folders: list[str]) -> str:
    owner = _record_owner(ctx, item.soname)
    if owner:
        return owner
    there = _found_elsewhere(item.soname, folders)
    if there:
        return f"it is at {there}, which is not on the loader's search path"
    return (
        provider_of(item.soname)
        or "no known provider; search for it with 'find / -name " + item.soname + "'"
    )


def _without_dir(value: str | None, drop: str) -> str:
    kept = [
        p for p in (value or "").split(":") if p and os.path.normpath(p) != os.path.normpath(drop)
    ]
    return ":".join(kept)


def _version_hint(ctx: DoctorContext, problem: VersionProblem, analyses: list[LoadAnalysis]) -> str:
    via = None
    for analysis in analyses:
        for resolution in analysis.resolutions:
            if resolution.path == problem.library:
                via = resolution.via
    folder = str(Path(problem.library).parent)
    if via == "LD_LIBRARY_PATH":
        rest = _without_dir(ctx.user_env("LD_LIBRARY_PATH"), folder)
        fix = f"export LD_LIBRARY_PATH={shlex.quote(rest)}" if rest else "unset LD_LIBRARY_PATH"
        return (
            f"{folder} is on LD_LIBRARY_PATH and holds an older {problem.soname}; take it off: "
            f"{fix}"
        )
    if problem.version.startswith("GLIBC_"):
        return (
            f"This system's glibc is older than {problem.version}: use a newer distribution "
            "(glibc 2.34 is Ubuntu 22.04), or an older AIMET release."
        )
    if problem.version.startswith(("GLIBCXX_", "CXXABI_")):
        return (
            f"{problem.library} is older than {problem.version} needs: install a newer GCC "
            "runtime (libstdc++6 from GCC 11 or later), or put one first on LD_LIBRARY_PATH."
        )
    return f"Install a newer {problem.soname}."


def _runtime_lines(
    ctx: DoctorContext, objects: list[str], analyses: list[LoadAnalysis]
) -> tuple[list[str], dict[str, FactValue]]:
    """What AIMET's own objects need from libc and libstdc++, and what the loaded ones have."""
    needed: dict[str, list[str]] = {}
    loaded: dict[str, str] = {}
    for path, analysis in zip(objects, analyses):
        try:
            needs = ctx.elves.get(path).version_needs
        except ElfReadError:
            continue
        for soname in _RUNTIMES:
            if soname in needs:
                needed.setdefault(soname, []).extend(needs[soname])
                where = analysis.path_of(soname) or ctx.loader().process_loaded.get(soname)
                if where:
                    loaded.setdefault(soname, where)
    lines = []
    facts: dict[str, FactValue] = {}
    for soname in _RUNTIMES:
        if soname not in needed:
            continue
        runtime = loaded.get(soname)
        try:
            defined = newest_versions(ctx.elves.get(runtime).version_defs) if runtime else {}
        except ElfReadError:
            defined = {}
        for family, version in sorted(newest_versions(needed[soname]).items()):
            has = defined.get(family, "?")
            lines.append(f"needs {version} from {soname}; {runtime or '?'} has up to {has}")
            facts[family.lower() + "_needed"] = version
            facts[family.lower() + "_available"] = has
        facts[soname.split(".")[0] + "_path"] = runtime
    return lines, facts


def check_native_libs(ctx: DoctorContext) -> CheckResult:
    """Resolve every AIMET shared object's dependencies and symbol versions like ld.so."""
    info = ctx.release()
    folders = aimet_package_dirs(ctx.facts, None if info is None else info.site_packages)
    objects = list(shared_objects(folders))
    if not objects:
        native = None if info is None or info.plan is None else info.plan.smoke.native
        if info is not None and native is not None:
            return CheckResult(
                ID,
                Status.FAIL,
                f"no shared objects in {', '.join(folders) or 'the AIMET packages'}, but "
                f"{info.summary.tag} ships {native}",
                hint=f"Reinstall the release: {ctx.reinstall_command()}",
            )
        return CheckResult(
            ID, Status.OK, "no shared objects in the AIMET packages (a pure-Python build)"
        )
    loader = ctx.loader()
    analyses = [loader.analyze(path) for path in objects]
    missing, versions = _problems(analyses)
    lines, runtime_facts = _runtime_lines(ctx, objects, analyses)
    facts: dict[str, FactValue] = {
        "objects": len(objects),
        "missing": tuple(m.soname for m in missing),
        "version_problems": tuple(f"{p.version} in {p.library}" for p in versions),
        **runtime_facts,
    }
    resolved = {r.soname for a in analyses for r in a.resolutions}
    if not missing and not versions:
        head = f"{len(objects)} shared objects; all {len(resolved)} libraries they need resolve"
        newest = [facts[k] for k in ("glibc_needed", "glibcxx_needed") if k in facts]
        if newest:
            head += f"; {', '.join(str(v) for v in newest)} available"
        return CheckResult(
            ID,
            Status.OK,
            head,
            details=(*(_short(p, folders) for p in objects), *lines),
            facts=facts,
        )
    details = [
        *(
            f"missing {m.soname} (needed by {_short(m.requested_by, folders)}): "
            f"{_explain_missing(ctx, m, folders)}; searched {', '.join(m.searched) or 'nothing'}"
            for m in missing
        ),
        *(
            f"version `{p.version}' not found in {p.library} (required by "
            f"{_short(p.required_by, folders)})"
            for p in versions
        ),
        *(f"skipped (wrong ELF class or machine): {s}" for m in missing for s in m.skipped),
        *lines,
    ]
    if ctx.missing_exports().get("LD_LIBRARY_PATH"):
        dirs = ctx.export_dirs().get("LD_LIBRARY_PATH", ())
        current = tuple(p for p in (ctx.user_env("LD_LIBRARY_PATH") or "").split(":") if p)
        fixed = [ctx.loader(library_path=dirs + current).analyze(p) for p in objects]
        if not any(a.missing or a.version_problems for a in fixed):
            names = [m.soname for m in missing] or [versions[0].version]
            verb = "is" if len(names) == 1 else "are"
            return CheckResult(
                ID,
                Status.FAIL,
                f"{', '.join(names)} {verb} not found with your environment, and {verb} found "
                "once the release's exports are set: the exports are missing",
                hint=ctx.env_fix_hint(),
                details=tuple(details),
                facts={**facts, "fixed_by_exports": True},
            )
    if missing:
        first = missing[0]
        more = and_more([m.soname for m in missing[1:]])
        explanation = _explain_missing(ctx, first, folders)
        return CheckResult(
            ID,
            Status.FAIL,
            f"{first.soname} is not found (needed by {_short(first.requested_by, folders)}){more}",
            hint=f"Provide {first.soname}: {explanation}",
            details=tuple(details),
            facts=facts,
        )
    problem = versions[0]
    more = and_more([f"{p.version} in {p.library}" for p in versions[1:]])
    return CheckResult(
        ID,
        Status.FAIL,
        f"version {problem.version} not found in {problem.library} (required by "
        f"{_short(problem.required_by, folders)}){more}",
        hint=_version_hint(ctx, problem, analyses),
        details=tuple(details),
        facts=facts,
    )


NATIVE_LIBS = Check(
    ID,
    "AIMET's shared libraries would load (ELF analysis, nothing run)",
    check_native_libs,
    requires=("aimet-packages",),
)

__all__ = ["NATIVE_LIBS", "check_native_libs"]
