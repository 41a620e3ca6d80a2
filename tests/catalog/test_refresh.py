"""Catalog refresh against a loopback server that answers like the GitHub and PyPI JSON APIs."""

from __future__ import annotations

import json
import socket
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from aimetenv.catalog import refresh
from aimetenv.catalog.load import load_catalog
from aimetenv.errors import NetworkError
from aimetenv.exit_codes import ExitCode
from aimetenv.fetch.http import HttpClient
from aimetenv.install import resolver
from support.releasehost import ReleaseHost

if TYPE_CHECKING:
    from collections.abc import Iterator

    from aimetenv.catalog.model import Catalog, Source

DATA = Path(__file__).resolve().parents[1] / "data" / "refresh"
API = "repos/quic/aimet/releases"
TODAY = "2026-12-24"


def fixture(name: str) -> Any:
    return json.loads((DATA / name).read_text())


def digest_of(page: str, tag: str, name: str) -> str | None:
    for release in fixture(page):
        if release["tag_name"] == tag:
            for asset in release["assets"]:
                if asset["name"] == name:
                    value = asset.get("digest")
                    return value.split(":", 1)[1] if value else None
    raise AssertionError(name)


def serve_apis(
    host: ReleaseHost, api_path: str = API, torch_document: object | None = None
) -> None:
    page2 = f"{{base}}/{api_path}?per_page=100&page=2"
    host.serve_json(
        api_path,
        fixture("github-releases-page1.json"),
        query={"per_page": "100"},
        headers={"Link": f'<{page2}>; rel="next", <{page2}>; rel="last"'},
    )
    host.serve_json(
        api_path,
        fixture("github-releases-page2.json"),
        query={"per_page": "100", "page": "2"},
        headers={"Link": f'<{{base}}/{api_path}?per_page=100&page=1>; rel="first"'},
    )
    host.serve_json(
        "pypi/aimet-torch/json",
        fixture("pypi-aimet-torch.json") if torch_document is None else torch_document,
    )
    host.serve_json("pypi/aimet-onnx/json", fixture("pypi-aimet-onnx.json"))


@pytest.fixture
def host(tmp_path: Path) -> Iterator[ReleaseHost]:
    with ReleaseHost(tmp_path / "host") as server:
        yield server


def run(
    host: ReleaseHost, overlay: Path, *, api: str = API, retries: int = 1
) -> refresh.RefreshResult:
    return refresh.refresh(
        catalog=load_catalog(),
        overlay=overlay,
        github_api=host.url(api),
        pypi_url=host.url("pypi"),
        client=HttpClient(retries=retries, backoff=0.0, timeout=10),
        today=TODAY,
    )


def test_a_catalog_loader_is_called_once_and_writes_the_same_overlay(
    host: ReleaseHost, tmp_path: Path
) -> None:
    """The CLI passes a function that loads the catalog, so that it loads while hosts answer."""
    serve_apis(host)
    given = run(host, tmp_path / "given.yaml")
    calls: list[int] = []

    def loader() -> Catalog:
        calls.append(1)
        return load_catalog()

    loaded = refresh.refresh(
        catalog=loader,
        overlay=tmp_path / "loaded.yaml",
        github_api=host.url(API),
        pypi_url=host.url("pypi"),
        client=HttpClient(retries=1, backoff=0.0, timeout=10),
        today=TODAY,
    )
    assert calls == [1]
    assert (tmp_path / "loaded.yaml").read_text() == (tmp_path / "given.yaml").read_text()
    assert loaded.to_dict() | {"overlay": ""} == given.to_dict() | {"overlay": ""}


def github(catalog: Catalog, tag: str, variant: str) -> Source:
    release = catalog.get(tag)
    assert release is not None, tag
    source = release.variants[variant].github
    assert source is not None
    return source


@pytest.fixture(scope="module")
def refreshed_host(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ReleaseHost]:
    with ReleaseHost(tmp_path_factory.mktemp("apis")) as server:
        serve_apis(server)
        yield server


@pytest.fixture(scope="module")
def refreshed(
    refreshed_host: ReleaseHost, tmp_path_factory: pytest.TempPathFactory
) -> tuple[refresh.RefreshResult, Catalog]:
    """One refresh shared by the tests that only read its result."""
    overlay = tmp_path_factory.mktemp("refreshed") / "overlay.yaml"
    result = run(refreshed_host, overlay)
    return result, load_catalog(overlay)


