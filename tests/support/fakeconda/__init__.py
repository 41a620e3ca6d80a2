"""Installing the conda stand-in (see ``conda.py``) as ``<root>/bin/conda``."""

from __future__ import annotations

import json
import sys
from pathlib import Path

SCRIPT = Path(__file__).with_name("conda.py")


def install_conda(root: Path) -> Path:
    """Make ``root`` a conda-like base prefix whose ``bin/conda`` is the stand-in; return it."""
    (root / "bin").mkdir(parents=True, exist_ok=True)
    (root / "conda-meta").mkdir(exist_ok=True)
    (root / "envs").mkdir(exist_ok=True)
    exe = root / "bin" / "conda"
    text = SCRIPT.read_text(encoding="utf-8").replace(
        'TESTS = ""', f"TESTS = {str(SCRIPT.parent.parent.parent)!r}", 1
    )
    exe.write_text(f"#!{sys.executable}\n" + text, encoding="utf-8")
    exe.chmod(0o755)
    return exe


def calls(root: Path) -> list[list[str]]:
    """Every argv the stand-in was called with, in order."""
    log = root / "stand-in-calls.jsonl"
    if not log.exists():
        return []
    return [json.loads(line)["argv"] for line in log.read_text(encoding="utf-8").splitlines()]


__all__ = ["SCRIPT", "calls", "install_conda"]
