"""Find the file the dynamic loader would load for a soname, without running the loader.

The search follows glibc's ``ld.so`` (dl-load.c, ld.so(8)): objects already loaded in the process
win; then DT_RPATH of the requesting object and of the objects that loaded it (only while the
requester has no DT_RUNPATH), then the executable's DT_RPATH; then ``LD_LIBRARY_PATH``; then the
requester's DT_RUNPATH; then ``/etc/ld.so.cache``; then the default directories. ``$ORIGIN``,
``$LIB`` and ``$PLATFORM`` are expanded, an empty entry means the current directory, and a
candidate of the wrong ELF class or machine is skipped as the loader skips it. Once a dependency
tree is resolved, every symbol version an object needs (GLIBC_2.34, GLIBCXX_3.4.29) is looked up
in the version definitions of the library that would really be loaded.

Not modelled: the glibc-hwcaps subdirectories, ``LD_AUDIT``, secure-execution mode, and
``dlopen`` calls made by the libraries' own code (such as ``libcuda.so.1``).
"""

from __future__ import annotations

import os
import platform
import re
import struct
from collections import deque
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from aimetenv.doctor.elf import ElfCache, ElfReadError, read_ident

if TYPE_CHECKING:
    from collections.abc import Mapping

    from aimetenv.doctor.elf import ElfIdent, ElfInfo

Via = Literal[
    "preload", "loaded", "path", "rpath", "LD_LIBRARY_PATH", "runpath", "ld.so.cache", "default"
]
LD_CACHE = "/etc/ld.so.cache"
_CACHE_NEW = b"glibc-ld.so.cache1.1"
_CACHE_OLD = b"ld.so-1.7.0"
_NEW_HEADER = 48
_NEW_ENTRY = 24
_OLD_HEADER = 16
_OLD_ENTRY = 12
_LDCONFIG_LINE = re.compile(r"^\s*(\S+)\s+\(([^)]*)\)\s+=>\s+(\S.*?)\s*$")
MAX_OBJECTS = 500
"""A dependency tree larger than this is cut short (a safety net, never reached by AIMET)."""


def default_dirs(machine: str | None = None) -> tuple[str, ...]:
    """The loader's built-in directories, multiarch first (Debian and Ubuntu), then lib64."""
    arch = machine or platform.machine()
    return (
        f"/lib/{arch}-linux-gnu",
        f"/usr/lib/{arch}-linux-gnu",
        "/lib64",
        "/usr/lib64",
        "/lib",
        "/usr/lib",
    )


def lib_token(machine: str | None = None) -> str:
    """What ``$LIB`` expands to: ``lib/x86_64-linux-gnu`` on multiarch systems, else ``lib64``."""
    arch = machine or platform.machine()
    multiarch = f"lib/{arch}-linux-gnu"
    if Path(f"/{multiarch}").is_dir():
        return multiarch
    return "lib64" if arch.endswith("64") else "lib"


def parse_ld_cache(data: bytes) -> dict[str, tuple[str, ...]] | None:
    """Sonames -> paths, in cache order, from the bytes of ``/etc/ld.so.cache``.

    Reads the "new" format glibc writes since 2.32 (also when it follows the old one); None when
    the bytes are not a cache this function understands (callers fall back to ``ldconfig -p``).
    """
    start = 0
    if data.startswith(_CACHE_OLD):
        if len(data) < _OLD_HEADER:
            return None
        (old_count,) = struct.unpack_from("<I", data, 12)
        start = _OLD_HEADER + old_count * _OLD_ENTRY
        start = (start + 7) & ~7
    if data[start : start + len(_CACHE_NEW)] != _CACHE_NEW:
        return None
    if len(data) < start + _NEW_HEADER:
        return None
    (count,) = struct.unpack_from("<I", data, start + 20)
    if start + _NEW_HEADER + count * _NEW_ENTRY > len(data):
        return None
    entries: dict[str, list[str]] = {}
    for index in range(count):
        offset = start + _NEW_HEADER + index * _NEW_ENTRY
        _flags, key, value = struct.unpack_from("<iII", data, offset)
        name = _cstring(data, start + key)
        path = _cstring(data, start + value)
        if name is None or path is None or not path.startswith("/"):
            return None
        entries.setdefault(name, []).append(path)
    return {name: tuple(paths) for name, paths in entries.items()}


