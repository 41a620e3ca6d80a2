"""Which environment variables an installed AIMET release needs, from the target's real files.

``aimetenv env`` runs from shell start-up files, so this module stays light: it reads the install
receipt when there is one (JSON only), and otherwise probes the interpreter once and recognises
the release from its installed distributions. It never loads the release catalog: the version
rules come from ``catalog.exportrules``, which imports neither yaml nor packaging. GPU builds
also get the CUDA settings of the ``envsetup.sh`` the release ships, translated line by line.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from aimetenv.catalog.exportrules import NO_PATH_FROM, export_rule
from aimetenv.errors import UsageError
from aimetenv.shellenv.recognise import (
    InstalledRelease,
    identify_from_probe,
    identify_release,
    listed_distributions,
    parse_distribution,
)

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable

    from aimetenv.envs.facts import TargetFacts
    from aimetenv.envs.targets import EnvTarget
    from aimetenv.install.receipt import Receipt
    from aimetenv.runner import Runner

Source = Literal["receipt", "probe"]
Action = Literal["prepend", "set"]

LD_LIBRARY_PATH = "LD_LIBRARY_PATH"
PYTHONPATH = "PYTHONPATH"
# Patterns are compiled on first use (re caches them): ``aimetenv env`` runs from shell start-up
# files, and a receipt needs only one of them.
_NAME_PATTERN = r"^[A-Za-z_][A-Za-z0-9_]*$"


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
    from aimetenv.shellenv.envsetup import find_envsetup, translate_envsetup  # noqa: PLC0415  # GPU builds only

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
        rule_note=str(exports.get("note") or export_rule(release.version).env_note),
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
        rule_note=rule.env_note,
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
    "EnvExports",
    "Export",
    "build_exports",
    "env_key",
    "env_prefix",
    "exports_for_target",
    "from_probe",
    "from_receipt",
]
