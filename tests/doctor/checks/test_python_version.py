from __future__ import annotations

import shutil
from pathlib import Path
from typing import TYPE_CHECKING

from aimetenv.doctor.checks.python_version import check_python, foreign_extensions
from aimetenv.doctor.model import Status
from support.doctor_envs import add_distribution
from support.envs import site_packages

if TYPE_CHECKING:
    from collections.abc import Callable

    from support.doctor_envs import MakeContext

SO_310 = "_libpymo.cpython-310-x86_64-linux-gnu.so"


def test_the_right_python(make_ctx: MakeContext, plain_legacy_env: Path) -> None:
    result = check_python(make_ctx(plain_legacy_env))
    assert result.status is Status.OK
    assert result.summary.startswith("Python 3.7.")
    assert "(cp37m)" in result.summary
    assert result.summary.endswith("1.16.2.py37 needs 3.7")


def test_the_wrong_python_identified_from_the_files(
    make_ctx: MakeContext, py38_legacy_env: Path
) -> None:
    result = check_python(make_ctx(py38_legacy_env))
    assert result.status is Status.FAIL
    assert "1.16.2.py37 torch-cpu needs Python 3.7" in result.summary
    assert result.hint == (
        "Rebuild the environment with Python 3.7: aimetenv install --variant torch-cpu "
        f"--tag 1.16.2.py37 --venv {py38_legacy_env} --recreate"
    )


def test_the_wrong_python_against_the_receipt(
    make_ctx: MakeContext, py38_receipt_env: Path
) -> None:
    ctx = make_ctx(py38_receipt_env)
    result = check_python(ctx)
    assert result.status is Status.FAIL
    assert "needs Python 3.7" in result.summary
    release = ctx.release()
    assert release is not None
    assert release.summary.origin == "receipt"


def onnx_219_on_311(fake_env: Callable[..., Path], elf: Path, version: str) -> Path:
    """aimet-onnx 2.19 files (a cpython-310 libpymo) in a Python 3.11 venv."""
    prefix = fake_env()
    add_distribution(
        site_packages(prefix), "aimet-onnx", version, {f"aimet_common/{SO_310}": elf.read_bytes()}
    )
    return prefix


def test_native_code_for_another_python(
    make_ctx: MakeContext, fake_env: Callable[..., Path]
) -> None:
    prefix = onnx_219_on_311(fake_env, Path("/bin/ls"), "2.19.0")
    result = check_python(make_ctx(prefix))
    assert result.status is Status.FAIL
    assert "2.19.0 onnx-cpu needs Python 3.10" in result.summary
    assert any(SO_310 in line for line in result.details)


def test_native_code_for_another_python_without_a_known_release(
    make_ctx: MakeContext, fake_env: Callable[..., Path]
) -> None:
    prefix = onnx_219_on_311(fake_env, Path("/bin/ls"), "9.9.9")
    result = check_python(make_ctx(prefix))
    assert result.status is Status.FAIL
    assert f"{SO_310} is built for Python 3.10; this Python cannot load it" in result.summary
    assert any(".cpython-311-x86_64-linux-gnu.so" in line for line in result.details)


def test_foreign_extensions(tmp_path: Path) -> None:
    folder = tmp_path / "aimet_common"
    folder.mkdir()
    for name in (SO_310, "_libpymo.abi3.so", "_libpymo.cpython-311-x86_64-linux-gnu.so"):
        shutil.copy("/bin/ls", folder / name)
    suffixes = [".cpython-311-x86_64-linux-gnu.so", ".abi3.so", ".so"]
    assert foreign_extensions([str(folder)], suffixes) == [
        (str(folder / SO_310), ".cpython-310-x86_64-linux-gnu.so")
    ]
