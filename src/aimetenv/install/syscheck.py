"""Before any download: the Debian packages the release's native library loads are installed.

AIMET 1.x's native libpymo links ``liblapacke.so.3``, which comes from the Debian/Ubuntu package
``liblapacke``; without it the install succeeds and only the smoke test finds the library
missing ("liblapacke.so.3: cannot open shared object file", ISS #2459, #3147, #3589; the fix
the issues give is ``apt-get install liblapacke``). AIMET 2 no longer needs it (its install docs:
"Starting with the AIMET 2 release, there is no longer a dependency on liblapacke"). So a plan
for a 1.x release whose smoke test loads a native libpymo asks dpkg-query about ``liblapacke``
before anything is fetched; ``install`` refuses (exit 2) when it is missing, unless
``--skip-system-check``. Where dpkg-query does not exist (not a Debian or Ubuntu system) nothing
can be asked, and the check says so instead of refusing.

The full lists the 1.x wheels ship (``reqs_deb_*.txt``: compilers, -dev packages, CUDA) are
only readable after the download; ``install --with-reqs`` and ``doctor`` check those.
"""

from __future__ import annotations

import shlex
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from aimetenv.errors import AimetenvError, UsageError
from aimetenv.install.reqsfiles import deb_installed

if TYPE_CHECKING:
    from aimetenv.install.plan import InstallPlan
    from aimetenv.runner import Runner

SystemState = Literal["checked", "no-dpkg", "skipped"]
LAPACKE = "liblapacke"


@dataclass(frozen=True)
class SystemCheck:
    """The Debian packages a plan's native library needs, and which of them dpkg lacks."""

    label: str
    """The release in words: ``torch-cpu 1.34.0``."""
    packages: tuple[str, ...]
    missing: tuple[str, ...] = ()
    state: SystemState = "checked"
    """``checked``: dpkg-query answered; ``no-dpkg``: it cannot run here; ``skipped``: not asked."""

    def apt_line(self, *, root: bool) -> str | None:
        """The one command that installs the missing packages, or None when nothing is missing."""
        if not self.missing:
            return None
        prefix = "apt-get install -y" if root else "sudo apt-get install -y"
        return f"{prefix} {' '.join(shlex.quote(p) for p in self.missing)}"

    def note(self, *, root: bool) -> str:
        """One sentence for the plan's notes: what was found, or why nothing was asked."""
        names = " ".join(self.packages)
        if self.state == "skipped":
            return f"system check skipped (--skip-system-check): {names} not asked about"
        if self.state == "no-dpkg":
            return f"system check: dpkg-query is not available here, so {names} was not checked"
        if self.missing:
            return (
                f"system check: {' '.join(self.missing)} is not installed (dpkg-query); install "
                f"refuses without --skip-system-check. Add it: {self.apt_line(root=root)}"
            )
        return f"system check: {names} is installed (dpkg-query)"


def needed_packages(plan: InstallPlan) -> tuple[str, ...]:
    """The Debian packages the plan's native library loads: ``liblapacke`` for a 1.x libpymo."""
    major = plan.tag.split(".", 1)[0]
    if plan.smoke.native is None or major != "1":
        return ()
    return (LAPACKE,)


def check_system(runner: Runner, plan: InstallPlan, *, skip: bool) -> SystemCheck | None:
    """Ask dpkg-query about each package the plan needs; None when it needs none."""
    packages = needed_packages(plan)
    if not packages:
        return None
    label = f"{plan.variant} {plan.tag}"
    if skip:
        return SystemCheck(label, packages, state="skipped")
    missing: list[str] = []
    for package in packages:
        try:
            present = deb_installed(runner, package)
        except AimetenvError:  # no dpkg-query: nothing can be asked
            return SystemCheck(label, packages, state="no-dpkg")
        if not present:
            missing.append(package)
    return SystemCheck(label, packages, tuple(missing))


def refuse_missing(check: SystemCheck | None, *, root: bool) -> None:
    """Refuse (exit 2) when dpkg-query found a needed package missing; nothing is changed."""
    if check is None or not check.missing:
        return
    missing = " ".join(check.missing)
    raise UsageError(
        f"{check.label} needs the Debian package {missing}, which is not installed "
        "(dpkg-query); nothing was changed",
        hint=f"Install it with '{check.apt_line(root=root)}', or pass --skip-system-check "
        "to install without it.",
        code="system-package-missing",
    )


__all__ = ["LAPACKE", "SystemCheck", "check_system", "needed_packages", "refuse_missing"]
