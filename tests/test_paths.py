"""aimetenv's own folders: the XDG rule applied without importing platformdirs, with its answers."""

from __future__ import annotations

import subprocess  # noqa: TID251  # a fresh interpreter shows what start-up imports
import sys
from pathlib import Path

import platformdirs
import pytest

from aimetenv import paths

FOLDERS = (
    ("XDG_DATA_HOME", paths.data_dir, platformdirs.user_data_dir),
    ("XDG_CACHE_HOME", paths.cache_dir, platformdirs.user_cache_dir),
    ("XDG_STATE_HOME", paths.state_dir, platformdirs.user_state_dir),
)


@pytest.mark.parametrize("value", [None, "", "relative/dir", "/abs/dir", "/abs/dir/"])
def test_each_folder_is_the_one_platformdirs_names(
    value: str | None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    for variable, ours, theirs in FOLDERS:
        if value is None:
            monkeypatch.delenv(variable, raising=False)
        else:
            monkeypatch.setenv(variable, value)
        assert ours() == Path(theirs("aimetenv")), variable


def test_the_defaults_are_under_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    for variable, _ours, _theirs in FOLDERS:
        monkeypatch.delenv(variable, raising=False)
    assert paths.data_dir() == tmp_path / ".local/share/aimetenv"
    assert paths.cache_dir() == tmp_path / ".cache/aimetenv"
    assert paths.state_dir() == tmp_path / ".local/state/aimetenv"
    assert paths.wheel_cache_dir() == tmp_path / ".cache/aimetenv/wheels"


def test_finding_the_folders_does_not_import_platformdirs() -> None:
    code = "import sys; from aimetenv import paths; paths.state_dir(); print('platformdirs' in sys.modules)"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "False"
