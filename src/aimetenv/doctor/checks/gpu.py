"""Check: for gpu variants, an NVIDIA driver new enough for the CUDA the release was built with.

The driver version comes from ``/proc/driver/nvidia/version`` (the kernel module), else from
``nvidia-smi``. The minimum driver for each CUDA toolkit is NVIDIA's table "CUDA Toolkit and
Corresponding Driver Versions" (CUDA Toolkit release notes, Linux x86_64, toolkit GA builds).
From CUDA 11 on, a driver older than the toolkit's but at least the major version's first one
still runs it under "minor version compatibility", with limits (no PTX JIT of newer code).
"""

from __future__ import annotations

import re
import shutil
from typing import TYPE_CHECKING

from aimetenv.doctor.inspect import torch_cuda_version
from aimetenv.doctor.model import Check, CheckResult, Status
from aimetenv.errors import AimetenvError
from aimetenv.runner import Command

if TYPE_CHECKING:
    from aimetenv.doctor.context import DoctorContext

ID = "gpu"
# CUDA toolkit (major, minor) -> the minimum Linux x86_64 driver (NVIDIA CUDA release notes, table 3).
MIN_DRIVER: dict[tuple[int, int], str] = {
    (10, 0): "410.48",
    (10, 1): "418.39",
    (10, 2): "440.33",
    (11, 0): "450.36.06",
    (11, 1): "455.23",
    (11, 2): "460.27.03",
    (11, 3): "465.19.01",
    (11, 4): "470.42.01",
    (11, 5): "495.29.05",
    (11, 6): "510.39.01",
    (11, 7): "515.43.04",
    (11, 8): "520.61.05",
    (12, 0): "525.60.13",
    (12, 1): "530.30.02",
    (12, 2): "535.54.03",
    (12, 3): "545.23.06",
    (12, 4): "550.54.14",
    (12, 5): "555.42.02",
    (12, 6): "560.28.03",
    (12, 8): "570.26",
    (12, 9): "575.51.03",
    (13, 0): "580.65.06",
}
# The oldest driver that runs any toolkit of the major version (minor version compatibility).
MIN_DRIVER_MAJOR = {11: "450.80.02", 12: "525.60.13", 13: "580.65.06"}
_PROC_VERSION = re.compile(r"Kernel Module(?: for [\w-]+)?\s+(\d+\.\d+(?:\.\d+)?)")
_SMI_VERSION = re.compile(r"^\s*(\d+\.\d+(?:\.\d+)?)\s*$", re.MULTILINE)


def driver_key(version: str) -> tuple[int, ...]:
    """``535.54.03`` -> (535, 54, 3)."""
    return tuple(int(part) for part in version.split(".") if part.isdigit())


def parse_proc_version(text: str) -> str | None:
    """The driver version from the text of /proc/driver/nvidia/version."""
    match = _PROC_VERSION.search(text)
    return match.group(1) if match else None


def parse_smi_output(text: str) -> str | None:
    """The first driver version from ``nvidia-smi --query-gpu=driver_version --format=csv,noheader``."""
    match = _SMI_VERSION.search(text)
    return match.group(1) if match else None


def cuda_key(cuda: str) -> tuple[int, int] | None:
    """``12.1`` -> (12, 1)."""
    parts = cuda.split(".")
    if len(parts) < 2 or not parts[0].isdigit() or not parts[1].isdigit():  # noqa: PLR2004  # X.Y: two parts
        return None
    return int(parts[0]), int(parts[1])


def required_driver(cuda: str) -> tuple[str | None, str | None]:
    """(minimum driver for this CUDA, minimum under minor version compatibility)."""
    key = cuda_key(cuda)
    if key is None:
        return None, None
    exact = MIN_DRIVER.get(key)
    if exact is None:
        known = sorted(k for k in MIN_DRIVER if k[0] == key[0] and k <= key)
        exact = MIN_DRIVER[known[-1]] if known else None
    return exact, MIN_DRIVER_MAJOR.get(key[0])


