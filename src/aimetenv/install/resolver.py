"""The resolver: (variant, tag, target facts) -> an install plan. Pure: no I/O, no globals.

Every refusal is a ``UsageError`` with one line that says what the release needs and what the
target has, so ``resolve``, ``install`` and ``download`` stop before anything is fetched.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal
from urllib.parse import quote

from packaging.specifiers import SpecifierSet
from packaging.tags import parse_tag
from packaging.version import Version

from aimetenv.catalog.lookup import find_release, find_variant, said_tag
from aimetenv.catalog.names import is_compatible, parse_wheel_name, tags_text
from aimetenv.envs.facts import TargetFacts, assumed_facts, parse_xy_tuple, with_glibc
from aimetenv.errors import UsageError
from aimetenv.install.plan import ExportSpec, InstallPlan, PlannedWheel, SmokeSpec, Step

if TYPE_CHECKING:
    from packaging.tags import Tag

    from aimetenv.catalog.model import Catalog, PublishedFile, Release, Source, Variant

SourceChoice = Literal["auto", "github", "pypi"]


class PythonMismatchError(UsageError):
    """The target's Python is not one the release can use."""

    code = "python-mismatch"

    def __init__(self, label: str, needed: str, have: str, who: str, hint: str) -> None:
        """Keep the parts so callers can say it in their own terms."""
        super().__init__(f"{label} needs Python {needed}; {who} is Python {have}", hint=hint)
        self.label = label
        self.needed = needed
        self.have = have


@dataclass(frozen=True)
class Target:
    """What the plan is for: a probed interpreter, or an assumed one on this machine."""

    facts: TargetFacts | None = None
    python: tuple[int, int] | None = None
    """``--python-version X.Y``: the Python of an environment that does not exist yet."""
    glibc: tuple[int, int] | None = None
    """The glibc to plan for (the host's, or ``--glibc``)."""
    machine: str | None = None


@dataclass(frozen=True)
class Options:
    """Where files come from. None means the catalog's default host."""

    source: SourceChoice = "auto"
    mirror: str | None = None
    index_url: str | None = None
    torch_index: str | None = None
    torch_find_links: str | None = None


def resolve(
    catalog: Catalog, variant: str, tag: str, target: Target, options: Options | None = None
) -> InstallPlan:
    """Resolve a variant and a tag for a target into an install plan, or refuse with a reason."""
    options = options or Options()
    release = find_release(catalog, tag, variant)
    found = find_variant(catalog, release, variant)
    said = said_tag(tag, release.tag, found.id)
    kinds = _source_order(release, found, options.source)
    first_error: UsageError | None = None
    for position, kind in enumerate(kinds):
        source = found.source(kind)
        if source is None:
            continue
        try:
            facts = _facts_for(source, release, target)
            _check_compatible(release, found, source, facts)
        except UsageError as error:
            if first_error is None:
                first_error = error
            continue
        note = None
        if position > 0 and first_error is not None:
            note = f"using {kind} because the {kinds[0]} files do not fit: {first_error.message}"
        plan = _build_plan(
            catalog,
            release=release,
            variant=found,
            source=source,
            facts=facts,
            options=options,
            source_note=note,
        )
        if said is None:
            return plan
        return dataclasses.replace(plan, requested_tag=tag.strip(), notes=(said, *plan.notes))
    if first_error is not None:
        raise first_error
    wanted = options.source
    raise UsageError(
        f"release {release.tag} has no {wanted} source for {found.id}",
        hint=f"Leave out --source to use what {release.tag} offers.",
        code="source-not-offered",
    )


def _source_order(
    release: Release, variant: Variant, choice: SourceChoice
) -> list[Literal["github", "pypi"]]:
    if choice in ("github", "pypi"):
        return [choice]
    preferred: Literal["github", "pypi"] = release.prefer
    other: Literal["github", "pypi"] = "github" if preferred == "pypi" else "pypi"
    return [k for k in (preferred, other) if variant.source(k) is not None]


