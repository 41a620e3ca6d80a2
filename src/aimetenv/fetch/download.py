"""Fetching release-host files safely and resumably.

Resume with HTTP ``Range`` (and ``If-Range``) after an interruption; the sha256 recorded after a
complete download and checked again on every reuse; atomic cache writes. The requests go through
``fetch.http.HttpClient`` (https only, checked redirects, retries with backoff).

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
import re
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Callable, Protocol
from urllib.parse import unquote, urlsplit

from aimetenv.errors import BusyError, FileError, IntegrityError, NetworkError
from aimetenv.fetch.checksums import Hasher, read_record, sha256_file, write_record
from aimetenv.fetch.http import HttpClient, RetryableError, broken_read, default_timeout, origin
from aimetenv.fsutil import atomic_write_text

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

    import requests

    from aimetenv.install.plan import PlannedWheel

CHUNK = 256 * 1024
LOW_SPEED_BYTES = 1024
"""Fewer bytes than this within one ``timeout`` window counts as a stalled transfer."""
_GONE = frozenset({404, 410})


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


def not_found_hint(tag: str | None) -> str:
    """The next step after a 404 from the release host."""
    shown = tag or "TAG"
    return (
        f"The release host has no such file; see 'aimetenv releases {shown}' and "
        "'aimetenv releases --refresh'."
    )


def _remove(*paths: Path) -> None:
    for path in paths:
        with contextlib.suppress(FileNotFoundError):
            path.unlink()


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
            hasher = Hasher(self._digest_from(transfer, start))
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
                f"the connection to {origin(transfer.url)} closed after {received} of "
                f"{total} bytes",
                code="connection",
            )

    def _copy(
        self, transfer: _Transfer, response: requests.Response, start: int, hasher: Hasher
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
                    raise broken_read(transfer.url, received, error) from None
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
                            f"{origin(transfer.url)} sent {window_bytes} bytes in "
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
    "Downloader",
    "Fetched",
    "ProgressFactory",
    "ProgressSink",
    "not_found_hint",
]
