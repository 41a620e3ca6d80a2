"""The environment check: needed exports present, nothing shadowing, no harmful folders."""

from __future__ import annotations

from typing import TYPE_CHECKING

from aimetenv.doctor.checks import ALL_CHECKS
from aimetenv.doctor.checks.environment import check_environment
from aimetenv.doctor.context import DoctorSettings
from aimetenv.doctor.engine import run_doctor
from aimetenv.doctor.model import Status
from support.doctor_envs import (
    add_distribution,
    legacy_exports,
    set_legacy_exports,
    shadow_overlay,
)
from support.envs import site_packages

if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path

    import pytest

    from support.doctor_envs import MakeContext


def test_missing_exports(make_ctx: MakeContext, plain_legacy_env: Path) -> None:
    result = check_environment(make_ctx(plain_legacy_env))
    assert result.status is Status.FAIL
    assert result.summary.startswith(
        "1.16.2.py37 needs exports that are not set: PYTHONPATH lacks "
    )
    assert result.hint is not None
    assert "aimetenv env --venv" in result.hint


def test_exports_set(
    make_ctx: MakeContext, plain_legacy_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    set_legacy_exports(monkeypatch, plain_legacy_env)
    result = check_environment(make_ctx(plain_legacy_env))
    assert result.status is Status.OK
    assert result.summary == "the release's exports are set; nothing shadows the installed packages"


def test_pythonpath_shadows_the_installed_package(
    make_ctx: MakeContext, plain_legacy_env: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    exports = legacy_exports(plain_legacy_env)
    overlay = shadow_overlay(tmp_path / "overlay")
    monkeypatch.setenv("LD_LIBRARY_PATH", exports["LD_LIBRARY_PATH"])
    monkeypatch.setenv("PYTHONPATH", f"{overlay}:{exports['PYTHONPATH']}")
    result = check_environment(make_ctx(plain_legacy_env))
    assert result.status is Status.FAIL
    assert result.summary == (
        f"aimet_torch is imported from {overlay / 'aimet_torch' / '__init__.py'} (PYTHONPATH), "
        f"not from the installed release in {site_packages(plain_legacy_env)}"
    )
    assert result.hint == (
        f"take {overlay} off PYTHONPATH: export PYTHONPATH={exports['PYTHONPATH']}"
    )


def test_a_copy_in_the_current_folder_shadows_too(
    make_ctx: MakeContext, plain_legacy_env: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    set_legacy_exports(monkeypatch, plain_legacy_env)
    workdir = shadow_overlay(tmp_path / "checkout")
    result = check_environment(make_ctx(plain_legacy_env, cwd=workdir))
    assert result.status is Status.FAIL
    assert "(the current folder)" in result.summary
    assert result.hint == f"run Python from another folder than {workdir}, or rename the copy in it"


def test_old_libstdcxx_and_a_missing_folder(
    make_ctx: MakeContext,
    plain_legacy_env: Path,
    old_libstdcxx: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    exports = legacy_exports(plain_legacy_env)
    monkeypatch.setenv("PYTHONPATH", exports["PYTHONPATH"])
    monkeypatch.setenv(
        "LD_LIBRARY_PATH", f"/no/such/folder:{old_libstdcxx}:{exports['LD_LIBRARY_PATH']}"
    )
    result = check_environment(make_ctx(plain_legacy_env))
    assert result.status is Status.FAIL
    assert result.summary == (
        f"LD_LIBRARY_PATH puts {old_libstdcxx / 'libstdc++.so.6'} (up to GLIBCXX_3.4.28) before "
        "the system's; AIMET needs GLIBCXX_3.4.29 (and 1 more: LD_LIBRARY_PATH names "
        "/no/such/folder, which does not exist)"
    )
    assert any("/no/such/folder, which does not exist" in line for line in result.details)


def test_leftover_1x_pythonpath_for_a_2x_release(
    make_ctx: MakeContext, bare_venv: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    old = tmp_path / "site-packages" / "aimet_common" / "x86_64-linux-gnu"
    old.mkdir(parents=True)
    monkeypatch.setenv("PYTHONPATH", str(old))
    ctx = make_ctx(bare_venv, settings=DoctorSettings(release_override=("2.42.0", "onnx-cpu")))
    result = check_environment(ctx)
    assert result.status is Status.WARN
    assert result.summary == (
        f"PYTHONPATH names {old}: 2.42.0 needs no PYTHONPATH, and the 1.x-style exports can "
        "shadow its packages"
    )
    assert result.hint == "unset PYTHONPATH"


def test_a_stray_libpymo_in_the_current_folder_of_a_legacy_env(
    make_ctx: MakeContext, plain_legacy_env: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    set_legacy_exports(monkeypatch, plain_legacy_env)
    (tmp_path / "libpymo.py").write_text("QUANTIZATION_TF = 'stub'\n")
    result = check_environment(make_ctx(plain_legacy_env, cwd=tmp_path))
    assert result.status is Status.FAIL
    assert result.summary.startswith(
        f"libpymo is imported from {tmp_path / 'libpymo.py'} (the current folder)"
    )


def test_a_top_level_libpymo_for_a_release_that_has_none(
    make_ctx: MakeContext, bare_venv: Path, tmp_path: Path
) -> None:
    (tmp_path / "libpymo.py").write_text("")
    settings = DoctorSettings(release_override=("2.42.0", "onnx-cpu"))
    result = check_environment(make_ctx(bare_venv, settings=settings, cwd=tmp_path))
    assert result.status is Status.WARN
    assert result.summary == (
        f"a top-level libpymo module is importable from {tmp_path / 'libpymo.py'}; this release "
        "does not use one (a leftover of a 1.x install?)"
    )


def _numpy_user(fake_env: Callable[..., Path]) -> Path:
    """aimet-onnx (whose import needs numpy) and the environment's own numpy."""
    prefix = fake_env()
    site = site_packages(prefix)
    add_distribution(site, "numpy", "1.26.4", {"numpy/__init__.py": "__version__ = '1.26.4'\n"})
    add_distribution(site, "aimet-onnx", "2.42.0", {"aimet_onnx/__init__.py": "import numpy\n"})
    return prefix


def _foreign_numpy(folder: Path) -> Path:
    """A folder holding a numpy that breaks at import, as a foreign build on PYTHONPATH does."""
    package = folder / "numpy"
    package.mkdir(parents=True)
    (package / "__init__.py").write_text(
        "raise SystemError('initialization of _multiarray_umath raised unreported exception')\n"
    )
    return folder


def test_a_foreign_numpy_on_pythonpath_shadows_the_environments(
    make_ctx: MakeContext,
    fake_env: Callable[..., Path],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    prefix = _numpy_user(fake_env)
    foreign = _foreign_numpy(tmp_path / "foreign")
    monkeypatch.setenv("PYTHONPATH", str(foreign))
    ctx = make_ctx(prefix)
    result = check_environment(ctx)
    assert result.status is Status.FAIL
    assert result.summary == (
        f"numpy is imported from {foreign}/numpy/__init__.py (PYTHONPATH), not from the "
        f"environment's copy in {site_packages(prefix)}/numpy; AIMET imports numpy"
    )
    assert result.hint == f"take {foreign} off PYTHONPATH: unset PYTHONPATH"
    # The import fails with a SystemError; it points at this check, not at a reinstall.
    report = run_doctor(make_ctx(prefix), ALL_CHECKS, names=["environment", "package-import"])
    imported = next(r for r in report.results if r.check_id == "package-import")
    assert imported.status is Status.FAIL
    assert "comes from PYTHONPATH" in imported.summary
    assert any("SystemError" in line for line in imported.details)
    assert imported.facts["caused_by"] == "environment"
    assert report.root_cause == "environment"


def test_a_declared_requirement_in_the_current_folder_is_reported(
    make_ctx: MakeContext, fake_env: Callable[..., Path], tmp_path: Path
) -> None:
    prefix = fake_env()
    add_distribution(
        site_packages(prefix),
        "aimet-onnx",
        "2.42.0",
        {"aimet_onnx/__init__.py": ""},
    )
    info = next(site_packages(prefix).glob("aimet_onnx-*.dist-info"))
    meta = info / "METADATA"
    meta.write_text(meta.read_text().replace("\n\n", "\nRequires-Dist: onnxscript>=0.4.0\n\n"))
    work = tmp_path / "work"
    (work / "onnxscript").mkdir(parents=True)
    (work / "onnxscript" / "__init__.py").write_text("")
    result = check_environment(make_ctx(prefix, cwd=work))
    assert result.status is Status.WARN
    assert result.summary == (
        f"onnxscript, which AIMET imports, comes from {work}/onnxscript/__init__.py (the current "
        "folder), not from the environment"
    )
