"""What the machine lacks, found before anything is fetched or created: a package, free space.

dpkg-query is this machine's own, and ``liblapacke`` is really not installed here; the test is
skipped where it is (nothing would be missing) or where dpkg-query does not exist. The small
filesystem is a real 1 MB tmpfs, mounted by the test (skipped where it cannot be, as non-root).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from aimetenv.errors import AimetenvError
from aimetenv.install.reqsfiles import deb_installed
from aimetenv.runner import SubprocessRunner
from faults.cases import case
from faults.helpers import check, install_args, receipt_of, run, system_args

if TYPE_CHECKING:
    from pathlib import Path

    from support.releasehost import ReleaseHost
    from support.standins import GatedIndex


def _lapacke_missing() -> bool:
    try:
        return not deb_installed(SubprocessRunner(), "liblapacke")
    except AimetenvError:  # no dpkg-query here
        return False


def test_a_missing_debian_package_is_refused_before_any_request(
    host: ReleaseHost, tmp_path: Path
) -> None:
    if not _lapacke_missing():
        pytest.skip("dpkg-query is absent or liblapacke is installed: nothing to refuse")
    prefix = tmp_path / "env"
    check(run(*system_args(host, "--venv", str(prefix))), case("system-package-missing"))
    assert host.hits() == []
    assert not prefix.exists()
    assert run(*install_args(host, "--venv", str(prefix))).returncode == 0
    assert receipt_of(prefix).is_file()


def test_too_little_free_space_is_refused_before_anything(tiny: Path, index: GatedIndex) -> None:
    prefix = tiny / "env"
    # aimet-onnx from PyPI: the plan names its file, whose size the catalog keeps
    args = ["install", "--variant", "onnx-cpu", "--tag", "2.42.0", "--venv", str(prefix),
            "--torch-index", index.url]  # fmt: skip
    check(run(*args), case("no-space"))
    assert index.requests == []
    assert list(tiny.iterdir()) == []
