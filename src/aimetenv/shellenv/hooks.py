"""Activation hooks: the exports are set when the environment is activated and undone after.

conda envs: ``<prefix>/etc/conda/activate.d/aimetenv.sh`` and ``deactivate.d/aimetenv.sh`` (conda
sources them in bash, zsh and other POSIX shells), with ``aimetenv.fish`` twins for fish. The
activate script saves each variable it changes (its value, and whether it was set at all), then
applies the exports; the deactivate script puts back exactly what was saved.

venvs: the same code as two marked blocks in ``bin/activate`` and two in ``bin/activate.fish``:
the save-and-apply block at the end of the script, and the restore block at the top of the
script's ``deactivate`` function, so ``deactivate`` undoes it and re-activating does not stack.
``activate.csh`` and ``Activate.ps1`` are left alone. Rebuilding the venv's scripts
(``python -m venv --upgrade``) drops the blocks; run ``--activate-hooks`` again after that.

The saved values live in variables named after a short hash of the environment's path, so
stacked conda envs (``conda activate --stack``) each restore their own.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from aimetenv.errors import FileError, UsageError
from aimetenv.shellenv.rcblock import (
    Marker,
    block_edit,
    blocks_for,
    decode,
    edit_file,
    render_block,
)
from aimetenv.shellenv.shells import comment, export_lines

if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path

    from aimetenv.shellenv.exports import EnvExports
    from aimetenv.shellenv.rcblock import UpdateAction

HookKind = Literal["conda", "venv"]
DEACTIVATE_LABEL = "aimetenv deactivate"
CONDA_FILES = (
    "etc/conda/activate.d/aimetenv.sh",
    "etc/conda/deactivate.d/aimetenv.sh",
    "etc/conda/activate.d/aimetenv.fish",
    "etc/conda/deactivate.d/aimetenv.fish",
)
CONDA_HEADER = "# aimetenv activation hook"
VENV_SCRIPTS = ("bin/activate", "bin/activate.fish")
_POSIX_DEACTIVATE_RE = re.compile(r"^deactivate\s*\(\)\s*\{[ \t]*\r?$", re.MULTILINE)
_FISH_DEACTIVATE_RE = re.compile(r"^function deactivate\b.*$", re.MULTILINE)


@dataclass(frozen=True)
class HookFile:
    """One file the hooks live in, and what happened to it."""

    path: Path
    action: str
    """written, unchanged, removed, absent, appended, inserted or replaced."""
    backup: Path | None = None


@dataclass(frozen=True)
class HooksResult:
    """What ``install_hooks`` or ``remove_hooks`` did."""

    kind: HookKind
    prefix: Path
    files: tuple[HookFile, ...]
    note: str | None = None

    @property
    def activated_by(self) -> str:
        """What runs the hooks: ``conda activate`` or ``source bin/activate``."""
        from aimetenv.envs.kinds import CondaEnv, VirtualEnv  # noqa: PLC0415  # only for the message

        kinds: dict[HookKind, type[CondaEnv | VirtualEnv]] = {"conda": CondaEnv, "venv": VirtualEnv}
        return kinds[self.kind].activated_by


def hook_kind(prefix: Path) -> HookKind | None:
    """The env's kind: conda (``conda-meta``), venv (``pyvenv.cfg`` and ``bin/activate``), or None."""
    if (prefix / "conda-meta").is_dir():
        return "conda"
    if (prefix / "pyvenv.cfg").is_file() and (prefix / "bin" / "activate").is_file():
        return "venv"
    return None


def require_kind(prefix: Path | None, label: str) -> tuple[Path, HookKind]:
    """The env folder and its kind; UsageError for a bare interpreter."""
    kind = None if prefix is None else hook_kind(prefix)
    if prefix is None or kind is None:
        raise UsageError(
            f"{label} is neither a conda env nor a venv, so it has no activation to hook into",
            hint="Use 'aimetenv env --write FILE' to put the exports into a shell start-up file.",
            code="no-activation",
        )
    return prefix, kind


def state_variable(key: str, suffix: str) -> str:
    """``_AIMETENV_<hash of the env path>_<suffix>``."""
    digest = hashlib.sha256(key.encode("utf-8", "surrogateescape")).hexdigest()[:8].upper()
    return f"_AIMETENV_{digest}_{suffix}"


def posix_save(env: EnvExports) -> list[str]:
    """Save each variable once per activation: ``_AIMETENV_<h>_OLD_<V>`` exists iff V was set."""
    active = state_variable(env.key, "ACTIVE")
    lines = [f'if [ -z "${{{active}+x}}" ]; then']
    for name in env.variables:
        old = state_variable(env.key, f"OLD_{name}")
        lines.append(f'    if [ -n "${{{name}+x}}" ]; then {old}="${name}"; export {old}; fi')
    lines += [f"    {active}=1; export {active}", "fi"]
    return lines


