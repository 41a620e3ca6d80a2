"""The modern end to end, against real PyPI: aimet-onnx 2.42.0 and its native _libpymo.

``onnx_env`` (tests/conftest.py) runs ``aimetenv install --variant onnx-cpu --tag 2.42.0 --venv P
--python-version 3.11 --torch-index <loopback index with the machine's CPU torch>`` once per
session: minutes and about 2 GB.
"""

from __future__ import annotations

import json
import subprocess  # noqa: TID251  # running the installed AIMET the way a user would
from typing import TYPE_CHECKING

import pytest

from support.standins import hermetic_env, pip_list, run_aimetenv

if TYPE_CHECKING:
    from pathlib import Path

pytestmark = pytest.mark.e2e

LOAD = """
import importlib, importlib.machinery
module = importlib.import_module("aimet_onnx.common._libpymo")
print(type(module.__spec__.loader).__name__, module.__file__)
from aimet_onnx.common import libpymo
encoding = libpymo.TfEncoding()
encoding.bw = 8
print(type(encoding).__module__, encoding.bw)
"""


def test_the_native_libpymo_loads(onnx_env: Path) -> None:
    ran = subprocess.run(
        [str(onnx_env / "bin/python"), "-c", LOAD],
        env=hermetic_env(),
        capture_output=True,
        text=True,
        check=False,
        timeout=600,
    )
    assert ran.returncode == 0, ran.stderr[-3000:]
    loader, path = ran.stdout.splitlines()[0].split()
    assert loader == "ExtensionFileLoader"
    assert path.endswith("aimet_onnx/common/_libpymo.abi3.so")
    assert ran.stdout.splitlines()[1] == "_libpymo 8"


def test_the_env_holds_what_the_plan_asked_for(onnx_env: Path) -> None:
    installed = pip_list(onnx_env)
    assert installed["aimet-onnx"] == "2.42.0"
    assert installed["torch"] == "2.13.0+cpu"
    data = json.loads((onnx_env / "etc/aimetenv/receipt.json").read_text())
    assert (data["tag"], data["variant"], data["source"]) == ("2.42.0", "onnx-cpu", "pypi")
    assert data["python_version"].startswith("3.11.")
    (aimet,) = data["files"]  # fetched by aimetenv from PyPI and checked against the catalog
    assert aimet["filename"] == "aimet_onnx-2.42.0-cp310-abi3-manylinux_2_34_x86_64.whl"
    assert aimet["sha256"] == "a3e0652e7799ef9c5739a2f01544e93437e03e73f616d7133903d97ef9e15789"
    assert aimet["size"] == 85032212
    smoke = data["extras"]["smoke_result"]
    assert smoke["ok"] is True
    assert smoke["native_file"].endswith("aimet_onnx/common/_libpymo.abi3.so")


def test_installing_it_again_is_a_no_op(onnx_env: Path) -> None:
    before = (onnx_env / "etc/aimetenv/receipt.json").read_bytes()
    args = ["install", "--variant", "onnx-cpu", "--tag", "2.42.0", "--venv", str(onnx_env)]
    closed = "http://127.0.0.1:9/simple/"  # anything but the no-op would fail to reach it
    result = run_aimetenv(*args, "--torch-index", closed, "--index-url", closed)
    assert result.returncode == 0, result.stderr
    assert "already installed: AIMET 2.42.0 onnx-cpu" in result.stderr
    assert "aimet_onnx.common._libpymo loads natively" in result.stderr
    assert (onnx_env / "etc/aimetenv/receipt.json").read_bytes() == before
