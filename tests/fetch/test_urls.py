"""Which URLs aimetenv fetches itself, and which locations pip may read."""

from __future__ import annotations

import pytest

from aimetenv.errors import UsageError
from aimetenv.fetch.urls import check_base_url, check_pip_location, is_loopback, redact, url_allowed


@pytest.mark.parametrize(
    ("url", "allow_http", "expected"),
    [
        ("https://github.com/x", False, True),
        ("http://127.0.0.1:8000/x", False, True),
        ("http://127.9.9.9/x", False, True),
        ("http://[::1]:80/x", False, True),
        ("http://localhost/x", False, True),
        ("http://mirror.example/x", False, False),
        ("http://mirror.example/x", True, True),
        ("ftp://mirror.example/x", True, False),
        ("file:///etc/passwd", True, False),
        ("https:///nohost", False, False),
    ],
)
def test_url_allowed(url: str, allow_http: bool, expected: bool) -> None:
    assert url_allowed(url, allow_http=allow_http) is expected


def test_loopback() -> None:
    assert is_loopback("127.0.0.1")
    assert not is_loopback("10.0.0.1")
    assert not is_loopback(None)


def test_base_url_is_trimmed_and_checked() -> None:
    assert (
        check_base_url(" https://m.example/a/ ", flag="--mirror", allow_http=False)
        == "https://m.example/a"
    )
    for bad in ("", "m.example", "https://a b", "x" * 3000):
        with pytest.raises(UsageError):
            check_base_url(bad, flag="--mirror", allow_http=False)


def test_pip_locations() -> None:
    assert check_pip_location("/opt/wheels", flag="--torch-find-links") == "/opt/wheels"
    assert check_pip_location("file:///opt/pypi/simple", flag="--index-url").startswith("file:")
    with pytest.raises(UsageError, match="--index-url needs"):
        check_pip_location("relative/dir", flag="--index-url")


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("https://me:s3cret@mirror.example/aimet", "https://me:****@mirror.example/aimet"),
        (
            "--index-url https://tok@pypi.corp/simple x",
            "--index-url https://****@pypi.corp/simple x",
        ),
        ("http://127.0.0.1:8000/x", "http://127.0.0.1:8000/x"),
        ("a@b.c and https://h/p?q=1", "a@b.c and https://h/p?q=1"),
        ("GET https://u:p@h/a -> /c/x", "GET https://u:****@h/a -> /c/x"),
    ],
)
def test_redact(text: str, shown: str) -> None:
    assert redact(text) == shown
