"""Wheelhouses: built from a real loopback host and real pip, verified before pip sees a file."""

from __future__ import annotations

import hashlib
import json
import os
import socket
import subprocess  # noqa: TID251  # real venvs and real pip
import sys
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import TYPE_CHECKING

import pytest

from aimetenv.catalog.load import load_catalog
from aimetenv.errors import InstallError, IntegrityError, NetworkError, UsageError
from aimetenv.fetch.download import Downloader
from aimetenv.install import offline, resolver, wheelhouse
from aimetenv.runner import SubprocessRunner
from support.envs import need_python
from support.releasehost import ReleaseHost
from support.seeded import make_venv_with_pip
from support.wheelbuild import build_wheel

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

    from aimetenv.install.plan import InstallPlan

LEGACY_TAG = "1.16.2.py37"
LEGACY_FILES = (
    "AimetCommon-torch_cpu_1.16.2.py37-cp37-cp37m-linux_x86_64.whl",
    "AimetTorch-torch_cpu_1.16.2.py37-cp37-cp37m-linux_x86_64.whl",
    "Aimet-torch_cpu_1.16.2.py37-cp37-cp37m-linux_x86_64.whl",
)
FIXED = datetime(2026, 11, 26, 12, 0, tzinfo=timezone.utc)


@pytest.fixture
def host(tmp_path: Path) -> Iterator[ReleaseHost]:
    with ReleaseHost(tmp_path / "host") as server:
        yield server


@pytest.fixture
def no_pip_config(monkeypatch: pytest.MonkeyPatch) -> None:
    """pip in tests sees only the indexes the test names (no machine-wide config)."""
    monkeypatch.setenv("PIP_CONFIG_FILE", os.devnull)
    monkeypatch.delenv("PIP_INDEX_URL", raising=False)
    monkeypatch.delenv("PIP_FIND_LINKS", raising=False)


def plan_for(
    variant: str, tag: str, *, python: tuple[int, int] | None = None, **options: str
) -> InstallPlan:
    return resolver.resolve(
        load_catalog(),
        variant,
        tag,
        resolver.Target(python=python),
        resolver.Options(**options),  # type: ignore[arg-type]  # test-chosen option names
    )


def publish_legacy(host: ReleaseHost) -> dict[str, bytes]:
    contents = {name: f"contents of {name}\n".encode() * 500 for name in LEGACY_FILES}
    for name, data in contents.items():
        host.publish(LEGACY_TAG, name, data)
    return contents


def build(
    plan: InstallPlan, directory: Path, tmp_path: Path, **kwargs: object
) -> wheelhouse.Wheelhouse:
    log_path = tmp_path / "pip.log"
    with log_path.open("a", encoding="utf-8") as log:
        return wheelhouse.build(
            plan,
            directory,
            downloader=Downloader(cache_root=tmp_path / "cache", backoff=0.0),
            runner=SubprocessRunner(),
            log=log,
            now=lambda: FIXED,
            **kwargs,  # type: ignore[arg-type]  # with_deps and friends
        )


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def test_release_host_wheelhouse_has_files_and_manifest(tmp_path: Path, host: ReleaseHost) -> None:
    contents = publish_legacy(host)
    plan = plan_for("torch-cpu", LEGACY_TAG, mirror=host.base)
    house = build(plan, tmp_path / "wh", tmp_path)

    names = sorted(p.name for p in (tmp_path / "wh").iterdir())
    assert names == sorted([*LEGACY_FILES, "manifest.json"])
    manifest = json.loads((tmp_path / "wh" / "manifest.json").read_text())
    assert manifest["schema"] == "aimetenv.wheelhouse/1"
    assert (manifest["tag"], manifest["variant"], manifest["source"]) == (
        LEGACY_TAG,
        "torch-cpu",
        "github",
    )
    assert manifest["created"] == "2026-11-26T12:00:00+00:00"
    assert manifest["dependencies"] is False
    assert manifest["plan"]["schema"] == "aimetenv.plan/1"
    assert [f["filename"] for f in manifest["files"]] == list(LEGACY_FILES)
    for entry in manifest["files"]:
        data = contents[entry["filename"]]
        assert (entry["sha256"], entry["size"]) == (sha(data), len(data))
        assert entry["url"] == host.file_url(LEGACY_TAG, entry["filename"])
    assert house.bytes_transferred == sum(len(d) for d in contents.values())

    methods = [h.method for h in host.hits()]
    assert methods == ["HEAD"] * 3 + ["GET"] * 3, "inferred names are checked before any download"


