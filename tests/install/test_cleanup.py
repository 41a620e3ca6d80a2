"""What a failed install leaves: a new env removed or kept, an existing env's changes named.

Real folders shaped like site-packages (``*.dist-info`` folders); the whole path, with real
venvs and pip, runs in the fault suite (``tests/faults``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from aimetenv.install.cleanup import Before, clean_up, describe_changes, installed_packages

if TYPE_CHECKING:
    from pathlib import Path


def _site(folder: Path, *metadata: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name in metadata:
        (folder / name).mkdir()
    (folder / "torch").mkdir(exist_ok=True)  # a package folder is not a distribution
    return folder


def test_installed_packages_reads_dist_and_egg_info(tmp_path: Path) -> None:
    site = _site(
        tmp_path / "site",
        "torch-2.13.0.dist-info",
        "Aimet_Torch-1.16.2.py37.dist-info",
        "legacy_thing-0.1-py3.7.egg-info",
    )
    assert installed_packages([str(site), str(tmp_path / "missing")]) == {
        "torch": "2.13.0",
        "aimet-torch": "1.16.2.py37",
        "legacy-thing": "0.1",
    }


def test_describe_changes_names_each_kind_and_cuts_long_lists() -> None:
    old = {"pip": "22.0.4", "pillow": "9.0"}
    new = {"pip": "24.0", "torch": "2.13.0"}
    assert (
        describe_changes(old, new)
        == "installed torch 2.13.0; pip 22.0.4 -> 24.0; removed pillow 9.0"
    )
    many = {f"p{i}": "1" for i in range(9)}
    assert describe_changes({}, many).endswith("; and 3 more")
    assert describe_changes(old, old) == ""


def test_a_new_env_is_removed_or_kept(tmp_path: Path) -> None:
    prefix = tmp_path / "env"
    _site(prefix / "lib/site-packages", "torch-2.13.0.dist-info")
    before = Before("venv " + str(prefix), prefix, created=True, existed_empty=False, packages={})
    assert (
        clean_up(before, (), keep=True)
        == f"venv {prefix}, which this install created, was kept (--keep-failed)"
    )
    assert prefix.is_dir()
    assert clean_up(before, (), keep=False) == (
        f"venv {prefix}, which this install created, was removed (--keep-failed keeps it for "
        "inspection)"
    )
    assert not prefix.exists()
    assert clean_up(before, (), keep=False) is None  # never made: nothing to say


def test_an_empty_folder_the_user_made_is_emptied_not_removed(tmp_path: Path) -> None:
    prefix = tmp_path / "env"
    _site(prefix / "lib/site-packages")
    (prefix / "pyvenv.cfg").write_text("home = /usr/bin\n")
    before = Before(f"venv {prefix}", prefix, created=True, existed_empty=True, packages={})
    assert clean_up(before, (), keep=False) is not None
    assert prefix.is_dir()
    assert list(prefix.iterdir()) == []


def test_an_existing_env_is_kept_and_its_changes_named(tmp_path: Path) -> None:
    site = _site(tmp_path / "env/site", "pip-22.0.4.dist-info")
    before = Before(
        f"venv {tmp_path / 'env'}",
        tmp_path / "env",
        created=False,
        existed_empty=False,
        packages=installed_packages([str(site)]),
    )
    assert clean_up(before, [str(site)], keep=False) == (
        f"no package in venv {tmp_path / 'env'} changed; no receipt was written"
    )
    (site / "pip-22.0.4.dist-info").rename(site / "pip-24.0.dist-info")
    (site / "torch-2.13.0.dist-info").mkdir()
    assert clean_up(before, [str(site)], keep=False) == (
        f"venv {tmp_path / 'env'} was changed (installed torch 2.13.0; pip 22.0.4 -> 24.0); "
        "no receipt was written"
    )
    assert site.is_dir()
