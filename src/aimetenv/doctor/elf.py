"""Reading the dynamic-linking facts of ELF files with pyelftools, without loading them.

``ldd`` runs the dynamic loader on the file (and so executes code from it); this module only reads
the headers: the DT_NEEDED sonames, DT_RPATH and DT_RUNPATH, DT_SONAME, the symbol versions the
file needs from each library (``.gnu.version_r``) and those it defines itself (``.gnu.version_d``).
"""

from __future__ import annotations

import re
import struct
import threading
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from aimetenv.errors import FileError

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping

ELF_MAGIC = b"\x7fELF"
DF_1_NODEFLIB = 0x800
_VER_FLG_BASE = 0x1
_VERSION_RE = re.compile(r"^(GLIBC|GLIBCXX|CXXABI)_(\d+(?:\.\d+)*)$")
# e_machine values of the architectures AIMET or its users meet; others are shown as numbers.
_MACHINES = {3: "i386", 40: "arm", 62: "x86_64", 183: "aarch64", 243: "riscv64"}


class ElfReadError(FileError):
    """A file that should be an ELF shared object could not be read as one."""

    code = "elf-unreadable"


@dataclass(frozen=True)
class ElfIdent:
    """The two facts the loader uses to accept or skip a candidate file: class and machine."""

    elf_class: int
    """32 or 64."""
    machine: int
    """``e_machine``: 62 is x86_64."""

    @property
    def machine_name(self) -> str:
        """``x86_64``, ``aarch64``, ... or the number."""
        return _MACHINES.get(self.machine, str(self.machine))

    def describe(self) -> str:
        """``ELF64 x86_64``."""
        return f"ELF{self.elf_class} {self.machine_name}"


@dataclass(frozen=True)
class ElfInfo:
    """What the dynamic loader reads from one shared object or executable."""

    path: str
    ident: ElfIdent
    soname: str | None = None
    needed: tuple[str, ...] = ()
    rpath: tuple[str, ...] = ()
    """DT_RPATH entries; empty when the file also has DT_RUNPATH (the loader then ignores RPATH)."""
    runpath: tuple[str, ...] = ()
    nodeflib: bool = False
    """DF_1_NODEFLIB: the loader skips the ld.so cache and the default directories for its needs."""
    version_needs: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    """Library file name (as in DT_NEEDED) -> the symbol versions needed from it."""
    version_defs: tuple[str, ...] = ()
    """The symbol versions this file defines (libc: GLIBC_2.2.5 ... GLIBC_2.36)."""

    @property
    def has_runpath(self) -> bool:
        """Whether DT_RUNPATH is set (then DT_RPATH does not count)."""
        return bool(self.runpath)

    def defines(self, version: str) -> bool:
        """Whether this file defines the symbol version ``version``."""
        return version in self.version_defs


def read_ident(path: str) -> ElfIdent | None:
    """The ELF class and machine of ``path``, or None when it is not a readable ELF file.

    Reads 20 bytes; the loader does the same check to skip a library of the wrong kind.
    """
    try:
        with open(path, "rb") as handle:  # noqa: PTH123  # plain os-level read of 20 bytes
            head = handle.read(20)
    except OSError:
        return None
    if len(head) < 20 or not head.startswith(ELF_MAGIC):  # noqa: PLR2004  # ELF header size
        return None
    elf_class = {1: 32, 2: 64}.get(head[4])
    order = {1: "<", 2: ">"}.get(head[5])
    if elf_class is None or order is None:
        return None
    (machine,) = struct.unpack(order + "H", head[18:20])
    return ElfIdent(elf_class, machine)


def is_elf(path: str) -> bool:
    """Whether ``path`` starts with the ELF magic."""
    return read_ident(path) is not None


def _split_path_list(text: str) -> tuple[str, ...]:
    return tuple(text.split(":"))


def _dynamic_tags(elf: Any) -> list[Any]:  # noqa: ANN401  # pyelftools has no type hints
    from elftools.elf.dynamic import DynamicSection, DynamicSegment  # noqa: PLC0415  # pyelftools only when used

    for section in elf.iter_sections():
        if isinstance(section, DynamicSection):
            return list(section.iter_tags())
    for segment in elf.iter_segments():  # a stripped file may have no section headers
        if isinstance(segment, DynamicSegment):
            return list(segment.iter_tags())
    return []


