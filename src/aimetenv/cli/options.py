"""Options shared by several commands, declared once (typer ``Annotated`` aliases)."""

from __future__ import annotations

from typing import Annotated, Optional

import typer

from aimetenv.cli import completion

VariantOpt = Annotated[
    str,
    typer.Option(
        "--variant",
        autocompletion=completion.variants,
        help="AIMET variant: torch-cpu, torch-gpu, tf-cpu, tf-gpu, onnx-cpu, onnx-gpu, or a legacy "
        "one such as torch-gpu-pt113. torch_cpu (the AIMET_VARIANT spelling) works too.",
        show_default=False,
    ),
]
TagOpt = Annotated[
    str,
    typer.Option(
        "--tag",
        autocompletion=completion.tags,
        help="Release tag, e.g. 1.16.2.py37, 1.34.0, v2.42.0, or latest (the newest release "
        "that offers the variant).",
        show_default=False,
    ),
]
JsonOpt = Annotated[
    bool,
    typer.Option("--json", help="Print one JSON document on stdout; messages go to stderr."),
]
QuietOpt = Annotated[bool, typer.Option("--quiet", "-q", help="Only errors on stderr.")]
VerboseOpt = Annotated[
    int,
    typer.Option(
        "--verbose",
        "-v",
        count=True,
        metavar="...",
        show_default=False,
        help="More detail; a flag that repeats: -vv shows more than -v.",
    ),
]
NoColorOpt = Annotated[
    bool, typer.Option("--no-color", help="No colours (NO_COLOR is honoured too).")
]
SourceOpt = Annotated[
    str,
    typer.Option(
        "--source",
        help="Where the AIMET files come from: auto (the release's preferred host), github "
        "(release-host wheels) or pypi.",
    ),
]
MirrorOpt = Annotated[
    Optional[str],
    typer.Option(
        "--mirror",
        envvar="AIMETENV_MIRROR",
        help="Base URL that replaces https://github.com/quic/aimet/releases/download; files are "
        "fetched from MIRROR/TAG/FILE.",
        show_default=False,
    ),
]
IndexUrlOpt = Annotated[
    Optional[str],
    typer.Option(
        "--index-url",
        help="Package index for PyPI-hosted AIMET (pip's --index-url).",
        show_default=False,
    ),
]
TorchIndexOpt = Annotated[
    Optional[str],
    typer.Option(
        "--torch-index",
        envvar="AIMETENV_TORCH_INDEX",
        help="Index for CPU builds of torch and torchvision (default https://download.pytorch.org/whl/cpu).",
        show_default=False,
    ),
]
TorchFindLinksOpt = Annotated[
    Optional[str],
    typer.Option(
        "--torch-find-links",
        envvar="AIMETENV_TORCH_FIND_LINKS",
        help="Find-links page for local-version torch pins of 1.x releases "
        "(default https://download.pytorch.org/whl/torch_stable.html).",
        show_default=False,
    ),
]
GlibcOpt = Annotated[
    Optional[str],
    typer.Option(
        "--glibc",
        help="Plan for a machine with this glibc (X.Y) instead of this one.",
        show_default=False,
    ),
]
AllowHttpOpt = Annotated[
    bool,
    typer.Option(
        "--allow-http", help="Allow plain-http mirrors that are not on a loopback address."
    ),
]
NameOpt = Annotated[
    Optional[str], typer.Option("--name", "-n", help="Conda environment name.", show_default=False)
]
PrefixOpt = Annotated[
    Optional[str],
    typer.Option("--prefix", "-p", help="Conda environment path.", show_default=False),
]
PythonVersionOpt = Annotated[
    Optional[str],
    typer.Option(
        "--python-version",
        help="Plan for this Python (X.Y) instead of the one the release was built for.",
        show_default=False,
    ),
]
"""X.Y everywhere; ``--python`` always names an interpreter (install, env, doctor)."""
InterpreterRefusedOpt = Annotated[
    Optional[str], typer.Option("--python", hidden=True, show_default=False)
]
"""``--python`` on a command that plans for a version: refused in the command, in one line."""
VenvOpt = Annotated[Optional[str], typer.Option("--venv", help="Venv path.", show_default=False)]
PythonPathOpt = Annotated[
    Optional[str],
    typer.Option(
        "--python", help="An existing interpreter to act on (its environment).", show_default=False
    ),
]

__all__ = [
    "AllowHttpOpt",
    "GlibcOpt",
    "IndexUrlOpt",
    "InterpreterRefusedOpt",
    "JsonOpt",
    "MirrorOpt",
    "NameOpt",
    "NoColorOpt",
    "PrefixOpt",
    "PythonPathOpt",
    "PythonVersionOpt",
    "QuietOpt",
    "SourceOpt",
    "TagOpt",
    "TorchFindLinksOpt",
    "TorchIndexOpt",
    "VariantOpt",
    "VenvOpt",
    "VerboseOpt",
]
