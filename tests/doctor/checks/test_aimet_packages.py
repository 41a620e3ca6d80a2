from __future__ import annotations

from typing import TYPE_CHECKING

from aimetenv.doctor.checks.aimet_packages import check_aimet_packages
from aimetenv.doctor.context import DoctorSettings
from aimetenv.doctor.model import Status
from support.doctor_envs import (
    add_distribution,
    copy_aimet_files,
    pip_install,
    write_test_receipt,
)
from support.envs import need_python, site_packages

if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path

    from support.doctor_envs import MakeContext
    from support.legacy import LegacyRelease


def test_legacy_release_identified(make_ctx: MakeContext, plain_legacy_env: Path) -> None:
    result = check_aimet_packages(make_ctx(plain_legacy_env))
    assert result.status is Status.OK
    assert result.facts["distributions"] == (
        "Aimet torch_cpu_1.16.2.py37",
        "AimetCommon torch_cpu_1.16.2.py37",
        "AimetTorch torch_cpu_1.16.2.py37",
    )
    assert (
        "AIMET 1.16.2.py37 torch-cpu (identified from the installed distributions)"
        in result.summary
    )


def test_nothing_installed(make_ctx: MakeContext, bare_venv: Path) -> None:
    result = check_aimet_packages(make_ctx(bare_venv))
    assert result.status is Status.FAIL
    assert result.summary == "no AIMET release is installed in the target"
    assert result.hint is not None
    assert "aimetenv install --variant VARIANT --tag TAG" in result.hint


def test_only_the_meta_wheel(
    make_ctx: MakeContext, fake_env: Callable[..., Path], legacy_release: LegacyRelease
) -> None:
    prefix = fake_env(need_python("3.7"))
    pip_install(prefix, "--no-index", str(legacy_release.meta), own_pip=False)
    result = check_aimet_packages(make_ctx(prefix))
    assert result.status is Status.FAIL
    assert result.summary.endswith("but aimet_torch cannot be found by this interpreter")


def test_receipt_and_files_disagree(
    make_ctx: MakeContext, fake_env: Callable[..., Path], plain_legacy_env: Path
) -> None:
    prefix = copy_aimet_files(plain_legacy_env, fake_env(need_python("3.7")))
    write_test_receipt(prefix, tag="1.16.1.py37", variant="torch-cpu", python_version="3.7.16")
    result = check_aimet_packages(make_ctx(prefix))
    assert result.status is Status.WARN
    assert (
        "the receipt says 1.16.1.py37 torch-cpu was installed, but the files are 1.16.2.py37"
        in (result.summary)
    )


def test_release_the_catalog_does_not_know(
    make_ctx: MakeContext, fake_env: Callable[..., Path]
) -> None:
    prefix = fake_env()
    add_distribution(site_packages(prefix), "aimet-onnx", "9.1.0", {"aimet_onnx/__init__.py": ""})
    result = check_aimet_packages(make_ctx(prefix))
    assert result.status is Status.WARN
    assert "release 9.1.0, which the catalog does not know" in result.summary
    assert result.hint is not None
    assert "aimetenv releases --refresh" in result.hint


def test_tag_and_variant_other_than_the_installed_release_warn_with_both(
    make_ctx: MakeContext, fake_env: Callable[..., Path]
) -> None:
    prefix = fake_env()
    add_distribution(site_packages(prefix), "aimet-onnx", "2.42.0", {"aimet_onnx/__init__.py": ""})
    ctx = make_ctx(prefix, settings=DoctorSettings(release_override=("2.41.0", "onnx-cpu")))
    result = check_aimet_packages(ctx)
    assert result.status is Status.WARN
    assert result.summary == (
        "aimet-onnx 2.42.0: checking against 2.41.0 onnx-cpu (--tag/--variant), but the "
        "installed release is 2.42.0 onnx-cpu"
    )
    assert result.hint is not None
    assert "--tag 2.42.0 --variant onnx-cpu" in result.hint
