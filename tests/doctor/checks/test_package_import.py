from __future__ import annotations

import subprocess  # noqa: TID251  # one venv with the user site is made here
from typing import TYPE_CHECKING

import pytest

from aimetenv.doctor.checks import ALL_CHECKS
from aimetenv.doctor.checks.package_import import check_package_import
from aimetenv.doctor.context import DoctorSettings
from aimetenv.doctor.engine import run_doctor
from aimetenv.doctor.model import Status
from support.doctor_envs import (
    TORCH_SYMBOL,
    add_distribution,
    broken_module,
    clobbered_env,
    framework_build_env,
    importing_env,
    library_path_env,
    missing_library_env,
    numpy_abi_env,
    session_env,
    sibling_uninstalled_env,
)
from support.envs import need_python, site_packages

if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path

    from support.doctor_envs import MakeContext


def test_the_legacy_package_imports(make_ctx: MakeContext, plain_legacy_env: Path) -> None:
    result = check_package_import(make_ctx(plain_legacy_env))
    assert result.status is Status.OK
    assert result.summary.startswith("import aimet_torch works (aimet_torch ")
    assert result.facts["packages"] == ("aimet_torch",)


def test_the_real_error_and_where_it_came_from(
    make_ctx: MakeContext, fake_env: Callable[..., Path]
) -> None:
    prefix = fake_env()
    add_distribution(
        site_packages(prefix),
        "aimet-torch",
        "2.42.0",
        {"aimet_torch/__init__.py": "from .utils import tools\n",
         "aimet_torch/utils.py": "import torchvision\ntools = None\n"},
    )  # fmt: skip
    ctx = make_ctx(prefix, settings=DoctorSettings(release_override=("2.42.0", "torch-cpu")))
    result = check_package_import(ctx)
    assert result.status is Status.FAIL
    assert result.summary == (
        "import aimet_torch fails: ModuleNotFoundError: No module named 'torchvision'"
    )


def test_an_import_that_hangs_is_stopped(
    make_ctx: MakeContext, fake_env: Callable[..., Path]
) -> None:
    prefix = fake_env()
    add_distribution(
        site_packages(prefix),
        "aimet-onnx",
        "2.42.0",
        {"aimet_onnx/__init__.py": "import time\ntime.sleep(600)\n"},
    )
    settings = DoctorSettings(release_override=("2.42.0", "onnx-cpu"), import_timeout=2)
    result = check_package_import(make_ctx(prefix, settings=settings))
    assert result.status is Status.FAIL
    assert result.summary == "import aimet_onnx: the smoke test did not finish within 2 s"


def test_nothing_to_import(make_ctx: MakeContext, bare_venv: Path) -> None:
    result = check_package_import(make_ctx(bare_venv))
    assert result.status is Status.SKIP


# -- failures classified by cause, each planted for real ----------------------------------


