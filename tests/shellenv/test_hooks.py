"""Activation hooks, sourced for real in bash, zsh and fish: activate, then deactivate restores.

conda itself cannot be installed here, so a conda env is stood in for by a folder with a
``conda-meta`` directory (all the hooks look at); the hook scripts are sourced by the real shells
exactly as ``conda activate`` and ``conda deactivate`` source them. venvs are real venvs with the
activate scripts their interpreter wrote.
"""

from __future__ import annotations

import json
import shutil
import subprocess  # noqa: TID251  # tests build and drive real environments directly
import sys
from typing import TYPE_CHECKING

import pytest

from aimetenv.errors import UsageError
from aimetenv.shellenv.exports import EnvExports, Export
from aimetenv.shellenv.hooks import (
    CONDA_FILES,
    hook_kind,
    install_hooks,
    remove_hooks,
    require_kind,
    state_variable,
)
from aimetenv.shellenv.recognise import InstalledRelease
from support.envs import need_python

if TYPE_CHECKING:
    from pathlib import Path

SHELLS = ("bash", "zsh", "fish")
WEIRD = "/tmp/sp ace/it's/$HOME"
DUMP = f"'{sys.executable}' -c 'import json, os, sys; json.dump(dict(os.environ), open(sys.argv[1], \"w\"))'"


def exports_for(key: str, *exports: Export) -> EnvExports:
    release = InstalledRelease((1, 16, 2), "1.16.2.py37", "torch-gpu", "gpu", "AimetTorch x")
    return EnvExports(
        key=key,
        label=f"env {key}",
        reason="--prefix given",
        release=release,
        source="probe",
        site_packages=f"{key}/lib/python3.7/site-packages",
        exports=exports,
        notes=("a note",),
        envsetup=None,
    )


def sample_exports(key: str) -> EnvExports:
    site = f"{key}/lib/python3.7/site-packages"
    return exports_for(
        key,
        Export("PATH", "prepend", ("/usr/local/cuda/bin",), "envsetup.sh"),
        Export("LD_LIBRARY_PATH", "prepend", (f"{WEIRD}/cuda",), "envsetup.sh"),
        Export("CUDA_HOME", "set", ("/usr/local/cuda",), "envsetup.sh"),
        Export("LD_LIBRARY_PATH", "prepend", (f"{site}/aimet_common/x86_64-linux-gnu",), "aimet"),
        Export("PYTHONPATH", "prepend", (f"{site}/aimet_common/x86_64-linux-gnu",), "aimet"),
    )


def run_session(
    shell: str, steps: list[str], environ: dict[str, str], tmp: Path
) -> list[dict[str, str]]:
    """Run ``steps`` in one shell; "DUMP" steps record the exported environment."""
    if shutil.which(shell) is None:
        pytest.skip(f"{shell} is not installed (scripts/bootstrap installs it)")
    lines: list[str] = []
    dumps: list[Path] = []
    for step in steps:
        if step == "DUMP":
            out = tmp / f"dump{len(dumps)}.json"
            dumps.append(out)
            lines.append(f"{DUMP} '{out}'")
        else:
            lines.append(step)
    lines.append("true")  # bash runs a last simple command with exec, which changes SHLVL
    flags = {"bash": ["--norc", "--noprofile"], "zsh": ["-f"], "fish": ["--no-config"]}[shell]
    result = subprocess.run(
        [shell, *flags, "-c", "\n".join(lines)],
        env=environ,
        capture_output=True,
        text=True,
        check=False,
        cwd=tmp,
    )
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    return [json.loads(path.read_text(encoding="utf-8")) for path in dumps]


def without_ps1(environ: dict[str, str]) -> dict[str, str]:
    return {k: v for k, v in environ.items() if k != "PS1"}


def source(shell: str, path: Path) -> str:
    quoted = str(path).replace("'", "\\'" if shell == "fish" else "'\\''")
    return f"{'source' if shell == 'fish' else '.'} '{quoted}'"


STARTS = {
    "unset": {},
    "empty": {"LD_LIBRARY_PATH": "", "PYTHONPATH": "", "CUDA_HOME": ""},
    "set": {"LD_LIBRARY_PATH": "/opt/lib", "PYTHONPATH": f"{WEIRD}/py", "CUDA_HOME": "/old cuda"},
}


