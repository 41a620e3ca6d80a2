"""The preflight: which hosts an install will contact, and whether they accept a connection.

Which hosts is a decision over the actions (built here as data); whether they answer is tried
for real against loopback sockets: one that listens, one port where nothing does.
"""

from __future__ import annotations

import socket
from typing import TYPE_CHECKING

import pytest

from aimetenv.errors import NetworkError
from aimetenv.install.actions import Action
from aimetenv.install.plan import Step
from aimetenv.install.preflight import Host, check_hosts, hosts_to_check

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

PIP = ("/e/bin/python", "-m", "pip", "install")


def _actions(cached: Path) -> list[Action]:
    framework = Step("framework", "torch", ("torch",), pip_args=("--index-url", "x"))
    return [
        Action("check-url", "head A", url="https://files.example/1.0/a.whl"),
        Action("download", "get A", url="https://files.example/1.0/a.whl", path=str(cached)),
        Action("download", "get B", url="https://files.example/1.0/b.whl", path="/nowhere/b.whl"),
        Action("download", "get C", url="https://other.example:8443/c.whl", path="/nowhere/c"),
        Action("pip", "wheel", argv=(*PIP, "b.whl", "-f", "https://links.example/whl/")),
        Action(
            "pip",
            "torch",
            argv=(*PIP, "torch", "--index-url", "http://torch.example/cpu/"),
            step=framework,
        ),
        Action(
            "pip", "aimet", argv=(*PIP, "aimet-torch", "--index-url", "https://pypi.example/s/")
        ),
        Action("pip", "local", argv=(*PIP, "x", "--no-index", "--find-links", "/wheels")),
    ]


def test_each_host_once_in_order_with_its_role_and_option(tmp_path: Path) -> None:
    cached = tmp_path / "a.whl"
    cached.write_bytes(b"in the cache")
    only_a = [a for a in _actions(cached) if a.url and a.url.endswith("a.whl")]
    assert hosts_to_check(only_a, offline=False, environ={}) == []  # in the cache: no HEAD
    hosts = hosts_to_check(_actions(cached), offline=False, environ={})
    assert [(h.address, h.role) for h in hosts] == [
        ("files.example:443", "the release host"),
        ("other.example:8443", "the release host"),
        ("links.example:443", "the PyTorch find-links page"),
        ("torch.example:80", "the PyTorch index"),
        ("pypi.example:443", "the package index"),
    ]
    assert hosts[0].option.startswith("Pass --mirror URL")
    assert hosts[3].option.startswith("Pass --torch-index URL")
    assert hosts[4].option.startswith("Pass --index-url URL")
    offline = hosts_to_check(_actions(cached), offline=True, environ={})
    assert [h.address for h in offline] == [
        "links.example:443",
        "torch.example:80",
        "pypi.example:443",
    ]
    assert all("--wheel-dir DIR --offline" in h.option for h in offline)


def test_an_install_from_a_wheelhouse_is_offered_one_with_the_dependencies(tmp_path: Path) -> None:
    """A wheelhouse made without --with-deps leaves the dependencies to the plan's indexes."""
    hosts = hosts_to_check(_actions(tmp_path / "a.whl"), offline=True, environ={}, wheelhouse=True)
    again = "or make the wheelhouse again with the dependencies ('aimetenv download --with-deps')"
    assert [h.option for h in hosts] == [
        f"Pass --torch-find-links URL, {again}",
        f"Pass --torch-index URL for another index, {again}",
        f"Pass --index-url URL for another index, {again}",
    ]


def test_a_proxy_is_checked_instead_unless_no_proxy_names_the_host(tmp_path: Path) -> None:
    environ = {
        "HTTPS_PROXY": "http://proxy.example:3128",
        "no_proxy": ".pypi.example,links.example",
    }
    hosts = hosts_to_check(_actions(tmp_path / "none"), offline=False, environ=environ)
    assert [(h.address, h.role) for h in hosts] == [
        ("proxy.example:3128", "the release host through the proxy for files.example"),
        ("links.example:443", "the PyTorch find-links page"),
        ("torch.example:80", "the PyTorch index"),
        ("pypi.example:443", "the package index"),
    ]


@pytest.fixture
def listening() -> Iterator[int]:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as server:
        server.bind(("127.0.0.1", 0))
        server.listen(8)
        yield server.getsockname()[1]


def test_hosts_that_accept_pass_and_the_first_that_refuses_is_named(listening: int) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        closed = probe.getsockname()[1]
    good = Host("127.0.0.1", listening, "the release host", "Pass --mirror URL")
    check_hosts([good], timeout=5)
    bad = Host("127.0.0.1", closed, "the PyTorch index", "Pass --torch-index URL")
    with pytest.raises(NetworkError) as refused:
        check_hosts([good, bad, bad], timeout=5)
    assert refused.value.code == "host-unreachable"
    assert refused.value.message == (
        f"127.0.0.1:{closed} (the PyTorch index) refused the connection; nothing was changed"
    )
    assert refused.value.hint is not None
    assert refused.value.hint.endswith("Pass --torch-index URL.")
