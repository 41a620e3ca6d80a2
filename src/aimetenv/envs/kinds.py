"""The three kinds of target, one small type each: a conda env, a venv, a plain interpreter.

Each kind knows its own facts and sentences: how messages name it, which flags name it again,
how it is activated, how it is created and what may stop that. Callers ask the kind
(``EnvTarget.env``) instead of comparing ``kind`` strings; the strings stay the JSON values.
"""

from __future__ import annotations

import shlex
from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar, Literal, Union

from aimetenv.errors import UsageError

if TYPE_CHECKING:
    from pathlib import Path

    from packaging.version import Version

    from aimetenv.envs.targets import CondaTool

TargetKind = Literal["conda", "venv", "python"]
_NO_CONDA_HINT = "Install Miniforge, or use --venv PATH for a plain venv."


@dataclass(frozen=True)
class CondaEnv:
    """A conda env: made by conda, named by ``-n`` or ``-p``, activated by ``conda activate``."""

    python: Path
    prefix: Path | None
    name: str | None = None
    conda: CondaTool | None = None

    kind: ClassVar[TargetKind] = "conda"
    own_environment: ClassVar[bool] = True
    """An environment of its own: aimetenv may create, rebuild and byte-compile it."""
    needs_base_interpreter: ClassVar[bool] = False
    creator: ClassVar[str] = "conda"
    activated_by: ClassVar[str] = "conda activate"
    """What runs the activation hooks (``<prefix>/etc/conda/activate.d``)."""

    @property
    def label(self) -> str:
        """``conda env aimet-x (/p)``."""
        named = f" {self.name}" if self.name else ""
        return f"conda env{named} ({self.prefix})"

    def flags(self, *, by_name: bool, prefix: Path | None = None) -> tuple[str, str]:
        """``--name NAME`` when it goes by its name, else ``--prefix PATH``."""
        if by_name and self.name:
            return ("--name", self.name)
        return ("--prefix", str(prefix or self.prefix))

    def activate_command(self, prefix: Path, named: str) -> str | None:
        """``conda activate NAME-OR-PATH`` (``named``: the flag's value, shell-quoted)."""
        del prefix
        return f"conda activate {named}"

    def create_argv(
        self,
        python_xy: str,
        base_interpreter: Path | None,
        *,
        clear: bool,
        by_name: bool,
        without_pip: bool = False,
    ) -> tuple[str, ...]:
        """``conda create --yes --name N|--prefix P python=X.Y``; conda replaces a prefix itself."""
        del base_interpreter, clear, without_pip
        if self.conda is None or self.prefix is None:
            msg = "a conda target needs a conda executable and a prefix"
            raise ValueError(msg)
        where = ("--name", self.name) if by_name and self.name else ("--prefix", str(self.prefix))
        return (self.conda.exe, "create", "--yes", *where, f"python={python_xy}")

    def check_new(self) -> None:
        """Refuse to go on when it does not exist and cannot be created."""
        if self.conda is None:
            raise UsageError(
                f"{self.label} does not exist, and no conda, mamba or micromamba was found to "
                "create it",
                hint=_NO_CONDA_HINT,
                code="no-conda",
            )

    def check_recreate(self) -> None:
        """Refuse ``--recreate`` when it cannot be rebuilt."""
        if self.conda is None:
            raise UsageError(
                f"--recreate: {self.label} can only be rebuilt with conda, and none was found",
                hint=_NO_CONDA_HINT,
                code="no-conda",
            )


@dataclass(frozen=True)
class VirtualEnv:
    """A venv: made by ``python -m venv`` from a base interpreter, activated by ``bin/activate``."""

    python: Path
    prefix: Path | None

    kind: ClassVar[TargetKind] = "venv"
    own_environment: ClassVar[bool] = True
    """An environment of its own: aimetenv may create, rebuild and byte-compile it."""
    needs_base_interpreter: ClassVar[bool] = True
    creator: ClassVar[str] = "venv"
    activated_by: ClassVar[str] = "source bin/activate"
    """What runs the activation hooks (blocks in ``bin/activate`` and ``bin/activate.fish``)."""

    @property
    def label(self) -> str:
        """``venv /x``."""
        return f"venv {self.prefix}"

    def flags(self, *, by_name: bool, prefix: Path | None = None) -> tuple[str, str]:
        """``--venv PATH``."""
        del by_name
        return ("--venv", str(prefix or self.prefix))

    def activate_command(self, prefix: Path, named: str) -> str | None:
        """``. PREFIX/bin/activate``."""
        del named
        return f". {shlex.quote(str(prefix / 'bin' / 'activate'))}"

    def create_argv(
        self,
        python_xy: str,
        base_interpreter: Path | None,
        *,
        clear: bool,
        by_name: bool,
        without_pip: bool = False,
    ) -> tuple[str, ...]:
        """``BASE -m venv [--without-pip] [--clear] PREFIX``.

        ``clear``: rebuild an existing venv. ``without_pip``: leave out ensurepip, for a caller
        that puts pip in itself (``bundled_wheels``).
        """
        del python_xy, by_name
        if base_interpreter is None or self.prefix is None:
            msg = "a venv target needs a base interpreter and a prefix"
            raise ValueError(msg)
        flags = (("--without-pip",) if without_pip else ()) + (("--clear",) if clear else ())
        return (str(base_interpreter), "-m", "venv", *flags, str(self.prefix))

    def check_new(self) -> None:
        """Refuse a path that is not a directory, or a non-empty directory that is not a venv."""
        prefix = self.prefix
        if prefix is None:
            return
        if prefix.exists() and not prefix.is_dir():
            raise UsageError(f"--venv {prefix} exists and is not a directory", code="bad-venv")
        if prefix.is_dir() and any(prefix.iterdir()) and not (prefix / "pyvenv.cfg").exists():
            raise UsageError(
                f"{prefix} is a non-empty directory that is not a venv; aimetenv will not write "
                "into it",
                hint="Choose an empty or new path for --venv.",
                code="bad-venv",
            )

    def check_recreate(self) -> None:
        """Refuse to clear a folder that is not a venv."""
        prefix = self.prefix
        if prefix is not None and not (prefix / "pyvenv.cfg").is_file():
            raise UsageError(
                f"--recreate: {prefix} is not a venv (no pyvenv.cfg); aimetenv will not clear it",
                hint="Choose the path of a venv, or a new path.",
                code="bad-venv",
            )


