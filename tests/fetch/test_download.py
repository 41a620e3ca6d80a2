"""The downloader against a real loopback release host: cache, retries, resume, integrity, faults."""

from __future__ import annotations

import hashlib
import json
import re
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from aimetenv.errors import IntegrityError, NetworkError
from aimetenv.exit_codes import ExitCode
from aimetenv.fetch.checksums import read_record
from aimetenv.fetch.download import Downloader, Fetched
from aimetenv.install.plan import PlannedWheel
from support.releasehost import ReleaseHost

if TYPE_CHECKING:
    from collections.abc import Iterator

TAG = "1.16.2.py37"
NAME = "AimetCommon-torch_cpu_1.16.2.py37-cp37-cp37m-linux_x86_64.whl"
DATA = bytes(range(256)) * 4096  # 1 MiB, several read blocks


@pytest.fixture
def host(tmp_path: Path) -> Iterator[ReleaseHost]:
    with ReleaseHost(tmp_path / "host") as server:
        yield server


def wheel(url: str, *, sha256: str | None = None, name: str = NAME) -> PlannedWheel:
    return PlannedWheel(filename=name, url=url, confidence="inferred", sha256=sha256)


def downloader(tmp_path: Path, **settings: Any) -> Downloader:
    settings.setdefault("backoff", 0.0)
    settings.setdefault("timeout", 10.0)
    return Downloader(cache_root=tmp_path / "cache", **settings)


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def gets(host: ReleaseHost, url: str) -> list[int]:
    return [h.status for h in host.hits(url) if h.method == "GET"]


def test_fetch_downloads_records_and_reuses(tmp_path: Path, host: ReleaseHost) -> None:
    url = host.publish(TAG, NAME, DATA)
    first = downloader(tmp_path).fetch(wheel(url), TAG)
    assert first.path == tmp_path / "cache" / TAG / NAME
    assert first.path.read_bytes() == DATA
    assert (first.sha256, first.size) == (sha(DATA), len(DATA))
    assert (first.bytes_transferred, first.from_cache, first.resumed) == (len(DATA), False, False)
    record = first.path.with_name(NAME + ".sha256").read_text()
    assert record == f"{sha(DATA)}  {NAME}\n"
    assert sorted(p.name for p in first.path.parent.iterdir() if not p.name.startswith(".")) == [
        NAME,
        NAME + ".sha256",
    ]

    again = downloader(tmp_path).fetch(wheel(url, sha256=sha(DATA)), TAG)
    assert (again.from_cache, again.bytes_transferred, again.sha256) == (True, 0, sha(DATA))
    assert gets(host, url) == [200]


def test_500_then_success_is_retried_with_growing_backoff(
    tmp_path: Path, host: ReleaseHost
) -> None:
    url = host.publish(TAG, NAME, DATA)
    host.fail(url, times=2, status=500)
    host.fail(url, times=1, status=503)
    waits: list[float] = []
    fetched = downloader(tmp_path, backoff=0.25, sleep=waits.append).fetch(wheel(url), TAG)
    assert fetched.sha256 == sha(DATA)
    assert gets(host, url) == [500, 500, 503, 200]
    assert waits == [0.25, 0.5, 1.0]


def test_429_honours_retry_after(tmp_path: Path, host: ReleaseHost) -> None:
    url = host.publish(TAG, NAME, DATA)
    host.fail(url, times=1, status=429, headers={"Retry-After": "3"})
    waits: list[float] = []
    downloader(tmp_path, backoff=0.1, sleep=waits.append).fetch(wheel(url), TAG)
    assert waits == [3.0]


def test_persistent_500_gives_up_with_exit_code_3(tmp_path: Path, host: ReleaseHost) -> None:
    url = host.publish(TAG, NAME, DATA)
    host.fail(url, times=None, status=502)
    with pytest.raises(NetworkError) as caught:
        downloader(tmp_path, retries=2).fetch(wheel(url), TAG)
    assert caught.value.exit_code == ExitCode.NETWORK
    assert caught.value.code == "http-502"
    assert "gave up after 3 attempts" in caught.value.message
    assert url in caught.value.message
    assert gets(host, url) == [502, 502, 502]
    assert not (tmp_path / "cache" / TAG / NAME).exists()


