"""Install specs: the options of ``aimetenv install`` written down in a YAML file.

``aimetenv install --spec aimetenv.yaml`` reads the file, checks every key and value, and uses
them wherever the same option was not given on the command line (flags win). Keys are the long
option names without the dashes (``python-version``, ``torch-index``); relative paths are taken
from the spec file's folder, ``~`` is expanded.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from aimetenv.errors import FileError, UsageError

if TYPE_CHECKING:
    from collections.abc import Iterable
    from pathlib import Path

SPEC_SCHEMA = 1


@dataclass(frozen=True)
class _Key:
    parameter: str
    kind: type
    path: bool = False


KEYS: dict[str, _Key] = {
    "variant": _Key("variant", str),
    "tag": _Key("tag", str),
    "name": _Key("name", str),
    "prefix": _Key("prefix", str, path=True),
    "venv": _Key("venv", str, path=True),
    "python": _Key("python", str, path=True),
    "python-version": _Key("python_version", str),
    "interpreter": _Key("interpreter", str, path=True),
    "recreate": _Key("recreate", bool),
    "source": _Key("source", str),
    "mirror": _Key("mirror", str),
    "index-url": _Key("index_url", str),
    "torch-index": _Key("torch_index", str),
    "torch-find-links": _Key("torch_find_links", str),
    "glibc": _Key("glibc", str),
    "allow-http": _Key("allow_http", bool),
    "installer": _Key("installer", str),
    "offline": _Key("offline", bool),
    "wheel-dir": _Key("wheel_dir", str, path=True),
    "with-reqs": _Key("with_reqs", bool),
    "pillow-simd": _Key("pillow_simd", bool),
    "force": _Key("force", bool),
    "yes": _Key("yes", bool),
}
"""Every key a spec may hold, and the install option it stands for. Output settings (--json,
--quiet, --verbose, --no-color) and --dry-run belong to the command line, not to a spec."""


def _fail(path: Path, message: str, hint: str | None = None) -> UsageError:
    return UsageError(f"spec {path}: {message}", hint=hint, code="bad-spec")


def _value(path: Path, key: str, raw: object) -> object:
    expected = KEYS[key].kind
    if expected is bool:
        if not isinstance(raw, bool):
            raise _fail(path, f"{key} must be true or false, not {raw!r}")
        return raw
    if isinstance(raw, (int, float)) and not isinstance(raw, bool):
        raw = str(raw)  # python-version: 3.10 arrives as a float; keep what was written
    if not isinstance(raw, str) or not raw.strip():
        raise _fail(path, f"{key} must be a non-empty string")
    if KEYS[key].path and not raw.startswith(("/", "~")) and "://" not in raw:
        return str((path.parent / raw).absolute())
    return raw


def load_spec(path: Path) -> dict[str, object]:
    """Read and validate a spec; return install parameter names mapped to their values."""
    import yaml  # noqa: PLC0415  # only when a spec is given

    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise _fail(path, "no such file") from None
    except (OSError, UnicodeDecodeError) as error:
        raise FileError(f"cannot read spec {path}: {error}", code="spec-unreadable") from None
    try:
        data: Any = yaml.safe_load(text)
    except yaml.YAMLError as error:
        raise _fail(path, f"not valid YAML ({type(error).__name__})") from None
    except RecursionError:  # the pure-Python loader recurses once per level of nesting
        raise _fail(path, "not valid YAML (nested too deeply)") from None
    if not isinstance(data, dict):
        raise _fail(path, "expected a mapping of option names to values")
    schema = data.pop("schema", SPEC_SCHEMA)
    if schema != SPEC_SCHEMA:
        raise _fail(path, f"schema {schema!r} is not supported (expected {SPEC_SCHEMA})")
    unknown = sorted(str(k) for k in data if k not in KEYS)
    if unknown:
        raise _fail(
            path,
            f"unknown key(s) {', '.join(unknown)}",
            hint=f"Keys are install's long options without dashes: {', '.join(KEYS)}.",
        )
    if "python-version" in data and isinstance(data["python-version"], float):
        raise _fail(
            path,
            f"python-version {data['python-version']!r} must be quoted ('3.10'), "
            "or YAML reads 3.10 as the number 3.1",
        )
    return {KEYS[key].parameter: _value(path, key, raw) for key, raw in data.items()}


@dataclass(frozen=True)
class InstallFlags:
    """Every install option a spec can set, as the command line gave it."""

    variant: str | None = None
    tag: str | None = None
    name: str | None = None
    prefix: str | None = None
    venv: str | None = None
    python: str | None = None
    python_version: str | None = None
    interpreter: str | None = None
    recreate: bool = False
    source: str = "auto"
    mirror: str | None = None
    index_url: str | None = None
    torch_index: str | None = None
    torch_find_links: str | None = None
    glibc: str | None = None
    allow_http: bool = False
    installer: str = "pip"
    offline: bool = False
    wheel_dir: str | None = None
    with_reqs: bool = False
    pillow_simd: bool = False
    force: bool = False
    yes: bool = False

    def with_spec(self, values: dict[str, object], explicit: Iterable[str]) -> InstallFlags:
        """The spec's values wherever the option was not given explicitly (flags win)."""
        chosen = {k: v for k, v in values.items() if k not in set(explicit)}
        return dataclasses.replace(self, **chosen)  # type: ignore[arg-type]  # validated by load_spec

    def require(self) -> tuple[str, str]:
        """The variant and the tag, which a flag or the spec must give."""
        missing = [f"--{n}" for n in ("variant", "tag") if getattr(self, n) is None]
        if missing:
            raise UsageError(
                f"missing option {' and '.join(missing)}",
                hint="Give it on the command line or as a key in --spec FILE.",
                code="missing-option",
            )
        assert self.variant is not None  # noqa: S101  # checked just above
        assert self.tag is not None  # noqa: S101  # checked just above
        return self.variant, self.tag


__all__ = ["KEYS", "SPEC_SCHEMA", "InstallFlags", "load_spec"]
