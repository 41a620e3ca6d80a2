"""Before anything changes: every host the install will contact accepts a connection.

The hosts are the ones the prepared actions name: the release host (or ``--mirror``) of each
file that is not already in the cache, and each index and find-links page of a pip call. All are
tried at once, each within ``AIMETENV_TIMEOUT``; the first one that does not answer, in the
order the install would reach it, stops the install with exit 3 and one line that names it
(host and port) and the option that replaces it. With a proxy set for the URL's scheme
(``HTTPS_PROXY``, ``HTTP_PROXY``, ``ALL_PROXY``; ``NO_PROXY`` honoured) the proxy is tried
instead, since that is what the install connects to.

A connection that is accepted is all that is checked here: a host that then never answers, or
answers with an error, is still caught by the download's own time-outs and retries.
"""

from __future__ import annotations

import os
import socket
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from aimetenv.errors import NetworkError
from aimetenv.fetch.http import default_timeout

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

    from aimetenv.install.actions import Action

_DEFAULT_PORTS = {"http": 80, "https": 443}
_WHEELHOUSE = "or install from a wheelhouse ('aimetenv download', then --wheel-dir DIR --offline)"
# Said instead when the install already reads a wheelhouse: one made without --with-deps still
# takes the dependencies from the indexes its plan names.
_WITH_DEPS = "or make the wheelhouse again with the dependencies ('aimetenv download --with-deps')"


@dataclass(frozen=True)
class Host:
    """One host:port the install will connect to, what it serves, and what replaces it."""

    host: str
    port: int
    role: str
    """``the release host``, ``the PyTorch index``, ...: words for the message."""
    option: str
    """The option that points the install elsewhere: ``--mirror URL``."""

    @property
    def address(self) -> str:
        """``host:port`` (an IPv6 address in brackets)."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{host}:{self.port}"


def _endpoint(url: str, environ: Mapping[str, str]) -> tuple[str, int, str] | None:
    """The host and port a request for ``url`` connects to, and a proxy note; None if local."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return None
    if parts.scheme not in _DEFAULT_PORTS or not parts.hostname:
        return None
    host, port = parts.hostname, port or _DEFAULT_PORTS[parts.scheme]
    proxy = _proxy_for(parts.scheme, host, environ)
    if proxy is None:
        return host, port, ""
    try:
        through = urlsplit(proxy if "://" in proxy else f"http://{proxy}")
        proxy_port = through.port or _DEFAULT_PORTS.get(through.scheme, 80)
    except ValueError:
        return host, port, ""
    if not through.hostname:
        return host, port, ""
    return through.hostname, proxy_port, f" through the proxy for {host}"


def _proxy_for(scheme: str, host: str, environ: Mapping[str, str]) -> str | None:
    def get(name: str) -> str:
        return environ.get(name.lower()) or environ.get(name.upper()) or ""

    proxy = get(f"{scheme}_proxy") or get("all_proxy")
    if not proxy:
        return None
    for entry in get("no_proxy").split(","):
        bypass = entry.strip().lstrip(".").lower()
        if bypass == "*" or (bypass and (host == bypass or host.endswith("." + bypass))):
            return None
    return proxy


def _role(action: Action, flag: str, *, wheelhouse: bool = False) -> tuple[str, str]:
    step = action.step
    other = _WITH_DEPS if wheelhouse else _WHEELHOUSE
    if action.kind in ("download", "check-url"):
        return "the release host", f"Pass --mirror URL for another host, {other}"
    if flag in ("-f", "--find-links"):
        return "the PyTorch find-links page", f"Pass --torch-find-links URL, {other}"
    if step is not None and step.kind == "framework":
        return "the PyTorch index", f"Pass --torch-index URL for another index, {other}"
    return "the package index", f"Pass --index-url URL for another index, {other}"


_URL_FLAGS = ("--index-url", "-i", "--extra-index-url", "--find-links", "-f")


def hosts_to_check(
    actions: Sequence[Action],
    *,
    offline: bool,
    environ: Mapping[str, str] | None = None,
    wheelhouse: bool = False,
) -> list[Host]:
    """Each host the actions will contact, once, in the order the install reaches them.

    A release-host file already in the cache (its download's ``path`` exists) needs no host,
    not even for its HEAD; with ``offline`` (or a wheelhouse) no release-host file is fetched.
    ``wheelhouse``: the install reads one already, so the hint does not offer it again.
    """
    env = dict(os.environ if environ is None else environ)
    cached = {
        a.url
        for a in actions
        if a.kind == "download" and a.url and a.path is not None and Path(a.path).is_file()
    }
    found: dict[tuple[str, int], Host] = {}
    for action in actions:
        urls: list[tuple[str, str]] = []
        if action.kind in ("download", "check-url") and action.url:
            if not (offline or action.url in cached):
                urls.append((action.url, ""))
        elif action.kind in ("pip", "reqs-pip"):
            argv = action.argv
            urls.extend(
                (argv[i + 1], flag)
                for i, flag in enumerate(argv[:-1])
                if flag in _URL_FLAGS and "://" in argv[i + 1]
            )
        for url, flag in urls:
            endpoint = _endpoint(url, env)
            if endpoint is None or endpoint[:2] in found:
                continue
            role, option = _role(action, flag, wheelhouse=wheelhouse)
            found[endpoint[:2]] = Host(endpoint[0], endpoint[1], role + endpoint[2], option)
    return list(found.values())


def _try(host: Host, timeout: float) -> str | None:
    """None when ``host`` accepts a connection within ``timeout``; else why not, in words."""
    try:
        with socket.create_connection((host.host, host.port), timeout=timeout):
            return None
    except socket.timeout:
        return f"did not accept a connection within {timeout:g} s"
    except socket.gaierror:
        return "cannot be found (its name does not resolve)"
    except ConnectionRefusedError:
        return "refused the connection"
    except OSError as error:
        return f"cannot be reached ({error.strerror or error})"


def first_unreachable(
    hosts: Sequence[Host], timeout: float | None = None
) -> tuple[Host, str] | None:
    """Try every host at once; the first that does not answer (in order), and why, or None."""
    if not hosts:
        return None
    limit = default_timeout() if timeout is None else timeout
    answers: list[str | None] = [None] * len(hosts)

    def attempt(index: int) -> None:
        answers[index] = _try(hosts[index], limit)

    threads = [
        threading.Thread(target=attempt, args=(i,), name="aimetenv-preflight", daemon=True)
        for i in range(len(hosts))
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for host, answer in zip(hosts, answers):
        if answer is not None:
            return host, answer
    return None


def check_hosts(hosts: Sequence[Host], timeout: float | None = None) -> None:
    """Try every host at once; the first that does not answer (in order) is a ``NetworkError``."""
    found = first_unreachable(hosts, timeout)
    if found is not None:
        host, answer = found
        raise NetworkError(
            f"{host.address} ({host.role}) {answer}; nothing was changed",
            hint=f"Check the network (proxy settings come from HTTPS_PROXY). {host.option}.",
            code="host-unreachable",
        )


__all__ = ["Host", "check_hosts", "first_unreachable", "hosts_to_check"]
