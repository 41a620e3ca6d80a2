"""Check: the Debian packages listed in the release's ``reqs_deb_*.txt`` files are installed.

AIMET 1.x wheels (and aimet-onnx 2.0.0) ship these lists in ``<pkg>/bin``; the install docs fed
them to ``xargs apt-get --assume-yes install``, which is why they carry literal ``-y`` tokens.
The Python interpreter packages they name (``python3.6``, ``python3.10-dev``) are left out: the
environment's own interpreter stands in for them.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path
from typing import TYPE_CHECKING

from aimetenv.doctor.inspect import aimet_package_dirs
from aimetenv.doctor.model import Check, CheckResult, Status
from aimetenv.errors import AimetenvError
from aimetenv.runner import Command

if TYPE_CHECKING:
    from aimetenv.doctor.context import DoctorContext

ID = "system-packages"
_PYTHON_PACKAGE = re.compile(r"^python3(\.\d+)?(-dev|-pip|-venv|-distutils)?$")
_PACKAGE_NAME = re.compile(r"^[a-z0-9][a-z0-9+.-]+$")


def parse_reqs_deb(text: str) -> list[str]:
    """Package names from a reqs_deb file: flags (``-y``), comments and versions dropped."""
    names: list[str] = []
    for line in text.splitlines():
        for token in line.split("#", 1)[0].split():
            if token.startswith("-"):
                continue
            name = token.split("=", 1)[0]
            if _PACKAGE_NAME.match(name) and name not in names:
                names.append(name)
    return names


def reqs_deb_files(folders: list[str], *, gpu: bool) -> list[str]:
    """The reqs_deb files of the AIMET packages that apply to a cpu or gpu variant."""
    found = []
    for folder in folders:
        bin_dir = Path(folder, "bin")
        try:
            names = sorted(p.name for p in bin_dir.iterdir())
        except OSError:
            continue
        for name in names:
            if not (name.startswith("reqs_deb_") and name.endswith(".txt")):
                continue
            if name.endswith("_gpu.txt") and not gpu:
                continue
            found.append(str(bin_dir / name))
    return found


def installed_packages(ctx: DoctorContext, names: list[str]) -> set[str] | None:
    """Which of ``names`` dpkg says are installed; None when dpkg-query cannot run."""
    dpkg = shutil.which("dpkg-query", path=ctx.environ.get("PATH"))
    if dpkg is None:
        return None
    command = Command(
        argv=(dpkg, "-W", "-f=${Package}\t${Status}\n", *names), timeout=60.0, sanitize=False
    )
    try:
        completed = ctx.runner.run(command)
    except AimetenvError:
        return None
    installed = set()
    for line in completed.stdout.splitlines():
        name, _sep, status = line.partition("\t")
        if status.strip().endswith(" installed") and status.startswith("install"):
            installed.add(name.split(":", 1)[0])
    return installed


def check_system_packages(ctx: DoctorContext) -> CheckResult:
    """Report the listed Debian packages that are missing, with one apt-get line."""
    info = ctx.release()
    if info is None:
        return CheckResult(ID, Status.SKIP, f"the release is not known ({ctx.release_note()})")
    folders = aimet_package_dirs(ctx.facts, info.site_packages)
    files = reqs_deb_files(folders, gpu=info.variant.accelerator == "gpu")
    if not files:
        return CheckResult(ID, Status.SKIP, f"{info.summary.tag} ships no reqs_deb files")
    wanted: list[str] = []
    for path in files:
        try:
            with open(path, encoding="utf-8", errors="replace") as handle:  # noqa: PTH123
                names = parse_reqs_deb(handle.read())
        except OSError:
            continue
        wanted.extend(n for n in names if n not in wanted and not _PYTHON_PACKAGE.match(n))
    shown_files = tuple(Path(p).name for p in files)
    if not wanted:
        return CheckResult(ID, Status.OK, f"nothing to install from {', '.join(shown_files)}")
    installed = installed_packages(ctx, wanted)
    if installed is None:
        return CheckResult(
            ID,
            Status.SKIP,
            "dpkg-query is not available (not a Debian or Ubuntu system); "
            f"{', '.join(shown_files)} list: {' '.join(wanted)}",
        )
    missing = [n for n in wanted if n not in installed]
    facts = {"files": shown_files, "wanted": tuple(wanted), "missing": tuple(missing)}
    if missing:
        return CheckResult(
            ID,
            Status.WARN,
            f"{len(missing)} of the {len(wanted)} Debian packages {info.summary.tag} lists are "
            f"missing: {' '.join(missing)}",
            hint=f"sudo apt-get install -y {' '.join(missing)}",
            details=tuple(f"from {p}" for p in files),
            facts=facts,
        )
    return CheckResult(
        ID,
        Status.OK,
        f"all {len(wanted)} Debian packages from {', '.join(shown_files)} are installed",
        facts=facts,
    )


SYSTEM_PACKAGES = Check(
    ID,
    "the Debian packages the release lists are installed",
    check_system_packages,
    requires=("aimet-packages",),
)

__all__ = [
    "SYSTEM_PACKAGES",
    "check_system_packages",
    "installed_packages",
    "parse_reqs_deb",
    "reqs_deb_files",
]
