"""Wheels shaped like AIMET 1.16.2.py37 torch-cpu, with a real compiled libpymo.

The set mirrors the real release: ``AimetCommon-``, ``AimetTorch-`` and ``Aimet-`` wheels with the
legacy version ``torch_cpu_1.16.2.py37`` and the tag ``cp37-cp37m-linux_x86_64``. AimetCommon
carries ``aimet_common/x86_64-linux-gnu/libpymo.so`` (a CPython 3.7 extension module) and the
``libpymo_support.so`` it links by soname, so ``import libpymo`` needs PYTHONPATH and
LD_LIBRARY_PATH exactly as the 1.x install docs said. The wheels also ship the ``bin/`` files the
real ones did: envsetup.sh and the reqs_pip_*/reqs_deb_* lists.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from support.native import SUPPORT_SONAME, build_libpymo
from support.wheelbuild import build_wheel

TAG = "1.16.2.py37"
VARIANT = "torch-cpu"
TOKEN = "torch_cpu"  # noqa: S105  # the variant token in file names, not a secret
WHEEL_TAG = "cp37-cp37m-linux_x86_64"
LEGACY_VERSION = f"{TOKEN}_{TAG}"
PYTHON37 = Path("/root/.pyenv/versions/3.7.16/bin/python3.7")

ENVSETUP_SH = """\
export PATH=/usr/local/nvidia/bin:/usr/local/cuda/bin:$PATH
if [ -z "${LD_LIBRARY_PATH}" ]; then LD_LIBRARY_PATH=""; fi
export LD_LIBRARY_PATH=/usr/local/nvidia/lib:/usr/local/nvidia/lib64:/usr/local/cuda/lib64:\
/usr/local/cuda/targets/x86_64-linux/lib:$LD_LIBRARY_PATH
export CUDA_TOOLKIT_PATH=/usr/local/cuda
export CUDNN_INSTALL_PATH=/usr/local/cuda
export CUDA_HOME=/usr/local/cuda
export NVIDIA_DRIVER_CAPABILITIES=compute,utility
export NVIDIA_VISIBLE_DEVICES=all
"""

# Literal "-y" tokens as in the real files, which the docs fed through xargs apt-get.
REQS_DEB_COMMON = "liblapacke liblapacke-dev -y coreutils\n"
REQS_PIP_COMMON = "# pinned as the real reqs_pip_common.txt pinned its packages\nsix==1.16.0\n"
REQS_PIP_TORCH_COMMON = "# nothing extra for the stand-in\n"
REQS_PIP_TORCH_CPU = "# torch==1.7.1+cpu in the real release; omitted here\n"

AIMET_TORCH_QUANTSIM = '''\
"""Stand-in for aimet_torch.quantsim: it needs libpymo like the real one."""
import libpymo

QUANTIZATION_TF = libpymo.QUANTIZATION_TF


def check():
    return libpymo.answer(5)
'''


@dataclass(frozen=True)
class LegacyRelease:
    """The three wheels in install order, and the folder they are in."""

    folder: Path
    common: Path
    torch: Path
    meta: Path

    @property
    def wheels(self) -> tuple[Path, Path, Path]:
        """Install order: AimetCommon, AimetTorch, Aimet."""
        return (self.common, self.torch, self.meta)


def build_legacy_release(folder: Path, python37: Path = PYTHON37) -> LegacyRelease:
    """Compile libpymo for ``python37`` and build the three 1.16.2.py37 torch-cpu wheels."""
    native = folder / "native"
    libpymo = build_libpymo(native, python37)
    support = native / SUPPORT_SONAME
    out = folder / "wheels"
    common = build_wheel(
        out,
        distribution="AimetCommon",
        version=LEGACY_VERSION,
        tag=WHEEL_TAG,
        files={
            "aimet_common/__init__.py": b'"""Stand-in for AIMET 1.16.2.py37 aimet_common."""\n',
            "aimet_common/x86_64-linux-gnu/libpymo.so": libpymo.read_bytes(),
            f"aimet_common/x86_64-linux-gnu/{SUPPORT_SONAME}": support.read_bytes(),
            "aimet_common/bin/envsetup.sh": ENVSETUP_SH.encode(),
            "aimet_common/bin/reqs_deb_common.txt": REQS_DEB_COMMON.encode(),
            "aimet_common/bin/reqs_pip_common.txt": REQS_PIP_COMMON.encode(),
            "aimet_common/bin/INSTALL.txt": b"See the AIMET install docs.\n",
        },
    )
    torch = build_wheel(
        out,
        distribution="AimetTorch",
        version=LEGACY_VERSION,
        tag=WHEEL_TAG,
        files={
            "aimet_torch/__init__.py": b'"""Stand-in for AIMET 1.16.2.py37 aimet_torch."""\n',
            "aimet_torch/quantsim.py": AIMET_TORCH_QUANTSIM.encode(),
            "aimet_torch/bin/reqs_pip_torch_common.txt": REQS_PIP_TORCH_COMMON.encode(),
            "aimet_torch/bin/reqs_pip_torch_cpu.txt": REQS_PIP_TORCH_CPU.encode(),
        },
    )
    meta = build_wheel(
        out,
        distribution="Aimet",
        version=LEGACY_VERSION,
        tag=WHEEL_TAG,
        files={},
        requires=("AimetCommon", "AimetTorch"),
    )
    return LegacyRelease(out, common, torch, meta)


__all__ = [
    "LEGACY_VERSION",
    "PYTHON37",
    "TAG",
    "TOKEN",
    "VARIANT",
    "WHEEL_TAG",
    "LegacyRelease",
    "build_legacy_release",
]
