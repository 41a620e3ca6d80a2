"""``aimetenv install``: resolve, make or reuse the environment, download, run pip, check."""

from __future__ import annotations

from typing import Annotated, Optional

import typer

from aimetenv.cli.common import guarded, settings_of
from aimetenv.cli.options import (
    AllowHttpOpt,
    GlibcOpt,
    IndexUrlOpt,
    JsonOpt,
    MirrorOpt,
    NameOpt,
    NoColorOpt,
    PrefixOpt,
    PythonPathOpt,
    QuietOpt,
    SourceOpt,
    TagOpt,
    TorchFindLinksOpt,
    TorchIndexOpt,
    VariantOpt,
    VenvOpt,
    VerboseOpt,
)

PythonVersionOpt = Annotated[
    Optional[str],
    typer.Option(
        "--python-version",
        help="Python (X.Y) for a new environment, instead of the one the release was built for.",
        show_default=False,
    ),
]
InterpreterOpt = Annotated[
    Optional[str],
    typer.Option(
        "--interpreter", help="Build a new venv from this interpreter.", show_default=False
    ),
]
DryRunOpt = Annotated[
    bool, typer.Option("--dry-run", help="Print the exact commands; change nothing.")
]
RecreateOpt = Annotated[
    bool,
    typer.Option("--recreate", help="Rebuild an existing environment that has the wrong Python."),
]
InstallerOpt = Annotated[str, typer.Option("--installer", help="pip (default) or uv.")]
OfflineOpt = Annotated[
    bool, typer.Option("--offline", help="Use only the download cache or --wheel-dir; no network.")
]
WheelDirOpt = Annotated[
    Optional[str],
    typer.Option(
        "--wheel-dir",
        help="A wheelhouse made by 'aimetenv download' (its manifest.json hashes are checked first).",
        show_default=False,
    ),
]
WithReqsOpt = Annotated[
    bool,
    typer.Option("--with-reqs", help="Also install the reqs_pip_*.txt files legacy wheels ship."),
]
PillowSimdOpt = Annotated[
    bool, typer.Option("--pillow-simd", help="Replace Pillow with Pillow-SIMD.")
]
ForceOpt = Annotated[
    bool, typer.Option("--force", help="Reinstall even when the receipt says it is done.")
]
YesOpt = Annotated[bool, typer.Option("--yes", "-y", help="Answer yes to any confirmation.")]


@guarded("install")
def install(  # one parameter per option
    variant: VariantOpt,
    tag: TagOpt,
    name: NameOpt = None,
    prefix: PrefixOpt = None,
    venv: VenvOpt = None,
    python: PythonPathOpt = None,
    python_version: PythonVersionOpt = None,
    interpreter: InterpreterOpt = None,
    recreate: RecreateOpt = False,
    source: SourceOpt = "auto",
    mirror: MirrorOpt = None,
    index_url: IndexUrlOpt = None,
    torch_index: TorchIndexOpt = None,
    torch_find_links: TorchFindLinksOpt = None,
    glibc: GlibcOpt = None,
    allow_http: AllowHttpOpt = False,
    installer: InstallerOpt = "pip",
    offline: OfflineOpt = False,
    wheel_dir: WheelDirOpt = None,
    with_reqs: WithReqsOpt = False,
    pillow_simd: PillowSimdOpt = False,
    force: ForceOpt = False,
    yes: YesOpt = False,
    dry_run: DryRunOpt = False,
    json_output: JsonOpt = False,
    quiet: QuietOpt = False,
    verbose: VerboseOpt = 0,
    no_color: NoColorOpt = False,
) -> int:
    """Install an AIMET release into a conda env or a venv, then check that it imports."""
    import shutil
    from pathlib import Path

    from aimetenv.errors import UsageError
    from aimetenv.paths import venvs_dir, wheel_cache_dir
    from aimetenv.planning import load_user_catalog, make_options, parse_glibc, parse_python_xy
    from aimetenv.prepare import InstallRequest, prepare
    from aimetenv.render.console import make_consoles
    from aimetenv.render.human import dry_run_text
    from aimetenv.render.jsonout import dumps
    from aimetenv.runner import SubprocessRunner
    from aimetenv.targets import TargetRequest

    settings = settings_of(
        json_output=json_output, quiet=quiet, verbose=verbose, color=not no_color
    )
    if installer not in ("pip", "uv"):
        raise UsageError(
            f"--installer must be pip or uv, got {installer[:40]!r}", code="bad-installer"
        )
    options = make_options(
        source=source,
        mirror=mirror,
        index_url=index_url,
        torch_index=torch_index,
        torch_find_links=torch_find_links,
        allow_http=allow_http,
    )
    folder = Path(wheel_dir).expanduser().absolute() if wheel_dir else None
    request = InstallRequest(
        variant=variant,
        tag=tag,
        target=TargetRequest(name=name, prefix=prefix, venv=venv, python=python),
        options=options,
        python_version=parse_python_xy(python_version, "--python-version"),
        interpreter=interpreter,
        recreate=recreate,
        glibc=parse_glibc(glibc),
        installer="uv" if installer == "uv" else "pip",
        wheel_dir=folder,
    )
    cache = wheel_cache_dir()

    def wheel_path(wheel: object) -> Path:
        filename = getattr(wheel, "filename", "")
        if folder is not None:
            return folder / filename
        return cache / tag.strip() / filename

    prepared = prepare(
        load_user_catalog(),
        request,
        SubprocessRunner(),
        venvs_dir=venvs_dir(),
        wheel_path=wheel_path,
        uv=shutil.which("uv") if installer == "uv" else None,
    )
    out, _err = make_consoles(settings)
    if dry_run:
        if settings.json:
            document = {
                "schema": "aimetenv.dry-run/1",
                "command": "install",
                "status": "success",
                "exit_code": 0,
                "target": {
                    "kind": prepared.target.kind,
                    "python": str(prepared.target.python),
                    "prefix": None
                    if prepared.target.prefix is None
                    else str(prepared.target.prefix),
                    "reason": prepared.target.reason,
                    "exists": prepared.target.exists,
                },
                "plan": prepared.plan.to_dict(),
                "actions": [
                    {
                        "kind": a.kind,
                        "description": a.description,
                        "argv": list(a.argv),
                        "url": a.url,
                        "path": a.path,
                        "condition": a.condition,
                    }
                    for a in prepared.actions
                ],
            }
            out.file.write(dumps(document))
        else:
            out.print(dry_run_text(prepared.plan, prepared.target, list(prepared.actions)), end="")
        return 0
    del offline, with_reqs, pillow_simd, force, yes
    raise UsageError(
        "install without --dry-run is not available in this build", code="not-implemented"
    )
