"""The export rules: which release needs which AIMET directories, and what is said about it."""

from __future__ import annotations

import pytest
from packaging.version import Version

from aimetenv.catalog.exportrules import EXPORT_RULES, NO_PATH_FROM, export_rule
from aimetenv.catalog.load import load_catalog

LEGACY = (("aimet_common/x86_64-linux-gnu", "aimet_common"), ("aimet_common/x86_64-linux-gnu",))
MIDDLE = (("aimet_common",), ())
NOTHING = ((), ())


@pytest.mark.parametrize(
    ("version", "paths"),
    [
        ((1, 13, 0), LEGACY),
        ((1, 16, 2), LEGACY),  # 1.16.2.py37 too: the suffix plays no part
        ((1, 21, 99), LEGACY),
        ((1, 22, 0), MIDDLE),
        ((1, 23, 9), MIDDLE),
        ((1, 24, 0), NOTHING),
        ((1, 35, 0), NOTHING),
        ((2, 42, 0), NOTHING),
    ],
)
def test_the_rule_of_each_range(
    version: tuple[int, int, int], paths: tuple[tuple[str, ...], tuple[str, ...]]
) -> None:
    rule = export_rule(version)
    assert (rule.ld_library_path, rule.pythonpath) == paths
    assert (version >= NO_PATH_FROM) is (paths == NOTHING)


def test_from_1_24_on_the_notes_warn_about_shadowing() -> None:
    assert "shadow" in export_rule((2, 42, 0)).note
    assert "shadow" in export_rule((2, 42, 0)).env_note
    assert all(rule.note and rule.env_note for rule in EXPORT_RULES)


def test_the_catalog_answers_from_the_same_table() -> None:
    catalog = load_catalog()
    for release in catalog.releases:
        version = release.version
        assert catalog.export_rule(version) is export_rule(
            (version.major, version.minor, version.micro)
        )
    assert catalog.export_rule(Version("1.16.2")) is EXPORT_RULES[0]
