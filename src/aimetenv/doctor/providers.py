"""What usually provides a shared library that the loader cannot find.

The names come from AIMET's own failure reports (quic/aimet issues 2295, 2459, 3147, 3950) and
from the NEEDED lists of its wheels: liblapacke for 1.x, CUDA libraries for GPU builds, a
shared libpython for 2.0-2.27, torch's own libraries for AimetTensorQuantizer.
"""

from __future__ import annotations

import re

_RULES: tuple[tuple[re.Pattern[str], str], ...] = (
    (
        re.compile(r"^liblapacke\.so"),
        "the Debian/Ubuntu package liblapacke (sudo apt-get install -y liblapacke)",
    ),
    (re.compile(r"^libblas\.so|^libcblas\.so"), "a BLAS: sudo apt-get install -y libblas3"),
    (re.compile(r"^liblapack\.so"), "LAPACK: sudo apt-get install -y liblapack3"),
    (
        re.compile(r"^libpython(\d)\.(\d+)m?\.so"),
        (
            "a shared-libpython build of Python {0}.{1} (pyenv with "
            "PYTHON_CONFIGURE_OPTS=--enable-shared, conda's python, or Debian's "
            "libpython{0}.{1}); it is also a sign that the environment's Python is not {0}.{1}"
        ),
    ),
    (
        re.compile(r"^libcublas(Lt)?\.so\.(\d+)"),
        (
            "a CUDA {1} toolkit (libcublas-{1}-x) on LD_LIBRARY_PATH, or the pip wheel "
            "nvidia-cublas-cu{1}; a cpu variant avoids it"
        ),
    ),
    (
        re.compile(r"^libcudart\.so\.(\d+)"),
        "the CUDA {0} runtime (cuda-cudart-{0}-x) or the pip wheel nvidia-cuda-runtime-cu{0}",
    ),
    (
        re.compile(r"^libcudnn[a-z_]*\.so\.(\d+)"),
        "cuDNN {0} (libcudnn{0}) or the pip wheel nvidia-cudnn-cu12",
    ),
    (
        re.compile(r"^lib(cufft|curand|cusolver|cusparse|nvrtc|nvJitLink)[a-zA-Z]*\.so\.(\d+)"),
        "the CUDA {1} toolkit library lib{0} (or its nvidia-*-cu{1} pip wheel)",
    ),
    (re.compile(r"^libnccl\.so"), "NCCL (libnccl2) or the pip wheel nvidia-nccl-cu12"),
    (re.compile(r"^libnvToolsExt\.so"), "NVTX from the CUDA toolkit (cuda-nvtx)"),
    (
        re.compile(r"^libcuda\.so"),
        "the NVIDIA driver, which installs libcuda.so.1; without an NVIDIA GPU use a cpu variant",
    ),
    (
        re.compile(r"^lib(torch|torch_cpu|torch_cuda|torch_python|c10|c10_cuda|shm)\.so"),
        (
            "the torch package next to AIMET; AIMET's torch extensions need the exact torch "
            "build (a CUDA build for libtorch_cuda/libc10_cuda) the release pins"
        ),
    ),
    (
        re.compile(r"^libtensorflow_framework\.so"),
        "the tensorflow package the release pins",
    ),
    (re.compile(r"^libz\.so"), "zlib: sudo apt-get install -y zlib1g"),
    (
        re.compile(r"^libjpeg\.so"),
        "libjpeg: sudo apt-get install -y libjpeg-turbo8 or libjpeg62-turbo",
    ),
    (re.compile(r"^libstdc\+\+\.so"), "the GCC C++ runtime: sudo apt-get install -y libstdc++6"),
    (re.compile(r"^libgcc_s\.so"), "the GCC runtime: sudo apt-get install -y libgcc-s1"),
    (re.compile(r"^libgomp\.so"), "OpenMP: sudo apt-get install -y libgomp1"),
    (re.compile(r"^libomp\.so"), "LLVM OpenMP: sudo apt-get install -y libomp5"),
    (re.compile(r"^libunwind"), "sudo apt-get install -y libunwind-14 (or libunwind8)"),
    (
        re.compile(r"^libtinfo\.so\.5|^libncurses\.so\.5"),
        "sudo apt-get install -y libtinfo5 libncurses5",
    ),
)


def provider_of(soname: str) -> str | None:
    """What usually provides ``soname``, or None when aimetenv does not know."""
    for pattern, text in _RULES:
        match = pattern.match(soname)
        if match:
            return text.format(*(g or "" for g in match.groups()))
    return None


__all__ = ["provider_of"]
