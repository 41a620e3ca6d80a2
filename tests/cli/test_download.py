"""``aimetenv download``: a wheelhouse from a loopback mirror, its JSON, its errors and its bar."""

from __future__ import annotations

import hashlib
import json
import os
import pty
import select
import shlex
import shutil
import socket
import subprocess  # noqa: TID251  # the real program on a real terminal
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from typer.testing import CliRunner

from aimetenv.cli.app import app
from support.envs import need_python
from support.releasehost import ReleaseHost
from support.serving import dropping_port
from support.standins import GatedIndex, hermetic_env, run_aimetenv, tail, venv_python
from support.wheelbuild import build_wheel

if TYPE_CHECKING:
    from collections.abc import Iterator

    from support.standins import ModernRelease

RUNNER = CliRunner()
TAG = "1.34.0"
NAME = "aimet_torch-1.34.0.cpu-cp310-cp310-manylinux_2_34_x86_64.whl"
DATA = b"a stand-in for the 1.34.0 torch-cpu wheel\n" * 20_000


@pytest.fixture
def host(tmp_path: Path) -> Iterator[ReleaseHost]:
    with ReleaseHost(tmp_path / "host") as server:
        yield server


def download(*args: str) -> list[str]:
    return ["download", "--variant", "torch-cpu", "--tag", TAG, *args]


def test_json_document_lists_the_files_with_sha256(tmp_path: Path, host: ReleaseHost) -> None:
    host.publish(TAG, NAME, DATA)
    result = RUNNER.invoke(
        app, download("-d", str(tmp_path / "wh"), "--mirror", host.base, "--json")
    )
    assert result.exit_code == 0, result.stderr
    document = json.loads(result.stdout)
    assert document["schema"] == "aimetenv.download/1"
    assert (document["status"], document["exit_code"]) == ("success", 0)
    assert document["files"] == [
        {
            "filename": NAME,
            "sha256": hashlib.sha256(DATA).hexdigest(),
            "size": len(DATA),
            "url": host.file_url(TAG, NAME),
        }
    ]
    assert document["downloads"][0]["bytes_transferred"] == len(DATA)
    assert document["log"] is None
    manifest = json.loads((tmp_path / "wh" / "manifest.json").read_text())
    assert manifest["files"] == document["files"]


def test_human_output_names_the_wheelhouse_and_the_next_step(
    tmp_path: Path, host: ReleaseHost
) -> None:
    host.publish(TAG, NAME, DATA)
    result = RUNNER.invoke(app, download("-d", str(tmp_path / "wh"), "--mirror", host.base))
    assert result.exit_code == 0, result.stderr
    assert f"wheelhouse {tmp_path / 'wh'}" in result.stdout
    assert NAME in result.stdout
    assert "--wheel-dir DIR" in result.stdout
    assert "\r" not in result.stderr, "no progress bar when stderr is not a terminal"


def test_404_is_exit_3_one_line_and_the_error_document(tmp_path: Path, host: ReleaseHost) -> None:
    result = RUNNER.invoke(
        app, download("-d", str(tmp_path / "wh"), "--mirror", host.base, "--json")
    )
    assert result.exit_code == 3
    assert not (tmp_path / "wh").exists(), "the folder the failed download made is gone"
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1
    assert host.file_url(TAG, NAME) in lines[0]
    assert f"aimetenv releases {TAG}" in lines[0]
    assert "Traceback" not in result.output
    document = json.loads(result.stdout)
    assert document["schema"] == "aimetenv.error/1"
    assert document["error"]["code"] == "not-found"


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["--python-version", "three"], "--python-version needs a Python version"),
        (["--python", "3.10"], "For a Python version use --python-version 3.10."),
        (["--glibc", "2"], "--glibc needs a version"),
    ],
)
def test_bad_input_is_exit_2(tmp_path: Path, args: list[str], needle: str) -> None:
    result = RUNNER.invoke(app, download("-d", str(tmp_path / "wh"), *args))
    assert result.exit_code == 2
    assert needle in result.stderr
    assert not (tmp_path / "wh").exists()


def test_destination_that_is_a_file_is_exit_2(tmp_path: Path, host: ReleaseHost) -> None:
    host.publish(TAG, NAME, DATA)
    (tmp_path / "file").write_text("x")
    result = RUNNER.invoke(app, download("-d", str(tmp_path / "file"), "--mirror", host.base))
    assert result.exit_code == 2
    assert "is not a directory" in result.stderr


def run_on_terminal(args: list[str], cache: Path) -> tuple[int, str, str]:
    """Run aimetenv with stderr on a real pseudo-terminal; return (code, stdout, terminal)."""
    leader, follower = pty.openpty()
    process = subprocess.Popen(
        [sys.executable, "-m", "aimetenv", *args],
        stdout=subprocess.PIPE,
        stderr=follower,
        env={**os.environ, "COLUMNS": "120", "TERM": "xterm", "XDG_CACHE_HOME": str(cache)},
    )
    os.close(follower)
    screen = b""
    while True:
        ready, _, _ = select.select([leader], [], [], 30)
        if not ready:
            break
        try:
            chunk = os.read(leader, 65536)
        except OSError:
            break
        if not chunk:
            break
        screen += chunk
    out, _ = process.communicate(timeout=60)
    os.close(leader)
    return process.returncode, out.decode(), screen.decode(errors="replace")


