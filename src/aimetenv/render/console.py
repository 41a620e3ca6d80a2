"""The rich consoles of one invocation: stdout for data, stderr for people. Built per call."""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from rich.console import Console


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
    width = None if sys.stdout.isatty() else 200
    out = Console(
        file=sys.stdout, markup=False, highlight=False, emoji=False, no_color=no_color,
        soft_wrap=True, width=width,
    )  # fmt: skip
    err = Console(
        file=sys.stderr, markup=False, highlight=False, emoji=False, no_color=no_color,
        stderr=True, soft_wrap=True, width=None if sys.stderr.isatty() else 200,
    )  # fmt: skip
    return out, err


__all__ = ["Settings", "make_consoles"]
