"""Install specs: the options of ``aimetenv install`` written down in a YAML file.

``aimetenv install --spec aimetenv.yaml`` reads the file, checks every key and value, and uses
them wherever the same option was not given on the command line (flags win). Keys are the long
option names without the dashes (``python-version``, ``torch-index``); relative paths are taken
from the spec file's folder, ``~`` is expanded.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from aimetenv.errors import FileError, UsageError
from aimetenv.install.options import option_keys

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping
    from pathlib import Path

    from aimetenv.install.options import OptionKey

SPEC_SCHEMA = 1


KEYS: dict[str, OptionKey] = {key.key: key for key in option_keys()}
"""Every key a spec may hold (``options.InstallOptions`` lists them), by its name in a spec."""


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


def with_spec(
    given: Mapping[str, object], spec: Mapping[str, object], explicit: Iterable[str]
) -> dict[str, object]:
    """The spec's values wherever the option was not given explicitly (flags win)."""
    chosen = {k: v for k, v in spec.items() if k not in set(explicit)}
    return {**given, **chosen}


__all__ = ["KEYS", "SPEC_SCHEMA", "load_spec", "with_spec"]
