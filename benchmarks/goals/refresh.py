"""Refresh: ``aimetenv releases --refresh`` against ``curl`` fetching the same JSON documents.

Both sides talk to one loopback server (``ApiHost``) that answers like GitHub's releases API
(``/repos/quic/aimet/releases?per_page=100``, paginated with ``Link: rel="next"``) and PyPI's
JSON API (``/pypi/<project>/json``). The documents are built from the packaged catalog, so they
are the size of the real ones: every release with its assets (name, size, sha256 digest, the
fields GitHub adds) and every PyPI file with its digests and upload times.

The subject is the ``aimetenv`` console script, a new process per run, writing its overlay into
an empty data folder (removed before every run, so every run does the same work). The baseline
is one ``curl`` process that fetches exactly the URLs the subject asked for (read from the
server's log after the warm-up round), one after another over one connection, as refresh does.

The server answers each request after ``latency`` seconds, a model of the round trip to
api.github.com or pypi.org. The goal (refresh at most 1.5x curl) is judged with 0.1 s; the same
comparison with no latency at all is reported beside it, and shows aimetenv's own cost (its
start-up, parsing and the overlay it writes), which on loopback is the whole difference.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import tempfile
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import TYPE_CHECKING, Any

from harness import BenchmarkError, at_most, interleaved, reported, run_quiet

from aimetenv.catalog.load import load_catalog
from aimetenv.catalog.model import PublishedFile
from aimetenv.catalog.names import parse_wheel_name
from envs import TESTS  # noqa: F401  # puts tests/ on sys.path for support.*
from goals.startup import script
from support.serving import Serving

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping, Sequence

    from harness import Result, Samples

    from aimetenv.catalog.model import Catalog

GOAL = 1.5
LATENCY = 0.1
"""Seconds before each answer in the judged comparison: a modelled round trip."""
API = "/repos/quic/aimet/releases"
PER_PAGE = 100
PLACEHOLDERS = ("aimet-tensorflow", "aimet")
_BODY = (
    "## What's New\n"
    + "".join(f"* change {n}: quantization, export and documentation fixes\n" for n in range(24))
    + "\n## Installation\nSee the install guide for the packages of this release.\n"
)
_USER = {
    "login": "quic-aimet-release",
    "id": 67071541,
    "node_id": "MDQ6VXNlcjY3MDcxNTQx",
    "type": "User",
    "site_admin": False,
    "html_url": "https://github.com/quic-aimet-release",
}


def _sha(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def _asset(tag: str, name: str, number: int) -> dict[str, Any]:
    created = "2025-01-01T00:00:00Z"
    return {
        "url": f"https://api.github.com/repos/quic/aimet/releases/assets/{number}",
        "id": number,
        "node_id": f"RA_kwDOEk{number}",
        "name": name,
        "label": "",
        "uploader": _USER,
        "content_type": "application/octet-stream",
        "state": "uploaded",
        "size": 10_000_000 + number,
        "digest": f"sha256:{_sha(tag + name)}",
        "download_count": number % 5000,
        "created_at": created,
        "updated_at": created,
        "browser_download_url": f"https://github.com/quic/aimet/releases/download/{tag}/{name}",
    }


def github_releases(catalog: Catalog) -> list[dict[str, Any]]:
    """One API object per release-host release of the catalog, newest first."""
    result = []
    for number, release in enumerate(reversed(catalog.releases)):
        if "github" not in release.hosting:
            continue
        names = sorted(
            {w.filename for v in release.variants.values() if v.github for w in v.github.wheels}
        )
        rid = 180_000_000 + number
        result.append(
            {
                "url": f"https://api.github.com/repos/quic/aimet/releases/{rid}",
                "html_url": f"https://github.com/quic/aimet/releases/tag/{release.tag}",
                "id": rid,
                "author": _USER,
                "node_id": f"RE_kwDOEk{rid}",
                "tag_name": release.tag,
                "target_commitish": "develop",
                "name": f"AIMET {release.tag}",
                "draft": False,
                "prerelease": False,
                "created_at": f"{release.date or '2025-01-01'}T00:00:00Z",
                "published_at": f"{release.date or '2025-01-01'}T00:00:00Z",
                "assets": [_asset(release.tag, n, rid * 100 + i) for i, n in enumerate(names)],
                "tarball_url": f"https://api.github.com/repos/quic/aimet/tarball/{release.tag}",
                "zipball_url": f"https://api.github.com/repos/quic/aimet/zipball/{release.tag}",
                "body": _BODY,
            }
        )
    return result


def _pypi_file(item: PublishedFile) -> dict[str, Any]:
    name = item.filename
    blake = _sha("blake2b " + name)
    wheel = parse_wheel_name(name)
    return {
        "comment_text": None,
        "digests": {"blake2b_256": blake, "md5": blake[:32], "sha256": item.sha256},
        "downloads": -1,
        "filename": name,
        "has_sig": False,
        "md5_digest": blake[:32],
        "packagetype": "bdist_wheel",
        "python_version": next(iter(wheel.tags)).interpreter,
        "requires_python": item.requires_python,
        "size": item.size,
        "upload_time": item.uploaded.rstrip("Z"),
        "upload_time_iso_8601": item.uploaded.replace("Z", ".000000Z"),
        "url": item.url,
        "yanked": False,
        "yanked_reason": None,
    }


def pypi_projects(catalog: Catalog) -> dict[str, dict[str, Any]]:
    """PyPI's JSON document of each AIMET project (and the placeholders), from the catalog."""
    releases: dict[str, dict[str, list[dict[str, Any]]]] = {}
    for release in catalog.releases:
        for variant in release.variants.values():
            if variant.pypi is None or variant.pypi.requirement is None:
                continue
            project = variant.pypi.requirement.split("==", 1)[0]
            files = releases.setdefault(project, {}).setdefault(release.tag, [])
            known = {f["filename"] for f in files}
            files.extend(_pypi_file(f) for f in variant.pypi.files if f.filename not in known)
    documents = {}
    for project, versions in releases.items():
        newest = list(versions)[-1]
        documents[project] = {
            "info": {
                "author_email": "Qualcomm Innovation Center, Inc. <aimet.os@quicinc.com>",
                "description": _BODY * 4,
                "name": project,
                "package_url": f"https://pypi.org/project/{project}/",
                "requires_python": ">=3.10",
                "summary": "AIMET",
                "version": newest,
                "yanked": False,
            },
            "last_serial": 31_876_543,
            "releases": versions,
            "urls": versions[newest],
            "vulnerabilities": [],
        }
    for project in PLACEHOLDERS:
        name = f"{project.replace('-', '_')}-0.0.1-py3-none-any.whl"
        url = f"https://files.pythonhosted.org/packages/00/00/{_sha(name)[:60]}/{name}"
        file = _pypi_file(PublishedFile(name, url, 1234, _sha(name), None, "2023-01-01T00:00:00Z"))
        documents[project] = {
            "info": {"name": project, "version": "0.0.1", "summary": ""},
            "last_serial": 1,
            "releases": {"0.0.1": [file]},
            "urls": [file],
            "vulnerabilities": [],
        }
    return documents


