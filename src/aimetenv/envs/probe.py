"""Run the probe inside a target interpreter and read its facts back."""

from __future__ import annotations

import json
import secrets
from importlib import resources
from typing import TYPE_CHECKING, Any

from aimetenv.errors import AimetenvError, UsageError
from aimetenv.runner import Command

if TYPE_CHECKING:
    from collections.abc import Mapping
    from pathlib import Path

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
    begin = "AIMETENV-PROBE-BEGIN-" + secrets.token_hex(8)
    end = "AIMETENV-PROBE-END-" + secrets.token_hex(8)
    command = Command(
        argv=(str(python), "-c", probe_source(), begin, end),
        env=dict(env or {}),
        timeout=PROBE_TIMEOUT,
        sanitize=not as_user,
        cwd=cwd,
    )
    try:
        completed = runner.run(command)
    except AimetenvError as error:  # a missing or unrunnable interpreter
        message = error.message
        raise UsageError(
            f"cannot run the interpreter {python}: {message}", code="interpreter-broken"
        ) from None
    if completed.timed_out:
        raise UsageError(
            f"the interpreter {python} did not answer within {PROBE_TIMEOUT:.0f} s",
            code="interpreter-timeout",
        )
    text = completed.stdout
    if begin not in text or end not in text:
        detail = completed.tail(3).replace("\n", " | ") or f"exit status {completed.returncode}"
        raise UsageError(
            f"the interpreter {python} could not report its facts: {detail}",
            hint="Python 3.6 or newer is needed in the target.",
            code="interpreter-broken",
        )
    body = text.split(begin, 1)[1].split(end, 1)[0].strip()
    try:
        data = json.loads(body)
    except json.JSONDecodeError:
        raise UsageError(
            f"the interpreter {python} answered the probe with something that is not JSON",
            code="interpreter-broken",
        ) from None
    if not isinstance(data, dict):
        raise UsageError(
            f"the interpreter {python} answered the probe oddly", code="interpreter-broken"
        )
    return data


__all__ = ["PROBE_TIMEOUT", "probe_source", "run_probe"]