def _cstring(data: bytes, offset: int) -> str | None:
    if offset < 0 or offset >= len(data):
        return None
    end = data.find(b"\0", offset)
    if end < 0:
        return None
    try:
        return data[offset:end].decode("utf-8")
    except UnicodeDecodeError:
        return None


def parse_ldconfig_output(text: str) -> dict[str, tuple[str, ...]]:
    """Sonames -> paths from the text of ``ldconfig -p``."""
    entries: dict[str, list[str]] = {}
    for line in text.splitlines():
        match = _LDCONFIG_LINE.match(line)
        if match:
            entries.setdefault(match.group(1), []).append(match.group(3))
    return {name: tuple(paths) for name, paths in entries.items()}


def read_ld_cache(path: str = LD_CACHE) -> dict[str, tuple[str, ...]] | None:
    """The parsed ld.so cache, or None when it is missing or in a format not understood."""
    try:
        with open(path, "rb") as handle:  # noqa: PTH123  # a plain binary read
            data = handle.read()
    except OSError:
        return None
    return parse_ld_cache(data)


@dataclass(frozen=True)
class LoaderConfig:
    """Everything outside the objects themselves that decides where the loader looks."""

    ld_library_path: tuple[str, ...] = ()
    """Entries of LD_LIBRARY_PATH in order; ``""`` is the current directory."""
    ld_preload: tuple[str, ...] = ()
    cwd: str = "/"
    cache: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    default_dirs: tuple[str, ...] = field(default_factory=default_dirs)
    lib: str = "lib64"
    platform: str = "x86_64"

    @classmethod
    def from_environ(
        cls,
        environ: Mapping[str, str | None],
        *,
        cwd: str,
        cache: Mapping[str, tuple[str, ...]],
        machine: str | None = None,
    ) -> LoaderConfig:
        """The configuration a process started with ``environ`` in ``cwd`` would get."""
        library_path = environ.get("LD_LIBRARY_PATH")
        preload = environ.get("LD_PRELOAD") or ""
        arch = machine or platform.machine()
        return cls(
            ld_library_path=tuple(library_path.split(":")) if library_path else (),
            ld_preload=tuple(p for p in re.split(r"[\s:]+", preload) if p),
            cwd=cwd,
            cache=dict(cache),
            default_dirs=default_dirs(arch),
            lib=lib_token(arch),
            platform=arch,
        )

    def with_library_path(self, entries: tuple[str, ...]) -> LoaderConfig:
        """The same configuration with another LD_LIBRARY_PATH."""
        return replace(self, ld_library_path=entries)


@dataclass(frozen=True)
class Resolution:
    """Where one soname was found, and how."""

    soname: str
    path: str
    via: Via
    requested_by: str


@dataclass(frozen=True)
class MissingLibrary:
    """A soname no search found: the loader's "cannot open shared object file"."""

    soname: str
    requested_by: str
    searched: tuple[str, ...]
    """Every directory looked in, in order."""
    skipped: tuple[str, ...] = ()
    """Files with that name that were skipped for their ELF class or machine."""


@dataclass(frozen=True)
class VersionProblem:
    """The loader's "version `GLIBCXX_3.4.29' not found (required by ...)"."""

    version: str
    library: str
    """The file that would be loaded and lacks the version."""
    soname: str
    required_by: str


@dataclass(frozen=True)
class LoadAnalysis:
    """The dependency tree of one object, resolved as the loader would."""

    root: str
    resolutions: tuple[Resolution, ...]
    missing: tuple[MissingLibrary, ...]
    version_problems: tuple[VersionProblem, ...]
    needed_versions: Mapping[str, tuple[str, ...]]
    """Soname -> every symbol version the tree needs from it."""
    unreadable: tuple[str, ...] = ()
    truncated: bool = False

    @property
    def ok(self) -> bool:
        """Nothing missing and every needed version defined."""
        return not self.missing and not self.version_problems

    def path_of(self, soname: str) -> str | None:
        """The file loaded for ``soname`` in this tree."""
        for item in self.resolutions:
            if item.soname == soname:
                return item.path
        return None


