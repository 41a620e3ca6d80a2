"""The options of ``aimetenv install``, listed once.

``InstallOptions`` is the one list: the command line (``cli/install.py``) and spec files
(``spec.py``) give values by parameter name, ``InstallOptions.from_values`` checks them, and
``prepare`` and the install read the typed result. A spec's keys are derived from the fields
(``option_keys``): the parameter name with dashes, a flag or a value, a path or not. Output
settings (--json, --quiet, --verbose, --no-color), --spec and --dry-run are not install options.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, Final

from aimetenv.envs.targets import TargetRequest, check_path_argument
from aimetenv.errors import UsageError
from aimetenv.install.inputs import make_options, parse_glibc, parse_python_xy
from aimetenv.install.resolver import Options

if TYPE_CHECKING:
    from collections.abc import Mapping
    from pathlib import Path

    from aimetenv.install.actions import Installer

INSTALLERS: Final = ("pip", "uv")


_VALUE: Final = MappingProxyType({"kind": str, "path": False})
"""An option that takes a value: a string in a spec."""
_PATH: Final = MappingProxyType({"kind": str, "path": True})
"""An option that takes a path: in a spec, relative to the spec's folder."""
_FLAG: Final = MappingProxyType({"kind": bool, "path": False})
"""An on/off option: true or false in a spec."""


def _part(kind: type, *, paths: tuple[str, ...] = ()) -> dict[str, object]:
    """Options grouped in another module's type: each of its fields takes a value.

    ``paths``: the fields that take a path.
    """
    return {"part": kind, "paths": paths}


@dataclass(frozen=True)
class InstallOptions:
    """Every option of ``aimetenv install``, checked and typed.

    The order of the fields is the order of the keys that a bad spec's hint lists.
    """

    variant: str = field(metadata=_VALUE)
    tag: str = field(metadata=_VALUE)
    target: TargetRequest = field(
        default_factory=TargetRequest,
        metadata=_part(TargetRequest, paths=("prefix", "venv", "python")),
    )
    """--name, --prefix, --venv, --python: which environment."""
    python_version: tuple[int, int] | None = field(default=None, metadata=_VALUE)
    """The Python of a new environment, instead of the release's."""
    interpreter: str | None = field(default=None, metadata=_PATH)
    recreate: bool = field(default=False, metadata=_FLAG)
    sources: Options = field(default_factory=Options, metadata=_part(Options))
    """--source, --mirror, --index-url, --torch-index, --torch-find-links: where files come from."""
    glibc: tuple[int, int] | None = field(default=None, metadata=_VALUE)
    allow_http: bool = field(default=False, metadata=_FLAG)
    installer: Installer = field(default="pip", metadata=_VALUE)
    offline: bool = field(default=False, metadata=_FLAG)
    wheel_dir: Path | None = field(default=None, metadata=_PATH)
    with_reqs: bool = field(default=False, metadata=_FLAG)
    pillow_simd: bool = field(default=False, metadata=_FLAG)
    force: bool = field(default=False, metadata=_FLAG)
    """Reinstall even when the receipt says it is done (the AIMET packages in place, too)."""
    keep_failed: bool = field(default=False, metadata=_FLAG)
    """Keep an environment this install created when the install fails (for inspection)."""
    skip_system_check: bool = field(default=False, metadata=_FLAG)
    """Install even when a Debian package the release's native library loads is missing."""
    yes: bool = field(default=False, metadata=_FLAG)

    @classmethod
    def from_values(cls, values: Mapping[str, Any]) -> InstallOptions:
        """Check the values given by parameter name (command line, spec) and type them.

        A name that is not given takes the option's default. The checks run in this order, so
        the first problem is the one reported: --variant and --tag, --installer, the source
        options, --wheel-dir, --python-version, --glibc.
        """
        given = {**_defaults(), **values}
        variant, tag = _require(given)
        installer = given["installer"]
        if installer not in INSTALLERS:
            raise UsageError(
                f"--installer must be pip or uv, got {installer[:40]!r}", code="bad-installer"
            )
        sources = make_options(
            **{f.name: given[f.name] for f in dataclasses.fields(Options)},
            allow_http=given["allow_http"],
        )
        folder = given["wheel_dir"]
        checked: dict[str, Any] = {
            "variant": variant,
            "tag": tag,
            "installer": installer,
            "sources": sources,
            "wheel_dir": None if folder is None else check_path_argument(folder, "--wheel-dir"),
            "python_version": parse_python_xy(given["python_version"], "--python-version"),
            "glibc": parse_glibc(given["glibc"]),
            "target": TargetRequest(
                **{f.name: given[f.name] for f in dataclasses.fields(TargetRequest)}
            ),
        }
        rest = {f.name: given[f.name] for f in dataclasses.fields(cls) if f.name not in checked}
        return cls(**checked, **rest)


@dataclass(frozen=True)
class OptionKey:
    """One install option as a spec file writes it."""

    key: str
    """The long option without dashes: ``python-version``."""
    parameter: str
    """Its parameter name: ``python_version``."""
    kind: type
    """``bool`` for a flag, ``str`` for an option that takes a value."""
    path: bool = False
    """A path, taken from the spec file's folder when relative."""


def option_keys() -> tuple[OptionKey, ...]:
    """Every install option, in the order of ``InstallOptions``, parts spelled out."""
    keys: list[OptionKey] = []
    for option in dataclasses.fields(InstallOptions):
        part = option.metadata.get("part")
        if part is None:
            keys.append(_key(option.name, option.metadata["kind"], path=option.metadata["path"]))
            continue
        paths = option.metadata["paths"]
        keys.extend(_key(f.name, str, path=f.name in paths) for f in dataclasses.fields(part))
    return tuple(keys)


def _key(parameter: str, kind: type, *, path: bool) -> OptionKey:
    return OptionKey(parameter.replace("_", "-"), parameter, kind, path)


def option_values(params: Mapping[str, Any]) -> dict[str, Any]:
    """The install options among a command's parameters (typer's values by name)."""
    return {key.parameter: params[key.parameter] for key in option_keys()}


def _defaults() -> dict[str, Any]:
    """What each option is when it is not given (None for --variant and --tag)."""
    defaults: dict[str, Any] = {}
    for option in dataclasses.fields(InstallOptions):
        part = option.metadata.get("part")
        for one in (option,) if part is None else dataclasses.fields(part):
            defaults[one.name] = None if one.default is dataclasses.MISSING else one.default
    return defaults


def _require(given: Mapping[str, Any]) -> tuple[str, str]:
    """The variant and the tag, which a flag or the spec must give."""
    missing = [f"--{name}" for name in ("variant", "tag") if given[name] is None]
    if missing:
        raise UsageError(
            f"missing option {' and '.join(missing)}",
            hint="Give it on the command line or as a key in --spec FILE.",
            code="missing-option",
        )
    return given["variant"], given["tag"]


__all__ = ["INSTALLERS", "InstallOptions", "OptionKey", "option_keys", "option_values"]
