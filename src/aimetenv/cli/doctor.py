"""``aimetenv doctor``: is an AIMET environment healthy, and if not, why and how to fix it."""

from typing import TYPE_CHECKING, Annotated, Optional

import typer

from aimetenv.cli import completion
from aimetenv.cli.common import guarded, settings_of
from aimetenv.cli.options import (
    JsonOpt,
    NameOpt,
    NoColorOpt,
    PrefixOpt,
    PythonPathOpt,
    QuietOpt,
    VenvOpt,
    VerboseOpt,
)

if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path

    from rich.console import Console

    from aimetenv.catalog.model import Catalog
    from aimetenv.doctor.model import CheckResult, DoctorReport
    from aimetenv.render.console import Settings

CheckOpt = Annotated[
    Optional[list[str]],
    typer.Option(
        "--check",
        autocompletion=completion.checks,
        help="Run only this check (and the checks it requires); repeat for more. See --list.",
        show_default=False,
    ),
]
ListOpt = Annotated[bool, typer.Option("--list", help="List the checks in order and run nothing.")]
StrictOpt = Annotated[bool, typer.Option("--strict", help="Warnings fail too (exit 1).")]
DeepOpt = Annotated[
    bool,
    typer.Option(
        "--deep", help="Also run a tiny real quantization on the CPU and compare it with fp32."
    ),
]
TagCheckOpt = Annotated[
    Optional[str],
    typer.Option(
        "--tag",
        autocompletion=completion.tags,
        help="Check against this release instead of the receipt or the installed files "
        "(with --variant).",
        show_default=False,
    ),
]
VariantCheckOpt = Annotated[
    Optional[str],
    typer.Option(
        "--variant",
        autocompletion=completion.variants,
        help="The variant for --tag, e.g. torch-cpu.",
        show_default=False,
    ),
]
TimeoutOpt = Annotated[
    float,
    typer.Option(
        "--timeout",
        min=1.0,
        help="Seconds the import check may take (importing AIMET takes about 10 s on 2 cores).",
    ),
]


@guarded("doctor")
def doctor(  # one parameter per option
    name: NameOpt = None,
    prefix: PrefixOpt = None,
    venv: VenvOpt = None,
    python: PythonPathOpt = None,
    check: CheckOpt = None,
    list_checks: ListOpt = False,
    strict: StrictOpt = False,
    deep: DeepOpt = False,
    tag: TagCheckOpt = None,
    variant: VariantCheckOpt = None,
    timeout: TimeoutOpt = 180.0,
    json_output: JsonOpt = False,
    quiet: QuietOpt = False,
    verbose: VerboseOpt = 0,
    no_color: NoColorOpt = False,
) -> int:
    """Check an AIMET environment and say what is wrong and how to fix it.

    The environment: -n/-p/--venv/--python, else the active conda env, else $VIRTUAL_ENV,
    else the one aimetenv installed last, else the Python aimetenv runs on. Checks that load
    code run in that environment's interpreter with your environment variables as they are.
    Exit 0 when no check failed (warnings too fail with --strict), 1 when one did, 2 for bad
    usage. With --json, stdout holds one document (schema aimetenv.doctor/1).
    """
    from aimetenv.doctor.checks import ALL_CHECKS
    from aimetenv.doctor.engine import select_checks
    from aimetenv.render.console import make_consoles
    from aimetenv.render.doctor import checks_document, checks_table
    from aimetenv.render.jsonout import dumps

    settings = settings_of(
        json_output=json_output, quiet=quiet, verbose=verbose, color=not no_color
    )
    out, err = make_consoles(settings)
    names = tuple(check or ())
    chosen = select_checks(ALL_CHECKS, names, deep=deep)
    if list_checks:
        listed = chosen if names else ALL_CHECKS
        if settings.json:
            out.file.write(dumps(checks_document(listed)))
        else:
            out.print(checks_table(listed))
        return 0
    return _run(
        names=names,
        flags=(name, prefix, venv, python),
        release=(tag, variant),
        strict=strict,
        deep=deep,
        timeout=timeout,
        settings=settings,
        consoles=(out, err),
    )