@pytest.fixture
def conda_env(tmp_path: Path) -> Path:
    prefix = tmp_path / "conda env's $dir"
    (prefix / "conda-meta").mkdir(parents=True)
    return prefix


@pytest.mark.parametrize("shell", SHELLS)
@pytest.mark.parametrize("start", sorted(STARTS))
def test_conda_hooks_set_then_restore_exactly(
    shell: str, start: str, conda_env: Path, tmp_path: Path
) -> None:
    exports = sample_exports(str(conda_env))
    result = install_hooks(conda_env, "conda", exports)
    assert [f.action for f in result.files] == ["written"] * 4
    ext = ".fish" if shell == "fish" else ".sh"
    activate = conda_env / f"etc/conda/activate.d/aimetenv{ext}"
    deactivate = conda_env / f"etc/conda/deactivate.d/aimetenv{ext}"
    environ = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), **STARTS[start]}
    before, active, again, after = run_session(
        shell,
        ["DUMP", source(shell, activate), "DUMP",
         # conda re-activation runs deactivate.d then activate.d
         source(shell, deactivate), source(shell, activate), source(shell, activate), "DUMP",
         source(shell, deactivate), "DUMP"],
        environ,
        tmp_path,
    )  # fmt: skip
    site = f"{conda_env}/lib/python3.7/site-packages/aimet_common/x86_64-linux-gnu"
    old_ld = STARTS[start].get("LD_LIBRARY_PATH")
    assert active["LD_LIBRARY_PATH"] == ":".join(
        [site, f"{WEIRD}/cuda", *([old_ld] if old_ld else [])]
    )
    assert active["PATH"] == "/usr/local/cuda/bin:/usr/bin:/bin"
    assert active["CUDA_HOME"] == "/usr/local/cuda"
    assert again == active
    assert after == before


@pytest.mark.parametrize("shell", SHELLS)
def test_stacked_conda_envs_restore_their_own(shell: str, tmp_path: Path) -> None:
    first, second = tmp_path / "a", tmp_path / "b"
    for prefix in (first, second):
        (prefix / "conda-meta").mkdir(parents=True)
        install_hooks(prefix, "conda", sample_exports(str(prefix)))
    ext = ".fish" if shell == "fish" else ".sh"

    def hook(prefix: Path, which: str) -> str:
        return source(shell, prefix / f"etc/conda/{which}.d/aimetenv{ext}")

    environ = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "LD_LIBRARY_PATH": "/opt/lib"}
    before, in_a, in_b, back_in_a, after = run_session(
        shell,
        ["DUMP", hook(first, "activate"), "DUMP", hook(second, "activate"), "DUMP",
         hook(second, "deactivate"), "DUMP", hook(first, "deactivate"), "DUMP"],
        environ,
        tmp_path,
    )  # fmt: skip
    assert in_b["LD_LIBRARY_PATH"].startswith(f"{second}/lib")
    assert f"{first}/lib" in in_b["LD_LIBRARY_PATH"]
    assert back_in_a == in_a
    assert after == before


def test_conda_hooks_idempotent_and_removable(conda_env: Path) -> None:
    exports = sample_exports(str(conda_env))
    install_hooks(conda_env, "conda", exports)
    again = install_hooks(conda_env, "conda", exports)
    assert [f.action for f in again.files] == ["unchanged"] * 4
    foreign = conda_env / "etc/conda/activate.d/aimetenv.fish"
    foreign.write_text("# someone else's\n", encoding="utf-8")
    removed = remove_hooks(conda_env, "conda", str(conda_env))
    assert [f.action for f in removed.files] == [
        "removed",
        "removed",
        "not aimetenv's; left alone",
        "removed",
    ]
    assert foreign.exists()
    assert not (conda_env / CONDA_FILES[0]).exists()


def test_nothing_to_export_removes_old_hooks(conda_env: Path) -> None:
    install_hooks(conda_env, "conda", sample_exports(str(conda_env)))
    result = install_hooks(conda_env, "conda", exports_for(str(conda_env)))
    assert result.note is not None
    assert "needs no variables" in result.note
    assert all(not (conda_env / rel).exists() for rel in CONDA_FILES)


