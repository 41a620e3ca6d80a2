"""Which copy of a module Python would import, found from the files along ``sys.path``.

The probe reports where AIMET's own packages and the frameworks would come from; the modules
AIMET imports (numpy, scipy, whatever its metadata requires) are looked up here instead, by
walking the target's ``sys.path`` the way Python's path finder does for a regular package, a
module file or an extension module, without starting the interpreter again.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Sequence

DEPENDENCIES = (
    "numpy",
    "scipy",
    "onnx",
    "onnxruntime",
    "torch",
    "torchvision",
    "tensorflow",
)
"""What AIMET imports, whatever its metadata says."""


_IMPORT_NAMES = {
    "onnxruntime_gpu": "onnxruntime",
    "tensorflow_cpu": "tensorflow",
    "tensorflow_gpu": "tensorflow",
    "pyyaml": "yaml",
    "scikit_learn": "sklearn",
    "pillow": "PIL",
    "opencv_python": "cv2",
    "opencv_python_headless": "cv2",
}


def import_name(distribution: str) -> str:
    """The module a distribution is usually imported as (``onnxruntime-gpu`` -> onnxruntime)."""
    name = distribution.lower().replace("-", "_").replace(".", "_")
    return _IMPORT_NAMES.get(name, name)


def _holds(folder: str, name: str, suffixes: Sequence[str]) -> str | None:
    """The file in ``folder`` that ``import name`` would load, if any."""
    package = Path(folder, name, "__init__.py")
    if package.is_file():
        return str(package)
    for suffix in (*suffixes, ".py"):
        candidate = Path(folder, name + suffix)
        if candidate.is_file():
            return str(candidate)
    return None


def first_copy(
    name: str, sys_path: Sequence[str], *, cwd: str, suffixes: Sequence[str]
) -> tuple[str, str] | None:
    """``(sys.path entry, file)`` of the copy of ``name`` that Python imports first."""
    for entry in sys_path:
        folder = cwd if entry in ("", ".") else entry
        found = _holds(folder, name, suffixes)
        if found is not None:
            return entry or cwd, found
    return None


def same_folder(a: str, b: str) -> bool:
    """Two spellings of one folder."""
    return os.path.normpath(Path(a).absolute()) == os.path.normpath(Path(b).absolute())


__all__ = ["DEPENDENCIES", "first_copy", "import_name", "same_folder"]
