"""``aimetenv releases [TAG]``: the catalog as a table or one release in detail; --refresh, --reset."""

from typing import Annotated, Optional

import typer

from aimetenv.cli.common import guarded, settings_of
from aimetenv.cli.options import AllowHttpOpt, JsonOpt, NoColorOpt

RefreshOpt = Annotated[
    bool,
    typer.Option(
        "--refresh",
        help="Read the GitHub releases API and PyPI's JSON API, each on its own; keep newer "
        "releases, the real asset names, PyPI's files, sha256 digests, yanks and dates in a user "
        "overlay on the packaged catalog. A source that does not answer is skipped (exit 0); "
        "exit 3 only when none answers.",
    ),
]
ResetOpt = Annotated[
    bool, typer.Option("--reset", help="Delete the user overlay that --refresh wrote.")
]
GithubApiOpt = Annotated[
    Optional[str],
    typer.Option(
        "--github-api",
        envvar="AIMETENV_GITHUB_API",
        help="Releases API for --refresh (default https://api.github.com/repos/quic/aimet/releases).",
        show_default=False,
    ),
]
PypiUrlOpt = Annotated[
    Optional[str],
    typer.Option(
        "--pypi-url",
        envvar="AIMETENV_PYPI_JSON",
        help="PyPI JSON API base for --refresh (default https://pypi.org/pypi).",
        show_default=False,
    ),
]


@guarded("releases")
def releases(  # one parameter per option
    tag: Annotated[
        Optional[str],
        typer.Argument(
            help="Show this release in detail (v2.42.0 and latest work too).", show_default=False
        ),
    ] = None,
    refresh: RefreshOpt = False,
    reset: ResetOpt = False,
    github_api: GithubApiOpt = None,
    pypi_url: PypiUrlOpt = None,
    allow_http: AllowHttpOpt = False,
    json_output: JsonOpt = False,
    no_color: NoColorOpt = False,
) -> int:
    """List AIMET releases (tag, date, era, variants, hosting), or show one release's files.

    --refresh reads the GitHub releases API and PyPI and keeps what it learns in a user overlay
    (newer releases, real asset names, sha256 digests); --reset removes the overlay.
    """
    from aimetenv.errors import UsageError

    if refresh or reset:
        if refresh and reset:
            raise UsageError("choose one of --refresh and --reset", code="conflicting-options")
        if tag is not None:
            raise UsageError(
                f"{'--refresh' if refresh else '--reset'} acts on the whole catalog; leave out "
                f"the tag {tag[:40]!r}",
                code="conflicting-options",
            )
        if refresh:
            return _refresh(github_api, pypi_url, allow_http=allow_http, json_output=json_output,
                            color=not no_color)  # fmt: skip
        return _reset(json_output=json_output, color=not no_color)
    # the listing's imports only here: --refresh and --reset need none of them
    from aimetenv.catalog.lookup import find_release
    from aimetenv.install.inputs import load_user_catalog
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


def _refresh(
    github_api: Optional[str], pypi_url: Optional[str], *, allow_http: bool, json_output: bool,
    color: bool,
) -> int:  # fmt: skip
    from aimetenv.catalog import refresh
    from aimetenv.catalog.cache import packaged_catalog
    from aimetenv.fetch.http import HttpClient, default_timeout
    from aimetenv.fetch.urls import check_base_url
    from aimetenv.paths import overlay_path
    from aimetenv.render.console import make_consoles
    from aimetenv.render.downloads import refresh_document, refresh_text
    from aimetenv.render.jsonout import dumps

    api = check_base_url(
        github_api or refresh.DEFAULT_GITHUB_API, flag="--github-api", allow_http=allow_http
    )
    pypi = check_base_url(
        pypi_url or refresh.DEFAULT_PYPI_JSON, flag="--pypi-url", allow_http=allow_http
    )
    client = HttpClient(allow_http=allow_http, timeout=default_timeout())
    try:
        result = refresh.refresh(
            catalog=packaged_catalog, overlay=overlay_path(), github_api=api, pypi_url=pypi,
            client=client,
        )  # fmt: skip
    finally:
        client.close()
    out, _err = make_consoles(settings_of(json_output=json_output, color=color))
    if json_output:
        out.file.write(dumps(refresh_document(result)))
    else:
        out.print(refresh_text(result), end="")
    return 0


def _reset(*, json_output: bool, color: bool) -> int:
    from aimetenv.catalog import refresh
    from aimetenv.paths import overlay_path
    from aimetenv.render.console import make_consoles
    from aimetenv.render.downloads import reset_document, reset_text
    from aimetenv.render.jsonout import dumps

    path = overlay_path()
    removed = refresh.reset(path)
    out, _err = make_consoles(settings_of(json_output=json_output, color=color))
    if json_output:
        out.file.write(dumps(reset_document(path, removed)))
    else:
        out.print(reset_text(path, removed), end="")
    return 0
