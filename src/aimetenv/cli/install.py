"""``aimetenv install``: resolve, make or reuse the environment, download, run pip, check."""

from typing import TYPE_CHECKING, Annotated, Optional

import typer

from aimetenv.cli import completion
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
    TorchFindLinksOpt,
    TorchIndexOpt,
    VenvOpt,
    VerboseOpt,
)

if TYPE_CHECKING:
    from pathlib import Path

    from rich.console import Console

    from aimetenv.install.actions import Action
    from aimetenv.install.activity import Activity
    from aimetenv.install.prepare import Prepared
    from aimetenv.runner import Completed

VariantOpt = Annotated[
    Optional[str],
    typer.Option(
        "--variant",
        autocompletion=completion.variants,
        help="AIMET variant: torch-cpu, torch-gpu, tf-cpu, tf-gpu, onnx-cpu, onnx-gpu, or a legacy "
        "one such as torch-gpu-pt113. torch_cpu (the AIMET_VARIANT spelling) works too. Required, "
        "here or in --spec.",
        show_default=False,
    ),
]
TagOpt = Annotated[
    Optional[str],
    typer.Option(
        "--tag",
        autocompletion=completion.tags,
        help="Release tag, e.g. 1.16.2.py37, 1.34.0, v2.42.0, or latest (the newest release "
        "that offers the variant). Required, here or in --spec.",
        show_default=False,
    ),
]
SpecOpt = Annotated[
    Optional[str],
    typer.Option(
        "--spec",
        help="A YAML file with install options (keys are the long options without dashes); "
        "options given on the command line win.",
        show_default=False,
    ),
]

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
    bool,
    typer.Option(
        "--offline",
        help="aimetenv's own downloads come from the download cache only (pip still uses its "
        "indexes; with --wheel-dir it uses only DIR).",
    ),
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
KeepFailedOpt = Annotated[
    bool,
    typer.Option(
        "--keep-failed",
        help="Keep an environment this install created when the install fails or is "
        "interrupted (it is removed otherwise).",
    ),
]
SkipSystemCheckOpt = Annotated[
    bool,
    typer.Option(
        "--skip-system-check",
        help="Install even when a Debian package the release's native library loads "
        "(liblapacke for 1.x) is missing; without it, install refuses before any download.",
    ),
]
YesOpt = Annotated[bool, typer.Option("--yes", "-y", help="Answer yes to any confirmation.")]


@guarded("install")
def install(  # one parameter per option
    ctx: typer.Context,
    variant: VariantOpt = None,
    tag: TagOpt = None,
    spec: SpecOpt = None,
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
    keep_failed: KeepFailedOpt = False,
    skip_system_check: SkipSystemCheckOpt = False,
    yes: YesOpt = False,
    dry_run: DryRunOpt = False,
    json_output: JsonOpt = False,
    quiet: QuietOpt = False,
    verbose: VerboseOpt = 0,
    no_color: NoColorOpt = False,
) -> int:
    """Install an AIMET release into a conda env or a venv, then check that it imports."""
    parameters = dict(locals())  # typer's values of the parameters above, by name
    from aimetenv.install.options import option_values

    values = option_values(parameters)
    if spec is not None:
        from pathlib import Path

        from aimetenv.install.spec import load_spec, with_spec

        explicit = [key for key in values if _given(ctx, key)]
        values = with_spec(values, load_spec(Path(spec).expanduser().absolute()), explicit)
    return _install(values, dry_run=dry_run, json_output=json_output, quiet=quiet,
                    verbose=verbose, no_color=no_color)  # fmt: skip


def _given(ctx: typer.Context, name: str) -> bool:
    """Whether the user set this option (command line or environment), not its default."""
    source = ctx.get_parameter_source(name)
    return source is not None and source.name in ("COMMANDLINE", "ENVIRONMENT", "PROMPT")


