"""The machine a benchmark ran on: CPU, cores, memory, Python, kernel, glibc, load."""

from __future__ import annotations

import os
import platform
import sys
from dataclasses import dataclass
from pathlib import Path


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text(encoding="utf-8").splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _memory_gib() -> float:
    try:
        for line in Path("/proc/meminfo").read_text(encoding="utf-8").splitlines():
            if line.startswith("MemTotal:"):
                return int(line.split()[1]) / 1024 / 1024
    except (OSError, ValueError):
        pass
    return 0.0


def load_average() -> tuple[float, float, float]:
    """The 1, 5 and 15 minute load averages."""
    try:
        return os.getloadavg()
    except OSError:
        return (0.0, 0.0, 0.0)


@dataclass(frozen=True)
class Machine:
    """What the figures depend on."""

    cpu: str
    cores: int
    memory_gib: float
    python: str
    kernel: str
    glibc: str
    os_name: str

    def lines(self) -> list[str]:
        """One line per fact."""
        return [
            f"cpu: {self.cpu}, {self.cores} cores",
            f"memory: {self.memory_gib:.1f} GiB",
            f"python: {self.python}",
            f"os: {self.os_name}, kernel {self.kernel}, glibc {self.glibc}",
        ]

    def to_dict(self) -> dict[str, object]:
        """JSON form."""
        return dict(self.__dict__)


def describe() -> Machine:
    """This machine."""
    try:
        os_name = platform.freedesktop_os_release().get("PRETTY_NAME", platform.system())
    except OSError:
        os_name = platform.system()
    libc, version = platform.libc_ver()
    return Machine(
        cpu=_cpu_model(),
        cores=os.cpu_count() or 1,
        memory_gib=round(_memory_gib(), 1),
        python=f"{platform.python_implementation()} {platform.python_version()} ({sys.executable})",
        kernel=platform.release(),
        glibc=f"{version}" if libc == "glibc" else f"{libc} {version}".strip() or "unknown",
        os_name=os_name,
    )


__all__ = ["Machine", "describe", "load_average"]
