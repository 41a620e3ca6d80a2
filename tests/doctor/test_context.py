"""The doctor's context: which environment, which release, which exports, run once."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from aimetenv.doctor.checks.interpreter import check_interpreter
from aimetenv.doctor.context import DoctorContext, DoctorSettings, choose_target, target_flags
from aimetenv.doctor.model import Status
from aimetenv.envs.targets import EnvTarget, Origin, TargetRequest
from aimetenv.errors import CatalogError
from aimetenv.install.receipt import record_last_install
from aimetenv.paths import state_dir
from aimetenv.runner import SubprocessRunner
from support.doctor_envs import LIBPYMO_DIR, write_test_receipt
from support.envs import need_python, site_packages

if TYPE_CHECKING:
    from collections.abc import Callable

    from aimetenv.catalog.model import Catalog
    from support.doctor_envs import MakeContext


def choose(environ: dict[str, str], request: TargetRequest | None = None) -> EnvTarget:
    return choose_target(
        request or TargetRequest(),
        environ=environ,
        runner=SubprocessRunner(),
        state_dir=state_dir(),
        current_python=Path(sys.executable),
    )


def test_target_order_virtual_env_then_last_install_then_this_python(tmp_path: Path) -> None:
    """A decision: the envs need only an interpreter file to exist, not to be real venvs."""
    last_env, active_env = tmp_path / "last", tmp_path / "active"
    for prefix in (last_env, active_env):
        (prefix / "bin").mkdir(parents=True)
        (prefix / "bin" / "python").touch()
    bare = {"PATH": os.environ.get("PATH", "")}
    assert choose(bare).kind == "python"
    assert choose(bare).python == Path(sys.executable)
    record_last_install(
        state_dir(), prefix=str(last_env), python=str(last_env / "bin" / "python"), kind="venv"
    )
    last = choose(bare)
    assert last.prefix == last_env
    assert last.reason == "the environment aimetenv installed last"
    active = choose({**bare, "VIRTUAL_ENV": str(active_env)})
    assert active.prefix == active_env
    assert active.reason == "the active venv ($VIRTUAL_ENV)"
    flagged = choose(bare, TargetRequest(venv=str(active_env)))
    assert flagged.reason == "--venv given"
    assert target_flags(flagged) == ("--venv", str(active_env))


def test_release_from_the_receipt_beats_the_files(
    make_ctx: MakeContext, py38_receipt_env: Path
) -> None:
    info = make_ctx(py38_receipt_env).release()
    assert info is not None
    assert info.summary.origin == "receipt"
    assert (info.summary.tag, info.summary.variant) == ("1.16.2.py37", "torch-cpu")
    assert info.compat_code == "python-mismatch"
    assert info.plan is not None  # the release's own plan, for its pins and exports
    assert info.plan.python_specifier == "==3.7.*"


def test_release_given_on_the_command_line(make_ctx: MakeContext, bare_venv: Path) -> None:
    ctx = make_ctx(bare_venv, settings=DoctorSettings(release_override=("2.42.0", "onnx-cpu")))
    info = ctx.release()
    assert info is not None
    assert info.summary.origin == "--tag/--variant"
    assert info.plan is not None
    assert info.plan.smoke.native == "aimet_onnx.common._libpymo"


def test_no_release_says_why(make_ctx: MakeContext, bare_venv: Path) -> None:
    ctx = make_ctx(bare_venv)
    assert ctx.release() is None
    assert ctx.release_note() == "no AIMET distribution is installed"


def test_unreadable_catalog_means_unknown_release(plain_legacy_env: Path, tmp_path: Path) -> None:
    def broken() -> Catalog:
        raise CatalogError("release catalog overlay.yaml: releases[3]: expected a mapping")

    target = EnvTarget(
        "venv",
        plain_legacy_env / "bin" / "python",
        "test",
        Origin.VENV_GIVEN,
        prefix=plain_legacy_env,
    )
    ctx = DoctorContext(
        target, SubprocessRunner(), environ=dict(os.environ), cwd=str(tmp_path),
        state_dir=state_dir(), catalog=broken,
    )  # fmt: skip
    assert ctx.release() is None
    assert "expected a mapping" in ctx.release_note()


def test_legacy_exports(
    make_ctx: MakeContext, plain_legacy_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = str(site_packages(plain_legacy_env) / LIBPYMO_DIR)
    common = str(site_packages(plain_legacy_env) / "aimet_common")
    monkeypatch.setenv("LD_LIBRARY_PATH", "/somewhere/else")
    ctx = make_ctx(plain_legacy_env)
    assert ctx.export_dirs() == {"PYTHONPATH": (folder,), "LD_LIBRARY_PATH": (folder, common)}
    assert ctx.missing_exports() == ctx.export_dirs()
    assert ctx.with_exports() == {
        "PYTHONPATH": folder,
        "LD_LIBRARY_PATH": f"{folder}:{common}:/somewhere/else",
    }
    hint = ctx.env_fix_hint()
    assert f'eval "$(aimetenv env --venv {plain_legacy_env})"' in hint
    assert f"aimetenv env --venv {plain_legacy_env} --write ~/.bashrc" in hint
    monkeypatch.setenv("LD_LIBRARY_PATH", f"{folder}:{common}")
    monkeypatch.setenv("PYTHONPATH", folder)
    assert make_ctx(plain_legacy_env).missing_exports() == {}


def test_facts_are_gathered_once(make_ctx: MakeContext, plain_legacy_env: Path) -> None:
    ctx = make_ctx(plain_legacy_env)
    assert ctx.probe() is ctx.probe()
    assert ctx.release() is ctx.release()


@pytest.mark.parametrize("version", ["3.6", "3.13"])
def test_the_probe_runs_on_the_oldest_and_newest_python(
    make_ctx: MakeContext, version: str
) -> None:
    python = need_python(version)
    result = check_interpreter(make_ctx(python=python, kind="python"))
    assert result.status is Status.OK
    assert str(result.facts["version"]).startswith(version + ".")


def test_install_command_for_the_hint(make_ctx: MakeContext, plain_legacy_env: Path) -> None:
    ctx = make_ctx(plain_legacy_env)
    assert ctx.install_command(recreate=True) == (
        f"aimetenv install --variant torch-cpu --tag 1.16.2.py37 --venv {plain_legacy_env} --recreate"
    )


def test_a_reinstall_repeats_the_receipts_sources(
    make_ctx: MakeContext, fake_env: Callable[..., Path]
) -> None:
    prefix = fake_env()
    wheel = "AimetCommon-torch_cpu_1.16.2.py37-cp37-cp37m-linux_x86_64.whl"
    write_test_receipt(
        prefix,
        tag="1.16.2.py37",
        variant="torch-cpu",
        python_version="3.7.16",
        files=({"filename": wheel, "url": f"http://127.0.0.1:9/my mirror/1.16.2.py37/{wheel}"},),
        steps=(
            {"kind": "framework", "requirements": ["torch==2.1.2", "torchvision==0.16.2"],
             "pip_args": ["--index-url", "http://127.0.0.1:9/torch"]},
            {"kind": "requirement", "requirements": ["aimet-torch==2.0.0"],
             "pip_args": ["--index-url", "http://127.0.0.1:9/pypi"]},
        ),
    )  # fmt: skip
    ctx = make_ctx(prefix)
    assert ctx.reinstall_command() == (
        f"aimetenv install --variant torch-cpu --tag 1.16.2.py37 --venv {prefix} --force "
        "--source github --mirror 'http://127.0.0.1:9/my mirror' "
        "--torch-index http://127.0.0.1:9/torch --index-url http://127.0.0.1:9/pypi"
    )
    # --recreate only where the Python is wrong; it keeps the sources too.
    assert ctx.install_command(recreate=True).endswith(
        f"--venv {prefix} --recreate --source github --mirror 'http://127.0.0.1:9/my mirror' "
        "--torch-index http://127.0.0.1:9/torch --index-url http://127.0.0.1:9/pypi"
    )
