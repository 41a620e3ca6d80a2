"""pipfail: what a failed pip or uv step means, read from their real output.

Every output here comes from the real pip (in a venv of pyenv's Python 3.10) or the real uv,
resolving against loopback PEP 503 indexes that serve wheels built by the test, a port where
nothing listens, or a host that accepts connections and drops them. pip sees no configuration
(``PIP_CONFIG_FILE=/dev/null``, no ``PIP_FIND_LINKS`` or ``PIP_CONSTRAINT``).
"""

from __future__ import annotations

import shutil
import socket
import subprocess  # noqa: TID251  # the tests run the real pip and uv
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from aimetenv.errors import InstallError, NetworkError
from aimetenv.install.actions import Action
from aimetenv.install.pipfail import explain, known_fix
from aimetenv.install.preflight import Host, hosts_to_check
from support.envs import need_python
from support.serving import dropping_port
from support.shared import built_once
from support.standins import GatedIndex, hermetic_env
from support.wheelbuild import build_wheel

if TYPE_CHECKING:
    from collections.abc import Iterator


def _env() -> dict[str, str]:
    return hermetic_env(PIP_CONSTRAINT=None, PIP_FIND_LINKS=None, PIP_CONFIG_FILE="/dev/null")


@pytest.fixture(scope="module")
def venv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A Python 3.10 venv with pip, shared by the run's workers: pip only dry-runs in it."""

    def build(folder: Path) -> dict[str, str]:
        prefix = folder / "venv"
        subprocess.run([str(need_python("3.10")), "-m", "venv", str(prefix)], check=True)
        return {"python": str(prefix / "bin" / "python")}

    return Path(built_once(tmp_path_factory, "pipfail-venv", build)["python"])


