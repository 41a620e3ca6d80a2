"""The ``aimetenv`` command: one typer app, every command registered here, and ``main()``."""

from typing import Annotated, Optional

import typer

from aimetenv import __version__
from aimetenv.cli.doctor import doctor
from aimetenv.cli.download import download
from aimetenv.cli.env import env
from aimetenv.cli.install import install
from aimetenv.cli.releases import releases
from aimetenv.cli.resolve import resolve

app = typer.Typer(
    name="aimetenv",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode="markdown",
    pretty_exceptions_show_locals=False,
    add_completion=True,
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"aimetenv {__version__}")
        raise typer.Exit


@app.callback()
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


app.command("releases")(releases)
app.command("resolve")(resolve)
app.command("install")(install)
app.command("download")(download)
app.command("env")(env)
app.command("doctor")(doctor)


def main() -> None:
    """Console-script entry point."""
    app(prog_name="aimetenv")


__all__ = ["app", "main"]