class _Search:
    """One soname's search: what was looked at, and what was skipped for its kind."""

    def __init__(self, soname: str, wanted: ElfIdent, config: LoaderConfig) -> None:
        self.soname = soname
        self.wanted = wanted
        self.config = config
        self.searched: list[str] = []
        self.skipped: list[str] = []

    def _accept(self, candidate: str) -> bool:
        ident = read_ident(candidate)
        if ident is None:
            return False
        if ident != self.wanted:  # the loader skips a file of another class or machine
            self.skipped.append(f"{candidate} ({ident.describe()})")
            return False
        return True

    def look(self, directories: tuple[str, ...], origin_of: ElfInfo | None) -> str | None:
        for raw in directories:
            directory = raw
            if origin_of is not None:
                directory = expand_tokens(raw, str(Path(origin_of.path).parent), self.config)
            directory = directory or self.config.cwd
            self.searched.append(directory)
            candidate = str(Path(directory, self.soname))
            if self._accept(candidate):
                return candidate
        return None

    def cached(self) -> str | None:
        self.searched.append("ld.so.cache")
        for candidate in self.config.cache.get(self.soname, ()):
            if self._accept(candidate):
                return candidate
        return None


def expand_tokens(entry: str, origin: str, config: LoaderConfig) -> str:
    """Expand ``$ORIGIN``, ``$LIB`` and ``$PLATFORM`` (and their ``${...}`` forms)."""
    values = {"ORIGIN": origin, "LIB": config.lib, "PLATFORM": config.platform}

    def value_of(match: re.Match[str]) -> str:
        name = match.group(1) or match.group(2)
        return values.get(name, match.group(0))

    return re.sub(
        r"\$\{(ORIGIN|LIB|PLATFORM)\}|\$(ORIGIN|LIB|PLATFORM)(?![A-Za-z0-9_])", value_of, entry
    )


