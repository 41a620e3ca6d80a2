"""Install: ``aimetenv install --wheel-dir`` against the same pip or uv commands run by hand.

The wheelhouse is the aimet-onnx 2.42.0 onnx-cpu plan made with ``aimetenv download`` (69 files,
about 450 MB, the machine's CPU torch included), kept under the benchmark cache folder and read
once before timing so that it is warm. Every round installs into fresh venvs, each run after
the last one's venv is removed and the disk has written everything out (``sync``), and the order
rotates from round to round. Five sides:

- plain pip: the plan's own commands, taken from ``install --dry-run --json`` (``python3.11 -m
  venv NEW``, then each ``NEW/bin/python -m pip install ... --no-index --find-links DIR``), as a
  user types them: without the ``--no-compile`` aimetenv adds because it byte-compiles the
  env in parallel afterwards, so pip compiles as it does by default;
- aimetenv with pip: ``aimetenv install --variant onnx-cpu --tag 2.42.0 --wheel-dir DIR --venv
  NEW --python-version 3.11`` (which also checks the manifest's hashes, runs the import smoke
  test and writes the receipt);
- plain uv: ``uv venv --python BASE NEW``, then the same requirements and ``--no-index
  --find-links DIR`` through ``uv pip install --python NEW/bin/python`` (taken from
  ``install --dry-run --json --installer uv``), as a user of uv types them;
- uv matched: what ``--installer uv`` leaves behind, made with uv by hand: ``uv venv --seed``
  (pip in the venv, as ``python -m venv`` puts it there), the same ``uv pip install`` commands,
  then ``NEW/bin/python -c "import aimet_onnx"`` (aimetenv's smoke test imports it; uv does not
  byte-compile, so that first import compiles what it loads, on either side);
- aimetenv with uv: the same ``aimetenv install`` with ``--installer uv``.

uv keeps the wheels it has unpacked in its cache (``~/.cache/uv``), shared by every uv side, and
``--seed`` takes pip from PyPI into that cache, so the matched uv commands run once, untimed,
before the rounds: every timed uv run finds the cache warm and none goes to the network.

The no-op: ``aimetenv install`` of the same release into the kept, healthy aimet-onnx env, the
command that made it, repeated. It imports ``aimet_onnx`` for real (a broken env must not pass
for installed), so its baseline is that import alone, ``ENV/bin/python -c "import aimet_onnx"``;
the goal is at most ``NOOP_GOAL`` times as long: what aimetenv adds (start-up, probe, plan,
preflight) mostly runs beside the import.
"""

from __future__ import annotations

import dataclasses
import json
import os
import re
import shutil
import statistics
import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING

from harness import (
    Samples,
    at_most,
    interleaved,
    reported,
    rounds,
    run_quiet,
)

from envs import ONNX_TAG, ONNX_VARIANT, OnnxSetup, aimetenv_argv, onnx_env, run_checked
from goals.startup import script

if TYPE_CHECKING:
    from collections.abc import Callable

    from harness import Result

GOAL = 1.1
NOOP_GOAL = 1.1


def wheelhouse(setup: OnnxSetup, say: Callable[[str], None]) -> Path:
    """The kept wheelhouse of the aimet-onnx plan, made with ``aimetenv download`` if missing."""
    folder = setup.base / "wheelhouse"
    if (folder / "manifest.json").is_file():
        return folder
    say(f"making the wheelhouse {folder} with aimetenv download (PyPI, about 450 MB)")
    if folder.exists():
        shutil.rmtree(folder)
    with setup.torch_index() as simple:
        argv = [
            *aimetenv_argv(), "download", "--variant", ONNX_VARIANT, "--tag", ONNX_TAG,
            "-d", str(folder), "--python-version", "3.11", "--torch-index", simple,
        ]  # fmt: skip
        run_checked(argv, setup.env(), "the wheelhouse")
    return folder


def subject_argv(folder: Path, prefix: Path, *extra: str) -> list[str]:
    """``aimetenv install`` from the wheelhouse into a new venv."""
    return [
        script(), "install", "--variant", ONNX_VARIANT, "--tag", ONNX_TAG,
        "--wheel-dir", str(folder), "--venv", str(prefix), "--python-version", "3.11", *extra,
    ]  # fmt: skip


def plan_commands(folder: Path, prefix: Path, env: dict[str, str], *extra: str) -> list[list[str]]:
    """The venv and pip (or uv) commands the plan runs, in order (``install --dry-run --json``).

    ``extra``: more ``install`` options, e.g. ``--installer uv``.
    """
    done = run_quiet([*subject_argv(folder, prefix, *extra), "--dry-run", "--json"], env)
    actions = json.loads(done.stdout)["actions"]
    commands = [
        [arg for arg in a["argv"] if arg != "--no-compile"]
        for a in actions
        if a["kind"] in ("create-env", "pip") and a["argv"]
    ]
    if not commands or "venv" not in commands[0]:
        msg = f"unexpected plan: {actions}"
        raise RuntimeError(msg)
    return commands


