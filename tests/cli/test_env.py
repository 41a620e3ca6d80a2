"""``aimetenv env`` as users run it: evaluated in real bash, zsh and fish, written into real files.

The legacy 1.16.2.py37 env (installed by ``aimetenv install``, so it carries a receipt) has a
compiled libpymo that imports only with the exports set. Copies of it at a path with a space, a
quote and a ``$`` have no receipt, so they exercise the probe path.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess  # noqa: TID251  # the real command line, in real shells
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from aimetenv.cli.app import app
from aimetenv.exit_codes import ExitCode
from aimetenv.install.receipt import record_last_install
from support.envs import need_python, site_packages

SHELLS = ("bash", "zsh", "fish")
AIMETENV = f"'{sys.executable}' -m aimetenv"


def run_env(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "aimetenv", "env", *args],
        capture_output=True,
        text=True,
        check=False,
        env=env,
        stdin=subprocess.DEVNULL,
    )


def one_error_line(result: subprocess.CompletedProcess[str] | Result) -> str:
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("aimetenv: error: ")
    return lines[0]


def shell_quote(shell: str, text: str) -> str:
    if shell == "fish":
        return "'" + text.replace("\\", "\\\\").replace("'", "\\'") + "'"
    return "'" + text.replace("'", "'\\''") + "'"


def in_shell(shell: str, script: str) -> subprocess.CompletedProcess[str]:
    if shutil.which(shell) is None:
        pytest.skip(f"{shell} is not installed (scripts/bootstrap installs it)")
    flags = {"bash": ["--norc", "--noprofile"], "zsh": ["-f"], "fish": ["--no-config"]}[shell]
    return subprocess.run(
        [shell, *flags, "-c", script], capture_output=True, text=True, check=False
    )


@pytest.fixture(scope="module")
def weird_env(legacy_env: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the legacy env at a path with a space, a quote and a ``$``, without receipt."""
    prefix = tmp_path_factory.mktemp("weird") / "my env's $HOME"
    shutil.copytree(legacy_env, prefix, symlinks=True)
    (prefix / "etc" / "aimetenv" / "receipt.json").unlink()
    return prefix


@pytest.fixture
def copied_env(legacy_env: Path, tmp_path: Path) -> Path:
    """A copy of the legacy env this test may change (no receipt)."""
    prefix = tmp_path / "copy"
    shutil.copytree(legacy_env, prefix, symlinks=True)
    (prefix / "etc" / "aimetenv" / "receipt.json").unlink()
    return prefix


# --- the exports, evaluated ------------------------------------------------------------------


DUMP_PATHS = (
    f"'{sys.executable}' -c "
    "\"import os; [print(os.environ.get(k)) for k in ('LD_LIBRARY_PATH', 'PYTHONPATH')]\""
)


def libpymo_script(shell: str, prefix: Path) -> str:
    python = shell_quote(shell, str(prefix / "bin" / "python"))
    where = shell_quote(shell, str(prefix))
    command = f"{AIMETENV} env -q --venv {where} --shell {shell}"
    load = f"{command} | source" if shell == "fish" else f'eval "$({command})"'
    dump = DUMP_PATHS
    return "\n".join(
        [
            f"{python} -c 'import libpymo' 2>/dev/null && echo BEFORE-OK || echo BEFORE-FAILED",
            load,
            dump,
            load,
            dump,
            f"{python} -c 'import libpymo; print(libpymo.answer(5))'",
        ]
    )


@pytest.mark.parametrize("shell", SHELLS)
def test_libpymo_imports_only_after_eval(shell: str, weird_env: Path) -> None:
    result = in_shell(shell, libpymo_script(shell, weird_env))
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == "BEFORE-FAILED"
    site = site_packages(weird_env)
    assert lines[1] == f"{site}/aimet_common/x86_64-linux-gnu:{site}/aimet_common"
    assert lines[2] == f"{site}/aimet_common/x86_64-linux-gnu"
    assert lines[3:5] == lines[1:3]  # sourcing twice changes nothing
    assert lines[5] == "9"
    assert result.stderr == ""


def test_receipt_env_in_bash(legacy_env: Path) -> None:
    result = in_shell("bash", libpymo_script("bash", legacy_env))
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[0] == "BEFORE-FAILED"
    assert result.stdout.splitlines()[-1] == "9"