def test_missing_inferred_file_is_reported_before_anything_is_downloaded(
    tmp_path: Path, host: ReleaseHost
) -> None:
    host.publish(LEGACY_TAG, LEGACY_FILES[0], b"x")
    plan = plan_for("torch-cpu", LEGACY_TAG, mirror=host.base)
    with pytest.raises(NetworkError) as caught:
        build(plan, tmp_path / "wh", tmp_path)
    assert caught.value.code == "asset-missing"
    assert LEGACY_FILES[1] in caught.value.message
    assert all(h.method == "HEAD" for h in host.hits())
    assert not (tmp_path / "wh" / "manifest.json").exists()


def test_failed_download_leaves_the_directory_without_files(
    tmp_path: Path, host: ReleaseHost
) -> None:
    plan = plan_for("torch-cpu", "1.34.0", mirror=host.base)
    with pytest.raises(NetworkError) as caught:
        build(plan, tmp_path / "wh", tmp_path)
    assert caught.value.code == "not-found"
    assert not (tmp_path / "wh").exists()


def test_failed_download_removes_only_the_folders_it_created(
    tmp_path: Path, host: ReleaseHost
) -> None:
    plan = plan_for("torch-cpu", "1.34.0", mirror=host.base)
    (tmp_path / "kept").mkdir()
    with pytest.raises(NetworkError):
        build(plan, tmp_path / "kept" / "new" / "wh", tmp_path)
    assert list((tmp_path / "kept").iterdir()) == []
    (tmp_path / "existing").mkdir()
    with pytest.raises(NetworkError):
        build(plan, tmp_path / "existing", tmp_path)
    assert (tmp_path / "existing").is_dir()


def test_rebuilding_reuses_the_cache_and_another_plan_is_refused(
    tmp_path: Path, host: ReleaseHost
) -> None:
    publish_legacy(host)
    plan = plan_for("torch-cpu", LEGACY_TAG, mirror=host.base)
    build(plan, tmp_path / "wh", tmp_path)
    again = build(plan, tmp_path / "wh", tmp_path)
    assert again.bytes_transferred == 0
    assert all(f.from_cache for f in again.fetched)
    other = plan_for("torch-cpu", "1.34.0", mirror=host.base)
    with pytest.raises(UsageError) as caught:
        build(other, tmp_path / "wh", tmp_path)
    assert caught.value.code == "wheelhouse-not-empty"
    assert f"{LEGACY_TAG} torch-cpu" in caught.value.message


def test_directory_with_other_wheels_is_refused(tmp_path: Path, host: ReleaseHost) -> None:
    publish_legacy(host)
    (tmp_path / "wh").mkdir()
    (tmp_path / "wh" / "stray-1.0-py3-none-any.whl").write_bytes(b"x")
    with pytest.raises(UsageError) as caught:
        build(plan_for("torch-cpu", LEGACY_TAG, mirror=host.base), tmp_path / "wh", tmp_path)
    assert caught.value.code == "wheelhouse-not-empty"


@pytest.fixture
def legacy_house(tmp_path: Path, host: ReleaseHost) -> tuple[Path, InstallPlan]:
    publish_legacy(host)
    plan = plan_for("torch-cpu", LEGACY_TAG, mirror=host.base)
    build(plan, tmp_path / "wh", tmp_path)
    return tmp_path / "wh", plan


def test_verify_returns_the_paths_in_manifest_order(
    legacy_house: tuple[Path, InstallPlan],
) -> None:
    directory, plan = legacy_house
    assert offline.verify(directory, plan) == tuple(directory / n for n in LEGACY_FILES)


def test_verify_names_a_changed_file(legacy_house: tuple[Path, InstallPlan]) -> None:
    directory, plan = legacy_house
    target = directory / LEGACY_FILES[1]
    data = bytearray(target.read_bytes())
    data[10] ^= 0x01
    target.write_bytes(bytes(data))
    with pytest.raises(IntegrityError) as caught:
        offline.verify(directory, plan)
    assert caught.value.code == "wheelhouse-sha256-mismatch"
    assert LEGACY_FILES[1] in caught.value.message
    assert int(caught.value.exit_code) == 5


def test_verify_names_a_truncated_file(legacy_house: tuple[Path, InstallPlan]) -> None:
    directory, plan = legacy_house
    target = directory / LEGACY_FILES[0]
    target.write_bytes(target.read_bytes()[:100])
    with pytest.raises(IntegrityError) as caught:
        offline.verify(directory, plan)
    assert "100 bytes" in caught.value.message


