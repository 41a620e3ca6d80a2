"""JSON documents on stdout: one per invocation, versioned, keys sorted."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from aimetenv.errors import AimetenvError

ERROR_SCHEMA = "aimetenv.error/1"


def dumps(document: dict[str, Any]) -> str:
    """The one JSON document, followed by a newline, with credentials in URLs hidden."""
    from aimetenv.fetch.urls import redact  # noqa: PLC0415  # small; keeps this module import-free

    return redact(json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False)) + "\n"


def error_document(error: AimetenvError, command: str) -> dict[str, Any]:
    """The document printed in --json mode when a command fails before producing its own."""
    return {
        "schema": ERROR_SCHEMA,
        "command": command,
        "status": "error",
        "exit_code": int(error.exit_code),
        "error": {"code": error.code, "message": error.message, "hint": error.hint},
    }


__all__ = ["ERROR_SCHEMA", "dumps", "error_document"]
