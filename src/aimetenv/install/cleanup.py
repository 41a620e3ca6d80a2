"""What a failed or interrupted install leaves behind, and the words that say so.

An environment this install created is removed when the install fails or is interrupted, unless
``--keep-failed`` asks to keep it for inspection. An environment that existed before is never
removed: the packages it held before the install (read from the ``*.dist-info`` and
``*.egg-info`` folders of its site-packages) are compared with what it holds after, and the
message names what changed. Either way no receipt is written (it is the last action).
"""

from __future__ import annotations

import re
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

    from aimetenv.install.prepare import Prepared

_META = re.compile(r"^(?P<name>[^-]+)-(?P<version>[^-]+?)(?:-py[^-]*)?\.(?:dist-info|egg-info)$")
_SHOWN = 6
"""How many changed packages a message names before it says 'and N more'."""


class InstallInterrupted(KeyboardInterrupt):
    """Ctrl-C during an install, with what became of the environment (``note``)."""

    def __init__(self, note: str) -> None:
        """Keep the sentence the interrupt line ends with."""
        super().__init__(note)
        self.note = note


def installed_packages(site_packages: Sequence[str]) -> dict[str, str]:
    """Each distribution installed in ``site_packages``: normalised name -> version."""
    found: dict[str, str] = {}
    for folder in site_packages:
        try:
            names = [p.name for p in Path(folder).iterdir()]
        except OSError:
            continue
        for entry in names:
            match = _META.match(entry)
            if match is not None:
                name = re.sub(r"[-_.]+", "-", match["name"]).lower()
                found.setdefault(name, match["version"])
    return found


@dataclass(frozen=True)
class Before:
    """The environment as it was before the install changed anything."""

    label: str
    prefix: Path | None
    created: bool
    """This install creates it (it did not exist, or was an empty folder)."""
    existed_empty: bool
    """The prefix was an empty folder the user made: emptied again, never removed."""
    packages: Mapping[str, str]
    """What an existing environment held (empty for a new one)."""


def before_install(prepared: Prepared) -> Before:
    """Take note of the environment before the first action runs."""
    target = prepared.target
    prefix = target.prefix
    creates = any(a.kind == "create-env" for a in prepared.actions) and not prepared.recreate
    facts = prepared.target_facts
    sites = () if facts is None else facts.site_packages
    return Before(
        label=target.label,
        prefix=prefix,
        created=creates,
        existed_empty=creates and prefix is not None and prefix.is_dir(),
        packages={} if creates else installed_packages(sites),
    )


def clean_up(before: Before, site_packages: Sequence[str], *, keep: bool) -> str | None:
    """Remove a new environment (unless ``keep``), or describe how an existing one changed.

    Returns the sentence that the error or interrupt line ends with; None when nothing was
    made at all (the install stopped before the environment was created).
    """
    prefix = before.prefix
    if before.created:
        if prefix is None or not prefix.exists() or (before.existed_empty and _empty(prefix)):
            return None
        if keep:
            return f"{before.label}, which this install created, was kept (--keep-failed)"
        _remove(prefix, keep_folder=before.existed_empty)
        return (
            f"{before.label}, which this install created, was removed "
            "(--keep-failed keeps it for inspection)"
        )
    changes = describe_changes(before.packages, installed_packages(site_packages))
    if not changes:
        return f"no package in {before.label} changed; no receipt was written"
    return f"{before.label} was changed ({changes}); no receipt was written"


def describe_changes(old: Mapping[str, str], new: Mapping[str, str]) -> str:
    """``installed torch 2.13.0, torchvision 0.28.0; pip 22.0.4 -> 24.0; removed pillow 9.0``.

    At most a few packages are named; the rest are counted.
    """
    added = [f"{n} {new[n]}" for n in sorted(new.keys() - old.keys())]
    changed = [
        f"{n} {old[n]} -> {new[n]}" for n in sorted(old.keys() & new.keys()) if old[n] != new[n]
    ]
    removed = [f"{n} {old[n]}" for n in sorted(old.keys() - new.keys())]
    room, groups = _SHOWN, []
    for words, names in (("installed ", added), ("", changed), ("removed ", removed)):
        shown = names[:room]
        room -= len(shown)
        if shown:
            groups.append(words + ", ".join(shown))
    hidden = len(added) + len(changed) + len(removed) - _SHOWN
    if hidden > 0:
        groups.append(f"and {hidden} more")
    return "; ".join(groups)


def _empty(folder: Path) -> bool:
    try:
        return not any(folder.iterdir())
    except OSError:
        return False


def _remove(prefix: Path, *, keep_folder: bool) -> None:
    if not keep_folder:
        shutil.rmtree(prefix, ignore_errors=True)
        return
    for child in prefix.iterdir():
        if child.is_dir() and not child.is_symlink():
            shutil.rmtree(child, ignore_errors=True)
        else:
            child.unlink(missing_ok=True)


__all__ = [
    "Before",
    "InstallInterrupted",
    "before_install",
    "clean_up",
    "describe_changes",
    "installed_packages",
]