def test_reads_every_page_and_both_projects(
    refreshed: tuple[refresh.RefreshResult, Catalog], refreshed_host: ReleaseHost
) -> None:
    result, _catalog = refreshed
    assert result.github_releases == 9
    assert result.pypi_versions == {"aimet-torch": 5, "aimet-onnx": 4}, "yanked ones counted"
    assert [h.query for h in refreshed_host.hits(API)] == ["per_page=100", "per_page=100&page=2"]


def test_known_releases_get_real_names_and_digests(
    refreshed: tuple[refresh.RefreshResult, Catalog],
) -> None:
    _result, catalog = refreshed
    onnx = github(catalog, "2.42.0", "onnx-cpu")
    name = "aimet_onnx-2.42.0-cp310-abi3-manylinux_2_34_x86_64.whl"
    assert [w.filename for w in onnx.wheels] == [name]
    assert onnx.confidence == "verified-asset"
    assert onnx.evidence == (
        f"REL https://github.com/quic/aimet/releases/tag/2.42.0 (refreshed {TODAY})"
    )
    assert onnx.sha256 == {name: digest_of("github-releases-page1.json", "2.42.0", name)}
    assert onnx.glibc == "2.34"

    cpu = github(catalog, "2.39.0", "torch-cpu")
    assert [w.filename for w in cpu.wheels] == ["aimet_torch-2.39.0+cpu-py310-none-any.whl"]

    tf_cpu = github(catalog, "1.34.0", "tf-cpu")
    assert tf_cpu.confidence == "verified-asset"  # was verified-doc
    assert tf_cpu.sha256 == {}  # 1.x assets carry no digest
    torch = github(catalog, "1.34.0", "torch-cpu")
    assert torch.wheels[0].find_links
    assert torch.pip == "<24.1"


def test_legacy_names_become_verified_with_everything_else_kept(
    refreshed: tuple[refresh.RefreshResult, Catalog],
) -> None:
    _result, catalog = refreshed
    before = github(load_catalog(), "1.16.2.py37", "torch-cpu")
    after = github(catalog, "1.16.2.py37", "torch-cpu")
    assert before.confidence == "inferred"
    assert after.confidence == "verified-asset"
    assert [w.filename for w in after.wheels] == [w.filename for w in before.wheels]
    assert not any(w.verified for w in before.wheels)
    assert all(w.quoted and w.quoted.startswith("REL ") for w in after.wheels), (
        "the release listing quotes each name"
    )
    assert (after.pins, after.pip, after.python, after.note) == (
        before.pins,
        before.pip,
        before.python,
        before.note,
    )
    plan = resolver.resolve(catalog, "torch-cpu", "1.16.2.py37", resolver.Target())
    assert not any(w.check_exists for w in plan.wheels)


def test_a_different_cuda_tag_is_matched_to_the_one_gpu_asset(
    refreshed: tuple[refresh.RefreshResult, Catalog],
) -> None:
    result, catalog = refreshed
    onnx_gpu = github(catalog, "2.1.0", "onnx-gpu")
    assert [w.filename for w in onnx_gpu.wheels] == [
        "aimet_onnx-2.1.0+cu121-cp310-cp310-manylinux_2_34_x86_64.whl"
    ]
    assert [w.filename for w in github(catalog, "2.1.0", "tf-gpu").wheels] == [
        "aimet_tf-2.1.0+cu118-cp310-cp310-manylinux_2_34_x86_64.whl"
    ]
    assert "2.1.0 onnx-gpu" in result.verified


def test_plan_carries_the_digest_and_skips_the_head_check(
    refreshed: tuple[refresh.RefreshResult, Catalog],
) -> None:
    _result, catalog = refreshed
    plan = resolver.resolve(
        catalog, "onnx-cpu", "2.42.0", resolver.Target(), resolver.Options(source="github")
    )
    (wheel,) = plan.wheels
    assert wheel.sha256 == digest_of("github-releases-page1.json", "2.42.0", wheel.filename)
    assert not wheel.check_exists


