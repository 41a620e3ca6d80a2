"""Build real, installable wheel files (zip + dist-info + RECORD) from a mapping of files.

The file name's version may be a legacy, non-PEP 440 string such as ``torch_cpu_1.16.2.py37``,
exactly as AIMET's 1.x release-host wheels were; pip before 24.1 installs them.
"""

from __future__ import annotations

import base64
import hashlib
import zipfile
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Mapping
    from pathlib import Path


def record_hash(data: bytes) -> str:
    """A RECORD line's hash field: ``sha256=`` and the urlsafe base64 digest, unpadded."""
    digest = hashlib.sha256(data).digest()
    return "sha256=" + base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def build_wheel(  # a wheel has this many independent parts
    folder: Path,
    *,
    distribution: str,
    version: str,
    tag: str,
    files: Mapping[str, bytes],
    requires: tuple[str, ...] = (),
    root_is_purelib: bool = False,
    executables: frozenset[str] = frozenset(),
) -> Path:
    """Write ``<distribution>-<version>-<tag>.whl`` into ``folder`` and return its path."""
    folder.mkdir(parents=True, exist_ok=True)
    dist_info = f"{distribution}-{version}.dist-info"
    metadata = "\n".join(
        [
            "Metadata-Version: 2.1",
            f"Name: {distribution}",
            f"Version: {version}",
            "Summary: test stand-in for an AIMET wheel",
            *(f"Requires-Dist: {r}" for r in requires),
            "",
        ]
    ).encode()
    wheel_meta = "\n".join(
        [
            "Wheel-Version: 1.0",
            "Generator: aimetenv-tests",
            f"Root-Is-Purelib: {'true' if root_is_purelib else 'false'}",
            f"Tag: {tag}",
            "",
        ]
    ).encode()
    contents = dict(files)
    contents[f"{dist_info}/METADATA"] = metadata
    contents[f"{dist_info}/WHEEL"] = wheel_meta
    record_lines = [f"{name},{record_hash(data)},{len(data)}" for name, data in contents.items()]
    record_lines.append(f"{dist_info}/RECORD,,")
    contents[f"{dist_info}/RECORD"] = ("\n".join(record_lines) + "\n").encode()
    path = folder / f"{distribution}-{version}-{tag}.whl"
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, data in contents.items():
            info = zipfile.ZipInfo(name, date_time=(2021, 6, 18, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            mode = 0o755 if name in executables else 0o644
            info.external_attr = (0o100000 | mode) << 16
            archive.writestr(info, data)
    return path


__all__ = ["build_wheel", "record_hash"]
