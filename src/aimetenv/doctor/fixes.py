"""The commands the doctor proposes, built from the receipt's own options where there is one.

A fix that reinstalls AIMET must use the indexes, mirror and source the environment was
installed from, or it silently installs something else (the default torch index, another
source). The receipt records the plan as installed: its pip arguments per step, and the URL of
every release-host file (which gives the mirror back). Every argument is shell-quoted, so a
line pastes as printed.
"""

from __future__ import annotations

import shlex
from typing import TYPE_CHECKING, Any

from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name

if TYPE_CHECKING:
    from collections.abc import Iterable, Sequence

    from aimetenv.catalog.model import Catalog
    from aimetenv.install.receipt import Receipt

TORCH_FAMILY = frozenset({"torch", "torchvision", "torchaudio"})


def _steps(receipt: Receipt | None) -> list[dict[str, Any]]:
    if receipt is None:
        return []
    steps = receipt.plan.get("steps")
    return [s for s in steps if isinstance(s, dict)] if isinstance(steps, list) else []


def _name(text: str) -> str | None:
    try:
        return canonicalize_name(Requirement(text).name)
    except InvalidRequirement:
        return None


def _names(step: dict[str, Any]) -> set[str]:
    return {n for n in (_name(str(t)) for t in step.get("requirements") or ()) if n}


def _pip_args(step: dict[str, Any]) -> tuple[str, ...]:
    return tuple(str(a) for a in step.get("pip_args") or ())


def index_args(receipt: Receipt | None, name: str) -> tuple[str, ...]:
    """The pip index arguments the install used for ``name`` (empty without a receipt).

    torch and torchvision come from the step that installed them (the torch index); anything
    else from the step that installed AIMET itself (``--index-url`` when one was given).
    """
    steps = _steps(receipt)
    key = canonicalize_name(name)
    for step in steps:
        if key in _names(step) and _pip_args(step):
            return _pip_args(step)
    if key in TORCH_FAMILY:
        for step in steps:
            if step.get("kind") == "framework" and _pip_args(step):
                return _pip_args(step)
    for step in steps:
        if step.get("kind") == "requirement" and _pip_args(step):
            return _pip_args(step)
    return ()


def pip_install_line(python: str, requirements: Sequence[str], args: Iterable[str] = ()) -> str:
    """``'/env/bin/python' -m pip install ARGS 'REQ' ...``, every word quoted as needed."""
    words = [python, "-m", "pip", "install", *args, *requirements]
    return " ".join(shlex.quote(w) for w in words)


def _mirror(receipt: Receipt, catalog: Catalog | None) -> str | None:
    default = None if catalog is None else catalog.hosts.release.rstrip("/")
    for entry in receipt.files:
        url, filename = str(entry.get("url") or ""), str(entry.get("filename") or "")
        tail = f"/{receipt.tag}/{filename}"
        if not filename or not url.endswith(tail):
            continue
        base = url[: -len(tail)].rstrip("/")
        if base and base != default:
            return base
    return None


def receipt_install_options(receipt: Receipt | None, catalog: Catalog | None) -> tuple[str, ...]:
    """The ``aimetenv install`` options that repeat where the receipt's files came from."""
    if receipt is None:
        return ()
    options: list[str] = []
    if receipt.source in ("github", "pypi"):
        options += ["--source", receipt.source]
    mirror = _mirror(receipt, catalog)
    if mirror is not None:
        options += ["--mirror", mirror]
    hosts = None if catalog is None else catalog.hosts
    for step in _steps(receipt):
        args = _pip_args(step)
        kind = step.get("kind")
        for flag, value in zip(args, args[1:]):
            if kind == "requirement" and flag == "--index-url" and "--index-url" not in options:
                options += ["--index-url", value]
            elif kind == "framework" and flag == "--index-url" and "--torch-index" not in options:
                if hosts is None or value.rstrip("/") != hosts.torch_cpu_index.rstrip("/"):
                    options += ["--torch-index", value]
            elif (
                kind == "wheel"
                and flag == "-f"
                and "--torch-find-links" not in options
                and (hosts is None or value != hosts.torch_find_links)
            ):
                options += ["--torch-find-links", value]
    return tuple(options)


def quoted(words: Iterable[str]) -> str:
    """Words joined into one shell line, each quoted as needed."""
    return " ".join(shlex.quote(w) for w in words)


__all__ = [
    "TORCH_FAMILY",
    "index_args",
    "pip_install_line",
    "quoted",
    "receipt_install_options",
]
