"""The PyPI part of the catalog, built from PyPI's JSON API: every file, every variant it serves.

``build_section`` turns the ``{version: files}`` of each project (``releaseapi.parse_pypi``) into
the ``pypi:`` section of ``data/catalog.yaml`` (written by ``scripts/pypi-catalog``) and of the
user overlay (written by ``releases --refresh``); ``catalog.load`` reads it back. The section is
deterministic: the same answers give the same text.

Which variants a PyPI release serves, and the steps each needs, is decided here, once:

- aimet-torch 1.x (1.30.1 - 1.35.0) is one GPU build: ``torch-gpu``. Where the files of one
  release were built for different CUDA versions (1.33.0: cp310 CUDA 12, cp38 CUDA 11.8), each
  file says its own ``cuda`` (``_FILE_CUDA``) and the plan takes the CUDA of the file it picks.
- aimet-torch 2.x serves ``torch-gpu`` (torch from the index, a CUDA build) and, from 2.4.0,
  ``torch-cpu`` (torch and torchvision from the PyTorch CPU index first). The ``_libpymo`` of
  2.0.0 - 2.3.0 needs ``libcublas.so.12``, which a CPU torch does not bring.
- aimet-onnx 2.x serves ``onnx-gpu`` and, from 2.1.0, ``onnx-cpu`` (the ``_libpymo`` of 2.0.0
  needs ``libcublas.so.11``). ``onnx-gpu`` swaps onnxruntime for onnxruntime-gpu from 2.8.0, the
  release whose notes say the PyPI wheel works with onnxruntime-gpu.
- 2.0 - 2.27 carry a ``_libpymo`` built for CPython 3.10 only, whatever Requires-Python says,
  so their Python is ``==3.10.*`` and ``python_reason`` says why.
- aimet-torch 2.0 - 2.29 are tagged ``-none-any`` but their native libraries need glibc 2.34
  (``glibc``); from 2.30 the wheel is pure Python.

Yanked versions, versions whose every file is yanked, and the placeholder projects
(``PLACEHOLDERS``) are listed under ``refused`` with the reason.
"""

from __future__ import annotations

import functools
import re
from typing import TYPE_CHECKING, Any

from packaging.version import InvalidVersion, Version

from aimetenv.catalog.names import classify_tags, is_release_tag

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

    from aimetenv.catalog.model import Catalog
    from aimetenv.catalog.releaseapi import PypiFile
    from aimetenv.fetch.http import HttpClient

PROJECTS = ("aimet-torch", "aimet-onnx")
"""The PyPI projects that hold AIMET releases."""
PLACEHOLDERS = {
    "aimet-tensorflow": "a placeholder upload with an empty package, not an AIMET release; "
    "AIMET for TensorFlow comes from the release host (--variant tf-cpu or tf-gpu)",
    "aimet": "an unrelated project of another author that shares the name; AIMET is "
    "aimet-torch and aimet-onnx",
}
"""PyPI projects with AIMET-like names that are not AIMET releases, and why."""

_CPYTHON_310_ONLY = (
    "its _libpymo is an extension for CPython 3.10 only (cpython-310), so on another Python "
    "the install succeeds and libpymo silently falls back to a stub; PyPI's Requires-Python "
    "is wider"
)
_NOTES = {
    ("aimet-torch", "1.31.1"): "PyTorch 1.13 GPU (docs: 'For PyTorch 1.13 GPU you should use "
    "aimet-torch==1.31.1')",
    ("aimet-torch", "1.32.1"): "PyTorch 2.1.2 GPU with CUDA 12.1 (docs: aimet-torch==1.32.1.post1)",
    ("aimet-torch", "1.32.1.post1"): "PyTorch 2.1.2 GPU with CUDA 12.1 (docs: "
    "aimet-torch==1.32.1.post1)",
    ("aimet-torch", "1.32.2"): "PyTorch 2.2.2 GPU with CUDA 12.1 (docs: aimet-torch>=1.32.2)",
    ("aimet-torch", "1.33.0"): "the cp310 wheel is a CUDA 12 build: its METADATA pins "
    "torch==2.2.2, cumm-cu120 and spconv-cu120 (docs at 1.33.5: 'For Pytorch 2.2.2 GPU with "
    "CUDA 12.1, use aimet-torch>=1.32.2'); the cp38 wheel pins cumm-cu118 and spconv-cu118, so "
    "its CUDA is 11.8 (inferred from those pins)",
}
_FILE_CUDA = {
    "aimet_torch-1.33.0-cp310-cp310-manylinux_2_34_x86_64.whl": "12.1",
    "aimet_torch-1.33.0-cp38-cp38-manylinux_2_29_x86_64.whl": "11.8",
}
"""Files whose CUDA differs by Python build; the release's entry in ``_NOTES`` cites why."""


def _v(text: str) -> Version:
    return Version(text)


