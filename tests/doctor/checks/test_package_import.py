from __future__ import annotations

from typing import TYPE_CHECKING

from aimetenv.doctor.checks.package_import import check_package_import
from aimetenv.doctor.context import DoctorSettings
from aimetenv.doctor.model import Status
from support.doctor_envs import add_distribution
from support.envs import site_packages

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
