"""The rendered exports, evaluated by real bash, zsh and fish: values, quoting, idempotence."""

from __future__ import annotations

import json
import shutil
import subprocess  # noqa: TID251  # tests build and drive real environments directly
import sys
from pathlib import Path, PurePath

import pytest

from aimetenv.errors import UsageError
from aimetenv.shellenv.exports import Export
from aimetenv.shellenv.shells import (
    Shell,
    block_text,
    export_lines,
    printed_text,
    shell_for_file,
    shell_from_environ,
)
from support.exports import exports_of

SHELLS: tuple[Shell, ...] = ("bash", "zsh", "fish")
NASTY = (
    "a b",
    "it's",
    "$HOME",
    "${HOME}",
    "back\\slash",
    "trailing\\",
    "new\nline",
    "*?[a]",
    '"double"',
    "tab\there",
    "'",
    "''",
    "",
    "ünïcödé",
    "`uname`",
    "$(echo hi)",
    "a;b|c&d",
    "-n",
    "--",
)
WEIRD_DIR = "/tmp/sp ace/it's/$HOME/*"


def shell_argv(shell: Shell, script: str) -> list[str]:
    if shutil.which(shell) is None:
        pytest.skip(f"{shell} is not installed (scripts/bootstrap installs it)")
    flags = {"bash": ["--norc", "--noprofile"], "zsh": ["-f"], "fish": ["--no-config"]}[shell]
    return [shell, *flags, "-c", script]


DUMP = f"'{sys.executable}' -c 'import json, os; print(json.dumps(dict(os.environ)))'"


