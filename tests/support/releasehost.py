"""A real HTTP release host on 127.0.0.1 for tests: files, faults, JSON APIs and pip indexes.

``ReleaseHost(root)`` is a ``ThreadingHTTPServer`` on ``127.0.0.1:0`` (a free port) that serves
``root/<tag>/<file>`` at ``/<tag>/<file>``, exactly the layout of a GitHub release download URL
or a ``--mirror``. It answers GET and HEAD, honours ``Range: bytes=N-`` / ``bytes=N-M`` with
``206 Partial Content`` and ``Content-Range`` (416 past the end), sends an ``ETag`` (from the
file's sha256) and a ``Last-Modified`` and honours ``If-Range``.

Use it as a context manager (it stops by itself on exit: daemon threads, bounded loops), or
wrap it in a fixture::

    @pytest.fixture
    def host(tmp_path: Path) -> Iterator[ReleaseHost]:
        with ReleaseHost(tmp_path / "host") as server:
            yield server

A session-wide host serving the legacy stand-in release for ``--mirror``::

    with ReleaseHost(root) as host:
        host.publish_files("1.16.2.py37", legacy_release.wheels)
        mirror = host.base      # aimetenv install ... --mirror <mirror>

Faults, step by step::

    with ReleaseHost(tmp_path / "host") as host:
        url = host.publish("1.16.2.py37", "Aimet-....whl", data)
        host.fail(url, times=2)            # 500 twice, then the file
        host.cut(url, after=1000)          # the next GET sends 1000 bytes and drops the socket
        ...
        assert host.sent(url) < len(data) * 2

Per-path fault scripts (``path`` may be a full URL or a path; each applies to the next ``times``
requests of that path, in the order they were added; ``times=None`` means every request):

- ``fail(path, times=1, status=500, headers=None)``: answer ``status`` with a short body.
- ``cut(path, after, times=1)``: send the headers and ``after`` body bytes, then close the socket.
- ``drip(path, chunk=1, delay=0.05, limit=2.0, times=1)``: send ``chunk`` bytes every ``delay``
  seconds; after ``limit`` seconds (the bound) close the connection.
- ``redirect(path, location, status=302, times=None)``: answer with ``Location: location``.
  The location may be anything, e.g. ``http://aimet.example/x`` for a refusal test; this server
  never contacts it.
- ``gone(path, status=404, times=None)``: answer 404 (or 410) even when the file exists.
- ``ranges = False``: ignore ``Range`` headers (always 200 with the whole file).

JSON API mode: ``serve_json(path, document, query=None, headers=None, status=200)`` answers a
GET of ``path`` (and, when ``query`` is given, exactly that query string's parameters) with the
document. The text ``{base}`` inside string values and headers is replaced by the server's base
URL, so GitHub-style ``Link: <{base}/...&page=2>; rel="next"`` pagination works.

pip modes: ``serve_index(folder)`` publishes every ``*.whl`` in ``folder`` at ``/files/<name>``
and returns the PEP 503 simple index URL ``<base>/simple/`` (``/simple/<project>/`` pages with
``#sha256=`` fragments) and the find-links page URL ``<base>/links/``.

Every request is logged as a ``Hit`` (method, path, query, Range, If-Range, status, body bytes
sent); ``hits(path)`` and ``sent(path)`` read the log.
"""

from __future__ import annotations

import contextlib
import hashlib
import html
import json
import re
import socket
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, quote, unquote, urlsplit

from support.serving import Serving

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping
    from pathlib import Path
    from types import TracebackType

_CHUNK = 64 * 1024
_LAST_MODIFIED = "Fri, 18 Jun 2021 00:00:00 GMT"
_RANGE_RE = re.compile(r"^bytes=(\d+)-(\d*)$")


@dataclass(frozen=True)
class Hit:
    """One request the host answered."""

    method: str
    path: str
    query: str
    range: str | None
    if_range: str | None
    status: int
    sent: int
    """Body bytes written to the socket."""


@dataclass
class _Fault:
    kind: str
    times: int | None
    status: int = 500
    after: int = 0
    chunk: int = 1
    delay: float = 0.05
    limit: float = 2.0
    location: str = ""
    headers: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class _JsonRoute:
    query: frozenset[tuple[str, str]] | None
    body: Any
    headers: Mapping[str, str]
    status: int


def _key(path_or_url: str) -> str:
    """The unquoted path of a URL or path, with one leading slash."""
    path = urlsplit(path_or_url).path if "://" in path_or_url else path_or_url.split("?", 1)[0]
    return "/" + unquote(path).lstrip("/")