def posix_restore(env: EnvExports) -> list[str]:
    """Put back what ``posix_save`` saved: the old value, or unset."""
    active = state_variable(env.key, "ACTIVE")
    lines = [f'if [ -n "${{{active}+x}}" ]; then']
    for name in env.variables:
        old = state_variable(env.key, f"OLD_{name}")
        lines.append(
            f'    if [ -n "${{{old}+x}}" ]; then {name}="${old}"; export {name}; unset {old}; '
            f"else unset {name}; fi"
        )
    lines += [f"    unset {active}", "fi"]
    return lines


def fish_save(env: EnvExports) -> list[str]:
    """The fish twin of ``posix_save`` (lists are copied whole, so PATH-like values survive)."""
    active = state_variable(env.key, "ACTIVE")
    lines = [f"if not set -q {active}"]
    for name in env.variables:
        old = state_variable(env.key, f"OLD_{name}")
        lines += [f"    if set -q {name}", f"        set -gx {old} ${name}", "    end"]
    lines += [f"    set -gx {active} 1", "end"]
    return lines


def fish_restore(env: EnvExports) -> list[str]:
    """The fish twin of ``posix_restore``."""
    active = state_variable(env.key, "ACTIVE")
    lines = [f"if set -q {active}"]
    for name in env.variables:
        old = state_variable(env.key, f"OLD_{name}")
        lines += [
            f"    if set -q {old}",
            f"        set -gx {name} ${old}",
            f"        set -e -g {old}",
            "    else",
            f"        set -e -g {name}",
            "    end",
        ]
    lines += [f"    set -e -g {active}", "end"]
    return lines


def _about(env: EnvExports, what: str) -> list[str]:
    return [
        f"{CONDA_HEADER} ({what}); written by 'aimetenv env --activate-hooks'.",
        comment(f"{env.summary()} in {env.label}."),
        comment("'aimetenv env --activate-hooks --remove' deletes this file."),
        *(comment(note) for note in env.notes),
    ]


def conda_scripts(env: EnvExports) -> dict[str, str]:
    """The four conda hook files, by path relative to the env."""
    activate_sh = [*_about(env, "activate"), *posix_save(env), *export_lines(env.exports, "bash")]
    activate_fish = [*_about(env, "activate"), *fish_save(env), *export_lines(env.exports, "fish")]
    texts = (
        activate_sh,
        [*_about(env, "deactivate"), *posix_restore(env)],
        activate_fish,
        [*_about(env, "deactivate"), *fish_restore(env)],
    )
    return {path: "".join(f"{line}\n" for line in text) for path, text in zip(CONDA_FILES, texts)}


def venv_blocks(env: EnvExports) -> dict[str, tuple[str, str]]:
    """For ``bin/activate`` and ``bin/activate.fish``: (apply block, restore block)."""
    apply = Marker(env.key)
    restore = Marker(env.key, DEACTIVATE_LABEL)
    head = [comment(f"{env.summary()}: set on activate, undone by deactivate.")]
    return {
        "bin/activate": (
            render_block(apply, [*head, *posix_save(env), *export_lines(env.exports, "bash")]),
            render_block(restore, posix_restore(env)),
        ),
        "bin/activate.fish": (
            render_block(apply, [*head, *fish_save(env), *export_lines(env.exports, "fish")]),
            render_block(restore, fish_restore(env)),
        ),
    }


def _anchor(relative: str) -> re.Pattern[str]:
    return _FISH_DEACTIVATE_RE if relative.endswith(".fish") else _POSIX_DEACTIVATE_RE


def _after_deactivate(relative: str) -> Callable[[str], int | None]:
    """Finds the line start just after the ``deactivate`` function's first line."""
    pattern = _anchor(relative)

    def offset(text: str) -> int | None:
        match = pattern.search(text)
        if match is None:
            return None
        newline = text.find("\n", match.end())
        return len(text) if newline < 0 else newline + 1

    return offset


def _both(
    first: Callable[[str], tuple[str, UpdateAction, int]],
    second: Callable[[str], tuple[str, UpdateAction, int]],
) -> Callable[[str], tuple[str, UpdateAction, int]]:
    """Two block edits as one, so the file is written (and backed up) once."""

    def transform(text: str) -> tuple[str, UpdateAction, int]:
        middle, action_one, folded_one = first(text)
        final, action_two, folded_two = second(middle)
        actions = {action_one, action_two}
        if actions <= {"absent"}:
            action: UpdateAction = "absent"
        elif "removed" in actions:
            action = "removed"
        else:
            action = "unchanged" if final == text else "replaced"
        return final, action, folded_one + folded_two

    return transform