def _run(  # the parsed options, passed on as values
    *,
    names: tuple[str, ...],
    flags: tuple[Optional[str], Optional[str], Optional[str], Optional[str]],
    release: tuple[Optional[str], Optional[str]],
    strict: bool,
    deep: bool,
    timeout: float,
    settings: "Settings",
    consoles: "tuple[Console, Console]",
) -> int:
    import functools
    import os
    import sys
    from pathlib import Path

    from aimetenv.doctor.checks import ALL_CHECKS
    from aimetenv.doctor.context import DoctorContext, DoctorSettings, choose_target, target_flags
    from aimetenv.doctor.engine import run_doctor
    from aimetenv.envs.targets import TargetRequest
    from aimetenv.errors import UsageError
    from aimetenv.install.inputs import load_user_catalog
    from aimetenv.paths import state_dir
    from aimetenv.runner import SubprocessRunner

    out, err = consoles
    catalog = functools.cache(load_user_catalog)  # --tag and the checks read it once
    override = _release_override(*release, catalog)
    runner = SubprocessRunner()
    state = state_dir()
    environ = dict(os.environ)
    name, prefix, venv, python = flags
    target = choose_target(
        TargetRequest(name=name, prefix=prefix, venv=venv, python=python),
        environ=environ,
        runner=runner,
        state_dir=state,
        current_python=Path(sys.executable),
    )
    own = target.env.own_environment
    if own and target.prefix is not None:
        _check_prefix(target.prefix, target.python, target.reason)
    if not own and not target.python.exists():
        raise UsageError(f"--python {target.python}: no such interpreter", code="no-interpreter")
    ctx = DoctorContext(
        target,
        runner,
        environ=environ,
        cwd=str(Path.cwd()),
        state_dir=state,
        catalog=catalog,
        settings=DoctorSettings(
            deep=deep, strict=strict, import_timeout=timeout, release_override=override
        ),
        target_flags=target_flags(target),
    )
    show_progress = not settings.json and not settings.quiet and err.is_terminal
    if show_progress:
        with err.status(f"checking {target.label} ...") as status:
            done: list[str] = []

            def progress(result: "CheckResult") -> None:
                done.append(result.check_id)
                status.update(f"checking {target.label} ... {len(done)} checks done")

            report = run_doctor(ctx, ALL_CHECKS, names=names, on_result=progress)
    else:
        report = run_doctor(ctx, ALL_CHECKS, names=names)
    _print_report(report, settings, out)
    return int(report.exit_code)


def _print_report(report: "DoctorReport", settings: "Settings", out: "Console") -> None:
    """The report on stdout, as text or JSON; a reader that closed the pipe early is fine."""
    from aimetenv.render.doctor import doctor_document, doctor_text
    from aimetenv.render.jsonout import dumps

    try:
        if settings.json:
            out.file.write(dumps(doctor_document(report)))
            out.file.flush()
        elif not settings.quiet or report.exit_code:
            header, rows, footer = doctor_text(report, verbose=settings.verbose)
            out.print(header, end="", soft_wrap=True)
            for row in rows:
                out.print(row, soft_wrap=True)
            out.print(footer, end="", soft_wrap=True)
    except (BrokenPipeError, SystemExit) as stop:
        # A reader that has seen enough ('doctor | head -1') closed the pipe; rich turns that
        # into SystemExit(1). The checks' verdict stands: the exit code is still theirs.
        if not isinstance(stop, BrokenPipeError) and not isinstance(
            stop.__context__, BrokenPipeError
        ):
            raise
        _stdout_to_devnull()


def _stdout_to_devnull() -> None:
    """Send what is still buffered for a closed stdout nowhere, so that no exit flush fails."""
    import os

    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)
    os.close(devnull)


def _check_prefix(prefix: "Path", python: "Path", reason: str) -> None:
    """A usage error unless ``prefix`` is an environment (or was one: its Python may be gone)."""
    from aimetenv.errors import UsageError

    if prefix.is_file():
        hint = "Name the environment's folder, not a file."
        if prefix.name.startswith("python"):
            hint = (
                f"That is an interpreter: use --python {prefix} (or --venv {prefix.parent.parent})."
            )
        raise UsageError(
            f"{prefix} is a file, not an environment ({reason})", hint=hint, code="no-env"
        )
    if not prefix.is_dir():
        raise UsageError(
            f"there is no environment at {prefix} ({reason})",
            hint="Name an existing environment, or create one with 'aimetenv install'.",
            code="no-env",
        )
    looks_like_env = (
        (prefix / "pyvenv.cfg").is_file()
        or (prefix / "conda-meta").is_dir()
        or python.exists()
        or python.is_symlink()
    )
    if not looks_like_env:
        raise UsageError(
            f"{prefix} is not an environment: it has no bin/python, pyvenv.cfg or conda-meta "
            f"({reason})",
            hint="Name a venv or conda environment, or an interpreter with --python.",
            code="no-env",
        )


def _release_override(
    tag: Optional[str], variant: Optional[str], catalog: "Callable[[], Catalog]"
) -> Optional[tuple[str, str]]:
    from aimetenv.catalog.lookup import find_release, find_variant
    from aimetenv.errors import UsageError

    if tag is None and variant is None:
        return None
    if tag is None or variant is None:
        raise UsageError(
            "--tag and --variant go together", hint="Give both, or neither.", code="bad-release"
        )
    loaded = catalog()
    release = find_release(loaded, tag, variant)
    found = find_variant(loaded, release, variant)
    return release.tag, found.id