def test_new_release_is_added_with_the_newest_era(
    refreshed: tuple[refresh.RefreshResult, Catalog],
) -> None:
    result, catalog = refreshed
    assert result.added == ("2.43.0", "2.44.0")
    release = catalog.get("2.43.0")
    assert release is not None
    assert (release.era, release.date, release.hosting, release.prefer) == (
        "M",
        "2026-12-02",
        ("github", "pypi"),
        "pypi",
    )
    assert sorted(release.variants) == ["onnx-cpu", "onnx-gpu", "torch-cpu", "torch-gpu"]
    assert [w.filename for w in github(catalog, "2.43.0", "onnx-cpu").wheels] == [
        "aimet_onnx-2.43.0+cpu-cp310-abi3-manylinux_2_34_x86_64.whl"
    ], "a +cpu asset wins when the new release has one"
    assert [w.filename for w in github(catalog, "2.43.0", "torch-cpu").wheels] == [
        "aimet_torch-2.43.0-py310-none-any.whl"
    ]
    pypi = release.variants["onnx-gpu"].pypi
    assert pypi is not None
    assert (pypi.requirement, pypi.wheel_tags, pypi.python, pypi.glibc) == (
        "aimet-onnx==2.43.0",
        ("cp310-abi3-manylinux_2_34_x86_64",),
        ">=3.10",
        "2.34",
    )
    assert dict(pypi.replace) == {"onnxruntime": "onnxruntime-gpu"}
    plan = resolver.resolve(catalog, "torch-cpu", "2.43.0", resolver.Target())
    (wheel,) = plan.wheels
    torch_files = fixture("pypi-aimet-torch.json")["releases"]["2.43.0"]
    (published,) = [f for f in torch_files if f["filename"] == wheel.filename]
    assert (wheel.url, wheel.sha256) == (published["url"], published["digests"]["sha256"]), (
        "the PyPI file of a release the packaged catalog does not know is installable and checked"
    )


def test_pypi_only_release_and_yanked_files(
    refreshed: tuple[refresh.RefreshResult, Catalog],
) -> None:
    result, catalog = refreshed
    release = catalog.get("2.44.0")
    assert release is not None
    assert (release.hosting, release.date) == (("pypi",), "2026-12-14")
    onnx = release.variants["onnx-cpu"].pypi
    assert onnx is not None
    assert onnx.wheel_tags == ("cp310-abi3-manylinux_2_34_x86_64",), "no Windows tags"
    assert catalog.get("2.46.0") is None, "yanked everywhere"
    assert catalog.get("2.45.0") is None, "a draft"
    assert "2.45.0: draft or pre-release" in result.skipped
    assert "2.0: not a release tag" in result.skipped
    assert "1.31.3: older than 2.42.0 and not in the catalog" in result.skipped


def test_refresh_is_idempotent(tmp_path: Path, host: ReleaseHost) -> None:
    serve_apis(host)
    run(host, tmp_path / "a.yaml")
    run(host, tmp_path / "b.yaml")
    first = (tmp_path / "a.yaml").read_text().replace("a.yaml", "")
    assert first == (tmp_path / "b.yaml").read_text().replace("b.yaml", "")
    assert first.startswith("# The aimetenv catalog overlay")


def test_pypi_down_github_still_read_and_the_last_pypi_answer_kept(
    tmp_path: Path, host: ReleaseHost
) -> None:
    serve_apis(host)
    overlay = tmp_path / "overlay.yaml"
    run(host, overlay)
    assert load_catalog(overlay).get("2.44.0") is not None, "PyPI-only, from the first refresh"
    host.fail("pypi/aimet-onnx/json", times=None, status=503)
    result = run(host, overlay, retries=1)
    (line,) = result.sources_skipped
    assert line.startswith("PyPI: ")
    assert f"{host.url('pypi/aimet-onnx/json')} answered 503" in line
    assert line.endswith("(its last answer was kept)")
    assert result.github_releases == 9
    assert "2.42.0 onnx-cpu" in result.verified
    assert load_catalog(overlay).get("2.44.0") is not None, "the last PyPI answer stays"
    assert [h.status for h in host.hits("pypi/aimet-onnx/json")] == [200, 503, 503]


def test_github_rate_limited_pypi_still_read(tmp_path: Path, host: ReleaseHost) -> None:
    serve_apis(host)
    host.fail(API, times=None, status=403,
              headers={"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": "1798761600"})  # fmt: skip
    result = run(host, tmp_path / "overlay.yaml")
    (line,) = result.sources_skipped
    assert line.startswith("GitHub: the GitHub API rate limit is used up until 00:00 UTC")
    assert len(host.hits(API)) == 1, "a used-up rate limit is not retried"
    catalog = load_catalog(tmp_path / "overlay.yaml")
    release = catalog.get("2.44.0")
    assert release is not None
    assert release.hosting == ("pypi",)
    assert result.verified == ()


