# This file is run BY PATH inside the target interpreter (Python 3.6 or newer), never imported by
# aimetenv itself. It uses only the standard library and prints one JSON document between two
# cookie lines given on the command line, so that output from sitecustomize or .pth files cannot
# corrupt it. Keep it free of syntax newer than Python 3.6.
"""Report the facts of the interpreter that runs this file, as JSON."""

import importlib.machinery
import importlib.util
import json
import os
import platform
import sys
import sysconfig
from typing import Any, Dict, List, Optional  # noqa: F401  # used by type comments (Python 3.6)

ABI_MODULES = (
    "aimet_common",
    "aimet_torch",
    "aimet_onnx",
    "aimet_tensorflow",
    "libpymo",
    "torch",
    "torchvision",
    "onnx",
    "onnxruntime",
    "tensorflow",
)


def _glibc():
    # type: () -> Optional[str]
    try:
        text = os.confstr("CS_GNU_LIBC_VERSION")
    except (AttributeError, ValueError, OSError):
        return None
    if not text or not text.startswith("glibc "):
        return None
    return text.split(" ", 1)[1]


def _site_packages():
    # type: () -> List[str]
    paths = []
    for key in ("purelib", "platlib"):
        try:
            path = sysconfig.get_paths()[key]
        except KeyError:
            continue
        if path not in paths:
            paths.append(path)
    return paths


def _read_metadata_field(path, field):
    # type: (str, str) -> Optional[str]
    try:
        with open(path, encoding="utf-8", errors="replace") as handle:
            for line in handle:
                if not line.strip():
                    break
                if line.lower().startswith(field.lower() + ":"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        return None
    return None


def _distributions(paths):
    # type: (List[str]) -> Dict[str, Dict[str, Optional[str]]]
    """Name -> {version, location, installer} for every dist-info / egg-info in ``paths``."""
    found = {}  # type: Dict[str, Dict[str, Optional[str]]]
    for base in paths:
        try:
            entries = sorted(os.listdir(base))
        except OSError:
            continue
        for entry in entries:
            full = os.path.join(base, entry)
            if entry.endswith(".dist-info"):
                meta = os.path.join(full, "METADATA")
            elif entry.endswith(".egg-info"):
                meta = os.path.join(full, "PKG-INFO") if os.path.isdir(full) else full
            else:
                continue
            name = _read_metadata_field(meta, "Name")
            version = _read_metadata_field(meta, "Version")
            if not name:
                continue
            key = name.lower().replace("_", "-").replace(".", "-")
            if key in found:
                continue
            installer = None
            installer_file = os.path.join(full, "INSTALLER")
            if os.path.isfile(installer_file):
                try:
                    with open(installer_file, encoding="utf-8") as handle:
                        installer = handle.read().strip() or None
                except OSError:
                    installer = None
            found[key] = {
                "name": name,
                "version": version,
                "location": base,
                "installer": installer,
            }
    return found


def _module_origins():
    # type: () -> Dict[str, Any]
    """Where each module of interest would be imported from, without importing it."""
    origins = {}  # type: Dict[str, Any]
    for name in ABI_MODULES:
        try:
            spec = importlib.util.find_spec(name)
        except (ImportError, ValueError, AttributeError):
            spec = None
        if spec is None:
            origins[name] = None
            continue
        locations = list(spec.submodule_search_locations or [])
        origins[name] = {"origin": spec.origin, "locations": locations}
    return origins


def main():
    # type: () -> None
    begin, end = sys.argv[1], sys.argv[2]
    sites = _site_packages()
    search = [p for p in sys.path if p and os.path.isdir(p)]
    facts = {
        "probe_version": 1,
        "executable": sys.executable,
        "version": list(sys.version_info[:3]),
        "version_text": platform.python_version(),
        "implementation": sys.implementation.name,
        "abiflags": getattr(sys, "abiflags", ""),
        "soabi": sysconfig.get_config_var("SOABI"),
        "ext_suffixes": list(_ext_suffixes()),
        "shared_libpython": bool(sysconfig.get_config_var("Py_ENABLE_SHARED")),
        "libdir": sysconfig.get_config_var("LIBDIR"),
        "ldlibrary": sysconfig.get_config_var("LDLIBRARY"),
        "glibc": _glibc(),
        "machine": platform.machine(),
        "system": platform.system(),
        "prefix": sys.prefix,
        "base_prefix": getattr(sys, "base_prefix", sys.prefix),
        "is_venv": getattr(sys, "base_prefix", sys.prefix) != sys.prefix,
        "is_conda": os.path.isdir(os.path.join(sys.prefix, "conda-meta")),
        "site_packages": sites,
        "sys_path": sys.path,
        "cwd": os.getcwd(),
        "distributions": _distributions(search),
        "modules": _module_origins(),
        "environ": {
            key: os.environ.get(key)
            for key in ("PYTHONPATH", "LD_LIBRARY_PATH", "CONDA_PREFIX", "VIRTUAL_ENV", "PATH")
        },
    }
    pip = facts["distributions"].get("pip")
    facts["pip_version"] = pip["version"] if pip else None
    sys.stdout.write(begin + "\n" + json.dumps(facts) + "\n" + end + "\n")
    sys.stdout.flush()


def _ext_suffixes():
    # type: () -> List[str]
    return list(getattr(importlib.machinery, "EXTENSION_SUFFIXES", []))


if __name__ == "__main__":
    main()
