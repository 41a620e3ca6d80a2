"""``aimetenv download``: a wheelhouse with a manifest.json, for machines with no internet."""

from typing import Annotated

import typer

from aimetenv.cli.common import guarded, refuse_interpreter, settings_of
from aimetenv.cli.options import (
    AllowHttpOpt,
    GlibcOpt,
    IndexUrlOpt,
    InterpreterRefusedOpt,
    JsonOpt,
    MirrorOpt,
    NoColorOpt,
    PythonVersionOpt,
    QuietOpt,
    SourceOpt,
    TagOpt,
    TorchFindLinksOpt,
    TorchIndexOpt,
    VariantOpt,
    VerboseOpt,
)

DestOpt = Annotated[
    str,
    typer.Option(
        "--dest",
        "-d",
        help="The wheelhouse directory (created; use an empty one per variant and tag).",
        show_default=False,
    ),
]
WithDepsOpt = Annotated[
    bool,
    typer.Option(
        "--with-deps",
        help="Release-host files: also download their dependencies with pip (PyPI plans "
        "always include them).",
    ),
]


@guarded("download")
def download(  # one parameter per option
    variant: VariantOpt,
    tag: TagOpt,
    dest: DestOpt,
    python_version: PythonVersionOpt = None,
    python: InterpreterRefusedOpt = None,
    glibc: GlibcOpt = None,
    source: SourceOpt = "auto",
    mirror: MirrorOpt = None,
    index_url: IndexUrlOpt = None,
    torch_index: TorchIndexOpt = None,
    torch_find_links: TorchFindLinksOpt = None,
    allow_http: AllowHttpOpt = False,
    with_deps: WithDepsOpt = False,
    json_output: JsonOpt = False,
    quiet: QuietOpt = False,
    verbose: VerboseOpt = 0,
    no_color: NoColorOpt = False,
) -> int:
    """Download a release's files into a wheelhouse (-d DIR) with a manifest.json of sha256s.

    Copy DIR to a machine with no internet and run 'aimetenv install --wheel-dir DIR' there;
    install checks every hash in the manifest before pip sees a file.
    """
    from aimetenv.envs.targets import check_path_argument
    from aimetenv.fetch.download import Downloader
    from aimetenv.fsutil import open_run_log
    from aimetenv.install import resolver, wheelhouse
    from aimetenv.install.inputs import load_user_catalog, resolver_inputs
    from aimetenv.paths import state_dir, wheel_cache_dir
    from aimetenv.render.console import make_consoles
    from aimetenv.render.downloads import download_document, download_text
    from aimetenv.render.jsonout import dumps
    from aimetenv.render.progress import make_progress
    from aimetenv.runner import SubprocessRunner

    refuse_interpreter(python, "download")
    settings = settings_of(
        json_output=json_output, quiet=quiet, verbose=verbose, color=not no_color
    )
    target, options = resolver_inputs(
        python=python_version, glibc=glibc, source=source, mirror=mirror, index_url=index_url,
        torch_index=torch_index, torch_find_links=torch_find_links, allow_http=allow_http,
    )  # fmt: skip
    directory = check_path_argument(dest, "-d/--dest")
    plan = resolver.resolve(load_user_catalog(), variant, tag, target, options)
    out, err = make_consoles(settings)
    downloader = Downloader(
        cache_root=wheel_cache_dir(), allow_http=allow_http, progress=make_progress(settings)
    )
    echo = None
    if settings.verbose and not (settings.quiet or settings.json):

        def echo(line: str) -> None:
            err.print(line)

    with open_run_log(state_dir(), "download", mode="w") as (log_path, log):
        house = wheelhouse.build(
            plan, directory, downloader=downloader, runner=SubprocessRunner(), log=log,
            echo=echo, with_deps=with_deps,
        )  # fmt: skip
        used_log = log.tell() > 0
    if not used_log:
        log_path.unlink(missing_ok=True)
    shown_log = log_path if used_log else None
    if settings.json:
        out.file.write(dumps(download_document(house, shown_log)))
    else:
        if not settings.quiet:
            for note in house.notes:
                err.print(f"note: {note}")
        out.print(download_text(house, shown_log), end="")
    return 0
