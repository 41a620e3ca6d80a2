"""The refresh benchmark on small inputs: its documents, its host, and both sides of one round.

No timing is checked here: the figures belong to ``benchmarks/run.py`` and docs/performance.md.
"""

from __future__ import annotations

import json
import subprocess  # noqa: TID251  # the benchmark's real command line
import sys
import urllib.request
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from aimetenv.catalog.load import load_catalog
from aimetenv.catalog.releaseapi import parse_github_page, parse_pypi

BENCHMARKS = Path(__file__).resolve().parent.parent / "benchmarks"
sys.path.insert(0, str(BENCHMARKS))

from goals.refresh import (  # noqa: E402  # after sys.path names benchmarks/
    API,
    ApiHost,
    compare,
    curl_argv,
    github_releases,
    pypi_projects,
    run,
)
from goals.startup import script  # noqa: E402  # after sys.path names benchmarks/
from harness import run_quiet  # noqa: E402  # after sys.path names benchmarks/

if TYPE_CHECKING:
    from collections.abc import Iterator

CATALOG = load_catalog()


def get(url: str) -> tuple[int, bytes, str | None]:
    try:
        with urllib.request.urlopen(url, timeout=10) as answer:  # loopback only
            return answer.status, answer.read(), answer.headers.get("Link")
    except urllib.error.HTTPError as error:
        return error.code, error.read(), None


@pytest.fixture
def small_host() -> Iterator[ApiHost]:
    """Three releases of GitHub's API (one page) and PyPI's documents of every project."""
    host = ApiHost(github_releases(CATALOG)[:3], pypi_projects(CATALOG)).start()
    try:
        yield host
    finally:
        host.stop()


def test_the_documents_parse_as_the_apis_they_stand_for() -> None:
    releases = parse_github_page(github_releases(CATALOG), "http://x/")
    tags = {r.tag for r in releases}
    assert "1.16.2.py37" in tags
    assert "2.42.0" in tags
    release = next(r for r in releases if r.tag == "2.42.0")
    assert release.assets
    assert all(a.sha256 for a in release.assets)
    documents = pypi_projects(CATALOG)
    assert set(documents) == {"aimet-torch", "aimet-onnx", "aimet-tensorflow", "aimet"}
    torch = parse_pypi(documents["aimet-torch"], "http://x/pypi/aimet-torch/json")
    assert "aimet_torch-2.42.0-py310-none-any.whl" in {f.filename for f in torch["2.42.0"]}


def test_the_host_answers_each_document_and_404_otherwise(small_host: ApiHost) -> None:
    status, body, link = get(f"{small_host.base}{API}?per_page=100")
    assert status == 200
    assert len(json.loads(body)) == 3
    assert link is None, "three releases fit on one page"
    status, body, _ = get(f"{small_host.base}/pypi/aimet-onnx/json")
    assert status == 200
    assert json.loads(body)["info"]["name"] == "aimet-onnx"
    assert get(f"{small_host.base}/pypi/not-aimet/json")[0] == 404
    assert small_host.take_log()[-1] == "/pypi/not-aimet/json"


def test_pages_of_a_hundred_are_linked() -> None:
    many = github_releases(CATALOG) * 2
    assert len(many) > 100
    host = ApiHost(many, {}).start()
    try:
        status, body, link = get(f"{host.base}{API}?per_page=100")
        assert (status, len(json.loads(body))) == (200, 100)
        assert link == f'<{host.base}{API}?per_page=100&page=2>; rel="next"'
        status, body, _ = get(f"{host.base}{API}?per_page=100&page=2")
        assert (status, len(json.loads(body))) == (200, len(many) - 100)
    finally:
        host.stop()


def test_curl_fetches_the_documents_refresh_read(small_host: ApiHost, tmp_path: Path) -> None:
    env = {"XDG_DATA_HOME": str(tmp_path / "data"), "PATH": "/usr/bin:/bin"}
    asked, samples = compare(small_host, script(), "curl", env, 1, latency=0.0)
    wanted = [f"{API}?per_page=100", *(f"/pypi/{p}/json" for p in pypi_projects(CATALOG))]
    assert sorted(asked) == sorted(wanted), "refresh reads them at the same time: any order"
    assert (len(samples.subject), len(samples.baseline)) == (1, 1)
    overlay = tmp_path / "data" / "aimetenv" / "catalog-overlay.yaml"
    assert overlay.is_file(), "the timed refresh wrote its overlay"

    small_host.take_log()
    run_quiet(curl_argv("curl", small_host, asked))
    assert small_host.take_log() == asked, "curl asks for the same documents, in order"


def test_one_round_of_the_section_gives_the_goal_and_the_reported_line(tmp_path: Path) -> None:
    lines: list[str] = []
    env = {"XDG_DATA_HOME": str(tmp_path / "data"), "PATH": "/usr/bin:/bin"}
    results = run(1, env, lines.append, latency=0.01)
    assert [r.verdict in ("MET", "NOT MET") for r in results] == [True, False]
    assert results[0].goal == "<= 1.50x"
    assert results[1].verdict == "REPORTED"
    assert "5 documents" in results[0].name
    assert lines
    assert "MB of JSON documents" in lines[0]


def test_run_help_names_the_refresh_section() -> None:
    done = subprocess.run(
        [sys.executable, str(BENCHMARKS / "run.py"), "--help"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert "refresh" in done.stdout
