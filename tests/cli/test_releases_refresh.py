"""``aimetenv releases --refresh`` and ``--reset`` against loopback API servers."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from typer.testing import CliRunner

from aimetenv.cli.app import app
from aimetenv.paths import overlay_path
from support.releasehost import ReleaseHost

if TYPE_CHECKING:
    from collections.abc import Iterator

RUNNER = CliRunner()
DATA = Path(__file__).resolve().parents[1] / "data" / "refresh"
API = "repos/quic/aimet/releases"


def fixture(name: str) -> Any:
    return json.loads((DATA / name).read_text())


@pytest.fixture
def apis(tmp_path: Path) -> Iterator[ReleaseHost]:
    with ReleaseHost(tmp_path / "apis") as host:
        page2 = f"{{base}}/{API}?per_page=100&page=2"
        host.serve_json(API, fixture("github-releases-page1.json"), query={"per_page": "100"},
                        headers={"Link": f'<{page2}>; rel="next"'})  # fmt: skip
        host.serve_json(API, fixture("github-releases-page2.json"),
                        query={"per_page": "100", "page": "2"})  # fmt: skip
        host.serve_json("pypi/aimet-torch/json", fixture("pypi-aimet-torch.json"))
        host.serve_json("pypi/aimet-onnx/json", fixture("pypi-aimet-onnx.json"))
        yield host


def refresh_args(apis: ReleaseHost, *extra: str) -> list[str]:
    return ["releases", "--refresh", "--github-api", apis.url(API), "--pypi-url",
            apis.url("pypi"), *extra]  # fmt: skip


def test_refresh_json_then_the_new_release_is_listed(apis: ReleaseHost) -> None:
    result = RUNNER.invoke(app, refresh_args(apis, "--json"))
    assert result.exit_code == 0, result.stderr
    document = json.loads(result.stdout)
    assert document["schema"] == "aimetenv.refresh/1"
    assert (document["status"], document["exit_code"]) == ("success", 0)
    assert document["added"] == ["2.43.0", "2.44.0"]
    assert "2.42.0 onnx-cpu" in document["verified"]
    assert document["overlay"] == str(overlay_path())
    assert overlay_path().is_file()

    listing = json.loads(RUNNER.invoke(app, ["releases", "--json"]).stdout)
    assert listing["overlay"] == str(overlay_path())
    assert listing["releases"][-1]["tag"] == "2.44.0"
    shown = RUNNER.invoke(app, ["releases", "2.43.0"])
    assert shown.exit_code == 0
    assert "aimet_onnx-2.43.0+cpu-cp310-abi3-manylinux_2_34_x86_64.whl" in shown.stdout
    assert "verified-asset" in shown.stdout


def test_refresh_human_summary(apis: ReleaseHost) -> None:
    result = RUNNER.invoke(app, refresh_args(apis))
    assert result.exit_code == 0, result.stderr
    assert "read 9 releases from" in result.stdout
    assert "new releases: 2.43.0, 2.44.0" in result.stdout
    assert f"overlay: {overlay_path()}" in result.stdout


def test_urls_come_from_the_environment(apis: ReleaseHost, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AIMETENV_GITHUB_API", apis.url(API))
    monkeypatch.setenv("AIMETENV_PYPI_JSON", apis.url("pypi"))
    result = RUNNER.invoke(app, ["releases", "--refresh", "--json"])
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["github_api"] == apis.url(API)


def test_one_source_down_is_one_line_and_exit_0(apis: ReleaseHost) -> None:
    apis.gone("pypi/aimet-torch/json", status=403)  # not retried, so the test does not wait
    result = RUNNER.invoke(app, refresh_args(apis))
    assert result.exit_code == 0, result.stderr
    skipped = [line for line in result.stdout.splitlines() if line.startswith("skipped ")]
    assert skipped == [
        (
            f"skipped PyPI: {apis.url('pypi/aimet-torch/json')} answered 403 Forbidden "
            "(its last answer was kept)"
        )
    ]
    assert "read 9 releases from" in result.stdout


def test_every_source_down_is_exit_3_and_keeps_the_old_overlay(apis: ReleaseHost) -> None:
    assert RUNNER.invoke(app, refresh_args(apis)).exit_code == 0
    before = overlay_path().read_text()
    apis.gone("pypi/aimet-torch/json", status=403)
    apis.gone(API, status=403)
    result = RUNNER.invoke(app, refresh_args(apis))
    assert result.exit_code == 3
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1
    assert "answered 403" in lines[0]
    assert overlay_path().read_text() == before


def test_reset_removes_the_overlay_even_a_broken_one() -> None:
    overlay_path().parent.mkdir(parents=True, exist_ok=True)
    overlay_path().write_text("schema: 1\nreleases: [{tag: 9.9.9}]\n")
    broken = RUNNER.invoke(app, ["releases"])
    assert broken.exit_code == 7, "a broken overlay is a file error"
    assert "--reset" in broken.stderr
    result = RUNNER.invoke(app, ["releases", "--reset", "--json"])
    assert result.exit_code == 0
    assert json.loads(result.stdout) == {
        "schema": "aimetenv.refresh-reset/1",
        "command": "releases",
        "status": "success",
        "exit_code": 0,
        "overlay": str(overlay_path()),
        "removed": True,
    }
    assert not overlay_path().exists()
    again = RUNNER.invoke(app, ["releases", "--reset"])
    assert again.exit_code == 0
    assert "no catalog overlay" in again.stdout
    assert RUNNER.invoke(app, ["releases"]).exit_code == 0


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["releases", "--refresh", "--reset"], "choose one of --refresh and --reset"),
        (["releases", "2.42.0", "--refresh"], "leave out the tag"),
        (["releases", "--refresh", "--github-api", "http://api.example/x"], "plain http"),
        (["releases", "--refresh", "--pypi-url", "ftp://pypi.example"], "http(s) URL"),
    ],
)
def test_bad_combinations_are_exit_2(args: list[str], needle: str) -> None:
    result = RUNNER.invoke(app, args)
    assert result.exit_code == 2
    assert needle in result.stderr
    assert not overlay_path().exists()