def _project(filename: str) -> str:
    """PEP 503 normalised project name of a wheel file."""
    return re.sub(r"[-_.]+", "-", filename.split("-", 1)[0]).lower()


class ReleaseHost:
    """A loopback HTTP server for release files, API documents and pip indexes."""

    def __init__(self, root: Path) -> None:
        """Serve ``root`` (created when missing); nothing listens until ``start``."""
        self.root = root
        root.mkdir(parents=True, exist_ok=True)
        self.ranges = True
        self._lock = threading.Lock()
        self._faults: dict[str, list[_Fault]] = {}
        self._json: dict[str, list[_JsonRoute]] = {}
        self._files: dict[str, Path] = {}
        self._hits: list[Hit] = []
        self._active = 0
        self._idle = threading.Condition(self._lock)
        self._serving: Serving | None = None

    # lifecycle

    def start(self) -> ReleaseHost:
        """Listen on a free loopback port and serve from a daemon thread."""
        host = self

        class Handler(_Handler):
            owner = host

        self._serving = Serving(_QuietServer(("127.0.0.1", 0), Handler))
        return self

    def stop(self) -> None:
        """Stop serving and close the socket."""
        if self._serving is not None:
            self._serving.stop()
            self._serving = None

    def __enter__(self) -> ReleaseHost:  # noqa: PYI034  # no subclasses; Self needs 3.11
        """Start; see ``start``."""
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        """Stop; see ``stop``."""
        self.stop()

    @property
    def base(self) -> str:
        """``http://127.0.0.1:<port>``."""
        if self._serving is None:
            msg = "the release host is not running"
            raise RuntimeError(msg)
        return f"http://127.0.0.1:{self._serving.port}"

    def url(self, path: str) -> str:
        """The absolute URL of ``path`` on this host."""
        return f"{self.base}/{path.lstrip('/')}"

    def file_url(self, tag: str, filename: str) -> str:
        """The URL of ``/<tag>/<file>``, quoted as the resolver quotes it."""
        return self.url(f"{quote(tag, safe='')}/{quote(filename, safe='')}")

    # content

    def publish(self, tag: str, filename: str, data: bytes) -> str:
        """Write ``root/<tag>/<filename>`` and return its URL."""
        folder = self.root / tag
        folder.mkdir(parents=True, exist_ok=True)
        (folder / filename).write_bytes(data)
        return self.file_url(tag, filename)

    def publish_file(self, tag: str, path: Path) -> str:
        """Copy a file (a built wheel) under ``tag`` and return its URL."""
        return self.publish(tag, path.name, path.read_bytes())

    def publish_files(self, tag: str, paths: Iterable[Path]) -> list[str]:
        """Copy several files (a release's wheels) under ``tag``; their URLs in order."""
        return [self.publish_file(tag, path) for path in paths]

    def serve_json(
        self,
        path: str,
        document: Any,  # any JSON value
        *,
        query: Mapping[str, str] | None = None,
        headers: Mapping[str, str] | None = None,
        status: int = 200,
    ) -> str:
        """Answer GET ``path`` (with exactly ``query``, when given) with ``document``."""
        route = _JsonRoute(
            query=None if query is None else frozenset(query.items()),
            body=document,
            headers=dict(headers or {}),
            status=status,
        )
        with self._lock:
            self._json.setdefault(_key(path), []).append(route)
        return self.url(path)

    def serve_index(self, folder: Path) -> tuple[str, str]:
        """Publish the wheels of ``folder``; return (simple index URL, find-links page URL)."""
        with self._lock:
            for wheel in sorted(folder.glob("*.whl")):
                self._files[wheel.name] = wheel
        return self.url("simple/"), self.url("links/")

    # faults

    def _add(self, path: str, fault: _Fault) -> None:
        with self._lock:
            self._faults.setdefault(_key(path), []).append(fault)

    def fail(
        self,
        path: str,
        *,
        times: int | None = 1,
        status: int = 500,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        """Answer the next ``times`` requests of ``path`` with ``status``."""
        self._add(path, _Fault("status", times, status=status, headers=dict(headers or {})))

    def cut(self, path: str, *, after: int, times: int | None = 1) -> None:
        """Send ``after`` body bytes, then drop the connection (next ``times`` GETs)."""
        self._add(path, _Fault("cut", times, after=after))

    def drip(
        self,
        path: str,
        *,
        chunk: int = 1,
        delay: float = 0.05,
        limit: float = 2.0,
        times: int | None = 1,
    ) -> None:
        """Send ``chunk`` bytes every ``delay`` s; close after ``limit`` s (next ``times`` GETs)."""
        self._add(path, _Fault("drip", times, chunk=chunk, delay=delay, limit=limit))

    def redirect(
        self, path: str, location: str, *, status: int = 302, times: int | None = None
    ) -> None:
        """Redirect ``path`` to ``location`` (never contacted by this server)."""
        self._add(path, _Fault("redirect", times, status=status, location=location))

    def gone(self, path: str, *, status: int = 404, times: int | None = None) -> None:
        """Answer 404 (or ``status``) for ``path`` even when the file exists."""
        self._add(path, _Fault("status", times, status=status))

    def _take_fault(self, path: str, method: str) -> _Fault | None:
        with self._lock:
            queue = self._faults.get(path, [])
            for fault in queue:
                if method == "HEAD" and fault.kind in ("cut", "drip"):
                    continue
                if fault.times is None:
                    return fault
                if fault.times > 0:
                    fault.times -= 1
                    return fault
            return None

    # log

    def _begin(self) -> None:
        with self._lock:
            self._active += 1

    def _record(self, hit: Hit) -> None:
        with self._lock:
            self._hits.append(hit)
            self._active -= 1
            self._idle.notify_all()

    def hits(self, path: str | None = None) -> list[Hit]:
        """Logged requests, all or for one path (URL or path).

        Waits (at most 10 s) for requests still being answered, so a client that has its
        answer always finds its request in the log.
        """
        with self._lock:
            self._idle.wait_for(lambda: self._active == 0, timeout=10)
            hits = list(self._hits)
        if path is None:
            return hits
        wanted = _key(path)
        return [h for h in hits if h.path == wanted]

    def sent(self, path: str) -> int:
        """Body bytes sent for ``path`` over all requests."""
        return sum(h.sent for h in self.hits(path))

    def clear_log(self) -> None:
        """Forget the logged requests."""
        with self._lock:
            self._hits.clear()

    # lookups for the handler

    def _json_route(self, path: str, query: str) -> _JsonRoute | None:
        items = frozenset(parse_qsl(query, keep_blank_values=True))
        with self._lock:
            routes = list(self._json.get(path, []))
        for route in routes:
            if route.query is None or route.query == items:
                return route
        return None

    def _file(self, path: str) -> Path | None:
        parts = [p for p in path.split("/") if p]
        if len(parts) == 2 and parts[0] == "files":  # /files/<name>
            with self._lock:
                return self._files.get(parts[1])
        if len(parts) != 2 or any(p in (".", "..") for p in parts):  # /<tag>/<file>
            return None
        candidate = self.root / parts[0] / parts[1]
        return candidate if candidate.is_file() else None

    def _index_page(self, path: str) -> str | None:
        with self._lock:
            files = dict(self._files)
        if not files:
            return None
        if path == "/links/":
            return _links_page(sorted(files.values()))
        if path == "/simple/":
            projects = sorted({_project(name) for name in files})
            links = "".join(f'<a href="/simple/{p}/">{p}</a>\n' for p in projects)
            return f"<!DOCTYPE html><html><body>\n{links}</body></html>\n"
        match = re.match(r"^/simple/([^/]+)/$", path)
        if match:
            wanted = re.sub(r"[-_.]+", "-", match.group(1)).lower()
            chosen = [p for name, p in sorted(files.items()) if _project(name) == wanted]
            return _links_page(chosen) if chosen else None
        return None


def _links_page(paths: list[Path]) -> str:
    lines = []
    for path in paths:
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
        href = f"/files/{quote(path.name)}#sha256={digest}"
        lines.append(f'<a href="{html.escape(href)}">{html.escape(path.name)}</a><br/>')
    return "<!DOCTYPE html><html><body>\n" + "\n".join(lines) + "\n</body></html>\n"


def _expand(value: Any, base: str) -> Any:  # any JSON value
    if isinstance(value, str):
        return value.replace("{base}", base)
    if isinstance(value, list):
        return [_expand(v, base) for v in value]
    if isinstance(value, dict):
        return {k: _expand(v, base) for k, v in value.items()}
    return value


class _QuietServer(ThreadingHTTPServer):
    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client that hangs up (the downloader after a time-out) is not an error here."""


class _Handler(BaseHTTPRequestHandler):
    owner: ReleaseHost
    protocol_version = "HTTP/1.1"
    timeout = 30
    disable_nagle_algorithm = True
    """Headers and a small body go out at once, not 40 ms apart (Nagle against a delayed ACK)."""
    server_version = "aimetenv-test-host/1"

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002  # stdlib signature
        """Keep test output quiet."""

    def do_GET(self) -> None:
        """Answer a GET."""
        self._answer("GET")

    def do_HEAD(self) -> None:
        """Answer a HEAD."""
        self._answer("HEAD")

    # plumbing

    def _answer(self, method: str) -> None:
        self.owner._begin()
        parts = urlsplit(self.path)
        path = "/" + unquote(parts.path).lstrip("/")
        status, sent = 500, 0
        try:
            status, sent = self._route(method, path, parts.query)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True
        finally:
            self.owner._record(
                Hit(
                    method=method,
                    path=path,
                    query=parts.query,
                    range=self.headers.get("Range"),
                    if_range=self.headers.get("If-Range"),
                    status=status,
                    sent=sent,
                )
            )

    def _route(self, method: str, path: str, query: str) -> tuple[int, int]:
        owner = self.owner
        fault = owner._take_fault(path, method)
        if fault is not None and fault.kind == "status":
            return self._small(method, fault.status, f"fault {fault.status}\n", fault.headers)
        if fault is not None and fault.kind == "redirect":
            return self._small(method, fault.status, "moved\n", {"Location": fault.location})
        route = owner._json_route(path, query)
        if route is not None:
            body = json.dumps(_expand(route.body, owner.base)).encode()
            headers = {k: _expand(v, owner.base) for k, v in route.headers.items()}
            return self._send(method, route.status, body, "application/json", headers)
        page = owner._index_page(path)
        if page is not None:
            return self._send(method, 200, page.encode(), "text/html; charset=utf-8", {})
        found = owner._file(path)
        if found is None:
            return self._small(method, 404, "not found\n", {})
        return self._serve_file(method, found, fault)

    def _small(
        self, method: str, status: int, text: str, headers: Mapping[str, str]
    ) -> tuple[int, int]:
        return self._send(method, status, text.encode(), "text/plain", headers)

    def _send(
        self,
        method: str,
        status: int,
        body: bytes,
        content_type: str,
        headers: Mapping[str, str],
    ) -> tuple[int, int]:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for name, value in headers.items():
            self.send_header(name, value)
        self.end_headers()
        if method == "GET":
            self.wfile.write(body)
            return status, len(body)
        return status, 0

    def _serve_file(self, method: str, path: Path, fault: _Fault | None) -> tuple[int, int]:
        data = path.read_bytes()
        size = len(data)
        etag = '"' + hashlib.sha256(data).hexdigest()[:20] + '"'
        start, end, status = 0, size - 1, 200
        wanted = self.headers.get("Range")
        if_range = self.headers.get("If-Range")
        if (
            wanted
            and self.owner.ranges
            and (if_range is None or if_range in (etag, _LAST_MODIFIED))
        ):
            match = _RANGE_RE.match(wanted.strip())
            if match:
                first = int(match.group(1))
                last = int(match.group(2)) if match.group(2) else size - 1
                if first >= size:
                    return self._small(
                        method, 416, "range not satisfiable\n", {"Content-Range": f"bytes */{size}"}
                    )
                start, end, status = first, min(last, size - 1), 206
        self.send_response(status)
        self.send_header("Content-Type", "application/octet-stream")
        self.send_header("Content-Length", str(end - start + 1))
        self.send_header("Accept-Ranges", "bytes")
        self.send_header("ETag", etag)
        self.send_header("Last-Modified", _LAST_MODIFIED)
        if status == 206:  # Partial Content
            self.send_header("Content-Range", f"bytes {start}-{end}/{size}")
        self.end_headers()
        if method == "HEAD":
            return status, 0
        body = data[start : end + 1]
        if fault is not None and fault.kind == "cut":
            return status, self._cut(body[: fault.after])
        if fault is not None and fault.kind == "drip":
            return status, self._drip(body, fault)
        sent = 0
        for offset in range(0, len(body), _CHUNK):
            piece = body[offset : offset + _CHUNK]
            self.wfile.write(piece)
            sent += len(piece)
        return status, sent

    def _cut(self, piece: bytes) -> int:
        self.wfile.write(piece)
        self.wfile.flush()
        self._drop()
        return len(piece)

    def _drip(self, body: bytes, fault: _Fault) -> int:
        deadline = time.monotonic() + fault.limit
        sent = 0
        while sent < len(body) and time.monotonic() < deadline:
            piece = body[sent : sent + fault.chunk]
            self.wfile.write(piece)
            self.wfile.flush()
            sent += len(piece)
            time.sleep(fault.delay)
        if sent < len(body):
            self._drop()
        return sent

    def _drop(self) -> None:
        self.close_connection = True
        with contextlib.suppress(OSError):
            self.connection.shutdown(socket.SHUT_RDWR)


__all__ = ["Hit", "ReleaseHost"]
