"""Which environment a command acts on, and why.

The choosers are pure (facts about the machine come in as values); ``check_target`` and
``last_installed_target`` gather those facts for ``env`` and ``doctor``.

install: ``-n/--name`` and ``-p/--prefix`` (conda), ``--venv PATH``, ``--python PATH``; with none
of them the active conda env (not base), else a new env named after the variant and tag, made with
conda when a conda-compatible executable exists, else a venv under the user data directory.

doctor and env: the same flags; with none of them the active conda env, then ``$VIRTUAL_ENV``,
then the env aimetenv installed last, then the interpreter aimetenv itself runs on.
"""

from __future__ import annotations

import enum
import os
import re
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from aimetenv.envs.kinds import KIND_TYPES, CondaEnv, PlainPython, TargetKind, VirtualEnv
from aimetenv.errors import UsageError

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

    from aimetenv.envs.kinds import EnvKind
    from aimetenv.runner import Runner

CondaFlavour = Literal["conda", "mamba", "micromamba"]
_CONDA_NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._+-]{0,99}$")
_SHOWN = 100
"""Paths longer than this are shown by their start and end in messages."""
_PATH_MAX = 4096
"""Linux's limit on a path, in bytes with the final NUL; each name may hold ``_NAME_MAX``."""
_NAME_MAX = 255
_ACTIVE_CONDA = "the active conda env ($CONDA_PREFIX)"
LAST_INSTALL_REASON = "the env aimetenv installed last"
DOCTOR_LAST_INSTALL_REASON = "the environment aimetenv installed last"


class Origin(enum.Enum):
    """Why a target was chosen: what the code decides on (``EnvTarget.reason`` is for people)."""

    NAME_GIVEN = "name-given"
    PREFIX_GIVEN = "prefix-given"
    VENV_GIVEN = "venv-given"
    PYTHON_GIVEN = "python-given"
    ACTIVE_CONDA = "active-conda"
    ACTIVE_VENV = "active-venv"
    NEW = "new"
    """A new env named after the variant and tag (install without target flags)."""
    LAST_INSTALL = "last-install"
    SELF = "self"
    """The interpreter aimetenv itself runs on."""


@dataclass(frozen=True)
class TargetRequest:
    """The target flags as the user gave them."""

    name: str | None = None
    prefix: str | None = None
    venv: str | None = None
    python: str | None = None

    def flags(self) -> list[str]:
        """The flags that were given."""
        given = []
        if self.name is not None:
            given.append("--name")
        if self.prefix is not None:
            given.append("--prefix")
        if self.venv is not None:
            given.append("--venv")
        if self.python is not None:
            given.append("--python")
        return given


@dataclass(frozen=True)
class CondaTool:
    """A conda-compatible executable."""

    exe: str
    flavour: CondaFlavour
    found_by: str


@dataclass(frozen=True)
class CondaInfo:
    """What ``<conda> info --json`` says about where environments live."""

    root_prefix: Path | None
    envs_dirs: tuple[Path, ...]
    envs: tuple[Path, ...]


@dataclass(frozen=True)
class EnvTarget:
    """The environment a command acts on."""

    kind: TargetKind
    python: Path
    reason: str
    """Why it was chosen, in words for messages; code decides on ``origin``."""
    origin: Origin
    prefix: Path | None = None
    name: str | None = None
    conda: CondaTool | None = None
    exists: bool = True

    @property
    def env(self) -> EnvKind:
        """The kind's own type, which knows its flags, activation and creation."""
        if self.kind == "conda":
            return CondaEnv(self.python, self.prefix, self.name, self.conda)
        if self.kind == "venv":
            return VirtualEnv(self.python, self.prefix)
        return PlainPython(self.python)

    @property
    def label(self) -> str:
        """How messages name it: ``venv /x``, ``conda env aimet-x (/p)``, ``interpreter /usr/bin/python3``."""
        return self.env.label

    def flags(self, prefix: Path | None = None) -> tuple[str, str]:
        """The flag that names it to another aimetenv command, and its value.

        ``prefix``: the env's folder as the caller found it, when that is known better.
        """
        return self.env.flags(by_name=self.by_name, prefix=prefix)

    @property
    def by_name(self) -> bool:
        """Whether other commands name it by its conda name (``-n``) rather than its path.

        A conda env named with ``-n``, or the new one install names after the variant and tag.
        """
        return bool(self.name) and self.origin in (Origin.NAME_GIVEN, Origin.NEW)


