"""Check: pip is present in the target, and inside the release's bound."""

from __future__ import annotations

import shlex
from typing import TYPE_CHECKING

from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.version import InvalidVersion, Version

from aimetenv.doctor.model import Check, CheckResult, Status

if TYPE_CHECKING:
    from aimetenv.doctor.context import DoctorContext

ID = "pip"


def check_pip(ctx: DoctorContext) -> CheckResult:
    """Pip must exist; releases with non-PEP 440 wheel versions need pip older than 24.1."""
    python = shlex.quote(str(ctx.target.python))
    version = ctx.facts.get("pip_version")
    if not version:
        return CheckResult(
            ID,
            Status.FAIL,
            "pip is not installed in the target",
            hint=f"{python} -m ensurepip --upgrade",
        )
    info = ctx.release()
    bound = None if info is None or info.plan is None else info.plan.pip_bound
    facts = {"version": str(version), "bound": bound}
    if bound:
        try:
            inside = Version(str(version)) in SpecifierSet(bound)
        except (InvalidVersion, InvalidSpecifier):
            inside = True
        if not inside:
            assert info is not None  # noqa: S101  # a bound comes from the release
            return CheckResult(
                ID,
                Status.WARN,
                f"pip {version} is outside {bound}, the bound for {info.summary.tag}: it "
                "cannot reinstall or repair this release's wheels",
                hint=f"{python} -m pip install 'pip{bound}'",
                details=(
                    (
                        "pip 24.1 and later refuse wheel versions that are not PEP 440, such as "
                        "torch_gpu_1.29.0 or 1.34.0.cu121"
                    ),
                ),
                facts=facts,
            )
        return CheckResult(ID, Status.OK, f"pip {version} (inside {bound})", facts=facts)
    return CheckResult(ID, Status.OK, f"pip {version}", facts=facts)


PIP = Check(ID, "pip is present and fits the release", check_pip, requires=("interpreter",))

__all__ = ["PIP", "check_pip"]
