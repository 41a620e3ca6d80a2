"""A pip step that fails inside install or download: its network error or conflict, in one line.

The index is a real loopback host: one that accepts each connection and closes it at once (so
the preflight, which only connects, passes and pip's own requests fail), a port where nothing
listens (download runs no preflight), and the PEP 503 index of ``support.standins`` serving a
torchvision built for another torch. pip is the real pip of the new venv (download: of the
interpreter aimetenv runs on), with no configuration of this machine (``hermetic_env``).
"""

from __future__ import annotations

import shutil
import socket
from typing import TYPE_CHECKING

import pytest

from faults.cases import case
from faults.helpers import check, receipt_of, run
from support.serving import dropping_port
from support.standins import MODERN_TAG, MODERN_VARIANT, GatedIndex, modern_args
from support.wheelbuild import build_wheel

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

    from support.standins import ModernRelease


@pytest.fixture
def dropping() -> Iterator[str]:
    """An index URL whose host accepts each connection and closes it at once."""
    with dropping_port() as port:
        yield f"http://127.0.0.1:{port}/simple/"


def test_index_drops_connections(dropping: str, index: GatedIndex, tmp_path: Path) -> None:
    prefix = tmp_path / "env"
    line = check(run(*modern_args(dropping, "--venv", str(prefix))),
                 case("pip-index-drops-connections"))  # fmt: skip
    assert dropping.split("/")[2] in line
    assert not prefix.exists()
    assert run(*modern_args(index.url, "--venv", str(prefix))).returncode == 0
    assert receipt_of(prefix).is_file()


def test_torchvision_built_for_another_torch(modern: ModernRelease, tmp_path: Path) -> None:
    folder = tmp_path / "index"
    folder.mkdir()
    for wheel in (modern.torch, modern.aimet_torch):
        shutil.copy(wheel, folder / wheel.name)
    build_wheel(folder, distribution="torchvision", version="0.24.0", tag="py3-none-any",
                files={"torchvision/__init__.py": b""}, requires=("torch==2.9.0",),
                root_is_purelib=True)  # fmt: skip
    prefix = tmp_path / "env"
    with GatedIndex(folder) as mismatched:
        check(run(*modern_args(mismatched.url, "--venv", str(prefix))),
              case("pip-torchvision-conflict"))  # fmt: skip
    assert not prefix.exists()
    assert not receipt_of(prefix).exists()


def test_download_index_refused(index: GatedIndex, tmp_path: Path) -> None:
    with socket.socket() as probe:  # a port where nothing listens: bound, then closed
        probe.bind(("127.0.0.1", 0))
        refused = f"http://127.0.0.1:{probe.getsockname()[1]}/simple/"
    house = tmp_path / "new" / "wh"
    args = ("download", "--variant", MODERN_VARIANT, "--tag", MODERN_TAG, "-d", str(house))
    line = check(run(*args, "--torch-index", refused, "--index-url", refused,
                     PIP_CONSTRAINT=None), case("download-index-refused"))  # fmt: skip
    assert refused.split("/")[2] in line
    assert not (tmp_path / "new").exists()
    made = run(*args, "--torch-index", index.url, "--index-url", index.url, PIP_CONSTRAINT=None)
    assert made.returncode == 0, made.stderr
    assert (house / "manifest.json").is_file()
