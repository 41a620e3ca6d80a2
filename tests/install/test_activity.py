"""What a running pip is doing, read from its real output against a loopback index."""

from __future__ import annotations

import io
import random
import sys
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from aimetenv.install.actions import COMPILE_CODE
from aimetenv.install.activity import (
    Activity,
    WatchedRunner,
    elapsed_text,
    pip_beside,
    progress_env,
    read_activity,
    tool_name,
    without_progress,
)
from aimetenv.runner import Command, SubprocessRunner
from support.envs import need_python
from support.releasehost import ReleaseHost
from support.seeded import make_venv_with_pip
from support.wheelbuild import build_wheel

if TYPE_CHECKING:
    from pathlib import Path

    from aimetenv.runner import Completed


@dataclass
class Watched:
    """A Watcher that keeps what it was told (what the CLI would draw is the assertion)."""

    tools: list[str] = field(default_factory=list)
    activities: list[Activity] = field(default_factory=list)
    ticks: int = 0
    finished: list[Completed] = field(default_factory=list)

    def log_opened(self, path: Path) -> None:
        del path

    def child_started(self, tool: str) -> None:
        self.tools.append(tool)

    def child_activity(self, activity: Activity) -> None:
        self.activities.append(activity)

    def child_tick(self) -> None:
        self.ticks += 1

    def child_finished(self, completed: Completed) -> None:
        self.finished.append(completed)

    def retrying(self, number: int, retries: int, code: str) -> None:
        del number, retries, code


def test_a_real_pip_install_reads_as_collecting_downloading_installing(tmp_path: Path) -> None:
    # pip names a download (with its size) only above 40 kB: leaf is 200 kB that do not compress.
    wheels = tmp_path / "wheels"
    noise = random.Random(0).randbytes(200_000)  # noqa: S311  # test data, not a secret
    build_wheel(wheels, distribution="leaf", version="1.0", tag="py3-none-any",
                files={"leaf/data.bin": noise}, root_is_purelib=True)  # fmt: skip
    build_wheel(wheels, distribution="trunk", version="2.0", tag="py3-none-any",
                files={"trunk/__init__.py": b""}, requires=("leaf",), root_is_purelib=True)  # fmt: skip
    watched = Watched()
    log = io.StringIO()
    with ReleaseHost(tmp_path / "host") as host:
        index, _links = host.serve_index(wheels)
        command = Command(
            (sys.executable, "-m", "pip", "install", "--no-cache-dir", "--index-url", index,
             "--target", str(tmp_path / "target"), "trunk"),
            env={"PIP_CONFIG_FILE": "/dev/null", "PIP_FIND_LINKS": None, "PIP_CONSTRAINT": None},
        )  # fmt: skip
        done = WatchedRunner(SubprocessRunner(), watched).stream(command, log)
    assert done.ok, done.tail()
    texts = [a.text for a in watched.activities]
    assert texts[0] == "Collecting trunk"
    assert "Collecting leaf" in texts
    assert any(t.startswith("Downloading leaf-1.0-py3-none-any.whl (") for t in texts), texts
    assert texts[-1] == "Installing collected packages: leaf, trunk"
    assert watched.tools == ["pip"]
    assert watched.ticks >= 1
    assert [c.returncode for c in watched.finished] == [0]
    # Every activity came from a line of the log, which keeps pip's whole output.
    assert "Successfully installed" in log.getvalue()


def test_a_pip_that_prints_raw_progress_shows_the_percent_of_its_download(tmp_path: Path) -> None:
    """pip 24.1 added ``--progress-bar raw``; a venv of the pyenv Python 3.13 gets pip 24.2."""
    prefix = tmp_path / "venv"
    make_venv_with_pip(need_python("3.13"), prefix)
    wheels = tmp_path / "wheels"
    noise = random.Random(1).randbytes(600_000)  # noqa: S311  # test data, not a secret
    build_wheel(wheels, distribution="leaf", version="1.0", tag="py3-none-any",
                files={"leaf/data.bin": noise}, root_is_purelib=True)  # fmt: skip
    watched = Watched()
    with ReleaseHost(tmp_path / "host") as host:
        index, _links = host.serve_index(wheels)
        argv = (str(prefix / "bin" / "python"), "-m", "pip", "install", "--no-cache-dir",
                "--index-url", index, "leaf")  # fmt: skip
        assert progress_env(argv) == {"PIP_PROGRESS_BAR": "raw"}
        env = {"PIP_CONFIG_FILE": "/dev/null", "PIP_FIND_LINKS": None, "PIP_CONSTRAINT": None}
        command = Command(argv, env={**env, **progress_env(argv)})
        done = WatchedRunner(SubprocessRunner(), watched).stream(command, io.StringIO())
    assert done.ok, done.tail()
    downloading = [a for a in watched.activities if a.text.startswith("Downloading leaf-1.0")]
    assert downloading[0].percent is None  # the line that names the file and its size
    assert downloading[-1].percent == 100.0
    assert downloading[-1].text == downloading[0].text  # the percent updates the same row
    assert downloading[0].text.endswith(" kB)")
    assert "Progress " in done.tail(400)
    assert "Progress " not in without_progress(done.tail(400))
    assert "Successfully installed leaf-1.0" in without_progress(done.tail(400))


