"""The release catalog as immutable values. Loading and validation live in ``catalog.load``."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

from aimetenv.catalog.exportrules import ExportRule, export_rule
from aimetenv.catalog.names import FRAMEWORK_PACKAGES

if TYPE_CHECKING:
    from collections.abc import Mapping

    from packaging.specifiers import SpecifierSet
    from packaging.version import Version

SourceKind = Literal["github", "pypi"]
CONFIDENCE_LEVELS = ("verified-asset", "verified-doc", "verified-pypi", "inferred", "unverified")


@dataclass(frozen=True)
class WheelFile:
    """One file on the release host, in install order."""

    filename: str
    find_links: bool = False
    """This pip call needs the PyTorch find-links page (local-version torch pins)."""
    quoted: str | None = None
    """The source that quotes this exact file name (an issue, the release page, a file listing),
    or None: the name is inferred, and install asks the host for it before relying on it."""

    @property
    def verified(self) -> bool:
        """Whether a cited source quotes this exact file name."""
        return self.quoted is not None

    @property
    def evidence(self) -> str:
        """``verified (quoted by ...)`` or ``inferred``, as ``releases TAG`` shows it."""
        return f"verified (quoted by {self.quoted})" if self.quoted else "inferred"


@dataclass(frozen=True)
class PublishedFile:
    """One file of a PyPI release, as PyPI's JSON API lists it (``scripts/pypi-catalog``)."""

    filename: str
    url: str
    size: int
    sha256: str
    requires_python: str | None
    uploaded: str
    """When PyPI received the file, ISO 8601 in UTC."""
    cuda: str | None = None
    """The CUDA this one file was built for, where it differs from its sibling files (the
    release's note cites the evidence); None: the variant's ``cuda`` holds."""


@dataclass(frozen=True)
class Refusal:
    """A version on PyPI that is not an installable AIMET release, and why."""

    project: str
    version: str
    reason: str


@dataclass(frozen=True)
class Source:
    """Where a variant's files come from: the release host (github) or PyPI."""

    kind: SourceKind
    confidence: str
    evidence: str
    wheels: tuple[WheelFile, ...] = ()
    requirement: str | None = None
    wheel_tags: tuple[str, ...] = ()
    python: str | None = None
    """A specifier the target Python must satisfy (native code built for one ABI), or None."""
    python_default: str | None = None
    glibc: str | None = None
    pip: str | None = None
    """A bound on pip itself, e.g. ``<24.1`` for wheels whose versions are not PEP 440."""
    pins: Mapping[str, str] = field(default_factory=dict)
    torch: str | None = None
    """``cpu-index``: install torch and torchvision from the PyTorch CPU index first."""
    replace: Mapping[str, str] = field(default_factory=dict)
    """Distributions to swap after install, e.g. onnxruntime -> onnxruntime-gpu."""
    note: str | None = None
    sha256: Mapping[str, str] = field(default_factory=dict)
    """Known digests by file name (from ``releases --refresh``)."""
    files: tuple[PublishedFile, ...] = ()
    """A PyPI source's files with their URLs and digests; install fetches and checks the one
    that fits the target. Empty for a source that names only a requirement."""
    python_reason: str | None = None
    """Why ``python`` is stricter than the Requires-Python the files declare."""

    @property
    def verified(self) -> bool:
        """Whether every file name is quoted by a source (release host) or listed by PyPI."""
        if self.kind == "github":
            return all(w.verified for w in self.wheels)
        return self.confidence == "verified-pypi"