def test_403_is_not_retried(tmp_path: Path, host: ReleaseHost) -> None:
    url = host.publish(TAG, NAME, DATA)
    host.fail(url, times=None, status=403)
    with pytest.raises(NetworkError) as caught:
        downloader(tmp_path).fetch(wheel(url), TAG)
    assert caught.value.code == "http-403"
    assert gets(host, url) == [403]


def test_connection_cut_mid_file_resumes_with_range(tmp_path: Path, host: ReleaseHost) -> None:
    url = host.publish(TAG, NAME, DATA)
    host.cut(url, after=300_000)
    fetched = downloader(tmp_path).fetch(wheel(url, sha256=sha(DATA)), TAG)
    assert fetched.path.read_bytes() == DATA
    assert fetched.resumed
    first, second = [h for h in host.hits(url) if h.method == "GET"]
    assert (first.range, first.sent) == (None, 300_000)
    assert second.range == "bytes=300000-"
    assert second.if_range is not None
    assert second.status == 206
    assert second.sent == len(DATA) - 300_000 < len(DATA)
    assert fetched.bytes_transferred == len(DATA)
    # The digest is taken as the bytes arrive, across the attempts.
    assert fetched.sha256 == read_record(fetched.path) == sha(DATA)


def test_interrupted_download_resumes_in_the_next_run(tmp_path: Path, host: ReleaseHost) -> None:
    url = host.publish(TAG, NAME, DATA)
    host.cut(url, after=400_000)
    with pytest.raises(NetworkError) as caught:
        downloader(tmp_path, retries=0).fetch(wheel(url), TAG)
    assert caught.value.code == "connection"
    part = tmp_path / "cache" / TAG / (NAME + ".part")
    assert part.stat().st_size == 400_000
    assert not (tmp_path / "cache" / TAG / NAME).exists()

    fetched = downloader(tmp_path).fetch(wheel(url), TAG)
    assert fetched.resumed
    assert fetched.bytes_transferred == len(DATA) - 400_000 < len(DATA)
    assert fetched.path.read_bytes() == DATA
    # A resume in a later run first hashes the part it finds.
    assert fetched.sha256 == read_record(fetched.path) == sha(DATA)
    assert not part.exists()
    assert not part.with_name(NAME + ".part.json").exists()


def test_changed_file_is_fetched_whole_after_if_range(tmp_path: Path, host: ReleaseHost) -> None:
    url = host.publish(TAG, NAME, DATA)
    host.cut(url, after=100_000)
    with pytest.raises(NetworkError):
        downloader(tmp_path, retries=0).fetch(wheel(url), TAG)
    newer = DATA[::-1]
    host.publish(TAG, NAME, newer)
    fetched = downloader(tmp_path).fetch(wheel(url), TAG)
    assert fetched.path.read_bytes() == newer
    assert fetched.bytes_transferred == len(newer)
    assert gets(host, url)[-1] == 200


def test_server_without_ranges_starts_over(tmp_path: Path, host: ReleaseHost) -> None:
    url = host.publish(TAG, NAME, DATA)
    host.ranges = False
    host.cut(url, after=200_000)
    fetched = downloader(tmp_path).fetch(wheel(url), TAG)
    assert fetched.path.read_bytes() == DATA
    assert gets(host, url) == [200, 200]


def test_complete_part_left_by_a_crash_is_finished_without_refetching(
    tmp_path: Path, host: ReleaseHost
) -> None:
    url = host.publish(TAG, NAME, DATA)
    folder = tmp_path / "cache" / TAG
    folder.mkdir(parents=True)
    (folder / (NAME + ".part")).write_bytes(DATA)
    (folder / (NAME + ".part.json")).write_text(json.dumps({"url": url}))
    fetched = downloader(tmp_path).fetch(wheel(url), TAG)
    assert (fetched.bytes_transferred, fetched.sha256) == (0, sha(DATA))
    assert gets(host, url) == [416]


