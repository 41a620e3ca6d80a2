"""The packaged catalog, validated once and kept like bytecode: next to its source.

Parsing and validating ``data/catalog.yaml`` takes about 0.15 s (the YAML half of it, the checks
the other half), on every command that needs the catalog; the no-op install and ``doctor`` feel
it. The validated ``Catalog`` is pickled into ``aimetenv/data/__pycache__/``, keyed by the sha256
of the YAML text, of the code that turns it into values (``model.py``, ``load.py``, ``names.py``,
``variants.py``) and by the aimetenv, Python and packaging versions. It is written where and when
Python writes bytecode: next to the source, never with ``-B`` or ``PYTHONDONTWRITEBYTECODE``, and
silently not at all where the package folder is read-only. It lives inside the package, so it is
trusted exactly as far as the package's own code is.

Reading it back goes through an unpickler that builds only the catalog's classes and packaging's
version types. A changed key, a damaged file or anything unexpected means a normal parse, and a
broken catalog raises the same ``CatalogError`` as always (nothing broken is ever cached).
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import os
import pickle  # restricted to the catalog's classes when reading, see _Unpickler
import sys
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

from aimetenv import __version__

if TYPE_CHECKING:
    from aimetenv.catalog.model import Catalog

FORMAT = b"aimetenv-catalog-cache 1\n"
_SOURCES = ("model.py", "load.py", "names.py", "variants.py")
_ALLOWED_MODULES = frozenset(
    {"aimetenv.catalog.model", "packaging.version", "packaging.specifiers", "packaging._structures"}
)


class _Unpickler(pickle.Unpickler):
    """Builds the catalog's own classes and packaging's version types, and nothing else."""

    def find_class(self, module: str, name: str) -> Any:  # noqa: ANN401  # pickle's signature
        if module in _ALLOWED_MODULES:
            found = super().find_class(module, name)
            if isinstance(found, type):
                return found
        msg = f"{module}.{name} is not part of a catalog"
        raise pickle.UnpicklingError(msg)


def data_folder() -> Path | None:
    """The package's ``data`` folder on disk, or None when it is not a plain folder (a zip)."""
    folder = resources.files("aimetenv").joinpath("data")
    return folder if isinstance(folder, Path) else None


def cache_key(text: str) -> bytes:
    """The sha256 of everything the validated catalog depends on."""
    import packaging  # noqa: PLC0415  # only its version string

    digest = hashlib.sha256()
    for part in (__version__, sys.version, packaging.__version__):
        digest.update(part.encode() + b"\0")
    here = Path(__file__).parent
    for name in _SOURCES:
        digest.update((here / name).read_bytes() + b"\0")
    digest.update(text.encode("utf-8"))
    return digest.hexdigest().encode()


def read_cache(path: Path, key: bytes) -> Catalog | None:
    """The cached catalog when ``path`` holds one for ``key``; None for any other content."""
    from aimetenv.catalog.model import Catalog  # noqa: PLC0415  # the model only on a cache hit

    try:
        data = path.read_bytes()
    except OSError:
        return None
    header = FORMAT + key + b"\n"
    if not data.startswith(header):
        return None
    try:
        found = _Unpickler(io.BytesIO(data[len(header) :])).load()
    except Exception:  # noqa: BLE001  # a damaged or foreign file is only a cache miss
        return None
    return found if isinstance(found, Catalog) else None


def write_cache(path: Path, key: bytes, catalog: Catalog) -> bool:
    """Store ``catalog`` under ``key`` (temp file and rename); False when it cannot be written."""
    import tempfile  # noqa: PLC0415  # only on a miss

    data = FORMAT + key + b"\n" + pickle.dumps(catalog, protocol=pickle.HIGHEST_PROTOCOL)
    temp = None
    try:
        path.parent.mkdir(exist_ok=True)
        handle, temp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
        os.chmod(temp, path.parent.parent.stat().st_mode & 0o644)  # noqa: PTH101  # as the data
        os.replace(temp, path)  # noqa: PTH105  # atomic on POSIX
    except OSError:
        if temp is not None:
            with contextlib.suppress(OSError):
                os.unlink(temp)  # noqa: PTH108  # best-effort cleanup
        return False
    return True


def packaged_catalog(*, write: bool | None = None) -> Catalog:
    """The validated packaged catalog: from the cache when it matches, else parsed (and cached).

    ``write``: store a freshly parsed catalog; default: when Python would write bytecode.
    """
    folder = data_folder()
    source = resources.files("aimetenv").joinpath("data/catalog.yaml")
    text = source.read_text(encoding="utf-8")
    path = None if folder is None else folder / "__pycache__" / "catalog.pickle"
    key = b""
    if path is not None:
        with contextlib.suppress(OSError):
            key = cache_key(text)
    if path is not None and key:
        cached = read_cache(path, key)
        if cached is not None:
            return cached
    from aimetenv.catalog.load import parse_catalog  # noqa: PLC0415  # YAML only on a miss

    catalog = parse_catalog(text, "(packaged)")
    if path is not None and key and (not sys.dont_write_bytecode if write is None else write):
        write_cache(path, key, catalog)
    return catalog


__all__ = ["FORMAT", "cache_key", "data_folder", "packaged_catalog", "read_cache", "write_cache"]
