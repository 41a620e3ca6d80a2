"""The doctor's checks: the explicit, ordered registry. Order is the order of the report."""

from __future__ import annotations

from aimetenv.doctor.checks.aimet_conflicts import AIMET_CONFLICTS
from aimetenv.doctor.checks.aimet_packages import AIMET_PACKAGES
from aimetenv.doctor.checks.environment import ENVIRONMENT
from aimetenv.doctor.checks.framework import FRAMEWORK
from aimetenv.doctor.checks.gpu import GPU
from aimetenv.doctor.checks.interpreter import INTERPRETER
from aimetenv.doctor.checks.libpymo import LIBPYMO
from aimetenv.doctor.checks.native_libs import NATIVE_LIBS
from aimetenv.doctor.checks.package_import import PACKAGE_IMPORT
from aimetenv.doctor.checks.pip import PIP
from aimetenv.doctor.checks.platform_info import PLATFORM
from aimetenv.doctor.checks.python_version import PYTHON
from aimetenv.doctor.checks.quantize import QUANTIZE
from aimetenv.doctor.checks.requirements import REQUIREMENTS
from aimetenv.doctor.checks.system_packages import SYSTEM_PACKAGES

ALL_CHECKS = (
    INTERPRETER,
    PLATFORM,
    PYTHON,
    PIP,
    AIMET_PACKAGES,
    AIMET_CONFLICTS,
    REQUIREMENTS,
    FRAMEWORK,
    NATIVE_LIBS,
    LIBPYMO,
    PACKAGE_IMPORT,
    ENVIRONMENT,
    GPU,
    SYSTEM_PACKAGES,
    QUANTIZE,
)

__all__ = ["ALL_CHECKS"]