def test_part_from_another_url_is_not_resumed(tmp_path: Path, host: ReleaseHost) -> None:
    url = host.publish(TAG, NAME, DATA)
    folder = tmp_path / "cache" / TAG
    folder.mkdir(parents=True)
    (folder / (NAME + ".part")).write_bytes(b"x" * 1000)
    (folder / (NAME + ".part.json")).write_text(json.dumps({"url": "https://other.example/x"}))
    fetched = downloader(tmp_path).fetch(wheel(url), TAG)
    assert fetched.path.read_bytes() == DATA
    assert [h.range for h in host.hits(url)] == [None]


def test_wrong_sha256_is_refused_and_nothing_kept(tmp_path: Path, host: ReleaseHost) -> None:
    url = host.publish(TAG, NAME, DATA)
    expected = sha(b"the file the catalog knows")
    with pytest.raises(IntegrityError) as caught:
        downloader(tmp_path).fetch(wheel(url, sha256=expected), TAG)
    assert caught.value.exit_code == ExitCode.INTEGRITY
    assert caught.value.code == "sha256-mismatch"
    assert expected in caught.value.message
    assert sha(DATA) in caught.value.message
    folder = tmp_path / "cache" / TAG
    assert [p.name for p in folder.iterdir() if not p.name.startswith(".")] == []


def test_resumed_mismatch_is_fetched_whole_once_more(tmp_path: Path, host: ReleaseHost) -> None:
    url = host.publish(TAG, NAME, DATA)
    folder = tmp_path / "cache" / TAG
    folder.mkdir(parents=True)
    (folder / (NAME + ".part")).write_bytes(b"\xff" * 5000)  # bytes of some older upload
    (folder / (NAME + ".part.json")).write_text(json.dumps({"url": url}))
    fetched = downloader(tmp_path).fetch(wheel(url, sha256=sha(DATA)), TAG)
    assert fetched.path.read_bytes() == DATA
    assert any("did not match" in note for note in fetched.notes)
    assert [h.range for h in host.hits(url)] == ["bytes=5000-", None]


def test_404_names_the_url_and_suggests_releases(tmp_path: Path, host: ReleaseHost) -> None:
    url = host.file_url(TAG, NAME)
    with pytest.raises(NetworkError) as caught:
        downloader(tmp_path).fetch(wheel(url), TAG)
    error = caught.value
    assert error.exit_code == ExitCode.NETWORK
    assert error.code == "not-found"
    assert url in error.message
    assert error.hint is not None
    assert f"aimetenv releases {TAG}" in error.hint
    assert "aimetenv releases --refresh" in error.hint
    assert gets(host, url) == [404]


def test_offline_is_served_from_the_cache_without_network(tmp_path: Path) -> None:
    with ReleaseHost(tmp_path / "host") as server:
        url = server.publish(TAG, NAME, DATA)
        downloader(tmp_path).fetch(wheel(url), TAG)
    offline = downloader(tmp_path, offline=True)
    fetched = offline.fetch(wheel(url), TAG)
    assert (fetched.from_cache, fetched.bytes_transferred) == (True, 0)
    assert offline.exists(url)
    assert not offline.exists(url.replace(NAME, "Aimet-other.whl"))


def test_offline_miss_says_what_to_do(tmp_path: Path, host: ReleaseHost) -> None:
    url = host.publish(TAG, NAME, DATA)
    with pytest.raises(NetworkError) as caught:
        downloader(tmp_path, offline=True).fetch(wheel(url), TAG)
    assert caught.value.code == "offline-miss"
    assert caught.value.hint is not None
    assert "aimetenv download" in caught.value.hint
    assert "--wheel-dir" in caught.value.hint
    assert host.hits() == []


def test_damaged_cache_entry_is_discarded_and_fetched_again(
    tmp_path: Path, host: ReleaseHost
) -> None:
    url = host.publish(TAG, NAME, DATA)
    first = downloader(tmp_path).fetch(wheel(url), TAG)
    damaged = bytearray(DATA)
    damaged[1000] ^= 0xFF
    first.path.write_bytes(bytes(damaged))
    again = downloader(tmp_path).fetch(wheel(url), TAG)
    assert not again.from_cache
    assert again.path.read_bytes() == DATA
    assert any("damaged" in note for note in again.notes)
    assert read_record(again.path) == sha(DATA)


