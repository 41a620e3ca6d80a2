"""The release APIs that ``releases --refresh`` reads: GitHub's releases of quic/aimet and PyPI's JSON.

``fetch_github`` follows every page (``per_page=100`` and the ``Link: rel="next"`` header);
``fetch_pypi`` reads one project. Both answer with plain records (``GithubRelease``, ``PypiFile``)
and turn every failure into a ``NetworkError``.
"""

from __future__ import annotations

import contextlib
import re
import threading
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any, TypeVar

from aimetenv.errors import NetworkError
from aimetenv.fetch.http import HttpClient, RetryableError

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

    import requests

T = TypeVar("T")

DEFAULT_GITHUB_API = "https://api.github.com/repos/quic/aimet/releases"
DEFAULT_PYPI_JSON = "https://pypi.org/pypi"
PYPI_PROJECTS = ("aimet-torch", "aimet-onnx")
MAX_PAGES = 50
_HEX64 = re.compile(r"^[0-9a-f]{64}$")


@dataclass(frozen=True)
class Asset:
    """One file of a GitHub release."""

    name: str
    url: str
    size: int | None
    sha256: str | None


@dataclass(frozen=True)
class GithubRelease:
    """One entry of the GitHub releases API."""

    tag: str
    html_url: str
    published: str | None
    draft: bool
    prerelease: bool
    assets: tuple[Asset, ...]


@dataclass(frozen=True)
class PypiFile:
    """One file of a PyPI release (the JSON API's ``releases`` entries), yanked ones included."""

    filename: str
    sha256: str | None
    requires_python: str | None
    uploaded: str | None
    """The upload time as PyPI gives it (ISO 8601, UTC)."""
    url: str = ""
    size: int | None = None
    yanked: bool = False
    yanked_reason: str | None = None


PYPI_FILES = "https://files.pythonhosted.org/packages"
"""PyPI's file host: a file lives at ``<blake2b[:2]>/<blake2b[2:4]>/<blake2b[4:]>/<name>``."""


def file_url(document_url: str, raw: str, filename: str, blake2b: str | None) -> str:
    """The absolute URL of a file the JSON API lists.

    PyPI answers with absolute URLs. A copy of the API that answers with a relative one whose
    path is PyPI's own (the file's blake2b digest) gets PyPI's file host, so the catalog never
    records a URL that only one proxy serves; any other relative URL is resolved against the
    document.
    """
    from urllib.parse import urljoin, urlsplit  # noqa: PLC0415  # only when reading PyPI

    if urlsplit(raw).scheme:
        return raw
    if (
        blake2b
        and _HEX64.match(blake2b)
        and raw.endswith(f"/{blake2b[:2]}/{blake2b[2:4]}/{blake2b[4:]}/{filename}")
    ):
        return f"{PYPI_FILES}/{blake2b[:2]}/{blake2b[2:4]}/{blake2b[4:]}/{filename}"
    return urljoin(document_url, raw)


def _digest(value: object) -> str | None:
    if isinstance(value, str) and value.lower().startswith("sha256:"):
        text = value.split(":", 1)[1].lower()
        return text if _HEX64.match(text) else None
    return None


def parse_github_page(data: object, url: str) -> list[GithubRelease]:
    """The releases of one API page; NetworkError when it is not the API's shape."""
    if not isinstance(data, list):
        raise NetworkError(f"{url} did not answer with a list of releases", code="bad-response")
    releases = []
    for item in data:
        if not isinstance(item, dict) or not isinstance(item.get("tag_name"), str):
            continue
        assets = []
        for raw in item.get("assets") or []:
            if not isinstance(raw, dict) or not isinstance(raw.get("name"), str):
                continue
            size = raw.get("size")
            assets.append(
                Asset(
                    name=raw["name"],
                    url=str(raw.get("browser_download_url") or ""),
                    size=size if isinstance(size, int) else None,
                    sha256=_digest(raw.get("digest")),
                )
            )
        published = item.get("published_at")
        releases.append(
            GithubRelease(
                tag=item["tag_name"].strip(),
                html_url=str(item.get("html_url") or url),
                published=published[:10] if isinstance(published, str) else None,
                draft=bool(item.get("draft")),
                prerelease=bool(item.get("prerelease")),
                assets=tuple(assets),
            )
        )
    return releases