def _facts_for(source: Source, release: Release, target: Target) -> TargetFacts:
    if target.facts is not None:
        facts = target.facts
        if target.glibc is not None:
            facts = with_glibc(facts, target.glibc)
        return facts
    python = target.python
    if python is None:
        default = source.python_default or release.python_default or "3.10"
        python = parse_xy_tuple(default) or (3, 10)
    return assumed_facts(python, glibc=target.glibc, machine=target.machine)


def describe_python(specifier: str | None) -> str | None:
    """``==3.7.*`` -> ``3.7``; ``>=3.10`` -> ``3.10 or newer``."""
    if specifier is None:
        return None
    spec = SpecifierSet(specifier)
    parts = []
    for item in sorted(spec, key=str):
        if item.operator == "==" and item.version.endswith(".*"):
            parts.append(item.version[:-2])
        elif item.operator == ">=":
            parts.append(f"{item.version} or newer")
        else:
            parts.append(str(item))
    return ", ".join(parts)


def _check_compatible(
    release: Release, variant: Variant, source: Source, facts: TargetFacts
) -> None:
    label = f"{release.tag} {variant.id}"
    if source.python is not None and Version(f"{facts.python_xy}.0") not in SpecifierSet(
        source.python
    ):
        raise PythonMismatchError(
            label,
            describe_python(source.python) or source.python,
            facts.python_xy,
            _who(facts),
            _python_hint(source, release, facts),
        )
    floor = parse_xy_tuple(source.glibc)
    if floor is not None and facts.glibc is not None and facts.glibc < floor:
        raise UsageError(
            f"{label} needs glibc {source.glibc} or newer; {_who(facts)} has glibc {facts.glibc_text}",
            hint="Use a newer distribution (glibc 2.34 is Ubuntu 22.04), or an older AIMET release.",
            code="glibc-too-old",
        )
    supported = facts.supported_tags()
    for tags, what in _tag_sets(source):
        if not is_compatible(tags, supported):
            raise _platform_error(label, what, tags, facts, supported)


def _who(facts: TargetFacts) -> str:
    if facts.origin == "probe":
        return f"the target interpreter {facts.executable or ''}".rstrip()
    return "the requested target"


def _python_hint(source: Source, release: Release, facts: TargetFacts) -> str:
    default = source.python_default or release.python_default
    if default and facts.origin == "probe":
        return f"Install into a new environment (aimetenv creates one with Python {default})."
    if default:
        return (
            f"Pass --python-version {default}, or leave it out (Python {default} is the default)."
        )
    return "Choose another release; 'aimetenv releases' shows each release's Python."


def _tag_sets(source: Source) -> list[tuple[frozenset[Tag], str]]:
    if source.kind == "github":
        return [(parse_wheel_name(w.filename).tags, w.filename) for w in source.wheels]
    if source.files:
        every = frozenset(t for f in source.files for t in parse_wheel_name(f.filename).tags)
        names = ", ".join(f.filename for f in source.files)
        return [(every, names if len(source.files) > 1 else source.files[0].filename)]
    tags: set[Tag] = set()
    for text in source.wheel_tags:
        tags.update(parse_tag(text))
    return [(frozenset(tags), source.requirement or "the PyPI wheel")]


def _platform_error(
    label: str, what: str, tags: frozenset[Tag], facts: TargetFacts, supported: frozenset[Tag]
) -> UsageError:
    pairs = {(s.interpreter, s.abi) for s in supported}
    fitting = frozenset(t for t in tags if (t.interpreter, t.abi) in pairs)
    needed_glibc = _manylinux_floor(fitting)
    if needed_glibc is not None and facts.glibc is not None and facts.glibc < needed_glibc:
        return UsageError(
            f"{label}: {what} needs glibc {needed_glibc[0]}.{needed_glibc[1]} or newer "
            f"(manylinux_{needed_glibc[0]}_{needed_glibc[1]}); {_who(facts)} has glibc {facts.glibc_text}",
            hint="Use a newer distribution (glibc 2.34 is Ubuntu 22.04), or an older AIMET release.",
            code="glibc-too-old",
        )
    return UsageError(
        f"{label}: {what} is built for {tags_text(tags)}; it is not supported on {facts.describe()}",
        hint="Check the Python version (--python-version) and the machine; 'aimetenv releases "
        f"{label.split(maxsplit=1)[0]}' lists what each variant needs.",
        code="platform-mismatch",
    )


