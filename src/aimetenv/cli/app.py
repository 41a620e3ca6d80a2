"""The ``aimetenv`` command: one typer app, every command registered here, and ``main()``.

``main()`` runs an app that holds only the command named on the command line, or none for
``aimetenv --version``: typer turns every registered command's signature into options on each
start, about 10 ms for all of them. Anything else (``--help``, a typo, nothing) gets ``app``.
"""

import gc
import importlib
import os
import sys
from typing import Annotated, Any, Callable, NoReturn, Optional

import typer

from aimetenv import __version__

COMMANDS = ("releases", "resolve", "install", "download", "env", "doctor")
"""Every command, in the order ``--help`` lists them; ``aimetenv.cli.<name>.<name>`` runs it."""


def command(name: str) -> Callable[..., Any]:
    """The function of a command, its module imported only now."""
    function: Callable[..., Any] = getattr(importlib.import_module(f"aimetenv.cli.{name}"), name)
    return function


def _version(value: bool) -> None:
    if value:
        typer.echo(f"aimetenv {__version__}")
        raise typer.Exit


def _root(
    version: Annotated[
        Optional[bool],
        typer.Option(
            "--version", callback=_version, is_eager=True, help="Print the version and exit."
        ),
    ] = None,
) -> None:
    """Install, check and set up Qualcomm AIMET environments.

    Exit codes: 0 ok, 1 doctor found a failure, 2 bad input or a request that cannot be met,
    3 network, 4 install failed, 5 integrity, 6 busy, 7 file error, 70 internal error,
    130 interrupted. See docs/reference/exit-codes.md.
    """


def make_app(names: tuple[str, ...] = COMMANDS, *, completion: bool = True) -> typer.Typer:
    """The typer app with the commands ``names`` (default: all of them).

    ``completion``: the ``--install-completion`` and ``--show-completion`` options, which only
    the bare ``aimetenv`` takes (shell completion itself runs the full app).
    """
    made = typer.Typer(
        name="aimetenv",
        no_args_is_help=True,
        pretty_exceptions_enable=False,
        rich_markup_mode="markdown",
        pretty_exceptions_show_locals=False,
        add_completion=completion,
        context_settings={"help_option_names": ["-h", "--help"]},
    )
    made.callback()(_root)
    for name in names:
        made.command(name)(command(name))
    return made


app: typer.Typer
"""The app with every command (made on first use; ``main()`` does without it when it can)."""


def __getattr__(name: str) -> typer.Typer:
    """``app``, made when it is first asked for (PEP 562)."""
    if name != "app":
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    made = make_app()
    globals()["app"] = made
    return made


def _output_failed(error: OSError) -> NoReturn:
    """``--help`` or ``--version`` could not be written: one line and exit 7, no traceback.

    Commands handle this themselves (``cli.common.guarded``); this is for what typer prints
    before any command runs. A reader that closed the pipe early is not an error.
    """
    import os  # error path only

    from aimetenv.exit_codes import ExitCode  # error path only

    broken_pipe = isinstance(error, BrokenPipeError)
    try:
        if not broken_pipe:
            sys.stderr.write(f"aimetenv: error: cannot write the output: {error.strerror}.\n")
            sys.stderr.flush()
        os.dup2(os.open(os.devnull, os.O_WRONLY), 1)  # the exit-time flush must not fail again
    except OSError:
        pass
    sys.exit(int(ExitCode.OK if broken_pipe else ExitCode.FILE_ERROR))


COMPLETION_OPTIONS = ("--install-completion", "--show-completion")


def _names_a_shell(argv: list[str]) -> bool:
    """``aimetenv --show-completion zsh``: the script of the shell named, not of ``$SHELL``.

    typer's two options are flags that detect the shell, or, in the mode its
    ``_TYPER_COMPLETE_TEST_DISABLE_SHELL_DETECTION`` variable selects, options that take the
    shell's name (and refuse a shell they do not know). The name given picks that mode.
    """
    return len(argv) == 3 and argv[1] in COMPLETION_OPTIONS  # noqa: PLR2004  # aimetenv OPT SHELL


def main() -> None:
    """Console-script entry point."""
    first = sys.argv[1] if len(sys.argv) > 1 else ""
    if _names_a_shell(sys.argv):
        os.environ["_TYPER_COMPLETE_TEST_DISABLE_SHELL_DETECTION"] = "1"
    if "_AIMETENV_COMPLETE" in os.environ:  # shell completion: the whole command line
        chosen = make_app()
    elif first in COMMANDS:
        chosen = make_app((first,), completion=False)
    elif first == "--version" and len(sys.argv) == 2:  # noqa: PLR2004  # aimetenv --version
        chosen = make_app((), completion=False)
    else:
        chosen = make_app()
    # Everything imported so far lives until the process ends: keep the garbage collector off it.
    # Its passes over typer's and click's objects, during the run and the last one at exit, cost
    # about 20 ms (a sixth of 'aimetenv env'); what the command creates is collected as usual.
    gc.freeze()
    try:
        chosen(prog_name="aimetenv")
    except OSError as error:
        _output_failed(error)


__all__ = ["COMMANDS", "COMPLETION_OPTIONS", "app", "command", "main", "make_app"]
