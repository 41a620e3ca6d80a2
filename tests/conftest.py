"""Shared fixtures. Every test runs with its own user directories and a clean environment."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess  # noqa: TID251  # fixtures build real environments directly
import sys
from dataclasses import fields
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from support.envs import CALLER_SETTINGS, isolated_env, need_python, site_packages
from support.legacy import PYTHON37, LegacyRelease, build_legacy_release
from support.seeded import SEEDS
from support.shared import built_once, run_folder
from support.standins import GatedIndex, ModernRelease, build_modern_release

if TYPE_CHECKING:
    from collections.abc import Iterator

__all__ = ["need_python", "site_packages"]

# pytest keeps each test module's assertion-rewritten bytecode beside it, unless bytecode writing
# is off, as PYTHONDONTWRITEBYTECODE turns it off on these machines: each worker would then rewrite
# every module on every run. Only this process is changed; the children keep the caller's setting.
sys.dont_write_bytecode = False

# A suite started in the background of a non-interactive shell (``scripts/test &``, nohup) has
# SIGINT ignored, and passes that on to every aimetenv it starts: those would then never see the
# Ctrl-C the interrupt tests send. A handler, unlike SIG_IGN, is reset to the default in a child.
if signal.getsignal(signal.SIGINT) == signal.SIG_IGN:
    signal.signal(signal.SIGINT, signal.default_int_handler)


@pytest.fixture(scope="session", autouse=True)
def seeded_venvs(tmp_path_factory: pytest.TempPathFactory) -> None:
    """Where ``support.seeded`` keeps this run's venv templates, for the tests and their children."""
    os.environ[SEEDS] = str(run_folder(tmp_path_factory) / "shared" / "seeds")


@pytest.fixture(autouse=True)
def isolated_user_dirs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """XDG folders in tmp, no colour, and none of the caller's env or conda settings."""
    home = tmp_path / "xdg"
    for name in ("DATA", "CACHE", "STATE", "CONFIG"):
        folder = home / name.lower()
        folder.mkdir(parents=True)
        monkeypatch.setenv(f"XDG_{name}_HOME", str(folder))
    for name in CALLER_SETTINGS:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("NO_COLOR", "1")
    monkeypatch.setenv("COLUMNS", "200")
    return home


@pytest.fixture(scope="session")
def legacy_release(tmp_path_factory: pytest.TempPathFactory) -> LegacyRelease:
    """The three 1.16.2.py37 torch-cpu stand-in wheels, with a compiled libpymo.

    Built once per run and shared by the pytest-xdist workers (``support.shared``): read-only.
    """
    if not PYTHON37.exists():
        pytest.skip("Python 3.7 (pyenv) is needed to compile the libpymo stand-in")
    if shutil.which("gcc") is None or shutil.which("g++") is None:
        pytest.skip("gcc and g++ are needed to compile the libpymo stand-in")

    def build(folder: Path) -> dict[str, str]:
        built = build_legacy_release(folder)
        return {field.name: str(getattr(built, field.name)) for field in fields(built)}

    paths = built_once(tmp_path_factory, "legacy-release", build)
    return LegacyRelease(**{name: Path(value) for name, value in paths.items()})


@pytest.fixture(scope="module")
def modern(tmp_path_factory: pytest.TempPathFactory) -> ModernRelease:
    """The PyPI-shaped 2.42.0 stand-in wheels (torch, torchvision, aimet-torch)."""
    return build_modern_release(tmp_path_factory.mktemp("modern-wheels"))


@pytest.fixture
def index(modern: ModernRelease) -> Iterator[GatedIndex]:
    """A PEP 503 index of the modern stand-ins that can hold pip inside a download."""
    with GatedIndex(modern.folder) as served:
        yield served


@pytest.fixture
def tiny(tmp_path: Path) -> Iterator[Path]:
    """A real 1 MB tmpfs; skipped where it cannot be mounted (not root)."""
    folder = tmp_path / "tiny"
    folder.mkdir()
    if os.geteuid() != 0:
        pytest.skip("mounting a tmpfs needs root")
    mounted = subprocess.run(  # mount is test set-up, not aimetenv's own work
        ["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(folder)],
        capture_output=True,
        check=False,
    )
    if mounted.returncode != 0:
        pytest.skip(f"tmpfs cannot be mounted here: {mounted.stderr!r}")
    try:
        yield folder
    finally:
        subprocess.run(["umount", str(folder)], check=False)  # test set-up, as above


def _run_install(args: list[str], env: dict[str, str], what: str) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "aimetenv", "install", *args],
        env=env,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        pytest.fail(
            f"{what}: aimetenv install exited {result.returncode}\n"
            f"--- stderr ---\n{result.stderr[-6000:]}\n--- stdout ---\n{result.stdout[-2000:]}"
        )


