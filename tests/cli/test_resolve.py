"""``aimetenv resolve``: the plan on stdout, the JSON contract, and one-line refusals."""

from __future__ import annotations

import json
import subprocess  # noqa: TID251  # the real entry point, as users run it
import sys

import pytest
from typer.testing import CliRunner

from aimetenv.cli.app import app

RUNNER = CliRunner()


def invoke(*args: str) -> tuple[int, str, str]:
    result = RUNNER.invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


def test_json_names_the_three_legacy_wheels_in_order_with_urls() -> None:
    code, out, err = invoke("resolve", "--variant", "torch-cpu", "--tag", "1.16.2.py37", "--json")
    assert code == 0
    assert err == ""
    document = json.loads(out)
    assert document["schema"] == "aimetenv.plan/1"
    assert document["status"] == "success"
    assert document["exit_code"] == 0
    base = "https://github.com/quic/aimet/releases/download/1.16.2.py37/"
    assert [(w["filename"], w["url"]) for w in document["wheels"]] == [
        (name, base + name)
        for name in (
            "AimetCommon-torch_cpu_1.16.2.py37-cp37-cp37m-linux_x86_64.whl",
            "AimetTorch-torch_cpu_1.16.2.py37-cp37-cp37m-linux_x86_64.whl",
            "Aimet-torch_cpu_1.16.2.py37-cp37-cp37m-linux_x86_64.whl",
        )
    ]
    assert document["requirements"] == []
    assert document["pip_bound"] == "<24.1"


def test_json_names_the_pypi_file_url_and_sha256() -> None:
    code, out, _err = invoke("resolve", "--variant", "onnx-cpu", "--tag", "2.42.0", "--json")
    assert code == 0
    document = json.loads(out)
    assert document["requirements"] == []
    (wheel,) = document["wheels"]
    assert wheel["filename"] == "aimet_onnx-2.42.0-cp310-abi3-manylinux_2_34_x86_64.whl"
    assert wheel["sha256"] == "a3e0652e7799ef9c5739a2f01544e93437e03e73f616d7133903d97ef9e15789"
    assert wheel["url"] == (
        "https://files.pythonhosted.org/packages/37/0f/a8cc5eed0a1f81153ef8c925abda2a3e1cad6672"
        "35b9c389d4bbc9aa697d/aimet_onnx-2.42.0-cp310-abi3-manylinux_2_34_x86_64.whl"
    )
    assert (document["source"], wheel["confidence"]) == ("pypi", "verified-pypi")


def test_human_plan_lists_steps_and_exports() -> None:
    code, out, _err = invoke("resolve", "--variant", "torch_cpu", "--tag", "1.16.2.py37")
    assert code == 0
    assert "pip: <24.1" in out
    assert "-f https://download.pytorch.org/whl/torch_stable.html" in out
    assert "PYTHONPATH += <site-packages>/aimet_common/x86_64-linux-gnu" in out