def bundled_pip_step(argv: list[str]) -> bool:
    """Whether this is the plan's ``uv pip install`` of the interpreter's ensurepip wheels."""
    return any("/ensurepip/_bundled/" in arg for arg in argv)


def uv_commands(plan: list[list[str]], *, seed: bool) -> list[list[str]]:
    """The ``--installer uv`` plan as a user of uv types it: ``uv venv`` instead of ``-m venv``.

    ``plan``: from ``plan_commands(..., "--installer", "uv")``: ``BASE -m venv [--without-pip]
    NEW``, then each ``uv pip install --python NEW/bin/python ...``, the first of which may put
    the interpreter's bundled pip in (``bundled_pip_step``; left out here, since ``uv venv
    --seed`` does that). The venv gets the plan's own interpreter; ``seed``: ``uv venv --seed``,
    which puts pip in the venv as ``python -m venv`` does.
    """
    create, *installs = plan
    installs = [argv for argv in installs if not bundled_pip_step(argv)]
    if create[1:3] != ["-m", "venv"] or not installs or installs[0][1:3] != ["pip", "install"]:
        msg = f"unexpected uv plan: {plan}"
        raise RuntimeError(msg)
    uv = installs[0][0]
    venv = [uv, "venv", *(["--seed"] if seed else []), "--python", create[0], create[-1]]
    return [venv, *installs]


def import_command(prefix: Path, packages: tuple[str, ...] = ("aimet_onnx",)) -> list[str]:
    """``NEW/bin/python -c "import aimet_onnx"``: the check a user makes after installing."""
    return [str(prefix / "bin" / "python"), "-c", "import " + ", ".join(packages)]


def _warm(folder: Path) -> None:
    """Read every file once, so that both sides find the wheelhouse in the page cache."""
    for path in sorted(folder.iterdir()):
        if path.is_file():
            with path.open("rb") as stream:
                while stream.read(8 * 1024 * 1024):
                    pass


_STEP_RE = re.compile(r"^# exit status \d+ after ([\d.]+) s$")
_SMOKE_RE = re.compile(r"^# smoke test \(([\d.]+) s\)")


def logged_steps(state: Path) -> list[float]:
    """The seconds of each command (compile last), then of the smoke test, in the newest log."""
    logs = sorted(
        (state / "aimetenv" / "logs").glob("install-*.log"), key=lambda p: p.stat().st_mtime
    )
    if not logs:
        return []
    steps: list[float] = []
    for line in logs[-1].read_text(encoding="utf-8", errors="replace").splitlines():
        match = _STEP_RE.match(line) or _SMOKE_RE.match(line)
        if match:
            steps.append(float(match.group(1)))
    return steps


def _breakdown(
    names: list[str], plain: list[list[float]], logged: list[list[float]], label: str = "plain"
) -> str:
    """``venv 3.1/3.0 s, pip 1 ...``: median seconds per step, plain commands / aimetenv."""
    parts = []
    for index, name in enumerate(names):
        mine = [steps[index] for steps in logged if len(steps) > index]
        theirs = [steps[index] for steps in plain if len(steps) > index]
        shown_mine = f"{statistics.median(mine):.1f}" if mine else "-"
        shown_theirs = f"{statistics.median(theirs):.1f}" if theirs else "-"
        parts.append(f"{name} {shown_theirs}/{shown_mine} s")
    return f"steps, {label}/aimetenv: " + ", ".join(parts)


def _stepped(commands: list[list[str]], env: dict[str, str], into: list[list[float]]) -> None:
    """Run ``commands`` in order; append the seconds of each to ``into``."""
    steps = []
    for argv in commands:
        start = time.perf_counter()
        run_quiet(argv, env)
        steps.append(time.perf_counter() - start)
    into.append(steps)