def served_variants(project: str, version: Version) -> dict[str, dict[str, Any]]:
    """The variants a PyPI release of ``project`` serves, each with its extra steps."""
    if project == "aimet-torch":
        if version.major < 2:  # noqa: PLR2004  # the 1.x PyPI builds
            return {"torch-gpu": {}}
        variants: dict[str, dict[str, Any]] = {"torch-gpu": {}}
        if version >= _v("2.4.0"):
            variants["torch-cpu"] = {"torch": "cpu-index"}
        return variants
    if project == "aimet-onnx":
        gpu: dict[str, Any] = {}
        if version >= _v("2.8.0"):
            gpu["replace"] = {"onnxruntime": "onnxruntime-gpu"}
        variants = {"onnx-gpu": gpu}
        if version >= _v("2.1.0"):
            variants["onnx-cpu"] = {"torch": "cpu-index"}
        return variants
    return {}


def _withheld_note(project: str, version: Version) -> str | None:
    if project == "aimet-torch" and _v("2.0.0") <= version < _v("2.4.0"):
        return (
            "torch-cpu is not offered from PyPI for this release: its _libpymo needs "
            "libcublas.so.12, which the CPU build of torch does not bring"
        )
    if project == "aimet-onnx" and version < _v("2.1.0"):
        return (
            "onnx-cpu is not offered from PyPI for this release: its _libpymo needs libcublas.so.11"
        )
    if project == "aimet-onnx" and version < _v("2.8.0"):
        return (
            "onnx-gpu keeps the CPU onnxruntime the wheel asks for: only the 2.8.0 release notes "
            "say the PyPI wheel works with onnxruntime-gpu"
        )
    return None


def _python_rule(project: str, version: Version) -> tuple[str, str] | None:
    if project in PROJECTS and _v("2.0.0") <= version < _v("2.28.0"):
        return "==3.10.*", _CPYTHON_310_ONLY
    return None


def _glibc_rule(project: str, version: Version) -> str | None:
    """The glibc the native libraries need where the wheel's tags do not say it (``-none-any``)."""
    if project == "aimet-torch" and _v("2.0.0") <= version < _v("2.30.0"):
        return "2.34"
    return None


def _file_entry(item: PypiFile) -> dict[str, Any]:
    entry = {
        "file": item.filename,
        "url": item.url,
        "size": item.size,
        "sha256": item.sha256,
        "requires_python": item.requires_python,
        "uploaded": _utc(item.uploaded),
    }
    if item.filename in _FILE_CUDA:
        entry["cuda"] = _FILE_CUDA[item.filename]
    return entry


def _utc(text: str | None) -> str | None:
    """``2026-10-18T12:00:01.123456Z`` -> ``2026-10-18T12:00:01Z`` (seconds are enough)."""
    if text is None:
        return None
    found = re.match(r"^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})", text)
    return f"{found.group(1)}Z" if found else text


def _usable(item: PypiFile) -> bool:
    """A Linux or pure wheel with everything install needs (Windows builds are not for us)."""
    return (
        not item.yanked
        and classify_tags(item.filename) is not None
        and bool(item.url)
        and item.sha256 is not None
        and item.size is not None
        and item.uploaded is not None
    )


def _era_for(catalog: Catalog | None, version: Version, fallback: str) -> str:
    if catalog is None:
        return fallback
    older = [r for r in catalog.releases if r.version <= version]
    return older[-1].era if older else catalog.releases[0].era


def _yank_reason(files: Sequence[PypiFile]) -> str:
    reasons = sorted({f.yanked_reason for f in files if f.yanked_reason})
    said = f" ({'; '.join(reasons)})" if reasons else ""
    return f"yanked on PyPI{said}"


def _refusal(version_text: str, files: Sequence[PypiFile]) -> str | None:
    """Why this version is not an installable release, or None when it is one."""
    try:
        version = Version(version_text)
    except InvalidVersion:
        return "not a version"
    if not any(_usable(f) for f in files):
        if files and all(f.yanked for f in files):
            return _yank_reason(files)
        return "no Linux wheel with a URL, size and sha256 on PyPI"
    if not is_release_tag(version_text) or version.major < 1:
        return "not an AIMET release version"
    return None


