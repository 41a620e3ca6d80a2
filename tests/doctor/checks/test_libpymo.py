"""libpymo loads for real, era by era; the real ImportError on every broken environment."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import TYPE_CHECKING

from aimetenv.doctor.checks.libpymo import check_libpymo
from aimetenv.doctor.context import DoctorSettings
from aimetenv.doctor.model import Status
from support.doctor_envs import LIBPYMO_DIR, add_distribution, legacy_exports
from support.envs import site_packages

if TYPE_CHECKING:
    from collections.abc import Callable

    import pytest

    from support.doctor_envs import MakeContext


def use_exports(prefix: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    exports = legacy_exports(prefix)
    for name, value in exports.items():
        monkeypatch.setenv(name, value)
    return exports


def test_installed_legacy_env_without_its_exports(make_ctx: MakeContext, legacy_env: Path) -> None:
    result = check_libpymo(make_ctx(legacy_env))
    assert result.status is Status.FAIL
    assert result.summary == (
        "libpymo does not load with your environment (ModuleNotFoundError: No module named "
        "'libpymo'); it loads with the release's exports: the exports are missing"
    )
    assert result.hint is not None
    assert f'eval "$(aimetenv env --venv {legacy_env})"' in result.hint
    assert any(line.startswith("PYTHONPATH lacks ") for line in result.details)


def test_with_the_exports(
    make_ctx: MakeContext, plain_legacy_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    use_exports(plain_legacy_env, monkeypatch)
    result = check_libpymo(make_ctx(plain_legacy_env))
    assert result.status is Status.OK
    expected = site_packages(plain_legacy_env) / LIBPYMO_DIR / "libpymo.so"
    assert result.summary == f"native libpymo loads ({expected})"


def test_old_libstdcxx(
    make_ctx: MakeContext,
    plain_legacy_env: Path,
    old_libstdcxx: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    exports = use_exports(plain_legacy_env, monkeypatch)
    monkeypatch.setenv("LD_LIBRARY_PATH", f"{old_libstdcxx}:{exports['LD_LIBRARY_PATH']}")
    result = check_libpymo(make_ctx(plain_legacy_env))
    assert result.status is Status.FAIL
    support = site_packages(plain_legacy_env) / LIBPYMO_DIR / "libpymo_support.so"
    assert result.summary == (
        f"libpymo does not load: ImportError: {old_libstdcxx / 'libstdc++.so.6'}: version "
        f"`GLIBCXX_3.4.29' not found (required by {support})"
    )


def test_companion_library_deleted(
    make_ctx: MakeContext, companionless_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    use_exports(companionless_env, monkeypatch)
    result = check_libpymo(make_ctx(companionless_env))
    assert result.status is Status.FAIL
    assert result.summary == (
        "libpymo does not load: ImportError: libpymo_support.so: cannot open shared object file: "
        "No such file or directory"
    )


def test_companion_deleted_and_no_exports_reports_both(
    make_ctx: MakeContext, companionless_env: Path
) -> None:
    result = check_libpymo(make_ctx(companionless_env))
    assert result.status is Status.FAIL
    assert "libpymo_support.so: cannot open shared object file" in result.summary
    assert result.details[0].startswith("with the release's exports set it still fails:")


def test_a_stray_libpymo_in_the_current_folder(
    make_ctx: MakeContext, plain_legacy_env: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    use_exports(plain_legacy_env, monkeypatch)
    workdir = tmp_path / "work"
    workdir.mkdir()
    (workdir / "libpymo.py").write_text("QUANTIZATION_TF = 'stub'\n")
    result = check_libpymo(make_ctx(plain_legacy_env, cwd=workdir))
    assert result.status is Status.FAIL
    assert result.summary == (
        f"libpymo does not load: libpymo is not a native extension (loaded from "
        f"{workdir / 'libpymo.py'})"
    )


def test_pure_python_aimet_torch(make_ctx: MakeContext, fake_env: Callable[..., Path]) -> None:
    prefix = fake_env()
    add_distribution(
        site_packages(prefix),
        "aimet-torch",
        "2.42.0",
        {
            "aimet_torch/__init__.py": "",
            "aimet_torch/common/libpymo.py": "from .py_libpymo import *\n",
        },
    )
    ctx = make_ctx(prefix, settings=DoctorSettings(release_override=("2.42.0", "torch-cpu")))
    result = check_libpymo(ctx)
    assert result.status is Status.OK
    assert result.summary == "pure-Python build, no libpymo expected (2.42.0 torch-cpu)"


def test_libpymo_built_for_another_python(
    make_ctx: MakeContext, fake_env: Callable[..., Path]
) -> None:
    prefix = fake_env()
    name = "_libpymo.cpython-310-x86_64-linux-gnu.so"
    add_distribution(
        site_packages(prefix),
        "aimet-onnx",
        "2.19.0",
        {f"aimet_common/{name}": Path(shutil.which("ls") or "/bin/ls").read_bytes()},
    )
    result = check_libpymo(make_ctx(prefix))
    assert result.status is Status.FAIL
    assert result.summary == (
        "aimet_common._libpymo does not load: ModuleNotFoundError: No module named "
        "'aimet_common._libpymo'"
    )
    assert (
        f"built for another Python: {site_packages(prefix) / 'aimet_common' / name}"
        in result.details
    )
    assert result.hint is not None
    assert result.hint.startswith(f"This Python cannot load {name}")


def test_unknown_release_skips(make_ctx: MakeContext, bare_venv: Path) -> None:
    result = check_libpymo(make_ctx(bare_venv))
    assert result.status is Status.SKIP
    assert "no AIMET distribution is installed" in result.summary