def test_verify_refuses_missing_and_unlisted_files(
    legacy_house: tuple[Path, InstallPlan],
) -> None:
    directory, plan = legacy_house
    (directory / "intruder-1.0-py3-none-any.whl").write_bytes(b"pip would install me")
    with pytest.raises(IntegrityError) as caught:
        offline.verify(directory, plan)
    assert caught.value.code == "wheelhouse-unlisted"
    (directory / "intruder-1.0-py3-none-any.whl").unlink()
    (directory / LEGACY_FILES[2]).unlink()
    with pytest.raises(IntegrityError) as caught:
        offline.verify(directory, plan)
    assert caught.value.code == "wheelhouse-missing-file"
    assert LEGACY_FILES[2] in caught.value.message


def test_verify_refuses_another_plan_and_a_missing_manifest(
    legacy_house: tuple[Path, InstallPlan], tmp_path: Path
) -> None:
    directory, _plan = legacy_house
    with pytest.raises(UsageError) as wrong:
        offline.verify(directory, plan_for("tf-cpu", LEGACY_TAG))
    assert wrong.value.code == "wheelhouse-mismatch"
    (tmp_path / "empty").mkdir()
    with pytest.raises(IntegrityError) as missing:
        offline.verify(tmp_path / "empty", plan_for("torch-cpu", LEGACY_TAG))
    assert missing.value.code == "wheelhouse-no-manifest"
    (tmp_path / "empty" / "manifest.json").write_text("{not json")
    with pytest.raises(IntegrityError) as broken:
        offline.verify(tmp_path / "empty", plan_for("torch-cpu", LEGACY_TAG))
    assert broken.value.code == "wheelhouse-invalid"


def test_manifest_entries_cannot_point_outside_the_directory(
    legacy_house: tuple[Path, InstallPlan],
) -> None:
    directory, plan = legacy_house
    path = directory / "manifest.json"
    manifest = json.loads(path.read_text())
    manifest["files"][0]["filename"] = "../outside.whl"
    path.write_text(json.dumps(manifest))
    with pytest.raises(IntegrityError) as caught:
        offline.verify(directory, plan)
    assert caught.value.code == "wheelhouse-invalid"


def test_fetcher_serves_verified_files(legacy_house: tuple[Path, InstallPlan]) -> None:
    directory, plan = legacy_house
    fetcher = offline.WheelhouseFetcher.open(directory, plan)
    first = plan.wheels[0]
    assert fetcher.exists(first.url)
    assert not fetcher.exists(first.url.replace("AimetCommon", "Other"))
    fetched = fetcher.fetch(first, plan.tag)
    assert (fetched.path, fetched.from_cache, fetched.bytes_transferred) == (
        directory / first.filename,
        True,
        0,
    )
    (directory / first.filename).write_bytes(b"changed after the check")
    with pytest.raises(IntegrityError):
        fetcher.fetch(first, plan.tag)


def test_offline_plan_points_every_pip_call_at_the_wheelhouse(tmp_path: Path) -> None:
    plan = plan_for(
        "onnx-cpu",
        "2.42.0",
        index_url="https://pypi.example/simple/",
        torch_index="https://torch.example/cpu",
    )
    pointed = offline.offline_plan(plan, tmp_path)
    for step in pointed.steps:
        assert step.pip_args == ("--no-index", "--find-links", str(tmp_path)), step.kind
    assert [s.requirements for s in pointed.steps] == [s.requirements for s in plan.steps]

    legacy = plan_for("torch-cpu", LEGACY_TAG)
    kept = offline.offline_plan(legacy, tmp_path, dependencies=False)
    torch_step = kept.steps[2]
    assert torch_step.pip_args == (
        "-f",
        "https://download.pytorch.org/whl/torch_stable.html",
        "--find-links",
        str(tmp_path),
    )
    assert kept.steps[0].pip_args == ()  # pip's own bound still comes from the index


@dataclass(frozen=True)
class Indexes:
    torch: str
    pypi: str
    pypi_links: str


