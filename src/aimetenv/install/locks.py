"""One install at a time per environment: a non-blocking file lock keyed by the env's prefix.

The lock file lives in ``<state>/locks/<sha256(prefix)[:16]>.lock``, outside the environment, so it
also guards an environment that does not exist yet. The operating system drops the lock when its
holder exits, however it exits, so a crashed install never leaves a stale lock behind. A small
``.owner`` file next to it names the holder for the message the second process prints.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
from typing import TYPE_CHECKING

import filelock

from aimetenv.errors import BusyError, FileError
from aimetenv.fsutil import atomic_write_text

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path


def lock_path(prefix: Path, state: Path) -> Path:
    """``<state>/locks/<sha256(prefix)[:16]>.lock``."""
    digest = hashlib.sha256(os.fsencode(prefix)).hexdigest()[:16]  # any bytes a path may hold
    return state / "locks" / f"{digest}.lock"


def _owner(path: Path) -> str:
    try:
        data = json.loads(path.with_suffix(".owner").read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError):
        return ""
    if not isinstance(data, dict) or "pid" not in data:
        return ""
    return f" (pid {data['pid']})"


@contextlib.contextmanager
def env_lock(prefix: Path, state: Path, *, label: str) -> Iterator[Path]:
    """Hold the lock of the environment at ``prefix``; BusyError at once when another holds it."""
    path = lock_path(prefix, state)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise FileError(
            f"cannot create the lock folder {path.parent}: {error.strerror or error}",
            code="lock-failed",
        ) from None
    lock = filelock.FileLock(str(path), timeout=0)
    try:
        lock.acquire()
    except filelock.Timeout:
        raise BusyError(
            f"another aimetenv process is installing into {label}{_owner(path)}",
            hint="Wait for it to finish, then run the command again.",
            code="env-busy",
        ) from None
    except OSError as error:
        raise FileError(
            f"cannot take the lock {path}: {error.strerror or error}", code="lock-failed"
        ) from None
    try:
        with contextlib.suppress(FileError):
            owner = {"pid": os.getpid(), "prefix": str(prefix)}
            atomic_write_text(path.with_suffix(".owner"), json.dumps(owner) + "\n")
        yield path
    finally:
        lock.release()


__all__ = ["env_lock", "lock_path"]
