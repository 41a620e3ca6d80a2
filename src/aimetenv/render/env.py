"""What ``env`` shows: the chosen env, what it changed in files, the ``aimetenv.env/1`` documents.

Plain strings and dicts only (no rich): ``aimetenv env`` runs from shell start-up files.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from aimetenv.envs.targets import EnvTarget
    from aimetenv.shellenv.exports import EnvExports
    from aimetenv.shellenv.hooks import HooksResult
    from aimetenv.shellenv.rcblock import FileUpdate

ENV_SCHEMA = "aimetenv.env/1"


def result_document(key: str, label: str, reason: str, **extra: Any) -> dict[str, Any]:  # noqa: ANN401  # JSON values
    """The ``aimetenv.env/1`` document without exports (``--remove``)."""
    document: dict[str, Any] = {
        "schema": ENV_SCHEMA,
        "command": "env",
        "status": "success",
        "exit_code": 0,
        "env": {"key": key, "label": label, "reason": reason},
    }
    document.update(extra)
    return document


def env_document(env: EnvExports, **extra: Any) -> dict[str, Any]:  # noqa: ANN401  # JSON values
    """The ``aimetenv.env/1`` document: the env, the release, the variables and the notes."""
    document = result_document(env.key, env.label, env.reason)
    document.update(
        {
            "release": {
                "tag": env.release.tag,
                "version": env.release.version_text,
                "variant": env.release.variant,
                "accelerator": env.release.accelerator,
                "distribution": env.release.distribution,
                "source": env.source,
            },
            "site_packages": env.site_packages,
            "variables": [export.to_dict() for export in env.exports],
            "envsetup": env.envsetup,
            "notes": list(env.notes),
        }
    )
    document.update(extra)
    return document


def update_document(update: FileUpdate) -> dict[str, object]:
    """What ``--write`` did to the file, for the document's ``write`` key."""
    return {
        "file": str(update.path),
        "action": update.action,
        "backup": None if update.backup is None else str(update.backup),
        "folded": update.folded,
    }


def hooks_document(result: HooksResult) -> dict[str, object]:
    """What ``--activate-hooks`` did, for the document's ``hooks`` key."""
    return {
        "kind": result.kind,
        "prefix": str(result.prefix),
        "note": result.note,
        "files": [
            {
                "path": str(f.path),
                "action": f.action,
                "backup": None if f.backup is None else str(f.backup),
            }
            for f in result.files
        ],
    }


def chosen_line(target: EnvTarget, exports: EnvExports) -> str:
    """Which release in which env, why that env, and where the facts came from."""
    origin = "the install receipt" if exports.source == "receipt" else "the installed packages"
    return f"{exports.summary()} in {target.label}, chosen as {target.reason}; facts from {origin}"


def update_message(update: FileUpdate, shown: str, key: str) -> str:
    """What ``--write`` (or ``--write --remove``) did to the file named ``shown``."""
    backup = f" (previous version kept in {update.backup})" if update.backup else ""
    where = shown if str(update.path) == shown else f"{shown} (-> {update.path})"
    folded = f", folding {update.folded} extra copies into one" if update.folded else ""
    messages = {
        "appended": f"added the block for {key} to {where}{backup}",
        "replaced": f"replaced the block for {key} in {where}{folded}{backup}",
        "unchanged": f"the block for {key} in {where} is already up to date; nothing changed",
        "removed": f"removed the block for {key} from {where}{backup}",
        "absent": f"{where} has no block for {key}; nothing changed",
    }
    return messages.get(update.action, f"{update.action} the block for {key} in {where}")


def hooks_message(result: HooksResult) -> str:
    """What ``--activate-hooks`` (or its ``--remove``) did to the activation scripts."""
    if result.note:
        changed = [f for f in result.files if f.action == "removed"]
        extra = f"; removed {len(changed)} old hook file(s)" if changed else ""
        return f"{result.note}{extra}"
    lines = [f"{f.action}: {f.path}" for f in result.files]
    if not result.files:
        return f"no activation scripts found in {result.prefix}; nothing changed"
    return f"activation hooks ({result.activated_by}):\n  " + "\n  ".join(lines)


__all__ = [
    "ENV_SCHEMA",
    "chosen_line",
    "env_document",
    "hooks_document",
    "hooks_message",
    "result_document",
    "update_document",
    "update_message",
]
