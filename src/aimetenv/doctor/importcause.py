"""Why an import failed, read from the error and the files: one cause, with its own fix.

``package-import`` knows only that ``import aimet_onnx`` raised. The same few causes stand
behind most such failures in AIMET's issue tracker, and each has another fix:

- a shared object that is not found: the ``native-libs`` check names what provides it;
- the failing file lives outside the environment: on PYTHONPATH, in the current folder, in the
  user site-packages, or (a library) in an ``LD_LIBRARY_PATH`` folder: take it off;
- an extension built for NumPy 1.x under NumPy 2 ("numpy.core.multiarray failed to import",
  "_ARRAY_API not found"): install ``numpy<2``;
- an undefined symbol from a framework built differently (a ``c10``/``at``/``torch`` symbol
  under another torch): install the framework the release was built against;
- a package whose dist-info is there but whose files are gone (uninstalling ``onnxruntime``
  after installing ``onnxruntime-gpu`` over it deletes the files both own; uninstalling
  aimet-torch deletes the ``aimet_common`` aimet-onnx needs): reinstall it.

The decisions read the diagnosis the import program returns (``loading.diagnose_import``),
the probe's facts and the files; nothing here runs a process.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from packaging.utils import canonicalize_name

from aimetenv.catalog.torchpairs import torchvision_for
from aimetenv.doctor.elf import ElfReadError
from aimetenv.doctor.fixes import index_args, pip_install_line
from aimetenv.doctor.inspect import dist_version
from aimetenv.doctor.providers import provider_of

if TYPE_CHECKING:
    from collections.abc import Mapping

    from aimetenv.doctor.context import DoctorContext

_CANNOT_OPEN = re.compile(r"([\w.+-]+\.so[\w.]*): cannot open shared object file")
_UNDEFINED = re.compile(r"(?:(/\S+?): )?undefined symbol: (\S+)")
_NUMPY_ABI = re.compile(
    r"numpy\.core\.(?:_multiarray_umath|multiarray) failed to import|_ARRAY_API not found|"
    r"compiled using NumPy 1\.x cannot be run|module compiled against (?:ABI|API) version"
)
_NO_MODULE = re.compile(r"No module named '([\w.]+)'")
_FROM_MODULE = re.compile(r"cannot import name '[\w.]+' from '([\w.]+)'")
_ABSOLUTE = re.compile(r"(/[\w.+@/-]+)")
_SYMBOL_OWNERS = (
    (re.compile(r"^_ZN?K?\d*(?:3c10|2at|5torch|6caffe2)"), "torch"),
    (re.compile(r"^_ZN?K?\d*10tensorflow|^TF_"), "tensorflow"),
    (re.compile(r"^_ZN?K?\d*11onnxruntime|^Ort"), "onnxruntime"),
)
_LIBRARY_OWNERS = (
    (re.compile(r"^lib(c10|torch|shm)"), "torch"),
    (re.compile(r"^libtensorflow"), "tensorflow"),
    (re.compile(r"^libonnxruntime"), "onnxruntime"),
)
_FRAMEWORK_DISTS = {
    "torch": ("torch",),
    "tensorflow": ("tensorflow", "tensorflow-cpu", "tensorflow-gpu"),
    "onnxruntime": ("onnxruntime", "onnxruntime-gpu"),
}


@dataclass(frozen=True)
class ImportCause:
    """What made an import fail, in one line, with the fix for that cause."""

    kind: str
    """``missing-library``, ``outside-environment``, ``numpy-abi``, ``undefined-symbol``,
    ``files-gone``."""
    line: str
    hint: str
    suspect: str | None = None
    """The check that names this cause too; ``doctor.causes`` points at it when it failed."""


def _norm(path: str) -> str:
    return os.path.normpath(Path(path).absolute())


def _inside(path: str, folder: str) -> bool:
    return _norm(path).startswith(_norm(folder).rstrip("/") + "/")


def _entries(value: str | None) -> list[str]:
    return [p for p in (value or "").split(":") if p]


def _without(name: str, value: str | None, drop: str) -> str:
    kept = [p for p in _entries(value) if _norm(p) != _norm(drop)]
    return f"export {name}={':'.join(kept)}" if kept else f"unset {name}"


def _failing_files(diagnosis: Mapping[str, Any], error: str) -> list[str]:
    """The files the failure names, most specific first: the extension, the path, the frames."""
    files: list[str] = []
    for key in ("extension", "path"):
        value = diagnosis.get(key)
        if isinstance(value, str) and value:
            files.append(value)
    files.extend(_ABSOLUTE.findall(error))
    files.extend(str(f) for f in reversed(diagnosis.get("files") or []))
    seen: list[str] = []
    for item in files:
        if item not in seen and item.startswith("/"):
            seen.append(item)
    return seen


def _outside(ctx: DoctorContext, diagnosis: Mapping[str, Any], error: str) -> ImportCause | None:
    """The failing file (or a library it loads) comes from outside the environment."""
    sites = [str(p) for p in ctx.facts.get("site_packages") or []]
    prefix = str(ctx.facts.get("prefix") or "")
    pythonpath = ctx.user_env("PYTHONPATH")
    library_path = ctx.user_env("LD_LIBRARY_PATH")
    user_site = diagnosis.get("user_site")
    sys_path = [str(p) for p in ctx.facts.get("sys_path") or []]
    cwd_first = "" in sys_path or any(_norm(p) == _norm(ctx.cwd) for p in sys_path if p)
    for path in _failing_files(diagnosis, error):
        if any(_inside(path, site) for site in sites):
            continue
        for entry in _entries(pythonpath):
            if _inside(path, entry):
                return ImportCause(
                    "outside-environment",
                    f"{path} comes from PYTHONPATH ({entry}), not from the environment",
                    f"Take {entry} off PYTHONPATH: {_without('PYTHONPATH', pythonpath, entry)}",
                    "environment",
                )
        if isinstance(user_site, str) and user_site and _inside(path, user_site):
            return ImportCause(
                "outside-environment",
                f"{path} comes from the user site-packages ({user_site}), not from the environment",
                f"Remove {path} from the user site-packages, or keep Python out of it: "
                "export PYTHONNOUSERSITE=1",
                "environment",
            )
        if cwd_first and _inside(path, ctx.cwd):
            return ImportCause(
                "outside-environment",
                f"{path} comes from the current folder ({ctx.cwd}), not from the environment",
                f"Run Python from another folder than {ctx.cwd}, or rename {path}.",
                "environment",
            )
        for entry in _entries(library_path):
            if _inside(path, entry) and not (prefix and _inside(path, prefix)):
                return _library_path_cause(path, entry, library_path)
    return _library_via_path(ctx, diagnosis, library_path)


def _library_path_cause(path: str, entry: str, value: str | None) -> ImportCause:
    return ImportCause(
        "outside-environment",
        f"{path} is loaded from LD_LIBRARY_PATH ({entry}), not the copy the package was built with",
        f"Take {entry} off LD_LIBRARY_PATH: {_without('LD_LIBRARY_PATH', value, entry)}",
        "environment",
    )


def _library_via_path(
    ctx: DoctorContext, diagnosis: Mapping[str, Any], value: str | None
) -> ImportCause | None:
    """An extension whose libraries the loader would take from an LD_LIBRARY_PATH folder."""
    extension = diagnosis.get("extension")
    if not isinstance(extension, str) or not value or not Path(extension).is_file():
        return None
    try:
        analysis = ctx.loader().analyze(extension)
    except (ElfReadError, OSError):
        return None
    prefix = str(ctx.facts.get("prefix") or "")
    for resolution in analysis.resolutions:
        if resolution.via != "LD_LIBRARY_PATH" or (prefix and _inside(resolution.path, prefix)):
            continue
        entry = str(Path(resolution.path).parent)
        listed = next((e for e in _entries(value) if _norm(e) == _norm(entry)), entry)
        return _library_path_cause(resolution.path, listed, value)
    return None


def _numpy_abi(ctx: DoctorContext, diagnosis: Mapping[str, Any], error: str) -> ImportCause | None:
    if not _NUMPY_ABI.search(error):
        return None
    numpy = dist_version(ctx.facts, "numpy") or "?"
    extension = diagnosis.get("extension")
    which = f"{extension} was" if isinstance(extension, str) and extension else "an extension is"
    python = str(ctx.target.python)
    fix = pip_install_line(python, ["numpy<2"], index_args(ctx.receipt(), "numpy"))
    return ImportCause(
        "numpy-abi",
        f"{which} built for NumPy 1.x and NumPy {numpy} is installed",
        f"Install NumPy 1.x: {fix}",
        "requirements",
    )


def _framework_of(ctx: DoctorContext, symbol: str, extension: str | None) -> str | None:
    for pattern, framework in _SYMBOL_OWNERS:
        if pattern.search(symbol):
            return framework
    if extension is None:
        return None
    try:
        needed = ctx.elves.get(extension).needed
    except (ElfReadError, OSError):
        return None
    for soname in needed:
        for pattern, framework in _LIBRARY_OWNERS:
            if pattern.search(soname):
                return framework
    return None


def framework_of_library(soname: str) -> str | None:
    """``torch`` for ``libc10.so``, ``tensorflow`` for ``libtensorflow_framework.so.2``."""
    return next((f for pattern, f in _LIBRARY_OWNERS if pattern.search(soname)), None)


def framework_fix(ctx: DoctorContext, framework: str) -> tuple[str, str | None]:
    """The pip line that installs the framework build the release pins, and that pin."""
    info = ctx.release()
    pins = dict(info.plan.pins) if info is not None and info.plan is not None else {}
    dists = _FRAMEWORK_DISTS.get(framework, (framework,))
    name = next((d for d in dists if d in pins), dists[0])
    pin = pins.get(name)
    python = str(ctx.target.python)
    if pin is None:
        tag = info.summary.tag if info is not None else "this AIMET release"
        return f"Install the {framework} {tag} was built against (the framework check).", None
    requirements = [f"{name}=={pin}"]
    if name == "torch" and dist_version(ctx.facts, "torchvision") is not None:
        vision = pins.get("torchvision") or torchvision_for(pin)
        if vision is not None:
            requirements.append(f"torchvision=={vision}")
    args = index_args(ctx.receipt(), name)
    if not args and "+" in pin:
        args = ("-f", "https://download.pytorch.org/whl/torch_stable.html")
    return pip_install_line(python, requirements, args), pin


def _undefined_symbol(
    ctx: DoctorContext, diagnosis: Mapping[str, Any], error: str
) -> ImportCause | None:
    match = _UNDEFINED.search(error)
    if match is None:
        return None
    symbol = match.group(2)
    extension = match.group(1) or diagnosis.get("extension")
    extension = extension if isinstance(extension, str) else None
    framework = _framework_of(ctx, symbol, extension)
    which = extension or "an extension module"
    if framework is None:
        return ImportCause(
            "undefined-symbol",
            f"{which} needs the symbol {symbol}, which no loaded library defines",
            f"Reinstall the release: {ctx.reinstall_command()}",
            "native-libs",
        )
    installed = next(
        (
            f"{d} {dist_version(ctx.facts, d)}"
            for d in _FRAMEWORK_DISTS[framework]
            if dist_version(ctx.facts, d)
        ),
        framework,
    )
    fix, pin = framework_fix(ctx, framework)
    built = f" (the release pins {pin})" if pin else ""
    return ImportCause(
        "undefined-symbol",
        f"{which} was built against another {framework} build than the installed "
        f"{installed}{built}: {symbol} is undefined",
        fix,
        "framework",
    )


def _record_paths(info: Path) -> list[str]:
    try:
        lines = (info / "RECORD").read_text(encoding="utf-8").splitlines()
    except OSError:
        return []
    return [line.split(",", 1)[0] for line in lines if line.strip()]


def gone_files(location: str, name: str, top: str) -> tuple[int, int]:
    """``(gone, listed)``: files under ``top/`` that the distribution's RECORD lists."""
    key = canonicalize_name(name)
    for info in sorted(Path(location).glob("*.dist-info")):
        if canonicalize_name(info.name.removesuffix(".dist-info").rsplit("-", 1)[0]) != key:
            continue
        listed = [
            p for p in _record_paths(info) if p.split("/", 1)[0] == top and "__pycache__/" not in p
        ]
        gone = [p for p in listed if not (Path(location) / p).exists()]
        return len(gone), len(listed)
    return 0, 0


