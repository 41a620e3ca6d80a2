"""Checking catalog values: each helper returns the value or raises a ``CatalogError`` naming its place."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any, cast

from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.tags import parse_tag

from aimetenv.catalog.model import (
    CONFIDENCE_LEVELS,
    WheelFile,
)
from aimetenv.catalog.names import wheel_fields
from aimetenv.errors import CatalogError

if TYPE_CHECKING:
    from collections.abc import Mapping

SHA256_RE = re.compile(r"^[0-9a-f]{64}$")
XY_RE = re.compile(r"^\d+\.\d+$")


class Where:
    """Names the place in the catalog that a validation error is about."""

    def __init__(self, origin: str, path: str = "") -> None:
        """``origin``: the file; ``path``: the place inside it, like ``releases[3].tag``."""
        self.origin = origin
        self.path = path

    def at(self, part: str) -> Where:
        """The place one step further in."""
        return Where(self.origin, f"{self.path}{part}" if self.path else part)

    def fail(self, problem: str) -> CatalogError:
        """The error for ``problem`` at this place."""
        where = f" {self.path}:" if self.path else ""
        return CatalogError(
            f"release catalog {self.origin}:{where} {problem}",
            hint="Reinstall aimetenv, or remove the overlay with 'aimetenv releases --reset'.",
            code="catalog-invalid",
        )


def mapping(value: object, where: Where) -> Mapping[str, Any]:
    """``value`` as a mapping."""
    if not isinstance(value, dict):
        raise where.fail(f"expected a mapping, found {type(value).__name__}")
    return cast("Mapping[str, Any]", value)


def text_value(value: object, where: Where, *, optional: bool = False) -> str | None:
    """``value`` as a non-empty string (None when ``optional`` and missing)."""
    if value is None and optional:
        return None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str) or not value.strip():
        raise where.fail("expected a non-empty string")
    return value


def required_text(value: object, where: Where) -> str:
    """``value`` as a non-empty string."""
    text = text_value(value, where)
    assert text is not None  # noqa: S101  # text_value without optional never returns None
    return text


def check_keys(data: Mapping[str, Any], allowed: frozenset[str], where: Where) -> None:
    """Refuse keys outside ``allowed``."""
    unknown = sorted(set(data) - allowed)
    if unknown:
        raise where.fail(f"unknown field(s) {', '.join(unknown)}")


def specifier(value: object, where: Where) -> SpecifierSet:
    """``value`` as a version specifier."""
    text = required_text(value, where)
    try:
        return SpecifierSet(text)
    except InvalidSpecifier:
        raise where.fail(f"not a version specifier: {text!r}") from None


def xy_value(value: object, where: Where, *, optional: bool = True) -> str | None:
    """``value`` as an X.Y version."""
    text = text_value(value, where, optional=optional)
    if text is not None and not XY_RE.match(text):
        raise where.fail(f"expected a version like 3.10, found {text!r}")
    return text


def confidence(value: object, where: Where) -> str:
    """``value`` as one of the confidence levels."""
    text = required_text(value, where)
    if text not in CONFIDENCE_LEVELS:
        raise where.fail(f"confidence must be one of {', '.join(CONFIDENCE_LEVELS)}, not {text!r}")
    return text


def wheel_file(value: object, where: Where) -> WheelFile:
    """``value`` as a release-host wheel: its file name, or a mapping with its details.

    ``quoted`` names the source that quotes the exact file name; without it the name is inferred.
    """
    quoted = None
    if isinstance(value, str):
        name, find_links = value, False
    else:
        data = mapping(value, where)
        check_keys(data, frozenset({"file", "find_links", "quoted"}), where)
        name = required_text(data.get("file"), where.at(".file"))
        find_links = bool(data.get("find_links", False))
        quoted = text_value(data.get("quoted"), where.at(".quoted"), optional=True)
    fields = wheel_fields(name)
    if fields is None or "/" in name:
        raise where.fail(f"not a wheel file name: {name!r}")
    try:
        parse_tag(fields[2])
    except ValueError:
        raise where.fail(f"wheel file name has no valid tags: {name!r}") from None
    return WheelFile(filename=name, find_links=find_links, quoted=quoted)


def wheel_tag(value: object, where: Where) -> None:
    """Refuse a wheel tag that packaging cannot parse."""
    text = required_text(value, where)
    try:
        parse_tag(text)
    except ValueError:
        raise where.fail(f"not a wheel tag: {text!r}") from None


def str_map(value: object, where: Where) -> dict[str, str]:
    """``value`` as a mapping of strings to strings (empty when missing)."""
    if value is None:
        return {}
    data = mapping(value, where)
    return {str(k): required_text(v, where.at(f".{k}")) for k, v in data.items()}