def fresh_installs(
    cache: Path,
    repeat: int,
    env: dict[str, str],
    say: Callable[[str], None],
    work_root: Path | None,
) -> list[Result]:
    """pip and uv installs into new venvs against the plain commands."""
    setup = onnx_env(cache, say)
    folder = wheelhouse(setup, say)
    if shutil.which("uv", path=env.get("PATH")) is None:
        msg = "uv is needed on PATH for the --installer uv figures (it is in the dev extra)"
        raise SystemExit(msg)
    state = Path(env["XDG_STATE_HOME"])
    steps: dict[str, list[list[float]]] = {side: [] for side in ("pip", "aimetenv", "uv", "seed")}
    aimetenv_uv: list[list[float]] = []
    with tempfile.TemporaryDirectory(prefix="aimetenv-bench-install-", dir=work_root) as temp:
        prefix = Path(temp) / "venv"
        say(f"new venvs go to {temp}")
        commands = plan_commands(folder, prefix, env)
        uv_plan = plan_commands(folder, prefix, env, "--installer", "uv")
        plain_uv = uv_commands(uv_plan, seed=False)
        matched_uv = [*uv_commands(uv_plan, seed=True), import_command(prefix)]
        say("plain pip: " + " && ".join(" ".join(c) for c in commands))
        say("plain uv: " + " && ".join(" ".join(c) for c in plain_uv))
        say("uv matched: " + " && ".join(" ".join(c) for c in matched_uv))
        _warm(folder)

        def clean() -> None:  # untimed: no run pays for the last one's files
            shutil.rmtree(prefix, ignore_errors=True)
            os.sync()

        clean()
        # untimed: uv's cache then holds the unpacked wheels, and pip for --seed, for every uv side
        for argv in matched_uv:
            run_quiet(argv, env)

        def with_pip() -> None:
            run_quiet(subject_argv(folder, prefix), env)
            steps["aimetenv"].append(logged_steps(state))

        seeded = any(bundled_pip_step(argv) for argv in uv_plan)

        def with_uv() -> None:
            run_quiet(subject_argv(folder, prefix, "--installer", "uv"), env)
            logged = logged_steps(state)
            if seeded and len(logged) > 1:  # the venv, then pip into it: one step, as uv's --seed
                logged = [logged[0] + logged[1], *logged[2:]]
            aimetenv_uv.append(logged)

        base, pip, uv_base, uv_seed, uv = rounds(
            [
                lambda: _stepped(commands, env, steps["pip"]),
                with_pip,
                lambda: _stepped(plain_uv, env, steps["uv"]),
                lambda: _stepped(matched_uv, env, steps["seed"]),
                with_uv,
            ],
            repeat,
            warmup=0,
            before=clean,
            rotate=True,
        )
        clean()
    plain = "python -m venv + the plan's pip commands"
    names = ["venv", *(f"pip {n}" for n in range(1, len(commands))), "compile", "smoke test"]
    pip_result = at_most(
        "install (pip)", "aimetenv install --wheel-dir", plain, Samples(pip, base), GOAL
    )
    uv_names = ["venv", *(f"uv {n}" for n in range(1, len(plain_uv))), "smoke test/import"]
    subject = "aimetenv install --wheel-dir --installer uv"
    matched = at_most(
        "install (uv)",
        subject,
        "uv venv --seed + the plan's uv pip commands + python -c 'import aimet_onnx'",
        Samples(uv, uv_seed),
        GOAL,
    )
    bare = reported(
        "install (uv, bare)", subject, "uv venv + the plan's uv pip commands", Samples(uv, uv_base)
    )
    return [
        dataclasses.replace(
            pip_result, notes=(_breakdown(names, steps["pip"], steps["aimetenv"]),)
        ),
        dataclasses.replace(
            matched, notes=(_breakdown(uv_names, steps["seed"], aimetenv_uv, "uv matched"),)
        ),
        dataclasses.replace(
            bare, notes=(_breakdown(uv_names[:-1], steps["uv"], aimetenv_uv, "plain uv"),)
        ),
    ]


def noop(cache: Path, repeat: int, env: dict[str, str], say: Callable[[str], None]) -> list[Result]:
    """The repeated install into the healthy env."""
    setup = onnx_env(cache, say)
    child = {**setup.env(), **{k: v for k, v in env.items() if k == "PATH"}}
    child.pop("PYTHONDONTWRITEBYTECODE", None)
    with setup.torch_index() as simple:
        argv = [script(), *setup.install_args(simple)]
        first = run_quiet(argv, child)
        if "already installed" not in first.stderr:
            msg = f"the kept env was not already installed:\n{first.stderr[-2000:]}"
            raise RuntimeError(msg)
        samples = interleaved(
            lambda: run_quiet(argv, child),
            lambda: run_quiet([str(setup.prefix / "bin/python"), "-c", "import aimet_onnx"], child),
            repeat,
            warmup=1,
        )
    return [
        at_most(
            "install no-op",
            "aimetenv install (already installed)",
            "ENV/bin/python -c 'import aimet_onnx'",
            samples,
            NOOP_GOAL,
        )
    ]


__all__ = [
    "GOAL",
    "NOOP_GOAL",
    "fresh_installs",
    "import_command",
    "noop",
    "plan_commands",
    "uv_commands",
    "wheelhouse",
]
