"""Free space: the decision on a real 1 MB tmpfs (mounted here as root), and the plan's sizes."""

from __future__ import annotations

from pathlib import Path

import pytest

from aimetenv.catalog.load import load_catalog
from aimetenv.errors import FileError
from aimetenv.install.resolver import Target, resolve
from aimetenv.install.space import Need, check_space, known_sizes, plan_needs, shortfall

CATALOG = load_catalog()


def test_a_tiny_filesystem_is_refused_with_both_numbers(tiny: Path) -> None:
    needs = [Need(tiny / "cache", "the download cache", 800_000),
             Need(tiny / "envs" / "new", "the environment", 800_000)]  # fmt: skip
    with pytest.raises(FileError) as refused:
        check_space(needs, unknown=0)
    message = refused.value.message
    assert refused.value.code == "no-space"
    assert "the download cache and the environment" in message
    assert f"{tiny} has 1.0 MB free, the files of known size need 1.6 MB" in message
    assert shortfall(needs[:1]) is None  # 0.8 MB alone fits


def test_the_plan_sizes_come_from_the_catalog() -> None:
    plan = resolve(CATALOG, "onnx-cpu", "2.42.0", Target(python=(3, 11)))
    sizes = known_sizes(CATALOG, plan)
    assert set(sizes) == {w.url for w in plan.wheels}
    assert all(size > 0 for size in sizes.values())
    needs, unknown = plan_needs(plan, sizes, cached=lambda _u: True, cache=Path("/c"),
                                prefix=Path("/e"))  # fmt: skip
    assert unknown == 0
    assert [n.size for n in needs] == [0, sum(sizes.values())]


def test_release_host_files_have_no_known_size() -> None:
    plan = resolve(CATALOG, "torch-cpu", "1.16.2.py37", Target(python=(3, 7)))
    assert known_sizes(CATALOG, plan) == {}
