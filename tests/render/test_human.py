"""The plan as people read it: a tag typed as ``latest`` or ``v1.16.2`` is said back."""

from __future__ import annotations

from pathlib import Path

from aimetenv.catalog.load import load_catalog
from aimetenv.envs.targets import EnvTarget, Origin
from aimetenv.install.resolver import Target, resolve
from aimetenv.render.human import dry_run_text, plan_text

CATALOG = load_catalog()
TARGET = EnvTarget(
    "venv", Path("/envs/x/bin/python"), "--venv given", Origin.VENV_GIVEN, Path("/envs/x")
)


def test_dry_run_says_what_latest_stands_for() -> None:
    plan = resolve(CATALOG, "onnx-cpu", "latest", Target())
    lines = dry_run_text(plan, TARGET, []).plain.splitlines()
    assert lines[1].startswith(f"plan: AIMET {plan.tag} onnx-cpu from pypi")
    assert lines[2] == f"tag: latest = {plan.tag} (the newest release that offers onnx-cpu)"


def test_a_plain_tag_is_not_said_back() -> None:
    plan = resolve(CATALOG, "onnx-cpu", "2.42.0", Target())
    assert "tag:" not in dry_run_text(plan, TARGET, []).plain
    assert "=" not in plan_text(plan).plain.split("note:")[0].split("confidence:")[0]


def test_resolve_text_says_a_leading_v_back() -> None:
    plan = resolve(CATALOG, "torch-cpu", "v1.16.2.py37", Target())
    assert "note: v1.16.2.py37 = 1.16.2.py37" in plan_text(plan).plain