@pytest.fixture(scope="session")
def legacy_env(legacy_release: LegacyRelease, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A real Python 3.7 venv with the 1.16.2.py37 torch-cpu stand-in, installed by aimetenv.

    Made by ``aimetenv install --variant torch-cpu --tag 1.16.2.py37 --mirror
    http://127.0.0.1:PORT --venv P --torch-find-links http://127.0.0.1:PORT/links/
    --skip-system-check`` (the stand-in's libpymo needs no liblapacke) from a loopback release
    host serving the three wheels as ``/<tag>/<file>``, so it carries the receipt
    (``P/etc/aimetenv/receipt.json``); no exports are set in it. Returns the prefix.

    Built once per run and shared by the pytest-xdist workers (``support.shared``). Tests must
    not change it; tests that break it take a copy (``copy_env``).
    """
    from support.legacy import TAG, VARIANT  # noqa: PLC0415  # only this fixture needs them
    from support.releasehost import ReleaseHost  # noqa: PLC0415  # only this fixture needs it

    def build(base: Path) -> dict[str, str]:
        prefix = base / "env"
        env = isolated_env(base, redirect=("DATA", "CACHE", "STATE", "CONFIG"))
        with ReleaseHost(base / "host") as host:
            for wheel in legacy_release.wheels:
                host.publish_file(TAG, wheel)
            _simple, links = host.serve_index(legacy_release.folder)
            _run_install(
                ["--variant", VARIANT, "--tag", TAG, "--mirror", host.base, "--venv", str(prefix),
                 "--torch-find-links", links, "--skip-system-check"],
                env,
                "legacy_env",
            )  # fmt: skip
        return {"prefix": str(prefix)}

    return Path(built_once(tmp_path_factory, "legacy-env", build)["prefix"])


@pytest.fixture(scope="session")
def onnx_env(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The real aimet-onnx 2.42.0 from PyPI in a Python 3.11 venv, installed by aimetenv.

    Only for ``@pytest.mark.e2e`` tests: it takes 2-4 minutes and about 2 GB, once per session.
    Made by ``aimetenv install --variant onnx-cpu --tag 2.42.0 --venv P --python-version 3.11
    --torch-index http://127.0.0.1:PORT/simple/``. The machine-specific settings, and why:

    - ``--torch-index`` is a PEP 503 index on 127.0.0.1 holding the machine's local
      ``/opt/wheels/torch-2.13.0+cpu-cp311-*.whl``: download.pytorch.org (the default CPU index)
      is unreachable here, and an unpinned torch from PyPI would be a several-GB CUDA build.
    - ``--python-version 3.11``: that local CPU torch is a cp311 build.
    - ``PIP_CONSTRAINT`` = a file pinning ``torch==2.13.0``, plus the machine's own
      ``/etc/xdg/pip/constraints.txt`` (the variable replaces the configured constraint, so the
      machine's file is listed again): every pip step, aimet-onnx's own included, keeps that torch.
    - The user's pip configuration stays visible (XDG_CONFIG_HOME and XDG_CACHE_HOME are left
      alone): its extra file indexes (``/opt/pypi/simple``, ``/opt/pypi-more/simple``) supply
      torch's dependencies and torchvision 0.28.0 (a CUDA build: the doctor rightly warns about
      that mismatch) for the framework step, whose ``--index-url`` replaces PyPI; pip's cache is
      the user's too. aimetenv's own data and state go to the session's temporary folder.
    """
    torch = sorted(Path("/opt/wheels").glob("torch-*+cpu-cp311-*.whl"))
    if not torch:
        pytest.fail(
            "onnx_env needs a CPU build of torch for Python 3.11 in /opt/wheels "
            "(torch-2.13.0+cpu-cp311-...whl); this kind of machine always has one"
        )
    from support.releasehost import ReleaseHost  # noqa: PLC0415  # only this fixture needs it

    base = tmp_path_factory.mktemp("onnx-env")
    prefix = base / "env"
    index_folder = base / "torch-index"
    index_folder.mkdir()
    (index_folder / torch[-1].name).symlink_to(torch[-1])
    pin = base / "torch-pin.txt"
    pin.write_text("torch==2.13.0\n", encoding="utf-8")
    constraints = [str(pin)]
    if Path("/etc/xdg/pip/constraints.txt").is_file():
        constraints.append("/etc/xdg/pip/constraints.txt")
    env = isolated_env(base, redirect=("DATA", "STATE"))
    env["PIP_CONSTRAINT"] = " ".join(constraints)
    with ReleaseHost(base / "host") as host:
        simple, _links = host.serve_index(index_folder)
        _run_install(
            ["--variant", "onnx-cpu", "--tag", "2.42.0", "--venv", str(prefix),
             "--python-version", "3.11", "--torch-index", simple],
            env,
            "onnx_env",
        )  # fmt: skip
    return prefix


def pytest_itemcollected(item: pytest.Item) -> None:
    """The tests of the real aimet-onnx env share one pytest-xdist worker.

    ``onnx_env`` is a session fixture that installs about 2 GB: each worker would build its own,
    so under ``--dist loadgroup`` (as ``scripts/test`` runs) those tests are one group.
    """
    if "onnx_env" in getattr(item, "fixturenames", ()):
        item.add_marker(pytest.mark.xdist_group("onnx-env"))


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The tests of the real aimet-onnx env start first, so that its long install overlaps the rest."""
    heavy = [item for item in items if "onnx_env" in getattr(item, "fixturenames", ())]
    items[:] = heavy + [item for item in items if item not in heavy]