def test_a_github_that_never_answers_is_given_up_after_the_timeout(
    tmp_path: Path, host: ReleaseHost
) -> None:
    serve_apis(host)
    silent = socket.socket()  # a real host that takes the connection and never says a word
    silent.bind(("127.0.0.1", 0))
    silent.listen(8)
    port = silent.getsockname()[1]
    try:
        result = refresh.refresh(
            catalog=load_catalog(),
            overlay=tmp_path / "overlay.yaml",
            github_api=f"http://127.0.0.1:{port}/{API}",
            pypi_url=host.url("pypi"),
            client=HttpClient(retries=0, backoff=0.0, timeout=0.2, allow_http=True),
            today=TODAY,
        )
    finally:
        silent.close()
    assert [s.split(":", 1)[0] for s in result.sources_skipped] == ["GitHub"]
    assert result.pypi_files > 0


def test_a_malformed_pypi_answer_skips_pypi_only(tmp_path: Path, host: ReleaseHost) -> None:
    serve_apis(host, torch_document={"info": {}, "releases": ["not", "a", "mapping"]})
    result = run(host, tmp_path / "overlay.yaml")
    (line,) = result.sources_skipped
    assert line.startswith(f"PyPI: {host.url('pypi/aimet-torch/json')} is not a PyPI JSON API")
    assert result.github_releases == 9


def test_both_down_is_exit_3_and_leaves_the_old_overlay(tmp_path: Path, host: ReleaseHost) -> None:
    overlay = tmp_path / "overlay.yaml"
    overlay.write_text("schema: 1\nreleases: []\n")
    host.gone(API, status=403)
    host.gone("pypi/aimet-torch/json", status=403)
    with pytest.raises(NetworkError) as caught:
        run(host, overlay)
    assert caught.value.exit_code == ExitCode.NETWORK
    assert caught.value.code == "http-403"
    message = caught.value.message
    assert message.startswith("neither source answered (GitHub: ")
    assert f"; PyPI: {host.url('pypi/aimet-torch/json')}" in message
    assert overlay.read_text() == "schema: 1\nreleases: []\n"


def test_unknown_api_is_a_404_with_the_url(tmp_path: Path, host: ReleaseHost) -> None:
    with pytest.raises(NetworkError) as caught:
        run(host, tmp_path / "overlay.yaml", api="repos/nobody/nothing/releases")
    assert caught.value.code == "not-found"
    assert host.url("repos/nobody/nothing/releases") in caught.value.message


def test_a_project_pypi_does_not_know_is_skipped(tmp_path: Path, host: ReleaseHost) -> None:
    serve_apis(host)
    host.gone("pypi/aimet-onnx/json")
    result = run(host, tmp_path / "overlay.yaml")
    assert f"aimet-onnx: not on {host.url('pypi')}" in result.skipped
    assert result.pypi_versions == {"aimet-torch": 5, "aimet-onnx": 0}
    assert (tmp_path / "overlay.yaml").exists()


def test_wrong_shape_is_refused(tmp_path: Path, host: ReleaseHost) -> None:
    host.serve_json(API, {"message": "Not Found", "documentation_url": "https://docs.github.com"})
    with pytest.raises(NetworkError) as caught:
        run(host, tmp_path / "overlay.yaml")
    assert caught.value.code == "bad-response"


def test_moved_repository_redirect_is_followed(tmp_path: Path, host: ReleaseHost) -> None:
    moved = "repositories/283761294/releases"
    serve_apis(host, moved)
    host.redirect(API, host.url(f"{moved}?per_page=100"), status=301)
    result = run(host, tmp_path / "overlay.yaml")
    assert result.github_releases == 9


def test_redirect_to_plain_http_elsewhere_is_refused(tmp_path: Path, host: ReleaseHost) -> None:
    host.redirect(API, "http://api.example/repos/quic/aimet/releases")
    with pytest.raises(NetworkError) as caught:
        run(host, tmp_path / "overlay.yaml")
    assert caught.value.code == "insecure-redirect"


def test_reset_removes_the_overlay(tmp_path: Path) -> None:
    overlay = tmp_path / "overlay.yaml"
    overlay.write_text("schema: 1\n")
    assert refresh.reset(overlay)
    assert not overlay.exists()
    assert not refresh.reset(overlay)
