"""Marked blocks in shell files: pure functions on text, and one careful file writer.

A block runs from a begin marker line to its end marker line, both naming what the block is for::

    # >>> aimetenv env: /path/to/env >>>
    ...
    # <<< aimetenv env: /path/to/env <<<

``set_block`` appends a block (after one newline, exactly as ``aimetenv env >> FILE`` does) or
replaces it in place, folding repeated copies of it into one; ``remove_block`` takes it out, with
the newline that was added in front of it, so that removing after writing gives back the original
text byte for byte. Text outside the block is never changed. A begin marker without its end
marker is an error: nothing is written when the file's structure is unclear.

Files are handled as bytes decoded with ``surrogateescape``, so any content round-trips.
"""

from __future__ import annotations

import os
import re
import stat
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from aimetenv.errors import FileError

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable

ENV_LABEL = "aimetenv env"
BACKUP_SUFFIX = ".aimetenv.bak"
_BEGIN_RE = re.compile(r"^# >>> (aimetenv [a-z-]+): (.*) >>>$")
_END_RE = re.compile(r"^# <<< (aimetenv [a-z-]+): (.*) <<<$")
_CONTROL_RE = re.compile(r"[\x00-\x1f\x7f\\]")
_ESCAPES = {"\\": "\\\\", "\n": "\\n", "\r": "\\r", "\t": "\\t"}

UpdateAction = Literal["appended", "inserted", "replaced", "unchanged", "removed", "absent"]


def one_line(text: str) -> str:
    """``text`` with backslashes and control characters escaped, so it fits on one line."""
    return _CONTROL_RE.sub(lambda m: _ESCAPES.get(m.group(), f"\\x{ord(m.group()):02x}"), text)


@dataclass(frozen=True)
class Marker:
    """What a block is for: a label (``aimetenv env``) and a key (the environment's path)."""

    key: str
    label: str = ENV_LABEL

    @property
    def begin(self) -> str:
        """The begin marker line, without its newline."""
        return f"# >>> {self.label}: {one_line(self.key)} >>>"

    @property
    def end(self) -> str:
        """The end marker line, without its newline."""
        return f"# <<< {self.label}: {one_line(self.key)} <<<"


@dataclass(frozen=True)
class Block:
    """One well-formed block found in a text."""

    label: str
    key: str
    """The key as written in the marker (escaped)."""
    start: int
    """Offset of the begin marker line."""
    end: int
    """Offset just after the end marker line's newline (or the end of the text)."""
    line: int
    """1-based line number of the begin marker."""

    def is_for(self, marker: Marker) -> bool:
        """Whether this block is ``marker``'s."""
        return self.label == marker.label and self.key == one_line(marker.key)


class MarkerError(Exception):
    """The markers in a text do not pair up."""

    def __init__(self, line: int, message: str) -> None:
        """``line``: the 1-based line the problem starts on."""
        super().__init__(message)
        self.line = line
        self.message = message


def render_block(marker: Marker, lines: Iterable[str]) -> str:
    """Begin marker, ``lines``, end marker; every line ends with a newline."""
    return "".join(f"{line}\n" for line in (marker.begin, *lines, marker.end))


def _lines(text: str) -> Iterable[tuple[int, int, int, str]]:
    """(line number, start offset, offset after the newline, content without newline or CR)."""
    start = 0
    number = 0
    while start < len(text):
        number += 1
        newline = text.find("\n", start)
        end = len(text) if newline < 0 else newline + 1
        content = text[start : end - 1] if newline >= 0 else text[start:end]
        yield number, start, end, content.removesuffix("\r")
        start = end


