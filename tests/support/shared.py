"""Session fixtures built once per test run, whatever the number of pytest-xdist workers.

Each xdist worker is its own process with its own session, so a session fixture is built once
per worker: four workers compiled the libpymo stand-in and installed the 1.16.2.py37 env four
times. Here the first worker to ask builds into a folder that every worker of the run sees (the
parent of the workers' own temporary folders), under an exclusive ``flock``; the others wait
for it and read what it wrote. A build that failed leaves no ``done`` mark: the next worker
clears the folder and builds again, and fails with its own message.

Only for what tests read and never change (the wheels, the installed stand-in env).
"""

from __future__ import annotations

import fcntl
import json
import os
import shutil
from contextlib import contextmanager
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator
    from pathlib import Path

    import pytest

DONE = "done.json"


def run_folder(factory: pytest.TempPathFactory) -> Path:
    """The folder all workers of this run share: under xdist, the parent of each worker's own."""
    base = factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        return base.parent
    return base


@contextmanager
def _exclusive(lock: Path) -> Iterator[None]:
    fd = os.open(lock, os.O_CREAT | os.O_RDWR, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # closing lets the lock go


def built_once(
    factory: pytest.TempPathFactory, name: str, build: Callable[[Path], dict[str, str]]
) -> dict[str, str]:
    """``build(folder)``'s answer (paths as strings), from whichever worker of the run built it."""
    shared = run_folder(factory) / "shared"
    shared.mkdir(exist_ok=True)
    folder = shared / name
    with _exclusive(shared / f"{name}.lock"):
        done = folder / DONE
        if done.is_file():
            answer: dict[str, str] = json.loads(done.read_text(encoding="utf-8"))
            return answer
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir()
        answer = build(folder)
        done.write_text(json.dumps(answer), encoding="utf-8")
        return answer
