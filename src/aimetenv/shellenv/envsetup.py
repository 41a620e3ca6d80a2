"""The CUDA settings of the ``envsetup.sh`` an AIMET GPU build ships, translated line by line."""

from __future__ import annotations

import re
from pathlib import Path

from aimetenv.shellenv.exports import Export


def find_envsetup(site: str) -> str | None:
    """``<site>/aimet_*/bin/envsetup.sh`` (aimet_common up to 1.30, aimet_<fw> from 1.31)."""
    found = sorted(Path(site).glob("aimet_*/bin/envsetup.sh"))
    return str(found[0]) if found else None


_ASSIGN_PATTERN = r"^(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)=(.*)$"
_EMPTY_GUARD_PATTERN = r'^if \[ -z "?\$\{?([A-Za-z_][A-Za-z0-9_]*)\}?"? \]; then \1=(""|\'\')?; fi$'


def _unquote(value: str) -> str | None:
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":  # noqa: PLR2004  # a quote at each end
        inner = value[1:-1]
        return None if value[0] in inner else inner
    if any(c in value for c in "\"'`\\ ;&|()<>"):
        return None
    return value


def translate_envsetup(text: str, origin: str) -> tuple[tuple[Export, ...], tuple[str, ...]]:
    """The exports of an AIMET ``envsetup.sh``, and a note for each line that was not understood.

    ``export X=a:b:$X`` becomes a prepend of ``a`` and ``b`` (each only if absent, so running it
    twice changes nothing); ``export X=value`` becomes a set. The guard that gives an unset
    ``LD_LIBRARY_PATH`` an empty value is not needed: the prepend leaves no stray ``:``.
    """
    exports: list[Export] = []
    notes: list[str] = []
    for number, raw in enumerate(text.split("\n"), start=1):
        line = raw.strip()
        if not line or line.startswith("#") or re.match(_EMPTY_GUARD_PATTERN, line):
            continue
        match = re.match(_ASSIGN_PATTERN, line)
        value = _unquote(match.group(2)) if match else None
        if match is None or value is None:
            notes.append(f"line {number} of {origin} was not translated: {line[:80]}")
            continue
        name = match.group(1)
        parts = value.split(":")
        self_refs = {f"${name}", f"${{{name}}}"}
        if parts and parts[-1] in self_refs and not any("$" in p for p in parts[:-1]):
            directories = tuple(p for p in parts[:-1] if p)
            if directories:
                exports.append(Export(name, "prepend", directories, origin))
        elif "$" not in value:
            exports.append(Export(name, "set", (value,), origin))
        else:
            notes.append(f"line {number} of {origin} was not translated: {line[:80]}")
    return tuple(exports), tuple(notes)


__all__ = ["find_envsetup", "translate_envsetup"]