def test_progress_bar_draws_on_a_terminal_and_not_with_quiet(
    tmp_path: Path, host: ReleaseHost
) -> None:
    host.publish(TAG, NAME, DATA)
    code, out, screen = run_on_terminal(
        download("-d", str(tmp_path / "a"), "--mirror", host.base), tmp_path / "cache-a"
    )
    assert code == 0, screen
    assert NAME in out
    assert NAME in screen, "the bar names the file on the terminal"
    assert "MB" in screen or "kB" in screen

    code, _out, screen = run_on_terminal(
        download("-d", str(tmp_path / "b"), "--mirror", host.base, "--quiet"), tmp_path / "cache-b"
    )
    assert code == 0
    assert NAME not in screen
    assert len([h for h in host.hits() if h.method == "GET"]) == 2, "both runs downloaded"


def _next_line(stdout: str) -> list[str]:
    (line,) = [x for x in stdout.splitlines() if x.startswith("next: ")]
    return shlex.split(line.split(" then ", 1)[1].strip("'"))


def test_the_next_line_for_another_python_pastes_and_installs(
    tmp_path: Path, host: ReleaseHost
) -> None:
    """A release-host wheelhouse for Python 3.11 (the release's new envs get 3.10)."""
    need_python("3.11")
    wheel = build_wheel(tmp_path / "wheels", distribution="aimet_torch", version="2.30.0+cpu",
                        tag="py310-none-any", files={"aimet_torch/__init__.py": b""},
                        root_is_purelib=True)  # fmt: skip
    host.publish_file("2.30.0", wheel)
    host.serve_index(wheel.parent)  # the find-links page for --with-deps (nothing to add)
    made = ["download", "--variant", "torch-cpu", "--tag", "2.30.0", "--source", "github",
            "--mirror", host.base, "--torch-find-links", host.url("links/"), "--with-deps"]  # fmt: skip

    default = run_aimetenv(*made, "-d", str(tmp_path / "wh310"))
    assert default.returncode == 0, default.stderr
    assert "--python-version" not in _next_line(default.stdout)

    house = tmp_path / "wh311"
    done = run_aimetenv(*made, "--python-version", "3.11", "-d", str(house))
    assert done.returncode == 0, done.stderr
    hinted = _next_line(done.stdout)
    assert hinted[:2] == ["aimetenv", "install"]
    assert hinted[hinted.index("--python-version") + 1] == "3.11"
    assert hinted[hinted.index("--source") + 1] == "github"  # auto would take PyPI's file

    prefix = tmp_path / "env"
    pasted = [str(house) if a == "DIR" else a for a in hinted[1:]]
    installed = run_aimetenv(*pasted, "--venv", str(prefix), "--json")
    assert installed.returncode == 0, tail(installed.stderr)
    assert json.loads(installed.stdout)["outcome"] == "installed"
    assert venv_python(prefix).resolve().name == "python3.11"


def test_the_next_line_for_an_index_of_ones_own_pastes_and_installs(
    tmp_path: Path, index: GatedIndex
) -> None:
    """aimet-torch by requirement from --index-url: the plan names no file for install to find."""
    house = tmp_path / "wh"
    done = run_aimetenv("download", "--variant", "torch-cpu", "--tag", "2.42.0", "--index-url",
                        index.url, "--torch-index", index.url, "-d", str(house))  # fmt: skip
    assert done.returncode == 0, done.stderr
    hinted = _next_line(done.stdout)
    assert hinted[hinted.index("--index-url") + 1] == index.url
    asked = len(index.requests)

    prefix = tmp_path / "env"
    pasted = [str(house) if a == "DIR" else a for a in hinted[1:]]
    installed = run_aimetenv(*pasted, "--venv", str(prefix), "--json")
    assert installed.returncode == 0, tail(installed.stderr)
    assert json.loads(installed.stdout)["outcome"] == "installed"
    assert len(index.requests) == asked  # --offline: the wheelhouse, not the index


def test_pip_download_waits_aimetenv_timeout_for_a_silent_index(
    tmp_path: Path, index: GatedIndex
) -> None:
    house = tmp_path / "wh"
    with socket.socket() as silent:  # takes connections, never answers
        silent.bind(("127.0.0.1", 0))
        silent.listen(16)
        torch_index = f"http://127.0.0.1:{silent.getsockname()[1]}/simple/"
        done = run_aimetenv("download", "--variant", "torch-cpu", "--tag", "2.42.0",
                            "--index-url", index.url, "--torch-index", torch_index,
                            "-d", str(house), env=hermetic_env(AIMETENV_TIMEOUT="1"))  # fmt: skip
    assert done.returncode == 3, done.stderr
    line, log = _pip_failure(done.stderr)
    assert line.startswith(
        "aimetenv: error: downloading torch and torchvision failed: pip could not reach "
        f"{torch_index.split('/')[2]} (the PyTorch index), which did not answer in time"
    ), line
    assert "Read timed out. (read timeout=1.0)" in Path(log).read_text()  # pip's own words
    assert not house.exists()


