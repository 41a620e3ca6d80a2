"""``aimetenv doctor``: is an AIMET environment healthy, and if not, why."""

from __future__ import annotations
