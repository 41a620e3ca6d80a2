"""The mechanical parts of docs/security.md: one door to child processes, no shell strings."""

from __future__ import annotations

import re
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src" / "aimetenv"
SOURCES = {p.relative_to(SRC).as_posix(): p.read_text(encoding="utf-8") for p in SRC.rglob("*.py")}


def test_no_shell_strings_anywhere() -> None:
    for name, text in SOURCES.items():
        assert "shell=True" not in text, name
        assert "os.system(" not in text, name
        assert "os.popen(" not in text, name


def test_only_the_runner_imports_subprocess() -> None:
    importers = {
        n
        for n, t in SOURCES.items()
        if re.search(r"^\s*(import|from) subprocess\b", t, re.MULTILINE)
    }
    assert importers == {"runner.py"}


def test_requests_is_imported_only_where_it_is_used_and_only_lazily() -> None:
    for name, text in SOURCES.items():
        assert not re.search(r"^(import|from) requests\b", text, re.MULTILINE), (
            f"{name}: top-level requests"
        )


def test_tracebacks_never_show_local_variables() -> None:
    app = SOURCES["cli/app.py"]
    assert "pretty_exceptions_enable=False" in app
    assert "pretty_exceptions_show_locals=False" in app
