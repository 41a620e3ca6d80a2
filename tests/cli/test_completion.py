"""Shell completion of option values, through the installed ``aimetenv`` and real shells.

The protocol tests run the console script as bash, zsh and fish run it (click's completion
variables); the shell tests load the script ``--show-completion`` prints into a real bash, zsh or
fish and complete a command line there.
"""

from __future__ import annotations

import os
import shutil
import subprocess  # noqa: TID251  # the real console script and real shells
import sys
from pathlib import Path

import pytest

from aimetenv.catalog.lookup import known_variant_ids
from aimetenv.doctor.checks import ALL_CHECKS
from aimetenv.install.inputs import load_user_catalog

BIN = Path(sys.executable).parent
SCRIPT = BIN / "aimetenv"


def _env(**extra: str) -> dict[str, str]:
    return {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}", **extra}


def bash_protocol(*words: str) -> list[str]:
    """What ``aimetenv`` offers bash for the last word of ``words`` (which may be empty)."""
    done = subprocess.run(
        [str(SCRIPT)],
        env=_env(
            _AIMETENV_COMPLETE="complete_bash",
            COMP_WORDS=" ".join(["aimetenv", *words]),
            COMP_CWORD=str(len(words)),
        ),
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout.split()


def test_variant_offers_every_catalog_variant() -> None:
    assert bash_protocol("install", "--variant", "") == known_variant_ids(load_user_catalog())


def test_variant_after_a_tag_offers_what_that_release_ships() -> None:
    release = load_user_catalog().get("1.16.2")
    assert release is not None
    shipped = sorted(vid for vid, v in release.variants.items() if v.shipped)
    assert bash_protocol("resolve", "--tag", "1.16.2", "--variant", "") == shipped
    assert "onnx-cpu" not in shipped


def test_variant_keeps_what_was_typed() -> None:
    assert bash_protocol("download", "--variant", "onnx") == ["onnx-cpu", "onnx-gpu"]


def test_tag_offers_latest_then_every_release_newest_first() -> None:
    catalog = load_user_catalog()
    newest_first = sorted(catalog.releases, key=lambda r: (r.version, r.tag), reverse=True)
    assert bash_protocol("install", "--tag", "") == ["latest", *(r.tag for r in newest_first)]
    assert bash_protocol("download", "--tag", "la") == ["latest"]


def test_tag_after_a_variant_offers_the_releases_that_ship_it() -> None:
    offered = bash_protocol("install", "--variant", "onnx-cpu", "--tag", "")
    assert offered[0] == "latest"
    assert "2.42.0" in offered
    assert "1.16.2" not in offered  # 1.16.2 has no ONNX build
    release = load_user_catalog().get("1.16.2")
    assert release is not None
    assert release.find_variant("onnx-cpu") is None


def test_doctor_completes_its_own_tag_and_variant() -> None:
    assert bash_protocol("doctor", "--tag", "2.42") == ["2.42.0"]
    assert "torch-cpu" in bash_protocol("doctor", "--variant", "")


def test_shell_offers_the_supported_shells() -> None:
    assert bash_protocol("env", "--shell", "") == ["bash", "zsh", "fish", "json"]
    assert bash_protocol("env", "--shell", "f") == ["fish"]


def test_check_offers_the_doctors_check_ids_in_report_order() -> None:
    assert bash_protocol("doctor", "--check", "") == [c.id for c in ALL_CHECKS]
    assert bash_protocol("doctor", "--check", "pip", "--check", "nat") == ["native-libs"]


def test_zsh_protocol_gives_values_with_their_titles() -> None:
    done = subprocess.run(
        [str(SCRIPT)],
        env=_env(
            _AIMETENV_COMPLETE="complete_zsh", _TYPER_COMPLETE_ARGS="aimetenv doctor --check pi"
        ),
        capture_output=True,
        text=True,
        check=True,
    )
    pip = next(c for c in ALL_CHECKS if c.id == "pip")
    assert done.stdout.startswith("_arguments")
    assert f'"pip":"{pip.title}"' in done.stdout
    assert "platform" not in done.stdout


def show_completion(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(SCRIPT), "--show-completion", *args],
        env=_env(SHELL="/bin/bash"),
        capture_output=True,
        text=True,
        check=False,
    )


def test_show_completion_zsh_prints_the_zsh_script_whatever_shell_runs_it() -> None:
    done = show_completion("zsh")
    assert done.returncode == 0
    assert done.stdout.startswith("#compdef aimetenv")
    assert "compdef _aimetenv_completion aimetenv" in done.stdout
    assert "complete -o default" not in done.stdout  # not bash's, although SHELL is bash


def test_show_completion_without_a_shell_uses_the_current_one() -> None:
    done = show_completion()
    assert done.returncode == 0
    assert "complete -o default -F _aimetenv_completion aimetenv" in done.stdout


def test_show_completion_refuses_a_shell_it_does_not_know() -> None:
    done = show_completion("tcsh")
    assert done.returncode == 2
    assert "'tcsh' is not one of" in done.stderr
    assert "Traceback" not in done.stderr
    assert done.stdout == ""


def _shell(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        pytest.skip(f"{name} is not installed")
    return found


def test_real_bash_completes_a_variant_with_the_printed_script() -> None:
    line = (
        'eval "$(aimetenv --show-completion bash)"; '
        "COMP_WORDS=(aimetenv install --tag 1.16.2 --variant torch-); COMP_CWORD=5; "
        '_aimetenv_completion aimetenv; printf "%s\\n" "${COMPREPLY[@]}"'
    )
    done = subprocess.run(
        [_shell("bash"), "--norc", "-c", line],
        env=_env(),
        capture_output=True,
        text=True,
        check=True,
    )
    assert done.stdout.split() == ["torch-cpu", "torch-gpu"]


def test_real_zsh_registers_the_printed_script() -> None:
    line = (
        "autoload -Uz compinit && compinit -u -D; "
        'eval "$(aimetenv --show-completion zsh)"; print -r -- ${_comps[aimetenv]}'
    )
    done = subprocess.run(
        [_shell("zsh"), "-f", "-c", line], env=_env(), capture_output=True, text=True, check=True
    )
    assert done.stdout.strip() == "_aimetenv_completion"


def test_real_fish_completes_shells_and_checks_with_the_printed_script() -> None:
    line = (
        "aimetenv --show-completion fish | source; "
        'complete -C "aimetenv env --shell "; complete -C "aimetenv doctor --check pl"'
    )
    done = subprocess.run(
        [_shell("fish"), "--no-config", "-c", line],
        env=_env(),
        capture_output=True,
        text=True,
        check=True,
    )
    platform = next(c for c in ALL_CHECKS if c.id == "platform")
    assert done.stdout.splitlines() == [
        "bash",
        "fish",
        "json",
        "zsh",
        f"platform\t{platform.title}",
    ]


def test_install_completion_zsh_installs_zsh_s_script_whatever_shell_runs_it(
    tmp_path: Path,
) -> None:
    done = subprocess.run(
        [str(SCRIPT), "--install-completion", "zsh"],
        env=_env(SHELL="/bin/bash", HOME=str(tmp_path)),
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    installed = tmp_path / ".zfunc" / "_aimetenv"
    assert installed.read_text().startswith("#compdef aimetenv")
    assert "compinit" in (tmp_path / ".zshrc").read_text()
    assert not (tmp_path / ".bashrc").exists()
