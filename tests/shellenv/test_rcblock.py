"""The marked-block writer: properties over arbitrary file contents, and the file handling."""

from __future__ import annotations

import stat
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, assume, given, reject, settings
from hypothesis import strategies as st

from aimetenv.errors import FileError
from aimetenv.exit_codes import ExitCode
from aimetenv.shellenv.rcblock import (
    Marker,
    MarkerError,
    blocks_for,
    decode,
    encode,
    find_blocks,
    remove_block,
    render_block,
    set_block,
    update_file,
)

NASTY_KEYS = (
    "/home/u/envs/aimet",
    "/tmp/sp ace/it's/$HOME/env",
    '/x/"dq"/\\back',
    "/x/new\nline/env",
    "/x/>>> <<</env",
)
keys = st.one_of(st.sampled_from(NASTY_KEYS), st.text(min_size=1, max_size=20))
no_deadline = settings(deadline=None)  # no timing thresholds: CI shares two cores


def block_for(key: str, body: str = "export X=1") -> str:
    return render_block(Marker(key), body.split("\n"))


@st.composite
def files(draw: st.DrawFn, key: str) -> str:
    """Arbitrary text, mixed with other envs' blocks, near-miss and stray marker lines."""
    other = Marker(draw(st.sampled_from(["/other/env", "/x/new\nline/env2"])))
    mine = Marker(key)
    pieces = draw(
        st.lists(
            st.one_of(
                st.text(max_size=30),
                st.just(render_block(other, ["export Y=2"])),
                st.just(mine.end + "\n"),  # an end marker outside any block is plain text
                st.just(mine.begin.replace(">>>", ">>", 1) + "\n"),
                st.just(mine.begin[:-1] + "\n"),
                st.sampled_from(["\n", "\r\n", "\n\n", "# >>> conda initialize >>>\n"]),
            ),
            max_size=8,
        )
    )
    text = "".join(pieces)
    try:
        assume(not blocks_for(text, mine))
    except MarkerError:
        reject()  # hypothesis discards this input
    return text


@st.composite
def key_and_file(draw: st.DrawFn) -> tuple[str, str]:
    key = draw(keys)
    return key, draw(files(key))


@no_deadline
@given(key_and_file())
def test_writing_twice_equals_writing_once(case: tuple[str, str]) -> None:
    key, text = case
    once = set_block(text, Marker(key), block_for(key))
    assert set_block(once, Marker(key), block_for(key)) == once
    # a block with other contents replaces it in place
    other = set_block(once, Marker(key), block_for(key, "export X=2"))
    assert other == set_block(text, Marker(key), block_for(key, "export X=2"))


@no_deadline
@given(key_and_file())
def test_appending_keeps_every_byte_outside_the_block(case: tuple[str, str]) -> None:
    key, text = case
    assert set_block(text, Marker(key), block_for(key)) == text + "\n" + block_for(key)


@no_deadline
@given(key_and_file(), st.data())
def test_replacing_in_place_keeps_both_sides(case: tuple[str, str], data: st.DataObject) -> None:
    key, before = case
    after = data.draw(files(key))
    old = block_for(key, "export OLD=1\n# several\n# lines")
    text = before + "\n" + old + after
    new = block_for(key)
    assert set_block(text, Marker(key), new) == before + "\n" + new + after


@no_deadline
@given(key_and_file())
def test_remove_after_write_restores_the_original(case: tuple[str, str]) -> None:
    key, text = case
    written = set_block(text, Marker(key), block_for(key))
    assert remove_block(written, Marker(key)) == text
    assert remove_block(text, Marker(key)) == text


@no_deadline
@given(key_and_file())
def test_repeated_appends_are_folded_and_removed(case: tuple[str, str]) -> None:
    """``aimetenv env >> FILE`` run twice, then ``--write`` or ``--remove``."""
    key, text = case
    printed = "\n" + block_for(key)
    appended_twice = text + printed + printed
    assert set_block(appended_twice, Marker(key), block_for(key)) == text + printed
    assert remove_block(appended_twice, Marker(key)) == text


@no_deadline
@given(key_and_file())
def test_blocks_of_other_envs_are_untouched(case: tuple[str, str]) -> None:
    key, text = case
    written = set_block(text, Marker(key), block_for(key))
    others = [b for b in find_blocks(text) if not b.is_for(Marker(key))]
    assert [written[b.start : b.end] for b in others] == [text[b.start : b.end] for b in others]


def test_remove_in_the_middle_does_not_join_lines() -> None:
    key = "/e"
    text = "a\n" + block_for(key) + "b\n"
    assert remove_block(text, Marker(key)) == "a\nb\n"
    text = "a\n\n" + block_for(key) + "b\n"
    assert remove_block(text, Marker(key)) == "a\nb\n"


@no_deadline
@given(keys, st.text(max_size=40), st.booleans())
def test_unterminated_begin_marker_is_refused(key: str, text: str, newline: bool) -> None:
    try:
        assume(not find_blocks(text))
    except MarkerError:
        reject()  # hypothesis discards this input
    broken = text + ("\n" if text else "") + Marker(key).begin + ("\n" if newline else "")
    expected_line = broken[: broken.rindex("# >>> ")].count("\n") + 1
    with pytest.raises(MarkerError) as caught:
        set_block(broken, Marker("/any"), block_for("/any"))
    assert caught.value.line == expected_line
    with pytest.raises(MarkerError):
        remove_block(broken, Marker(key))