def source_and_dump(
    shell: Shell, files: list[Path], environ: dict[str, str], times: int = 1
) -> dict[str, str]:
    """Source each file ``times`` times in a fresh ``shell``, then return its exported env."""
    keyword = "source" if shell == "fish" else "."
    lines = [f"{keyword} '{f}'" for f in files for _ in range(times)]
    result = subprocess.run(
        shell_argv(shell, "\n".join([*lines, DUMP])),
        env=environ,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    return json.loads(result.stdout)  # type: ignore[no-any-return]


def base_env() -> dict[str, str]:
    return {"PATH": "/usr/bin:/bin", "HOME": "/tmp/home-for-test"}


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize("shell", SHELLS)
def test_set_values_survive_quoting(shell: Shell, tmp_path: Path) -> None:
    exports = tuple(
        Export(f"AIMETENV_T{i}", "set", (value,), "test") for i, value in enumerate(NASTY)
    )
    script = write(tmp_path, "x", "\n".join(export_lines(exports, shell)) + "\n")
    environ = source_and_dump(shell, [script], base_env())
    assert [environ[f"AIMETENV_T{i}"] for i in range(len(NASTY))] == list(NASTY)


PREPEND_CASES = [
    # (value before or None for unset, value after)
    (None, "/d1:" + WEIRD_DIR),
    ("", "/d1:" + WEIRD_DIR),
    ("/other", f"/d1:{WEIRD_DIR}:/other"),
    (f"/other:{WEIRD_DIR}", f"/d1:/other:{WEIRD_DIR}"),
    (f"/d1:{WEIRD_DIR}", f"/d1:{WEIRD_DIR}"),
    ("/d1x:/x/d1:/tmp/sp ace/it's/$HOME/a", f"/d1:{WEIRD_DIR}:/d1x:/x/d1:/tmp/sp ace/it's/$HOME/a"),
]


@pytest.mark.parametrize("shell", SHELLS)
@pytest.mark.parametrize(("before", "after"), PREPEND_CASES)
def test_prepend_once_whole_elements_no_stray_colon(
    shell: Shell, before: str | None, after: str, tmp_path: Path
) -> None:
    exports = (Export("LD_LIBRARY_PATH", "prepend", ("/d1", WEIRD_DIR), "aimet"),)
    script = write(tmp_path, "x", printed_text(exports_of(*exports), shell))
    environ = base_env()
    if before is not None:
        environ["LD_LIBRARY_PATH"] = before
    once = source_and_dump(shell, [script], environ)
    twice = source_and_dump(shell, [script], environ, times=2)
    assert once["LD_LIBRARY_PATH"] == after
    assert twice == once


@pytest.mark.parametrize("shell", SHELLS)
def test_path_prepend_keeps_the_shell_working(shell: Shell, tmp_path: Path) -> None:
    exports = (
        Export("PATH", "prepend", ("/usr/local/cuda/bin",), "envsetup.sh"),
        Export("CUDA_HOME", "set", ("/usr/local/cuda",), "envsetup.sh"),
        Export("PYTHONPATH", "prepend", ("/site/aimet_common/x86_64-linux-gnu",), "aimet"),
    )
    script = write(tmp_path, "x", printed_text(exports_of(*exports), shell))
    environ = source_and_dump(shell, [script], base_env(), times=2)
    assert environ["PATH"] == "/usr/local/cuda/bin:/usr/bin:/bin"
    assert environ["CUDA_HOME"] == "/usr/local/cuda"
    assert environ["PYTHONPATH"] == "/site/aimet_common/x86_64-linux-gnu"


@pytest.mark.parametrize("shell", SHELLS)
def test_block_with_weird_key_and_notes_is_valid_and_quiet(shell: Shell, tmp_path: Path) -> None:
    key = '/envs/it\'s a "$dir"\nwith a newline'
    env = exports_of(key=key, notes=("a note\nwith a second line; echo pwned",))
    text = printed_text(env, shell)
    assert text.startswith("\n# >>> aimetenv env: ")
    assert text.count("\n") == len(text.splitlines())  # every line ends with a newline
    assert "\\n" in text.splitlines()[1]
    script = write(tmp_path, "x", text)
    environ = source_and_dump(shell, [script], base_env())
    assert "LD_LIBRARY_PATH" not in environ
    assert "Nothing to set" in text


def test_bash_and_zsh_text_are_the_same() -> None:
    env = exports_of(Export("LD_LIBRARY_PATH", "prepend", ("/d",), "aimet"))
    assert block_text(env, "bash") == block_text(env, "zsh")


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("/bin/bash", "bash"),
        ("/usr/bin/zsh", "zsh"),
        ("/usr/local/bin/fish", "fish"),
        ("/bin/dash", "bash"),
        ("/bin/sh", "bash"),
        (None, "bash"),
    ],
)
def test_shell_from_environ(value: str | None, expected: str) -> None:
    environ = {} if value is None else {"SHELL": value}
    assert shell_from_environ(environ) == expected


def test_unknown_shell_is_refused() -> None:
    with pytest.raises(UsageError, match="tcsh") as caught:
        shell_from_environ({"SHELL": "/bin/tcsh"})
    assert caught.value.hint is not None
    assert "--shell" in caught.value.hint


@pytest.mark.parametrize(
    ("name", "explicit", "shell_env", "expected"),
    [
        ("config.fish", None, "/bin/bash", "fish"),
        (".zshrc", None, "/bin/bash", "zsh"),
        (".bashrc", None, "/usr/bin/fish", "bash"),
        ("my-rc", None, "/usr/bin/fish", "fish"),
        ("my-rc", "zsh", "/usr/bin/fish", "zsh"),
        (".zshrc", "bash", "/bin/bash", "bash"),
    ],
)
def test_shell_for_file(name: str, explicit: str | None, shell_env: str, expected: str) -> None:
    assert shell_for_file(PurePath("/h", name), explicit, {"SHELL": shell_env}) == expected


@pytest.mark.parametrize(
    ("name", "explicit"), [("config.fish", "bash"), (".bashrc", "fish"), (".bashrc", "json")]
)
def test_shell_for_file_refuses_contradictions(name: str, explicit: str) -> None:
    with pytest.raises(UsageError):
        shell_for_file(PurePath("/h", name), explicit, {"SHELL": "/bin/bash"})