def find_blocks(text: str) -> list[Block]:
    """Every aimetenv block in ``text``, in order; MarkerError when markers do not pair up."""
    blocks: list[Block] = []
    open_block: tuple[str, str, int, int] | None = None
    for number, start, end, content in _lines(text):
        begin = _BEGIN_RE.match(content)
        if begin is not None:
            if open_block is not None:
                raise MarkerError(
                    open_block[3],
                    f"the block begun on line {open_block[3]} has no end marker before the "
                    f"next begin marker on line {number}",
                )
            open_block = (begin.group(1), begin.group(2), start, number)
            continue
        finish = _END_RE.match(content)
        if finish is None or open_block is None:
            continue  # an end marker outside any block is ordinary text
        label, key, block_start, line = open_block
        if (finish.group(1), finish.group(2)) != (label, key):
            raise MarkerError(
                number,
                f"the end marker on line {number} does not match the begin marker on line {line}",
            )
        blocks.append(Block(label, key, block_start, end, line))
        open_block = None
    if open_block is not None:
        raise MarkerError(
            open_block[3], f"the begin marker on line {open_block[3]} has no end marker"
        )
    return blocks


def blocks_for(text: str, marker: Marker) -> list[Block]:
    """The blocks of ``marker`` in ``text``."""
    return [block for block in find_blocks(text) if block.is_for(marker)]


def _cut(text: str, block: Block) -> str:
    """``text`` without ``block`` and the one newline that separated it when it was added.

    That newline goes too when it makes a blank line before the block, or when the block ends
    the text (``aimetenv env >> FILE`` on a file without a final newline); otherwise removing it
    would join two of the user's lines.
    """
    start = block.start
    if start >= 1 and text[start - 1] == "\n":
        at_end = block.end >= len(text)
        blank_before = start == 1 or text[start - 2] == "\n"
        if at_end or blank_before:
            start -= 1
    return text[:start] + text[block.end :]


def set_block(text: str, marker: Marker, block: str, *, insert_at: int | None = None) -> str:
    """``text`` with ``marker``'s block set to ``block`` (which ends with a newline).

    The first existing copy is replaced in place and any later copies are removed; without one,
    the block is appended after a newline (or inserted at ``insert_at``, a line start).
    """
    found = blocks_for(text, marker)
    if not found:
        if insert_at is None:
            return text + "\n" + block
        return text[:insert_at] + block + text[insert_at:]
    first, *rest = found
    for extra in reversed(rest):
        text = _cut(text, extra)
    return text[: first.start] + block + text[first.end :]


def remove_block(text: str, marker: Marker) -> str:
    """``text`` without any copy of ``marker``'s block."""
    for block in reversed(blocks_for(text, marker)):
        text = _cut(text, block)
    return text


@dataclass(frozen=True)
class FileUpdate:
    """What ``update_file`` did."""

    path: Path
    """The file that was (or would have been) written, symlinks followed."""
    action: UpdateAction
    backup: Path | None = None
    folded: int = 0
    """Extra copies of the block that were folded into one."""


def decode(data: bytes) -> str:
    """Bytes to text that encodes back to the same bytes."""
    return data.decode("utf-8", "surrogateescape")


def encode(text: str) -> bytes:
    """Inverse of ``decode``."""
    return text.encode("utf-8", "surrogateescape")


def _read(path: Path, shown: Path) -> bytes | None:
    try:
        return path.read_bytes()
    except FileNotFoundError:
        return None
    except IsADirectoryError:
        raise FileError(f"{shown} is a folder, not a file", code="not-a-file") from None
    except OSError as error:
        raise FileError(
            f"cannot read {shown}: {error.strerror or error}", code="read-failed"
        ) from None


def _check_writable(path: Path, shown: Path) -> int:
    """The file's permission bits; FileError when it is read-only (even for root).

    Read-only means the owner's write bit is clear (``chmod 444``, ``chmod u-w``): the owner
    said "do not change this", and root, whom the operating system lets write anyway, respects
    that too. A file the owner may write but this user may not is refused as well.
    """
    try:
        mode = path.stat().st_mode
    except OSError as error:
        raise FileError(
            f"cannot read {shown}: {error.strerror or error}", code="read-failed"
        ) from None
    if not stat.S_ISREG(mode):
        raise FileError(f"{shown} is not a regular file", code="not-a-file")
    if not mode & stat.S_IWUSR or not os.access(path, os.W_OK):
        raise FileError(
            f"{shown} is read-only; nothing was changed",
            hint="Make it writable (chmod u+w) or choose another file.",
            code="read-only",
        )
    return stat.S_IMODE(mode)


