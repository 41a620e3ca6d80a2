"""Which environment variables an installed AIMET release needs, from the target's real files.

``aimetenv env`` runs from shell start-up files, so this module stays light: it reads the install
receipt when there is one (JSON only), and otherwise probes the interpreter once and recognises
the release from its installed distributions. It never loads the release catalog: the three
version rules below mirror the catalog's ``exports:`` section (a test keeps them equal).

Releases up to 1.21 need ``<site>/aimet_common/x86_64-linux-gnu`` on ``PYTHONPATH`` and
``LD_LIBRARY_PATH`` (and ``<site>/aimet_common`` on ``LD_LIBRARY_PATH``); 1.22 and 1.23 need
``<site>/aimet_common`` on ``LD_LIBRARY_PATH``; 1.24 and later, 2.x included, need no AIMET path
at all, and a ``PYTHONPATH`` into site-packages would shadow the installed package. GPU builds
also get the CUDA settings of the ``envsetup.sh`` the release ships, translated line by line.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from aimetenv.errors import UsageError

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Mapping

    from aimetenv.envs.facts import TargetFacts
    from aimetenv.envs.targets import EnvTarget
    from aimetenv.install.receipt import Receipt
    from aimetenv.runner import Runner

Accelerator = Literal["cpu", "gpu"]
Source = Literal["receipt", "probe"]
Action = Literal["prepend", "set"]
Version3 = tuple[int, int, int]

LD_LIBRARY_PATH = "LD_LIBRARY_PATH"
PYTHONPATH = "PYTHONPATH"
# Patterns are compiled on first use (re caches them): ``aimetenv env`` runs from shell start-up
# files, and a receipt needs only one of them.
_NAME_PATTERN = r"^[A-Za-z_][A-Za-z0-9_]*$"


@dataclass(frozen=True)
class ExportRule:
    """The AIMET directories a range of releases needs, relative to site-packages."""

    below: Version3 | None
    """The first release the rule no longer covers; None for the newest rule."""
    ld_library_path: tuple[str, ...]
    pythonpath: tuple[str, ...]
    note: str


# The catalog's ``exports:`` rules in order (tests/test_envexports.py keeps them equal).
EXPORT_RULES: tuple[ExportRule, ...] = (
    ExportRule(
        (1, 22, 0),
        ("aimet_common/x86_64-linux-gnu", "aimet_common"),
        ("aimet_common/x86_64-linux-gnu",),
        "libpymo and AimetTensorQuantizer are top-level modules in aimet_common/x86_64-linux-gnu",
    ),
    ExportRule(
        (1, 24, 0),
        ("aimet_common",),
        (),
        "the native libraries sit in aimet_common; no PYTHONPATH is needed",
    ),
    ExportRule(
        None,
        (),
        (),
        "no AIMET path is needed; a PYTHONPATH into site-packages would shadow the installed "
        "package, so remove any old aimet_common PYTHONPATH export",
    ),
)
NO_PATH_FROM: Version3 = (1, 24, 0)


def export_rule(version: Version3) -> ExportRule:
    """The rule that covers this release version."""
    for rule in EXPORT_RULES:
        if rule.below is None or version < rule.below:
            return rule
    return EXPORT_RULES[-1]


@dataclass(frozen=True)
class Export:
    """One variable: directories to put in front (each only if absent), or a value to set."""

    name: str
    action: Action
    values: tuple[str, ...]
    """Directories in their final order (prepend), or the one value (set)."""
    origin: str
    """``aimet`` (the release's own directories) or the envsetup.sh it came from."""

    def to_dict(self) -> dict[str, Any]:
        """JSON form."""
        data: dict[str, Any] = {"name": self.name, "action": self.action, "origin": self.origin}
        if self.action == "prepend":
            data["directories"] = list(self.values)
        else:
            data["value"] = self.values[0]
        return data


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


@dataclass(frozen=True)
class EnvExports:
    """Everything ``aimetenv env`` prints for one environment."""

    key: str
    """What names the environment in marker lines: its prefix, or the interpreter."""
    label: str
    reason: str
    release: InstalledRelease
    source: Source
    site_packages: str
    exports: tuple[Export, ...]
    notes: tuple[str, ...]
    envsetup: str | None

    @property
    def variables(self) -> tuple[str, ...]:
        """The variable names touched, first use first."""
        seen: list[str] = []
        for export in self.exports:
            if export.name not in seen:
                seen.append(export.name)
        return tuple(seen)

    def summary(self) -> str:
        """``AIMET 1.16.2.py37 (torch-cpu)``."""
        variant = f" ({self.release.variant})" if self.release.variant else ""
        return f"AIMET {self.release.tag}{variant}"


# ---------------------------------------------------------------------------------------------
# Recognising a release from distribution names and versions

_VERSION_PATTERN = r"(?<![\d.])(\d+)\.(\d+)\.(\d+)((?:\.post\d+)?)((?:\.py37)?)"
_LEGACY_NAMES = {
    "aimetcommon": "common",
    "aimettorch": "torch",
    "aimettensorflow": "tf",
    "aimetonnx": "onnx",
}
_NEW_NAME_PATTERN = r"^aimet-(torch|tensorflow|tf|onnx|common)(?:-(cpu|gpu))?$"
_VARIANT_WORD_PATTERN = r"^(?P<token>[a-z][a-z0-9]*(?:[-_][a-z0-9]+)*?)[-_]\d+\.\d+\.\d+"
_LOCAL_PATTERN = r"\d[.+](cu\d+|cpu)\b"


def normalize(name: str) -> str:
    """PEP 503 name normalisation (``AimetTorch`` -> ``aimettorch``, ``aimet_torch`` -> ``aimet-torch``)."""
    return re.sub(r"[-_.]+", "-", name).lower()


def _framework(name: str) -> str | None:
    key = normalize(name)
    if key in _LEGACY_NAMES:
        return _LEGACY_NAMES[key]
    match = re.match(_NEW_NAME_PATTERN, key)
    if match is None:
        return None
    return "tf" if match.group(1) in ("tf", "tensorflow") else match.group(1)


def parse_distribution(name: str, version: str) -> InstalledRelease | None:
    """The release an AIMET distribution stands for, or None when it is not one.

    ``AimetTorch torch_cpu_1.16.2.py37``, ``aimet-torch torch-gpu-1.31.0``,
    ``aimet-torch 1.34.0.cu121``, ``aimet-onnx 2.0.0+cpu``, ``aimet-torch 2.42.0``.
    """
    framework = _framework(name)
    match = re.search(_VERSION_PATTERN, version)
    if framework is None or match is None:
        return None
    numbers = (int(match.group(1)), int(match.group(2)), int(match.group(3)))
    if numbers < (1, 0, 0):  # aimet-tensorflow 0.0.1 and aimet-onnx 0.0.x are placeholders
        return None
    tag = f"{numbers[0]}.{numbers[1]}.{numbers[2]}{match.group(4)}{match.group(5)}"
    token_match = re.match(_VARIANT_WORD_PATTERN, version.lower())
    variant = token_match.group("token").replace("_", "-") if token_match else None
    name_match = re.match(_NEW_NAME_PATTERN, normalize(name))
    if variant is None and name_match is not None and name_match.group(2):
        variant = f"{_framework(name)}-{name_match.group(2)}"  # aimet_torch_gpu-1.32.0
    local = re.search(_LOCAL_PATTERN, version.lower())
    if variant is None and local is not None and framework != "common":
        variant = f"{framework}-{'cpu' if local.group(1) == 'cpu' else 'gpu'}"
    marks = f"{variant or ''} {local.group(1) if local else ''}"
    if "gpu" in marks or re.search(r"\bcu\d+", marks):
        accelerator: Accelerator = "gpu"
        assumed = False
    elif "cpu" in marks:
        accelerator, assumed = "cpu", False
    else:
        accelerator, assumed = "gpu", True
    return InstalledRelease(
        version=numbers,
        tag=tag,
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
            framework = _framework(name)
            found.append((framework == "common", release.variant is None, name.lower(), release))
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


# ---------------------------------------------------------------------------------------------
# envsetup.sh


def find_envsetup(site: str) -> str | None:
    """``<site>/aimet_*/bin/envsetup.sh`` (aimet_common up to 1.30, aimet_<fw> from 1.31)."""
    found = sorted(Path(site).glob("aimet_*/bin/envsetup.sh"))
    return str(found[0]) if found else None


_ASSIGN_PATTERN = r"^(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)=(.*)$"
_EMPTY_GUARD_PATTERN = r'^if \[ -z "?\$\{?([A-Za-z_][A-Za-z0-9_]*)\}?"? \]; then \1=(""|\'\')?; fi$'


def _unquote(value: str) -> str | None:
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":  # noqa: PLR2004  # a quote at each end
        inner = value[1:-1]
        return None if value[0] in inner else inner
    if any(c in value for c in "\"'`\\ ;&|()<>"):
        return None
    return value


def translate_envsetup(text: str, origin: str) -> tuple[tuple[Export, ...], tuple[str, ...]]:
    """The exports of an AIMET ``envsetup.sh``, and a note for each line that was not understood.

    ``export X=a:b:$X`` becomes a prepend of ``a`` and ``b`` (each only if absent, so running it
    twice changes nothing); ``export X=value`` becomes a set. The guard that gives an unset
    ``LD_LIBRARY_PATH`` an empty value is not needed: the prepend leaves no stray ``:``.
    """
    exports: list[Export] = []
    notes: list[str] = []
    for number, raw in enumerate(text.split("\n"), start=1):
        line = raw.strip()
        if not line or line.startswith("#") or re.match(_EMPTY_GUARD_PATTERN, line):
            continue
        match = re.match(_ASSIGN_PATTERN, line)
        value = _unquote(match.group(2)) if match else None
        if match is None or value is None:
            notes.append(f"line {number} of {origin} was not translated: {line[:80]}")
            continue
        name = match.group(1)
        parts = value.split(":")
        self_refs = {f"${name}", f"${{{name}}}"}
        if parts and parts[-1] in self_refs and not any("$" in p for p in parts[:-1]):
            directories = tuple(p for p in parts[:-1] if p)
            if directories:
                exports.append(Export(name, "prepend", directories, origin))
        elif "$" not in value:
            exports.append(Export(name, "set", (value,), origin))
        else:
            notes.append(f"line {number} of {origin} was not translated: {line[:80]}")
    return tuple(exports), tuple(notes)


# ---------------------------------------------------------------------------------------------
# Putting it together


def _site_for(relative: Iterable[str], sites: tuple[str, ...]) -> str:
    """The site-packages folder that holds the release's files (the first that has them)."""
    for rel in relative:
        top = rel.split("/", 1)[0]
        for site in sites:
            if Path(site, top).is_dir():
                return site
    return sites[0]


def build_exports(  # each input is one fact about the environment
    target: EnvTarget,
    *,
    key: str,
    release: InstalledRelease,
    source: Source,
    site: str,
    ld_library_path: tuple[str, ...],
    pythonpath: tuple[str, ...],
    cuda: bool,
    rule_note: str,
    notes: tuple[str, ...] = (),
    read_text: Callable[[str], str] | None = None,
) -> EnvExports:
    """The exports for ``release`` installed in ``site``, CUDA settings included for GPU builds."""
    all_notes = list(notes)
    if release.version >= NO_PATH_FROM and (pythonpath or ld_library_path):
        all_notes.append(
            f"AIMET {release.version_text} needs no AIMET path; the recorded exports were ignored"
        )
        ld_library_path, pythonpath = (), ()
    exports: list[Export] = []
    envsetup = None
    if cuda:
        envsetup = find_envsetup(site)
        if envsetup is None:
            all_notes.append(
                "this GPU build ships no envsetup.sh; set up CUDA as its documentation says"
            )
        else:
            reader = read_text or _read_text
            cuda_exports, cuda_notes = translate_envsetup(reader(envsetup), envsetup)
            exports.extend(cuda_exports)
            all_notes.extend(cuda_notes)
        if release.assumed_gpu:
            all_notes.append(
                f"{release.distribution} does not name its accelerator; treated as a GPU build"
            )
    for name, relative in ((LD_LIBRARY_PATH, ld_library_path), (PYTHONPATH, pythonpath)):
        if relative:
            directories = tuple(str(Path(site, rel)) for rel in relative)
            exports.append(Export(name, "prepend", directories, "aimet"))
            all_notes.extend(f"{d} does not exist" for d in directories if not Path(d).is_dir())
    all_notes.insert(0, rule_note)
    for export in exports:
        _check_export(export)
    return EnvExports(
        key=key,
        label=target.label,
        reason=target.reason,
        release=release,
        source=source,
        site_packages=site,
        exports=tuple(exports),
        notes=tuple(all_notes),
        envsetup=envsetup,
    )


def _check_export(export: Export) -> None:
    if not re.match(_NAME_PATTERN, export.name):
        raise UsageError(f"cannot export a variable named {export.name[:40]!r}", code="bad-export")
    for value in export.values:
        if "\x00" in value or (export.action == "prepend" and ":" in value):
            raise UsageError(
                f"cannot put {value[:60]!r} into {export.name}: a directory in a path list "
                "cannot contain ':' or NUL",
                code="bad-export",
            )


def _read_text(path: str) -> str:
    try:
        return Path(path).read_text(encoding="utf-8", errors="replace")
    except OSError as error:
        from aimetenv.errors import FileError  # noqa: PLC0415  # error path only

        raise FileError(f"cannot read {path}: {error.strerror or error}") from None


def env_prefix(target: EnvTarget) -> Path | None:
    """The environment folder: the target's prefix, or the env around a ``--python`` interpreter."""
    if target.prefix is not None:
        return target.prefix
    candidate = target.python.parent.parent
    if (candidate / "pyvenv.cfg").is_file() or (candidate / "conda-meta").is_dir():
        return candidate
    return None


def env_key(target: EnvTarget) -> str:
    """What names the environment in marker lines and hook variables."""
    prefix = env_prefix(target)
    return str(prefix if prefix is not None else target.python)


def from_receipt(target: EnvTarget, receipt: Receipt, key: str) -> EnvExports | None:
    """The exports recorded at install time; None when the env no longer matches the receipt."""
    sites = tuple(s for s in receipt.site_packages if Path(s).is_dir())
    release = parse_distribution("aimet-common", receipt.tag)
    if not sites or release is None:
        return None
    installed, _ = identify_release(listed_distributions(sites))
    if installed is None or installed.version != release.version:
        return None
    exports = receipt.exports
    ld = tuple(str(d) for d in exports.get(LD_LIBRARY_PATH) or ())
    py = tuple(str(d) for d in exports.get(PYTHONPATH) or ())
    cuda = bool(exports.get("cuda"))
    release = InstalledRelease(
        version=release.version,
        tag=receipt.tag,
        variant=receipt.variant or None,
        accelerator="gpu" if cuda else "cpu",
        distribution=installed.distribution,
    )
    return build_exports(
        target,
        key=key,
        release=release,
        source="receipt",
        site=_site_for((*ld, *py), sites),
        ld_library_path=ld,
        pythonpath=py,
        cuda=cuda,
        rule_note=str(exports.get("note") or export_rule(release.version).note),
    )


def from_probe(target: EnvTarget, facts: TargetFacts, key: str) -> EnvExports:
    """The exports for the release the probe found installed."""
    release, location, notes = identify_from_probe(facts.distributions)
    if release is None:
        raise UsageError(
            f"no AIMET release is installed in {target.label}",
            hint="Install one with 'aimetenv install', or name the env with --venv, -p or -n.",
            code="no-aimet",
        )
    sites = facts.site_packages
    rule = export_rule(release.version)
    site = location or (sites[0] if sites else "")
    if not site:
        raise UsageError(
            f"the interpreter of {target.label} reported no site-packages", code="no-site-packages"
        )
    return build_exports(
        target,
        key=key,
        release=release,
        source="probe",
        site=site,
        ld_library_path=rule.ld_library_path,
        pythonpath=rule.pythonpath,
        cuda=release.accelerator == "gpu",
        rule_note=rule.note,
        notes=notes,
    )


def exports_for_target(
    target: EnvTarget,
    state: Path,
    runner_factory: Callable[[], Runner],
) -> EnvExports:
    """Read the receipt when it still matches the env; otherwise probe the interpreter once."""
    from aimetenv.install.receipt import read_receipt  # noqa: PLC0415  # JSON only

    key = env_key(target)
    prefix = env_prefix(target)
    if prefix is not None:
        receipt = read_receipt(prefix, state)
        if receipt is not None:
            found = from_receipt(target, receipt, key)
            if found is not None:
                return found
    if not target.exists or not target.python.exists():
        raise UsageError(
            f"{target.label} does not exist (no {target.python})",
            hint="Name an existing env with --venv, -p/--prefix, -n/--name or --python.",
            code="target-missing",
        )
    from aimetenv.envs.probe import probe_facts  # noqa: PLC0415  # only without a usable receipt

    facts = probe_facts(runner_factory(), target.python)
    return from_probe(target, facts, key)


__all__ = [
    "EXPORT_RULES",
    "NO_PATH_FROM",
    "EnvExports",
    "Export",
    "ExportRule",
    "InstalledRelease",
    "build_exports",
    "env_key",
    "env_prefix",
    "export_rule",
    "exports_for_target",
    "find_envsetup",
    "from_probe",
    "from_receipt",
    "identify_from_probe",
    "identify_release",
    "listed_distributions",
    "normalize",
    "parse_distribution",
    "translate_envsetup",
]