@dataclass(frozen=True)
class Variant:
    """One build of a release: a framework, an accelerator and its sources."""

    id: str
    framework: str
    accelerator: Literal["cpu", "gpu"]
    cuda: str | None = None
    aliases: tuple[str, ...] = ()
    shipped: bool = True
    github: Source | None = None
    pypi: Source | None = None
    reason: str | None = None
    """Why an unshipped variant is refused, with the source that says so (``shipped: false``)."""

    @property
    def frameworks(self) -> tuple[str, ...]:
        """The framework keys, ``("tf", "torch")`` for the combined early build."""
        return tuple(self.framework.split("+"))

    @property
    def packages(self) -> tuple[str, ...]:
        """The importable AIMET packages this variant installs."""
        return tuple(FRAMEWORK_PACKAGES[f] for f in self.frameworks)

    def source(self, kind: SourceKind) -> Source | None:
        """The source of that kind, if the variant has one."""
        return self.github if kind == "github" else self.pypi


@dataclass(frozen=True)
class Release:
    """One AIMET release: a tag on the release host and/or a version on PyPI."""

    tag: str
    version: Version
    era: str
    date: str | None
    hosting: tuple[str, ...]
    prefer: SourceKind
    confidence: str
    evidence: str
    variants: Mapping[str, Variant]
    python: str | None = None
    python_default: str | None = None
    glibc: str | None = None
    note: str | None = None

    def find_variant(self, variant_id: str) -> Variant | None:
        """The variant with this canonical id or alias, if the release has it."""
        if variant_id in self.variants:
            return self.variants[variant_id]
        for candidate in self.variants.values():
            if variant_id in candidate.aliases:
                return candidate
        return None


@dataclass(frozen=True)
class LibpymoRule:
    """Where libpymo lives for a range of releases and how to load it natively."""

    versions: SpecifierSet
    frameworks: tuple[str, ...]
    native: str | None
    wrapper: str | None
    location: str | None
    note: str

    def matches(self, version: Version, framework: str) -> bool:
        """Whether the rule applies to this release version and framework."""
        if version not in self.versions:
            return False
        return not self.frameworks or framework in self.frameworks


@dataclass(frozen=True)
class Era:
    """A packaging era: a span of releases that share a naming and layout."""

    id: str
    versions: str
    summary: str


@dataclass(frozen=True)
class Hosts:
    """Default hosts; --mirror, --torch-index and --torch-find-links replace them."""

    release: str
    torch_find_links: str
    torch_cpu_index: str


@dataclass(frozen=True)
class Catalog:
    """Every known release, the era rules and the tags that are not releases."""

    schema: int
    hosts: Hosts
    pip_by_python: Mapping[str, str]
    eras: Mapping[str, Era]
    libpymo_rules: tuple[LibpymoRule, ...]
    non_releases: Mapping[str, str]
    releases: tuple[Release, ...]
    overlay_path: str | None = None
    refused: tuple[Refusal, ...] = ()
    """Versions on PyPI that are not installable releases (yanked, placeholders)."""

    def get(self, tag: str) -> Release | None:
        """The release with exactly this tag."""
        for release in self.releases:
            if release.tag == tag:
                return release
        return None

    def refusal(self, version: str) -> Refusal | None:
        """The first refusal of this version on PyPI, if there is one."""
        for item in self.refused:
            if item.version == version:
                return item
        return None

    def libpymo_rule(self, version: Version, framework: str) -> LibpymoRule | None:
        """The first libpymo rule that matches."""
        for rule in self.libpymo_rules:
            if rule.matches(version, framework):
                return rule
        return None

    def export_rule(self, version: Version) -> ExportRule | None:
        """The export rule of this release (``catalog.exportrules``; there always is one)."""
        return export_rule((version.major, version.minor, version.micro))

    def replace_releases(
        self,
        releases: tuple[Release, ...],
        overlay_path: str,
        refused: tuple[Refusal, ...] | None = None,
    ) -> Catalog:
        """A copy with another release list (after merging the user overlay)."""
        return dataclasses.replace(
            self,
            releases=releases,
            overlay_path=overlay_path,
            refused=self.refused if refused is None else refused,
        )


__all__ = [
    "CONFIDENCE_LEVELS",
    "Catalog",
    "Era",
    "Hosts",
    "LibpymoRule",
    "PublishedFile",
    "Refusal",
    "Release",
    "Source",
    "SourceKind",
    "Variant",
    "WheelFile",
]