def block_edit(
    marker: Marker, block: str | None, insert_at: Callable[[str], int | None] | None = None
) -> Callable[[str], tuple[str, UpdateAction, int]]:
    """A text transform that sets (``block``) or removes (None) ``marker``'s block.

    It returns the new text, what it did, and how many extra copies it folded into one.
    ``insert_at`` finds where a new block goes (a line start); None appends it.
    """

    def transform(text: str) -> tuple[str, UpdateAction, int]:
        found = blocks_for(text, marker)
        if block is None:
            return remove_block(text, marker), ("removed" if found else "absent"), 0
        offset = insert_at(text) if insert_at is not None and not found else None
        new_text = set_block(text, marker, block, insert_at=offset)
        if found:
            action: UpdateAction = "unchanged" if new_text == text else "replaced"
        else:
            action = "appended" if offset is None else "inserted"
        return new_text, action, max(len(found) - 1, 0)

    return transform


def update_file(
    path: Path,
    marker: Marker,
    block: str | None,
    *,
    insert_at: Callable[[str], int | None] | None = None,
    backup_suffix: str = BACKUP_SUFFIX,
) -> FileUpdate:
    """Set (``block``) or remove (None) ``marker``'s block in ``path``; see ``edit_file``."""
    return edit_file(path, block_edit(marker, block, insert_at), backup_suffix=backup_suffix)


def edit_file(
    path: Path,
    transform: Callable[[str], tuple[str, UpdateAction, int]],
    *,
    backup_suffix: str = BACKUP_SUFFIX,
) -> FileUpdate:
    """Apply ``transform`` (see ``block_edit``) to the text of ``path``, safely.

    Symlinks are followed so the link stays a link. The old content is first copied to
    ``<file><backup_suffix>`` beside it, then the new content replaces the file in one rename,
    with the file's mode kept. A missing file counts as empty and is created (mode 0644) only
    when there is something to write. Read-only files and files whose markers do not pair up are
    refused with FileError (exit 7) and left untouched.
    """
    from aimetenv.fsutil import atomic_write_bytes  # noqa: PLC0415  # only when writing

    real = Path(os.path.realpath(path))
    original = _read(real, path)
    old_text = decode(original or b"")
    try:
        new_text, action, folded = transform(old_text)
    except MarkerError as error:
        raise FileError(
            f"{path}: line {error.line}: {error.message}; nothing was changed",
            hint="Fix or delete the broken aimetenv block by hand, then run this again.",
            code="unpaired-marker",
        ) from None
    if new_text == old_text:
        return FileUpdate(real, "unchanged" if action != "absent" else "absent")
    if original is None:
        atomic_write_bytes(real, encode(new_text), mode=0o644)
        return FileUpdate(real, action, None, folded)
    mode = _check_writable(real, path)
    backup = real.with_name(real.name + backup_suffix)
    atomic_write_bytes(backup, original, mode=mode)
    atomic_write_bytes(real, encode(new_text), mode=mode)
    return FileUpdate(real, action, backup, folded)


__all__ = [
    "BACKUP_SUFFIX",
    "ENV_LABEL",
    "Block",
    "FileUpdate",
    "Marker",
    "MarkerError",
    "UpdateAction",
    "block_edit",
    "blocks_for",
    "decode",
    "edit_file",
    "encode",
    "find_blocks",
    "one_line",
    "remove_block",
    "render_block",
    "set_block",
    "update_file",
]
