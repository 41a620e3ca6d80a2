"""Run the benchmarks: every goal as a ratio against a baseline measured in the same run.

    .venv/bin/python benchmarks/run.py                      # everything (about 16 minutes)
    .venv/bin/python benchmarks/run.py -s startup -s noop   # some sections
    .venv/bin/python benchmarks/run.py -s doctor -r 3       # fewer repeats

Prints the machine, then one line per goal: measured, baseline, ratio, goal, MET / NOT MET.
Exit status 0 when every goal is met, 1 when one is not, 2 when something could not be set up.
The real environments it needs (the aimet-onnx 2.42.0 env from PyPI, its wheelhouse, the legacy
stand-in) are built on first use and kept under --cache. See docs/performance.md.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING

import platformdirs
from goals import doctor, download, install, preflight, refresh, startup
from harness import BenchmarkError, Result
from machine import describe, load_average

from envs import SetupError
from support.envs import isolated_env  # tests/ is on the path once envs is imported

if TYPE_CHECKING:
    from collections.abc import Callable

SECTIONS = {
    "startup": 20,
    "doctor": 5,
    "noop": 10,
    "preflight": 30,
    "install": 3,
    "download": 5,
    "refresh": 5,
}
"""Each section and its default number of timed rounds."""


def default_cache() -> Path:
    """Where the kept environments go: ``<user cache>/aimetenv/benchmarks``."""
    return platformdirs.user_cache_path("aimetenv") / "benchmarks"


def default_install_dir() -> Path:
    """``/dev/shm`` when it has room for two aimet-onnx venvs, else the temporary folder."""
    shm = Path("/dev/shm")  # noqa: S108  # RAM, on purpose: see docs/performance.md
    try:
        if shm.is_dir() and shutil.disk_usage(shm).free > 4 * 1024**3:
            return shm
    except OSError:
        pass
    return Path(tempfile.gettempdir())


def parse(argv: list[str]) -> argparse.Namespace:
    """The command line."""
    parser = argparse.ArgumentParser(
        prog="benchmarks/run.py",
        description="Measure aimetenv against its baselines; print each goal and whether it is met.",
    )
    parser.add_argument(
        "-s",
        "--section",
        action="append",
        choices=list(SECTIONS),
        help="Run only this section (repeat for more). Default: all, in the order "
        + ", ".join(SECTIONS)
        + ".",
    )
    parser.add_argument(
        "-r",
        "--repeat",
        type=int,
        metavar="N",
        help="Timed rounds per section instead of the defaults ("
        + ", ".join(f"{k} {v}" for k, v in SECTIONS.items())
        + ").",
    )
    parser.add_argument(
        "--cache",
        type=Path,
        default=default_cache(),
        metavar="DIR",
        help="Keep the built environments here (default: %(default)s).",
    )
    parser.add_argument(
        "--install-dir",
        type=Path,
        default=default_install_dir(),
        metavar="DIR",
        help="Where the install section makes its new venvs (default: %(default)s; RAM when "
        "/dev/shm has room, because disk noise is larger than the goal: see "
        "docs/performance.md).",
    )
    parser.add_argument(
        "--json", type=Path, metavar="FILE", help="Also write the results as JSON to FILE."
    )
    args = parser.parse_args(argv)
    if args.repeat is not None and args.repeat < 1:
        parser.error("--repeat must be at least 1")
    return args


def child_env(home: Path) -> dict[str, str]:
    """The environment of every timed process: this one, cleaned, with aimetenv's own data and
    state in a temporary folder (the user's are left alone).

    When uv is not on PATH, the dev venv's uv is added at the end of PATH (alone: the venv's
    python3.11 must not shadow the real interpreters new venvs are made from).
    """
    # bytecode caching on: users run aimetenv with its bytecode cached, as pip installs it
    env = isolated_env(home, redirect=("DATA", "STATE"), drop=("PYTHONDONTWRITEBYTECODE",))
    uv = Path(sys.executable).with_name("uv")
    if shutil.which("uv", path=env.get("PATH")) is None and uv.exists():
        tools = home / "bin"
        tools.mkdir(exist_ok=True)
        (tools / "uv").symlink_to(uv)
        env["PATH"] = os.pathsep.join([env.get("PATH", ""), str(tools)])
    return env


def say(text: str) -> None:
    """Progress, on stderr."""
    sys.stderr.write(f"# {text}\n")
    sys.stderr.flush()


def _load() -> str:
    one, five, fifteen = load_average()
    return f"{one:.2f} {five:.2f} {fifteen:.2f}"


def run_section(
    name: str, repeat: int, args: argparse.Namespace, env: dict[str, str]
) -> list[Result]:
    """One section's results."""
    cache: Path = args.cache
    sections: dict[str, Callable[[], list[Result]]] = {
        "startup": lambda: startup.run(cache, repeat, env, say),
        "doctor": lambda: doctor.run(cache, repeat, env, say),
        "noop": lambda: install.noop(cache, repeat, env, say),
        "preflight": lambda: preflight.run(cache, repeat, env, say),
        "install": lambda: install.fresh_installs(cache, repeat, env, say, args.install_dir),
        "refresh": lambda: refresh.run(repeat, env, say),
        "download": lambda: download.run(repeat, say),
    }
    return sections[name]()


def main(argv: list[str] | None = None) -> int:
    """Run the chosen sections and print the results."""
    args = parse(sys.argv[1:] if argv is None else argv)
    chosen = [s for s in SECTIONS if s in (args.section or SECTIONS)]
    machine = describe()
    print("machine:")
    for line in machine.lines():
        print(f"  {line}")
    print(f"  load average at start: {_load()}")
    sys.stdout.flush()
    started = time.monotonic()
    results: list[Result] = []
    with tempfile.TemporaryDirectory(prefix="aimetenv-bench-home-") as home:
        env = child_env(Path(home))
        for name in chosen:
            repeat = args.repeat or SECTIONS[name]
            say(f"{name}: {repeat} timed rounds (load {_load()})")
            try:
                found = run_section(name, repeat, args, env)
            except (SetupError, BenchmarkError) as error:
                print(f"{name}: could not run: {error}", file=sys.stderr)
                return 2
            for result in found:
                say(result.line())
            results.extend(found)
    seconds = time.monotonic() - started
    print(f"results ({len(results)} goals, {seconds:.0f} s, load average at end: {_load()}):")
    for result in results:
        print(f"  {result.line()}  [{result.runs} rounds]")
        for note in result.notes:
            print(f"      {note}")
    if args.json is not None:
        document = {
            "schema": "aimetenv.benchmarks/1",
            "machine": machine.to_dict(),
            "seconds": round(seconds, 1),
            "results": [r.to_dict() for r in results],
        }
        args.json.write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")
    return 0 if all(r.verdict != "NOT MET" for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
