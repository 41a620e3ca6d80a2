"""aimetenv.doctor.elf reads real ELF files built here with gcc: NEEDED, RPATH/RUNPATH, versions."""

from __future__ import annotations

import os
import shutil
from typing import TYPE_CHECKING

import pytest

from aimetenv.doctor.elf import (
    ElfCache,
    ElfReadError,
    is_elf,
    newest_versions,
    read_elf,
    read_ident,
    version_key,
)
from aimetenv.exit_codes import ExitCode
from support.native import SUPPORT_SONAME, build_old_libstdcxx, build_support, compile_c

if TYPE_CHECKING:
    from pathlib import Path

pytestmark = pytest.mark.skipif(shutil.which("gcc") is None, reason="gcc builds the test objects")


@pytest.fixture(scope="module")
def objects(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("elf")
    dep = compile_c(
        root / "dep", "libdep.so", "int dep(void) { return 1; }\n", "-Wl,-soname,libdep.so"
    )
    uses = "extern int dep(void);\nint top(void) { return dep(); }\n"
    runpath = compile_c(
        root / "top", "librunpath.so", uses, f"-L{dep.parent}", "-ldep",
        "-Wl,-rpath,$ORIGIN/../dep", "-Wl,--enable-new-dtags", "-Wl,-soname,librunpath.so",
    )  # fmt: skip
    rpath = compile_c(
        root / "top", "librpath.so", uses, f"-L{dep.parent}", "-ldep",
        "-Wl,-rpath,/nowhere:$ORIGIN/../dep", "-Wl,--disable-new-dtags",
    )  # fmt: skip
    return {
        "dep": dep,
        "runpath": runpath,
        "rpath": rpath,
        "support": build_support(root / "support"),
        "old": build_old_libstdcxx(root / "old"),
    }


def test_needed_soname_and_runpath(objects: dict[str, Path]) -> None:
    info = read_elf(str(objects["runpath"]))
    assert info.soname == "librunpath.so"
    assert info.needed[0] == "libdep.so"
    assert info.runpath == ("$ORIGIN/../dep",)
    assert info.rpath == ()
    assert info.has_runpath
    assert info.ident.elf_class == 64
    assert info.ident.describe() == "ELF64 x86_64"


def test_rpath_entries_split_in_order(objects: dict[str, Path]) -> None:
    info = read_elf(str(objects["rpath"]))
    assert info.rpath == ("/nowhere", "$ORIGIN/../dep")
    assert info.runpath == ()
    assert info.soname is None


def test_version_needs_name_the_library_and_the_versions(objects: dict[str, Path]) -> None:
    info = read_elf(str(objects["support"]))
    assert info.soname == SUPPORT_SONAME
    needs = info.version_needs["libstdc++.so.6"]
    assert "GLIBCXX_3.4.29" in needs
    assert newest_versions(needs)["GLIBCXX"] == "GLIBCXX_3.4.29"
    assert "libstdc++.so.6" in info.needed


def test_version_definitions_of_a_fake_old_libstdcxx(objects: dict[str, Path]) -> None:
    info = read_elf(str(objects["old"]))
    assert info.defines("GLIBCXX_3.4.28")
    assert not info.defines("GLIBCXX_3.4.29")
    assert "libstdc++.so.6" not in info.version_defs  # the base entry is the file, not a version
    assert newest_versions(info.version_defs) == {
        "GLIBCXX": "GLIBCXX_3.4.28",
        "CXXABI": "CXXABI_1.3.12",
    }


def test_the_system_libc_defines_its_own_version() -> None:
    text = os.confstr("CS_GNU_LIBC_VERSION") or ""
    libc = "/lib/x86_64-linux-gnu/libc.so.6"
    if not text.startswith("glibc ") or not is_elf(libc):
        pytest.skip("not a Debian-style glibc system")
    info = read_elf(libc)
    assert info.defines("GLIBC_" + text.split()[1])


def test_not_an_elf_file(tmp_path: Path) -> None:
    text = tmp_path / "libfake.so"
    text.write_text("INPUT(-lc)\n")  # a linker script, as /usr/lib/.../libc.so is
    assert read_ident(str(text)) is None
    assert not is_elf(str(text))
    with pytest.raises(ElfReadError) as caught:
        read_elf(str(text))
    assert caught.value.exit_code is ExitCode.FILE_ERROR
    assert "libfake.so" in caught.value.message
    assert read_ident(str(tmp_path / "missing.so")) is None


def test_truncated_elf_is_an_error_not_a_crash(tmp_path: Path, objects: dict[str, Path]) -> None:
    cut = tmp_path / "libcut.so"
    cut.write_bytes(objects["dep"].read_bytes()[:200])
    with pytest.raises(ElfReadError):
        read_elf(str(cut))


def test_cache_reads_once_and_remembers_errors(tmp_path: Path, objects: dict[str, Path]) -> None:
    cache = ElfCache()
    first = cache.get(str(objects["dep"]))
    assert cache.get(str(objects["dep"])) is first
    bogus = tmp_path / "bogus.so"
    bogus.write_text("nope")
    for _ in range(2):
        with pytest.raises(ElfReadError):
            cache.get(str(bogus))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("GLIBCXX_3.4.29", ("GLIBCXX", (3, 4, 29))),
        ("GLIBC_2.2.5", ("GLIBC", (2, 2, 5))),
        ("CXXABI_1.3.9", ("CXXABI", (1, 3, 9))),
        ("GCC_3.0", None),
        ("GLIBC_PRIVATE", None),
    ],
)
def test_version_key(text: str, expected: tuple[str, tuple[int, ...]] | None) -> None:
    assert version_key(text) == expected


def test_newest_versions_compares_numbers_not_text() -> None:
    found = newest_versions(["GLIBC_2.9", "GLIBC_2.34", "GLIBC_2.2.5", "GCC_4.2.0"])
    assert found == {"GLIBC": "GLIBC_2.34"}