def _manylinux_floor(tags: frozenset[Tag]) -> tuple[int, int] | None:
    floors = []
    for tag in tags:
        if tag.platform.startswith("manylinux_"):
            parts = tag.platform.split("_")
            floors.append((int(parts[1]), int(parts[2])))
    return min(floors) if floors else None


def _url(base: str, tag: str, filename: str) -> str:
    return f"{base.rstrip('/')}/{quote(tag, safe='')}/{quote(filename, safe='')}"


def _build_plan(
    catalog: Catalog,
    *,
    release: Release,
    variant: Variant,
    source: Source,
    facts: TargetFacts,
    options: Options,
    source_note: str | None,
) -> InstallPlan:
    pip_bound = _pip_bound(catalog, source, facts)
    steps: list[Step] = []
    if pip_bound is not None:
        steps.append(
            Step(
                kind="pip-bound",
                description=f"bring pip inside {pip_bound} (only when it is not already)",
                requirements=(f"pip{pip_bound}",),
            )
        )
    notes: list[str] = []
    if source.kind == "github":
        base = options.mirror or catalog.hosts.release
        find_links = options.torch_find_links or catalog.hosts.torch_find_links
        for wheel in source.wheels:
            planned = PlannedWheel(
                filename=wheel.filename,
                url=_url(base, release.tag, wheel.filename),
                confidence="verified" if wheel.verified else "inferred",
                find_links=wheel.find_links,
                sha256=source.sha256.get(wheel.filename),
                check_exists=not wheel.verified,
                quoted=wheel.quoted,
            )
            steps.append(
                Step(
                    kind="wheel",
                    description=f"install {wheel.filename}",
                    wheel=planned,
                    pip_args=("-f", find_links) if wheel.find_links else (),
                )
            )
        inferred = [w.filename for w in source.wheels if not w.verified]
        if inferred:
            count = (
                "the file name"
                if len(source.wheels) == 1
                else f"{len(inferred)} of the {len(source.wheels)} file names"
            )
            notes.append(
                f"{count} of {release.tag} {variant.id} {'is' if len(inferred) == 1 else 'are'} "
                "inferred (no source quotes them): install asks the release host for each one "
                "(HEAD) before downloading"
            )
    else:
        if source.torch == "cpu-index":
            index = options.torch_index or catalog.hosts.torch_cpu_index
            names = ("torch", "torchvision")
            requirements = tuple(
                f"{name}=={source.pins[name]}" if name in source.pins else name for name in names
            )
            steps.append(
                Step(
                    kind="framework",
                    description="install the CPU builds of torch and torchvision from one index",
                    requirements=requirements,
                    pip_args=("--index-url", index),
                )
            )
        assert source.requirement is not None  # noqa: S101  # validated by the catalog loader
        published = None if options.index_url else _pypi_file(source, facts)
        if published is not None:
            steps.append(
                Step(
                    kind="wheel",
                    description=f"install {published.filename} (from PyPI, sha256 checked)",
                    wheel=PlannedWheel(
                        filename=published.filename,
                        url=published.url,
                        confidence=source.confidence,
                        sha256=published.sha256,
                    ),
                )
            )
        else:
            steps.append(
                Step(
                    kind="requirement",
                    description=f"install {source.requirement}",
                    requirements=(source.requirement,),
                    pip_args=("--index-url", options.index_url) if options.index_url else (),
                )
            )
            if source.files and options.index_url:
                notes.append(
                    f"pip takes {source.requirement} from {options.index_url}; aimetenv checks "
                    "the sha256 of PyPI's own files only"
                )
    # The swap the release's install docs ask for (onnxruntime -> onnxruntime-gpu), after AIMET.
    for old, new in source.replace.items():
        steps.append(
            Step(
                kind="uninstall",
                description=f"remove {old}, which {new} replaces",
                requirements=(old,),
            )
        )
        steps.append(
            Step(
                kind="requirement",
                description=f"install {new} in place of {old}",
                requirements=(new,),
                pip_args=("--index-url", options.index_url) if options.index_url else (),
            )
        )
    if source.note:
        notes.append(source.note)
    if release.note:
        notes.append(release.note)
    return InstallPlan(
        tag=release.tag,
        variant=variant.id,
        era=release.era,
        date=release.date,
        source=source.kind,
        source_note=source_note,
        confidence=source.confidence,
        evidence=source.evidence,
        python_required=describe_python(source.python),
        python_specifier=source.python,
        python_for_new_env=source.python_default or release.python_default or facts.python_xy,
        target=facts,
        pip_bound=pip_bound,
        glibc_floor=source.glibc,
        cuda=_planned_cuda(source, variant, facts),
        pins=dict(source.pins),
        steps=tuple(steps),
        smoke=_smoke(catalog, release, variant),
        exports=_exports(catalog, release, variant),
        notes=tuple(notes),
    )