def env_python(prefix: Path) -> Path:
    """The interpreter of a conda env or venv."""
    return prefix / "bin" / "python"


def find_conda(environ: Mapping[str, str], which: Callable[[str], str | None]) -> CondaTool | None:
    """``$CONDA_EXE``, ``$MAMBA_EXE``, then conda, mamba, micromamba on PATH."""
    for variable in ("CONDA_EXE", "MAMBA_EXE"):
        value = environ.get(variable)
        if value:
            return CondaTool(value, _flavour(value), f"${variable}")
    for name in ("conda", "mamba", "micromamba"):
        found = which(name)
        if found:
            return CondaTool(found, _flavour(found), f"{name} on PATH")
    return None


def _flavour(path: str) -> CondaFlavour:
    base = Path(path).name
    if base.startswith("micromamba"):
        return "micromamba"
    if base.startswith("mamba"):
        return "mamba"
    return "conda"


def check_conda_name(name: str) -> str:
    """A conda env name as conda accepts it; refuse paths, spaces and control characters."""
    if not _CONDA_NAME_RE.match(name):
        raise UsageError(
            f"invalid conda environment name {name[:40]!r}: use letters, digits, '.', '_', '+' or '-'",
            hint="Use -p/--prefix PATH for an environment at a path.",
            code="bad-env-name",
        )
    return name


def _shown_path(text: str) -> str:
    """A path quoted for a message, its start and end kept (where a stray character shows)."""
    return repr(text if len(text) <= _SHOWN else f"{text[: _SHOWN // 2]}...{text[-_SHOWN // 2 :]}")


def check_path_argument(text: str, flag: str) -> Path:
    """A path option: not empty, no NUL or newline (they cannot round-trip through shells), UTF-8.

    A path longer than the system allows is refused here too: every later step (a lock, a
    receipt, the venv itself) would fail on it.
    """
    if not text.strip() or "\x00" in text or "\n" in text or "\r" in text:
        raise UsageError(
            f"{flag} needs a path (not empty, without newlines or NUL characters), got "
            f"{_shown_path(text)}",
            code="bad-path",
        )
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:  # bytes that are not UTF-8 arrive as lone surrogates
        raise UsageError(
            f"{flag} needs a path that is valid UTF-8, got {_shown_path(text)}",
            hint="Environments, logs, receipts and shell files name this path as UTF-8 text.",
            code="bad-path",
        ) from None
    path = Path(text).expanduser().absolute()
    raw = os.fsencode(path)
    if len(raw) >= _PATH_MAX or any(len(name) > _NAME_MAX for name in raw.split(b"/")):
        raise UsageError(
            f"{flag} is too long for a path ({len(raw)} bytes; at most {_PATH_MAX - 1}, and "
            f"{_NAME_MAX} for each name): {_shown_path(text)}",
            code="bad-path",
        )
    return path


def _single(request: TargetRequest) -> None:
    flags = request.flags()
    if len(flags) > 1:
        raise UsageError(
            f"choose one target: {' and '.join(flags)} were both given",
            hint="Use one of -n/--name, -p/--prefix, --venv or --python.",
            code="conflicting-targets",
        )


def _is_base(environ: Mapping[str, str], info: Callable[[], CondaInfo | None]) -> bool:
    if environ.get("CONDA_DEFAULT_ENV") == "base":
        return True
    prefix = Path(environ["CONDA_PREFIX"])
    root = environ.get("CONDA_ROOT")
    if root:
        return Path(root) == prefix
    details = info()
    return details is not None and details.root_prefix == prefix