@pytest.fixture(scope="module")
def wheels(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The shapes of the conflicts AIMET users meet, as small real wheels."""
    folder = tmp_path_factory.mktemp("conflicts")

    def pure(name: str, version: str, *requires: str) -> None:
        files = {f"{name}/__init__.py": b""}
        build_wheel(folder, distribution=name, version=version, tag="py3-none-any", files=files,
                    requires=requires, root_is_purelib=True)  # fmt: skip

    pure("torch", "2.13.0")
    pure("torch", "2.9.0")
    pure("torchvision", "0.24.0", "torch==2.9.0")
    pure("numpy", "1.26.4")
    pure("numpy", "2.1.0")
    pure("aimet_torch", "2.13.0", "numpy<2")
    pure("other", "1.0", "numpy>=2")
    pure("onnxruntime", "1.18.1")
    pure("aimet_onnx", "2.13.0", "onnxruntime>=1.19")
    return folder


@pytest.fixture(scope="module")
def conflicts(wheels: Path) -> Iterator[GatedIndex]:
    with GatedIndex(wheels) as index:
        yield index


def _argv(python: Path, index: str, *requirements: str) -> tuple[str, ...]:
    return (str(python), "-m", "pip", "install", "--no-input", "--dry-run", *requirements,
            "--index-url", index)  # fmt: skip


def _uv_argv(python: Path, index: str, *requirements: str) -> tuple[str, ...]:
    uv = shutil.which("uv", path=str(Path(sys.executable).parent))
    if uv is None:
        pytest.skip("uv is not in the dev venv")
    return (uv, "pip", "install", "--dry-run", "--python", str(python), *requirements,
            "--index-url", index)  # fmt: skip


def _run(argv: tuple[str, ...]) -> tuple[str, list[Host]]:
    """Run the installer; its output (it must fail) and the hosts of the step."""
    ran = subprocess.run(argv, env=_env(), capture_output=True, text=True, check=False)
    assert ran.returncode != 0, ran.stdout + ran.stderr
    hosts = hosts_to_check([Action("pip", "install", argv=argv)], offline=True)
    return ran.stdout + ran.stderr, hosts


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def dropping() -> Iterator[int]:
    """A port that accepts each connection and closes it at once (a proxy that gives up)."""
    with dropping_port() as port:
        yield port


# -- resolution conflicts ----------------------------------------------------------------------


def test_torchvision_built_for_another_torch(venv: Path, conflicts: GatedIndex) -> None:
    output, hosts = _run(_argv(venv, conflicts.url, "torch==2.13.0", "torchvision"))
    error = explain(output, hosts, tool="pip")
    assert isinstance(error, InstallError)
    assert error.code == "resolution-conflict"
    assert error.message == (
        "pip cannot install torch==2.13.0 and torchvision==0.24.0 together: The user requested "
        "torch==2.13.0; torchvision 0.24.0 depends on torch==2.9.0"
    )
    assert error.hint is not None
    assert "this one for torch 2.9.0" in error.hint
    assert "--torch-index" in error.hint
    assert "built for torch 2.13.0" in error.hint


def test_numpy_below_2_against_numpy_2(venv: Path, conflicts: GatedIndex) -> None:
    output, hosts = _run(_argv(venv, conflicts.url, "aimet_torch", "other"))
    error = explain(output, hosts, tool="pip")
    assert isinstance(error, InstallError)
    assert "aimet-torch 2.13.0 depends on numpy<2; other 1.0 depends on numpy>=2" in error.message
    assert error.hint is not None
    assert "need numpy<2" in error.hint
    assert "--tag 2.42.0" in error.hint


def test_onnxruntime_floor(venv: Path, conflicts: GatedIndex) -> None:
    output, hosts = _run(_argv(venv, conflicts.url, "aimet_onnx"))
    error = explain(output, hosts, tool="pip")
    assert isinstance(error, InstallError)
    assert error.message == (
        "no version of onnxruntime>=1.19 (required by aimet-onnx) is on the index; it has 1.18.1"
    )
    assert error.hint is not None
    assert "aimet-onnx 2.13.0 and later need onnxruntime>=1.19" in error.hint


def test_onnxruntime_pinned_below_the_floor(venv: Path, conflicts: GatedIndex) -> None:
    output, hosts = _run(_argv(venv, conflicts.url, "aimet_onnx", "onnxruntime==1.18.1"))
    error = explain(output, hosts, tool="pip")
    assert isinstance(error, InstallError)
    assert "aimet-onnx 2.13.0 depends on onnxruntime>=1.19" in error.message
    assert error.hint is not None
    assert "drop the other onnxruntime pin" in error.hint


def test_uv_conflict_is_one_line_with_the_fix(venv: Path, conflicts: GatedIndex) -> None:
    output, hosts = _run(_uv_argv(venv, conflicts.url, "aimet_torch", "other"))
    error = explain(output, hosts, tool="uv")
    assert isinstance(error, InstallError)
    assert error.message.startswith("uv found no solution: Because ")
    assert "\n" not in error.message
    assert "numpy>=2" in error.message
    assert "numpy<2" in error.message
    assert error.hint is not None
    assert "need numpy<2" in error.hint


def test_an_unknown_conflict_gets_no_invented_fix() -> None:
    assert known_fix("a 1.0 depends on b<2; c 1.0 depends on b>=3") is None


# -- the network -------------------------------------------------------------------------------


def test_a_refusing_index_named_after_a_silent_pip(venv: Path) -> None:
    """With --retries 0 pip names no host at all; the step's hosts are tried again."""
    port = _free_port()
    index = f"http://127.0.0.1:{port}/simple/"
    output, hosts = _run((*_argv(venv, index, "torch"), "--retries", "0"))
    assert f"127.0.0.1:{port}" not in output.replace(index, "")
    error = explain(output, hosts, tool="pip")
    assert isinstance(error, NetworkError)
    assert error.exit_code == 3
    assert error.message == (
        f"pip could not reach 127.0.0.1:{port} (the package index), which refused the connection"
    )
    assert error.hint is not None
    assert "--index-url URL" in error.hint


def test_an_index_that_drops_connections(venv: Path, dropping: int) -> None:
    """The host accepts a connection (as the preflight saw), then pip's requests fail."""
    index = f"http://127.0.0.1:{dropping}/simple/"
    output, hosts = _run((*_argv(venv, index, "torch"), "--retries", "1"))
    assert "Retrying" in output
    error = explain(output, hosts, tool="pip")
    assert isinstance(error, NetworkError)
    assert error.message == (
        f"pip could not reach 127.0.0.1:{dropping} (the package index), which dropped the "
        "connection"
    )


def test_a_read_time_out_names_its_host(venv: Path) -> None:
    """A host that accepts and never answers: pip's retry warning names host and port."""
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(16)
        port = int(silent.getsockname()[1])
        index = f"http://127.0.0.1:{port}/simple/"
        argv = (*_argv(venv, index, "torch"), "--retries", "1", "--timeout", "1")
        output, hosts = _run(argv)
    error = explain(output, hosts, tool="pip")
    assert isinstance(error, NetworkError)
    assert error.message == (
        f"pip could not reach 127.0.0.1:{port} (the package index), which did not answer in time"
    )


def test_uv_names_the_url_it_failed_to_fetch(venv: Path) -> None:
    port = _free_port()
    output, hosts = _run(_uv_argv(venv, f"http://127.0.0.1:{port}/simple/", "torch"))
    assert "Failed to fetch" in output
    error = explain(output, hosts, tool="uv")
    assert isinstance(error, NetworkError)
    assert error.message == (
        f"uv could not reach 127.0.0.1:{port} (the package index), which refused the connection"
    )


def test_an_index_without_the_package_is_not_a_network_error(
    venv: Path, conflicts: GatedIndex
) -> None:
    output, hosts = _run(_argv(venv, conflicts.url, "aimet-tensorflow"))
    assert "(from versions: none)" in output
    assert explain(output, hosts, tool="pip") is None