def test_mismatched_or_nested_markers_are_refused() -> None:
    a, b = Marker("/a"), Marker("/b")
    with pytest.raises(MarkerError, match="does not match"):
        find_blocks(f"{a.begin}\n{b.end}\n")
    with pytest.raises(MarkerError, match="no end marker before"):
        find_blocks(f"{a.begin}\n{b.begin}\n{b.end}\n{a.end}\n")


def test_markers_escape_what_would_break_a_line() -> None:
    marker = Marker("/x/new\nline\\tab\t\x1b")
    assert marker.begin == "# >>> aimetenv env: /x/new\\nline\\\\tab\\t\\x1b >>>"
    assert "\n" not in marker.end


def test_crlf_marker_lines_are_recognised() -> None:
    key = "/e"
    text = "a\r\n" + block_for(key).replace("\n", "\r\n") + "b\r\n"
    assert remove_block(text, Marker(key)) == "a\r\nb\r\n"


# --- the file writer ---------------------------------------------------------------------------


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(keys, st.binary(max_size=200), st.booleans())
def test_file_write_then_remove_restores_bytes(key: str, content: bytes, newline: bool) -> None:
    if newline:
        content += b"\n"
    try:
        assume(not blocks_for(decode(content), Marker(key)))
    except MarkerError:
        reject()  # hypothesis discards this input
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / ".bashrc"
        path.write_bytes(content)
        first = update_file(path, Marker(key), block_for(key))
        second = update_file(path, Marker(key), block_for(key))
        assert second.action == "unchanged"
        assert path.read_bytes() == content + b"\n" + encode(block_for(key))
        assert first.backup is not None
        assert first.backup.read_bytes() == content
        removed = update_file(path, Marker(key), None)
        assert removed.action == "removed"
        assert path.read_bytes() == content


def test_actions_and_backup(tmp_path: Path) -> None:
    path = tmp_path / ".bashrc"
    path.write_text("alias ll='ls -l'\n", encoding="utf-8")
    marker = Marker("/e")
    first = update_file(path, marker, block_for("/e"))
    assert (first.action, first.backup) == ("appended", tmp_path / ".bashrc.aimetenv.bak")
    assert update_file(path, marker, block_for("/e", "export X=2")).action == "replaced"
    assert first.backup is not None
    assert first.backup.read_text(encoding="utf-8").endswith(
        "export X=1\n# <<< aimetenv env: /e <<<\n"
    )
    path.write_text(path.read_text(encoding="utf-8") + "\n" + block_for("/e"), encoding="utf-8")
    folded = update_file(path, marker, block_for("/e"))
    assert (folded.action, folded.folded) == ("replaced", 1)
    assert len(blocks_for(path.read_text(encoding="utf-8"), marker)) == 1
    assert update_file(path, marker, None).action == "removed"
    assert update_file(path, marker, None).action == "absent"
    assert path.read_text(encoding="utf-8") == "alias ll='ls -l'\n"


def test_mode_is_kept_and_symlinks_are_followed(tmp_path: Path) -> None:
    dotfiles = tmp_path / "dotfiles"
    dotfiles.mkdir()
    target = dotfiles / "bashrc"
    target.write_text("# mine\n", encoding="utf-8")
    target.chmod(0o600)
    link = tmp_path / ".bashrc"
    link.symlink_to(target)
    update = update_file(link, Marker("/e"), block_for("/e"))
    assert update.path == target
    assert link.is_symlink()
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    assert update.backup == dotfiles / "bashrc.aimetenv.bak"
    assert stat.S_IMODE(update.backup.stat().st_mode) == 0o600
    assert "export X=1" in link.read_text(encoding="utf-8")


def test_missing_file_is_created_only_when_writing(tmp_path: Path) -> None:
    path = tmp_path / "new" / "config.fish"
    assert update_file(path, Marker("/e"), None).action == "absent"
    assert not path.exists()
    update = update_file(path, Marker("/e"), block_for("/e"))
    assert (update.action, update.backup) == ("appended", None)
    assert stat.S_IMODE(path.stat().st_mode) == 0o644
    assert path.read_text(encoding="utf-8") == "\n" + block_for("/e")


def test_read_only_file_is_refused_unchanged(tmp_path: Path) -> None:
    home = tmp_path / "home"
    home.mkdir()
    path = home / ".bashrc"
    path.write_text("keep\n", encoding="utf-8")
    path.chmod(0o444)
    with pytest.raises(FileError, match="read-only") as caught:
        update_file(path, Marker("/e"), block_for("/e"))
    assert caught.value.exit_code == ExitCode.FILE_ERROR
    assert path.read_text(encoding="utf-8") == "keep\n"
    assert sorted(p.name for p in home.iterdir()) == [".bashrc"]


def test_unterminated_block_in_file_names_file_and_line(tmp_path: Path) -> None:
    home = tmp_path / "home"
    home.mkdir()
    path = home / ".bashrc"
    content = f"one\ntwo\n{Marker('/e').begin}\nexport X=1\n"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(FileError) as caught:
        update_file(path, Marker("/e"), block_for("/e"))
    assert str(path) in caught.value.message
    assert "line 3" in caught.value.message
    assert caught.value.exit_code == ExitCode.FILE_ERROR
    assert path.read_text(encoding="utf-8") == content
    assert sorted(p.name for p in home.iterdir()) == [".bashrc"]


def test_folder_is_refused(tmp_path: Path) -> None:
    with pytest.raises(FileError, match="folder"):
        update_file(tmp_path, Marker("/e"), block_for("/e"))
