"""The install receipt: what aimetenv installed into an environment, written after success.

It lives in ``<prefix>/etc/aimetenv/receipt.json``; when that folder cannot be written (a system
interpreter), in the user state folder under a name derived from the prefix. ``env`` and
``doctor`` read it; ``install`` uses it to skip work that is already done. A record of the last
successful install (``<state>/last-install.json``) lets ``doctor`` and ``env`` find that env.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

RECEIPT_SCHEMA = "aimetenv.receipt/1"
LAST_INSTALL_SCHEMA = "aimetenv.last-install/1"


@dataclass(frozen=True)
class Receipt:
    """One successful install."""

    tag: str
    variant: str
    source: str
    prefix: str
    python: str
    python_version: str
    target_kind: str
    site_packages: tuple[str, ...]
    exports: dict[str, Any]
    """``ExportSpec.to_dict()``: directories relative to site-packages, the CUDA flag, a note."""
    smoke: dict[str, Any]
    """``SmokeSpec.to_dict()``."""
    plan: dict[str, Any]
    """``InstallPlan.to_dict()`` as installed."""
    files: tuple[dict[str, Any], ...] = ()
    """Each release-host file: filename, url, sha256, size."""
    requirements: tuple[str, ...] = ()
    installer: str = "pip"
    aimetenv_version: str = ""
    started: str = ""
    finished: str = ""
    extras: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """The JSON document (schema ``aimetenv.receipt/1``)."""
        return {
            "schema": RECEIPT_SCHEMA,
            "tag": self.tag,
            "variant": self.variant,
            "source": self.source,
            "prefix": self.prefix,
            "python": self.python,
            "python_version": self.python_version,
            "target_kind": self.target_kind,
            "site_packages": list(self.site_packages),
            "exports": self.exports,
            "smoke": self.smoke,
            "plan": self.plan,
            "files": list(self.files),
            "requirements": list(self.requirements),
            "installer": self.installer,
            "aimetenv_version": self.aimetenv_version,
            "started": self.started,
            "finished": self.finished,
            "extras": self.extras,
        }

    @classmethod
    def from_dict(cls, data: object) -> Receipt | None:
        """Parse a receipt; None when it is not one of ours or is damaged."""
        if not isinstance(data, dict) or data.get("schema") != RECEIPT_SCHEMA:
            return None
        try:
            return cls(
                tag=str(data["tag"]),
                variant=str(data["variant"]),
                source=str(data.get("source", "")),
                prefix=str(data["prefix"]),
                python=str(data["python"]),
                python_version=str(data.get("python_version", "")),
                target_kind=str(data.get("target_kind", "")),
                site_packages=tuple(str(p) for p in data.get("site_packages") or ()),
                exports=dict(data.get("exports") or {}),
                smoke=dict(data.get("smoke") or {}),
                plan=dict(data.get("plan") or {}),
                files=tuple(dict(f) for f in data.get("files") or ()),
                requirements=tuple(str(r) for r in data.get("requirements") or ()),
                installer=str(data.get("installer", "pip")),
                aimetenv_version=str(data.get("aimetenv_version", "")),
                started=str(data.get("started", "")),
                finished=str(data.get("finished", "")),
                extras=dict(data.get("extras") or {}),
            )
        except (KeyError, TypeError, ValueError):
            return None


def receipt_path_in_env(prefix: Path) -> Path:
    """``<prefix>/etc/aimetenv/receipt.json``."""
    return prefix / "etc" / "aimetenv" / "receipt.json"


def receipt_path_in_state(prefix: Path, state: Path) -> Path:
    """Where the receipt goes when the environment itself cannot be written."""
    import hashlib  # noqa: PLC0415  # start-up speed: aimetenv env rarely needs it, see below

    digest = hashlib.sha256(os.fsencode(prefix)).hexdigest()[:16]  # any bytes a path may hold
    return state / "receipts" / f"{digest}.json"


def read_receipt(prefix: Path, state: Path) -> Receipt | None:
    """The receipt of the environment at ``prefix``, if aimetenv installed into it.

    When both places hold one (an install fell back to the state folder because the env could no
    longer be written), the one that finished last wins: the other describes an older install.
    """
    found: list[Receipt] = []
    places = [receipt_path_in_env(prefix)]
    if (state / "receipts").is_dir():  # only after an install fell back to the state folder
        places.append(receipt_path_in_state(prefix, state))
    for path in places:
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError):
            continue
        receipt = Receipt.from_dict(data)
        if receipt is not None and Path(receipt.prefix) == prefix:
            found.append(receipt)
    if not found:
        return None
    return max(found, key=lambda r: r.finished)


def write_receipt(receipt: Receipt, state: Path) -> Path:
    """Write atomically into the env, or into the state folder when the env is read-only."""
    from aimetenv.errors import FileError  # noqa: PLC0415  # only on the fallback path
    from aimetenv.fetch.urls import redact  # noqa: PLC0415  # credentials never reach the disk
    from aimetenv.fsutil import atomic_write_text  # noqa: PLC0415  # only when writing

    text = redact(json.dumps(receipt.to_dict(), indent=2, sort_keys=True)) + "\n"
    prefix = Path(receipt.prefix)
    primary = receipt_path_in_env(prefix)
    try:
        atomic_write_text(primary, text)
    except FileError:
        fallback = receipt_path_in_state(prefix, state)
        atomic_write_text(fallback, text)
        return fallback
    return primary


def record_last_install(state: Path, *, prefix: str, python: str, kind: str) -> None:
    """Remember the environment of the last successful install."""
    from aimetenv.fsutil import atomic_write_text  # noqa: PLC0415  # only when writing

    document = {"schema": LAST_INSTALL_SCHEMA, "prefix": prefix, "python": python, "kind": kind}
    atomic_write_text(state / "last-install.json", json.dumps(document, indent=2) + "\n")


def read_last_install(state: Path) -> dict[str, str] | None:
    """The record written by ``record_last_install``, if any."""
    try:
        data = json.loads((state / "last-install.json").read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError):
        return None
    if not isinstance(data, dict) or data.get("schema") != LAST_INSTALL_SCHEMA:
        return None
    return {k: str(v) for k, v in data.items()}


__all__ = [
    "LAST_INSTALL_SCHEMA",
    "RECEIPT_SCHEMA",
    "Receipt",
    "read_last_install",
    "read_receipt",
    "receipt_path_in_env",
    "receipt_path_in_state",
    "record_last_install",
    "write_receipt",
]