@dataclass(frozen=True)
class PlainPython:
    """An interpreter named by ``--python``: used as it is, never created, rebuilt or activated."""

    python: Path

    kind: ClassVar[TargetKind] = "python"
    own_environment: ClassVar[bool] = False
    needs_base_interpreter: ClassVar[bool] = False
    creator: ClassVar[str] = "python"

    @property
    def label(self) -> str:
        """``interpreter /usr/bin/python3``."""
        return f"interpreter {self.python}"

    def flags(self, *, by_name: bool, prefix: Path | None = None) -> tuple[str, str]:
        """``--python PATH`` (an interpreter is named by itself, never by its prefix)."""
        del by_name, prefix
        return ("--python", str(self.python))

    def activate_command(self, prefix: Path, named: str) -> str | None:
        """None: there is nothing to activate."""
        del prefix, named
        return None

    def create_argv(
        self,
        python_xy: str,
        base_interpreter: Path | None,
        *,
        clear: bool,
        by_name: bool,
        without_pip: bool = False,
    ) -> tuple[str, ...]:
        """Never: an interpreter is not created."""
        del python_xy, base_interpreter, clear, by_name, without_pip
        msg = "an interpreter target is never created"
        raise ValueError(msg)

    def check_new(self) -> None:
        """A missing interpreter cannot be made."""
        raise UsageError(f"--python {self.python}: no such interpreter", code="no-interpreter")

    def check_recreate(self) -> None:
        """Nothing: ``--recreate`` does not apply to an interpreter."""


#: The projects ``ensurepip`` puts in a new venv from its bundled wheels (setuptools up to 3.11).
ENSUREPIP_PROJECTS = ("pip", "setuptools")


@dataclass(frozen=True)
class BundledWheels:
    """The wheels ``ensurepip`` would install into a venv made by one base interpreter."""

    folder: Path
    """Where they were looked for: ``<base prefix>/lib/pythonX.Y/ensurepip/_bundled``."""
    wheels: tuple[Path, ...]
    """The newest wheel of each of ``ENSUREPIP_PROJECTS`` there; empty when there is no pip."""


def bundled_wheels(base_prefix: Path, python_xy: str) -> BundledWheels:
    """The pip (and setuptools) wheels bundled with the Python installed at ``base_prefix``.

    The newest of each project, as a folder may hold a stale one beside the current; nothing when
    the folder holds no pip wheel (Debian moves them to ``/usr/share/python-wheels``, or leaves
    ensurepip out).
    """
    from packaging.utils import InvalidWheelFilename, parse_wheel_filename  # noqa: PLC0415  # a new venv only
    from packaging.version import InvalidVersion  # noqa: PLC0415  # as above

    folder = base_prefix / "lib" / f"python{python_xy}" / "ensurepip" / "_bundled"
    newest: dict[str, tuple[Version, Path]] = {}
    try:
        found = sorted(folder.glob("*.whl"))
    except OSError:
        found = []
    for path in found:
        try:
            name, version, _build, _tags = parse_wheel_filename(path.name)
        except (InvalidWheelFilename, InvalidVersion):
            continue
        if name in ENSUREPIP_PROJECTS and (name not in newest or version > newest[name][0]):
            newest[name] = (version, path)
    if "pip" not in newest or not newest["pip"][1].is_file():
        return BundledWheels(folder, ())
    return BundledWheels(folder, tuple(newest[n][1] for n in ENSUREPIP_PROJECTS if n in newest))


EnvKind = Union[CondaEnv, VirtualEnv, PlainPython]
KIND_TYPES: dict[TargetKind, type[EnvKind]] = {
    "conda": CondaEnv,
    "venv": VirtualEnv,
    "python": PlainPython,
}
"""Each kind's type, by its JSON value."""

__all__ = [
    "ENSUREPIP_PROJECTS",
    "KIND_TYPES",
    "BundledWheels",
    "CondaEnv",
    "EnvKind",
    "PlainPython",
    "TargetKind",
    "VirtualEnv",
    "bundled_wheels",
]