@pytest.fixture
def indexes(tmp_path: Path) -> Iterator[Indexes]:
    """Two loopback indexes shaped like the PyTorch CPU index and PyPI, with stand-in wheels."""
    torch_dir, pypi_dir = tmp_path / "torch-wheels", tmp_path / "pypi-wheels"
    init = {"torch/__init__.py": b"__version__ = '2.5.1+cpu'\n"}
    build_wheel(torch_dir, distribution="torch", version="2.5.1+cpu",
                tag="cp310-cp310-manylinux_2_28_x86_64", files=init)  # fmt: skip
    build_wheel(torch_dir, distribution="torchvision", version="0.20.1+cpu",
                tag="cp310-cp310-manylinux_2_28_x86_64",
                files={"torchvision/__init__.py": b""}, requires=("torch==2.5.1",))  # fmt: skip
    build_wheel(pypi_dir, distribution="torch", version="2.6.0",
                tag="cp310-cp310-manylinux_2_28_x86_64",
                files={"torch/__init__.py": b"__version__ = '2.6.0 (CUDA)'\n"})  # fmt: skip
    build_wheel(pypi_dir, distribution="tinydep", version="1.0", tag="py3-none-any",
                files={"tinydep.py": b"VALUE = 42\n"}, root_is_purelib=True)  # fmt: skip
    build_wheel(pypi_dir, distribution="aimet_onnx", version="2.42.0",
                tag="cp310-abi3-manylinux_2_34_x86_64",
                files={"aimet_onnx/__init__.py": b"import torch, tinydep\n"},
                requires=("torch", "tinydep"))  # fmt: skip
    with (
        ReleaseHost(tmp_path / "torch-host") as torch_host,
        ReleaseHost(tmp_path / "pypi-host") as pypi_host,
    ):
        torch_simple, _ = torch_host.serve_index(torch_dir)
        pypi_simple, pypi_links = pypi_host.serve_index(pypi_dir)
        yield Indexes(torch_simple, pypi_simple, pypi_links)


@pytest.mark.slow
@pytest.mark.usefixtures("no_pip_config")
def test_pypi_wheelhouse_installs_with_no_index(tmp_path: Path, indexes: Indexes) -> None:
    plan = plan_for(
        "onnx-cpu",
        "2.42.0",
        python=(3, 10),
        index_url=indexes.pypi,
        torch_index=indexes.torch,
    )
    house = build(plan, tmp_path / "wh", tmp_path)
    names = [f.filename for f in house.manifest.files]
    assert sorted(names) == [
        "aimet_onnx-2.42.0-cp310-abi3-manylinux_2_34_x86_64.whl",
        "tinydep-1.0-py3-none-any.whl",
        "torch-2.5.1+cpu-cp310-cp310-manylinux_2_28_x86_64.whl",
        "torchvision-0.20.1+cpu-cp310-cp310-manylinux_2_28_x86_64.whl",
    ], "the CPU torch of the framework step, not the newer one of the package index"
    assert house.manifest.dependencies
    assert "--python-version 3.10" in (tmp_path / "pip.log").read_text()

    paths = offline.verify(tmp_path / "wh", plan)
    assert len(paths) == 4
    venv = tmp_path / "venv"
    make_venv_with_pip(need_python("3.10"), venv)
    python = venv / "bin" / "python"
    for step in offline.offline_plan(plan, tmp_path / "wh").steps:
        subprocess.run(
            [str(python), "-m", "pip", "install", "--no-input", *step.requirements,
             *step.pip_args],
            check=True, capture_output=True,
        )  # fmt: skip
    shown = subprocess.run(
        [str(python), "-c", "import aimet_onnx, torch; print(torch.__version__)"],
        check=True,
        capture_output=True,
        text=True,
    )
    assert shown.stdout.strip() == "2.5.1+cpu"


@pytest.mark.usefixtures("no_pip_config")
def test_a_version_the_index_lacks_is_one_line_naming_what_it_has(
    tmp_path: Path, indexes: Indexes
) -> None:
    """pip's "no version satisfies" becomes install's one line, with the log as its detail."""
    plan = plan_for(
        "onnx-cpu", "2.41.0", python=(3, 10), index_url=indexes.pypi, torch_index=indexes.torch
    )
    with pytest.raises(InstallError) as caught:
        build(plan, tmp_path / "wh", tmp_path)
    assert caught.value.code == "resolution-conflict"
    assert caught.value.message == (
        "downloading aimet-onnx==2.41.0 failed: no version of aimet-onnx==2.41.0 is on the "
        f"index; it has 2.42.0; {tmp_path / 'wh'}, which this download created, was removed"
    )
    assert caught.value.details == (f"log: {tmp_path / 'pip.log'}",)
    assert f"The full output is in {tmp_path / 'pip.log'}." in (caught.value.hint or "")
    assert "# resolution-conflict: " in (tmp_path / "pip.log").read_text()
    assert not (tmp_path / "wh").exists()


