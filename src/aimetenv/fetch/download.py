"""Fetching release-host files safely and resumably.

Resume with HTTP ``Range`` (and ``If-Range``) after an interruption; the sha256 recorded after a
complete download and checked again on every reuse; atomic cache writes; one process at a time
per file. The requests go through ``fetch.http.HttpClient`` (https only, checked redirects,
retries with backoff), the bytes through ``fetch.transfer.PartFetcher``.

Cache layout, per release tag::

    <cache_root>/<tag>/<file>            the finished file (renamed into place, never half-written)
    <cache_root>/<tag>/<file>.sha256     "<hex>  <file>", written after the download completed
    <cache_root>/<tag>/<file>.part       an interrupted download, resumed by the next fetch
    <cache_root>/<tag>/<file>.part.json  the URL and validators (ETag, Last-Modified) of the part

``requests`` is imported only when a request is made, so importing this module is cheap.
"""

from __future__ import annotations

import contextlib
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Callable
from urllib.parse import unquote, urlsplit

from aimetenv.errors import BusyError, FileError, IntegrityError, NetworkError
from aimetenv.fetch.checksums import read_record, sha256_file, write_record
from aimetenv.fetch.http import GONE, HttpClient, default_timeout
from aimetenv.fetch.transfer import PartFetcher, Transfer, remove_files

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

    import requests

    from aimetenv.fetch.http import RetryListener
    from aimetenv.fetch.progress import ProgressFactory
    from aimetenv.install.plan import PlannedWheel


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
        on_retry: RetryListener | None = None,
    ) -> None:
        """Settings only; no network activity until ``fetch`` or ``exists``.

        ``on_retry`` hears of each retry of a request (see ``HttpClient``).

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
            on_retry=on_retry,
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
        if status in GONE:
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
        remove_files(final, final.with_name(final.name + ".sha256"))
        return None

    def _download(self, wheel: PlannedWheel, tag: str, final: Path, notes: list[str]) -> Fetched:
        parts = PartFetcher(self.http, timeout=self.timeout, progress=self.progress)
        transfer = Transfer(
            url=wheel.url,
            part=final.with_name(final.name + ".part"),
            meta=final.with_name(final.name + ".part.json"),
            name=wheel.filename,
        )
        parts.forget_stale_part(transfer)
        expected = wheel.sha256.lower() if wheel.sha256 else None
        try:
            digest = parts.fetch(transfer, tag)
            if expected is not None and digest != expected and transfer.resumed:
                # A resumed part may hold bytes of an older upload: fetch it whole once more.
                notes.append(
                    f"{wheel.filename}: the resumed download did not match; fetched it whole"
                )
                remove_files(transfer.part, transfer.meta)
                transfer.resumed = False
                digest = parts.fetch(transfer, tag)
        finally:
            if transfer.sink is not None:
                transfer.sink.close()
        if expected is not None and digest != expected:
            remove_files(transfer.part, transfer.meta)
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
        remove_files(transfer.meta)
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
        remove_files(fetched.path, fetched.path.with_name(fetched.path.name + ".sha256"))
        return True


__all__ = ["Downloader", "Fetched"]
