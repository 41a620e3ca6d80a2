"""The validated catalog cache: read back equal, keyed by what it depends on, never trusted blindly."""

from __future__ import annotations

import os
import pickle
import subprocess  # noqa: TID251  # a fresh interpreter shows what a cache hit imports
import sys
from typing import TYPE_CHECKING

from aimetenv.catalog import cache
from aimetenv.catalog.load import load_catalog, packaged_catalog_text, parse_catalog
from aimetenv.install.inputs import load_user_catalog

if TYPE_CHECKING:
    from pathlib import Path

    import pytest

TEXT = packaged_catalog_text()
PARSED = parse_catalog(TEXT, "(packaged)")  # the YAML itself, never the cache


def test_a_written_catalog_reads_back_equal(tmp_path: Path) -> None:
    path = tmp_path / "__pycache__" / "catalog.pickle"
    key = cache.cache_key(TEXT)
    assert cache.write_cache(path, key, PARSED)
    assert cache.read_cache(path, key) == PARSED
    assert [p.name for p in path.parent.iterdir()] == ["catalog.pickle"]


def test_another_key_or_a_damaged_file_is_a_miss(tmp_path: Path) -> None:
    path = tmp_path / "catalog.pickle"
    key = cache.cache_key(TEXT)
    cache.write_cache(path, key, PARSED)
    assert cache.read_cache(path, cache.cache_key(TEXT + "\n# edited\n")) is None
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    assert cache.read_cache(path, key) is None
    assert cache.read_cache(tmp_path / "missing.pickle", key) is None


class _Payload:
    """Pickles into a call of os.system: what a tampered cache file could hold."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self) -> tuple[object, tuple[str]]:
        return (os.system, (f"touch {self.marker}",))


def test_a_file_holding_anything_but_catalog_classes_is_never_run(tmp_path: Path) -> None:
    path = tmp_path / "catalog.pickle"
    marker = tmp_path / "ran"
    key = cache.cache_key(TEXT)
    path.write_bytes(cache.FORMAT + key + b"\n" + pickle.dumps(_Payload(marker)))
    assert cache.read_cache(path, key) is None
    assert not marker.exists()
    path.write_bytes(cache.FORMAT + key + b"\n" + pickle.dumps({"not": "a catalog"}))
    assert cache.read_cache(path, key) is None


def test_the_key_follows_the_text_the_code_and_the_versions() -> None:
    key = cache.cache_key(TEXT)
    assert len(key) == 64
    assert cache.cache_key(TEXT) == key
    assert cache.cache_key(TEXT.replace("releases:", "releases: ", 1)) != key


def test_the_packaged_catalog_is_the_parsed_one_with_or_without_the_cache() -> None:
    assert cache.packaged_catalog(write=False) == PARSED
    assert cache.packaged_catalog(write=True) == PARSED  # written where bytecode would be
    assert cache.packaged_catalog(write=False) == PARSED  # read back


def test_a_cache_hit_does_not_import_yaml() -> None:
    cache.packaged_catalog(write=True)
    code = (
        "import sys; from aimetenv.install.inputs import load_user_catalog; c = load_user_catalog(); "
        "print(len(c.releases), 'yaml' in sys.modules)"
    )
    env = {**os.environ, "XDG_DATA_HOME": "/nonexistent-aimetenv-test"}
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, env=env
    )
    assert done.stdout.split() == [str(len(PARSED.releases)), "False"]


def test_an_overlay_is_still_merged(tmp_path: Path) -> None:
    overlay = tmp_path / "xdg" / "data" / "aimetenv" / "catalog-overlay.yaml"
    overlay.parent.mkdir(parents=True)
    newest = PARSED.releases[-1].tag
    overlay.write_text(
        f"schema: 1\nreleases:\n  - tag: '{newest}'\n    date: '2031-01-02'\n", encoding="utf-8"
    )
    merged = load_user_catalog()
    assert merged == load_catalog(overlay)
    assert merged.get(newest) is not None
    assert merged.get(newest).date == "2031-01-02"  # type: ignore[union-attr]


def test_nothing_is_written_where_bytecode_is_not(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(cache, "data_folder", lambda: tmp_path)
    monkeypatch.setattr(sys, "dont_write_bytecode", True)
    assert cache.packaged_catalog() == PARSED
    assert not (tmp_path / "__pycache__").exists()
    monkeypatch.setattr(sys, "dont_write_bytecode", False)
    assert cache.packaged_catalog() == PARSED
    assert (tmp_path / "__pycache__" / "catalog.pickle").is_file()


def test_a_read_only_package_folder_is_no_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    monkeypatch.setattr(cache, "data_folder", lambda: blocker)
    assert cache.packaged_catalog(write=True) == PARSED
    assert blocker.read_text() == "not a folder"
