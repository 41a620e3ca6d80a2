"""Download: ``Downloader.fetch`` against ``curl -o`` for one 200 MB file from a loopback server.

Throughput: both clients fetch the same file from the same server (``FastHost``: stdlib
``ThreadingHTTPServer`` that answers with ``sendfile``, so the server is not what is measured).
The subject is ``Downloader.fetch`` called through the API in this process (a fresh cache folder
each run, so every run is a real download: sha256, record, rename); the baseline is a ``curl -s
-o FILE URL`` process. Throughput is bytes over wall time; the goal is subject/baseline >= 0.8.

Resume: the test suite's ``ReleaseHost`` serves the same file and cuts the first GET after half
of it. ``fetch`` retries, resumes with ``Range``, and the host's request log counts the body
bytes each attempt was sent: the second attempt must get exactly the missing bytes.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from harness import count_equal, interleaved, run_quiet, throughput_at_least

from aimetenv.fetch.download import Downloader
from aimetenv.install.plan import PlannedWheel
from envs import TESTS  # noqa: F401  # puts tests/ on sys.path for support.*
from support.releasehost import ReleaseHost
from support.serving import Serving

if TYPE_CHECKING:
    from collections.abc import Callable
    from types import TracebackType

    from harness import Result

GOAL = 0.8
SIZE = 200 * 1000 * 1000
TAG = "2.42.0"
NAME = "aimet_onnx-2.42.0-cp311-cp311-manylinux_2_34_x86_64.whl"


def make_file(path: Path, size: int) -> str:
    """``size`` pseudo-random bytes (incompressible, reproducible) at ``path``; their sha256."""
    digest = hashlib.sha256()
    block = hashlib.sha256(b"aimetenv-benchmark").digest() * (1024 * 1024 // 32)
    counter = 0
    with path.open("wb") as stream:
        left = size
        while left:
            # Vary every block so that nothing along the way can deduplicate or compress it.
            piece = hashlib.sha256(counter.to_bytes(8, "big")).digest() + block[32:]
            piece = piece[: min(left, len(piece))]
            stream.write(piece)
            digest.update(piece)
            left -= len(piece)
            counter += 1
    return digest.hexdigest()


class _FastHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    files: ClassVar[dict[str, Path]] = {}

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002, ANN401  # stdlib signature
        """Quiet."""

    def do_GET(self) -> None:
        """The file, whole or from ``Range: bytes=N-``, sent with ``sendfile``."""
        path = self.files.get(self.path)
        if path is None:
            self.send_error(404)
            return
        size = path.stat().st_size
        start = 0
        wanted = self.headers.get("Range", "")
        if wanted.startswith("bytes=") and wanted.endswith("-"):
            start = int(wanted[len("bytes=") : -1])
        self.send_response(206 if start else 200)
        self.send_header("Content-Type", "application/octet-stream")
        self.send_header("Content-Length", str(size - start))
        self.send_header("Accept-Ranges", "bytes")
        self.send_header("ETag", '"benchmark-file"')
        if start:
            self.send_header("Content-Range", f"bytes {start}-{size - 1}/{size}")
        self.end_headers()
        self.wfile.flush()
        with path.open("rb") as stream:
            self.connection.sendfile(stream, offset=start, count=size - start)


class FastHost:
    """A loopback HTTP server that sends files with ``sendfile`` (Range ``N-`` supported)."""

    def __init__(self, files: dict[str, Path]) -> None:
        """Serve ``files`` (URL path -> file)."""

        class Handler(_FastHandler):
            pass

        Handler.files = dict(files)
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._serving: Serving | None = None

    def __enter__(self) -> FastHost:  # noqa: PYI034  # no subclasses
        """Start serving."""
        self._serving = Serving(self._server)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        """Stop."""
        if self._serving is not None:
            self._serving.stop()

    def url(self, path: str) -> str:
        """The URL of ``path``."""
        return f"http://127.0.0.1:{self._server.server_address[1]}{path}"


def fetch_once(url: str, sha256: str, cache: Path) -> int:
    """One real download into ``cache`` (empty: see ``clean``); the bytes read from the network."""
    downloader = Downloader(cache_root=cache, backoff=0.0)
    try:
        fetched = downloader.fetch(PlannedWheel(NAME, url, "benchmark", sha256=sha256), TAG)
    finally:
        downloader.http.close()
    if fetched.sha256 != sha256:
        msg = f"the download came back wrong: {fetched}"
        raise RuntimeError(msg)
    return fetched.bytes_transferred


def resume_bytes(source: Path, sha256: str, work: Path) -> tuple[int, int, int]:
    """Cut the first GET at half, let ``fetch`` resume: (bytes sent on the first attempt, on the
    second, the bytes that were missing after the first)."""
    size = source.stat().st_size
    with ReleaseHost(work / "host") as host:
        folder = host.root / TAG
        folder.mkdir(parents=True, exist_ok=True)
        os.link(source, folder / NAME)
        url = host.file_url(TAG, NAME)
        host.cut(url, after=size // 2)
        cache = work / "resume-cache"
        transferred = fetch_once(url, sha256, cache)
        gets = [h for h in host.hits(url) if h.method == "GET"]
    if len(gets) != 2 or transferred != size:  # the cut attempt and the resume
        msg = f"expected one cut GET and one resumed GET, saw {gets}"
        raise RuntimeError(msg)
    first, second = gets
    if second.range != f"bytes={first.sent}-":
        msg = f"the second GET did not resume at {first.sent}: {second.range!r}"
        raise RuntimeError(msg)
    return first.sent, second.sent, size - first.sent


def run(
    repeat: int, say: Callable[[str], None], work_root: Path | None = None, size: int = SIZE
) -> list[Result]:
    """The throughput goal and the resume count, for a file of ``size`` bytes."""
    curl = shutil.which("curl")
    if curl is None:
        msg = "curl is needed for the download baseline"
        raise SystemExit(msg)
    with tempfile.TemporaryDirectory(prefix="aimetenv-bench-dl-", dir=work_root) as temp:
        work = Path(temp)
        source = work / "file.bin"
        say(f"writing a {size / 1e6:g} MB file")
        sha256 = make_file(source, size)
        out = work / "curl.bin"
        with FastHost({"/file.bin": source}) as host:
            url = host.url("/file.bin")

            def subject() -> None:
                fetch_once(url, sha256, work / "cache")

            def baseline() -> None:
                run_quiet([curl, "-s", "-f", "-o", str(out), url])

            def clean() -> None:  # untimed, before every run: both write a new file
                shutil.rmtree(work / "cache", ignore_errors=True)
                out.unlink(missing_ok=True)

            samples = interleaved(subject, baseline, repeat, warmup=1, before=clean)
        results = [
            throughput_at_least(
                "download throughput",
                "Downloader.fetch",
                "curl -o",
                samples,
                size=size,
                limit=GOAL,
            )
        ]
        first, second, missing = resume_bytes(source, sha256, work)
        results.append(
            count_equal(
                "download resume",
                f"bytes sent on the resumed GET (the first was cut after {first:,})",
                "the missing bytes",
                second,
                missing,
            )
        )
    return results


__all__ = ["GOAL", "SIZE", "FastHost", "fetch_once", "make_file", "resume_bytes", "run"]
