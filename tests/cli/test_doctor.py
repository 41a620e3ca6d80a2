"""``aimetenv doctor`` as users run it: the real entry point, real environments, one JSON contract.

Every run checks the contract: with --json, stdout is exactly one document of schema
``aimetenv.doctor/1`` whose ``exit_code`` is the process's and whose ``status`` is "success"
exactly when that code is 0; stderr never holds a traceback.
"""

from __future__ import annotations

import json
import os
import subprocess  # noqa: TID251  # one run with a stdout the reader has closed
import sys
from typing import TYPE_CHECKING, Any

import pytest
from typer.testing import CliRunner

from aimetenv.cli.app import app
from aimetenv.doctor.checks import ALL_CHECKS
from aimetenv.exit_codes import ExitCode
from support.doctor_envs import (
    add_distribution,
    doctor_cli,
    legacy_exports,
    make_venv,
    plain_legacy,
    standin_venv,
    standin_wheel,
)
from support.envs import need_python, site_packages

if TYPE_CHECKING:
    from pathlib import Path

    from support.legacy import LegacyRelease

STATUSES = {"ok", "warn", "fail", "skip", "error"}
CHECK_KEYS = {"id", "title", "status", "summary", "hint", "details", "facts", "seconds"}


@pytest.fixture(scope="session")
def plain_legacy_env(
    legacy_release: LegacyRelease, tmp_path_factory: pytest.TempPathFactory
) -> Path:
    return plain_legacy(tmp_path_factory, legacy_release)


def invoke(*args: str) -> tuple[int, str, str]:
    """The app in-process, for decisions; stdout and stderr apart."""
    result = CliRunner().invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


def user_env(**extra: str) -> dict[str, str]:
    """The caller's environment (already isolated by the suite's autouse fixture), plus ``extra``."""
    return {**os.environ, **extra}


def contract(result: subprocess.CompletedProcess[str]) -> dict[str, Any]:
    """The one JSON document on stdout, checked against the contract."""
    assert "Traceback" not in result.stderr
    document: dict[str, Any] = json.loads(result.stdout)
    assert document["schema"] == "aimetenv.doctor/1"
    assert document["exit_code"] == result.returncode
    assert (document["status"] == "success") == (result.returncode == 0)
    assert result.returncode in (ExitCode.OK, ExitCode.CHECKS_FAILED)
    for check in document["checks"]:
        assert set(check) == CHECK_KEYS
        assert check["status"] in STATUSES
        if check["status"] in ("warn", "fail"):
            assert check["hint"]
    worst = [c["status"] for c in document["checks"]]
    failed = "fail" in worst or "error" in worst or (document["strict"] and "warn" in worst)
    assert (result.returncode == ExitCode.CHECKS_FAILED) == failed
    return document


def by_id(document: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {c["id"]: c for c in document["checks"]}


def test_list_runs_nothing(tmp_path: Path) -> None:
    result = doctor_cli("--list", "--venv", str(tmp_path / "no-such-env"), env=user_env())
    assert result.returncode == 0
    listed = [line.split()[0] for line in result.stdout.splitlines()[1:] if line.strip()]
    assert listed == [c.id for c in ALL_CHECKS]
    as_json = doctor_cli("--list", "--json", env=user_env())
    document = json.loads(as_json.stdout)
    assert document["schema"] == "aimetenv.doctor-checks/1"
    assert [c["id"] for c in document["checks"]] == [c.id for c in ALL_CHECKS]
    assert document["checks"][-1]["opt_in"] is True


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (("--check", "libpymo", "--check", "no-such-check"), "unknown check 'no-such-check'"),
        (("--tag", "2.42.0"), "--tag and --variant go together"),
        (("--tag", "2.42", "--variant", "onnx-cpu"), "unknown release tag '2.42'"),
        (("--venv", "/no/such/env"), "there is no environment at /no/such/env"),
        (("--venv", "/a", "--python", "/b"), "choose one target"),
        (("--venv", "/etc"), "/etc is not an environment: it has no bin/python"),
        (("--venv", sys.executable), "That is an interpreter: use --python " + sys.executable),
    ],
)
def test_bad_usage_is_one_line_and_exit_2(args: tuple[str, ...], words: str) -> None:
    """Refusals are decisions: the app runs in-process (the real entry point is tested below)."""
    code, _out, err = invoke("doctor", *args)
    assert code == ExitCode.USAGE
    assert "Traceback" not in err
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert words in lines[0]
    code, out, _err = invoke("doctor", *args, "--json")
    document = json.loads(out)
    assert document["exit_code"] == ExitCode.USAGE == code
    assert document["status"] == "error"


