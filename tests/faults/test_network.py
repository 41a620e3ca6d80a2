"""Hosts that fail: 404, 500, silence, a trickle, a cut, refusals, redirects and bad files.

Every host is on 127.0.0.1: the release host of ``support.releasehost`` with its fault scripts, a
socket that never answers, a closed port, an https host with a certificate made for the test,
and the PEP 503 index of ``support.standins``. Downloads happen before the environment is
touched, so a failed download must leave no environment behind.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import TYPE_CHECKING

from faults.cases import case
from faults.helpers import (
    cache_folder,
    check,
    closed_port,
    download_args,
    files_in,
    https_redirector,
    install_args,
    python_runs,
    receipt_of,
    record,
    run,
    silent_host,
)
from support.envs import need_python
from support.legacy import TAG, VARIANT
from support.seeded import make_venv_with_pip
from support.standins import GatedIndex, hermetic_env, modern_args

if TYPE_CHECKING:
    from support.legacy import LegacyRelease
    from support.releasehost import ReleaseHost
    from support.standins import ModernRelease


def common_url(host: ReleaseHost, legacy_release: LegacyRelease) -> str:
    """The URL of the first wheel install fetches (AimetCommon)."""
    return host.file_url(TAG, legacy_release.common.name)


def test_404(host: ReleaseHost, legacy_release: LegacyRelease, tmp_path: Path) -> None:
    host.gone(common_url(host, legacy_release))
    prefix = tmp_path / "env"
    check(run(*install_args(host, "--venv", str(prefix))), case("http-404"))
    assert not prefix.exists()
    assert files_in(cache_folder()) == {}


def test_500_every_time(host: ReleaseHost, legacy_release: LegacyRelease, tmp_path: Path) -> None:
    url = common_url(host, legacy_release)
    host.fail(url, times=None, status=500)
    prefix = tmp_path / "env"
    ran = run(*install_args(host, "--venv", str(prefix)))
    check(ran, case("http-500"))
    assert [h.status for h in host.hits(url)] == [500] * 5
    assert not prefix.exists()
    assert files_in(cache_folder()) == {}
    record("http-500-seconds", ran.seconds)


def test_500_twice_then_the_file(
    host: ReleaseHost, legacy_release: LegacyRelease, tmp_path: Path
) -> None:
    url = common_url(host, legacy_release)
    host.fail(url, times=2, status=500)
    house = tmp_path / "house"
    check(run(*download_args(host, house)), case("http-500-then-ok"))
    manifest = json.loads((house / "manifest.json").read_text())
    served = {w.name: hashlib.sha256(w.read_bytes()).hexdigest() for w in legacy_release.wheels}
    assert {f["filename"]: f["sha256"] for f in manifest["files"]} == served
    assert [h.status for h in host.hits(url)][:2] == [500, 500]


def test_host_that_never_answers(host: ReleaseHost, tmp_path: Path) -> None:
    prefix = tmp_path / "env"
    with silent_host() as mirror:
        args = install_args(host, "--venv", str(prefix))
        args[args.index("--mirror") + 1] = mirror
        ran = run(*args, env=hermetic_env(AIMETENV_TIMEOUT="1"))
    check(ran, case("host-never-answers"))
    assert not prefix.exists()
    assert files_in(cache_folder()) == {}
    record("silent-host-seconds", ran.seconds)


def test_host_that_drips(host: ReleaseHost, legacy_release: LegacyRelease, tmp_path: Path) -> None:
    url = common_url(host, legacy_release)
    host.drip(url, chunk=1, delay=0.2, limit=60.0, times=None)
    prefix = tmp_path / "env"
    ran = run(*install_args(host, "--venv", str(prefix)), env=hermetic_env(AIMETENV_TIMEOUT="1"))
    check(ran, case("host-drips"))
    assert not prefix.exists()
    part = cache_folder() / (legacy_release.common.name + ".part")
    kept = part.stat().st_size
    assert 0 < kept < legacy_release.common.stat().st_size
    assert part.read_bytes() == legacy_release.common.read_bytes()[:kept]
    gets = [h for h in host.hits(url) if h.method == "GET"]
    assert len(gets) == 5
    assert all(h.range is not None for h in gets[1:])  # every retry resumed
    record("drip-seconds", ran.seconds)
    record("drip-bytes-kept", kept)


def test_connection_cut(host: ReleaseHost, legacy_release: LegacyRelease, tmp_path: Path) -> None:
    url = common_url(host, legacy_release)
    host.cut(url, after=3000)
    house = tmp_path / "house"
    check(run(*download_args(host, house)), case("connection-cut"))
    size = legacy_release.common.stat().st_size
    gets = [h for h in host.hits(url) if h.method == "GET"]
    assert [(h.range, h.sent) for h in gets] == [(None, 3000), ("bytes=3000-", size - 3000)]
    assert (house / legacy_release.common.name).read_bytes() == legacy_release.common.read_bytes()
    record("cut-bytes-sent", sum(h.sent for h in gets))
    record("cut-file-size", size)


def test_connection_refused(host: ReleaseHost, tmp_path: Path) -> None:
    prefix = tmp_path / "env"
    args = install_args(host, "--venv", str(prefix))
    args[args.index("--mirror") + 1] = closed_port()
    ran = run(*args)
    check(ran, case("connection-refused"))
    assert not prefix.exists()
    assert files_in(cache_folder()) == {}
    record("refused-seconds", ran.seconds)


def test_torch_index_refused(index: GatedIndex, tmp_path: Path) -> None:
    prefix = tmp_path / "env"
    args = modern_args(index.url, "--venv", str(prefix))
    args[args.index("--torch-index") + 1] = closed_port() + "/simple/"
    ran = run(*args)
    check(ran, case("torch-index-refused"))
    assert not prefix.exists()
    assert index.requests == []


def test_redirect_from_https_to_http(host: ReleaseHost, tmp_path: Path) -> None:
    prefix = tmp_path / "env"
    with https_redirector(tmp_path, "http://aimet-mirror.example") as (mirror, cert, log):
        args = install_args(host, "--venv", str(prefix))
        args[args.index("--mirror") + 1] = mirror
        ran = run(*args, env=hermetic_env(REQUESTS_CA_BUNDLE=str(cert)))
    check(ran, case("redirect-https-to-http"))
    assert len(log) == 1
    assert not prefix.exists()
    assert files_in(cache_folder()) == {}


def test_redirect_to_a_broken_location(
    host: ReleaseHost, legacy_release: LegacyRelease, tmp_path: Path
) -> None:
    host.redirect(common_url(host, legacy_release), "http://[::1/x")
    prefix = tmp_path / "env"
    check(run(*install_args(host, "--venv", str(prefix))), case("redirect-broken-location"))
    assert not prefix.exists()
    assert files_in(cache_folder()) == {}


def test_truncated_wheel(host: ReleaseHost, legacy_release: LegacyRelease, tmp_path: Path) -> None:
    host.publish(TAG, legacy_release.common.name, legacy_release.common.read_bytes()[:3000])
    prefix = tmp_path / "env"
    check(run(*install_args(host, "--venv", str(prefix))), case("wheel-truncated"))
    assert not prefix.exists()
    assert not [n for n in files_in(cache_folder()) if n.startswith("AimetCommon")]


def test_error_page_instead_of_a_wheel(
    host: ReleaseHost, legacy_release: LegacyRelease, tmp_path: Path
) -> None:
    page = b"<!DOCTYPE html><html><body>Please log in to the proxy.</body></html>\n"
    host.publish(TAG, legacy_release.common.name, page)
    prefix = tmp_path / "env"
    check(run(*install_args(host, "--venv", str(prefix))), case("wheel-is-an-error-page"))
    assert not prefix.exists()
    assert not [n for n in files_in(cache_folder()) if n.startswith("AimetCommon")]


def test_broken_wheel_left_in_the_cache(
    host: ReleaseHost, legacy_release: LegacyRelease, tmp_path: Path
) -> None:
    folder = cache_folder()
    folder.mkdir(parents=True)
    name = legacy_release.common.name
    cut = legacy_release.common.read_bytes()[:3000]
    (folder / name).write_bytes(cut)
    (folder / (name + ".sha256")).write_text(f"{hashlib.sha256(cut).hexdigest()}  {name}\n")
    prefix = tmp_path / "env"
    ran = run(*install_args(host, "--venv", str(prefix)))
    check(ran, case("cache-holds-a-broken-wheel"))
    assert (folder / name).read_bytes() == legacy_release.common.read_bytes()
    assert receipt_of(prefix).is_file()
    assert f"the cached {name} was not a readable wheel; fetched it again" in ran.stderr


def test_sha256_mismatch(host: ReleaseHost, legacy_release: LegacyRelease, tmp_path: Path) -> None:
    def asset(path: Path, digest: str) -> dict[str, object]:
        return {"name": path.name, "size": path.stat().st_size, "digest": f"sha256:{digest}",
                "browser_download_url": host.file_url(TAG, path.name)}  # fmt: skip

    wrong = hashlib.sha256(b"the file GitHub has").hexdigest()
    assets = [asset(legacy_release.common, wrong)] + [
        asset(w, hashlib.sha256(w.read_bytes()).hexdigest()) for w in legacy_release.wheels[1:]
    ]
    api = "repos/quic/aimet/releases"
    release = {"tag_name": TAG, "html_url": host.url(f"releases/{TAG}"), "draft": False,
               "prerelease": False, "published_at": "2021-06-18T00:00:00Z", "assets": assets}  # fmt: skip
    host.serve_json(api, [release], query={"per_page": "100"})
    refreshed = run("releases", "--refresh", "--github-api", host.url(api), "--pypi-url",
                    host.url("pypi"))  # fmt: skip
    assert refreshed.returncode == 0, refreshed.stderr
    assert f"{TAG} {VARIANT}" in run("releases", "--refresh", "--github-api", host.url(api),
                                     "--pypi-url", host.url("pypi"), "--json").stdout  # fmt: skip
    prefix = tmp_path / "env"
    check(run(*install_args(host, "--venv", str(prefix))), case("sha256-mismatch"))
    assert not prefix.exists()
    assert not [n for n in files_in(cache_folder()) if n.startswith("AimetCommon")]


def _index_without_aimet(modern: ModernRelease, folder: Path) -> Path:
    folder.mkdir()
    for wheel in (modern.torch, modern.torchvision):
        (folder / wheel.name).write_bytes(wheel.read_bytes())
    return folder


def test_pip_fails_midway(modern: ModernRelease, index: GatedIndex, tmp_path: Path) -> None:
    prefix = tmp_path / "env"
    with GatedIndex(_index_without_aimet(modern, tmp_path / "partial")) as without_aimet:
        ran = run(*modern_args(without_aimet.url, "--venv", str(prefix)))
    check(ran, case("pip-fails-midway"))
    pips = "No matching distribution found for aimet-torch==2.42.0"
    assert pips in ran.stderr  # among pip's last lines, under the error line
    assert pips in Path(ran.stderr.rsplit("  log: ", 1)[1].strip()).read_text()
    assert not prefix.exists()
    rerun = run(*modern_args(index.url, "--venv", str(prefix)))
    assert rerun.returncode == 0, rerun.stderr
    assert receipt_of(prefix).is_file()


def test_pip_fails_with_keep_failed(modern: ModernRelease, tmp_path: Path) -> None:
    prefix = tmp_path / "env"
    with GatedIndex(_index_without_aimet(modern, tmp_path / "partial")) as without_aimet:
        ran = run(*modern_args(without_aimet.url, "--venv", str(prefix), "--keep-failed"))
    check(ran, case("pip-fails-keep-failed"))
    assert not receipt_of(prefix).exists()
    assert python_runs(prefix, "import torch; print(torch.__version__)").strip() == "2.13.0"


def test_pip_fails_in_an_existing_env(modern: ModernRelease, tmp_path: Path) -> None:
    prefix = tmp_path / "env"
    make_venv_with_pip(need_python("3.10"), prefix)
    with GatedIndex(_index_without_aimet(modern, tmp_path / "partial")) as without_aimet:
        ran = run(*modern_args(without_aimet.url, "--venv", str(prefix)))
    line = check(ran, case("pip-fails-existing-env"))
    assert "torchvision" in line
    assert not receipt_of(prefix).exists()
    assert python_runs(prefix, "import torch; print(torch.__version__)").strip() == "2.13.0"