def _files_gone(ctx: DoctorContext, error: str) -> ImportCause | None:
    missing = _NO_MODULE.search(error) or _FROM_MODULE.search(error)
    if missing is None:
        return None
    top = missing.group(1).split(".", 1)[0]
    distributions = ctx.facts.get("distributions")
    if not isinstance(distributions, dict):
        return None
    for key, entry in sorted(distributions.items()):
        if not isinstance(entry, dict) or not entry.get("location"):
            continue
        gone, listed = gone_files(str(entry["location"]), key, top)
        if not gone:
            continue
        name, version = canonicalize_name(key), str(entry.get("version"))
        python = str(ctx.target.python)
        fix = pip_install_line(
            python,
            [f"{name}=={version}"],
            ("--force-reinstall", "--no-deps", *index_args(ctx.receipt(), name)),
        )
        return ImportCause(
            "files-gone",
            f"{name} {version} is installed (its dist-info is there), but {gone} of its "
            f"{listed} files in {top}/ are gone: another package that shares {top}/ was "
            "uninstalled or installed over it",
            f"Reinstall {name}: {fix}",
        )
    return None


def _missing_library(ctx: DoctorContext, error: str) -> ImportCause | None:
    del ctx  # the native-libs check has the files; this needs only the name
    match = _CANNOT_OPEN.search(error)
    if match is None:
        return None
    soname = match.group(1)
    provider = provider_of(soname)
    return ImportCause(
        "missing-library",
        f"the shared object {soname} is not found",
        f"Provide {soname}: {provider}"
        if provider
        else f"Provide {soname}; the native-libs check names the file that needs it and "
        "where the loader looked.",
        "native-libs",
    )


def classify(ctx: DoctorContext, diagnosis: Mapping[str, Any], error: str) -> ImportCause | None:
    """The cause of a failed import, or None when the error says nothing known."""
    text = " ".join((error, str(diagnosis.get("error") or "")))
    return (
        _outside(ctx, diagnosis, text)
        or _missing_library(ctx, text)
        or _numpy_abi(ctx, diagnosis, text)
        or _undefined_symbol(ctx, diagnosis, text)
        or _files_gone(ctx, text)
    )


__all__ = ["ImportCause", "classify", "framework_fix", "framework_of_library", "gone_files"]