def parse_pypi(data: object, url: str) -> dict[str, tuple[PypiFile, ...]]:
    """``{version: files}`` of the PyPI JSON API (yanked files kept, marked ``yanked``)."""
    if not isinstance(data, dict) or not isinstance(data.get("releases"), dict):
        raise NetworkError(f"{url} is not a PyPI JSON API document", code="bad-response")
    result: dict[str, tuple[PypiFile, ...]] = {}
    for version, files in data["releases"].items():
        kept = []
        for raw in files if isinstance(files, list) else []:
            if not isinstance(raw, dict) or not isinstance(raw.get("filename"), str):
                continue
            digests = raw.get("digests")
            digests = digests if isinstance(digests, dict) else {}
            sha = str(digests.get("sha256", "")).lower()
            blake2b = str(digests.get("blake2b_256", "")).lower() or None
            uploaded = raw.get("upload_time_iso_8601") or raw.get("upload_time")
            requires = raw.get("requires_python")
            size = raw.get("size")
            link = str(raw.get("url") or "")
            reason = raw.get("yanked_reason")
            kept.append(
                PypiFile(
                    filename=raw["filename"],
                    sha256=sha if _HEX64.match(sha) else None,
                    requires_python=requires if isinstance(requires, str) and requires else None,
                    uploaded=uploaded if isinstance(uploaded, str) else None,
                    url=file_url(url, link, raw["filename"], blake2b) if link else "",
                    size=size if isinstance(size, int) and not isinstance(size, bool) else None,
                    yanked=bool(raw.get("yanked")),
                    yanked_reason=reason if isinstance(reason, str) and reason else None,
                )
            )
        if kept:
            result[str(version)] = tuple(kept)
    return result


def _rate_limited(response: requests.Response) -> NetworkError | None:
    if (
        response.status_code not in (403, 429)
        or response.headers.get("X-RateLimit-Remaining") != "0"
    ):
        return None
    reset = response.headers.get("X-RateLimit-Reset", "")
    when = ""
    if reset.isdigit():
        moment = datetime.fromtimestamp(int(reset), tz=timezone.utc)
        when = f" until {moment:%H:%M} UTC"
    return NetworkError(
        f"the GitHub API rate limit is used up{when}",
        hint="Wait and run 'aimetenv releases --refresh' again.",
        code="rate-limited",
    )


def get_json(client: HttpClient, url: str) -> tuple[Any, requests.Response]:
    """GET a JSON document with retries; 404 and other errors become ``NetworkError``."""
    import requests  # noqa: PLC0415  # start-up speed

    def attempt() -> tuple[Any, requests.Response]:
        response = client.open("GET", url, {"Accept": "application/json"})
        with contextlib.closing(response):
            limited = _rate_limited(response)
            if limited is not None:
                raise limited
            retry = client.retry_status(response)
            if retry is not None:
                raise retry
            status = response.status_code
            if status != 200:  # noqa: PLR2004  # OK
                raise NetworkError(
                    f"{url} answered {status} {response.reason or ''}".rstrip(),
                    hint="Check --github-api / --pypi-url (or AIMETENV_GITHUB_API / "
                    "AIMETENV_PYPI_JSON).",
                    code="not-found" if status in (404, 410) else f"http-{status}",
                )
            try:
                return response.json(), response
            except ValueError:
                raise NetworkError(f"{url} did not answer with JSON", code="bad-response") from None
            except requests.exceptions.RequestException as error:
                raise RetryableError(
                    f"reading {url} broke off ({type(error).__name__})", code="connection"
                ) from None

    return client.call(
        attempt,
        f"reading {url}",
        hint="Check the network (proxy settings come from HTTPS_PROXY), or point --github-api "
        "and --pypi-url at reachable copies of the APIs.",
    )


