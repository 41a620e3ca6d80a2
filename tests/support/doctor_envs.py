"""Real environments that the doctor tests break on purpose, built once per test session.

Each builder makes a real venv with a real pyenv interpreter and real pip, from the
1.16.2.py37 stand-in wheels (tests/support/legacy.py), then breaks one thing: a deleted
companion library, the wrong Python. ``session_env`` memoises a builder per pytest session, so
test modules in different folders share one copy.
"""

from __future__ import annotations

import shutil
import subprocess  # noqa: TID251  # fixtures build real environments directly
import sys
from typing import TYPE_CHECKING, Protocol

from support.envs import site_packages
from support.native import SUPPORT_SONAME, build_old_libstdcxx

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping
    from pathlib import Path

    import pytest

    from aimetenv.doctor.context import DoctorContext, DoctorSettings
    from aimetenv.envs.targets import TargetKind
    from support.legacy import LegacyRelease

_BUILT: dict[tuple[str, str], Path] = {}


class MakeContext(Protocol):
    """The ``make_ctx`` fixture: a real doctor context for a venv or an interpreter."""

    def __call__(
        self,
        prefix: Path | None = None,
        *,
        python: Path | None = None,
        kind: TargetKind = "venv",
        settings: DoctorSettings | None = None,
        cwd: Path | None = None,
    ) -> DoctorContext: ...


LIBPYMO_DIR = "aimet_common/x86_64-linux-gnu"


def session_env(factory: pytest.TempPathFactory, name: str, build: Callable[[Path], Path]) -> Path:
    """Build ``name`` once per session (in a fresh temp folder) and return its path."""
    key = (str(factory.getbasetemp()), name)
    if key not in _BUILT:
        _BUILT[key] = build(factory.mktemp(name))
    return _BUILT[key]


def make_venv(python: Path, prefix: Path, *, pip: bool = True) -> Path:
    """``python -m venv prefix`` (``--without-pip`` when ``pip`` is false); returns the prefix."""
    extra = [] if pip else ["--without-pip"]
    subprocess.run(
        [str(python), "-m", "venv", *extra, str(prefix)], check=True, capture_output=True
    )
    return prefix


def add_distribution(
    site: Path, name: str, version: str, files: Mapping[str, bytes | str] | None = None
) -> Path:
    """Write a distribution's files and its dist-info (METADATA, RECORD) straight into ``site``.

    What pip would leave behind for a wheel with these files, without building one: enough for
    the probe, which reads dist-info folders, and for Python, which imports the files.
    """
    records = []
    for relative, content in (files or {}).items():
        path = site / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, str):
            path.write_text(content)
        else:
            path.write_bytes(content)
        records.append(f"{relative},,")
    info = site / f"{name.replace('-', '_')}-{version}.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n\n")
    (info / "INSTALLER").write_text("pip\n")
    records.append(f"{info.name}/METADATA,,")
    (info / "RECORD").write_text("\n".join(records) + "\n")
    return info


def pip_install(prefix: Path, *args: str, own_pip: bool = True) -> None:
    """``pip install --no-input --no-deps ARGS`` into the venv at ``prefix``.

    ``own_pip``: the venv's own pip; otherwise the test runner's pip with ``--python`` (for
    venvs made without pip, which are much quicker to create).
    """
    python = str(prefix / "bin" / "python")
    pip = [python, "-m", "pip"] if own_pip else [sys.executable, "-m", "pip", "--python", python]
    subprocess.run(
        [*pip, "install", "--no-input", "--no-deps", "--disable-pip-version-check", *args],
        check=True,
        capture_output=True,
    )


def standin_wheel(
    folder: Path,
    name: str,
    version: str,
    *,
    requires: tuple[str, ...] = (),
    files: Mapping[str, bytes] | None = None,
) -> Path:
    """A pure-Python stand-in wheel whose METADATA declares ``requires`` (Requires-Dist)."""
    from support.wheelbuild import build_wheel  # noqa: PLC0415  # only the builders need it

    package = name.lower().replace("-", "_")
    return build_wheel(
        folder,
        distribution=name.replace("-", "_"),
        version=version,
        tag="py3-none-any",
        files=files if files is not None else {f"{package}/__init__.py": b""},
        requires=requires,
        root_is_purelib=True,
    )


def standin_venv(python: Path, prefix: Path, wheels: list[Path]) -> Path:
    """A venv (no pip of its own) with ``wheels`` installed by real pip, dependencies ignored."""
    make_venv(python, prefix, pip=False)
    pip_install(prefix, "--no-index", *(str(w) for w in wheels), own_pip=False)
    return prefix