def _planned_cuda(source: Source, variant: Variant, facts: TargetFacts) -> str | None:
    """The CUDA of the PyPI file pip picks where that file says its own, else the variant's."""
    picked = _pypi_file(source, facts) if source.files else None
    return (picked.cuda if picked is not None else None) or variant.cuda


def _pypi_file(source: Source, facts: TargetFacts) -> PublishedFile | None:
    """The source's file pip would pick for the target: the most specific tags that fit."""
    supported = facts.supported_tags()

    def rank(item: PublishedFile) -> tuple[int, int, int, str]:
        tags = parse_wheel_name(item.filename).tags
        best = max(
            (
                (
                    int(t.platform != "any"),
                    int(t.abi != "none"),
                    int(t.interpreter.startswith("cp")),
                )
                for t in tags
                if t in supported
            ),
            default=(-1, -1, -1),
        )
        return (*best, item.filename)

    fitting = [
        f for f in source.files if is_compatible(parse_wheel_name(f.filename).tags, supported)
    ]
    return max(fitting, key=rank) if fitting else None


def _pip_bound(catalog: Catalog, source: Source, facts: TargetFacts) -> str | None:
    bounds = [b for b in (source.pip, catalog.pip_by_python.get(facts.python_xy)) if b]
    if not bounds:
        return None
    return str(SpecifierSet(",".join(bounds)))


def _smoke(catalog: Catalog, release: Release, variant: Variant) -> SmokeSpec:
    framework = variant.frameworks[-1]
    package = variant.packages[-1]
    rule = catalog.libpymo_rule(release.version, framework)
    if rule is None:
        return SmokeSpec(variant.packages, None, None, None, needs_exports=False, note="no rule")

    def fill(text: str | None) -> str | None:
        return None if text is None else text.replace("{pkg}", package)

    export_rule = catalog.export_rule(release.version)
    needs_exports = bool(export_rule and (export_rule.pythonpath or export_rule.ld_library_path))
    return SmokeSpec(
        packages=variant.packages,
        native=fill(rule.native),
        wrapper=fill(rule.wrapper),
        location=fill(rule.location),
        needs_exports=needs_exports,
        note=rule.note,
    )


def _exports(catalog: Catalog, release: Release, variant: Variant) -> ExportSpec:
    rule = catalog.export_rule(release.version)
    if rule is None:
        return ExportSpec((), (), cuda=variant.accelerator == "gpu", note="no rule")
    return ExportSpec(
        ld_library_path=rule.ld_library_path,
        pythonpath=rule.pythonpath,
        cuda=variant.accelerator == "gpu",
        note=rule.note,
    )


__all__ = ["Options", "PythonMismatchError", "SourceChoice", "Target", "describe_python", "resolve"]