def build_section(  # the inputs of the section, all read before anything is written
    projects: Mapping[str, Mapping[str, Sequence[PypiFile]]],
    *,
    index: str,
    catalog: Catalog | None = None,
    placeholders: Mapping[str, Sequence[str]] | None = None,
) -> dict[str, Any]:
    """The ``pypi:`` section for what PyPI said about ``projects`` (and the placeholders).

    ``catalog`` (without a PyPI part of its own) gives the era of a version it does not know;
    ``placeholders`` maps a ``PLACEHOLDERS`` project to the versions PyPI lists for it.
    """
    refused: list[dict[str, str]] = []
    by_version: dict[str, dict[str, Any]] = {}
    for project in sorted(projects):
        for version_text, files in projects[project].items():
            reason = _refusal(version_text, files)
            if reason is not None:
                refused.append({"project": project, "version": version_text, "reason": reason})
                continue
            version = Version(version_text)
            usable = [f for f in files if _usable(f)]
            variants = served_variants(project, version)
            if not variants:
                continue
            entry: dict[str, Any] = {
                "files": [_file_entry(f) for f in sorted(usable, key=lambda f: f.filename)],
                "variants": {k: variants[k] for k in sorted(variants)},
            }
            rule = _python_rule(project, version)
            if rule is not None:
                entry["python"], entry["python_reason"] = rule
            glibc = _glibc_rule(project, version)
            if glibc is not None:
                entry["glibc"] = glibc
            notes = [n for n in (_NOTES.get((project, version_text)),) if n]
            withheld = _withheld_note(project, version)
            if withheld:
                notes.append(withheld)
            if notes:
                entry["note"] = "; ".join(notes)
            release = by_version.setdefault(version_text, {"version": version_text, "projects": {}})
            release["projects"][project] = entry
    for project in sorted(placeholders or {}):
        refused.extend(
            {"project": project, "version": version_text, "reason": PLACEHOLDERS[project]}
            for version_text in (placeholders or {})[project]
        )
    releases = []
    for version_text in sorted(by_version, key=Version):
        release = by_version[version_text]
        uploads = sorted(f["uploaded"] for p in release["projects"].values() for f in p["files"])
        version = Version(version_text)
        releases.append(
            {
                "version": version_text,
                "date": uploads[0][:10],
                "era": _era_for(catalog, version, "P" if version.major < 2 else "M"),  # noqa: PLR2004
                "projects": {k: release["projects"][k] for k in sorted(release["projects"])},
            }
        )
    refused.sort(key=lambda r: (r["project"], _sort_key(r["version"])))
    return {"index": index.rstrip("/"), "refused": refused, "releases": releases}


def _sort_key(text: str) -> tuple[int, Version | str]:
    try:
        return (0, Version(text))
    except InvalidVersion:
        return (1, text)


def _read_one(
    client: HttpClient, *, index: str, project: str
) -> dict[str, tuple[PypiFile, ...]] | None:
    from aimetenv.catalog.releaseapi import fetch_pypi  # noqa: PLC0415  # requests only when reading

    return fetch_pypi(client, index, project)


def read_pypi(
    client: HttpClient, index: str
) -> tuple[dict[str, dict[str, tuple[PypiFile, ...]]], dict[str, tuple[str, ...]]]:
    """What PyPI's JSON API says of ``PROJECTS`` and ``PLACEHOLDERS`` (a 404 is an empty project).

    A network failure raises ``NetworkError``: nothing half-read is ever returned.
    """
    from aimetenv.catalog.releaseapi import concurrently  # noqa: PLC0415  # requests only when reading
    from aimetenv.errors import NetworkError  # noqa: PLC0415  # as above

    names = (*PROJECTS, *sorted(PLACEHOLDERS))
    read = concurrently(
        client, [functools.partial(_read_one, index=index, project=p) for p in names]
    )
    found: dict[str, dict[str, tuple[PypiFile, ...]] | None] = {}
    for project, answer in zip(names, read):  # the first failure in this order is raised
        if isinstance(answer, NetworkError):
            raise answer
        found[project] = answer
    projects = {project: found[project] or {} for project in PROJECTS}
    if not any(projects.values()):
        raise NetworkError(
            f"{index} knows none of {', '.join(PROJECTS)}: it is not PyPI's JSON API",
            hint="Check --pypi-url (or AIMETENV_PYPI_JSON).",
            code="not-found",
        )
    placeholders = {
        project: tuple(sorted(found[project] or {}, key=_sort_key))
        for project in sorted(PLACEHOLDERS)
    }
    return projects, placeholders


MARKER = "# --- The PyPI part, generated by scripts/pypi-catalog from PyPI's JSON API."
"""The line that starts the generated part of ``data/catalog.yaml``; everything after it is
rewritten by the script."""


def render_section(section: Mapping[str, Any]) -> str:
    """The YAML text of the section (``pypi:`` and below), the same for the same section."""
    import yaml  # noqa: PLC0415  # only when writing

    return yaml.safe_dump({"pypi": dict(section)}, sort_keys=False, allow_unicode=True, width=100)


def replace_section(catalog_text: str, section: Mapping[str, Any]) -> str:
    """``catalog_text`` with everything from ``MARKER`` on replaced by ``section``."""
    head = catalog_text.split(MARKER, 1)[0].rstrip("\n")
    return (
        f"{head}\n\n{MARKER}\n"
        "# Do not edit it by hand: run scripts/pypi-catalog and review the diff. docs/catalog.md\n"
        "# says what each field means.\n"
        f"{render_section(section)}"
    )


__all__ = [
    "MARKER",
    "PLACEHOLDERS",
    "PROJECTS",
    "build_section",
    "read_pypi",
    "render_section",
    "replace_section",
    "served_variants",
]