def test_state_variables_are_per_env_and_valid_names() -> None:
    one = state_variable("/a", "OLD_PATH")
    assert one != state_variable("/b", "OLD_PATH")
    assert one.isidentifier()
    assert one.endswith("PATH")  # fish keeps saved path lists as path lists


def test_kinds_and_refusal(tmp_path: Path, conda_env: Path) -> None:
    assert hook_kind(conda_env) == "conda"
    assert hook_kind(tmp_path) is None
    with pytest.raises(UsageError, match="neither a conda env nor a venv") as caught:
        require_kind(None, "interpreter /usr/bin/python3")
    assert caught.value.hint is not None
    assert "--write" in caught.value.hint


# --- venvs -------------------------------------------------------------------------------------


@pytest.fixture
def venv(tmp_path: Path) -> Path:
    python = need_python("3.11")
    prefix = tmp_path / "venv's dir"  # venv's own scripts cannot take a $ in the path
    subprocess.run([str(python), "-m", "venv", "--without-pip", str(prefix)], check=True)
    return prefix


@pytest.mark.parametrize("shell", SHELLS)
def test_venv_activate_and_deactivate(shell: str, venv: Path, tmp_path: Path) -> None:
    originals = {name: (venv / "bin" / name).read_bytes() for name in ("activate", "activate.fish")}
    exports = sample_exports(str(venv))
    result = install_hooks(venv, "venv", exports)
    assert result.kind == "venv"
    assert [f.action for f in result.files] == ["written", "written"]
    assert [f.action for f in install_hooks(venv, "venv", exports).files] == ["unchanged"] * 2
    script = venv / "bin" / ("activate.fish" if shell == "fish" else "activate")
    environ = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), **STARTS["set"]}
    before, active, after, again, after_again = run_session(
        shell,
        ["DUMP", source(shell, script), "DUMP", "deactivate", "DUMP",
         source(shell, script), source(shell, script), "DUMP", "deactivate", "DUMP"],
        environ,
        tmp_path,
    )  # fmt: skip
    assert active["VIRTUAL_ENV"] == str(venv)
    assert active["CUDA_HOME"] == "/usr/local/cuda"
    site = f"{venv}/lib/python3.7/site-packages/aimet_common/x86_64-linux-gnu"
    assert active["LD_LIBRARY_PATH"] == f"{site}:{WEIRD}/cuda:/opt/lib"
    assert active["PYTHONPATH"] == f"{site}:{WEIRD}/py"
    assert active["PATH"] == f"/usr/local/cuda/bin:{venv}/bin:/usr/bin:/bin"
    # venv's own deactivate leaves its PS1 behind in a non-interactive shell (PS1 was empty), and
    # stacks it when activate is sourced twice: PS1 is venv's business, everything else must match.
    assert without_ps1(after) == without_ps1(before)
    ours = ("PATH", "LD_LIBRARY_PATH", "PYTHONPATH", "CUDA_HOME", "VIRTUAL_ENV")
    assert {k: again.get(k) for k in ours} == {k: active.get(k) for k in ours}
    assert without_ps1(after_again) == without_ps1(before)
    removed = remove_hooks(venv, "venv", str(venv))
    assert [f.action for f in removed.files] == ["removed", "removed"]
    for name, data in originals.items():
        assert (venv / "bin" / name).read_bytes() == data
    assert (venv / "bin" / "activate.aimetenv.bak").exists()


def test_venv_script_without_deactivate_is_refused(venv: Path) -> None:
    activate = venv / "bin" / "activate"
    activate.write_text("# not a venv activate script\n", encoding="utf-8")
    fish = (venv / "bin" / "activate.fish").read_bytes()
    with pytest.raises(Exception, match="no deactivate function"):
        install_hooks(venv, "venv", sample_exports(str(venv)))
    assert activate.read_text(encoding="utf-8") == "# not a venv activate script\n"
    assert (venv / "bin" / "activate.fish").read_bytes() == fish