def find_driver(ctx: DoctorContext) -> tuple[str | None, str]:
    """The driver version and where it was read, or (None, what was tried)."""
    path = ctx.settings.nvidia_version_file
    try:
        with open(path, encoding="utf-8", errors="replace") as handle:  # noqa: PTH123  # a plain text read of a system file
            found = parse_proc_version(handle.read())
        if found:
            return found, path
    except OSError:
        pass
    smi = shutil.which("nvidia-smi", path=ctx.environ.get("PATH"))
    if smi is None:
        return None, f"{path} does not exist and nvidia-smi is not on PATH"
    try:
        completed = ctx.runner.run(
            Command(
                argv=(smi, "--query-gpu=driver_version", "--format=csv,noheader"),
                timeout=30.0,
                sanitize=False,
            )
        )
    except AimetenvError as error:
        return None, f"nvidia-smi could not run: {error.message}"
    if not completed.ok:
        return None, f"nvidia-smi failed: {completed.tail(2)}"
    version = parse_smi_output(completed.stdout)
    return version, "nvidia-smi" if version else "nvidia-smi printed no driver version"


def check_gpu(ctx: DoctorContext) -> CheckResult:  # noqa: PLR0911  # one return per verdict
    """A gpu variant needs an NVIDIA driver at least as new as its CUDA requires."""
    info = ctx.release()
    if info is None:
        return CheckResult(ID, Status.SKIP, f"the release is not known ({ctx.release_note()})")
    if info.variant.accelerator != "gpu":
        return CheckResult(ID, Status.SKIP, f"{info.summary.variant} is a cpu variant")
    cuda = info.variant.cuda or torch_cuda_version(ctx.facts)
    driver, source = find_driver(ctx)
    facts = {"driver": driver, "driver_source": source, "cuda": cuda}
    cpu_variant = info.summary.variant.replace("-gpu", "-cpu")
    if driver is None:
        cpu_offered = info.release.find_variant(cpu_variant) is not None
        hint = (
            f"Use the cpu variant on a machine without an NVIDIA GPU: aimetenv install "
            f"--variant {cpu_variant} --tag {info.summary.tag}"
            if cpu_offered
            else "Install the NVIDIA driver, or use a release that offers a cpu variant."
        )
        return CheckResult(
            ID, Status.FAIL, f"no NVIDIA driver found ({source})", hint=hint, facts=facts
        )
    if cuda is None:
        return CheckResult(
            ID,
            Status.OK,
            f"NVIDIA driver {driver}; the CUDA version of {info.summary.tag} is not recorded",
            facts=facts,
        )
    exact, compatible = required_driver(cuda)
    if exact is None or driver_key(driver) >= driver_key(exact):
        need = f" (CUDA {cuda} needs {exact} or newer)" if exact else ""
        return CheckResult(ID, Status.OK, f"NVIDIA driver {driver}{need}", facts=facts)
    upgrade = f"Update the NVIDIA driver to {exact} or newer (CUDA {cuda})."
    if compatible and driver_key(driver) >= driver_key(compatible):
        return CheckResult(
            ID,
            Status.WARN,
            f"NVIDIA driver {driver} is older than {exact}, which CUDA {cuda} asks for; it "
            "runs under minor version compatibility, with limits",
            hint=upgrade,
            facts=facts,
        )
    return CheckResult(
        ID,
        Status.FAIL,
        f"NVIDIA driver {driver} is too old for CUDA {cuda} (needs {exact} or newer)",
        hint=upgrade,
        facts=facts,
    )


GPU = Check(ID, "an NVIDIA driver for the CUDA of gpu variants", check_gpu)

__all__ = [
    "GPU",
    "MIN_DRIVER",
    "check_gpu",
    "driver_key",
    "find_driver",
    "parse_proc_version",
    "parse_smi_output",
    "required_driver",
]
