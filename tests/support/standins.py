"""Stand-ins for a PyPI-hosted release and a pip index that can be held mid-download.

``build_modern_release(folder)`` writes small, real, installable wheels shaped like what
``aimetenv install --variant torch-cpu --tag 2.42.0`` installs (``torch``, ``torchvision`` and the
pure-Python ``aimet_torch`` 2.42.0, which ships no libpymo), plus ``Pillow`` and ``Pillow-SIMD``
for ``--pillow-simd``. They are served by a loopback PEP 503 index, so pip and uv really resolve,
download and install them, and nothing reaches for the internet.

``GatedIndex`` is that index as a real ``ThreadingHTTPServer`` on 127.0.0.1 whose answer for
chosen files waits until the test opens the gate: ``reached`` is set the moment pip asks for such
a file, so a test knows for certain that pip is inside its download when it interrupts the
install or starts a second one. No timing guesses.

``run_aimetenv`` runs the real console entry point in a child process with a hermetic pip
configuration (``PIP_CONFIG_FILE=/dev/null``, no machine-wide find-links), so only the loopback
hosts a test names are seen.
"""

from __future__ import annotations

import hashlib
import html
import os
import re
import subprocess  # noqa: TID251  # tests run the real command line
import sys
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, unquote, urlsplit

from support.serving import Serving
from support.wheelbuild import build_wheel

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence
    from types import TracebackType

MODERN_TAG = "2.42.0"
MODERN_VARIANT = "torch-cpu"
TORCH_VERSION = "2.13.0"

AIMET_TORCH_INIT = b'''"""Stand-in for aimet_torch 2.42.0: pure Python, no libpymo, needs torch."""
import torch

__version__ = "2.42.0"
'''


@dataclass(frozen=True)
class ModernRelease:
    """The stand-in wheels, one folder."""

    folder: Path
    torch: Path
    torchvision: Path
    aimet_torch: Path
    pillow: Path
    pillow_simd: Path


def build_modern_release(folder: Path) -> ModernRelease:
    """Write the stand-in wheels into ``folder``."""

    def pure(name: str, version: str, files: Mapping[str, bytes], *requires: str) -> Path:
        return build_wheel(
            folder,
            distribution=name,
            version=version,
            tag="py3-none-any",
            files=files,
            requires=requires,
            root_is_purelib=True,
        )

    torch = pure(
        "torch", TORCH_VERSION, {"torch/__init__.py": f"__version__ = '{TORCH_VERSION}'\n".encode()}
    )
    torchvision = pure(
        "torchvision", "0.28.0", {"torchvision/__init__.py": b"__version__ = '0.28.0'\n"}, "torch"
    )
    aimet_torch = build_wheel(
        folder,
        distribution="aimet_torch",
        version=MODERN_TAG,
        tag="py38-none-any",
        files={"aimet_torch/__init__.py": AIMET_TORCH_INIT},
        requires=("torch",),
        root_is_purelib=True,
    )
    pillow = pure("Pillow", "10.0.0", {"PIL/__init__.py": b"FLAVOUR = 'pillow'\n"})
    pillow_simd = pure("Pillow_SIMD", "9.0.0.post1", {"PIL/__init__.py": b"FLAVOUR = 'simd'\n"})
    return ModernRelease(folder, torch, torchvision, aimet_torch, pillow, pillow_simd)


def _project(filename: str) -> str:
    return re.sub(r"[-_.]+", "-", filename.split("-", 1)[0]).lower()


@dataclass
class _State:
    files: dict[str, Path]
    gated: set[str] = field(default_factory=set)
    gate: threading.Event = field(default_factory=threading.Event)
    reached: threading.Event = field(default_factory=threading.Event)
    requests: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)


class GatedIndex:
    """A PEP 503 simple index on 127.0.0.1 whose chosen files wait for ``open_gate()``."""

    def __init__(self, folder: Path) -> None:
        """Serve every ``*.whl`` in ``folder``; the gate starts open."""
        self.state = _State(files={p.name: p for p in sorted(folder.glob("*.whl"))})
        self.state.gate.set()
        self._serving: Serving | None = None

    def __enter__(self) -> GatedIndex:  # noqa: PYI034  # no subclasses; Self needs 3.11
        """Start serving on a free port."""
        state = self.state

        class Handler(_IndexHandler):
            shared = state

        self._serving = Serving(ThreadingHTTPServer(("127.0.0.1", 0), Handler))
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        """Open the gate (so no handler stays blocked) and stop."""
        self.state.gate.set()
        if self._serving is not None:
            self._serving.stop()

    @property
    def url(self) -> str:
        """``http://127.0.0.1:<port>/simple/``."""
        assert self._serving is not None
        return f"http://127.0.0.1:{self._serving.port}/simple/"

    def hold(self, *filenames: str) -> None:
        """Close the gate for these files: their download waits until ``open_gate``."""
        self.state.gated.update(filenames)
        self.state.reached.clear()
        self.state.gate.clear()

    def open_gate(self) -> None:
        """Let every held download go on."""
        self.state.gate.set()

    def wait_reached(self, timeout: float = 300.0) -> bool:
        """Block until pip asked for a held file (a generous bound, not a timing assertion)."""
        return self.state.reached.wait(timeout)

    @property
    def requests(self) -> list[str]:
        """The paths asked for, in order."""
        with self.state.lock:
            return list(self.state.requests)


