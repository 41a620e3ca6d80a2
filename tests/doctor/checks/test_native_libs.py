"""native-libs on real broken environments: missing exports, a deleted library, an old libstdc++."""

from __future__ import annotations

from typing import TYPE_CHECKING

from aimetenv.doctor.checks.native_libs import check_native_libs
from aimetenv.doctor.model import Status
from support.doctor_envs import LIBPYMO_DIR, legacy_exports, set_legacy_exports
from support.envs import site_packages

if TYPE_CHECKING:
    from pathlib import Path

    import pytest

    from support.doctor_envs import MakeContext


def test_installed_legacy_env_without_its_exports(make_ctx: MakeContext, legacy_env: Path) -> None:
    result = check_native_libs(make_ctx(legacy_env))
    assert result.status is Status.FAIL
    assert result.summary == (
        "libpymo_support.so is not found with your environment, and is found once the release's "
        "exports are set: the exports are missing"
    )
    assert result.hint is not None
    assert f'eval "$(aimetenv env --venv {legacy_env})"' in result.hint
    assert result.facts["fixed_by_exports"] is True


def test_with_the_exports(
    make_ctx: MakeContext, plain_legacy_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    set_legacy_exports(monkeypatch, plain_legacy_env)
    result = check_native_libs(make_ctx(plain_legacy_env))
    assert result.status is Status.OK
    assert result.facts["objects"] == 2
    assert result.facts["glibcxx_needed"] == "GLIBCXX_3.4.29"
    assert f"{LIBPYMO_DIR}/libpymo.so" in "\n".join(result.details)


def test_companion_library_deleted(
    make_ctx: MakeContext, companionless_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    set_legacy_exports(monkeypatch, companionless_env)
    result = check_native_libs(make_ctx(companionless_env))
    assert result.status is Status.FAIL
    assert result.summary == (
        f"libpymo_support.so is not found (needed by {LIBPYMO_DIR}/libpymo.so)"
    )
    assert result.hint == (
        "Provide libpymo_support.so: AimetCommon installed "
        f"{LIBPYMO_DIR}/libpymo_support.so, and it is gone"
    )
    assert result.facts["missing"] == ("libpymo_support.so",)


def test_old_libstdcxx_first_on_ld_library_path(
    make_ctx: MakeContext,
    plain_legacy_env: Path,
    old_libstdcxx: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    exports = legacy_exports(plain_legacy_env)
    monkeypatch.setenv("PYTHONPATH", exports["PYTHONPATH"])
    monkeypatch.setenv("LD_LIBRARY_PATH", f"{old_libstdcxx}:{exports['LD_LIBRARY_PATH']}")
    result = check_native_libs(make_ctx(plain_legacy_env))
    assert result.status is Status.FAIL
    fake = old_libstdcxx / "libstdc++.so.6"
    assert result.summary == (
        f"version GLIBCXX_3.4.29 not found in {fake} (required by {LIBPYMO_DIR}/libpymo_support.so)"
    )
    assert result.hint == (
        f"{old_libstdcxx} is on LD_LIBRARY_PATH and holds an older libstdc++.so.6; take it off: "
        f"export LD_LIBRARY_PATH={exports['LD_LIBRARY_PATH']}"
    )
    assert result.facts["glibcxx_available"] == "GLIBCXX_3.4.28"


def test_a_pure_python_build(make_ctx: MakeContext, bare_venv: Path) -> None:
    result = check_native_libs(make_ctx(bare_venv))
    assert result.status is Status.OK
    assert result.summary == "no shared objects in the AIMET packages (a pure-Python build)"


def test_the_site_packages_layout_is_what_the_tests_think(plain_legacy_env: Path) -> None:
    assert (site_packages(plain_legacy_env) / LIBPYMO_DIR / "libpymo.so").is_file()