def legacy_venv(folder: Path, python37: Path, release: LegacyRelease, *, pip: bool = True) -> Path:
    """A fresh Python 3.7 venv with the 1.16.2.py37 stand-in installed by pip (offline)."""
    prefix = make_venv(python37, folder / "env", pip=pip)
    pip_install(prefix, "--no-index", *(str(w) for w in release.wheels), own_pip=pip)
    return prefix


def plain_legacy(factory: pytest.TempPathFactory, release: LegacyRelease) -> Path:
    """The session's 1.16.2.py37 stand-in installed with plain pip (no receipt, no exports)."""
    from support.legacy import PYTHON37  # noqa: PLC0415  # only the builders need it

    return session_env(
        factory, "plain-legacy", lambda folder: legacy_venv(folder, PYTHON37, release)
    )


def without_companion(prefix: Path) -> Path:
    """Delete libpymo's companion library (libpymo_support.so), as a broken install would."""
    (site_packages(prefix) / LIBPYMO_DIR / SUPPORT_SONAME).unlink()
    return prefix


def copy_aimet_files(source: Path, prefix: Path) -> Path:
    """Copy the AIMET packages and their dist-info from one venv into another (another Python)."""
    src = site_packages(source)
    dst = site_packages(prefix)
    for entry in sorted(src.iterdir()):
        if entry.name.lower().startswith("aimet"):
            shutil.copytree(entry, dst / entry.name)
    return prefix


def legacy_exports(prefix: Path) -> dict[str, str]:
    """The 1.16.2 install docs' exports for this venv."""
    folder = site_packages(prefix) / "aimet_common"
    return {
        "LD_LIBRARY_PATH": f"{folder / 'x86_64-linux-gnu'}:{folder}",
        "PYTHONPATH": str(folder / "x86_64-linux-gnu"),
    }


def set_legacy_exports(monkeypatch: pytest.MonkeyPatch, prefix: Path) -> None:
    """Set the 1.16.2 install docs' exports for this venv, as a user who followed them has."""
    for name, value in legacy_exports(prefix).items():
        monkeypatch.setenv(name, value)


def old_libstdcxx_dir(folder: Path) -> Path:
    """A folder holding a fake libstdc++.so.6 that stops at GLIBCXX_3.4.28."""
    build_old_libstdcxx(folder)
    return folder


def shadow_overlay(folder: Path, version: str = "0.0.0-shadow") -> Path:
    """A folder with another ``aimet_torch`` package, as a leftover PYTHONPATH would hold."""
    package = folder / "aimet_torch"
    package.mkdir(parents=True)
    (package / "__init__.py").write_text(f'__version__ = "{version}"\n')
    return folder


def write_test_receipt(  # a receipt has this many parts the tests set
    prefix: Path,
    *,
    tag: str,
    variant: str,
    python_version: str,
    source: str = "github",
    requirements: tuple[str, ...] = (),
    steps: tuple[dict[str, object], ...] = (),
    files: tuple[dict[str, object], ...] = (),
) -> Path:
    """Write a receipt into the env the way install does (``receipt.write_receipt``).

    ``steps`` are the plan's steps as ``Step.to_dict`` writes them (their pip arguments carry
    the indexes the install used); ``files`` the release-host files with their URLs.
    """
    from aimetenv.install.receipt import Receipt, write_receipt  # noqa: PLC0415  # only here

    receipt = Receipt(
        tag=tag,
        variant=variant,
        source=source,
        prefix=str(prefix),
        python=str(prefix / "bin" / "python"),
        python_version=python_version,
        target_kind="venv",
        site_packages=(str(site_packages(prefix)),),
        exports={},
        smoke={},
        plan={"source": source, "steps": [dict(step) for step in steps]},
        files=tuple(dict(entry) for entry in files),
        requirements=requirements,
    )
    return write_receipt(receipt, prefix / "state")


def doctor_cli(
    *args: str, env: Mapping[str, str], cwd: Path | None = None
) -> subprocess.CompletedProcess[str]:
    """Run ``python -m aimetenv doctor ARGS`` as a user would, with exactly ``env``."""
    return subprocess.run(
        [sys.executable, "-m", "aimetenv", "doctor", *args],
        capture_output=True,
        text=True,
        check=False,
        env=dict(env),
        cwd=cwd,
    )


__all__ = [
    "LIBPYMO_DIR",
    "MakeContext",
    "add_distribution",
    "copy_aimet_files",
    "doctor_cli",
    "legacy_exports",
    "legacy_venv",
    "make_venv",
    "old_libstdcxx_dir",
    "pip_install",
    "plain_legacy",
    "session_env",
    "set_legacy_exports",
    "shadow_overlay",
    "standin_venv",
    "standin_wheel",
    "without_companion",
    "write_test_receipt",
]
