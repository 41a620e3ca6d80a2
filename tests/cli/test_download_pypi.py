"""``aimetenv download -d`` of a PyPI release: the AIMET file from a files host, sha256 checked.

The AIMET wheel is built by the test and served by a loopback host shaped like PyPI's files host
(``/packages/<2>/<2>/<60>/<file>``); a user overlay (what ``releases --refresh`` writes) gives
its URL, size and sha256, as the packaged catalog does for files.pythonhosted.org. Its one
dependency comes from a loopback index (``PIP_INDEX_URL``), with the machine's pip configuration
out of the way (``PIP_CONFIG_FILE=/dev/null``, no ``PIP_FIND_LINKS`` or ``PIP_CONSTRAINT``).
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, Any

import pytest
import yaml
from typer.testing import CliRunner

from aimetenv.cli.app import app
from aimetenv.exit_codes import ExitCode
from aimetenv.paths import overlay_path
from support.releasehost import ReleaseHost
from support.serving import Serving
from support.wheelbuild import build_wheel

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

RUNNER = CliRunner()
TAG = "2.42.0"
NAME = "aimet_torch-2.42.0-py310-none-any.whl"


@dataclass
class FilesHost:
    """``/packages/...`` paths answered from memory, each GET and HEAD logged."""

    files: dict[str, bytes] = field(default_factory=dict)
    requests: list[str] = field(default_factory=list)
    base: str = ""

    def publish(self, name: str, data: bytes) -> str:
        """Serve ``data`` at a PyPI-shaped path (the blake2b digest of the data, as PyPI's)."""
        digest = hashlib.blake2b(data, digest_size=32).hexdigest()
        path = f"/packages/{digest[:2]}/{digest[2:4]}/{digest[4:]}/{name}"
        self.files[path] = data
        return self.base + path


def _handler(host: FilesHost) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002  # stdlib signature
            del format, args

        def do_HEAD(self) -> None:
            self._answer(body=False)

        def do_GET(self) -> None:
            self._answer(body=True)

        def _answer(self, *, body: bool) -> None:
            host.requests.append(f"{self.command} {self.path}")
            data = host.files.get(self.path)
            if data is None:
                self.send_response(404)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            self.send_response(200)
            self.send_header("Content-Type", "application/octet-stream")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            if body:
                self.wfile.write(data)

    return Handler


@pytest.fixture
def files_host() -> Iterator[FilesHost]:
    host = FilesHost()
    serving = Serving(ThreadingHTTPServer(("127.0.0.1", 0), _handler(host)))
    host.base = f"http://127.0.0.1:{serving.port}"
    try:
        yield host
    finally:
        serving.stop()


@dataclass(frozen=True)
class Release:
    """The test-built AIMET wheel, where it is served, and the index of its dependency."""

    data: bytes
    url: str
    index: str


@pytest.fixture
def release(
    tmp_path: Path, files_host: FilesHost, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Release]:
    aimet = build_wheel(
        tmp_path / "built",
        distribution="aimet_torch",
        version=TAG,
        tag="py310-none-any",
        files={"aimet_torch/__init__.py": b"import tinydep\n"},
        requires=("tinydep",),
        root_is_purelib=True,
    )
    build_wheel(tmp_path / "index", distribution="tinydep", version="1.0", tag="py3-none-any",
                files={"tinydep.py": b"VALUE = 42\n"}, root_is_purelib=True)  # fmt: skip
    data = aimet.read_bytes()
    url = files_host.publish(NAME, data)
    with ReleaseHost(tmp_path / "index-host") as index_host:
        simple, _ = index_host.serve_index(tmp_path / "index")
        monkeypatch.setenv("PIP_CONFIG_FILE", os.devnull)
        monkeypatch.setenv("PIP_INDEX_URL", simple)
        monkeypatch.delenv("PIP_FIND_LINKS", raising=False)
        monkeypatch.delenv("PIP_CONSTRAINT", raising=False)
        yield Release(data=data, url=url, index=simple)


def write_overlay(url: str, sha256: str, size: int) -> None:
    """The PyPI part of a user overlay, as ``releases --refresh`` writes it."""
    entry = {
        "file": NAME,
        "url": url,
        "size": size,
        "sha256": sha256,
        "requires_python": ">=3.10",
        "uploaded": "2026-10-18T23:31:48Z",
    }
    document = {
        "schema": 1,
        "pypi": {
            "index": "https://pypi.org/pypi",
            "releases": [
                {
                    "version": TAG,
                    "date": "2026-10-18",
                    "era": "M",
                    "projects": {"aimet-torch": {"files": [entry], "variants": {"torch-gpu": {}}}},
                }
            ],
        },
    }
    path = overlay_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(document), encoding="utf-8")


def download(dest: Path) -> list[str]:
    return ["download", "--variant", "torch-gpu", "--tag", TAG, "--python-version", "3.10",
            "-d", str(dest), "--json"]  # fmt: skip


def test_the_pypi_file_lands_checked_and_listed(tmp_path: Path, release: Release) -> None:
    digest = hashlib.sha256(release.data).hexdigest()
    write_overlay(release.url, digest, len(release.data))
    dest = tmp_path / "wh"
    result = RUNNER.invoke(app, download(dest))
    assert result.exit_code == 0, result.stderr
    assert (dest / NAME).read_bytes() == release.data
    document = json.loads(result.stdout)
    aimet = {"filename": NAME, "sha256": digest, "size": len(release.data), "url": release.url}
    assert aimet in document["files"]
    manifest = json.loads((dest / "manifest.json").read_text())
    assert aimet in manifest["files"]
    listed = {f["filename"] for f in manifest["files"]}
    assert listed == {NAME, "tinydep-1.0-py3-none-any.whl"}, "the dependency comes from pip"
    for item in manifest["files"]:
        assert hashlib.sha256((dest / item["filename"]).read_bytes()).hexdigest() == item["sha256"]
    assert [p.name for p in (tmp_path / "xdg" / "cache").rglob(NAME)] == [NAME], "cached too"


def test_a_wrong_sha256_is_exit_5_and_leaves_no_file(
    tmp_path: Path, release: Release, files_host: FilesHost
) -> None:
    write_overlay(release.url, hashlib.sha256(b"another file").hexdigest(), len(release.data))
    dest = tmp_path / "wh"
    result = RUNNER.invoke(app, download(dest))
    assert result.exit_code == ExitCode.INTEGRITY, result.stderr
    document = json.loads(result.stdout)
    assert document["error"]["code"] == "sha256-mismatch"
    assert NAME in document["error"]["message"]
    assert any(r.startswith("GET /packages/") for r in files_host.requests), "it was fetched"
    assert not dest.exists(), "the folder the failed download made is gone"
    cached = [p.name for p in (tmp_path / "xdg" / "cache").rglob(f"{NAME}*")]
    assert cached == [], "no file, partial or whole, is kept under a name it does not match"
