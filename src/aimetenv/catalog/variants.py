"""Variant names: the spellings users type and the canonical ids the catalog uses.

Users write ``torch-cpu``, ``torch_cpu`` (the ``AIMET_VARIANT`` spelling of the docs from 1.18 on)
or ``TORCH_CPU``; the framework-suffixed legacy builds are ``torch-gpu-pt113`` and friends; the
combined build of 1.13-1.16.0 is ``tf-torch-gpu``. All become one canonical, hyphenated id.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from typing import Literal

_VARIANT_RE = re.compile(
    r"^(?P<framework>torch|tf|onnx|tf-torch)-(?P<accelerator>cpu|gpu)(?:-(?P<suffix>pt\d+|tf\d+))?$"
)
MAX_INPUT = 64


@dataclass(frozen=True)
class ParsedVariant:
    """The parts of a canonical variant id."""

    id: str
    framework: str
    accelerator: Literal["cpu", "gpu"]
    suffix: str | None


def normalize_variant(text: str) -> str:
    """Lower-case, turn underscores into hyphens and trim: the canonical spelling of an input."""
    return text.strip().lower().replace("_", "-")


def parse_variant_id(text: str) -> ParsedVariant | None:
    """Parse a variant (any accepted spelling); None when it is not variant-shaped."""
    if len(text) > MAX_INPUT:
        return None
    canonical = normalize_variant(text)
    match = _VARIANT_RE.match(canonical)
    if match is None:
        return None
    framework = match.group("framework").replace("tf-torch", "tf+torch")
    accelerator: Literal["cpu", "gpu"] = "gpu" if match.group("accelerator") == "gpu" else "cpu"
    return ParsedVariant(canonical, framework, accelerator, match.group("suffix"))


def suggest(text: str, known: list[str]) -> list[str]:
    """The known ids closest to what the user typed, best first."""
    canonical = normalize_variant(text)[:MAX_INPUT]
    return difflib.get_close_matches(canonical, known, n=2, cutoff=0.6)


__all__ = ["MAX_INPUT", "ParsedVariant", "normalize_variant", "parse_variant_id", "suggest"]