def sibling(client: HttpClient) -> HttpClient:
    """A client with ``client``'s settings and a session of its own (one per thread)."""
    return HttpClient(
        allow_http=client.allow_http,
        retries=client.retries,
        backoff=client.backoff,
        timeout=client.timeout,
        sleep=client.sleep,
        on_retry=client.on_retry,
    )


def started(
    client: HttpClient, jobs: Sequence[Callable[[HttpClient], T]], poll: float = 0.05
) -> Callable[[], list[T | NetworkError]]:
    """Start each job on its own thread with a sibling of ``client``; call the answer to wait.

    The waiting function returns the results in job order, as ``concurrently`` does. Between
    the two, the caller's thread is free for work of its own while the hosts answer.
    """
    results: list[T | NetworkError | BaseException | None] = [None] * len(jobs)

    def run(index: int, job: Callable[[HttpClient], T]) -> None:
        own = sibling(client)
        try:
            results[index] = job(own)
        except BaseException as error:  # noqa: BLE001  # handed to the calling thread
            results[index] = error
        finally:
            own.close()

    threads = [
        threading.Thread(target=run, args=(i, job), daemon=True) for i, job in enumerate(jobs)
    ]
    for thread in threads:
        thread.start()

    def wait() -> list[T | NetworkError]:
        for thread in threads:
            while thread.is_alive():
                thread.join(poll)
        done: list[T | NetworkError] = []
        for result in results:
            if isinstance(result, BaseException) and not isinstance(result, NetworkError):
                raise result
            done.append(result)  # type: ignore[arg-type]  # a job's value or its NetworkError
        return done

    return wait


def concurrently(
    client: HttpClient, jobs: Sequence[Callable[[HttpClient], T]], poll: float = 0.05
) -> list[T | NetworkError]:
    """Run each job on its own thread with a sibling of ``client``; results in job order.

    A ``NetworkError`` is returned in its job's place, so the caller decides what one failure
    means; anything else a job raises is raised here. The threads are daemons and the wait
    polls, so Ctrl-C stops the caller at once (each read is bounded by its time-out anyway).
    """
    return started(client, jobs, poll)()


def fetch_github(client: HttpClient, api: str) -> list[GithubRelease]:
    """Every release, following ``Link: rel="next"`` (at most 50 pages of 100)."""
    url: str | None = api + ("&" if "?" in api else "?") + "per_page=100"
    releases: list[GithubRelease] = []
    seen: set[str] = set()
    for _page in range(MAX_PAGES):
        if url is None or url in seen:
            break
        seen.add(url)
        data, response = get_json(client, url)
        releases.extend(parse_github_page(data, url))
        url = response.links.get("next", {}).get("url")
    return releases


def fetch_pypi(
    client: HttpClient, base: str, project: str
) -> dict[str, tuple[PypiFile, ...]] | None:
    """``{version: files}`` of one project; None when PyPI does not know it."""
    url = f"{base.rstrip('/')}/{project}/json"
    try:
        data, _response = get_json(client, url)
    except NetworkError as error:
        if error.code == "not-found":
            return None
        raise
    return parse_pypi(data, url)


__all__ = [
    "DEFAULT_GITHUB_API",
    "DEFAULT_PYPI_JSON",
    "PYPI_FILES",
    "PYPI_PROJECTS",
    "Asset",
    "GithubRelease",
    "PypiFile",
    "concurrently",
    "fetch_github",
    "fetch_pypi",
    "file_url",
    "get_json",
    "parse_github_page",
    "parse_pypi",
    "sibling",
    "started",
]
