"""A small ``EnvExports`` for tests of what is printed and written (no environment behind it)."""

from __future__ import annotations

from aimetenv.shellenv.exports import EnvExports, Export
from aimetenv.shellenv.recognise import InstalledRelease


def exports_of(  # the fields tests vary
    *exports: Export, key: str = "/envs/x", notes: tuple[str, ...] = ()
) -> EnvExports:
    """The exports of AIMET 1.16.2.py37 torch-cpu in a venv at ``key`` (site-packages /site)."""
    release = InstalledRelease((1, 16, 2), "1.16.2.py37", "torch-cpu", "cpu", "AimetTorch x")
    return EnvExports(
        key=key,
        label=f"venv {key}",
        reason="--venv given",
        release=release,
        source="probe",
        site_packages="/site",
        exports=exports,
        notes=notes,
        envsetup=None,
    )


__all__ = ["exports_of"]
