"""The HTTP client of aimetenv: one session, checked redirects, retries, per-read time-outs.

https only (loopback hosts, or any host with ``--allow-http``, excepted), and every redirect hop is
checked the same way; retries with exponential backoff for connection errors, time-outs, 5xx and
429; failures classified into error codes and one short reason each.

``requests`` is imported only when a request is made, so importing this module is cheap.
"""

from __future__ import annotations

import os
import time
from typing import TYPE_CHECKING, Callable, TypeVar
from urllib.parse import urljoin, urlsplit

from aimetenv.errors import NetworkError, UsageError
from aimetenv.fetch.urls import url_allowed

if TYPE_CHECKING:
    from collections.abc import Mapping

    import requests

T = TypeVar("T")
RetryListener = Callable[[int, int, str], None]
"""Hears ``(number, retries, code)`` before retry ``number`` of ``retries``; ``code`` is the
failure's (``timeout``, ``connection``, ``http-503``, ...)."""

MAX_REDIRECTS = 10
MAX_BACKOFF = 30.0
DEFAULT_TIMEOUT = 60.0
TIMEOUT_VARIABLE = "AIMETENV_TIMEOUT"
"""Seconds each read may wait (and the stall window), instead of ``DEFAULT_TIMEOUT``."""
MAX_TIMEOUT = 3600.0
_REDIRECTS = frozenset({301, 302, 303, 307, 308})
GONE = frozenset({404, 410})
"""Statuses that say the host has no such file (not retried)."""
_BROKEN_REDIRECT_HINT = "The host sent a broken redirect; tell its operator, or use another mirror."


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


def chosen_timeout(environ: Mapping[str, str] | None = None) -> float | None:
    """``$AIMETENV_TIMEOUT`` when the user set it (checked as ``default_timeout`` checks it).

    None when it is not set: a child installer then keeps its own default (pip's is 15 s).
    """
    text = (os.environ if environ is None else environ).get(TIMEOUT_VARIABLE, "").strip()
    return default_timeout(environ) if text else None


def origin(url: str) -> str:
    """``scheme://host`` of ``url``: what messages name (never a path or credentials)."""
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
        on_retry: RetryListener | None = None,
    ) -> None:
        """Settings only; the session is made on first use.

        ``on_retry(number, retries, code)`` hears of each retry before its backoff, so that the
        user sees "retry 2/4 after a time-out" rather than a silent wait.
        """
        self.allow_http = allow_http
        self.retries = max(0, retries)
        self.backoff = max(0.0, backoff)
        self.timeout = timeout
        self.sleep = sleep
        self.on_retry = on_retry
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
                    f"TLS failed for {origin(current)}: {_short(error)}",
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
                    f"{origin(current)} did not answer within {self.timeout:g} s",
                    code="timeout",
                ) from None
            except requests.exceptions.RequestException as error:
                raise RetryableError(
                    f"cannot reach {origin(current)}: {_reason(error)}", code="connection"
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
                if self.on_retry is not None and last is not None:
                    self.on_retry(number, self.retries, last.code)
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


def broken_read(url: str, received: int, error: BaseException) -> RetryableError:
    """The ``RetryableError`` for a response body that stopped after ``received`` bytes."""
    import urllib3  # noqa: PLC0415  # requests' transport, already imported with it

    if isinstance(error, (urllib3.exceptions.ReadTimeoutError, TimeoutError)):
        return RetryableError(
            f"{origin(url)} sent nothing for a while after {received} bytes", code="timeout"
        )
    return RetryableError(
        f"the connection to {origin(url)} broke after {received} bytes ({_short(error)})",
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


__all__ = [
    "DEFAULT_TIMEOUT",
    "GONE",
    "MAX_TIMEOUT",
    "TIMEOUT_VARIABLE",
    "HttpClient",
    "RetryListener",
    "RetryableError",
    "broken_read",
    "chosen_timeout",
    "default_timeout",
    "origin",
]
