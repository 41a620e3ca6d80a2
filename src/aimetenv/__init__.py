"""aimetenv: install, check and set up Qualcomm AIMET environments."""

from __future__ import annotations

__version__ = "0.1.0"
