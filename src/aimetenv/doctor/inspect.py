"""Facts read from the files of installed packages, without importing them.

Where a package would be imported from (the probe's ``find_spec`` origins), whether torch and
torchvision are CPU or CUDA builds (their local version tag, else what their native libraries
link), and which shared objects the AIMET packages hold.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from aimetenv.doctor.elf import ElfReadError, is_elf

if TYPE_CHECKING:
    from collections.abc import Iterator, Mapping

    from aimetenv.doctor.elf import ElfCache

Build = Literal["cpu", "cuda"]
AIMET_PACKAGES = ("aimet_common", "aimet_torch", "aimet_onnx", "aimet_tensorflow", "aimet_tf")
_CUDA_SONAMES = re.compile(r"^(libtorch_cuda|libc10_cuda|libcudart|libcublas|libcudnn)[.-]")
_TORCH_VERSION_CUDA = re.compile(r"""^cuda(?::\s*[^=]+)?\s*=\s*['"]([0-9.]+)['"]""", re.MULTILINE)
_SHARED_OBJECT = re.compile(r"\.so($|\.)")


def module_dirs(facts: Mapping[str, Any], name: str) -> list[str]:
    """The folders a package would be imported from (first one wins), per the probe."""
    modules = facts.get("modules")
    entry = modules.get(name) if isinstance(modules, dict) else None
    if not isinstance(entry, dict):
        return []
    locations = [str(p) for p in entry.get("locations") or [] if p]
    if locations:
        return locations
    origin = entry.get("origin")
    if isinstance(origin, str) and origin.endswith("__init__.py"):
        return [str(Path(origin).parent)]
    return []


def module_origin(facts: Mapping[str, Any], name: str) -> str | None:
    """The file a module would be imported from, or its first folder for a namespace package."""
    modules = facts.get("modules")
    entry = modules.get(name) if isinstance(modules, dict) else None
    if not isinstance(entry, dict):
        return None
    origin = entry.get("origin")
    if isinstance(origin, str) and origin not in ("namespace", "built-in", "frozen"):
        return origin
    dirs = module_dirs(facts, name)
    return dirs[0] if dirs else None


def distribution(facts: Mapping[str, Any], key: str) -> dict[str, Any] | None:
    """The probe's entry for a distribution (normalised name), if installed."""
    distributions = facts.get("distributions")
    entry = distributions.get(key) if isinstance(distributions, dict) else None
    return entry if isinstance(entry, dict) else None


def dist_version(facts: Mapping[str, Any], key: str) -> str | None:
    """The installed version of a distribution."""
    entry = distribution(facts, key)
    return None if entry is None or entry.get("version") is None else str(entry["version"])


def _local(version: str | None) -> str | None:
    if version is None or "+" not in version:
        return None
    return version.split("+", 1)[1]


def torch_build(facts: Mapping[str, Any]) -> Build | None:
    """Whether the installed torch is a CPU or a CUDA build; None when torch is absent."""
    version = dist_version(facts, "torch")
    if version is None:
        return None
    local = _local(version)
    if local is not None:
        return "cuda" if local.startswith("cu") else "cpu"
    for folder in module_dirs(facts, "torch"):
        if Path(folder, "lib", "libtorch_cuda.so").exists():
            return "cuda"
    return "cpu"


def torch_cuda_version(facts: Mapping[str, Any]) -> str | None:
    """The CUDA version torch was built for (``12.1``), from its version tag or torch/version.py."""
    local = _local(dist_version(facts, "torch"))
    if local is not None and local.startswith("cu") and local[2:].isdigit():
        digits = local[2:]
        return f"{digits[:-1]}.{digits[-1]}"
    for folder in module_dirs(facts, "torch"):
        try:
            text = Path(folder, "version.py").read_text(encoding="utf-8")
        except OSError:
            continue
        match = _TORCH_VERSION_CUDA.search(text)
        if match:
            return match.group(1)
    return None


def torchvision_build(facts: Mapping[str, Any], elves: ElfCache) -> Build | None:
    """CPU or CUDA build of torchvision: its version tag, else what ``torchvision/_C.so`` links."""
    version = dist_version(facts, "torchvision")
    if version is None:
        return None
    local = _local(version)
    if local is not None:
        return "cuda" if local.startswith("cu") else "cpu"
    for folder in module_dirs(facts, "torchvision"):
        try:
            names = sorted(p.name for p in Path(folder).iterdir())
        except OSError:
            continue
        for name in names:
            if name.startswith("_C") and name.endswith(".so"):
                try:
                    needed = elves.get(str(Path(folder, name))).needed
                except ElfReadError:
                    continue
                return "cuda" if any(_CUDA_SONAMES.match(n) for n in needed) else "cpu"
    return None


def accelerator_hints(facts: Mapping[str, Any]) -> dict[str, Literal["cpu", "gpu"] | None]:
    """Per framework, whether the environment looks like a CPU or a GPU install."""
    torch = torch_build(facts)
    onnx: Literal["cpu", "gpu"] | None = (
        "gpu"
        if distribution(facts, "onnxruntime-gpu")
        else "cpu"
        if distribution(facts, "onnxruntime")
        else None
    )
    tf: Literal["cpu", "gpu"] | None = (
        "gpu"
        if distribution(facts, "tensorflow-gpu")
        else "cpu"
        if distribution(facts, "tensorflow-cpu") or distribution(facts, "tensorflow")
        else None
    )
    return {
        "torch": None if torch is None else "gpu" if torch == "cuda" else "cpu",
        "onnx": onnx,
        "tf": tf,
    }


def aimet_package_dirs(facts: Mapping[str, Any], site_packages: str | None) -> list[str]:
    """The folders of the AIMET packages, where Python would import them from.

    Each package's import location comes from the probe; the ``*.libs`` folders auditwheel adds
    (``aimet_torch.libs``) are taken from next to it. With no probe answer, ``site_packages``.
    """
    found: list[str] = []
    for name in AIMET_PACKAGES:
        for folder in module_dirs(facts, name):
            if folder not in found:
                found.append(folder)
            libs = folder + ".libs"
            if Path(libs).is_dir() and libs not in found:
                found.append(libs)
    if not found and site_packages:
        for name in AIMET_PACKAGES:
            candidate = Path(site_packages, name)
            if candidate.is_dir():
                found.append(str(candidate))
    return found


def shared_objects(folders: list[str], limit: int = 2000) -> Iterator[str]:
    """Every ELF file named ``*.so`` or ``*.so.N`` under ``folders`` (symlinked copies once)."""
    seen: set[str] = set()
    count = 0
    for top in folders:
        for root, dirs, files in os.walk(top):
            dirs.sort()
            for name in sorted(files):
                if not _SHARED_OBJECT.search(name):
                    continue
                path = str(Path(root, name))
                real = os.path.realpath(path)
                if real in seen or not is_elf(path):
                    continue
                seen.add(real)
                count += 1
                if count > limit:
                    return
                yield path


__all__ = [
    "AIMET_PACKAGES",
    "Build",
    "accelerator_hints",
    "aimet_package_dirs",
    "dist_version",
    "distribution",
    "module_dirs",
    "module_origin",
    "shared_objects",
    "torch_build",
    "torch_cuda_version",
    "torchvision_build",
]