def test_mirror_from_option_and_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    code, out, _err = invoke(
        "resolve", "--variant", "torch-cpu", "--tag", "1.16.2.py37", "--json",
        "--mirror", "https://mirror.example/aimet/",
    )  # fmt: skip
    assert code == 0
    assert json.loads(out)["wheels"][0]["url"].startswith(
        "https://mirror.example/aimet/1.16.2.py37/"
    )
    monkeypatch.setenv("AIMETENV_MIRROR", "http://127.0.0.1:9/m")
    code, out, _err = invoke("resolve", "--variant", "torch-cpu", "--tag", "1.16.2.py37", "--json")
    assert code == 0
    assert json.loads(out)["wheels"][0]["url"].startswith("http://127.0.0.1:9/m/1.16.2.py37/")


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (["--variant", "toch-cpu", "--tag", "1.16.2.py37"], "Did you mean torch-cpu"),
        (["--variant", "torch-cpu", "--tag", "1.16.3"], "Nearest releases: 1.16.2"),
        (["--variant", "torch-cpu", "--tag", "1.16.2;rm -rf /"], "malformed tag"),
        (["--variant", "torch-cpu", "--tag", "2.0"], "is not an AIMET release"),
        (["--variant", "tf-gpu", "--tag", "2.20.0"], "the last release with tf-gpu is 2.14.0"),
        (
            ["--variant", "torch-cpu", "--tag", "1.16.2.py37", "--python-version", "3.10"],
            "needs Python 3.7",
        ),
        (
            ["--variant", "onnx-cpu", "--tag", "2.42.0", "--python-version", "3.9"],
            "needs Python 3.10 or newer",
        ),
        (
            ["--variant", "onnx-cpu", "--tag", "2.42.0", "--python-version", "three"],
            "--python-version needs a Python version",
        ),
        (
            ["--variant", "onnx-cpu", "--tag", "2.42.0", "--python", "3.11"],
            (
                "resolve takes no --python (that names an interpreter, as in install, env and "
                "doctor). For a Python version use --python-version 3.11."
            ),
        ),
        (
            ["--variant", "onnx-cpu", "--tag", "2.42.0", "--glibc", "2.31"],
            "needs glibc 2.34 or newer",
        ),
        (["--variant", "onnx-cpu", "--tag", "2.42.0", "--glibc", "x"], "--glibc needs a version"),
        (
            ["--variant", "onnx-cpu", "--tag", "2.42.0", "--source", "ftp"],
            "--source must be one of",
        ),
        (
            ["--variant", "onnx-cpu", "--tag", "2.9.0", "--mirror", "http://mirror.example/"],
            "uses plain http to a host that is not loopback",
        ),
        (
            ["--variant", "onnx-cpu", "--tag", "2.9.0", "--mirror", "ftp://x/"],
            "--mirror needs an http(s) URL",
        ),
    ],
)
def test_bad_input_is_one_line_and_exit_2(args: list[str], fragment: str) -> None:
    code, out, err = invoke("resolve", *args)
    assert code == 2
    assert out == ""
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("aimetenv: error: ")
    assert fragment in lines[0]


def test_bad_input_with_json_prints_the_error_document() -> None:
    code, out, err = invoke("resolve", "--variant", "nope", "--tag", "2.42.0", "--json")
    assert code == 2
    document = json.loads(out)
    assert document == {
        "schema": "aimetenv.error/1",
        "command": "resolve",
        "status": "error",
        "exit_code": 2,
        "error": {
            "code": "unknown-variant",
            "message": "unknown variant 'nope'.",
            "hint": "Release 2.42.0 offers: torch-gpu, torch-cpu, onnx-gpu, onnx-cpu.",
        },
    }
    assert err.count("\n") == 1


def test_http_mirror_allowed_with_flag() -> None:
    code, out, _err = invoke(
        "resolve", "--variant", "onnx-cpu", "--tag", "2.9.0", "--json", "--source", "github",
        "--mirror", "http://mirror.example", "--allow-http",
    )  # fmt: skip
    assert code == 0
    assert json.loads(out)["wheels"][0]["url"].startswith("http://mirror.example/2.9.0/")


def test_missing_option_is_a_usage_error_without_traceback() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "aimetenv", "resolve", "--tag", "2.42.0"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert "--variant" in result.stderr


def test_latest_is_said_back_on_stdout_and_in_json() -> None:
    code, out, err = invoke("resolve", "--variant", "onnx-cpu", "--tag", "latest")
    assert code == 0, err
    assert "note: latest = 2.42.0 (the newest release that offers onnx-cpu)" in out
    code, out, _err = invoke("resolve", "--variant", "onnx-cpu", "--tag", "v2.42.0", "--json")
    assert code == 0
    document = json.loads(out)
    assert (document["tag"], document["requested_tag"]) == ("2.42.0", "v2.42.0")
    assert document["notes"][0] == "v2.42.0 = 2.42.0"