class _IndexHandler(BaseHTTPRequestHandler):
    shared: _State
    protocol_version = "HTTP/1.1"
    head_only = False

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002  # stdlib signature
        """Quiet."""

    def do_HEAD(self) -> None:
        """Answer with the headers a GET would send (uv asks before it downloads)."""
        self.head_only = True
        try:
            self._answer()
        finally:
            self.head_only = False

    def do_GET(self) -> None:
        """Answer a project page or a file."""
        self.head_only = False
        self._answer()

    def _answer(self) -> None:
        path = unquote(urlsplit(self.path).path)
        with self.shared.lock:
            self.shared.requests.append(path)
        parts = [p for p in path.split("/") if p]
        if len(parts) == 2 and parts[0] == "simple":  # /simple/<project>/
            self._project_page(re.sub(r"[-_.]+", "-", parts[1]).lower())
        elif len(parts) == 2 and parts[0] == "files" and parts[1] in self.shared.files:
            self._file(parts[1])
        else:
            self._send(404, b"not found\n", "text/plain")

    def _project_page(self, project: str) -> None:
        links = []
        for name, file in sorted(self.shared.files.items()):
            if _project(name) == project:
                digest = hashlib.sha256(file.read_bytes()).hexdigest()
                href = html.escape(f"/files/{quote(name)}#sha256={digest}")
                links.append(f'<a href="{href}">{html.escape(name)}</a><br/>')
        if not links:
            self._send(404, b"no such project\n", "text/plain")
            return
        page = "<!DOCTYPE html><html><body>\n" + "\n".join(links) + "\n</body></html>\n"
        self._send(200, page.encode(), "text/html")

    def _file(self, name: str) -> None:
        if name in self.shared.gated and not self.head_only:
            self.shared.reached.set()
            self.shared.gate.wait(600)
        self._send(200, self.shared.files[name].read_bytes(), "application/octet-stream")

    def _send(self, status: int, body: bytes, kind: str) -> None:
        try:
            self.send_response(status)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if not self.head_only:
                self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True


def hermetic_env(**changes: str | None) -> dict[str, str]:
    """The test's environment for a child aimetenv: pip sees only the hosts a test names.

    ``PIP_CONFIG_FILE=/dev/null`` makes pip skip every configuration file (the machine's extra
    file indexes and its constraint file); the machine's ``PIP_FIND_LINKS`` goes too. The
    folder of the test interpreter comes first on PATH, so ``uv`` from the dev venv is found.
    """
    env = dict(os.environ)
    env.pop("PIP_FIND_LINKS", None)
    env["PIP_CONFIG_FILE"] = os.devnull
    env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")])
    for key, value in changes.items():
        if value is None:
            env.pop(key, None)
        else:
            env[key] = value
    return env


def aimetenv_argv(*args: str) -> list[str]:
    """The real entry point, as a user runs it."""
    return [sys.executable, "-m", "aimetenv", *args]


def run_aimetenv(
    *args: str,
    env: Mapping[str, str] | None = None,
    cwd: Path | None = None,
    timeout: float = 900,
) -> subprocess.CompletedProcess[str]:
    """Run ``aimetenv ARGS`` to completion (stdin is not a terminal)."""
    return subprocess.run(
        aimetenv_argv(*args),
        env=dict(env) if env is not None else hermetic_env(),
        cwd=cwd,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def start_aimetenv(*args: str, env: Mapping[str, str] | None = None) -> subprocess.Popen[str]:
    """``aimetenv ARGS`` started in the background (to interrupt it, or to race it)."""
    return subprocess.Popen(
        aimetenv_argv(*args),
        env=dict(env) if env is not None else hermetic_env(),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        errors="backslashreplace",
    )


def modern_args(index: str, *extra: str) -> list[str]:
    """``install --variant torch-cpu --tag 2.42.0`` with both indexes pointed at ``index``."""
    return [
        "install",
        "--variant",
        MODERN_VARIANT,
        "--tag",
        MODERN_TAG,
        "--torch-index",
        index,
        "--index-url",
        index,
        *extra,
    ]


def venv_python(prefix: Path) -> Path:
    """``<prefix>/bin/python``."""
    return prefix / "bin" / "python"


def pip_list(prefix: Path) -> dict[str, str]:
    """Name (normalised) -> version of what pip says is installed in ``prefix``."""
    import json  # noqa: PLC0415  # only here

    result = subprocess.run(
        [str(venv_python(prefix)), "-m", "pip", "list", "--format", "json"],
        env=hermetic_env(),
        capture_output=True,
        text=True,
        check=True,
    )
    return {
        re.sub(r"[-_.]+", "-", item["name"]).lower(): item["version"]
        for item in json.loads(result.stdout)
    }


def one_line(stderr: str) -> str:
    """The single line an error leaves on stderr (asserts there is exactly one)."""
    lines = [line for line in stderr.splitlines() if line.strip()]
    assert len(lines) == 1, stderr
    return lines[0]


def tail(text: str, count: int = 30) -> str:
    """The end of a long output, for assertion messages."""
    return "\n".join(text.splitlines()[-count:])


def flags_of(argv: Sequence[str]) -> list[str]:
    """The option names in an argv (``--prefix``, ``-y``), without their values."""
    return [a.split("=", 1)[0] for a in argv if a.startswith("-")]


__all__ = [
    "MODERN_TAG",
    "MODERN_VARIANT",
    "TORCH_VERSION",
    "GatedIndex",
    "ModernRelease",
    "aimetenv_argv",
    "build_modern_release",
    "flags_of",
    "hermetic_env",
    "modern_args",
    "one_line",
    "pip_list",
    "run_aimetenv",
    "start_aimetenv",
    "tail",
    "venv_python",
]
