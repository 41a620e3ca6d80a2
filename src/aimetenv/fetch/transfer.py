"""One file's bytes from a URL into its ``.part`` file, across attempts and across runs.

Each attempt resumes from the part's size with ``Range``, and with ``If-Range`` and the validator
(ETag or Last-Modified) kept in ``<part>.json``, so a file that changed on the host is fetched
whole. The bytes are hashed as they arrive; a transfer that brings fewer than 1 KiB in one
time-out window counts as stalled. ``HttpClient.call`` retries the attempts.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import re
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from aimetenv.errors import FileError, NetworkError
from aimetenv.fetch.checksums import Hasher, sha256_file
from aimetenv.fetch.http import GONE, RetryableError, broken_read, origin
from aimetenv.fsutil import atomic_write_text

if TYPE_CHECKING:
    from pathlib import Path

    import requests

    from aimetenv.fetch.http import HttpClient
    from aimetenv.fetch.progress import ProgressFactory, ProgressSink

CHUNK = 256 * 1024
LOW_SPEED_BYTES = 1024
"""Fewer bytes than this within one ``timeout`` window counts as a stalled transfer."""


def not_found_hint(tag: str | None) -> str:
    """The next step after a 404 from the release host."""
    shown = tag or "TAG"
    return (
        f"The release host has no such file; see 'aimetenv releases {shown}' and "
        "'aimetenv releases --refresh'."
    )


def remove_files(*paths: Path) -> None:
    """Delete ``paths``; one that is already gone is no error."""
    for path in paths:
        with contextlib.suppress(FileNotFoundError):
            path.unlink()


@dataclass
class Transfer:
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


class PartFetcher:
    """Fetches ``Transfer``s through ``http``: resumed, hashed as they arrive, checked for stalls."""

    def __init__(
        self, http: HttpClient, *, timeout: float, progress: ProgressFactory | None = None
    ) -> None:
        """``timeout`` is the stall window; ``progress`` makes a sink for each file."""
        self.http = http
        self.timeout = timeout
        self.progress = progress

    def forget_stale_part(self, transfer: Transfer) -> None:
        """A part from another URL (a different mirror or an older plan) is not resumed."""
        if not transfer.part.exists():
            remove_files(transfer.meta)
            return
        meta = self._read_meta(transfer)
        if meta.get("url") != transfer.url:
            remove_files(transfer.part, transfer.meta)

    @staticmethod
    def _read_meta(transfer: Transfer) -> dict[str, Any]:
        try:
            data = json.loads(transfer.meta.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}
        return data if isinstance(data, dict) else {}

    def fetch(self, transfer: Transfer, tag: str) -> str:
        """Bring the part up to the whole file, with retries; its sha256."""
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
    def _digest_from(transfer: Transfer, start: int) -> Any:  # noqa: ANN401  # a hashlib object
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

    def _attempt(self, transfer: Transfer, tag: str) -> None:
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
            if status in GONE:
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

    def _after_416(self, transfer: Transfer, response: requests.Response, offset: int) -> None:
        match = re.match(r"^bytes \*/(\d+)$", response.headers.get("Content-Range", "").strip())
        if match and int(match.group(1)) == offset:
            return  # the part is already complete
        remove_files(transfer.part, transfer.meta)
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
        self, transfer: Transfer, response: requests.Response, total: int | None
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
        self, transfer: Transfer, response: requests.Response, start: int, total: int | None
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
        self, transfer: Transfer, response: requests.Response, start: int, hasher: Hasher
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
    "LOW_SPEED_BYTES",
    "PartFetcher",
    "Transfer",
    "not_found_hint",
    "remove_files",
]
