"""Check: operating system, distribution, machine, and glibc against the release's floor."""

from __future__ import annotations

import platform
from typing import TYPE_CHECKING

from aimetenv.doctor.model import Check, CheckResult, Status
from aimetenv.envs.facts import host_glibc, parse_xy_tuple

if TYPE_CHECKING:
    from aimetenv.doctor.context import DoctorContext

ID = "platform"
OS_RELEASE = "/etc/os-release"
NEWER_DISTRIBUTION = (
    "Use a distribution with glibc {floor} or newer (glibc 2.34 is Ubuntu 22.04 or Debian 12), "
    "for example in a container, or an older AIMET release ('aimetenv releases')."
)


def distribution_name(path: str = OS_RELEASE) -> str | None:
    """PRETTY_NAME from os-release, e.g. ``Debian GNU/Linux 12 (bookworm)``."""
    try:
        with open(path, encoding="utf-8") as handle:  # noqa: PTH123  # a plain text read of a system file
            lines = handle.read().splitlines()
    except OSError:
        return None
    values = {}
    for line in lines:
        key, sep, value = line.partition("=")
        if sep:
            values[key.strip()] = value.strip().strip("\"'")
    return values.get("PRETTY_NAME") or values.get("NAME")


def check_platform(ctx: DoctorContext) -> CheckResult:
    """AIMET publishes Linux x86_64 wheels; native builds need a minimum glibc."""
    facts = ctx.facts
    system = str(facts.get("system") or platform.system())
    machine = str(facts.get("machine") or platform.machine())
    glibc = parse_xy_tuple(facts.get("glibc")) if facts else host_glibc()
    glibc_text = "?" if glibc is None else f"{glibc[0]}.{glibc[1]}"
    distro = distribution_name() or "unknown distribution"
    described = f"{distro}, {machine}, glibc {glibc_text}"
    info = ctx.release()
    floor_text = None
    if info is not None:
        floor_text = (info.plan.glibc_floor if info.plan else None) or info.release.glibc
    result_facts = {
        "system": system,
        "distribution": distro,
        "machine": machine,
        "glibc": None if glibc is None else glibc_text,
        "glibc_floor": floor_text,
    }
    if system != "Linux":
        return CheckResult(
            ID,
            Status.FAIL,
            f"{system} {machine}: AIMET's wheels for this platform are Linux only",
            hint="Use a Linux x86_64 machine or container (WSL 2 works).",
            facts=result_facts,
        )
    if glibc is None:
        return CheckResult(
            ID,
            Status.WARN,
            f"{described}: not a glibc system (musl?); AIMET's native libraries need glibc",
            hint="Use a glibc-based distribution (Debian, Ubuntu, RHEL) or a container of one.",
            facts=result_facts,
        )
    floor = parse_xy_tuple(floor_text)
    if floor is not None and glibc < floor:
        assert info is not None  # noqa: S101  # a floor comes from the release
        return CheckResult(
            ID,
            Status.FAIL,
            f"{described}: {info.summary.tag} needs glibc {floor_text} or newer",
            hint=NEWER_DISTRIBUTION.format(floor=floor_text),
            facts=result_facts,
        )
    if machine != "x86_64":
        return CheckResult(
            ID,
            Status.WARN,
            f"{described}: AIMET publishes native Linux wheels for x86_64 only",
            hint="Expect only the pure-Python aimet-torch (2.30 and later) to work here; use an "
            "x86_64 machine for the other releases.",
            facts=result_facts,
        )
    against = f" (the release needs {floor_text} or newer)" if floor_text else ""
    return CheckResult(ID, Status.OK, described + against, facts=result_facts)


PLATFORM = Check(ID, "operating system, machine and glibc", check_platform)

__all__ = ["PLATFORM", "check_platform", "distribution_name"]