def _versions(elf: Any) -> tuple[dict[str, tuple[str, ...]], tuple[str, ...]]:  # noqa: ANN401  # pyelftools has no type hints
    from elftools.elf.gnuversions import (  # noqa: PLC0415  # pyelftools only when used
        GNUVerDefSection,
        GNUVerNeedSection,
    )

    needs: dict[str, list[str]] = {}
    defs: list[str] = []
    for section in elf.iter_sections():
        if isinstance(section, GNUVerNeedSection):
            for verneed, auxiliaries in section.iter_versions():
                bucket = needs.setdefault(str(verneed.name), [])
                bucket.extend(str(aux.name) for aux in auxiliaries)
        elif isinstance(section, GNUVerDefSection):
            for verdef, auxiliaries in section.iter_versions():
                names = [str(aux.name) for aux in auxiliaries]
                if verdef["vd_flags"] & _VER_FLG_BASE or not names:
                    continue  # the base entry names the file itself
                defs.append(names[0])
    return {k: tuple(v) for k, v in needs.items()}, tuple(defs)


def read_elf(path: str) -> ElfInfo:
    """Read the dynamic-linking facts of one ELF file; ElfReadError when it is not one."""
    ident = read_ident(path)
    if ident is None:
        raise ElfReadError(f"{path} is not a readable ELF file", code="elf-unreadable")
    from elftools.common.exceptions import ELFError  # noqa: PLC0415  # pyelftools only when used
    from elftools.elf.elffile import ELFFile  # noqa: PLC0415  # pyelftools only when used

    try:
        with open(path, "rb") as handle:  # noqa: PTH123  # a binary read of the file's header
            elf = ELFFile(handle)
            tags = _dynamic_tags(elf)
            needs, defs = _versions(elf)
    except (OSError, ELFError, struct.error, ValueError, KeyError) as error:
        raise ElfReadError(
            f"cannot read the ELF headers of {path}: {error}", code="elf-unreadable"
        ) from None
    needed: list[str] = []
    rpath: tuple[str, ...] = ()
    runpath: tuple[str, ...] = ()
    soname = None
    nodeflib = False
    for tag in tags:
        kind = tag.entry.d_tag
        if kind == "DT_NEEDED":
            needed.append(str(tag.needed))
        elif kind == "DT_RPATH":
            rpath = rpath + _split_path_list(str(tag.rpath))
        elif kind == "DT_RUNPATH":
            runpath = runpath + _split_path_list(str(tag.runpath))
        elif kind == "DT_SONAME":
            soname = str(tag.soname)
        elif kind == "DT_FLAGS_1":
            nodeflib = bool(int(tag.entry.d_val) & DF_1_NODEFLIB)
    if runpath:  # glibc: "If both RUNPATH and RPATH are given, the latter is ignored."
        rpath = ()
    return ElfInfo(
        path=path,
        ident=ident,
        soname=soname,
        needed=tuple(needed),
        rpath=rpath,
        runpath=runpath,
        nodeflib=nodeflib,
        version_needs=needs,
        version_defs=defs,
    )


def version_key(version: str) -> tuple[str, tuple[int, ...]] | None:
    """``GLIBCXX_3.4.29`` -> ``("GLIBCXX", (3, 4, 29))``; None for other names (GCC_3.0, ...)."""
    match = _VERSION_RE.match(version)
    if match is None:
        return None
    return match.group(1), tuple(int(p) for p in match.group(2).split("."))


def newest_versions(versions: Iterable[str]) -> dict[str, str]:
    """The newest GLIBC_, GLIBCXX_ and CXXABI_ version in ``versions``, by family."""
    best: dict[str, tuple[tuple[int, ...], str]] = {}
    for version in versions:
        key = version_key(version)
        if key is None:
            continue
        family, numbers = key
        if family not in best or numbers > best[family][0]:
            best[family] = (numbers, version)
    return {family: text for family, (_numbers, text) in best.items()}


class ElfCache:
    """``read_elf`` memoised by path; safe to share between threads."""

    def __init__(self) -> None:
        """An empty cache."""
        self._lock = threading.Lock()
        self._infos: dict[str, ElfInfo | ElfReadError] = {}

    def get(self, path: str) -> ElfInfo:
        """The facts of ``path`` (read once); ElfReadError when it is not an ELF file."""
        with self._lock:
            known = self._infos.get(path)
        if known is None:
            try:
                known = read_elf(path)
            except ElfReadError as error:
                known = error
            with self._lock:
                self._infos[path] = known
        if isinstance(known, ElfReadError):
            raise known
        return known


__all__ = [
    "DF_1_NODEFLIB",
    "ELF_MAGIC",
    "ElfCache",
    "ElfIdent",
    "ElfInfo",
    "ElfReadError",
    "is_elf",
    "newest_versions",
    "read_elf",
    "read_ident",
    "version_key",
]