@dataclass
class _State:
    routes: dict[str, tuple[bytes, dict[str, str]]] = field(default_factory=dict)
    latency: float = 0.0
    log: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)


class ApiHost:
    """A loopback server with GitHub's releases API and PyPI's JSON API, built from documents."""

    def __init__(
        self, github: Sequence[dict[str, Any]], pypi: Mapping[str, dict[str, Any]]
    ) -> None:
        """Serve ``github`` (paginated by 100) and each ``pypi`` project's document."""
        self._state = _State()
        state = self._state

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True  # headers and body leave at once (no 40 ms ACK wait)

            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002, ANN401  # stdlib signature
                """Quiet."""

            def do_GET(self) -> None:
                """The document of this path and query, after the latency; 404 otherwise."""
                with state.lock:
                    state.log.append(self.path)
                    found = state.routes.get(self.path)
                    latency = state.latency
                if latency:
                    time.sleep(latency)
                body, headers = found or (b'{"message": "Not Found"}', {"X-Status": "404"})
                self.send_response(404 if found is None else 200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                for key, value in headers.items():
                    if key != "X-Status":
                        self.send_header(key, value)
                self.end_headers()
                self.wfile.write(body)

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._serving: Serving | None = None
        base = self.base
        pages = [list(github[i : i + PER_PAGE]) for i in range(0, len(github), PER_PAGE)] or [[]]
        for number, page in enumerate(pages, start=1):
            path = f"{API}?per_page={PER_PAGE}" + (f"&page={number}" if number > 1 else "")
            headers = {}
            if number < len(pages):
                headers["Link"] = f'<{base}{API}?per_page={PER_PAGE}&page={number + 1}>; rel="next"'
            state.routes[path] = (json.dumps(page).encode(), headers)
        for project, document in pypi.items():
            state.routes[f"/pypi/{project}/json"] = (json.dumps(document).encode(), {})

    @property
    def base(self) -> str:
        """``http://127.0.0.1:<port>``."""
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def start(self) -> ApiHost:
        """Start serving."""
        self._serving = Serving(self._server)
        return self

    def stop(self) -> None:
        """Stop serving."""
        if self._serving is not None:
            self._serving.stop()

    def set_latency(self, seconds: float) -> None:
        """Answer every following request after ``seconds``."""
        with self._state.lock:
            self._state.latency = seconds

    def take_log(self) -> list[str]:
        """The paths (with queries) asked for since the last call."""
        with self._state.lock:
            log, self._state.log = self._state.log, []
        return log

    def document_bytes(self) -> int:
        """The size of every document served."""
        return sum(len(body) for body, _ in self._state.routes.values())


def refresh_argv(aimetenv: str, host: ApiHost) -> list[str]:
    """The subject's command line."""
    return [aimetenv, "releases", "--refresh", "--github-api", host.base + API,
            "--pypi-url", host.base + "/pypi", "--json"]  # fmt: skip


def curl_argv(curl: str, host: ApiHost, paths: Sequence[str]) -> list[str]:
    """One curl process fetching ``paths`` in order (connection reused), bodies discarded."""
    argv = [curl, "-s", "-f"]
    for path in paths:
        argv += ["-o", "/dev/null", host.base + path]
    return argv


def compare(  # one parameter per input of a comparison
    host: ApiHost,
    aimetenv: str,
    curl: str,
    env: Mapping[str, str],
    repeat: int,
    *,
    latency: float,
) -> tuple[list[str], Samples]:
    """(the paths refresh asked for, the samples of both sides) at ``latency``."""
    data = Path(env["XDG_DATA_HOME"])
    host.set_latency(latency)
    host.take_log()
    run_quiet(refresh_argv(aimetenv, host), env)  # the warm-up that says what is fetched
    asked = host.take_log()
    if not any(p.startswith(API) for p in asked) or not any(p.startswith("/pypi/") for p in asked):
        msg = f"refresh did not read both APIs: {asked}"
        raise BenchmarkError(msg)

    def subject() -> None:
        run_quiet(refresh_argv(aimetenv, host), env)

    def baseline() -> None:
        run_quiet(curl_argv(curl, host, asked), env)

    def clean() -> None:  # untimed: every refresh starts without an overlay
        shutil.rmtree(data / "aimetenv", ignore_errors=True)

    return asked, interleaved(subject, baseline, repeat, warmup=0, before=clean)


def run(
    repeat: int, env: Mapping[str, str], say: Callable[[str], None], latency: float = LATENCY
) -> list[Result]:
    """The judged comparison at ``latency`` and the reported one without latency."""
    curl = shutil.which("curl")
    if curl is None:
        msg = "curl is needed for the refresh baseline"
        raise BenchmarkError(msg)
    aimetenv = script()
    catalog = load_catalog()
    host = ApiHost(github_releases(catalog), pypi_projects(catalog)).start()
    try:
        with tempfile.TemporaryDirectory(prefix="aimetenv-bench-refresh-") as temp:
            child = {**env, "XDG_DATA_HOME": str(Path(temp) / "data")}
            say(f"refresh: {host.document_bytes() / 1e6:.1f} MB of JSON documents")
            results = []
            for seconds in (latency, 0.0):
                asked, samples = compare(host, aimetenv, curl, child, repeat, latency=seconds)
                name = f"refresh ({seconds:g} s per answer, {len(asked)} documents)"
                subject = "aimetenv releases --refresh"
                base = "curl, the same documents"
                if seconds:
                    results.append(at_most(name, subject, base, samples, GOAL))
                else:
                    results.append(reported(name, subject, base, samples))
            return results
    finally:
        host.stop()
