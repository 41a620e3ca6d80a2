"""Fetching release-host files safely and resumably.

https only (loopback hosts, or any host with ``--allow-http``, excepted), and every redirect hop is
checked the same way; retries with exponential backoff for connection errors, time-outs, 5xx and
429; resume with HTTP ``Range`` (and ``If-Range``) after an interruption; the sha256 recorded
after a complete download and checked again on every reuse; atomic cache writes.

Cache layout, per release tag::

    <cache_root>/<tag>/<file>            the finished file (renamed into place, never half-written)
    <cache_root>/<tag>/<file>.sha256     "<hex>  <file>", written after the download completed
    <cache_root>/<tag>/<file>.part       an interrupted download, resumed by the next fetch
    <cache_root>/<tag>/<file>.part.json  the URL and validators (ETag, Last-Modified) of the part

``requests`` is imported only when a request is made, so importing this module is cheap.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import queue
import re
import threading
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Callable, Protocol, TypeVar
from urllib.parse import unquote, urljoin, urlsplit

from aimetenv.errors import BusyError, FileError, IntegrityError, NetworkError, UsageError
from aimetenv.fetch.urls import url_allowed
from aimetenv.fsutil import atomic_write_text

if TYPE_CHECKING:
    from collections.abc import Iterator, Mapping
    from pathlib import Path

    import requests

    from aimetenv.install.plan import PlannedWheel

T = TypeVar("T")

CHUNK = 256 * 1024
MAX_REDIRECTS = 10
MAX_BACKOFF = 30.0
LOW_SPEED_BYTES = 1024
"""Fewer bytes than this within one ``timeout`` window counts as a stalled transfer."""
DEFAULT_TIMEOUT = 60.0
TIMEOUT_VARIABLE = "AIMETENV_TIMEOUT"
"""Seconds each read may wait (and the stall window), instead of ``DEFAULT_TIMEOUT``."""
MAX_TIMEOUT = 3600.0
_REDIRECTS = frozenset({301, 302, 303, 307, 308})
_BROKEN_REDIRECT_HINT = "The host sent a broken redirect; tell its operator, or use another mirror."
_GONE = frozenset({404, 410})
_HEX64 = re.compile(r"^[0-9a-f]{64}$")


class ProgressSink(Protocol):
    """Receives progress for one file (the CLI renders it; the core only reports)."""

    def advance(self, count: int) -> None:
        """``count`` more bytes arrived."""
        ...

    def close(self) -> None:
        """The file is done (or failed)."""
        ...


class ProgressFactory(Protocol):
    """Makes a sink for one file: its name, bytes already present, total size if known."""

    def __call__(self, name: str, done: int, total: int | None) -> ProgressSink:
        """Start reporting one file."""
        ...


@dataclass(frozen=True)
class Fetched:
    """A file that is ready for pip, with what it took to get it."""

    path: Path
    url: str
    sha256: str
    size: int
    bytes_transferred: int
    """Bytes read from the network in this call (0 when served from the cache)."""
    from_cache: bool
    resumed: bool = False
    """The download continued a ``.part`` file left by an earlier, interrupted attempt."""
    notes: tuple[str, ...] = ()
    """Things the user should hear about, e.g. a damaged cache entry that was discarded."""


class RetryableError(Exception):
    """A failure that another attempt may cure (connection, time-out, 5xx, 429, a cut)."""

    def __init__(self, reason: str, *, code: str, retry_after: float | None = None) -> None:
        """Keep the reason for the final message and an optional server-given delay."""
        super().__init__(reason)
        self.reason = reason
        self.code = code
        self.retry_after = retry_after


def default_timeout(environ: Mapping[str, str] | None = None) -> float:
    """The per-read time-out of downloads: ``$AIMETENV_TIMEOUT`` seconds, else 60.

    A value that is not a number of seconds above 0 and at most 3600 is refused (exit 2).
    """
    text = (os.environ if environ is None else environ).get(TIMEOUT_VARIABLE, "").strip()
    if not text:
        return DEFAULT_TIMEOUT
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not 0 < value <= MAX_TIMEOUT:  # also refuses nan
        raise UsageError(
            f"{TIMEOUT_VARIABLE} must be a number of seconds above 0 and at most "
            f"{MAX_TIMEOUT:g}, got {text[:20]!r}",
            hint=f"Unset it to use the default of {DEFAULT_TIMEOUT:g} s.",
            code="bad-timeout",
        )
    return value


def not_found_hint(tag: str | None) -> str:
    """The next step after a 404 from the release host."""
    shown = tag or "TAG"
    return (
        f"The release host has no such file; see 'aimetenv releases {shown}' and "
        "'aimetenv releases --refresh'."
    )


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.hostname or ''}"


class HttpClient:
    """requests with aimetenv's rules: checked redirects, retries with backoff, per-read time-outs.

    Used by ``Downloader`` and by ``refresh``. Responses are returned unchecked (status codes are
    the caller's business); ``call`` runs an attempt function with retries.
    """

    def __init__(  # one keyword per setting
        self,
        *,
        allow_http: bool = False,
        retries: int = 4,
        backoff: float = 0.5,
        timeout: float = 60.0,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        """Settings only; the session is made on first use."""
        self.allow_http = allow_http
        self.retries = max(0, retries)
        self.backoff = max(0.0, backoff)
        self.timeout = timeout
        self.sleep = sleep
        self._session: requests.Session | None = None

    def session(self) -> requests.Session:
        """The shared session (proxies and CA bundle from the environment, as requests does)."""
        if self._session is None:
            import requests  # noqa: PLC0415  # start-up speed: only when a request is made

            from aimetenv import __version__  # noqa: PLC0415  # only when a request is made

            session = requests.Session()
            session.headers["User-Agent"] = f"aimetenv/{__version__}"
            self._session = session
        return self._session

    def close(self) -> None:
        """Close the session's connections."""
        if self._session is not None:
            self._session.close()
            self._session = None

    def check(self, url: str) -> None:
        """Refuse a URL aimetenv may not fetch (plain http to a host that is not loopback)."""
        if not url_allowed(url, allow_http=self.allow_http):
            raise NetworkError(
                f"refusing to fetch {url}: only https is allowed, or http to a loopback host",
                hint="Use an https mirror, or pass --allow-http if this network is trusted.",
                code="insecure-url",
            )

    def open(
        self, method: str, url: str, headers: dict[str, str] | None = None
    ) -> requests.Response:
        """Send ``method`` to ``url``, following up to 10 redirects, each hop checked first.

        Raises ``RetryableError`` for connection errors and time-outs, ``NetworkError`` for a
        refused redirect, too many redirects, a TLS failure or a malformed URL.
        """
        import requests  # noqa: PLC0415  # start-up speed

        self.check(url)
        current = url
        for _hop in range(MAX_REDIRECTS + 1):
            try:
                response = self.session().request(
                    method,
                    current,
                    headers=headers,
                    stream=True,
                    allow_redirects=False,
                    timeout=(self.timeout, self.timeout),
                )
            except requests.exceptions.SSLError as error:
                raise NetworkError(
                    f"TLS failed for {_origin(current)}: {_short(error)}",
                    hint="Check the system clock and REQUESTS_CA_BUNDLE / SSL_CERT_FILE.",
                    code="tls",
                ) from None
            except (requests.exceptions.InvalidURL, requests.exceptions.MissingSchema) as error:
                raise NetworkError(
                    f"malformed URL {current[:100]}: {_short(error)}", code="bad-url"
                ) from None
            except ValueError as error:  # requests parses a Location header even unfollowed
                raise NetworkError(
                    f"refusing the redirect from {current}: its location is not a valid URL "
                    f"({_short(error)})",
                    hint=_BROKEN_REDIRECT_HINT,
                    code="bad-redirect",
                ) from None
            except requests.exceptions.Timeout:
                raise RetryableError(
                    f"{_origin(current)} did not answer within {self.timeout:g} s",
                    code="timeout",
                ) from None
            except requests.exceptions.RequestException as error:
                raise RetryableError(
                    f"cannot reach {_origin(current)}: {_reason(error)}", code="connection"
                ) from None
            if response.status_code not in _REDIRECTS:
                return response
            location = response.headers.get("Location", "")
            response.close()
            target = _redirect_target(current, location)
            if not url_allowed(target, allow_http=self.allow_http):
                raise NetworkError(
                    f"refusing the redirect from {current} to {target or '(no location)'}: "
                    "plain http to a host that is not loopback",
                    hint="Ask the host for an https URL, or pass --allow-http if this network "
                    "is trusted.",
                    code="insecure-redirect",
                )
            current = target
        raise NetworkError(
            f"{url} redirected more than {MAX_REDIRECTS} times", code="too-many-redirects"
        )

    def call(self, attempt: Callable[[], T], what: str, hint: str | None = None) -> T:
        """Run ``attempt`` until it succeeds, retrying ``RetryableError`` with backoff.

        When every attempt failed, raise ``NetworkError`` (exit 3) saying ``what`` failed and
        why, with ``hint`` (or a hint about the network) as the next step.
        """
        last: RetryableError | None = None
        for number in range(self.retries + 1):
            if number:
                delay = min(MAX_BACKOFF, self.backoff * (2 ** (number - 1)))
                if last is not None and last.retry_after is not None:
                    delay = min(MAX_BACKOFF, max(delay, last.retry_after))
                self.sleep(delay)
            try:
                return attempt()
            except RetryableError as error:
                last = error
        assert last is not None  # noqa: S101  # the loop ran at least once and failed
        tries = self.retries + 1
        raise NetworkError(
            f"{what}: {last.reason} (gave up after {tries} attempt{'s' if tries > 1 else ''})",
            hint=hint
            or "Check the network (proxy settings come from HTTPS_PROXY), then run "
            "the command again.",
            code=last.code,
        )

    @staticmethod
    def retry_status(response: requests.Response) -> RetryableError | None:
        """A ``RetryableError`` for 429 and 5xx answers, else None."""
        status = response.status_code
        if status != 429 and status < 500:  # noqa: PLR2004  # Too Many Requests / server errors
            return None
        retry_after = None
        header = response.headers.get("Retry-After", "")
        if header.strip().isdigit():
            retry_after = float(header.strip())
        reason = f"{response.url} answered {status} {response.reason or ''}".rstrip()
        return RetryableError(reason, code=f"http-{status}", retry_after=retry_after)


def _redirect_target(current: str, location: str) -> str:
    """The absolute URL a redirect points at; NetworkError when it is not a URL at all."""
    try:
        target = urljoin(current, location) if location else ""
        _ = urlsplit(target).port  # raises ValueError for a port out of range
    except ValueError:  # a broken IPv6 host, a port out of range
        target = ""
    if not target:
        shown = repr(location[:100]) if location else "(no location)"
        raise NetworkError(
            f"refusing the redirect from {current} to {shown}: not a valid URL",
            hint=_BROKEN_REDIRECT_HINT,
            code="bad-redirect",
        )
    return target


def _broken(url: str, received: int, error: BaseException) -> RetryableError:
    import urllib3  # noqa: PLC0415  # requests' transport, already imported with it

    if isinstance(error, (urllib3.exceptions.ReadTimeoutError, TimeoutError)):
        return RetryableError(
            f"{_origin(url)} sent nothing for a while after {received} bytes", code="timeout"
        )
    return RetryableError(
        f"the connection to {_origin(url)} broke after {received} bytes ({_short(error)})",
        code="connection",
    )


_REASONS = (
    (("nameresolution", "name or service not known", "failure in name resolution"),
     "the host name does not resolve"),
    (("connection refused",), "the connection was refused"),
    (("timed out", "timeout"), "the connection timed out"),
    (("connection reset",), "the connection was reset"),
    (("remotedisconnected", "remote end closed"), "the server closed the connection"),
    (("proxy",), "the proxy failed"),
)  # fmt: skip


def _reason(error: BaseException) -> str:
    """A short reason for a connection failure (urllib3's own text runs to several lines)."""
    text = str(error).lower()
    for needles, reason in _REASONS:
        if any(n in text for n in needles):
            return reason
    return _short(error)


def _short(error: BaseException) -> str:
    text = str(error).splitlines()[0] if str(error) else type(error).__name__
    return text[:200]


def sha256_file(path: Path) -> str:
    """The hex sha256 of a file, read in chunks."""
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        for block in iter(lambda: stream.read(1024 * 1024), b""):
            digest.update(block)
    return digest.hexdigest()


def read_record(path: Path) -> str | None:
    """The sha256 recorded next to a cached file (``<file>.sha256``), or None."""
    record = path.with_name(path.name + ".sha256")
    try:
        text = record.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return None
    first = text.split(maxsplit=1)[0].lower() if text.strip() else ""
    return first if _HEX64.match(first) else None


def write_record(path: Path, digest: str) -> None:
    """Record a file's sha256 as ``sha256sum`` writes it (``sha256sum -c`` can check it)."""
    # Not durable: a record a crash damaged reads as missing, and the file is fetched again.
    atomic_write_text(
        path.with_name(path.name + ".sha256"), f"{digest}  {path.name}\n", durable=False
    )


def _remove(*paths: Path) -> None:
    for path in paths:
        with contextlib.suppress(FileNotFoundError):
            path.unlink()


class _Hasher:
    """A sha256 fed on a thread of its own, in order, so that hashing overlaps the transfer.

    hashlib lets go of the GIL for large blocks, so on two cores the hash costs no wall time.
    At most ``depth`` blocks wait in between.
    """

    def __init__(self, digest: Any, depth: int = 16) -> None:  # noqa: ANN401  # a hashlib object
        """Start the thread."""
        self._digest = digest
        self._queue: queue.Queue[bytes | None] = queue.Queue(maxsize=depth)
        self._thread = threading.Thread(target=self._run, name="aimetenv-sha256", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while True:
            block = self._queue.get()
            if block is None:
                return
            self._digest.update(block)

    def update(self, block: bytes) -> None:
        """Hash ``block`` after the ones before it."""
        self._queue.put(block)

    def finish(self) -> None:
        """Wait until every block handed over is in the digest."""
        self._queue.put(None)
        self._thread.join()


@dataclass
class _Transfer:
    """The state of one file's download across attempts."""

    url: str
    part: Path
    meta: Path
    name: str
    transferred: int = 0
    resumed: bool = False
    sink: ProgressSink | None = None
    digest: Any = None
    """The sha256 of the part's bytes so far, updated as they arrive (a ``hashlib`` object)."""
    hashed: int = 0
    """How many bytes ``digest`` has seen."""


class Downloader:
    """Fetches ``PlannedWheel`` files into ``<cache_root>/<tag>/<filename>``."""

    def __init__(  # one keyword per setting
        self,
        *,
        cache_root: Path,
        allow_http: bool = False,
        offline: bool = False,
        retries: int = 4,
        backoff: float = 0.5,
        timeout: float | None = None,
        progress: ProgressFactory | None = None,
        lock_timeout: float = 900.0,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        """Settings only; no network activity until ``fetch`` or ``exists``.

        ``offline``: never touch the network; ``fetch`` serves only verified cache entries and
        ``exists`` answers from the cache. ``timeout`` bounds each read (and a transfer that
        brings fewer than 1 KiB per ``timeout`` seconds counts as stalled); None means
        ``default_timeout()``. ``lock_timeout``: how long to wait for another aimetenv process
        that is fetching the same file.
        """
        self.cache_root = cache_root
        self.allow_http = allow_http
        self.offline = offline
        self.retries = retries
        self.backoff = backoff
        self.timeout = default_timeout() if timeout is None else timeout
        self.progress = progress
        self.lock_timeout = lock_timeout
        self.http = HttpClient(
            allow_http=allow_http,
            retries=retries,
            backoff=backoff,
            timeout=self.timeout,
            sleep=sleep,
        )

    def path_for(self, filename: str, tag: str) -> Path:
        """Where ``fetch`` keeps ``filename`` of release ``tag``."""
        if "/" in filename or filename in ("", ".", "..") or "/" in tag or tag in ("", ".", ".."):
            raise NetworkError(
                f"refusing a file name that is not a plain name: {tag}/{filename}"[:160],
                code="bad-filename",
            )
        return self.cache_root / tag / filename

    # exists

    def exists(self, url: str) -> bool:
        """Ask the host with HEAD whether ``url`` exists (False on 404; NetworkError otherwise).

        Offline, the answer comes from the cache: True when ``<cache>/<tag>/<file>`` (the URL's
        last two path parts) holds a download with a recorded sha256.
        """
        if self.offline:
            parts = [unquote(p) for p in urlsplit(url).path.split("/") if p]
            if len(parts) < 2:  # noqa: PLR2004  # <tag>/<file>
                return False
            try:
                path = self.path_for(parts[-1], parts[-2])
            except NetworkError:
                return False
            return path.is_file() and read_record(path) is not None
        return self.http.call(lambda: self._head(url), f"asking the release host for {url}")

    def _head(self, url: str) -> bool:
        response = self.http.open("HEAD", url)
        with contextlib.closing(response):
            status = response.status_code
            if status in (403, 405, 501):
                # Some object stores refuse HEAD on signed URLs; one byte by GET answers too.
                return self._probe_get(url)
            return self._existence(response)

    def _probe_get(self, url: str) -> bool:
        response = self.http.open("GET", url, {"Range": "bytes=0-0", "Accept-Encoding": "identity"})
        with contextlib.closing(response):
            return self._existence(response)

    def _existence(self, response: requests.Response) -> bool:
        status = response.status_code
        if 200 <= status < 300:  # noqa: PLR2004  # any success
            return True
        if status in _GONE:
            return False
        retry = self.http.retry_status(response)
        if retry is not None:
            raise retry
        raise NetworkError(
            f"{response.url} answered {status} {response.reason or ''}".rstrip(),
            code=f"http-{status}",
        )

    def ensure_exists(self, wheel: PlannedWheel, tag: str) -> None:
        """HEAD a file whose name is not a verified asset name; say clearly when it is missing."""
        if self.exists(wheel.url):
            return
        where = "the download cache" if self.offline else "the release host"
        raise NetworkError(
            f"{where} does not have {wheel.filename} of release {tag} ({wheel.url}); the "
            f"catalog's name for it is {wheel.confidence}, not a name seen on the host",
            hint="Run 'aimetenv releases --refresh' to learn the real asset names, or see "
            f"'aimetenv releases {tag}'.",
            code="asset-missing",
        )

    # fetch

    def fetch(self, wheel: PlannedWheel, tag: str) -> Fetched:
        """Return the cached file after checking its sha256, or download (resuming) and record it.

        A cached file whose sha256 no longer matches its record is discarded and fetched again
        (``Fetched.notes`` says so). When ``wheel.sha256`` is known, a download that does not
        match it raises ``IntegrityError`` and is deleted. Offline, a file that is not cached
        raises ``NetworkError`` with code ``offline-miss``.
        """
        final = self.path_for(wheel.filename, tag)
        try:
            final.parent.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise FileError(
                f"cannot create the download cache {final.parent}: {error.strerror or error}",
                code="cache-unwritable",
            ) from None
        with self._locked(final):
            notes: list[str] = []
            cached = self._from_cache(wheel, final, notes)
            if cached is not None:
                return cached
            if self.offline:
                raise NetworkError(
                    f"{wheel.filename} of release {tag} is not in the download cache, and "
                    "--offline allows no network",
                    hint="On a connected machine run 'aimetenv download --variant VARIANT --tag "
                    f"{tag} -d DIR', copy DIR here and install with --wheel-dir DIR.",
                    code="offline-miss",
                )
            return self._download(wheel, tag, final, notes)

    @contextlib.contextmanager
    def _locked(self, final: Path) -> Iterator[None]:
        import filelock  # noqa: PLC0415  # only when a file is fetched

        lock = filelock.FileLock(str(final.with_name(f".{final.name}.lock")))
        try:
            lock.acquire(timeout=self.lock_timeout)
        except filelock.Timeout:
            raise BusyError(
                f"another aimetenv process has been fetching {final.name} for "
                f"{self.lock_timeout:g} s",
                hint="Wait for it to finish, then run the command again.",
                code="download-busy",
            ) from None
        except OSError as error:
            raise FileError(
                f"cannot lock {final.parent}: {error.strerror or error}", code="cache-unwritable"
            ) from None
        try:
            yield
        finally:
            lock.release()

    def _from_cache(self, wheel: PlannedWheel, final: Path, notes: list[str]) -> Fetched | None:
        if not final.is_file():
            return None
        recorded = read_record(final)
        try:
            actual = sha256_file(final)
        except OSError as error:
            raise FileError(
                f"cannot read {final}: {error.strerror or error}", code="cache-unreadable"
            ) from None
        expected = wheel.sha256.lower() if wheel.sha256 else None
        if recorded is None and expected is not None and actual == expected:
            write_record(final, actual)
            recorded = actual
        if recorded is None:
            notes.append(f"{final.name} in the cache had no recorded sha256; fetching it again")
        elif actual != recorded:
            notes.append(
                f"the cached {final.name} was damaged (sha256 {actual[:12]} does not match the "
                f"recorded {recorded[:12]}); discarded it and fetching it again"
            )
        elif expected is not None and actual != expected:
            notes.append(
                f"the cached {final.name} (sha256 {actual[:12]}) is not the file the catalog "
                f"knows (sha256 {expected[:12]}); fetching it again"
            )
        else:
            return Fetched(
                path=final,
                url=wheel.url,
                sha256=actual,
                size=final.stat().st_size,
                bytes_transferred=0,
                from_cache=True,
            )
        _remove(final, final.with_name(final.name + ".sha256"))
        return None

    def _download(self, wheel: PlannedWheel, tag: str, final: Path, notes: list[str]) -> Fetched:
        transfer = _Transfer(
            url=wheel.url,
            part=final.with_name(final.name + ".part"),
            meta=final.with_name(final.name + ".part.json"),
            name=wheel.filename,
        )
        self._forget_stale_part(transfer)
        expected = wheel.sha256.lower() if wheel.sha256 else None
        try:
            digest = self._transfer(transfer, tag)
            if expected is not None and digest != expected and transfer.resumed:
                # A resumed part may hold bytes of an older upload: fetch it whole once more.
                notes.append(
                    f"{wheel.filename}: the resumed download did not match; fetched it whole"
                )
                _remove(transfer.part, transfer.meta)
                transfer.resumed = False
                digest = self._transfer(transfer, tag)
        finally:
            if transfer.sink is not None:
                transfer.sink.close()
        if expected is not None and digest != expected:
            _remove(transfer.part, transfer.meta)
            raise IntegrityError(
                f"{wheel.filename} from {wheel.url} has sha256 {digest}, but {expected} was "
                "expected; the file was deleted and nothing was installed",
                hint="The release host or a proxy served a different file. Run 'aimetenv "
                "releases --refresh' if the release was re-published, then try again.",
                code="sha256-mismatch",
            )
        try:
            write_record(final, digest)
            transfer.part.replace(final)
        except OSError as error:
            raise FileError(
                f"cannot write {final}: {error.strerror or error}", code="cache-unwritable"
            ) from None
        _remove(transfer.meta)
        return Fetched(
            path=final,
            url=wheel.url,
            sha256=digest,
            size=final.stat().st_size,
            bytes_transferred=transfer.transferred,
            from_cache=False,
            resumed=transfer.resumed,
            notes=tuple(notes),
        )

    def discard(self, fetched: Fetched) -> bool:
        """Delete a cached file that turned out to be unusable, and its record; True if deleted.

        The next ``fetch`` of it downloads it again.
        """
        if fetched.path.parent.parent != self.cache_root:
            return False
        _remove(fetched.path, fetched.path.with_name(fetched.path.name + ".sha256"))
        return True

    def _forget_stale_part(self, transfer: _Transfer) -> None:
        """A part from another URL (a different mirror or an older plan) is not resumed."""
        if not transfer.part.exists():
            _remove(transfer.meta)
            return
        meta = self._read_meta(transfer)
        if meta.get("url") != transfer.url:
            _remove(transfer.part, transfer.meta)

    @staticmethod
    def _read_meta(transfer: _Transfer) -> dict[str, Any]:
        try:
            data = json.loads(transfer.meta.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}
        return data if isinstance(data, dict) else {}

    def _transfer(self, transfer: _Transfer, tag: str) -> str:
        self.http.call(
            lambda: self._attempt(transfer, tag),
            f"downloading {transfer.url}",
            hint="Check the network (proxy settings come from HTTPS_PROXY), then run the "
            "command again; the download resumes where it stopped.",
        )
        try:
            if transfer.digest is not None and transfer.hashed == transfer.part.stat().st_size:
                return str(transfer.digest.hexdigest())  # hashed as it arrived: no second read
            return sha256_file(transfer.part)
        except OSError as error:
            raise FileError(
                f"cannot read {transfer.part}: {error.strerror or error}", code="cache-unreadable"
            ) from None

    @staticmethod
    def _digest_from(transfer: _Transfer, start: int) -> Any:  # noqa: ANN401  # a hashlib object
        """The sha256 of the part's first ``start`` bytes, ready to take the rest."""
        if start and transfer.digest is not None and transfer.hashed == start:
            return transfer.digest  # this process wrote (and hashed) exactly those bytes
        digest = hashlib.sha256()
        left = start
        if left:
            with transfer.part.open("rb") as stream:
                while left:
                    block = stream.read(min(left, 1024 * 1024))
                    if not block:
                        break
                    digest.update(block)
                    left -= len(block)
        transfer.digest, transfer.hashed = digest, start - left
        return digest

    def _attempt(self, transfer: _Transfer, tag: str) -> None:
        """One GET: resume from the part's size when there is one; raise RetryableError to retry."""
        offset = transfer.part.stat().st_size if transfer.part.exists() else 0
        meta = self._read_meta(transfer) if offset else {}
        headers = {"Accept-Encoding": "identity"}
        if offset:
            headers["Range"] = f"bytes={offset}-"
            etag = meta.get("etag")
            strong = etag if isinstance(etag, str) and not etag.startswith("W/") else None
            validator = strong or meta.get("last_modified")  # If-Range needs a strong validator
            if isinstance(validator, str) and validator:
                headers["If-Range"] = validator
        response = self.http.open("GET", transfer.url, headers)
        with contextlib.closing(response):
            status = response.status_code
            if status == 416 and offset:  # noqa: PLR2004  # Range Not Satisfiable
                self._after_416(transfer, response, offset)
                return
            if status in _GONE:
                raise NetworkError(
                    f"{transfer.url} answered {status}: the release host has no "
                    f"{transfer.name} for release {tag}",
                    hint=not_found_hint(tag),
                    code="not-found",
                )
            retry = self.http.retry_status(response)
            if retry is not None:
                raise retry
            if status not in (200, 206):
                raise NetworkError(
                    f"{transfer.url} answered {status} {response.reason or ''}".rstrip(),
                    hint="Check the URL (--mirror) and your access to the host.",
                    code=f"http-{status}",
                )
            start = self._start_of(response, offset)
            total = self._total_of(response, start)
            self._write_meta(transfer, response, total)
            self._receive(transfer, response, start, total)

    def _after_416(self, transfer: _Transfer, response: requests.Response, offset: int) -> None:
        match = re.match(r"^bytes \*/(\d+)$", response.headers.get("Content-Range", "").strip())
        if match and int(match.group(1)) == offset:
            return  # the part is already complete
        _remove(transfer.part, transfer.meta)
        raise RetryableError(
            f"{transfer.url}: the partial download no longer fits the file; starting over",
            code="range-mismatch",
        )

    @staticmethod
    def _start_of(response: requests.Response, offset: int) -> int:
        if response.status_code != 206:  # noqa: PLR2004  # a full answer: start over
            return 0
        match = re.match(r"^bytes (\d+)-\d+/(\d+|\*)$", response.headers.get("Content-Range", ""))
        if match is None or int(match.group(1)) != offset:
            raise RetryableError(
                f"{response.url} answered a range that does not continue the download",
                code="range-mismatch",
            )
        return offset

    @staticmethod
    def _total_of(response: requests.Response, start: int) -> int | None:
        length = response.headers.get("Content-Length", "")
        return start + int(length) if length.strip().isdigit() else None

    def _write_meta(
        self, transfer: _Transfer, response: requests.Response, total: int | None
    ) -> None:
        meta = {
            "url": transfer.url,
            "etag": response.headers.get("ETag"),
            "last_modified": response.headers.get("Last-Modified"),
            "total": total,
        }
        # Not durable: a damaged meta file only means the part is not resumed.
        atomic_write_text(transfer.meta, json.dumps(meta, sort_keys=True) + "\n", durable=False)

    def _receive(
        self, transfer: _Transfer, response: requests.Response, start: int, total: int | None
    ) -> None:
        if start == 0:
            if transfer.part.exists() and transfer.sink is not None:
                transfer.sink.close()
                transfer.sink = None
        else:
            transfer.resumed = True
        if transfer.sink is None and self.progress is not None:
            transfer.sink = self.progress(transfer.name, start, total)
        try:
            hasher = _Hasher(self._digest_from(transfer, start))
        except OSError as error:
            raise FileError(
                f"cannot read {transfer.part}: {error.strerror or error}", code="cache-unreadable"
            ) from None
        try:
            received = self._copy(transfer, response, start, hasher)
        except OSError as error:
            raise FileError(
                f"cannot write {transfer.part}: {error.strerror or error}", code="cache-unwritable"
            ) from None
        finally:
            hasher.finish()
        if total is not None and received != total:
            raise RetryableError(
                f"the connection to {_origin(transfer.url)} closed after {received} of "
                f"{total} bytes",
                code="connection",
            )

    def _copy(
        self, transfer: _Transfer, response: requests.Response, start: int, hasher: _Hasher
    ) -> int:
        """Write the body into the part from ``start`` on, hashing it; the part's size after."""
        import urllib3  # noqa: PLC0415  # requests' transport, imported with it

        raw = response.raw
        read = getattr(raw, "read1", None) or raw.read
        received = start
        window_start, window_bytes = time.monotonic(), 0
        with transfer.part.open("r+b" if start else "wb") as stream:
            stream.seek(start)
            stream.truncate()
            while True:
                try:
                    block = read(CHUNK)
                except (urllib3.exceptions.HTTPError, OSError) as error:
                    stream.flush()
                    raise _broken(transfer.url, received, error) from None
                if not block:
                    break
                stream.write(block)
                hasher.update(block)
                transfer.hashed += len(block)
                received += len(block)
                transfer.transferred += len(block)
                window_bytes += len(block)
                if transfer.sink is not None:
                    transfer.sink.advance(len(block))
                elapsed = time.monotonic() - window_start
                if elapsed >= self.timeout:
                    if window_bytes < LOW_SPEED_BYTES:
                        raise RetryableError(
                            f"{_origin(transfer.url)} sent {window_bytes} bytes in "
                            f"{elapsed:.0f} s; the transfer stalled",
                            code="timeout",
                        )
                    window_start, window_bytes = time.monotonic(), 0
            # No fsync: forcing a large file to disk takes longer than fetching it over a fast
            # link, and it guards nothing here. Every reuse of a cached file checks its sha256
            # against the record first, so a file that a crash left short or empty is found,
            # discarded and fetched again.
            stream.flush()
        return received


__all__ = [
    "CHUNK",
    "DEFAULT_TIMEOUT",
    "TIMEOUT_VARIABLE",
    "Downloader",
    "Fetched",
    "HttpClient",
    "ProgressFactory",
    "ProgressSink",
    "RetryableError",
    "default_timeout",
    "not_found_hint",
    "read_record",
    "sha256_file",
    "write_record",
]
