"""Values that shell completion offers for ``--variant``, ``--tag``, ``--shell`` and ``--check``.

Each function is a typer ``autocompletion`` callback: it gets what the user has typed so far and
returns the candidates (typer keeps those that start with it). They read only the catalog on disk
(packaged, plus the ``releases --refresh`` overlay) and the doctor's registry: no network, no
probe of an interpreter. A catalog that cannot be read offers nothing rather than a traceback in
the middle of the user's command line.
"""

from typing import TYPE_CHECKING, Optional

import typer

if TYPE_CHECKING:
    from aimetenv.catalog.model import Catalog, Release


def _catalog() -> Optional["Catalog"]:
    from aimetenv.errors import AimetenvError
    from aimetenv.install.inputs import load_user_catalog

    try:
        return load_user_catalog()
    except (AimetenvError, OSError, ValueError):
        return None


def _typed(ctx: typer.Context, name: str) -> Optional[str]:
    """The value of option ``name`` already on the command line, if it is a string."""
    value = ctx.params.get(name)
    return value if isinstance(value, str) and value else None


def _release(catalog: "Catalog", tag: str) -> Optional["Release"]:
    from aimetenv.catalog.lookup import LATEST, latest_release, typed_tag

    said = typed_tag(tag)
    if said == LATEST:
        return latest_release(catalog) if catalog.releases else None
    return catalog.get(said)


def variants(ctx: typer.Context, incomplete: str) -> list[str]:
    """Variant ids; with ``--tag`` already given, those that release ships."""
    del incomplete  # typer keeps the candidates that start with it
    from aimetenv.catalog.lookup import known_variant_ids

    catalog = _catalog()
    if catalog is None:
        return []
    tag = _typed(ctx, "tag")
    release = _release(catalog, tag) if tag is not None else None
    if release is not None:
        return sorted(vid for vid, variant in release.variants.items() if variant.shipped)
    return known_variant_ids(catalog)


def tags(ctx: typer.Context, incomplete: str) -> list[str]:
    """``latest`` and the release tags, newest first; with ``--variant``, those that ship it."""
    del incomplete  # typer keeps the candidates that start with it
    from aimetenv.catalog.lookup import LATEST
    from aimetenv.catalog.variants import parse_variant_id

    catalog = _catalog()
    if catalog is None:
        return [LATEST]
    variant = _typed(ctx, "variant")
    parsed = parse_variant_id(variant) if variant is not None else None
    releases = sorted(catalog.releases, key=lambda r: (r.version, r.tag), reverse=True)
    if parsed is not None:
        releases = [
            r for r in releases if (v := r.find_variant(parsed.id)) is not None and v.shipped
        ]
    return [LATEST, *(r.tag for r in releases)]


def shells(incomplete: str) -> list[str]:
    """What ``env --shell`` takes."""
    del incomplete  # typer keeps the candidates that start with it
    from aimetenv.shellenv.shells import SHELL_CHOICES

    return list(SHELL_CHOICES)


def checks(incomplete: str) -> list[tuple[str, str]]:
    """The doctor's check ids in report order, each with its title for shells that show one."""
    del incomplete  # typer keeps the candidates that start with it
    from aimetenv.doctor.checks import ALL_CHECKS

    return [(check.id, check.title) for check in ALL_CHECKS]


__all__ = ["checks", "shells", "tags", "variants"]
