"""Check: the Debian packages listed in the release's ``reqs_deb_*.txt`` files are installed.

AIMET 1.x wheels (and aimet-onnx 2.0.0) ship these lists in ``<pkg>/bin``; the install docs fed
them to ``xargs apt-get --assume-yes install``. Finding and reading them (literal ``-y`` tokens
and all) and asking dpkg is ``aimetenv.install.reqsfiles``' job, shared with ``install --with-reqs``.
The Python interpreter packages they name (``python3.6``, ``python3.10-dev``) are left out here:
the environment's own interpreter stands in for them.
"""

from __future__ import annotations

import dataclasses
import re
from typing import TYPE_CHECKING

from aimetenv.doctor.model import Check, CheckResult, Status
from aimetenv.install.reqsfiles import (
    check_deb_files,
    find_reqs_files,
    running_as_root,
    wanted_names,
)

if TYPE_CHECKING:
    from aimetenv.doctor.context import DoctorContext
    from aimetenv.doctor.model import FactValue

ID = "system-packages"
_PYTHON_PACKAGE = re.compile(r"^python3(\.\d+)?(-dev|-pip|-venv|-distutils)?(=.*)?$")


def check_system_packages(ctx: DoctorContext) -> CheckResult:
    """Report the listed Debian packages that are missing, with one apt-get line."""
    info = ctx.release()
    if info is None:
        return CheckResult(ID, Status.SKIP, f"the release is not known ({ctx.release_note()})")
    sites = [info.site_packages] if info.site_packages else []
    files = find_reqs_files(sites, "deb", wanted_names(info.variant.id))
    if not files:
        return CheckResult(ID, Status.SKIP, f"{info.summary.tag} ships no reqs_deb files")
    found = check_deb_files(ctx.runner, files)
    wanted = tuple(p for p in found.packages if not _PYTHON_PACKAGE.match(p))
    deb = dataclasses.replace(
        found,
        packages=wanted,
        missing=tuple(p for p in found.missing if p in wanted),
    )
    shown_files = tuple(f.name for f in files)
    facts: dict[str, FactValue] = {
        "files": shown_files,
        "wanted": deb.packages,
        "missing": deb.missing,
        "checked": deb.checked,
    }
    if not deb.packages:
        return CheckResult(
            ID, Status.OK, f"nothing to install from {', '.join(shown_files)}", facts=facts
        )
    if not deb.checked:
        return CheckResult(
            ID,
            Status.SKIP,
            "dpkg-query is not available (not a Debian or Ubuntu system); "
            f"{', '.join(shown_files)} list: {' '.join(deb.packages)}",
            facts=facts,
        )
    line = deb.apt_line(root=running_as_root())
    if line is not None:
        return CheckResult(
            ID,
            Status.WARN,
            f"{len(deb.missing)} of the {len(deb.packages)} Debian packages {info.summary.tag} "
            f"lists are missing: {' '.join(deb.missing)}",
            hint=line,
            details=tuple(f"from {f}" for f in files),
            facts=facts,
        )
    return CheckResult(
        ID,
        Status.OK,
        f"all {len(deb.packages)} Debian packages from {', '.join(shown_files)} are installed",
        facts=facts,
    )


SYSTEM_PACKAGES = Check(
    ID,
    "the Debian packages the release lists are installed",
    check_system_packages,
    requires=("aimet-packages",),
)

__all__ = ["SYSTEM_PACKAGES", "check_system_packages"]
