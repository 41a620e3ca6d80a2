"""One cause, one fix: failures that follow from a root cause point at it instead of guessing.

Some checks name a cause (a shadowing copy on PYTHONPATH, a missing shared object, the wrong
Python, an unmet requirement); others only see its effect (the import fails, libpymo does not
load, the quantization crashes). Left alone, each effect proposes its own remedy, and the
user gets several different fixes for one problem, most of them wrong. After the checks have
run, every failing effect is tied to the failing cause it shows evidence of (its error text
names what the cause names, or it named the check itself: ``facts["suspect"]``), else to the
first failing cause in the order below, and its fix becomes "fix that first". An effect that
classified its own failure (``facts["cause"]``, see ``doctor.importcause``) keeps its own fix
when no failing cause is tied to it. The report then leads with that cause.
"""

from __future__ import annotations

import re
from dataclasses import replace
from typing import TYPE_CHECKING

from aimetenv.doctor.model import Status

if TYPE_CHECKING:
    from collections.abc import Sequence

    from aimetenv.doctor.model import CheckResult

ROOTS = (
    "interpreter",
    "python",
    "environment",
    "aimet-packages",
    "aimet-conflicts",
    "native-libs",
    "requirements",
    "framework",
)
"""Checks that name a cause, most fundamental first."""
EFFECTS = ("libpymo", "package-import", "quantize")
"""Checks that see the effect of a cause: an import or a load that fails."""
_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_.+-]{2,}")
_COMMON = frozenset({"the", "and", "not", "installed", "requires", "fails", "import", "with"})


def _words(result: CheckResult) -> set[str]:
    text = " ".join((result.summary, *(str(v) for v in result.facts.values())))
    words = {w.lower().strip(".") for w in _WORD.findall(text)} - _COMMON
    # AIMET's own names are in every effect's error; they are no evidence.
    return {w for w in words if not w.startswith("aimet")}


def _evidence(effect: CheckResult, cause: CheckResult) -> bool:
    """Whether the effect's error names something the cause names (a package, a library)."""
    seen = " ".join((effect.summary, *effect.details)).lower()
    return any(word in seen for word in _words(cause) if len(word) > 3)  # noqa: PLR2004  # skip short words


def root_cause(results: Sequence[CheckResult]) -> CheckResult | None:
    """The failing check to fix first: the first failing cause, else the first failure."""
    by_id = {r.check_id: r for r in results}
    for check_id in ROOTS:
        result = by_id.get(check_id)
        if result is not None and result.status is Status.FAIL:
            return result
    return next((r for r in results if r.status is Status.FAIL), None)


def attribute(results: Sequence[CheckResult]) -> tuple[CheckResult, ...]:
    """``results`` with each failing effect pointed at the cause it follows from."""
    causes = [
        r
        for check_id in ROOTS
        for r in results
        if r.check_id == check_id and r.status is Status.FAIL
    ]
    if not causes:
        return tuple(results)
    attributed = []
    for result in results:
        if result.check_id not in EFFECTS or result.status is not Status.FAIL:
            attributed.append(result)
            continue
        suspect = result.facts.get("suspect")
        shown = next((c for c in causes if c.check_id == suspect), None) or next(
            (c for c in causes if _evidence(result, c)), None
        )
        if shown is None and result.facts.get("cause"):
            attributed.append(result)  # the effect named its own cause, and nothing contradicts it
            continue
        cause = shown or causes[0]
        because = "this follows from it" if shown else "it is the likely cause"
        hint = (
            f"Fix what the {cause.check_id} check found first ({cause.summary}); {because}. "
            "Then run doctor again."
        )
        details = (*result.details, f"fix proposed by this check alone: {result.hint}")
        attributed.append(
            replace(
                result,
                hint=hint,
                details=details,
                facts={**result.facts, "caused_by": cause.check_id},
            )
        )
    return tuple(attributed)


__all__ = ["EFFECTS", "ROOTS", "attribute", "root_cause"]
