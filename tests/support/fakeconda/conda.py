"""A stand-in for conda, which cannot be installed on the machines these tests run on.

It implements only what aimetenv calls, with real conda's syntax:

- ``conda create --yes (--prefix P | --name N) python=X.Y``: a venv made with the pyenv
  interpreter X.Y (``$PYENV_ROOT/versions/X.Y.*``; inside the suite, a copy of one made once per
  run, see ``support/seeded.py``), plus a ``conda-meta/`` folder so that the
  environment looks like a conda env to anything that checks;
- ``conda env list --json``: ``{"envs": [...]}``;
- ``conda info --json``: ``root_prefix``, ``envs_dirs``, ``envs`` (and a few fields real conda
  also reports).

The root prefix is the folder above the ``bin/`` this script is installed in, as for real conda;
environments created by name go to ``<root>/envs/<name>``. Every call is appended to
``<root>/stand-in-calls.jsonl`` so tests can check the arguments aimetenv passed. Unknown options
are rejected with exit status 2, as real conda's argument parser does. With
``STAND_IN_CONDA_FAIL_AFTER_CREATE`` set, ``create`` fails after making the prefix, as a conda
that dies half-way would. Standard library only.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess  # noqa: TID251  # the stand-in makes real venvs
import sys
from pathlib import Path

#: The suite's ``tests`` folder, written in by ``install_conda``: ``support.seeded`` is there.
TESTS = ""
ROOT = Path(__file__).resolve().parent.parent
ENVS = ROOT / "envs"
VERSION = "0.0.0-stand-in"


def _log(argv: list[str]) -> None:
    with (ROOT / "stand-in-calls.jsonl").open("a", encoding="utf-8") as handle:
        handle.write(json.dumps({"argv": argv, "cwd": str(Path.cwd())}) + "\n")


def _envs() -> list[str]:
    found = [str(ROOT)]
    if ENVS.is_dir():
        found.extend(str(p) for p in sorted(ENVS.iterdir()) if (p / "conda-meta").is_dir())
    return found


def _pyenv_python(xy: str) -> Path | None:
    root = Path(os.environ.get("PYENV_ROOT") or Path.home() / ".pyenv") / "versions"
    for folder in sorted(root.glob(f"{xy}.*"), reverse=True):
        candidate = folder / "bin" / f"python{xy}"
        if re.fullmatch(r"\d+\.\d+\.\d+", folder.name) and candidate.exists():
            return candidate
    return None


def _make_venv(python: Path, prefix: Path) -> int:
    """``python -m venv prefix``; in the suite, a copy of one made once per run (support.seeded)."""
    if not TESTS:
        return subprocess.run([str(python), "-m", "venv", str(prefix)], check=False).returncode
    sys.path.insert(0, TESTS)
    from support.seeded import make_venv_with_pip  # noqa: PLC0415  # the path is set above

    try:
        make_venv_with_pip(python, prefix)
    except subprocess.CalledProcessError as exc:
        return exc.returncode
    return 0


def _create(args: argparse.Namespace) -> int:
    if not args.yes:
        sys.stderr.write("stand-in conda: only non-interactive use (--yes) is implemented\n")
        return 2
    specs = [s for s in args.packages if s.startswith("python=")]
    if len(specs) != 1 or len(args.packages) != 1:
        sys.stderr.write("stand-in conda: create takes exactly one spec, python=X.Y\n")
        return 2
    xy = specs[0].split("=", 1)[1]
    python = _pyenv_python(xy)
    if python is None:
        sys.stderr.write(f"PackagesNotFoundError: python={xy} is not available\n")
        return 1
    prefix = Path(args.prefix).absolute() if args.prefix else ENVS / args.name
    if prefix.exists():  # conda create --yes replaces an existing environment
        shutil.rmtree(prefix)
    made = _make_venv(python, prefix)
    if made != 0:
        return made
    if os.environ.get("STAND_IN_CONDA_FAIL_AFTER_CREATE"):  # a solver or link error, half-way
        sys.stderr.write("CondaError: the stand-in was told to fail after creating the prefix\n")
        return 1
    (prefix / "conda-meta").mkdir(exist_ok=True)
    (prefix / "conda-meta" / "history").write_text(f"# cmd: conda create python={xy}\n")
    sys.stdout.write(f"\n# To activate this environment, use\n#\n#     $ conda activate {prefix}\n")
    return 0


def _info(args: argparse.Namespace) -> int:
    if not args.json:
        sys.stdout.write(f"     active environment : None\n    conda version : {VERSION}\n")
        return 0
    document = {
        "root_prefix": str(ROOT),
        "envs_dirs": [str(ENVS)],
        "envs": _envs(),
        "conda_version": VERSION,
        "platform": "linux-64",
        "active_prefix": os.environ.get("CONDA_PREFIX"),
    }
    sys.stdout.write(json.dumps(document, indent=2) + "\n")
    return 0


def _env_list(args: argparse.Namespace) -> int:
    if args.json:
        sys.stdout.write(json.dumps({"envs": _envs()}, indent=2) + "\n")
    else:
        sys.stdout.write("\n".join(_envs()) + "\n")
    return 0


def parser() -> argparse.ArgumentParser:
    """The subset of conda's command line that the stand-in understands."""
    top = argparse.ArgumentParser(prog="conda")
    commands = top.add_subparsers(dest="command", required=True)
    create = commands.add_parser("create")
    where = create.add_mutually_exclusive_group(required=True)
    where.add_argument("-n", "--name")
    where.add_argument("-p", "--prefix")
    create.add_argument("-y", "--yes", action="store_true")
    create.add_argument("packages", nargs="+")
    create.set_defaults(run=_create)
    info = commands.add_parser("info")
    info.add_argument("--json", action="store_true")
    info.set_defaults(run=_info)
    env = commands.add_parser("env")
    env_commands = env.add_subparsers(dest="env_command", required=True)
    listing = env_commands.add_parser("list")
    listing.add_argument("--json", action="store_true")
    listing.set_defaults(run=_env_list)
    return top


def main(argv: list[str]) -> int:
    """Run one conda command."""
    _log(argv)
    args = parser().parse_args(argv)
    code: int = args.run(args)
    return code


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