def test_bad_usage_from_the_real_entry_point() -> None:
    result = doctor_cli("--venv", "/a", "--python", "/b", env=user_env())
    assert result.returncode == ExitCode.USAGE
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "choose one target: --venv and --python were both given" in lines[0]
    as_json = doctor_cli("--venv", "/a", "--python", "/b", "--json", env=user_env())
    document = json.loads(as_json.stdout)
    assert document["exit_code"] == ExitCode.USAGE == as_json.returncode


def test_installed_legacy_env_without_exports(legacy_env: Path) -> None:
    result = doctor_cli("--venv", str(legacy_env), "--json", env=user_env())
    document = contract(result)
    assert result.returncode == ExitCode.CHECKS_FAILED
    assert document["target"]["reason"] == "--venv given"
    assert document["release"]["tag"] == "1.16.2.py37"
    checks = by_id(document)
    assert checks["libpymo"]["status"] == "fail"
    # One cause, one fix: libpymo fails because the exports are missing, and says so.
    assert checks["libpymo"]["facts"]["caused_by"] == "environment"
    assert checks["libpymo"]["hint"].startswith("Fix what the environment check found first")
    assert checks["environment"]["status"] == "fail"
    assert f'eval "$(aimetenv env --venv {legacy_env})"' in checks["environment"]["hint"]
    assert document["root_cause"] == "environment"


def test_legacy_env_with_exports_and_a_selection(plain_legacy_env: Path) -> None:
    env = user_env(**legacy_exports(plain_legacy_env))
    result = doctor_cli(
        "--venv", str(plain_legacy_env), "--check", "libpymo", "--check", "environment",
        "--json", env=env,
    )  # fmt: skip
    document = contract(result)
    assert result.returncode == ExitCode.OK
    assert [c["id"] for c in document["checks"]] == [
        "interpreter", "aimet-packages", "libpymo", "environment",
    ]  # fmt: skip
    assert {c["status"] for c in document["checks"]} == {"ok"}


def test_human_output_names_the_target_and_the_release(plain_legacy_env: Path) -> None:
    result = doctor_cli(env=user_env(VIRTUAL_ENV=str(plain_legacy_env)))
    assert result.returncode == ExitCode.CHECKS_FAILED
    assert "Traceback" not in result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == f"target: venv {plain_legacy_env} (the active venv ($VIRTUAL_ENV))"
    assert lines[1] == "release: AIMET 1.16.2.py37 torch-cpu (from installed distributions)"
    assert any(line.startswith("fail  libpymo") for line in lines)
    footer = lines.index(next(line for line in lines if line.startswith("problems found: ")))
    assert lines[footer + 1].startswith("start with environment (it also makes libpymo")
    assert lines[footer + 2].startswith("  fix: Set the exports: eval ")
    assert footer + 3 == len(lines)


def test_strict_turns_warnings_into_failures(tmp_path: Path) -> None:
    prefix = make_venv(need_python("3.11"), tmp_path / "env", pip=False)
    version = "torch_cpu_1.16.2.py37"
    add_distribution(
        site_packages(prefix),
        "AimetCommon",
        version,
        {"aimet_common/bin/reqs_deb_common.txt": "aimetenv-test-no-such-package\n"},
    )
    add_distribution(site_packages(prefix), "AimetTorch", version, {"aimet_torch/__init__.py": ""})
    args = ("--venv", str(prefix), "--check", "system-packages", "--json")
    relaxed = contract(doctor_cli(*args, env=user_env()))
    assert relaxed["exit_code"] == ExitCode.OK
    assert relaxed["overall"] == "warn"
    strict = contract(doctor_cli(*args, "--strict", env=user_env()))
    assert strict["exit_code"] == ExitCode.CHECKS_FAILED
    assert strict["strict"] is True


