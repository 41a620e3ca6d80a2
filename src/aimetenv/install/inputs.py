"""Turning command-line values into resolver inputs, with one-line errors for bad ones."""

from __future__ import annotations

from typing import TYPE_CHECKING

from aimetenv.envs.facts import parse_xy_tuple
from aimetenv.errors import UsageError
from aimetenv.fetch.urls import check_base_url, check_pip_location
from aimetenv.install.resolver import Options, Target

if TYPE_CHECKING:
    from aimetenv.catalog.model import Catalog

SOURCES = ("auto", "github", "pypi")


def load_user_catalog() -> Catalog:
    """The packaged catalog with the user's overlay (``releases --refresh``) merged in.

    The packaged part comes from its validated cache when it can (``catalog.cache``); YAML is
    imported only to parse a changed catalog or an overlay.
    """
    from aimetenv.catalog.cache import packaged_catalog  # noqa: PLC0415  # start-up speed: the catalog only when needed
    from aimetenv.paths import overlay_path  # noqa: PLC0415  # start-up speed: the catalog only when needed

    catalog = packaged_catalog()
    overlay = overlay_path()
    if not overlay.is_file():
        return catalog
    from aimetenv.catalog.load import with_overlay  # noqa: PLC0415  # YAML only for an overlay

    return with_overlay(catalog, overlay)


def parse_python_xy(text: str | None, flag: str = "--python-version") -> tuple[int, int] | None:
    """``3.10`` -> (3, 10); a clear error for anything else."""
    if text is None:
        return None
    value = parse_xy_tuple(text.strip())
    if value is None or text.strip().count(".") != 1 or value[0] != 3:  # noqa: PLR2004  # Python 3 only
        raise UsageError(
            f"{flag} needs a Python version like 3.10, got {text[:40]!r}", code="bad-python"
        )
    return value


def parse_glibc(text: str | None) -> tuple[int, int] | None:
    """``2.31`` -> (2, 31); a clear error for anything else."""
    if text is None:
        return None
    value = parse_xy_tuple(text.strip())
    if value is None or text.strip().count(".") != 1:
        raise UsageError(f"--glibc needs a version like 2.31, got {text[:40]!r}", code="bad-glibc")
    return value


def make_options(  # one parameter per command-line option
    *,
    source: str = "auto",
    mirror: str | None = None,
    index_url: str | None = None,
    torch_index: str | None = None,
    torch_find_links: str | None = None,
    allow_http: bool = False,
) -> Options:
    """Resolver options from the command line, each URL validated."""
    if source not in SOURCES:
        raise UsageError(
            f"--source must be one of {', '.join(SOURCES)}, got {source[:40]!r}", code="bad-source"
        )
    return Options(
        source="github" if source == "github" else "pypi" if source == "pypi" else "auto",
        mirror=None
        if mirror is None
        else check_base_url(mirror, flag="--mirror", allow_http=allow_http),
        index_url=None if index_url is None else check_pip_location(index_url, flag="--index-url"),
        torch_index=None
        if torch_index is None
        else check_pip_location(torch_index, flag="--torch-index"),
        torch_find_links=None
        if torch_find_links is None
        else check_pip_location(torch_find_links, flag="--torch-find-links"),
    )


def resolver_inputs(  # one parameter per command-line option
    *,
    python: str | None,
    glibc: str | None,
    source: str,
    mirror: str | None,
    index_url: str | None,
    torch_index: str | None,
    torch_find_links: str | None,
    allow_http: bool,
) -> tuple[Target, Options]:
    """The machine to plan for (``--python-version``, ``--glibc``) and the resolver options, checked.

    The options are checked first, then ``--python-version``, then ``--glibc``.
    """
    options = make_options(
        source=source,
        mirror=mirror,
        index_url=index_url,
        torch_index=torch_index,
        torch_find_links=torch_find_links,
        allow_http=allow_http,
    )
    return Target(python=parse_python_xy(python), glibc=parse_glibc(glibc)), options


__all__ = [
    "SOURCES",
    "load_user_catalog",
    "make_options",
    "parse_glibc",
    "parse_python_xy",
    "resolver_inputs",
]
