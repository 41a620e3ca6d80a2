"""What the fault tests share: running aimetenv, checking the outcome, and the misbehaving parts.

The misbehaving parts are real: a socket that accepts connections and never answers, an https
host (a self-signed certificate made with ``openssl``) that redirects to plain http, a
``sitecustomize`` that holds the smoke test inside a real env, and a slow conda stand-in that
waits inside ``conda create``. Each waits for a file the test creates, never for a guessed time,
and each gives up by itself after a bound, so nothing can hang the suite.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import socket
import ssl
import subprocess  # noqa: TID251  # tests run the real command line
import sys
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from support.legacy import TAG, VARIANT
from support.serving import Serving
from support.standins import aimetenv_argv, hermetic_env

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator, Mapping

    from faults.cases import Case
    from support.releasehost import ReleaseHost

BOUND = 120.0
"""The longest any helper waits for anything (a generous bound, not a timing assertion)."""
ERROR_STARTS = ("aimetenv: error:", "aimetenv: interrupted", "aimetenv: internal error")


@dataclass(frozen=True)
class Ran:
    """One finished aimetenv process."""

    argv: tuple[str, ...]
    returncode: int
    stdout: str
    stderr: str
    seconds: float


def run(
    *args: str, env: Mapping[str, str] | None = None, timeout: float = 600.0, **changes: str | None
) -> Ran:
    """``aimetenv ARGS`` in a child process, as users run it (stdin is not a terminal)."""
    started = time.monotonic()
    result = subprocess.run(
        aimetenv_argv(*args),
        env=dict(env) if env is not None else hermetic_env(**changes),
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        errors="backslashreplace",
        timeout=timeout,
        check=False,
    )
    return Ran(
        tuple(args), result.returncode, result.stdout, result.stderr, time.monotonic() - started
    )


def interrupt(process: subprocess.Popen[str], args: tuple[str, ...]) -> Ran:
    """Send SIGINT to the aimetenv process itself (not its group) and wait for it to end."""
    started = time.monotonic()
    process.send_signal(signal.SIGINT)
    try:
        out, err = process.communicate(timeout=BOUND)
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()
    return Ran(args, process.returncode, out, err, time.monotonic() - started)


def wait_for(
    condition: Callable[[], bool], what: str, process: subprocess.Popen[str] | None = None
) -> None:
    """Poll ``condition`` until it holds; fail (with the process's output) after ``BOUND``."""
    deadline = time.monotonic() + BOUND
    while time.monotonic() < deadline:
        if condition():
            return
        if process is not None and process.poll() is not None:
            out, err = process.communicate()
            pytest.fail(f"aimetenv ended before {what} (exit {process.returncode}):\n{err}{out}")
        time.sleep(0.02)
    pytest.fail(f"gave up waiting for {what}")


def tail(text: str, count: int = 25) -> str:
    """The end of a long output, for assertion messages."""
    return "\n".join(text.splitlines()[-count:])


def check(ran: Ran, row: Case) -> str:
    """Assert the row's exit code, its one line in its form, and no traceback; return the line.

    For ``success`` rows the line is empty: exit 0 and no error line at all.
    """
    both = ran.stdout + ran.stderr
    assert "Traceback" not in both, tail(both)
    assert ran.returncode == row.exit_code, f"exit {ran.returncode}:\n{tail(ran.stderr)}"
    lines = [line for line in ran.stderr.splitlines() if line.strip()]
    flagged = [i for i, line in enumerate(lines) if line.startswith(ERROR_STARTS)]
    if row.form == "success":
        assert flagged == [], tail(ran.stderr)
        return ""
    assert len(flagged) == 1, tail(ran.stderr)
    first = flagged[0]
    line = lines[first]
    if row.form == "pip-failure":
        rest = lines[first + 1 :]
        assert rest, "pip's last lines are missing"
        assert all(r.startswith("  ") for r in rest), tail(ran.stderr)
        assert rest[-1].startswith("  log: "), rest[-1]
        assert Path(rest[-1].removeprefix("  log: ")).is_file()
    else:
        assert first == len(lines) - 1, f"the error line is not the last one:\n{tail(ran.stderr)}"
    assert row.matches(line), f"\n  seen:     {line}\n  expected: {row.line}"
    if os.environ.get("AIMETENV_FAULTS_SHOW"):
        print(f"\n{row.id}: {line}")  # noqa: T201  # shown with -s while writing the table
    return line


def install_args(host: ReleaseHost, *extra: str) -> list[str]:
    """``install`` of the legacy 1.16.2.py37 torch-cpu stand-ins from the loopback host.

    With ``--skip-system-check``: the stand-ins' libpymo needs no liblapacke, which this machine
    lacks (``system_args`` leaves it out, for the case that is about that check).
    """
    return [*system_args(host, *extra), "--skip-system-check"]


def system_args(host: ReleaseHost, *extra: str) -> list[str]:
    """``install`` of the legacy stand-ins with the check of the Debian packages left on."""
    return ["install", "--variant", VARIANT, "--tag", TAG, "--mirror", host.base,
            "--torch-find-links", host.url("links/"), *extra]  # fmt: skip


def download_args(host: ReleaseHost, dest: Path, *extra: str) -> list[str]:
    """``download`` of the legacy stand-ins into the wheelhouse ``dest``."""
    return ["download", "--variant", VARIANT, "--tag", TAG, "--mirror", host.base,
            "-d", str(dest), *extra]  # fmt: skip


def cache_folder() -> Path:
    """The download cache's folder for the legacy tag (under the test's XDG_CACHE_HOME)."""
    return Path(os.environ["XDG_CACHE_HOME"]) / "aimetenv" / "wheels" / TAG


def files_in(folder: Path) -> dict[str, bytes]:
    """Every file under ``folder`` (relative name -> bytes); {} when it does not exist."""
    if not folder.exists():
        return {}
    return {
        str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()
    }


def rc_state(path: Path) -> tuple[bytes, int, list[str]]:
    """An rc file's bytes, its mode and what else lies beside it (temporary files, backups)."""
    return path.read_bytes(), path.stat().st_mode, sorted(p.name for p in path.parent.iterdir())


def receipt_of(prefix: Path) -> Path:
    """Where install writes the receipt of ``prefix``."""
    return prefix / "etc" / "aimetenv" / "receipt.json"


def python_runs(prefix: Path, code: str = "import sys; print(sys.prefix)") -> str:
    """Run the env's interpreter; its output (asserts that it works)."""
    result = subprocess.run(
        [str(prefix / "bin" / "python"), "-c", code],
        env=hermetic_env(),
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def pip_check(prefix: Path) -> None:
    """``pip check`` in the env passes."""
    result = subprocess.run(
        [str(prefix / "bin" / "python"), "-m", "pip", "check"],
        env=hermetic_env(),
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def record(name: str, value: float) -> None:
    """Keep a measured figure for docs/reliability.md (written only when asked for).

    With ``AIMETENV_FAULTS_MEASURE=FILE`` set, each figure is appended to FILE as one JSON line;
    ``python tests/faults/document.py FILE`` puts them into the document. Nothing is asserted
    about them: they are measurements, not expectations.
    """
    target = os.environ.get("AIMETENV_FAULTS_MEASURE")
    if target:
        with Path(target).open("a", encoding="utf-8") as stream:
            stream.write(json.dumps({"name": name, "value": value}) + "\n")


# misbehaving parts


@contextlib.contextmanager
def silent_host() -> Iterator[str]:
    """``http://127.0.0.1:PORT`` where connections are accepted by the kernel, never answered.

    The listening socket never calls ``accept``: the handshake completes from the backlog, the
    request is sent, and no byte ever comes back. Closed on exit.
    """
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(64)
        yield f"http://127.0.0.1:{listener.getsockname()[1]}"


@contextlib.contextmanager
def unaccepting_host() -> Iterator[str]:
    """``http://127.0.0.1:PORT`` whose handshake never completes, as behind a dropping firewall.

    The listener's backlog (0) is filled by one connection that is never accepted; the kernel
    then drops every further SYN, so a connect waits until its own time-out. Closed on exit.
    """
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(0)
        address = listener.getsockname()
        with socket.create_connection(address, timeout=5):
            yield f"http://127.0.0.1:{address[1]}"


def closed_port() -> str:
    """``http://127.0.0.1:PORT`` where nothing listens (the port was just released)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}"


def self_signed(folder: Path) -> tuple[Path, Path]:
    """A certificate for 127.0.0.1 and its key, made by ``openssl`` (skip when it is missing)."""
    openssl = shutil.which("openssl")
    if openssl is None:
        pytest.skip("openssl is needed to make a certificate for the https host")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        [openssl, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
         "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
         "-keyout", str(key), "-out", str(cert)],
        check=True, capture_output=True,
    )  # fmt: skip
    return cert, key


class _Redirecting(BaseHTTPRequestHandler):
    location = ""
    requests: list[str]

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002  # stdlib signature
        """Quiet."""

    def _answer(self) -> None:
        self.requests.append(f"{self.command} {self.path}")
        self.send_response(302)
        self.send_header("Location", self.location + self.path)
        self.send_header("Content-Length", "0")
        self.end_headers()

    do_GET = do_HEAD = _answer  # noqa: N815  # the stdlib's handler names


@contextlib.contextmanager
def https_redirector(folder: Path, location: str) -> Iterator[tuple[str, Path, list[str]]]:
    """An https host on 127.0.0.1 that redirects every path to ``location`` + path.

    Yields its base URL, the certificate to trust (``REQUESTS_CA_BUNDLE``) and the request log.
    """
    cert, key = self_signed(folder)
    log: list[str] = []

    class Handler(_Redirecting):
        requests = log

    Handler.location = location
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    serving = Serving(server)
    try:
        yield f"https://127.0.0.1:{serving.port}", cert, log
    finally:
        serving.stop()


HOLD_SCRIPT = '''\
"""Holds one process of this env until a file appears (a fault-suite test put it here)."""
import os, time
_WHEN, _REACHED, _GO, _BOUND = {when!r}, {reached!r}, {go!r}, {bound!r}
try:
    with open("/proc/self/cmdline", "rb") as _f:
        _cmdline = _f.read()
except OSError:
    _cmdline = b""
if _WHEN.encode() in _cmdline and not os.path.exists(_REACHED):
    open(_REACHED, "w").close()
    _deadline = time.time() + _BOUND
    while not os.path.exists(_GO) and time.time() < _deadline:
        time.sleep(0.05)
'''


@dataclass(frozen=True)
class Hold:
    """A point where a process waits: ``reached`` appears when it gets there, ``go`` frees it."""

    reached: Path
    go: Path

    def release(self) -> None:
        """Let the held process go on."""
        self.go.touch()


def hold_in_env(site_packages: Path, when: str, folder: Path) -> Hold:
    """Make every process of the env whose command line holds ``when`` wait, once.

    A ``sitecustomize.py`` in the env's site-packages runs at each interpreter start; it looks
    at ``/proc/self/cmdline`` and holds the first matching process until ``go`` exists (at most
    ``BOUND`` seconds).
    """
    hold = Hold(folder / "reached", folder / "go")
    script = HOLD_SCRIPT.format(when=when, reached=str(hold.reached), go=str(hold.go), bound=BOUND)
    (site_packages / "sitecustomize.py").write_text(script, encoding="utf-8")
    return hold


SLOW_CONDA = '''\
#!{python}
"""A conda that takes its time in create: it makes the prefix, then waits for a file."""
import os, sys, time
args = sys.argv[1:]
if args[:1] == ["create"] and not os.path.exists({go!r}):
    prefix = args[args.index("-p") + 1] if "-p" in args else args[args.index("--prefix") + 1]
    os.makedirs(os.path.join(prefix, "conda-meta"), exist_ok=True)
    open(os.path.join(prefix, "conda-meta", "history"), "w").close()
    open({reached!r}, "w").close()
    deadline = time.time() + {bound!r}
    while not os.path.exists({go!r}) and time.time() < deadline:
        time.sleep(0.05)
os.execv({python!r}, [{python!r}, {real!r}, *args])
'''


def slow_conda(root: Path, folder: Path) -> tuple[Path, Hold]:
    """The conda stand-in of ``support.fakeconda`` behind a ``conda create`` that waits.

    Returns the ``conda`` to put on PATH (or in ``CONDA_EXE``) and its hold point. The wait is
    what a real conda does while it solves and links: the prefix already exists, half made.
    """
    from support.fakeconda import install_conda  # noqa: PLC0415  # only these tests need it

    real = install_conda(root)
    moved = real.with_name("conda-stand-in")
    real.rename(moved)
    hold = Hold(folder / "reached", folder / "go")
    real.write_text(
        SLOW_CONDA.format(
            python=sys.executable, real=str(moved), go=str(hold.go), reached=str(hold.reached),
            bound=BOUND,
        ),
        encoding="utf-8",
    )  # fmt: skip
    real.chmod(0o755)
    return real, hold


__all__ = [
    "BOUND",
    "Hold",
    "Ran",
    "cache_folder",
    "check",
    "closed_port",
    "download_args",
    "files_in",
    "hold_in_env",
    "https_redirector",
    "install_args",
    "interrupt",
    "pip_check",
    "python_runs",
    "rc_state",
    "receipt_of",
    "record",
    "run",
    "self_signed",
    "silent_host",
    "slow_conda",
    "tail",
    "wait_for",
]