@pytest.fixture(scope="session")
def numpy_abi(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return session_env(tmp_path_factory, "numpy-abi", numpy_abi_env)


def test_an_extension_built_for_numpy_1_under_numpy_2(
    make_ctx: MakeContext, numpy_abi: Path
) -> None:
    ctx = make_ctx(numpy_abi, settings=DoctorSettings(release_override=("2.13.0", "torch-cpu")))
    result = check_package_import(ctx)
    assert result.status is Status.FAIL
    extension = next((site_packages(numpy_abi) / "aimet_torch").glob("_quant.*.so"))
    assert result.summary == (
        f"import aimet_torch fails: {extension} was built for NumPy 1.x and NumPy 2.1.3 is "
        "installed"
    )
    assert (
        result.hint == f"Install NumPy 1.x: {numpy_abi / 'bin' / 'python'} -m pip install 'numpy<2'"
    )
    assert "numpy.core.multiarray failed to import" in result.details[0]
    assert result.facts["cause"] == "numpy-abi"
    assert result.facts["suspect"] == "requirements"


def test_files_gone_after_onnxruntime_gpu_went_over_onnxruntime(
    make_ctx: MakeContext, tmp_path: Path
) -> None:
    prefix = clobbered_env(tmp_path)
    ctx = make_ctx(prefix, settings=DoctorSettings(release_override=("2.42.0", "onnx-cpu")))
    result = check_package_import(ctx)
    assert result.status is Status.FAIL
    assert result.summary == (
        "import aimet_onnx fails: onnxruntime-gpu 1.19.2 is installed (its dist-info is there), "
        "but 2 of its 2 files in onnxruntime/ are gone: another package that shares "
        "onnxruntime/ was uninstalled or installed over it"
    )
    assert result.hint == (
        f"Reinstall onnxruntime-gpu: {prefix / 'bin' / 'python'} -m pip install "
        "--force-reinstall --no-deps onnxruntime-gpu==1.19.2"
    )
    assert result.facts["cause"] == "files-gone"


def test_aimet_common_gone_after_a_sibling_was_uninstalled(
    make_ctx: MakeContext, tmp_path: Path
) -> None:
    prefix = sibling_uninstalled_env(tmp_path)
    ctx = make_ctx(prefix, settings=DoctorSettings(release_override=("2.42.0", "onnx-cpu")))
    result = check_package_import(ctx)
    assert result.status is Status.FAIL
    assert result.summary.startswith(
        "import aimet_onnx fails: aimet-onnx 2.42.0 is installed (its dist-info is there), but "
        "2 of its 2 files in aimet_common/ are gone"
    )
    assert result.hint == (
        f"Reinstall aimet-onnx: {prefix / 'bin' / 'python'} -m pip install --force-reinstall "
        "--no-deps aimet-onnx==2.42.0"
    )


def test_a_failing_module_on_pythonpath(
    make_ctx: MakeContext, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    prefix = importing_env(tmp_path, "quantlib")
    stray = broken_module(tmp_path / "stray", "quantlib")
    monkeypatch.setenv("PYTHONPATH", f"{stray}:{tmp_path / 'other'}")
    ctx = make_ctx(prefix, settings=DoctorSettings(release_override=("2.42.0", "onnx-cpu")))
    result = check_package_import(ctx)
    assert result.status is Status.FAIL
    assert result.summary == (
        f"import aimet_onnx fails: {stray / 'quantlib' / '__init__.py'} comes from PYTHONPATH "
        f"({stray}), not from the environment"
    )
    assert result.hint == (f"Take {stray} off PYTHONPATH: export PYTHONPATH={tmp_path / 'other'}")
    assert result.facts["suspect"] == "environment"


def test_a_failing_module_in_the_current_folder(make_ctx: MakeContext, tmp_path: Path) -> None:
    prefix = importing_env(tmp_path, "quantlib")
    here = broken_module(tmp_path / "work", "quantlib")
    ctx = make_ctx(
        prefix, settings=DoctorSettings(release_override=("2.42.0", "onnx-cpu")), cwd=here
    )
    result = check_package_import(ctx)
    assert result.status is Status.FAIL
    assert result.summary == (
        f"import aimet_onnx fails: {here / 'quantlib' / '__init__.py'} comes from the current "
        f"folder ({here}), not from the environment"
    )
    assert result.hint == (
        f"Run Python from another folder than {here}, or rename "
        f"{here / 'quantlib' / '__init__.py'}."
    )


def test_a_failing_module_in_the_user_site(
    make_ctx: MakeContext, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    python = need_python("3.11")
    prefix = tmp_path / "env"
    subprocess.run(  # a venv that sees the user site, as --system-site-packages gives
        [str(python), "-m", "venv", "--without-pip", "--system-site-packages", str(prefix)],
        check=True, capture_output=True,
    )  # fmt: skip
    add_distribution(
        site_packages(prefix),
        "aimet-onnx",
        "2.42.0",
        {"aimet_onnx/__init__.py": "import quantlib\n"},
    )
    base = tmp_path / "userbase"
    user_site = broken_module(base / "lib" / "python3.11" / "site-packages", "quantlib")
    monkeypatch.setenv("PYTHONUSERBASE", str(base))
    ctx = make_ctx(prefix, settings=DoctorSettings(release_override=("2.42.0", "onnx-cpu")))
    result = check_package_import(ctx)
    assert result.status is Status.FAIL
    assert result.summary == (
        f"import aimet_onnx fails: {user_site / 'quantlib' / '__init__.py'} comes from the user "
        f"site-packages ({user_site}), not from the environment"
    )
    assert "export PYTHONNOUSERSITE=1" in (result.hint or "")


def test_a_library_taken_from_ld_library_path(
    make_ctx: MakeContext, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    prefix, old = library_path_env(tmp_path)
    monkeypatch.setenv("LD_LIBRARY_PATH", str(old))
    ctx = make_ctx(prefix, settings=DoctorSettings(release_override=("2.42.0", "onnx-cpu")))
    result = check_package_import(ctx)
    assert result.status is Status.FAIL
    assert "undefined symbol: dep_new" in result.details[0]
    assert result.summary == (
        f"import aimet_onnx fails: {old / 'libdep.so.1'} is loaded from LD_LIBRARY_PATH "
        f"({old}), not the copy the package was built with"
    )
    assert result.hint == f"Take {old} off LD_LIBRARY_PATH: unset LD_LIBRARY_PATH"


def test_an_undefined_symbol_from_another_torch_build(
    make_ctx: MakeContext, tmp_path: Path
) -> None:
    prefix = framework_build_env(tmp_path, symbol_in_installed_torch=False)
    ctx = make_ctx(prefix, settings=DoctorSettings(release_override=("1.33.0", "torch-cpu")))
    result = check_package_import(ctx)
    assert result.status is Status.FAIL
    extension = next((site_packages(prefix) / "aimet_torch").glob("_C.*.so"))
    assert result.summary == (
        f"import aimet_torch fails: {extension} was built against another torch build than the "
        f"installed torch 2.3.0 (the release pins 2.1.2+cpu): {TORCH_SYMBOL} is undefined"
    )
    assert result.hint == (
        f"{prefix / 'bin' / 'python'} -m pip install -f "
        "https://download.pytorch.org/whl/torch_stable.html torch==2.1.2+cpu"
    )
    assert result.facts["suspect"] == "framework"


def test_a_missing_shared_object_is_handed_to_native_libs(
    make_ctx: MakeContext, tmp_path: Path
) -> None:
    prefix = missing_library_env(tmp_path)
    ctx = make_ctx(prefix, settings=DoctorSettings(release_override=("2.42.0", "onnx-cpu")))
    report = run_doctor(ctx, ALL_CHECKS, names=("package-import", "native-libs"))
    by_id = {r.check_id: r for r in report.results}
    assert by_id["native-libs"].status is Status.FAIL
    assert by_id["native-libs"].summary.startswith("libgone.so.1 is not found")
    imported = by_id["package-import"]
    assert (
        imported.summary == "import aimet_onnx fails: the shared object libgone.so.1 is not found"
    )
    assert imported.facts["caused_by"] == "native-libs"
    assert imported.hint is not None
    assert imported.hint.startswith("Fix what the native-libs check found first (libgone.so.1")
    assert imported.hint.endswith("this follows from it. Then run doctor again.")
    assert report.root_cause == "native-libs"