def test_cached_file_without_record_is_adopted_when_the_plan_knows_its_sha(
    tmp_path: Path, host: ReleaseHost
) -> None:
    url = host.publish(TAG, NAME, DATA)
    folder = tmp_path / "cache" / TAG
    folder.mkdir(parents=True)
    (folder / NAME).write_bytes(DATA)
    fetched = downloader(tmp_path).fetch(wheel(url, sha256=sha(DATA)), TAG)
    assert fetched.from_cache
    assert read_record(fetched.path) == sha(DATA)
    assert host.hits() == []


def test_cache_entry_that_differs_from_the_known_sha_is_replaced(
    tmp_path: Path, host: ReleaseHost
) -> None:
    old = b"an older upload of the same name"
    url = host.publish(TAG, NAME, old)
    downloader(tmp_path).fetch(wheel(url), TAG)
    host.publish(TAG, NAME, DATA)
    fetched = downloader(tmp_path).fetch(wheel(url, sha256=sha(DATA)), TAG)
    assert fetched.path.read_bytes() == DATA
    assert any("not the file the catalog knows" in n for n in fetched.notes)


def test_redirects_are_followed_and_ranges_kept(tmp_path: Path, host: ReleaseHost) -> None:
    target = host.publish("objects", NAME, DATA)
    url = host.file_url(TAG, NAME)
    host.redirect(url, target)
    host.cut(target, after=50_000)
    fetched = downloader(tmp_path).fetch(wheel(url), TAG)
    assert fetched.path.read_bytes() == DATA
    assert [h.range for h in host.hits(target)] == [None, "bytes=50000-"]


def test_redirect_to_plain_http_elsewhere_is_refused(tmp_path: Path, host: ReleaseHost) -> None:
    url = host.publish(TAG, NAME, DATA)
    host.redirect(url, "http://aimet-mirror.example/file.whl")
    with pytest.raises(NetworkError) as caught:
        downloader(tmp_path).fetch(wheel(url), TAG)
    assert caught.value.code == "insecure-redirect"
    assert "http://aimet-mirror.example/file.whl" in caught.value.message
    assert caught.value.exit_code == ExitCode.NETWORK


def test_redirect_loop_stops(tmp_path: Path, host: ReleaseHost) -> None:
    url = host.file_url(TAG, NAME)
    host.redirect(url, url)
    with pytest.raises(NetworkError) as caught:
        downloader(tmp_path).fetch(wheel(url), TAG)
    assert caught.value.code == "too-many-redirects"
    assert len(host.hits(url)) == 11


@pytest.mark.parametrize(
    "url",
    ["http://aimet-mirror.example/1.16.2.py37/x.whl", "ftp://127.0.0.1/x.whl"],
)
def test_plain_http_to_other_hosts_is_refused_before_any_request(tmp_path: Path, url: str) -> None:
    with pytest.raises(NetworkError) as caught:
        downloader(tmp_path).fetch(wheel(url), TAG)
    assert caught.value.code == "insecure-url"
    with pytest.raises(NetworkError):
        downloader(tmp_path).exists(url)


def test_exists_asks_with_head(tmp_path: Path, host: ReleaseHost) -> None:
    url = host.publish(TAG, NAME, DATA)
    client = downloader(tmp_path)
    assert client.exists(url)
    assert not client.exists(host.file_url(TAG, "Aimet-missing.whl"))
    assert [(h.method, h.status, h.sent) for h in host.hits(url)] == [("HEAD", 200, 0)]


def test_exists_retries_5xx_and_falls_back_to_get_when_head_is_refused(
    tmp_path: Path, host: ReleaseHost
) -> None:
    url = host.publish(TAG, NAME, DATA)
    host.fail(url, times=1, status=500)
    host.fail(url, times=1, status=405)
    assert downloader(tmp_path).exists(url)
    hits = host.hits(url)
    assert [(h.method, h.status) for h in hits] == [("HEAD", 500), ("HEAD", 405), ("GET", 206)]
    assert hits[-1].sent == 1


def test_ensure_exists_says_clearly_that_the_host_lacks_an_inferred_name(
    tmp_path: Path, host: ReleaseHost
) -> None:
    url = host.file_url(TAG, NAME)
    with pytest.raises(NetworkError) as caught:
        downloader(tmp_path).ensure_exists(wheel(url), TAG)
    assert caught.value.code == "asset-missing"
    assert "does not have" in caught.value.message
    assert "inferred" in caught.value.message
    host.publish(TAG, NAME, DATA)
    downloader(tmp_path).ensure_exists(wheel(url), TAG)