# -- pip's failures, in the words install uses for its pip steps ------------------------------


def _free_port() -> int:
    """A loopback port where nothing listens (bound, then closed): connections are refused."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _pip_failure(stderr: str) -> tuple[str, str]:
    """The one error line and the log path printed under it (install's form)."""
    assert "Traceback" not in stderr
    lines = [line for line in stderr.splitlines() if line.strip()]
    flagged = [line for line in lines if line.startswith("aimetenv: error:")]
    assert len(flagged) == 1, tail(stderr)
    assert lines[-1].startswith("  log: "), tail(stderr)
    log = lines[-1].removeprefix("  log: ")
    assert Path(log).is_file()
    return flagged[0], log


def test_a_refusing_package_index_is_exit_3_naming_host_and_option(
    tmp_path: Path, index: GatedIndex
) -> None:
    """torch and torchvision come from a working index; aimet-torch's index refuses."""
    port = _free_port()
    house = tmp_path / "new" / "wh"
    done = run_aimetenv("download", "--variant", "torch-cpu", "--tag", "2.42.0",
                        "--index-url", f"http://127.0.0.1:{port}/simple/",
                        "--torch-index", index.url, "-d", str(house),
                        env=hermetic_env(PIP_CONSTRAINT=None))  # fmt: skip
    assert done.returncode == 3, tail(done.stderr)
    line, log = _pip_failure(done.stderr)
    assert line.startswith(
        "aimetenv: error: downloading aimet-torch==2.42.0 failed: pip could not reach "
        f"127.0.0.1:{port} (the package index), which refused the connection; {house}, which "
        "this download created, was removed."
    ), line
    assert "Pass --index-url URL for another index." in line
    assert "wheelhouse" not in line.split(" was removed.", 1)[1], "no wheelhouse offered"
    assert line.endswith(f"The full output is in {log}.")
    assert not (tmp_path / "new").exists(), "the folders download made are gone"
    assert "installer-network" in Path(log).read_text()


def test_an_index_that_drops_connections_names_the_torch_index(
    tmp_path: Path, index: GatedIndex
) -> None:
    house = tmp_path / "wh"
    with dropping_port() as port:
        done = run_aimetenv("download", "--variant", "torch-cpu", "--tag", "2.42.0",
                            "--index-url", index.url,
                            "--torch-index", f"http://127.0.0.1:{port}/simple/",
                            "-d", str(house), "--json",
                            env=hermetic_env(PIP_CONSTRAINT=None))  # fmt: skip
    assert done.returncode == 3, tail(done.stderr)
    line, _log = _pip_failure(done.stderr)
    assert line.startswith(
        "aimetenv: error: downloading torch and torchvision failed: pip could not reach "
        f"127.0.0.1:{port} (the PyTorch index), which dropped the connection"
    ), line
    assert "Pass --torch-index URL for another index." in line
    assert json.loads(done.stdout)["error"]["code"] == "installer-network"
    assert not house.exists()
    assert index.requests == [], "the step that failed came first; nothing else was asked"


def test_a_torchvision_for_another_torch_is_one_line_with_the_fix(
    tmp_path: Path, modern: ModernRelease
) -> None:
    folder = tmp_path / "index"
    folder.mkdir()
    shutil.copy(modern.torch, folder / modern.torch.name)
    build_wheel(folder, distribution="torchvision", version="0.24.0", tag="py3-none-any",
                files={"torchvision/__init__.py": b""}, requires=("torch==2.9.0",),
                root_is_purelib=True)  # fmt: skip
    house = tmp_path / "kept"
    house.mkdir()
    (house / "notes.txt").write_text("mine\n")
    with GatedIndex(folder) as mismatched:
        done = run_aimetenv("download", "--variant", "torch-cpu", "--tag", "2.42.0",
                            "--index-url", mismatched.url, "--torch-index", mismatched.url,
                            "-d", str(house), env=hermetic_env(PIP_CONSTRAINT=None))  # fmt: skip
    assert done.returncode == 4, tail(done.stderr)
    line, _log = _pip_failure(done.stderr)
    assert line.startswith(
        "aimetenv: error: downloading torch and torchvision failed: pip cannot install torch and "
        "torchvision==0.24.0 together: The user requested torch; torchvision 0.24.0 depends on "
        f"torch==2.9.0; {house} was left as it was. Each torchvision build is made for one torch"
    ), line
    assert sorted(p.name for p in house.iterdir()) == ["notes.txt"], "no staging folder left"
