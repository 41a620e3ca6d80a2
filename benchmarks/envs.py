"""The real environments the benchmarks measure, built once and kept between runs.

``onnx_env`` is the real aimet-onnx 2.42.0 from PyPI in a Python 3.11 venv, made by ``aimetenv
install`` exactly as the ``onnx_env`` test fixture makes it (see ``tests/conftest.py`` for why:
the machine's CPU torch 2.13.0 from /opt/wheels is served by a loopback ``--torch-index``, and
``PIP_CONSTRAINT`` pins it for every pip step). It takes minutes and about 2 GB, so it is kept
under the benchmark cache folder and reused while its receipt and a ``ready`` marker are there.

``legacy_env`` is the 1.16.2.py37 torch-cpu stand-in (three wheels with a compiled libpymo), made
by ``aimetenv install`` from a loopback release host: the smallest env that has a receipt and
needs exports, which is what ``aimetenv env`` start-up is measured on.
"""

from __future__ import annotations

import shutil
import subprocess  # noqa: TID251  # benchmarks run the real command line
import sys
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

TESTS = Path(__file__).resolve().parent.parent / "tests"
if str(TESTS) not in sys.path:
    sys.path.insert(0, str(TESTS))

from support.envs import isolated_env  # noqa: E402  # after the path set-up above
from support.releasehost import ReleaseHost  # noqa: E402  # after the path set-up above

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator, Mapping, Sequence

ONNX_TAG = "2.42.0"
ONNX_VARIANT = "onnx-cpu"
ONNX_PYTHON = "3.11"
TORCH_WHEELS = Path("/opt/wheels")
MACHINE_CONSTRAINTS = Path("/etc/xdg/pip/constraints.txt")


LEGACY_SKIP = ("--skip-system-check",)
"""The stand-in's libpymo needs no liblapacke (as in the ``legacy_env`` test fixture); without
this flag a machine without liblapacke refuses the install."""


class SetupError(RuntimeError):
    """Something the benchmarks need cannot be built on this machine."""


def aimetenv_argv() -> list[str]:
    """The aimetenv command line of this checkout (the dev venv's interpreter)."""
    return [sys.executable, "-m", "aimetenv"]