def test_stalled_transfer_times_out(tmp_path: Path, host: ReleaseHost) -> None:
    url = host.publish(TAG, NAME, DATA)
    host.drip(url, chunk=16, delay=0.02, limit=3.0)
    with pytest.raises(NetworkError) as caught:
        downloader(tmp_path, retries=0, timeout=0.3).fetch(wheel(url), TAG)
    assert caught.value.code == "timeout"
    assert "stalled" in caught.value.message


def test_silent_server_times_out_per_read(tmp_path: Path, host: ReleaseHost) -> None:
    url = host.publish(TAG, NAME, DATA)
    host.drip(url, chunk=1000, delay=2.0, limit=2.5)
    with pytest.raises(NetworkError) as caught:
        downloader(tmp_path, retries=0, timeout=0.3).fetch(wheel(url), TAG)
    assert caught.value.code == "timeout"


@dataclass
class RecordingSink:
    """A real ProgressSink that keeps what it was told."""

    name: str
    done: int
    total: int | None
    advanced: list[int] = field(default_factory=list)
    closed: bool = False

    def advance(self, count: int) -> None:
        self.advanced.append(count)

    def close(self) -> None:
        self.closed = True


def test_progress_is_reported_per_file(tmp_path: Path, host: ReleaseHost) -> None:
    url = host.publish(TAG, NAME, DATA)
    host.cut(url, after=100_000)
    sinks: list[RecordingSink] = []

    def factory(name: str, done: int, total: int | None) -> RecordingSink:
        sinks.append(RecordingSink(name, done, total))
        return sinks[-1]

    fetched = downloader(tmp_path, progress=factory).fetch(wheel(url), TAG)
    assert len(sinks) == 1
    (sink,) = sinks
    assert (sink.name, sink.done, sink.total, sink.closed) == (NAME, 0, len(DATA), True)
    assert sum(sink.advanced) == fetched.bytes_transferred == len(DATA)


def test_two_processes_fetching_one_file_download_it_once(
    tmp_path: Path, host: ReleaseHost
) -> None:
    url = host.publish(TAG, NAME, DATA)
    results: list[Fetched] = []

    def run() -> None:
        results.append(downloader(tmp_path).fetch(wheel(url), TAG))

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(r.from_cache for r in results) == [False, True]
    assert gets(host, url) == [200]


def test_file_names_that_are_paths_are_refused(tmp_path: Path, host: ReleaseHost) -> None:
    with pytest.raises(NetworkError) as caught:
        downloader(tmp_path).fetch(wheel(host.url("x"), name="../escape.whl"), TAG)
    assert caught.value.code == "bad-filename"
    assert not (tmp_path / "escape.whl").exists()


def test_refused_connection_is_one_clear_reason(tmp_path: Path) -> None:
    with ReleaseHost(tmp_path / "host") as server:
        url = server.file_url(TAG, NAME)
    with pytest.raises(NetworkError) as caught:
        downloader(tmp_path, retries=1).fetch(wheel(url), TAG)
    assert caught.value.code == "connection"
    assert "the connection was refused (gave up after 2 attempts)" in caught.value.message
    assert caught.value.hint is not None
    assert "resumes" in caught.value.hint


def test_every_error_code_is_documented() -> None:
    root = Path(__file__).resolve().parents[2]
    doc = (root / "docs" / "downloads.md").read_text(encoding="utf-8")
    package = root / "src" / "aimetenv"
    sources = [
        *sorted((package / "fetch").glob("*.py")),
        *sorted((package / "install").glob("wheelhouse*.py")),
        package / "install" / "offline.py",
        package / "catalog" / "refresh.py",
        package / "catalog" / "releaseapi.py",
    ]
    codes = set()
    for path in sources:
        codes.update(re.findall(r'code="([a-z0-9-]+)"', path.read_text(encoding="utf-8")))
    assert len(codes) > 20
    missing = sorted(c for c in codes if f"`{c}`" not in doc and c != "bad-filename")
    assert missing == []