def test_stdout_holds_only_the_block_and_stderr_says_why(legacy_env: Path) -> None:
    result = run_env("--venv", str(legacy_env), "--shell", "bash")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith(f"\n# >>> aimetenv env: {legacy_env} >>>\n")
    assert result.stdout.endswith(f"# <<< aimetenv env: {legacy_env} <<<\n")
    assert "libpymo and AimetTensorQuantizer" in result.stdout
    (why,) = result.stderr.splitlines()
    assert "AIMET 1.16.2.py37 (torch-cpu)" in why
    assert "--venv given" in why
    assert "install receipt" in why


def test_target_from_virtual_env_and_from_the_last_install(legacy_env: Path) -> None:
    environ = dict(os.environ, VIRTUAL_ENV=str(legacy_env), SHELL="/bin/bash")
    result = run_env(env=environ)
    assert result.returncode == 0, result.stderr
    assert "the active venv ($VIRTUAL_ENV)" in result.stderr
    state = Path(os.environ["XDG_STATE_HOME"]) / "aimetenv"
    record_last_install(
        state, prefix=str(legacy_env), python=str(legacy_env / "bin" / "python"), kind="venv"
    )
    result = run_env(env=dict(os.environ, SHELL="/usr/bin/fish"))
    assert result.returncode == 0, result.stderr
    assert "the env aimetenv installed last" in result.stderr
    assert "set -gx LD_LIBRARY_PATH" in result.stdout  # fish, from $SHELL


@pytest.mark.parametrize("flag", ["--json", "--shell=json"])
def test_json_document(flag: str, legacy_env: Path) -> None:
    result = run_env("--venv", str(legacy_env), flag)
    assert result.returncode == 0, result.stderr
    document = json.loads(result.stdout)
    assert document["schema"] == "aimetenv.env/1"
    assert (document["status"], document["exit_code"]) == ("success", 0)
    assert document["env"]["key"] == str(legacy_env)
    assert document["release"]["tag"] == "1.16.2.py37"
    assert document["release"]["source"] == "receipt"
    names = [v["name"] for v in document["variables"]]
    assert names == ["LD_LIBRARY_PATH", "PYTHONPATH"]


def test_with_a_receipt_no_heavy_module_is_imported(legacy_env: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "aimetenv", "env", "-q", "--venv",
         str(legacy_env), "--shell", "bash"],
        capture_output=True,
        text=True,
        check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    imported = {
        line.split("|")[-1].strip()
        for line in result.stderr.splitlines()
        if line.startswith("import time:")
    }
    assert "aimetenv.shellenv.exports" in imported  # the measurement works
    # catalog.names (AIMET's names, import-light) is fine; the catalog itself is not.
    heavy_modules = ("yaml", "requests", "rich", "packaging", "aimetenv.runner")
    for heavy in (*heavy_modules, "aimetenv.catalog.load", "aimetenv.catalog.model"):
        assert heavy not in imported, heavy
    assert "# >>> aimetenv env:" in result.stdout


# --- --write and --remove ----------------------------------------------------------------------


def test_appended_twice_then_write_then_remove(legacy_env: Path, tmp_path: Path) -> None:
    rc = tmp_path / "home" / ".bashrc"
    rc.parent.mkdir()
    original = b"alias ll='ls -l'\nexport EDITOR=vi"  # no final newline
    rc.write_bytes(original)
    rc.chmod(0o640)
    where = shell_quote("bash", str(legacy_env))
    appended = in_shell(
        "bash",
        f"{AIMETENV} env -q --shell bash --venv {where} >> '{rc}'\n"
        f"{AIMETENV} env -q --shell bash --venv {where} >> '{rc}'",
    )
    assert appended.returncode == 0, appended.stderr
    block = run_env("-q", "--venv", str(legacy_env), "--shell", "bash").stdout
    assert rc.read_text(encoding="utf-8") == original.decode() + block + block

    result = run_env("--venv", str(legacy_env), "--write", str(rc))
    assert result.returncode == 0, result.stderr
    assert rc.read_text(encoding="utf-8") == original.decode() + block
    assert "folding 1 extra copies into one" in result.stderr
    assert (rc.stat().st_mode & 0o777) == 0o640
    backup = rc.with_name(".bashrc.aimetenv.bak")
    assert backup.read_text(encoding="utf-8") == original.decode() + block + block

    again = run_env("--venv", str(legacy_env), "--write", str(rc))
    assert "already up to date" in again.stderr
    assert rc.read_text(encoding="utf-8") == original.decode() + block

    removed = run_env("--venv", str(legacy_env), "--write", str(rc), "--remove", "--json")
    assert removed.returncode == 0, removed.stderr
    assert rc.read_bytes() == original
    assert json.loads(removed.stdout)["write"]["action"] == "removed"
    nothing = run_env("--venv", str(legacy_env), "--write", str(rc), "--remove")
    assert nothing.returncode == 0
    assert "has no block" in nothing.stderr


