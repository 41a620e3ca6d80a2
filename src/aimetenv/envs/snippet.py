"""Running a program inside a target interpreter and reading back the one JSON document it prints.

The program runs as ``python -c CODE BEGIN END ARGS...`` and prints its answer between the two
cookie lines it is given (``sys.argv[1]`` and ``sys.argv[2]``). The cookies are random and new
for each run, so nothing else the program, or a package it imports, prints (AIMET prints warnings
to stdout) can be taken for the answer. The probe, the install smoke test and doctor's ``--deep``
programs all speak this; each caller words its own errors.
"""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from aimetenv.runner import Command

if TYPE_CHECKING:
    from collections.abc import Mapping
    from pathlib import Path

    from aimetenv.runner import Completed, Runner

Problem = Literal["timed-out", "no-answer", "not-json"]
"""Why there is no document: the time limit, no framed answer at all, or text that is not JSON."""


@dataclass(frozen=True)
class Snippet:
    """A program ready to run in the target, and the cookies that frame its answer."""

    command: Command
    begin: str
    end: str
    args: tuple[str, ...] = ()
    """The program's own arguments, after the cookies."""


@dataclass(frozen=True)
class Framed:
    """What the program said (any JSON value), or the problem that left it without an answer."""

    completed: Completed
    data: Any = None
    problem: Problem | None = None


def build_snippet(  # each input is one property of the child process
    python: Path,
    code: str,
    *args: str,
    tag: str,
    timeout: float,
    env: Mapping[str, str | None] | None = None,
    cwd: str | None = None,
    sanitize: bool = True,
) -> Snippet:
    """The command that runs ``code`` in ``python`` with fresh ``AIMETENV-<tag>-…`` cookies.

    ``sanitize``: the installer's cleaned environment; False keeps the caller's exactly
    (PYTHONPATH included), as the user's own Python would see it.
    """
    begin = f"AIMETENV-{tag}-BEGIN-" + secrets.token_hex(8)
    end = f"AIMETENV-{tag}-END-" + secrets.token_hex(8)
    command = Command(
        argv=(str(python), "-c", code, begin, end, *args),
        env=dict(env or {}),
        cwd=cwd,
        timeout=timeout,
        sanitize=sanitize,
    )
    return Snippet(command, begin, end, args)


def read_framed(completed: Completed, begin: str, end: str) -> Framed:
    """The JSON value between the cookies, or the problem that left none."""
    if completed.timed_out:
        return Framed(completed, problem="timed-out")
    text = completed.stdout
    stop = text.find(end)
    # The last begin cookie before the end one: a program may print lines of its own that
    # start with the cookie (doctor's programs mark each native module they load that way).
    start = text.rfind(begin, 0, stop) if stop >= 0 else -1
    if start < 0:
        return Framed(completed, problem="no-answer")
    body = text[start + len(begin) : stop].strip()
    try:
        return Framed(completed, json.loads(body))
    except json.JSONDecodeError:
        return Framed(completed, problem="not-json")


def run_snippet(runner: Runner, snippet: Snippet) -> Framed:
    """Run the program and read its answer; the runner's error (no interpreter) is raised."""
    return read_framed(runner.run(snippet.command), snippet.begin, snippet.end)


__all__ = ["Framed", "Problem", "Snippet", "build_snippet", "read_framed", "run_snippet"]