@pytest.mark.e2e
def test_healthy_real_aimet_onnx(onnx_env: Path) -> None:
    result = doctor_cli("--venv", str(onnx_env), "--deep", "--json", env=user_env())
    document = contract(result)
    assert result.returncode == ExitCode.OK
    assert document["release"]["tag"] == "2.42.0"
    assert document["release"]["variant"] == "onnx-cpu"
    checks = by_id(document)
    # A known fact of this machine, not of AIMET: no CPU torchvision is reachable here, so the
    # env holds PyPI's CUDA torchvision next to the local torch 2.13.0+cpu. aimet_onnx never
    # imports torchvision, so for an onnx variant this is a warning and nothing else.
    framework = checks.pop("framework")
    assert framework["status"] == "warn"
    assert framework["facts"]["torch_build"] == "cpu"
    assert framework["facts"]["torchvision_build"] == "cuda"
    assert framework["summary"].startswith("torchvision ")
    assert "aimet_onnx does not import it" in framework["summary"]
    assert checks.pop("gpu")["status"] == "skip"  # a cpu variant
    assert checks.pop("system-packages")["status"] == "skip"  # 2.x ships no reqs_deb files
    assert {name: c["status"] for name, c in checks.items()} == dict.fromkeys(checks, "ok")
    libpymo = checks["libpymo"]
    assert libpymo["facts"]["native"] == "aimet_onnx.common._libpymo"
    assert libpymo["facts"]["file"].endswith("/aimet_onnx/common/_libpymo.abi3.so")
    assert checks["native-libs"]["facts"]["glibcxx_needed"] == "GLIBCXX_3.4.29"
    quantize = checks["quantize"]["facts"]
    assert 0 < quantize["max_abs_diff"] < 0.1 * quantize["reference_max"]


def test_a_fix_is_one_line_in_a_narrow_terminal(tmp_path: Path) -> None:
    wheels = [
        standin_wheel(tmp_path / "w", "aimet-onnx", "2.42.0", requires=("onnxruntime>=1.19",)),
        standin_wheel(tmp_path / "w", "onnxruntime", "1.16.3"),
    ]
    prefix = standin_venv(
        need_python("3.11"), tmp_path / "a rather long folder name" / "env", wheels
    )
    result = doctor_cli(
        "--venv", str(prefix), "--check", "requirements", env=user_env(COLUMNS="40")
    )
    assert result.returncode == ExitCode.CHECKS_FAILED
    python = prefix / "bin" / "python"
    fix = f"'{python}' -m pip install 'onnxruntime>=1.19' aimet-onnx==2.42.0"
    lines = result.stdout.splitlines()
    assert f"{' ' * 25}fix: {fix}" in lines
    assert (
        "start with requirements: onnxruntime 1.16.3 is installed; aimet-onnx 2.42.0 requires "
        "onnxruntime>=1.19"
    ) in lines
    assert f"  fix: {fix}" in lines


def test_a_reader_that_closed_stdout_is_not_a_failed_check() -> None:
    """``doctor | head -1``: the reader has gone before the report is written."""
    read, write = os.pipe()
    os.close(read)
    try:
        for extra in ((), ("--json",)):
            result = subprocess.run(
                [sys.executable, "-m", "aimetenv", "doctor", "--python", sys.executable,
                 "--check", "interpreter", *extra],
                stdout=write, stderr=subprocess.PIPE, text=True, check=False, env=user_env(),
            )  # fmt: skip
            assert result.returncode == ExitCode.OK, result.stderr
            assert result.stderr == ""
    finally:
        os.close(write)