def test_write_picks_fish_for_a_fish_file_and_follows_symlinks(
    legacy_env: Path, tmp_path: Path
) -> None:
    real = tmp_path / "dotfiles" / "config.fish"
    real.parent.mkdir()
    real.write_text("set -g fish_greeting\n", encoding="utf-8")
    link = tmp_path / "config.fish"
    link.symlink_to(real)
    result = run_env("--venv", str(legacy_env), "--write", str(link), "--json")
    assert result.returncode == 0, result.stderr
    document = json.loads(result.stdout)
    assert document["shell"] == "fish"
    assert document["write"]["file"] == str(real)
    assert link.is_symlink()
    check = in_shell("fish", f"source '{link}'; echo $PYTHONPATH")
    assert check.stdout.strip() == f"{site_packages(legacy_env)}/aimet_common/x86_64-linux-gnu"


def test_write_expands_a_tilde_the_shell_left_alone(legacy_env: Path, tmp_path: Path) -> None:
    home = tmp_path / "home"
    home.mkdir()
    result = run_env(
        "--venv", str(legacy_env), "--write=~/.bashrc", env=dict(os.environ, HOME=str(home))
    )
    assert result.returncode == 0, result.stderr
    assert (home / ".bashrc").read_text(encoding="utf-8").startswith("\n# >>> aimetenv env: ")
    assert not (Path.cwd() / "~").exists()


def test_read_only_rc_file_is_refused(legacy_env: Path, tmp_path: Path) -> None:
    rc = tmp_path / "ro" / ".zshrc"
    rc.parent.mkdir()
    rc.write_text("# mine\n", encoding="utf-8")
    rc.chmod(0o444)
    result = run_env("--venv", str(legacy_env), "--write", str(rc))
    assert result.returncode == ExitCode.FILE_ERROR
    assert "read-only" in one_error_line(result)
    assert rc.read_text(encoding="utf-8") == "# mine\n"
    assert [p.name for p in rc.parent.iterdir()] == [".zshrc"]


def test_unterminated_block_is_refused_naming_file_and_line(
    legacy_env: Path, tmp_path: Path
) -> None:
    rc = tmp_path / ".bashrc"
    content = f"a\nb\n# >>> aimetenv env: {legacy_env} >>>\nexport X=1\n"
    rc.write_text(content, encoding="utf-8")
    for extra in ((), ("--remove",)):
        result = run_env("--venv", str(legacy_env), "--write", str(rc), *extra)
        assert result.returncode == ExitCode.FILE_ERROR
        line = one_error_line(result)
        assert str(rc) in line
        assert "line 3" in line
        assert rc.read_text(encoding="utf-8") == content


def test_remove_works_when_the_env_is_gone(tmp_path: Path) -> None:
    gone = tmp_path / "gone"
    rc = tmp_path / ".bashrc"
    rc.write_text(
        f"x\n\n# >>> aimetenv env: {gone} >>>\nexport A=1\n# <<< aimetenv env: {gone} <<<\n"
    )
    result = run_env("--venv", str(gone), "--write", str(rc), "--remove")
    assert result.returncode == 0, result.stderr
    assert rc.read_text(encoding="utf-8") == "x\n"


# --- --activate-hooks --------------------------------------------------------------------------


