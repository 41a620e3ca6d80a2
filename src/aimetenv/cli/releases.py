"""``aimetenv releases [TAG]``: the catalog, as a table or one release in detail."""

from __future__ import annotations

from typing import Annotated, Optional

import typer

from aimetenv.cli.common import guarded, settings_of
from aimetenv.cli.options import JsonOpt, NoColorOpt


@guarded("releases")
def releases(
    tag: Annotated[
        Optional[str], typer.Argument(help="Show this release in detail.", show_default=False)
    ] = None,
    json_output: JsonOpt = False,
    no_color: NoColorOpt = False,
) -> int:
    """List AIMET releases (tag, date, era, variants, hosting), or show one release's files."""
    from aimetenv.catalog.lookup import find_release
    from aimetenv.planning import load_user_catalog
    from aimetenv.render import catalogjson
    from aimetenv.render.console import make_consoles
    from aimetenv.render.human import release_detail, releases_table
    from aimetenv.render.jsonout import dumps

    settings = settings_of(json_output=json_output, color=not no_color)
    catalog = load_user_catalog()
    out, _err = make_consoles(settings)
    if tag is None:
        if settings.json:
            out.file.write(dumps(catalogjson.releases_document(catalog)))
        else:
            out.print(releases_table(catalog.releases))
        return 0
    release = find_release(catalog, tag)
    if settings.json:
        out.file.write(dumps(catalogjson.release_document(catalog, release)))
    else:
        out.print(release_detail(catalog, release), end="")
    return 0
