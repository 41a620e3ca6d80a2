"""Rendering exports for bash, zsh and fish, or as one JSON document. Pure text, no I/O.

Every value is quoted so that a path with spaces, quotes, ``$`` or newlines survives: POSIX
single quotes for bash and zsh (a quote is closed, escaped and reopened), fish single quotes
for fish (a quote or backslash gets a backslash). A directory goes in front of a path list only
when the list does not already hold it as a whole element, so sourcing the output twice changes
nothing, and an unset or empty variable gets the directory alone, without a stray ``:``.
"""

from __future__ import annotations

from pathlib import PurePath
from typing import TYPE_CHECKING, Literal

from aimetenv.errors import UsageError
from aimetenv.shellenv.rcblock import Marker, one_line, render_block

if TYPE_CHECKING:
    from collections.abc import Mapping

    from aimetenv.shellenv.exports import EnvExports, Export

Shell = Literal["bash", "zsh", "fish"]
SHELL_CHOICES = ("bash", "zsh", "fish", "json")

_POSIX_SHELLS = frozenset({"bash", "sh", "dash", "ksh", "mksh", "ash", "busybox", "yash"})
_ZSH_FILES = frozenset({".zshrc", ".zshenv", ".zprofile", ".zlogin", "zshrc", "zshenv"})
_BASH_FILES = frozenset({".bashrc", ".bash_profile", ".bash_login", ".profile", "bash.bashrc"})


def quote_posix(value: str) -> str:
    """POSIX single-quoted: literal in bash, zsh and dash; a quote becomes quote-backslash-quote-quote."""
    return "'" + value.replace("'", "'\\''") + "'"


def quote_fish(value: str) -> str:
    """Fish single-quoted: only a backslash and a quote need a backslash in front."""
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


def comment(text: str) -> str:
    """One comment line; control characters are escaped so the comment stays one line."""
    return "# " + one_line(text)


def shell_from_environ(environ: Mapping[str, str]) -> Shell:
    """The shell named by ``$SHELL``; POSIX shells get the bash text, no ``$SHELL`` means bash."""
    value = environ.get("SHELL", "")
    name = PurePath(value).name if value else "bash"
    if name == "zsh":
        return "zsh"
    if name == "fish":
        return "fish"
    if name in _POSIX_SHELLS:
        return "bash"
    raise UsageError(
        f"cannot write exports for the shell {name[:40]!r} (from $SHELL)",
        hint="Choose one with --shell bash, zsh, fish or json.",
        code="unknown-shell",
    )


def check_shell(name: str) -> str:
    """A ``--shell`` value, validated."""
    if name not in SHELL_CHOICES:
        raise UsageError(
            f"--shell must be bash, zsh, fish or json, got {name[:40]!r}", code="bad-shell"
        )
    return name


def as_shell(name: str) -> Shell:
    """A checked shell name (not json) as the ``Shell`` type."""
    if name == "fish":
        return "fish"
    return "zsh" if name == "zsh" else "bash"


def _shell_of_name(path: PurePath) -> Shell | None:
    if path.suffix == ".fish":
        return "fish"
    if path.name in _ZSH_FILES:
        return "zsh"
    if path.name in _BASH_FILES:
        return "bash"
    return None


def shell_for_file(path: PurePath, explicit: str | None, environ: Mapping[str, str]) -> Shell:
    """The shell whose syntax goes into ``path``: ``--shell``, else the file's name, else $SHELL.

    Refuses JSON, and a shell that contradicts a well-known file name (fish text for
    ``.bashrc``, bash text for ``config.fish``).
    """
    by_name = _shell_of_name(path)
    if explicit is None:
        return by_name if by_name is not None else shell_from_environ(environ)
    if explicit == "json":
        raise UsageError(
            "--shell json cannot be written into a shell file", code="json-into-rc-file"
        )
    chosen = as_shell(explicit)
    if by_name is not None and ("fish" in (by_name, chosen)) and by_name != chosen:
        raise UsageError(
            f"{path.name} is read by {by_name}, but --shell {explicit} was asked for",
            hint=f"Leave out --shell, or use --shell {by_name}.",
            code="shell-mismatch",
        )
    return chosen


def _posix_export(export: Export) -> list[str]:
    name = export.name
    if export.action == "set":
        return [f"export {name}={quote_posix(export.values[0])}"]
    lines = []
    for directory in reversed(export.values):
        quoted = quote_posix(directory)
        lines += [
            f'case ":${{{name}-}}:" in',
            f"    *:{quoted}:*) ;;",
            f'    *) {name}={quoted}"${{{name}:+:${name}}}" ;;',
            "esac",
        ]
    lines.append(f"export {name}")
    return lines


def _fish_export(export: Export) -> list[str]:
    name = export.name
    # Fish splits variables whose names end in PATH at ':' on import and joins them on export;
    # --path asks for the same handling of any other name.
    flag = "" if name.endswith("PATH") else " --path"
    if export.action == "set":
        return [f"set -gx {name} {quote_fish(export.values[0])}"]
    lines = []
    for directory in reversed(export.values):
        quoted = quote_fish(directory)
        lines += [
            f"if not contains -- {quoted} ${name}",
            f'    if test -n "${name}"',
            f"        set -gx{flag} {name} {quoted} ${name}",
            "    else",
            f"        set -gx{flag} {name} {quoted}",
            "    end",
            "end",
        ]
    return lines


def export_lines(exports: tuple[Export, ...], shell: Shell) -> list[str]:
    """The lines that apply ``exports`` in ``shell``, in order."""
    lines: list[str] = []
    for export in exports:
        lines += _fish_export(export) if shell == "fish" else _posix_export(export)
    return lines


def header_lines(env: EnvExports) -> list[str]:
    """Comment lines: what the block is for, where its facts came from, and the notes."""
    origin = "the install receipt" if env.source == "receipt" else "the installed packages"
    lines = [
        comment(f"{env.summary()} in {env.label} (from {origin})."),
        comment("'aimetenv env --write FILE' replaces this block; '--remove' takes it out."),
    ]
    lines += [comment(note) for note in env.notes]
    if not env.exports:
        lines.append(comment("Nothing to set for this release."))
    return lines


def body_lines(env: EnvExports, shell: Shell) -> list[str]:
    """The block's lines between the marker lines."""
    return header_lines(env) + export_lines(env.exports, shell)


def block_text(env: EnvExports, shell: Shell) -> str:
    """The marked block for ``env``: begin marker, body, end marker, each line ending in a newline."""
    return render_block(Marker(env.key), body_lines(env, shell))


def printed_text(env: EnvExports, shell: Shell) -> str:
    """What ``aimetenv env`` prints: a newline, then the block.

    The leading newline keeps ``aimetenv env >> FILE`` separable from a last line that has no
    newline, and ``--remove`` takes exactly that newline away again.
    """
    return "\n" + block_text(env, shell)


__all__ = [
    "SHELL_CHOICES",
    "Shell",
    "as_shell",
    "block_text",
    "body_lines",
    "check_shell",
    "comment",
    "export_lines",
    "header_lines",
    "printed_text",
    "quote_fish",
    "quote_posix",
    "shell_for_file",
    "shell_from_environ",
]
