"""Target facts: platform tags, probe parsing and descriptions."""

from __future__ import annotations

from aimetenv.envs.facts import TargetFacts, facts_from_probe, parse_xy_tuple, with_glibc


def test_platforms_include_manylinux_aliases() -> None:
    facts = TargetFacts(python=(3, 10), machine="x86_64", glibc=(2, 17))
    platforms = facts.platforms()
    assert platforms[0] == "manylinux_2_17_x86_64"
    assert "manylinux2014_x86_64" in platforms
    assert "manylinux1_x86_64" in platforms
    assert platforms[-1] == "linux_x86_64"


def test_no_glibc_means_only_the_plain_platform() -> None:
    assert TargetFacts(python=(3, 10), machine="x86_64", glibc=None).platforms() == ["linux_x86_64"]


def test_from_probe() -> None:
    facts = facts_from_probe(
        {"version": [3, 7, 16], "version_text": "3.7.16", "abiflags": "m", "glibc": "2.36",
         "machine": "x86_64", "system": "Linux", "executable": "/e/bin/python", "prefix": "/e",
         "site_packages": ["/e/lib/python3.7/site-packages", 7], "pip_version": "22.0.4",
         "distributions": {"pip": {"name": "pip", "version": "22.0.4"}}}
    )  # fmt: skip
    assert facts.python == (3, 7)
    assert (facts.version, facts.version_text, facts.prefix) == ((3, 7, 16), "3.7.16", "/e")
    assert facts.site_packages == ("/e/lib/python3.7/site-packages",)
    assert facts.pip_version == "22.0.4"
    assert facts.distributions["pip"]["version"] == "22.0.4"
    bare = facts_from_probe({"version": [3, 12, 1]})
    assert (bare.pip_version, bare.site_packages, bare.prefix, bare.version_text) == (
        None,
        (),
        None,
        None,
    )
    assert facts.glibc == (2, 36)
    assert facts.describe() == "Python 3.7 (cp37m), glibc 2.36, x86_64"
    assert with_glibc(facts, (2, 31)).glibc_text == "2.31"


def test_parse_xy() -> None:
    assert parse_xy_tuple("2.36") == (2, 36)
    assert parse_xy_tuple("2.36.1") == (2, 36)
    assert parse_xy_tuple("x") is None
    assert parse_xy_tuple(None) is None
