"""Which URLs aimetenv itself may fetch: https, loopback hosts, or http with --allow-http."""

from __future__ import annotations

import ipaddress
import re
from urllib.parse import SplitResult, urlsplit

from aimetenv.errors import UsageError

_MAX_URL = 2048
_USERINFO = re.compile(
    r"(?P<scheme>\b[A-Za-z][A-Za-z0-9+.-]*://)(?P<user>[^\s/@:]+)(?::[^\s/@]*)?@"
)


def redact(text: str) -> str:
    """Hide credentials in every URL of ``text``: ``https://me:secret@h`` -> ``https://me:****@h``.

    A user name alone is often a token, so it is hidden as well (``https://****@h``). Only what
    is shown or stored is redacted; the child processes still get the real URL.
    """

    def mask(match: re.Match[str]) -> str:
        if ":" in match.group(0)[len(match.group("scheme")) :]:
            return f"{match.group('scheme')}{match.group('user')}:****@"
        return f"{match.group('scheme')}****@"

    return _USERINFO.sub(mask, text)


def is_loopback(host: str | None) -> bool:
    """localhost, 127.0.0.0/8 or ::1."""
    if not host:
        return False
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def _split(url: str) -> SplitResult | None:
    """``urlsplit(url)``, or None when it is not a URL (a broken IPv6 host, a port out of range)."""
    try:
        parts = urlsplit(url)
        _ = parts.port  # raises ValueError for a port that is not a number up to 65535
    except ValueError:
        return None
    return parts


def url_allowed(url: str, *, allow_http: bool) -> bool:
    """Whether aimetenv may fetch ``url`` (also used for every redirect hop)."""
    parts = _split(url)
    if parts is None:
        return False
    if parts.scheme == "https" and parts.hostname:
        return True
    if parts.scheme == "http" and parts.hostname:
        return allow_http or is_loopback(parts.hostname)
    return False


def check_base_url(url: str, *, flag: str, allow_http: bool) -> str:
    """Validate a base URL given on the command line (``--mirror``); return it without a trailing /."""
    text = url.strip()
    if not text or len(text) > _MAX_URL or any(c in text for c in "\r\n\x00 "):
        raise UsageError(f"{flag} needs a URL, got {text[:60]!r}", code="bad-url")
    parts = _split(text)
    if parts is None or parts.scheme not in ("http", "https") or not parts.hostname:
        raise UsageError(
            f"{flag} needs an http(s) URL such as https://mirror.example/aimet, got {text[:60]!r}",
            code="bad-url",
        )
    if not url_allowed(text, allow_http=allow_http):
        raise UsageError(
            f"{flag} {text[:60]} uses plain http to a host that is not loopback",
            hint="Use https, or pass --allow-http if this network is trusted.",
            code="insecure-url",
        )
    return text.rstrip("/")


def check_pip_location(text: str, *, flag: str) -> str:
    """A location pip reads (index or find-links): an http(s) or file URL, or an absolute path."""
    value = text.strip()
    if not value or len(value) > _MAX_URL or any(c in value for c in "\r\n\x00"):
        raise UsageError(f"{flag} needs a URL or a path, got {value[:60]!r}", code="bad-url")
    parts = _split(value)
    if parts is None:
        raise UsageError(f"{flag} is not a valid URL: {value[:60]!r}", code="bad-url")
    if parts.scheme in ("http", "https") and parts.hostname:
        return value
    if parts.scheme == "file" or value.startswith("/"):
        return value
    raise UsageError(
        f"{flag} needs an http(s) or file URL, or an absolute path, got {value[:60]!r}",
        code="bad-url",
    )


__all__ = ["check_base_url", "check_pip_location", "is_loopback", "redact", "url_allowed"]