def _check_venv_script(path: Path, relative: str, key: str) -> bool:
    """Whether the script exists; FileError when aimetenv cannot place its blocks in it."""
    try:
        text = decode(path.read_bytes())
    except FileNotFoundError:
        return False
    except OSError as error:
        raise FileError(f"cannot read {path}: {error.strerror or error}") from None
    from aimetenv.shellenv.rcblock import MarkerError  # noqa: PLC0415  # validation only

    try:
        has_restore = bool(blocks_for(text, Marker(key, DEACTIVATE_LABEL)))
    except MarkerError as error:
        raise FileError(
            f"{path}: line {error.line}: {error.message}; nothing was changed",
            code="unpaired-marker",
        ) from None
    if not has_restore and _anchor(relative).search(text) is None:
        raise FileError(
            f"{path} has no deactivate function that aimetenv recognises; nothing was changed",
            hint="Use 'aimetenv env --write FILE' instead.",
            code="no-deactivate",
        )
    return True


def _install_venv(prefix: Path, env: EnvExports) -> list[HookFile]:
    blocks = venv_blocks(env)
    present = {rel: _check_venv_script(prefix / rel, rel, env.key) for rel in blocks}
    files = []
    for relative, (apply, restore) in blocks.items():
        if not present[relative]:
            continue
        restore_edit = block_edit(
            Marker(env.key, DEACTIVATE_LABEL), restore, _after_deactivate(relative)
        )
        update = edit_file(
            prefix / relative, _both(restore_edit, block_edit(Marker(env.key), apply))
        )
        action = "unchanged" if update.action == "unchanged" else "written"
        files.append(HookFile(update.path, action, update.backup))
    return files


def _install_conda(prefix: Path, env: EnvExports) -> list[HookFile]:
    from aimetenv.fsutil import atomic_write_text  # noqa: PLC0415  # only when writing

    files = []
    for relative, text in conda_scripts(env).items():
        path = prefix / relative
        try:
            old = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            old = None
        if old == text:
            files.append(HookFile(path, "unchanged"))
            continue
        atomic_write_text(path, text, mode=0o644)
        files.append(HookFile(path, "written"))
    return files


def install_hooks(prefix: Path, kind: HookKind, env: EnvExports) -> HooksResult:
    """Write the hooks for ``env``; with nothing to export, remove old hooks instead."""
    if not env.exports:
        removed = remove_hooks(prefix, kind, env.key)
        return HooksResult(
            kind, prefix, removed.files, f"{env.summary()} needs no variables; no hooks are needed"
        )
    return HooksResult(kind, prefix, tuple(_WRITERS[kind](prefix, env)))


def remove_hooks(prefix: Path, kind: HookKind, key: str) -> HooksResult:
    """Delete the conda hook files aimetenv wrote, or take the blocks out of the venv scripts."""
    return HooksResult(kind, prefix, tuple(_REMOVERS[kind](prefix, key)))


def _remove_conda(prefix: Path, key: str) -> list[HookFile]:
    del key  # the files are aimetenv's alone
    files: list[HookFile] = []
    for relative in CONDA_FILES:
        path = prefix / relative
        try:
            text = path.read_text(encoding="utf-8", errors="replace")
        except FileNotFoundError:
            files.append(HookFile(path, "absent"))
            continue
        except OSError as error:
            raise FileError(f"cannot read {path}: {error.strerror or error}") from None
        if not text.startswith(CONDA_HEADER):
            files.append(HookFile(path, "not aimetenv's; left alone"))
            continue
        try:
            path.unlink()
        except OSError as error:
            raise FileError(f"cannot delete {path}: {error.strerror or error}") from None
        files.append(HookFile(path, "removed"))
    return files


def _remove_venv(prefix: Path, key: str) -> list[HookFile]:
    files: list[HookFile] = []
    for relative in VENV_SCRIPTS:
        path = prefix / relative
        if not path.exists():
            continue
        update = edit_file(
            path,
            _both(block_edit(Marker(key), None), block_edit(Marker(key, DEACTIVATE_LABEL), None)),
        )
        files.append(HookFile(update.path, update.action, update.backup))
    return files


# The hooks of each kind of env: files of their own under etc/conda, or blocks in the venv's
# activation scripts.
_WRITERS: dict[HookKind, Callable[[Path, EnvExports], list[HookFile]]] = {
    "conda": _install_conda,
    "venv": _install_venv,
}
_REMOVERS: dict[HookKind, Callable[[Path, str], list[HookFile]]] = {
    "conda": _remove_conda,
    "venv": _remove_venv,
}


__all__ = [
    "CONDA_FILES",
    "CONDA_HEADER",
    "DEACTIVATE_LABEL",
    "VENV_SCRIPTS",
    "HookFile",
    "HookKind",
    "HooksResult",
    "conda_scripts",
    "fish_restore",
    "fish_save",
    "hook_kind",
    "install_hooks",
    "posix_restore",
    "posix_save",
    "remove_hooks",
    "require_kind",
    "state_variable",
    "venv_blocks",
]
