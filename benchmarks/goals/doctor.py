"""Doctor: ``aimetenv doctor --venv ENV`` against ``ENV/bin/python -c "import aimet_onnx"``.

ENV is the real aimet-onnx 2.42.0 env (``envs.onnx_env``). Both sides are whole processes timed
from start to exit, from a neutral working folder, with the same environment. The doctor runs
every default check; its import check is the slow one, so the rest must fit beside it.
"""

from __future__ import annotations

import tempfile
from typing import TYPE_CHECKING

from harness import at_most, interleaved, run_quiet

from envs import onnx_env
from goals.startup import script

if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path

    from harness import Result

GOAL = 1.2


def run(cache: Path, repeat: int, env: dict[str, str], say: Callable[[str], None]) -> list[Result]:
    """The doctor goal."""
    setup = onnx_env(cache, say)
    python = str(setup.prefix / "bin" / "python")
    doctor_argv = [script(), "doctor", "--venv", str(setup.prefix)]
    import_argv = [python, "-c", "import aimet_onnx"]
    with tempfile.TemporaryDirectory(prefix="aimetenv-bench-cwd-") as cwd:
        # Exit 1 would mean a failed check: the env is broken and the figure meaningless.
        samples = interleaved(
            lambda: run_quiet(doctor_argv, env, cwd),
            lambda: run_quiet(import_argv, env, cwd),
            repeat,
            warmup=1,
        )
    return [
        at_most(
            "doctor",
            "aimetenv doctor --venv ONNX_ENV",
            "ONNX_ENV/bin/python -c 'import aimet_onnx'",
            samples,
            GOAL,
        )
    ]


__all__ = ["GOAL", "run"]
