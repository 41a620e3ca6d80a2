"""The environment variables each range of AIMET releases needs, relative to site-packages.

One table, read by the resolver (what ``install`` records in the receipt and ``resolve`` shows)
and by ``aimetenv env`` (what a probed environment needs). It lives in Python rather than in the
catalog's YAML so that ``aimetenv env`` can read it at shell start-up without yaml or packaging.

Releases up to 1.21 need ``<site>/aimet_common/x86_64-linux-gnu`` on ``PYTHONPATH`` and
``LD_LIBRARY_PATH`` (and ``<site>/aimet_common`` on ``LD_LIBRARY_PATH``); 1.22 and 1.23 need
``<site>/aimet_common`` on ``LD_LIBRARY_PATH``; 1.24 and later, 2.x included, need no AIMET path
at all, and a ``PYTHONPATH`` into site-packages would shadow the installed package. The ``.py37``
suffix of a tag plays no part: rules are keyed on the release number.
"""

from __future__ import annotations

from dataclasses import dataclass

Version3 = tuple[int, int, int]


@dataclass(frozen=True)
class ExportRule:
    """The AIMET directories a range of releases needs, relative to site-packages."""

    below: Version3 | None
    """The first release the rule no longer covers; None for the newest rule."""
    ld_library_path: tuple[str, ...]
    """Directories for ``LD_LIBRARY_PATH``, in the order they go in front."""
    pythonpath: tuple[str, ...]
    note: str
    """Why, with its evidence: recorded in the install receipt and shown by ``resolve``."""
    env_note: str
    """Why, in a few words: the comment ``aimetenv env`` writes for a release it found by probing."""


EXPORT_RULES: tuple[ExportRule, ...] = (
    ExportRule(
        below=(1, 22, 0),
        ld_library_path=("aimet_common/x86_64-linux-gnu", "aimet_common"),
        pythonpath=("aimet_common/x86_64-linux-gnu",),
        note="libpymo and AimetTensorQuantizer are top-level modules in "
        "aimet_common/x86_64-linux-gnu (install docs 1.13.0-1.21.0)",
        env_note="libpymo and AimetTensorQuantizer are top-level modules in "
        "aimet_common/x86_64-linux-gnu",
    ),
    ExportRule(
        below=(1, 24, 0),
        ld_library_path=("aimet_common",),
        pythonpath=(),
        note="native libraries moved into aimet_common; PYTHONPATH dropped (GIT commit 50bc69f6); "
        "LD_LIBRARY_PATH dropped in 1.24.0 (GIT commit 90ffc208)",
        env_note="the native libraries sit in aimet_common; no PYTHONPATH is needed",
    ),
    ExportRule(
        below=None,
        ld_library_path=(),
        pythonpath=(),
        note="no AIMET path is needed; a PYTHONPATH into site-packages shadows the installed "
        "package",
        env_note="no AIMET path is needed; a PYTHONPATH into site-packages would shadow the "
        "installed package, so remove any old aimet_common PYTHONPATH export",
    ),
)
NO_PATH_FROM: Version3 = (1, 24, 0)
"""From this release on no rule adds a path."""


def export_rule(version: Version3) -> ExportRule:
    """The rule that covers this release (``(1, 16, 2)`` for ``1.16.2.py37``)."""
    for rule in EXPORT_RULES:
        if rule.below is None or version < rule.below:
            return rule
    return EXPORT_RULES[-1]


__all__ = ["EXPORT_RULES", "NO_PATH_FROM", "ExportRule", "Version3", "export_rule"]
