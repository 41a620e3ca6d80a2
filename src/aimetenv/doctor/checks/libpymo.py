"""Check: AIMET's native libpymo loads for real, the way this release's era loads it.

<1.22: the top-level module ``libpymo`` (needs PYTHONPATH and LD_LIBRARY_PATH); 1.22-1.32:
``aimet_common.libpymo``; 1.33-2.19: ``aimet_common._libpymo``; 2.20 and later:
``<pkg>.common._libpymo``; aimet-torch 2.30 and later has none. From 1.33 on the wrapper module
``libpymo`` quietly falls back to a pure-Python stand-in when the native module does not load,
so the native module itself is loaded here, which gives the real ImportError.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import TYPE_CHECKING

from aimetenv.doctor.loading import load_native
from aimetenv.doctor.model import Check, CheckResult, Status
from aimetenv.doctor.providers import provider_of

if TYPE_CHECKING:
    from aimetenv.doctor.context import DoctorContext, ReleaseInfo
    from aimetenv.doctor.loading import Answer

ID = "libpymo"
_CANNOT_OPEN = re.compile(r"([\w.+-]+\.so[\w.]*): cannot open shared object file")
_VERSION = re.compile(r"version `([^']+)' not found")


def _error_of(answer: Answer) -> str:
    if answer.document is None:
        return answer.problem or "no answer"
    return str(answer.document.get("error") or "unknown error")


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
    return f"Reinstall the release: {ctx.install_command(recreate=True)}"


def check_libpymo(ctx: DoctorContext) -> CheckResult:  # noqa: PLR0911  # one return per verdict
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
    answer = load_native(ctx, native)
    facts: dict[str, str | bool | float | None] = {"native": native, "wrapper": smoke.wrapper}
    wrapper_note = (
        (f"{smoke.wrapper} would import anyway: it falls back to a pure-Python stand-in",)
        if smoke.wrapper
        else ()
    )
    if answer.ok and answer.document is not None:
        document = answer.document
        loaded = str(document.get("file") or "?")
        facts.update({"file": loaded, "seconds": document.get("seconds")})
        if not document.get("extension"):
            return CheckResult(
                ID,
                Status.FAIL,
                f"{native} imported from {loaded}, which is not a native extension module",
                hint=(
                    "Remove that file from the import path, or reinstall: "
                    f"{ctx.install_command(recreate=True)}"
                ),
                facts=facts,
            )
        site = info.site_packages
        if site and not os.path.realpath(loaded).startswith(os.path.realpath(site) + os.sep):
            return CheckResult(
                ID,
                Status.WARN,
                f"{native} loads, but from {loaded}, not from the installed release in {site}",
                hint="A stray copy comes first on sys.path (PYTHONPATH or the current folder); "
                "the environment check names it.",
                facts=facts,
            )
        return CheckResult(
            ID,
            Status.OK,
            f"native {native} loads ({loaded})",
            details=wrapper_note,
            facts=facts,
        )
    error = _error_of(answer)
    tail = tuple(answer.document.get("traceback") or ()) if answer.document else answer.output_tail
    facts["error"] = error
    facts["error_with_exports"] = None
    retry_note: tuple[str, ...] = ()
    if ctx.missing_exports():
        retry = load_native(ctx, native, env=ctx.with_exports())
        if not retry.ok:
            error_with_exports = _error_of(retry)
            retry_note = (f"with the release's exports set it still fails: {error_with_exports}",)
            facts["error_with_exports"] = error_with_exports
            error = error_with_exports
        if retry.ok:
            return CheckResult(
                ID,
                Status.FAIL,
                f"{native} does not load with your environment ({error}); it loads with the "
                "release's exports: the exports are missing",
                hint=ctx.env_fix_hint(),
                details=(
                    *(
                        f"{name} lacks {', '.join(dirs)}"
                        for name, dirs in ctx.missing_exports().items()
                    ),
                    *tail,
                ),
                facts={**facts, "fixed_by_exports": True},
            )
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
            *tail,
        ),
        facts=facts,
    )


LIBPYMO = Check(
    ID, "the native libpymo of this release loads", check_libpymo, requires=("aimet-packages",)
)

__all__ = ["LIBPYMO", "check_libpymo"]