def run_checked(
    argv: Sequence[str], env: Mapping[str, str], what: str
) -> subprocess.CompletedProcess[str]:
    """Run a set-up command; a failure raises ``SetupError`` with the output's tail."""
    result = subprocess.run(  # argv from the benchmark itself
        list(argv),
        env=dict(env),
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        msg = (
            f"{what}: {' '.join(argv[:6])} ... exited {result.returncode}\n"
            f"{result.stderr[-3000:]}\n{result.stdout[-1000:]}"
        )
        raise SetupError(msg)
    return result


@dataclass(frozen=True)
class OnnxSetup:
    """What installing (or re-installing) the aimet-onnx env takes: the folder and the pins."""

    base: Path
    torch_wheel: Path

    @property
    def prefix(self) -> Path:
        """The venv."""
        return self.base / "env"

    @property
    def index_folder(self) -> Path:
        """The folder the loopback torch index serves (a link to the /opt/wheels file)."""
        return self.base / "torch-index"

    def env(self) -> dict[str, str]:
        """The child environment: aimetenv's data and state here, the user's pip config kept."""
        pin = self.base / "torch-pin.txt"
        pin.write_text("torch==2.13.0\n", encoding="utf-8")
        constraints = [str(pin)]
        if MACHINE_CONSTRAINTS.is_file():
            constraints.append(str(MACHINE_CONSTRAINTS))
        return isolated_env(
            self.base, redirect=("DATA", "STATE"), extra={"PIP_CONSTRAINT": " ".join(constraints)}
        )

    def install_args(self, torch_index: str, prefix: Path | None = None) -> list[str]:
        """``install`` arguments for this release into ``prefix`` (default: the kept env)."""
        return [
            "install", "--variant", ONNX_VARIANT, "--tag", ONNX_TAG,
            "--venv", str(prefix or self.prefix), "--python-version", ONNX_PYTHON,
            "--torch-index", torch_index,
        ]  # fmt: skip

    @contextmanager
    def torch_index(self) -> Iterator[str]:
        """A loopback PEP 503 index holding the machine's CPU torch; yields its URL."""
        self.index_folder.mkdir(parents=True, exist_ok=True)
        link = self.index_folder / self.torch_wheel.name
        if not link.exists():
            link.symlink_to(self.torch_wheel)
        with ReleaseHost(self.base / "host") as host:
            simple, _links = host.serve_index(self.index_folder)
            yield simple


def onnx_setup(cache: Path) -> OnnxSetup:
    """The aimet-onnx set-up under ``cache`` (nothing is built yet)."""
    torch = sorted(TORCH_WHEELS.glob("torch-*+cpu-cp311-*.whl"))
    if not torch:
        msg = (
            f"no CPU build of torch for Python 3.11 in {TORCH_WHEELS}; the aimet-onnx env needs one"
        )
        raise SetupError(msg)
    return OnnxSetup(cache / f"onnx-{ONNX_TAG}", torch[-1])


def onnx_env(cache: Path, say: Callable[[str], None]) -> OnnxSetup:
    """The kept aimet-onnx env, built when it is missing or was left half-made."""
    setup = onnx_setup(cache)
    ready = setup.base / "ready"
    if ready.is_file() and (setup.prefix / "etc" / "aimetenv" / "receipt.json").is_file():
        return setup
    say(
        f"building the aimet-onnx {ONNX_TAG} env in {setup.prefix} (minutes, about 2 GB; kept for reruns)"
    )
    ready.unlink(missing_ok=True)
    if setup.prefix.exists():
        shutil.rmtree(setup.prefix)
    setup.base.mkdir(parents=True, exist_ok=True)
    with setup.torch_index() as simple:
        run_checked(
            [*aimetenv_argv(), *setup.install_args(simple)], setup.env(), "the aimet-onnx env"
        )
    ready.write_text("built by benchmarks/envs.py\n", encoding="utf-8")
    return setup


@dataclass(frozen=True)
class LegacySetup:
    """The kept 1.16.2.py37 stand-in env and the wheels it was made from."""

    base: Path

    @property
    def prefix(self) -> Path:
        """The venv (Python 3.7)."""
        return self.base / "env"

    @property
    def wheels(self) -> Path:
        """The three stand-in wheels."""
        return self.base / "release" / "wheels"


def legacy_env(cache: Path, say: Callable[[str], None]) -> LegacySetup:
    """The kept 1.16.2.py37 torch-cpu stand-in env (seconds to build; needs Python 3.7 and gcc)."""
    from support.legacy import PYTHON37, TAG, VARIANT, build_legacy_release  # noqa: PLC0415

    setup = LegacySetup(cache / f"legacy-{TAG}")
    ready = setup.base / "ready"
    if ready.is_file() and (setup.prefix / "etc" / "aimetenv" / "receipt.json").is_file():
        return setup
    if not PYTHON37.exists() or shutil.which("gcc") is None or shutil.which("g++") is None:
        msg = f"the legacy stand-in needs {PYTHON37}, gcc and g++"
        raise SetupError(msg)
    say(f"building the {TAG} stand-in env in {setup.prefix}")
    ready.unlink(missing_ok=True)
    for folder in (setup.prefix, setup.base / "release"):
        if folder.exists():
            shutil.rmtree(folder)
    release = build_legacy_release(setup.base / "release")
    env = isolated_env(setup.base, redirect=("DATA", "CACHE", "STATE", "CONFIG"))
    with ReleaseHost(setup.base / "host") as host:
        host.publish_files(TAG, release.wheels)
        _simple, links = host.serve_index(release.folder)
        argv = [
            *aimetenv_argv(), "install", "--variant", VARIANT, "--tag", TAG, "--mirror", host.base,
            "--venv", str(setup.prefix), "--torch-find-links", links, *LEGACY_SKIP,
        ]  # fmt: skip
        run_checked(argv, env, "the legacy stand-in env")
    ready.write_text("built by benchmarks/envs.py\n", encoding="utf-8")
    return setup


__all__ = [
    "LEGACY_SKIP",
    "ONNX_TAG",
    "ONNX_VARIANT",
    "LegacySetup",
    "OnnxSetup",
    "SetupError",
    "aimetenv_argv",
    "legacy_env",
    "onnx_env",
    "onnx_setup",
    "run_checked",
]