@pytest.mark.usefixtures("no_pip_config")
def test_an_unexplained_pip_failure_keeps_pips_last_lines_and_the_log(
    tmp_path: Path, indexes: Indexes
) -> None:
    """No aimet-torch at all on an index that answers: neither the network nor a conflict."""
    plan = plan_for(
        "torch-cpu", "2.42.0", python=(3, 10), index_url=indexes.pypi, torch_index=indexes.torch
    )
    (tmp_path / "wh").mkdir()
    with pytest.raises(NetworkError) as caught:
        build(plan, tmp_path / "wh", tmp_path)
    assert caught.value.code == "pip-download-failed"
    assert caught.value.message.startswith("pip could not download aimet-torch==2.42.0 (exit 1)")
    assert caught.value.message.endswith(f"; {tmp_path / 'wh'} was left as it was")
    assert any("aimet-torch==2.42.0" in line for line in caught.value.details[:-1])
    assert caught.value.details[-1] == f"log: {tmp_path / 'pip.log'}"
    assert list((tmp_path / "wh").iterdir()) == []


@pytest.mark.usefixtures("no_pip_config")
def test_release_host_wheelhouse_with_deps(
    tmp_path: Path, host: ReleaseHost, indexes: Indexes, monkeypatch: pytest.MonkeyPatch
) -> None:
    name = "aimet_torch-2.39.0+cpu-py310-none-any.whl"
    wheel = build_wheel(tmp_path / "rel", distribution="aimet_torch", version="2.39.0+cpu",
                        tag="py310-none-any", files={"aimet_torch/__init__.py": b""},
                        requires=("tinydep",), root_is_purelib=True)  # fmt: skip
    assert wheel.name == name
    host.publish_file("2.39.0", wheel)
    monkeypatch.setenv("PIP_INDEX_URL", indexes.pypi)
    plan = plan_for("torch-cpu", "2.39.0", python=(3, 10), source="github", mirror=host.base)
    house = build(plan, tmp_path / "wh", tmp_path, with_deps=True)
    assert [f.filename for f in house.manifest.files] == [name, "tinydep-1.0-py3-none-any.whl"]
    assert house.manifest.files[0].url == host.file_url("2.39.0", name)
    assert house.manifest.files[1].url is None
    assert offline.verify(tmp_path / "wh", plan)[0] == tmp_path / "wh" / name


def test_pip_download_argv_targets_the_plan_not_this_interpreter(tmp_path: Path) -> None:
    plan = plan_for("onnx-cpu", "2.42.0", python=(3, 10))
    argv = wheelhouse.pip_download_argv(sys.executable, plan, ("aimet-onnx==2.42.0",), tmp_path)
    assert argv[:4] == (sys.executable, "-m", "pip", "download")
    assert "--only-binary=:all:" in argv
    assert argv[argv.index("--python-version") + 1] == "3.10"
    platforms = [argv[i + 1] for i, a in enumerate(argv) if a == "--platform"]
    assert platforms == plan.target.platforms()
    assert argv[-1] == "aimet-onnx==2.42.0"


def test_an_interpreter_without_pip_is_named(tmp_path: Path) -> None:
    bare = tmp_path / "bare"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(bare)], check=True)
    plan = plan_for("onnx-cpu", "2.42.0", python=(3, 10), index_url="http://127.0.0.1:9/simple/")
    with pytest.raises(NetworkError) as caught:
        build(plan, tmp_path / "wh", tmp_path, python=str(bare / "bin" / "python"))
    assert "has no pip" in (caught.value.hint or "")
    assert not (tmp_path / "wh").exists()


@pytest.mark.usefixtures("no_pip_config")
def test_a_refusing_find_links_page_is_named_with_its_option(
    tmp_path: Path, host: ReleaseHost, monkeypatch: pytest.MonkeyPatch
) -> None:
    """--with-deps of a release-host file: pip reads only the find-links page, which refuses."""
    with socket.socket() as probe:  # a port where nothing listens: bound, then closed
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    wheel = build_wheel(tmp_path / "rel", distribution="aimet_torch", version="2.30.0+cpu",
                        tag="py310-none-any", files={"aimet_torch/__init__.py": b""},
                        requires=("tinydep",), root_is_purelib=True)  # fmt: skip
    host.publish_file("2.30.0", wheel)
    monkeypatch.setenv("PIP_NO_INDEX", "1")
    plan = plan_for("torch-cpu", "2.30.0", python=(3, 10), source="github", mirror=host.base,
                    torch_find_links=f"http://127.0.0.1:{port}/links/")  # fmt: skip
    with pytest.raises(NetworkError) as caught:
        build(plan, tmp_path / "wh", tmp_path, with_deps=True)
    assert caught.value.code == "installer-network"
    assert caught.value.message.startswith(
        f"downloading the dependencies of {wheel.name} failed: pip could not reach "
        f"127.0.0.1:{port} (the PyTorch find-links page), which refused the connection"
    ), caught.value.message
    assert "Pass --torch-find-links URL for another page." in (caught.value.hint or "")
    assert not (tmp_path / "wh").exists()
