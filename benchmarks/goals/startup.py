"""Start-up: ``aimetenv --version`` and ``aimetenv env`` against ``python -c "import typer"``.

Both sides run on the dev venv's interpreter, as fresh processes, with bytecode caches written
(the first, untimed round writes them): the figure is what a user with an installed aimetenv
waits for. ``aimetenv env`` is measured on a real env that has an install receipt (the legacy
1.16.2.py37 stand-in, which needs exports, so the whole block is printed).
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

from harness import at_most, interleaved, run_quiet

from envs import legacy_env

if TYPE_CHECKING:
    from collections.abc import Callable

    from harness import Result

GOAL = 1.3


def script() -> str:
    """The ``aimetenv`` console script next to this interpreter (what users run)."""
    found = Path(sys.executable).with_name("aimetenv")
    if not found.exists():
        msg = f"no aimetenv console script next to {sys.executable}; install aimetenv in this venv"
        raise SystemExit(msg)
    return str(found)


def run(cache: Path, repeat: int, env: dict[str, str], say: Callable[[str], None]) -> list[Result]:
    """The two start-up goals."""
    legacy = legacy_env(cache, say)
    python = sys.executable
    aimetenv = script()
    baseline_argv = [python, "-c", "import typer"]
    baseline = "python -c 'import typer'"

    def base() -> None:
        run_quiet(baseline_argv, env)

    results = []
    version_argv = [aimetenv, "--version"]
    samples = interleaved(lambda: run_quiet(version_argv, env), base, repeat, warmup=2)
    results.append(at_most("startup --version", "aimetenv --version", baseline, samples, GOAL))
    env_argv = [aimetenv, "env", "--venv", str(legacy.prefix)]
    samples = interleaved(lambda: run_quiet(env_argv, env), base, repeat, warmup=2)
    results.append(
        at_most("startup env", "aimetenv env --venv LEGACY (receipt)", baseline, samples, GOAL)
    )
    return results


__all__ = ["GOAL", "run", "script"]