class Loader:
    """Resolves dependency trees as a process of one executable (the interpreter) would."""

    def __init__(
        self, config: LoaderConfig, *, executable: str | None = None, cache: ElfCache | None = None
    ) -> None:
        """``executable``: the interpreter whose own libraries are already loaded."""
        self.config = config
        self.elves = cache or ElfCache()
        self.executable: ElfInfo | None = None
        if executable is not None:
            try:
                self.executable = self.elves.get(os.path.realpath(executable))
            except ElfReadError:
                self.executable = None
        self.process_loaded: dict[str, str] = {}
        self._load_process()

    def _load_process(self) -> None:
        """The objects in memory before any extension module: LD_PRELOAD and the exe's tree."""
        if self.executable is None:
            return
        loaded: dict[str, str] = {}
        for entry in self.config.ld_preload:
            found = self._find(entry, self.executable, (), loaded)
            if not isinstance(found, MissingLibrary):
                self._remember(loaded, entry, found[0])
        self._walk(self.executable, loaded, (), process=True)
        self.process_loaded = loaded

    def _remember(self, loaded: dict[str, str], name: str, path: str) -> None:
        loaded.setdefault(name, path)
        try:
            soname = self.elves.get(path).soname
        except ElfReadError:
            soname = None
        if soname:
            loaded.setdefault(soname, path)

    def analyze(self, root: str) -> LoadAnalysis:
        """Resolve the dependency tree of ``root`` as if the interpreter had ``dlopen``-ed it."""
        try:
            info = self.elves.get(root)
        except ElfReadError:
            return LoadAnalysis(root, (), (), (), {}, unreadable=(root,))
        loaded = dict(self.process_loaded)
        chain = () if self.executable is None else (self.executable,)
        return self._walk(info, loaded, chain, process=False)

    def _walk(
        self,
        root: ElfInfo,
        loaded: dict[str, str],
        chain: tuple[ElfInfo, ...],
        *,
        process: bool,
    ) -> LoadAnalysis:
        resolutions: list[Resolution] = []
        missing: list[MissingLibrary] = []
        unreadable: list[str] = []
        objects: dict[str, ElfInfo] = {root.path: root}
        queue: deque[tuple[ElfInfo, tuple[ElfInfo, ...]]] = deque([(root, chain)])
        truncated = False
        seen_missing: set[tuple[str, str]] = set()
        while queue:
            obj, ancestors = queue.popleft()
            for soname in obj.needed:
                found = self._find(soname, obj, ancestors, loaded)
                if isinstance(found, MissingLibrary):
                    if (soname, obj.path) not in seen_missing:
                        seen_missing.add((soname, obj.path))
                        missing.append(found)
                    continue
                path, via = found
                resolutions.append(Resolution(soname, path, via, obj.path))
                if via in ("loaded", "preload") and not process:
                    continue
                self._remember(loaded, soname, path)
                if path in objects:
                    continue
                if len(objects) >= MAX_OBJECTS:
                    truncated = True
                    continue
                try:
                    child = self.elves.get(path)
                except ElfReadError:
                    unreadable.append(path)
                    continue
                objects[path] = child
                queue.append((child, (obj, *ancestors)))
        needed_versions, problems = self._check_versions(objects, resolutions, loaded)
        return LoadAnalysis(
            root=root.path,
            resolutions=tuple(resolutions),
            missing=tuple(missing),
            version_problems=tuple(problems),
            needed_versions=needed_versions,
            unreadable=tuple(unreadable),
            truncated=truncated,
        )

    def _find(
        self,
        soname: str,
        requester: ElfInfo,
        ancestors: tuple[ElfInfo, ...],
        loaded: Mapping[str, str],
    ) -> tuple[str, Via] | MissingLibrary:
        """One lookup, in the loader's order."""
        if "/" in soname:  # a path, not a soname: no search
            target = soname if soname.startswith("/") else str(Path(self.config.cwd, soname))
            found = read_ident(target) is not None
            return (target, "path") if found else MissingLibrary(soname, requester.path, (target,))
        if soname in loaded:
            return loaded[soname], "loaded"
        search = _Search(soname, requester.ident, self.config)
        for via, directories, origin_of in self._phases(requester, ancestors):
            hit = search.look(directories, origin_of)
            if hit:
                return hit, via
        if not requester.nodeflib:
            hit = search.cached()
            if hit:
                return hit, "ld.so.cache"
            hit = search.look(self.config.default_dirs, None)
            if hit:
                return hit, "default"
        return MissingLibrary(soname, requester.path, tuple(search.searched), tuple(search.skipped))

    def _phases(
        self, requester: ElfInfo, ancestors: tuple[ElfInfo, ...]
    ) -> list[tuple[Via, tuple[str, ...], ElfInfo | None]]:
        """The directory lists searched before the cache, with the object ``$ORIGIN`` refers to."""
        phases: list[tuple[Via, tuple[str, ...], ElfInfo | None]] = []
        if not requester.has_runpath:  # RPATHs of the requester and its loaders, up the chain
            phases.extend(
                ("rpath", owner.rpath, owner)
                for owner in (requester, *ancestors)
                if owner.rpath and not owner.has_runpath
            )
        phases.append(("LD_LIBRARY_PATH", self.config.ld_library_path, None))
        if requester.runpath:
            phases.append(("runpath", requester.runpath, requester))
        return phases

    def _check_versions(
        self,
        objects: Mapping[str, ElfInfo],
        resolutions: list[Resolution],
        loaded: Mapping[str, str],
    ) -> tuple[dict[str, tuple[str, ...]], list[VersionProblem]]:
        by_requester: dict[tuple[str, str], str] = {
            (r.requested_by, r.soname): r.path for r in resolutions
        }
        needed: dict[str, list[str]] = {}
        problems: list[VersionProblem] = []
        for obj in objects.values():
            for library, versions in obj.version_needs.items():
                bucket = needed.setdefault(library, [])
                bucket.extend(v for v in versions if v not in bucket)
                path = by_requester.get((obj.path, library)) or loaded.get(library)
                if path is None:
                    continue
                try:
                    provider = self.elves.get(path)
                except ElfReadError:
                    continue
                problems.extend(
                    VersionProblem(version, path, library, obj.path)
                    for version in versions
                    if not provider.defines(version)
                )
        return {k: tuple(v) for k, v in needed.items()}, problems


__all__ = [
    "LD_CACHE",
    "MAX_OBJECTS",
    "LoadAnalysis",
    "Loader",
    "LoaderConfig",
    "MissingLibrary",
    "Resolution",
    "VersionProblem",
    "Via",
    "default_dirs",
    "expand_tokens",
    "lib_token",
    "parse_ld_cache",
    "parse_ldconfig_output",
    "read_ld_cache",
]
