"""A loopback HTTP server served from a daemon thread: the lifecycle every stand-in host shares."""

from __future__ import annotations

import contextlib
import socket
import threading
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Iterator
    from http.server import ThreadingHTTPServer


class Serving:
    """``server`` answering from a daemon thread until ``stop``."""

    def __init__(self, server: ThreadingHTTPServer) -> None:
        """Start serving (each request in a daemon thread, so none outlives the test)."""
        server.daemon_threads = True
        self.server = server
        # The poll interval is how long ``stop`` waits for the loop to notice: every test pays it.
        self._thread = threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True
        )
        self._thread.start()

    @property
    def port(self) -> int:
        """The port the server was given (they all bind port 0)."""
        return int(self.server.server_address[1])

    def stop(self) -> None:
        """Stop serving, close the socket and wait for the serving thread."""
        self.server.shutdown()
        self.server.server_close()
        self._thread.join(timeout=5)


__all__ = ["Serving"]


@contextlib.contextmanager
def dropping_port() -> Iterator[int]:
    """A loopback port that accepts each connection and closes it at once (a host that gives up)."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(16)
    server.settimeout(0.05)
    stop = threading.Event()

    def serve() -> None:
        while not stop.is_set():
            try:
                connection, _ = server.accept()
            except (TimeoutError, socket.timeout):
                continue
            connection.close()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield int(server.getsockname()[1])
    finally:
        stop.set()
        thread.join(timeout=5)
        server.close()
