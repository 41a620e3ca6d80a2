"""The package layout that README.md's "Layout" section describes holds."""

from __future__ import annotations

from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src" / "aimetenv"
TOP = {
    "__init__.py",
    "__main__.py",
    "errors.py",
    "exit_codes.py",
    "fsutil.py",
    "paths.py",
    "runner.py",
}
PACKAGES = {"catalog", "cli", "doctor", "envs", "fetch", "install", "render", "shellenv"}


def test_the_top_holds_only_what_every_part_uses() -> None:
    modules = {p.name for p in SRC.glob("*.py")}
    assert modules == TOP
    assert len(modules) <= 12


def test_each_folder_is_a_package_the_readme_names() -> None:
    folders = {p.name for p in SRC.iterdir() if p.is_dir() and (p / "__init__.py").is_file()}
    assert folders == PACKAGES
    readme = (SRC.parents[1] / "README.md").read_text(encoding="utf-8")
    for name in PACKAGES:
        assert f"`src/aimetenv/{name}/`" in readme


def test_no_module_is_over_600_lines() -> None:
    long = {
        str(p.relative_to(SRC)): n
        for p in SRC.rglob("*.py")
        if (n := len(p.read_text(encoding="utf-8").splitlines())) > 600
    }
    assert long == {}


def test_tests_mirror_the_packages() -> None:
    tests = Path(__file__).resolve().parent
    for name in PACKAGES:
        assert (tests / name).is_dir(), name
