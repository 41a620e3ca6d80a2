"""Run the probe inside a target interpreter and read its facts back."""

from __future__ import annotations

from importlib import resources
from typing import TYPE_CHECKING, Any

from aimetenv.envs.snippet import build_snippet, run_snippet
from aimetenv.errors import AimetenvError, UsageError

if TYPE_CHECKING:
    from collections.abc import Mapping
    from pathlib import Path

    from aimetenv.envs.facts import TargetFacts
    from aimetenv.runner import Runner

PROBE_TIMEOUT = 60.0


def probe_source() -> str:
    """The probe's source text (it runs as ``python -c``, so sys.path[0] is the cwd, as for users)."""
    return resources.files("aimetenv.envs").joinpath("probe_script.py").read_text(encoding="utf-8")


def run_probe(
    runner: Runner,
    python: Path,
    *,
    as_user: bool = False,
    env: Mapping[str, str | None] | None = None,
    cwd: str | None = None,
) -> dict[str, Any]:
    """The facts of ``python`` as a dict; UsageError when it does not run or answers garbage.

    ``as_user`` keeps the caller's environment exactly (PYTHONPATH included), as doctor needs;
    otherwise the installer's sanitized environment is used.
    """
    snippet = build_snippet(
        python,
        probe_source(),
        tag="PROBE",
        env=env,
        cwd=cwd,
        timeout=PROBE_TIMEOUT,
        sanitize=not as_user,
    )
    try:
        answer = run_snippet(runner, snippet)
    except AimetenvError as error:  # a missing or unrunnable interpreter
        message = error.message
        raise UsageError(
            f"cannot run the interpreter {python}: {message}", code="interpreter-broken"
        ) from None
    if answer.problem == "timed-out":
        raise UsageError(
            f"the interpreter {python} did not answer within {PROBE_TIMEOUT:.0f} s",
            code="interpreter-timeout",
        )
    if answer.problem == "no-answer":
        completed = answer.completed
        detail = completed.tail(3).replace("\n", " | ") or f"exit status {completed.returncode}"
        raise UsageError(
            f"the interpreter {python} could not report its facts: {detail}",
            hint="Python 3.6 or newer is needed in the target.",
            code="interpreter-broken",
        )
    if answer.problem == "not-json":
        raise UsageError(
            f"the interpreter {python} answered the probe with something that is not JSON",
            code="interpreter-broken",
        )
    data = answer.data
    if not isinstance(data, dict):
        raise UsageError(
            f"the interpreter {python} answered the probe oddly", code="interpreter-broken"
        )
    return data


def probe_facts(
    runner: Runner,
    python: Path,
    *,
    as_user: bool = False,
    env: Mapping[str, str | None] | None = None,
    cwd: str | None = None,
) -> TargetFacts:
    """The facts of ``python``, parsed once; UsageError as for ``run_probe``."""
    from aimetenv.envs.facts import facts_from_probe  # noqa: PLC0415  # packaging.tags, only here

    return facts_from_probe(run_probe(runner, python, as_user=as_user, env=env, cwd=cwd))


__all__ = ["PROBE_TIMEOUT", "probe_facts", "probe_source", "run_probe"]