def _install(
    values: "dict[str, object]",
    *,
    dry_run: bool,
    json_output: bool,
    quiet: bool,
    verbose: int,
    no_color: bool,
) -> int:
    import sys

    from aimetenv.install.inputs import load_user_catalog
    from aimetenv.install.options import InstallOptions
    from aimetenv.install.session import install_locked, prepare_install
    from aimetenv.paths import state_dir, venvs_dir, wheel_cache_dir
    from aimetenv.render.console import make_consoles
    from aimetenv.render.progress import make_progress
    from aimetenv.runner import SubprocessRunner

    settings = settings_of(
        json_output=json_output, quiet=quiet, verbose=verbose, color=not no_color
    )
    options = InstallOptions.from_values(values)
    catalog = load_user_catalog()
    out, err = make_consoles(settings)
    talk = not settings.quiet and not settings.json
    runner = SubprocessRunner()
    if dry_run:
        prepared = prepare_install(
            catalog, options, runner, cache=wheel_cache_dir(), venvs=venvs_dir()
        )
        return _print_dry_run(prepared, json_mode=settings.json, out=out)

    def confirm(prepared: "Prepared") -> None:
        """Announce the target, and confirm a --recreate."""
        from aimetenv.render.install import target_line

        if talk:
            err.print(target_line(prepared))
        if prepared.recreate:
            _confirm_recreate(
                prepared.target.label, yes=options.yes, interactive=sys.stdin.isatty()
            )

    echo = verbose > 0 and not quiet
    reporter = _ConsoleReporter(err, talk=talk, echo=echo)
    result = install_locked(
        catalog,
        options,
        runner,
        state=state_dir(),
        cache=wheel_cache_dir(),
        venvs=venvs_dir(),
        confirm=confirm,
        progress=make_progress(settings),
        reporter=reporter,
        echo=echo,
        watcher=reporter if talk else None,
    )
    from aimetenv.install.reqsfiles import running_as_root
    from aimetenv.render.install import install_document, install_summary
    from aimetenv.render.jsonout import dumps

    root = running_as_root()
    if settings.json:
        out.file.write(dumps(install_document(result, root=root)))
    elif not settings.quiet:
        err.print(install_summary(result, root=root), end="")
    return 0


def _print_dry_run(prepared: "Prepared", *, json_mode: bool, out: "Console") -> int:
    if json_mode:
        from aimetenv.render.install import dry_run_document
        from aimetenv.render.jsonout import dumps

        out.file.write(dumps(dry_run_document(prepared)))
    else:
        from aimetenv.render.human import dry_run_text  # rich's tables: --dry-run only

        out.print(dry_run_text(prepared.plan, prepared.target, list(prepared.actions)), end="")
    return 0


def _confirm_recreate(label: str, *, yes: bool, interactive: bool) -> None:
    """--recreate deletes an environment: ask on a terminal, refuse without one unless --yes."""
    from aimetenv.errors import UsageError

    if yes:
        return
    if not interactive:
        raise UsageError(
            f"--recreate would delete everything in {label}, and there is no terminal to ask",
            hint="Pass --yes to confirm.",
            code="confirmation-needed",
        )
    if not typer.confirm(f"--recreate deletes everything in {label}. Continue?", err=True):
        raise UsageError("stopped: --recreate was not confirmed", code="not-confirmed")


class _ConsoleReporter:
    """Prints each action as it starts, the log's path, and each step's progress on stderr.

    A step's child shows its elapsed time and pip's current activity, redrawn in place on a
    terminal, or a heartbeat line every ``heartbeat_seconds`` without one (``StepStatus``); pip's
    own output with -v.
    """

    def __init__(
        self,
        err: "Console",
        *,
        talk: bool,
        echo: bool,
        heartbeat_seconds: "float | None" = None,
    ) -> None:
        from aimetenv.render.progress import HEARTBEAT_SECONDS, StepStatus

        self.err = err
        self.talk = talk
        self.echo = echo
        self.status = StepStatus(
            err.file,
            terminal=err.is_terminal,
            heartbeat_seconds=HEARTBEAT_SECONDS if heartbeat_seconds is None else heartbeat_seconds,
        )

    def action(self, number: int, total: int, action: "Action") -> None:
        from aimetenv.render.install import action_line

        if self.talk:
            self.err.print(action_line(number, total, action))

    def skipped(self, action: "Action", reason: str) -> None:
        from aimetenv.render.install import skipped_line

        del action
        if self.talk:
            self.err.print(skipped_line(reason))

    def output(self, line: str) -> None:
        if self.echo:
            self.status.above(line)

    def log_opened(self, path: "Path") -> None:
        from aimetenv.render.install import log_line

        if self.talk:
            self.err.print(log_line(path))

    def child_started(self, tool: str) -> None:
        self.status.started(tool)

    def child_activity(self, activity: "Activity") -> None:
        self.status.activity(activity)

    def child_tick(self) -> None:
        self.status.tick()

    def child_finished(self, completed: "Completed") -> None:
        self.status.finished(completed)

    def retrying(self, number: int, retries: int, code: str) -> None:
        from aimetenv.render.progress import retry_line

        if self.talk:
            self.status.above(retry_line(number, retries, code))
