"""The optional requirement files legacy AIMET wheels ship: ``reqs_pip_*.txt`` and ``reqs_deb_*.txt``.

The 1.x wheels carry them in ``aimet_common/bin`` and ``aimet_<framework>/bin``; the manual recipe
was ``pip install -r`` for the pip lists and ``cat reqs_deb_*.txt | xargs apt-get install`` for the
Debian ones (which is why those files hold literal ``-y`` tokens). ``install --with-reqs`` runs the
pip lists and, for the Debian lists, only works out which packages are missing and prints the one
``apt-get install`` line that adds them: aimetenv never runs sudo or apt-get.
"""

from __future__ import annotations

import os
import re
import shlex
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from aimetenv.catalog.variants import parse_variant_id
from aimetenv.errors import AimetenvError
from aimetenv.runner import Command

if TYPE_CHECKING:
    from collections.abc import Iterable, Sequence

    from aimetenv.runner import Runner

ReqsKind = Literal["pip", "deb"]
DPKG_TIMEOUT = 30.0
_DEB_NAME_RE = re.compile(r"^[a-z0-9][a-z0-9+.-]*(:[a-z0-9-]+)?(=[A-Za-z0-9.+:~_-]+)?$")


@dataclass(frozen=True)
class DebCheck:
    """What the ``reqs_deb_*.txt`` files ask for and which of those packages are missing."""

    files: tuple[Path, ...]
    packages: tuple[str, ...]
    missing: tuple[str, ...]
    checked: bool
    """False when dpkg-query could not be run (not a Debian system): every package is listed."""
    ignored: tuple[str, ...] = ()
    """Tokens that are not package names (``-y``, stray options) and were left out."""

    def apt_line(self, *, root: bool) -> str | None:
        """The one command that installs the missing packages, or None when nothing is missing."""
        if not self.missing:
            return None
        prefix = "apt-get install -y" if root else "sudo apt-get install -y"
        return f"{prefix} {' '.join(shlex.quote(p) for p in self.missing)}"

    def to_dict(self, *, root: bool) -> dict[str, object]:
        """JSON form."""
        return {
            "files": [str(f) for f in self.files],
            "packages": list(self.packages),
            "missing": list(self.missing),
            "checked": self.checked,
            "ignored": list(self.ignored),
            "apt_line": self.apt_line(root=root),
        }


def wanted_names(variant: str) -> tuple[str, ...]:
    """The file stems that fit a variant: ``common``, ``<fw>_common``, ``<fw>_<cpu|gpu>``."""
    parsed = parse_variant_id(variant)
    if parsed is None:
        return ("common",)
    frameworks = parsed.framework.split("+")
    names = ["common"]
    names.extend(f"{fw}_common" for fw in frameworks)
    names.extend(f"{fw}_{parsed.accelerator}" for fw in frameworks)
    return tuple(names)


def reqs_glob(kind: ReqsKind, names: Sequence[str]) -> str:
    """How the files are found, for display: ``<site-packages>/aimet_*/bin/reqs_pip_{...}.txt``."""
    return f"<site-packages>/aimet_*/bin/reqs_{kind}_{{{','.join(names)}}}.txt"


def find_reqs_files(
    site_packages: Iterable[str | Path], kind: ReqsKind, names: Sequence[str]
) -> tuple[Path, ...]:
    """The ``reqs_<kind>_<name>.txt`` files under ``aimet_*/bin``, in ``names`` order."""
    found: list[Path] = []
    folders = [Path(p) for p in dict.fromkeys(str(s) for s in site_packages)]
    for name in names:
        for folder in folders:
            for path in sorted(folder.glob(f"aimet_*/bin/reqs_{kind}_{name}.txt")):
                if path.is_file() and path not in found:
                    found.append(path)
    return tuple(found)


def has_requirements(path: Path) -> bool:
    """Whether a ``reqs_pip_*.txt`` file asks for anything (some hold only comments)."""
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return True  # let pip say what is wrong with it
    return any(line.split("#", 1)[0].strip() for line in text.splitlines())


def parse_deb_packages(text: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(package names, ignored tokens) from a ``reqs_deb_*.txt`` text; comments are dropped."""
    packages: list[str] = []
    ignored: list[str] = []
    for raw in text.splitlines():
        line = raw.split("#", 1)[0]
        for token in line.split():
            if _DEB_NAME_RE.match(token):
                if token not in packages:
                    packages.append(token)
            elif token not in ignored:
                ignored.append(token)
    return tuple(packages), tuple(ignored)


def _package_name(spec: str) -> str:
    return spec.split("=", 1)[0]


def deb_installed(runner: Runner, package: str) -> bool:
    """Whether dpkg says ``package`` is installed (``dpkg-query -W -f='${Status}' NAME``)."""
    completed = runner.run(
        Command(
            argv=("dpkg-query", "-W", "-f=${Status}", _package_name(package)),
            timeout=DPKG_TIMEOUT,
            env={"LC_ALL": "C"},
        )
    )
    return completed.ok and completed.stdout.strip().endswith(" installed")


def check_deb_files(runner: Runner, files: Sequence[Path]) -> DebCheck:
    """Read the Debian lists and ask dpkg which of their packages are missing."""
    packages: list[str] = []
    ignored: list[str] = []
    for path in files:
        try:
            text = path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            continue
        names, skipped = parse_deb_packages(text)
        packages.extend(n for n in names if n not in packages)
        ignored.extend(t for t in skipped if t not in ignored)
    missing: list[str] = []
    checked = True
    for package in packages:
        try:
            present = deb_installed(runner, package)
        except AimetenvError:  # no dpkg-query: list everything, say so
            checked = False
            missing = list(packages)
            break
        if not present:
            missing.append(package)
    return DebCheck(tuple(files), tuple(packages), tuple(missing), checked, tuple(ignored))


def running_as_root() -> bool:
    """Whether the apt-get line can go without sudo."""
    return hasattr(os, "geteuid") and os.geteuid() == 0


__all__ = [
    "DebCheck",
    "ReqsKind",
    "check_deb_files",
    "deb_installed",
    "find_reqs_files",
    "has_requirements",
    "parse_deb_packages",
    "reqs_glob",
    "running_as_root",
    "wanted_names",
]