def _with_pip(tmp_path: Path, *versions: str) -> str:
    site = tmp_path / "env" / "lib" / "python3.10" / "site-packages"
    for version in versions:
        (site / f"pip-{version}.dist-info").mkdir(parents=True)
    return str(tmp_path / "env" / "bin" / "python")


def test_raw_progress_only_for_a_pip_install_whose_pip_knows_it(tmp_path: Path) -> None:
    """Decided from the pip dist-info beside the interpreter: older pips refuse the value."""
    new = _with_pip(tmp_path / "new", "24.1")
    old = _with_pip(tmp_path / "old", "23.2.1")
    two = _with_pip(tmp_path / "two", "24.2", "23.0")
    assert pip_beside(new) == (24, 1)
    assert pip_beside(old) == (23, 2)
    assert pip_beside(two) is None  # which one runs is not known
    assert pip_beside(str(tmp_path / "none" / "bin" / "python")) is None
    assert progress_env((new, "-m", "pip", "install", "x")) == {"PIP_PROGRESS_BAR": "raw"}
    assert progress_env((old, "-m", "pip", "install", "x")) == {}
    assert progress_env((new, "-m", "pip", "uninstall", "--yes", "x")) == {}
    assert progress_env(("uv", "pip", "install", "--python", new, "x")) == {}


def test_a_url_is_cut_to_its_file_name() -> None:
    line = "  Downloading http://user:pw@127.0.0.1:8000/files/torch-2.1.0-cp310-none-any.whl (190.0 MB)"
    assert read_activity(line) == Activity("Downloading torch-2.1.0-cp310-none-any.whl (190.0 MB)")


def test_a_raw_progress_line_sets_the_percent_of_the_download_under_way() -> None:
    current = Activity("Downloading torch-2.1.0.whl (190.0 MB)")
    assert read_activity("Progress 47500000 of 190000000", current) == Activity(
        current.text, percent=25.0
    )
    assert read_activity("Progress 1 of 2", None) is None


def test_uv_and_compileall_lines_are_activities_too() -> None:
    assert read_activity(" Resolved 12 packages in 1.02s") == Activity("Resolved 12 packages")
    assert read_activity("Downloading torch (180.4MiB)") == Activity("Downloading torch (180.4MiB)")
    assert read_activity("Compiling '/env/lib/site/aimet/x.py'...") == Activity("Compiling x.py")
    assert read_activity("  Stored in directory: /root/.cache") is None


def test_tools_are_named_as_a_user_knows_them() -> None:
    assert tool_name(("/env/bin/python", "-m", "pip", "install", "x")) == "pip"
    assert tool_name(("/usr/bin/uv", "pip", "install")) == "uv"
    assert tool_name(("/env/bin/python", "-m", "compileall", "-q", "/env")) == "compile"
    assert tool_name(("/usr/bin/python3.10", "-m", "venv", "/env")) == "venv"
    assert tool_name(("/usr/bin/python3.10", "-c", "print(1)")) == "python3.10"
    assert tool_name(("conda", "create", "--yes")) == "conda"


def test_the_compile_step_reads_compile_not_python() -> None:
    assert tool_name(("/env/bin/python", "-c", COMPILE_CODE)) == "compile"


def test_elapsed_time_reads_as_people_say_it() -> None:
    assert elapsed_text(12.7) == "12 s"
    assert elapsed_text(150) == "2 min 30 s"
    assert elapsed_text(3900) == "1 h 5 min"
