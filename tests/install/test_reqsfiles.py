"""The reqs_pip/reqs_deb files of legacy wheels: which fit a variant, and the one apt-get line."""

from __future__ import annotations

import os
import shutil
from typing import TYPE_CHECKING

import pytest

from aimetenv.install.reqsfiles import (
    DebCheck,
    check_deb_files,
    find_reqs_files,
    has_requirements,
    parse_deb_packages,
    reqs_glob,
    wanted_names,
)
from aimetenv.runner import SubprocessRunner
from support.legacy import REQS_DEB_COMMON

if TYPE_CHECKING:
    from pathlib import Path

RUNNER = SubprocessRunner()


@pytest.mark.parametrize(
    ("variant", "names"),
    [
        ("torch-cpu", ("common", "torch_common", "torch_cpu")),
        ("torch_gpu", ("common", "torch_common", "torch_gpu")),
        ("torch-gpu-pt113", ("common", "torch_common", "torch_gpu")),
        ("tf-cpu", ("common", "tf_common", "tf_cpu")),
        ("tf-torch-gpu", ("common", "tf_common", "torch_common", "tf_gpu", "torch_gpu")),
        ("nonsense", ("common",)),
    ],
)
def test_wanted_names(variant: str, names: tuple[str, ...]) -> None:
    assert wanted_names(variant) == names


def test_files_are_found_in_name_order_and_others_are_ignored(tmp_path: Path) -> None:
    site = tmp_path / "site-packages"
    for relative in (
        "aimet_torch/bin/reqs_pip_torch_cpu.txt",
        "aimet_torch/bin/reqs_pip_torch_gpu.txt",
        "aimet_common/bin/reqs_pip_common.txt",
        "aimet_torch/bin/reqs_pip_torch_common.txt",
        "aimet_common/bin/reqs_deb_common.txt",
        "other/bin/reqs_pip_common.txt",
    ):
        (site / relative).parent.mkdir(parents=True, exist_ok=True)
        (site / relative).write_text("six\n")
    names = wanted_names("torch-cpu")
    found = find_reqs_files([site, str(site)], "pip", names)
    assert [p.relative_to(site).as_posix() for p in found] == [
        "aimet_common/bin/reqs_pip_common.txt",
        "aimet_torch/bin/reqs_pip_torch_common.txt",
        "aimet_torch/bin/reqs_pip_torch_cpu.txt",
    ]
    assert [p.name for p in find_reqs_files([site], "deb", names)] == ["reqs_deb_common.txt"]
    assert reqs_glob("deb", names) == (
        "<site-packages>/aimet_*/bin/reqs_deb_{common,torch_common,torch_cpu}.txt"
    )


def test_comment_only_files_ask_for_nothing(tmp_path: Path) -> None:
    empty = tmp_path / "a.txt"
    empty.write_text("# torch==1.7.1+cpu in the real release\n\n")
    full = tmp_path / "b.txt"
    full.write_text("# pinned\nsix==1.16.0  # why\n")
    assert not has_requirements(empty)
    assert has_requirements(full)


def test_deb_lists_drop_the_literal_dash_y() -> None:
    assert parse_deb_packages(REQS_DEB_COMMON) == (
        ("liblapacke", "liblapacke-dev", "coreutils"),
        ("-y",),
    )
    text = "libcudnn7=7.6.2.24-1+cuda10.0 -y\n# comment -y\nlibc6:amd64 $(rm -rf /)\n"
    packages, ignored = parse_deb_packages(text)
    assert packages == ("libcudnn7=7.6.2.24-1+cuda10.0", "libc6:amd64")
    assert ignored == ("-y", "$(rm", "-rf", "/)")


@pytest.mark.skipif(shutil.which("dpkg-query") is None, reason="needs a Debian system")
def test_dpkg_says_what_is_missing(tmp_path: Path) -> None:
    listing = tmp_path / "reqs_deb_common.txt"
    listing.write_text("coreutils aimetenv-no-such-package -y\n")
    check = check_deb_files(RUNNER, [listing])
    assert check.checked
    assert check.packages == ("coreutils", "aimetenv-no-such-package")
    assert check.missing == ("aimetenv-no-such-package",)
    assert check.apt_line(root=False) == "sudo apt-get install -y aimetenv-no-such-package"
    assert check.apt_line(root=True) == "apt-get install -y aimetenv-no-such-package"


def test_without_dpkg_every_package_is_listed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path / "empty-bin"))
    listing = tmp_path / "reqs_deb_common.txt"
    listing.write_text(REQS_DEB_COMMON)
    check = check_deb_files(RUNNER, [listing])
    assert not check.checked
    assert check.missing == ("liblapacke", "liblapacke-dev", "coreutils")
    assert check.to_dict(root=True)["apt_line"] == (
        "apt-get install -y liblapacke liblapacke-dev coreutils"
    )


def test_nothing_missing_means_no_line() -> None:
    check = DebCheck(files=(), packages=("coreutils",), missing=(), checked=True)
    assert check.apt_line(root=os.geteuid() == 0) is None