def _explicit(
    request: TargetRequest,
    conda: CondaTool | None,
    conda_info: Callable[[], CondaInfo | None],
    exists: Callable[[Path], bool],
) -> EnvTarget | None:
    if request.python is not None:
        python = check_path_argument(request.python, "--python")
        return EnvTarget(
            "python", python, "--python given", Origin.PYTHON_GIVEN, exists=exists(python)
        )
    if request.venv is not None:
        prefix = check_path_argument(request.venv, "--venv")
        return _in_prefix("venv", prefix, Origin.VENV_GIVEN, "--venv given", exists)
    if request.prefix is not None:
        prefix = check_path_argument(request.prefix, "--prefix")
        return _in_prefix(
            "conda", prefix, Origin.PREFIX_GIVEN, "--prefix given", exists, conda=conda
        )
    if request.name is not None:
        name = check_conda_name(request.name)
        if conda is None:
            raise UsageError(
                f"--name {name} needs conda, mamba or micromamba, and none was found",
                hint="Install Miniforge, or use --venv PATH for a plain venv.",
                code="no-conda",
            )
        prefix = conda_prefix_for(name, conda_info())
        return _in_prefix(
            "conda", prefix, Origin.NAME_GIVEN, "--name given", exists, name=name, conda=conda
        )
    return None


def _in_prefix(  # the fields of EnvTarget that differ between callers
    kind: TargetKind,
    prefix: Path,
    origin: Origin,
    reason: str,
    exists: Callable[[Path], bool],
    *,
    name: str | None = None,
    conda: CondaTool | None = None,
) -> EnvTarget:
    """The conda env or venv at ``prefix``; ``exists`` is asked about its interpreter."""
    python = env_python(prefix)
    return EnvTarget(
        kind, python, reason, origin, prefix=prefix, name=name, conda=conda, exists=exists(python)
    )


def conda_prefix_for(name: str, info: CondaInfo | None) -> Path:
    """Where conda keeps (or would create) the env called ``name``."""
    if info is None:
        raise UsageError(
            "conda did not say where its environments live ('conda info --json' failed)",
            hint="Use -p/--prefix PATH instead of --name.",
            code="conda-info-failed",
        )
    if name == "base" and info.root_prefix is not None:
        return info.root_prefix
    for env in info.envs:
        if env.name == name:
            return env
    if not info.envs_dirs:
        raise UsageError(
            "conda reported no environment directories",
            hint="Use -p/--prefix PATH instead of --name.",
            code="conda-info-failed",
        )
    return info.envs_dirs[0] / name


def choose_install_target(  # every input is a distinct fact about the machine
    request: TargetRequest,
    *,
    environ: Mapping[str, str],
    conda: CondaTool | None,
    conda_info: Callable[[], CondaInfo | None],
    default_name: str,
    venvs_dir: Path,
    exists: Callable[[Path], bool],
) -> EnvTarget:
    """The environment ``install`` acts on, with the reason it was chosen."""
    _single(request)
    chosen = _explicit(request, conda, conda_info, exists)
    if chosen is not None:
        return chosen
    active = environ.get("CONDA_PREFIX")
    if active and not _is_base(environ, conda_info):
        prefix = Path(active)
        name = environ.get("CONDA_DEFAULT_ENV") or prefix.name
        return _in_prefix(
            "conda", prefix, Origin.ACTIVE_CONDA, _ACTIVE_CONDA, exists, name=name, conda=conda
        )
    if conda is not None:
        return _in_prefix(
            "conda",
            conda_prefix_for(default_name, conda_info()),
            Origin.NEW,
            f"a new conda env named after the variant and tag ({conda.flavour} found by {conda.found_by})",
            exists,
            name=default_name,
            conda=conda,
        )
    return _in_prefix(
        "venv",
        venvs_dir / default_name,
        Origin.NEW,
        "a new venv named after the variant and tag (no conda, mamba or micromamba found)",
        exists,
    )


