"""An install plan: everything ``install`` will do, as plain immutable data.

The resolver builds it without touching the network or the disk; ``install --dry-run`` prints it;
``install`` carries it out; the receipt stores it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    from collections.abc import Mapping

    from aimetenv.envs.facts import TargetFacts

PLAN_SCHEMA = "aimetenv.plan/1"
StepKind = Literal["pip-bound", "framework", "wheel", "requirement", "uninstall"]


@dataclass(frozen=True)
class PlannedWheel:
    """A file to fetch from the release host (or a mirror) before pip sees it."""

    filename: str
    url: str
    confidence: str
    find_links: bool = False
    sha256: str | None = None
    check_exists: bool = False
    """The name is inferred (no source quotes it): ask the host with HEAD before downloading."""
    quoted: str | None = None
    """The source that quotes this exact file name, when it is verified."""

    def to_dict(self) -> dict[str, Any]:
        """JSON form."""
        return {
            "filename": self.filename,
            "url": self.url,
            "sha256": self.sha256,
            "confidence": self.confidence,
            "find_links": self.find_links,
            "check_exists": self.check_exists,
            "quoted": self.quoted,
        }


@dataclass(frozen=True)
class Step:
    """One pip call (or pip's own bound) in install order."""

    kind: StepKind
    description: str
    requirements: tuple[str, ...] = ()
    wheel: PlannedWheel | None = None
    pip_args: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """JSON form."""
        return {
            "kind": self.kind,
            "description": self.description,
            "requirements": list(self.requirements),
            "wheel": None if self.wheel is None else self.wheel.filename,
            "pip_args": list(self.pip_args),
        }


@dataclass(frozen=True)
class SmokeSpec:
    """What must hold after the install: the packages import and libpymo loads natively."""

    packages: tuple[str, ...]
    native: str | None
    """The module that must load as a native extension, or None (no libpymo in this build)."""
    wrapper: str | None
    """A pure-Python wrapper that silently falls back to a stub; never proof on its own."""
    location: str | None
    needs_exports: bool
    note: str

    def to_dict(self) -> dict[str, Any]:
        """JSON form."""
        return {
            "packages": list(self.packages),
            "native": self.native,
            "wrapper": self.wrapper,
            "location": self.location,
            "needs_exports": self.needs_exports,
            "note": self.note,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> SmokeSpec:
        """Inverse of ``to_dict`` (receipts)."""
        native, wrapper, location = data.get("native"), data.get("wrapper"), data.get("location")
        return cls(
            packages=tuple(str(p) for p in data.get("packages") or ()),
            native=None if native is None else str(native),
            wrapper=None if wrapper is None else str(wrapper),
            location=None if location is None else str(location),
            needs_exports=bool(data.get("needs_exports")),
            note=str(data.get("note") or ""),
        )


@dataclass(frozen=True)
class ExportSpec:
    """The variables the release needs, as directories relative to site-packages."""

    ld_library_path: tuple[str, ...]
    pythonpath: tuple[str, ...]
    cuda: bool
    """A GPU variant: the CUDA settings of the envsetup.sh the release ships apply too."""
    note: str

    def to_dict(self) -> dict[str, Any]:
        """JSON form."""
        return {
            "LD_LIBRARY_PATH": list(self.ld_library_path),
            "PYTHONPATH": list(self.pythonpath),
            "cuda": self.cuda,
            "note": self.note,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ExportSpec:
        """Inverse of ``to_dict`` (receipts)."""
        return cls(
            ld_library_path=tuple(data.get("LD_LIBRARY_PATH") or ()),
            pythonpath=tuple(data.get("PYTHONPATH") or ()),
            cuda=bool(data.get("cuda")),
            note=str(data.get("note") or ""),
        )


@dataclass(frozen=True)
class InstallPlan:
    """The resolved answer for one variant and tag on one target."""

    tag: str
    variant: str
    era: str
    date: str | None
    source: Literal["github", "pypi"]
    source_note: str | None
    confidence: str
    evidence: str
    python_required: str | None
    """A human description of the Python the release needs, e.g. ``3.7`` or ``3.10 or newer``."""
    python_specifier: str | None
    python_for_new_env: str
    target: TargetFacts
    pip_bound: str | None
    glibc_floor: str | None
    cuda: str | None
    pins: Mapping[str, str]
    steps: tuple[Step, ...]
    smoke: SmokeSpec
    exports: ExportSpec
    notes: tuple[str, ...] = field(default=())
    requested_tag: str | None = None
    """The tag as typed when it is not the release's own (``latest``, ``v2.42.0``)."""

    @property
    def wheels(self) -> tuple[PlannedWheel, ...]:
        """The release-host files, in install order."""
        return tuple(s.wheel for s in self.steps if s.wheel is not None)

    @property
    def requirements(self) -> tuple[str, ...]:
        """The AIMET requirements pip takes from an index (PyPI plans)."""
        return tuple(r for s in self.steps if s.kind == "requirement" for r in s.requirements)

    def to_dict(self) -> dict[str, Any]:
        """The JSON document of ``resolve --json`` (schema ``aimetenv.plan/1``)."""
        return {
            "schema": PLAN_SCHEMA,
            "tag": self.tag,
            "requested_tag": self.requested_tag,
            "variant": self.variant,
            "era": self.era,
            "date": self.date,
            "source": self.source,
            "source_note": self.source_note,
            "confidence": self.confidence,
            "evidence": self.evidence,
            "python": {
                "required": self.python_required,
                "specifier": self.python_specifier,
                "new_env": self.python_for_new_env,
                "target": self.target.python_xy,
                "target_origin": self.target.origin,
            },
            "target": {
                "python": self.target.python_xy,
                "abi": f"{self.target.interpreter_tag}{self.target.abiflags}",
                "glibc": self.target.glibc_text,
                "machine": self.target.machine,
                "origin": self.target.origin,
            },
            "pip_bound": self.pip_bound,
            "glibc_floor": self.glibc_floor,
            "cuda": self.cuda,
            "pins": dict(self.pins),
            "wheels": [w.to_dict() for w in self.wheels],
            "requirements": list(self.requirements),
            "steps": [s.to_dict() for s in self.steps],
            "smoke": self.smoke.to_dict(),
            "exports": self.exports.to_dict(),
            "notes": list(self.notes),
        }


__all__ = [
    "PLAN_SCHEMA",
    "ExportSpec",
    "InstallPlan",
    "PlannedWheel",
    "SmokeSpec",
    "Step",
    "StepKind",
]
