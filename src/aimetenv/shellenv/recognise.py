"""Which AIMET release an environment holds, from its distribution names and versions alone.

``aimetenv env`` reads these from a receipt's site-packages listing or from one probe, so this
module stays light: ``catalog.names`` reads the names (no catalog, no ``packaging``).
``AimetTorch torch_cpu_1.16.2.py37``, ``aimet-torch torch-gpu-1.31.0``, ``aimet-torch
1.34.0.cu121``, ``aimet-onnx 2.0.0+cpu`` and ``aimet-torch 2.42.0`` are all recognised.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from aimetenv.catalog.names import parse_dist_name, parse_dist_version

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping

Accelerator = Literal["cpu", "gpu"]
Version3 = tuple[int, int, int]


@dataclass(frozen=True)
class InstalledRelease:
    """The AIMET release found in an environment."""

    version: Version3
    tag: str
    variant: str | None
    accelerator: Accelerator
    distribution: str
    """The distribution it was recognised from, e.g. ``AimetTorch torch_cpu_1.16.2.py37``."""
    assumed_gpu: bool = False
    """The build does not name its accelerator (era A, PyPI builds): treated as a GPU build."""

    @property
    def version_text(self) -> str:
        """``1.16.2``."""
        return ".".join(str(p) for p in self.version)


def parse_distribution(name: str, version: str) -> InstalledRelease | None:
    """The release an AIMET distribution stands for, or None when it is not one.

    ``AimetTorch torch_cpu_1.16.2.py37``, ``aimet-torch torch-gpu-1.31.0``,
    ``aimet-torch 1.34.0.cu121``, ``aimet-onnx 2.0.0+cpu``, ``aimet-torch 2.42.0``.
    """
    dist = parse_dist_name(name)
    found = parse_dist_version(version)
    if dist is None or dist.framework is None or found is None:
        return None
    if found.release < (1, 0, 0):  # aimet-tensorflow 0.0.1 and aimet-onnx 0.0.x are placeholders
        return None
    variant = found.token.replace("_", "-") if found.token else None
    if variant is None:
        variant = dist.token  # aimet_torch_gpu-1.32.0
    local = found.local
    if variant is None and local is not None and dist.framework != "common":
        variant = f"{dist.framework}-{'cpu' if local == 'cpu' else 'gpu'}"
    marks = f"{variant or ''} {local or ''}"
    if "gpu" in marks or re.search(r"\bcu\d+", marks):
        accelerator: Accelerator = "gpu"
        assumed = False
    elif "cpu" in marks:
        accelerator, assumed = "cpu", False
    else:
        accelerator, assumed = "gpu", True
    return InstalledRelease(
        version=found.release,
        tag=found.tag,
        variant=variant,
        accelerator=accelerator,
        distribution=f"{name} {version}",
        assumed_gpu=assumed,
    )


def identify_release(
    distributions: Iterable[tuple[str, str]],
) -> tuple[InstalledRelease | None, tuple[str, ...]]:
    """The AIMET release among ``(name, version)`` pairs, and notes about what was odd.

    A framework package (AimetTorch, aimet-onnx, ...) wins over AimetCommon, which names no
    framework; a build that names its variant wins over one that does not.
    """
    found = []
    for name, version in distributions:
        release = parse_distribution(name, version)
        if release is not None:
            dist = parse_dist_name(name)
            common = dist is not None and dist.framework == "common"
            found.append((common, release.variant is None, name.lower(), release))
    if not found:
        return None, ()
    found.sort(key=lambda item: item[:3])
    chosen = found[0][3]
    notes = []
    others = sorted({r.version for *_, r in found if r.version != chosen.version})
    if others:
        shown = ", ".join(".".join(str(p) for p in v) for v in others)
        notes.append(
            f"other AIMET versions are installed too ({shown}); the exports follow "
            f"{chosen.distribution}"
        )
    return chosen, tuple(notes)


def identify_from_probe(
    dists: Mapping[str, Any],
) -> tuple[InstalledRelease | None, str | None, tuple[str, ...]]:
    """The release in the probe's ``distributions``, the folder its files are in, and notes."""
    pairs: list[tuple[str, str]] = []
    locations: dict[str, str] = {}
    if isinstance(dists, dict):
        for entry in dists.values():
            if not isinstance(entry, dict):
                continue
            name, version = entry.get("name"), entry.get("version")
            if isinstance(name, str) and isinstance(version, str):
                pairs.append((name, version))
                location = entry.get("location")
                if isinstance(location, str):
                    locations[f"{name} {version}"] = location
    release, notes = identify_release(pairs)
    if release is None:
        return None, None, ()
    return release, locations.get(release.distribution), notes


def listed_distributions(site_dirs: Iterable[str]) -> list[tuple[str, str]]:
    """``(name, version)`` of the AIMET ``*.dist-info`` folders, from their names only (cheap)."""
    pairs = []
    for folder in site_dirs:
        try:
            entries = [child.name for child in Path(folder).iterdir()]
        except OSError:
            continue
        for entry in entries:
            if entry.lower().startswith("aimet") and entry.endswith(".dist-info"):
                name, _, version = entry[: -len(".dist-info")].partition("-")
                pairs.append((name, version))
    return pairs


__all__ = [
    "Accelerator",
    "InstalledRelease",
    "identify_from_probe",
    "identify_release",
    "listed_distributions",
    "parse_distribution",
]