def choose_check_target(  # every input is a distinct fact about the machine
    request: TargetRequest,
    *,
    environ: Mapping[str, str],
    conda: CondaTool | None,
    conda_info: Callable[[], CondaInfo | None],
    last_installed: EnvTarget | None,
    current_python: Path,
    exists: Callable[[Path], bool],
) -> EnvTarget:
    """The environment ``doctor`` and ``env`` look at, with the reason it was chosen."""
    _single(request)
    chosen = _explicit(request, conda, conda_info, exists)
    if chosen is not None:
        return chosen
    active = environ.get("CONDA_PREFIX")
    if active and environ.get("CONDA_DEFAULT_ENV") != "base":
        name = environ.get("CONDA_DEFAULT_ENV")
        return _in_prefix(
            "conda",
            Path(active),
            Origin.ACTIVE_CONDA,
            _ACTIVE_CONDA,
            exists,
            name=name,
            conda=conda,
        )
    venv = environ.get("VIRTUAL_ENV")
    if venv:
        return _in_prefix(
            "venv", Path(venv), Origin.ACTIVE_VENV, "the active venv ($VIRTUAL_ENV)", exists
        )
    if last_installed is not None and exists(last_installed.python):
        return last_installed
    return EnvTarget(
        "python",
        current_python,
        "the interpreter aimetenv runs on (no env was named or active)",
        Origin.SELF,
    )


def last_installed_target(state: Path, *, for_doctor: bool = False) -> EnvTarget | None:
    """The environment of the last successful ``aimetenv install``, if it recorded one.

    ``env`` words it "the env aimetenv installed last", skips a record of an unknown kind, and
    finds the env folder of a ``--python`` install around its interpreter. ``doctor`` words it
    "the environment aimetenv installed last", reads an unknown kind as a venv, and keeps the
    prefix the install recorded for a ``--python`` target (it shows it, and reads the receipt
    there).
    """
    from aimetenv.install.receipt import read_last_install  # noqa: PLC0415  # JSON only

    record = read_last_install(state)
    if record is None:
        return None
    known = record.get("kind") in ("conda", "venv", "python")
    kind: TargetKind = record["kind"] if known else "venv"  # type: ignore[assignment]
    prefix = record.get("prefix")
    python = record.get("python")
    if not python or not (known or for_doctor):
        return None
    keep_prefix = bool(prefix) and (for_doctor or KIND_TYPES[kind].own_environment)
    return EnvTarget(
        kind,
        Path(python),
        DOCTOR_LAST_INSTALL_REASON if for_doctor else LAST_INSTALL_REASON,
        Origin.LAST_INSTALL,
        prefix=Path(prefix) if prefix and keep_prefix else None,
    )


def check_target(  # the facts of the machine, each injectable for doctor's tests
    request: TargetRequest,
    environ: Mapping[str, str],
    state: Path,
    *,
    runner: Runner | None = None,
    current_python: Path | None = None,
    for_doctor: bool = False,
) -> EnvTarget:
    """The env that ``env`` and ``doctor`` look at, with the reason it was chosen.

    The flags, else the active conda env, else ``$VIRTUAL_ENV``, else the env aimetenv installed
    last (``for_doctor``: in doctor's words, see ``last_installed_target``), else the interpreter
    aimetenv runs on. ``runner`` asks conda where its envs live (a new one when None).
    """
    import shutil  # noqa: PLC0415  # only to look for conda on PATH

    conda = find_conda(environ, shutil.which)

    def info() -> CondaInfo | None:
        if conda is None:
            return None
        from aimetenv.envs.conda import conda_info  # noqa: PLC0415  # --name only
        from aimetenv.runner import SubprocessRunner  # noqa: PLC0415  # --name only

        return conda_info(runner or SubprocessRunner(), conda)

    return choose_check_target(
        request,
        environ=environ,
        conda=conda,
        conda_info=info,
        last_installed=last_installed_target(state, for_doctor=for_doctor),
        current_python=Path(sys.executable) if current_python is None else current_python,
        exists=Path.exists,
    )


__all__ = [
    "DOCTOR_LAST_INSTALL_REASON",
    "LAST_INSTALL_REASON",
    "CondaInfo",
    "CondaTool",
    "EnvTarget",
    "Origin",
    "TargetKind",
    "TargetRequest",
    "check_conda_name",
    "check_path_argument",
    "check_target",
    "choose_check_target",
    "choose_install_target",
    "conda_prefix_for",
    "env_python",
    "find_conda",
    "last_installed_target",
]