def test_venv_activate_hooks_make_libpymo_import(copied_env: Path) -> None:
    result = run_env("--venv", str(copied_env), "--activate-hooks")
    assert result.returncode == 0, result.stderr
    assert "bin/activate" in result.stderr
    python = copied_env / "bin" / "python"
    script = "\n".join(
        [
            f". '{copied_env}/bin/activate'",
            f"'{python}' -c 'import libpymo; print(libpymo.answer(5))'",
            "deactivate",
            'echo "after:${LD_LIBRARY_PATH-unset}:${PYTHONPATH-unset}"',
        ]
    )
    ran = in_shell("bash", script)
    assert ran.returncode == 0, ran.stderr
    assert ran.stdout.splitlines() == ["9", "after:unset:unset"]
    removed = run_env("--venv", str(copied_env), "--activate-hooks", "--remove")
    assert removed.returncode == 0, removed.stderr
    assert "aimetenv" not in (copied_env / "bin" / "activate").read_text(encoding="utf-8")


def test_conda_activate_hooks(copied_env: Path) -> None:
    """The copy gets a ``conda-meta`` folder: a stand-in for a conda env (no conda here)."""
    (copied_env / "conda-meta").mkdir()
    result = run_env("-p", str(copied_env), "--activate-hooks", "--json")
    assert result.returncode == 0, result.stderr
    hooks = json.loads(result.stdout)["hooks"]
    assert hooks["kind"] == "conda"
    assert [Path(f["path"]).name for f in hooks["files"]] == ["aimetenv.sh"] * 2 + [
        "aimetenv.fish"
    ] * 2
    activate = copied_env / "etc/conda/activate.d/aimetenv.sh"
    deactivate = copied_env / "etc/conda/deactivate.d/aimetenv.sh"
    ran = in_shell(
        "bash",
        f". '{activate}'\n'{copied_env}/bin/python' -c 'import libpymo'\n. '{deactivate}'\n"
        'echo "${LD_LIBRARY_PATH-unset}"',
    )
    assert ran.returncode == 0, ran.stderr
    assert ran.stdout.strip() == "unset"
    removed = run_env("-p", str(copied_env), "--activate-hooks", "--remove")
    assert removed.returncode == 0, removed.stderr
    assert not activate.exists()
    assert not deactivate.exists()


def test_activate_hooks_refuse_a_bare_interpreter() -> None:
    python = need_python("3.11")
    result = run_env("--python", str(python), "--activate-hooks")
    assert result.returncode == ExitCode.USAGE
    assert "neither a conda env nor a venv" in one_error_line(result)


# --- bad input ---------------------------------------------------------------------------------


def test_env_without_aimet(tmp_path: Path) -> None:
    python = need_python("3.11")
    subprocess.run([str(python), "-m", "venv", "--without-pip", str(tmp_path / "v")], check=True)
    result = run_env("--venv", str(tmp_path / "v"))
    assert result.returncode == ExitCode.USAGE
    assert "no AIMET release is installed" in one_error_line(result)
    assert result.stdout == ""


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["--remove"], "--remove needs --write FILE or --activate-hooks"),
        (["--write", "/tmp/x", "--activate-hooks"], "choose one"),
        (["--shell", "tcsh"], "--shell must be bash, zsh, fish or json"),
        (["--json", "--shell", "bash"], "cannot be combined"),
        (["--venv", "/nowhere/at/all"], "does not exist"),
        (["--venv", "/x", "--python", "/y"], "choose one target"),
        (["--write", "/tmp/config.fish", "--shell", "bash"], "is read by fish"),
    ],
)
def test_bad_input_is_one_line(args: list[str], expected: str, legacy_env: Path) -> None:
    """Refusals are decisions: the app runs in-process (other tests run the real entry point)."""
    if "--venv" not in args and "--python" not in args:
        args = [*args, "--venv", str(legacy_env)]
    result = CliRunner().invoke(app, ["env", *args])
    assert result.exit_code == ExitCode.USAGE
    assert expected in one_error_line(result)
    if "--json" in args:
        assert json.loads(result.stdout)["status"] == "error"
    else:
        assert result.stdout == ""


def test_help_recommends_write() -> None:
    result = run_env("--help")
    assert result.returncode == 0
    assert "--write" in result.stdout
    assert "--activate-hooks" in result.stdout
    assert "Recommended" in result.stdout
