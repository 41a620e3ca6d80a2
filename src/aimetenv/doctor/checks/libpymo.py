"""Check: AIMET's native libpymo loads for real, the way this release's era loads it.

<1.22: the top-level module ``libpymo`` (needs PYTHONPATH and LD_LIBRARY_PATH); 1.22-1.32:
``aimet_common.libpymo``; 1.33-2.19: ``aimet_common._libpymo``; 2.20 and later:
``<pkg>.common._libpymo``; aimet-torch 2.30 and later has none. From 1.33 on the wrapper module
``libpymo`` quietly falls back to a pure-Python stand-in when the native module does not load,
so the native module itself is loaded here, which gives the real ImportError.
"""

from __future__ import annotations

import dataclasses
import os
import re
from pathlib import Path
from typing import TYPE_CHECKING

from aimetenv.doctor.model import Check, CheckResult, Status
from aimetenv.doctor.providers import provider_of
from aimetenv.install.smoke import run_smoke

if TYPE_CHECKING:
    from aimetenv.doctor.context import DoctorContext, ReleaseInfo
    from aimetenv.doctor.model import FactValue
    from aimetenv.install.smoke import SmokeResult

ID = "libpymo"
_CANNOT_OPEN = re.compile(r"([\w.+-]+\.so[\w.]*): cannot open shared object file")
_VERSION = re.compile(r"version `([^']+)' not found")


def _load(ctx: DoctorContext, info: ReleaseInfo, *, with_exports: bool) -> SmokeResult:
    """The smoke test's quick mode: only the native module, its packages' __init__ not run."""
    assert info.plan is not None  # noqa: S101  # checked by the caller
    spec = dataclasses.replace(info.plan.smoke, packages=())
    return run_smoke(
        ctx.runner,
        ctx.target.python,
        spec,
        exports=info.plan.exports if with_exports else None,
        site_packages=() if info.site_packages is None else (info.site_packages,),
        mode="quick",
        as_user=True,
        cwd=ctx.cwd,
        timeout=ctx.settings.native_timeout,
    )


def _error_of(result: SmokeResult) -> str:
    if result.error:
        return result.error
    failed = [c for c in result.checks if not c.ok]
    return failed[0].detail if failed else result.summary


def _foreign_builds(ctx: DoctorContext, info: ReleaseInfo, native: str) -> list[str]:
    """Files of the native module that exist but carry another Python's extension suffix."""
    smoke = info.plan.smoke if info.plan else None
    if smoke is None or smoke.location is None or info.site_packages is None:
        return []
    folder = Path(info.site_packages, smoke.location)
    stem = native.rsplit(".", 1)[-1]
    suffixes = [str(s) for s in ctx.facts.get("ext_suffixes") or []]
    try:
        names = sorted(p.name for p in folder.iterdir())
    except OSError:
        return []
    return [
        str(folder / n)
        for n in names
        if n.startswith(stem + ".")
        and n.endswith(".so")
        and not any(n == stem + s for s in suffixes)
    ]


def _hint_for(ctx: DoctorContext, error: str, foreign: list[str]) -> str:
    opened = _CANNOT_OPEN.search(error)
    if opened:
        provider = provider_of(opened.group(1))
        return f"Provide {opened.group(1)}: {provider or 'see the native-libs check'}"
    version = _VERSION.search(error)
    if version:
        return (
            f"A library older than {version.group(1)} is loaded first; the native-libs check "
            "names it and where it comes from."
        )
    if foreign:
        name = Path(foreign[0]).name
        return f"This Python cannot load {name}: {ctx.install_command(recreate=True)}"
    return f"Reinstall the release: {ctx.reinstall_command()}"


def check_libpymo(ctx: DoctorContext) -> CheckResult:  # one return per verdict
    """Load the release's native libpymo in the target, as the user's Python would."""
    info = ctx.release()
    if info is None or info.plan is None:
        return CheckResult(
            ID,
            Status.SKIP,
            f"the release is not known, so neither is its libpymo ({ctx.release_note()})",
        )
    smoke = info.plan.smoke
    if smoke.native is None:
        return CheckResult(
            ID,
            Status.OK,
            f"pure-Python build, no libpymo expected ({info.summary.tag} {info.summary.variant})",
            details=(smoke.note,),
            facts={"native": None},
        )
    native = smoke.native
    loaded = _load(ctx, info, with_exports=False)
    facts: dict[str, FactValue] = {"native": native, "wrapper": smoke.wrapper}
    wrapper_note = (
        (f"{smoke.wrapper} would import anyway: it falls back to a pure-Python stand-in",)
        if smoke.wrapper
        else ()
    )
    if loaded.ok and loaded.native_file:
        where = loaded.native_file
        facts.update({"file": where, "seconds": round(loaded.seconds, 3)})
        site = info.site_packages
        if site and not os.path.realpath(where).startswith(os.path.realpath(site) + os.sep):
            return CheckResult(
                ID,
                Status.WARN,
                f"{native} loads, but from {where}, not from the installed release in {site}",
                hint="A stray copy comes first on sys.path (PYTHONPATH or the current folder); "
                "the environment check names it.",
                facts=facts,
            )
        return CheckResult(
            ID, Status.OK, f"native {native} loads ({where})", details=wrapper_note, facts=facts
        )
    error = _error_of(loaded)
    facts["error"] = error
    facts["error_with_exports"] = None
    retry_note: tuple[str, ...] = ()
    missing = ctx.missing_exports()
    if missing:
        retry = _load(ctx, info, with_exports=True)
        if retry.ok:
            return CheckResult(
                ID,
                Status.FAIL,
                f"{native} does not load with your environment ({error}); it loads with the "
                "release's exports: the exports are missing",
                hint=ctx.env_fix_hint(),
                details=tuple(f"{name} lacks {', '.join(dirs)}" for name, dirs in missing.items()),
                facts={**facts, "fixed_by_exports": True},
            )
        error = _error_of(retry)
        facts["error_with_exports"] = error
        retry_note = (f"with the release's exports set it still fails: {error}",)
    foreign = _foreign_builds(ctx, info, native)
    return CheckResult(
        ID,
        Status.FAIL,
        f"{native} does not load: {error}",
        hint=_hint_for(ctx, error, foreign),
        details=(
            *retry_note,
            *(f"built for another Python: {p}" for p in foreign),
            *wrapper_note,
        ),
        facts=facts,
    )


LIBPYMO = Check(
    ID, "the native libpymo of this release loads", check_libpymo, requires=("aimet-packages",)
)

__all__ = ["LIBPYMO", "check_libpymo"]
