"""The rich consoles of one invocation: stdout for data, stderr for people. Built per call."""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Iterable

    from rich.console import Console
    from rich.segment import Segment


@dataclass(frozen=True)
class Settings:
    """Output settings for one command."""

    json: bool = False
    quiet: bool = False
    verbose: int = 0
    color: bool = True


def make_consoles(settings: Settings) -> tuple[Console, Console]:
    """(stdout console, stderr console). Untrusted text is never parsed as markup."""
    from rich.console import Console  # noqa: PLC0415  # rich only when something is rendered

    no_color = not settings.color or "NO_COLOR" in os.environ
    on_terminal = sys.stdout.isatty()
    out = (Console if on_terminal else _unpadded())(
        file=sys.stdout, markup=False, highlight=False, emoji=False, no_color=no_color,
        soft_wrap=True, width=None if on_terminal else 200,
    )  # fmt: skip
    err_on_terminal = sys.stderr.isatty()
    err = (Console if err_on_terminal else _unpadded())(
        file=sys.stderr, markup=False, highlight=False, emoji=False, no_color=no_color,
        stderr=True, soft_wrap=True, width=None if err_on_terminal else 200,
    )  # fmt: skip
    return out, err


def _unpadded() -> type[Console]:
    """A console for a file or a pipe: no line ends in the spaces that pad a table's cells.

    A terminal gets rich's output as it is; in a file those spaces (up to the 200 columns a
    table may use there) are only noise for ``grep`` and ``diff``.
    """
    from rich.console import Console  # noqa: PLC0415  # rich only when something is rendered

    class Unpadded(Console):
        def _render_buffer(self, buffer: Iterable[Segment]) -> str:
            text = super()._render_buffer(buffer)
            return "\n".join(line.rstrip(" ") for line in text.split("\n"))

    return Unpadded


__all__ = ["Settings", "make_consoles"]
