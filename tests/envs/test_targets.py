"""Which environment install, doctor and env act on, and the reason they give. Pure decisions."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from aimetenv.envs.targets import (
    CondaInfo,
    CondaTool,
    EnvTarget,
    Origin,
    TargetRequest,
    check_conda_name,
    check_path_argument,
    choose_check_target,
    choose_install_target,
    conda_prefix_for,
    find_conda,
    last_installed_target,
)
from aimetenv.errors import UsageError
from aimetenv.install.receipt import record_last_install

ROOT = Path("/opt/conda")
INFO = CondaInfo(root_prefix=ROOT, envs_dirs=(ROOT / "envs",), envs=(ROOT, ROOT / "envs/old"))
CONDA = CondaTool("/opt/conda/bin/conda", "conda", "$CONDA_EXE")
VENVS = Path("/data/aimetenv/envs")
NAME = "aimet-torch-cpu-1.16.2.py37"


def install_target(
    request: TargetRequest,
    environ: dict[str, str] | None = None,
    *,
    conda: CondaTool | None = None,
    info: CondaInfo | None = INFO,
    existing: tuple[Path, ...] = (),
) -> EnvTarget:
    return choose_install_target(
        request,
        environ=environ or {},
        conda=conda,
        conda_info=lambda: info,
        default_name=NAME,
        venvs_dir=VENVS,
        exists=lambda p: p in existing,
    )


def test_explicit_flags_win_and_say_so() -> None:
    venv = install_target(TargetRequest(venv="/w/env"), {"CONDA_PREFIX": "/opt/conda/envs/x"})
    assert (venv.kind, venv.prefix, venv.reason) == ("venv", Path("/w/env"), "--venv given")
    assert venv.python == Path("/w/env/bin/python")
    assert not venv.exists
    prefix = install_target(TargetRequest(prefix="/w/c"), conda=CONDA)
    assert (prefix.kind, prefix.prefix, prefix.reason) == ("conda", Path("/w/c"), "--prefix given")
    named = install_target(TargetRequest(name="old"), conda=CONDA)
    assert (named.prefix, named.name, named.reason) == (ROOT / "envs/old", "old", "--name given")
    fresh = install_target(TargetRequest(name="new"), conda=CONDA)
    assert fresh.prefix == ROOT / "envs/new"
    python = install_target(
        TargetRequest(python="/usr/bin/python3"), existing=(Path("/usr/bin/python3"),)
    )
    assert (python.kind, python.exists, python.label) == (
        "python",
        True,
        "interpreter /usr/bin/python3",
    )


def test_two_target_flags_are_refused() -> None:
    with pytest.raises(UsageError, match="choose one target: --name and --venv"):
        install_target(TargetRequest(name="a", venv="/b"), conda=CONDA)


def test_the_active_conda_env_is_used_but_never_base() -> None:
    active = install_target(
        TargetRequest(),
        {"CONDA_PREFIX": "/opt/conda/envs/work", "CONDA_DEFAULT_ENV": "work"},
        conda=CONDA,
        existing=(Path("/opt/conda/envs/work/bin/python"),),
    )
    assert (active.kind, active.prefix, active.name) == ("conda", ROOT / "envs/work", "work")
    assert active.reason == "the active conda env ($CONDA_PREFIX)"
    assert active.exists
    for environ in (
        {"CONDA_PREFIX": str(ROOT), "CONDA_DEFAULT_ENV": "base"},
        {"CONDA_PREFIX": str(ROOT), "CONDA_ROOT": str(ROOT)},
        {"CONDA_PREFIX": str(ROOT)},  # conda info --json names it the root prefix
    ):
        chosen = install_target(TargetRequest(), environ, conda=CONDA)
        assert chosen.prefix == ROOT / "envs" / NAME
        assert chosen.reason.startswith("a new conda env named after the variant and tag")


def test_default_is_a_named_conda_env_when_conda_exists_else_a_venv() -> None:
    conda = install_target(TargetRequest(), conda=CONDA)
    assert (conda.kind, conda.name, conda.prefix) == ("conda", NAME, ROOT / "envs" / NAME)
    assert "(conda found by $CONDA_EXE)" in conda.reason
    venv = install_target(TargetRequest())
    assert (venv.kind, venv.prefix) == ("venv", VENVS / NAME)
    assert (
        venv.reason
        == "a new venv named after the variant and tag (no conda, mamba or micromamba found)"
    )


def test_name_needs_conda_and_a_sane_name() -> None:
    with pytest.raises(UsageError, match="needs conda, mamba or micromamba"):
        install_target(TargetRequest(name="x"))
    for bad in ("../x", "a b", "", "-x", "x" * 101):
        with pytest.raises(UsageError, match="invalid conda environment name"):
            check_conda_name(bad)
    assert check_conda_name("aimet-torch_cpu.1+x") == "aimet-torch_cpu.1+x"


def test_conda_info_failure_is_explained() -> None:
    with pytest.raises(UsageError, match="conda info --json"):
        conda_prefix_for("x", None)
    with pytest.raises(UsageError, match="no environment directories"):
        conda_prefix_for("x", CondaInfo(ROOT, (), ()))
    assert conda_prefix_for("base", INFO) == ROOT


def test_paths_with_newlines_are_refused() -> None:
    for bad in ("", "  ", "a\nb", "a\x00b"):
        with pytest.raises(UsageError, match="without newlines"):
            check_path_argument(bad, "--venv")
    assert check_path_argument("~/x", "--venv") == Path.home() / "x"


def test_find_conda_order() -> None:
    which = {"conda": "/usr/bin/conda", "micromamba": "/usr/bin/micromamba"}.get
    assert find_conda({"MAMBA_EXE": "/m/bin/mamba"}, which) == CondaTool(
        "/m/bin/mamba", "mamba", "$MAMBA_EXE"
    )
    assert find_conda({}, which) == CondaTool("/usr/bin/conda", "conda", "conda on PATH")
    assert find_conda({}, {"micromamba": "/x/micromamba"}.get) == CondaTool(
        "/x/micromamba", "micromamba", "micromamba on PATH"
    )
    assert find_conda({}, lambda _name: None) is None


def check(environ: dict[str, str], last: EnvTarget | None = None) -> EnvTarget:
    """The target doctor and env choose with no flags, on a machine with no conda."""
    return choose_check_target(
        TargetRequest(),
        environ=environ,
        conda=None,
        conda_info=lambda: None,
        last_installed=last,
        current_python=Path("/usr/bin/python3"),
        exists=lambda _p: True,
    )


def test_check_target_order() -> None:
    assert check({"CONDA_PREFIX": "/c", "CONDA_DEFAULT_ENV": "c"}).reason.startswith(
        "the active conda"
    )
    assert check({"VIRTUAL_ENV": "/v"}).reason == "the active venv ($VIRTUAL_ENV)"
    base = {"CONDA_PREFIX": "/base", "CONDA_DEFAULT_ENV": "base"}
    assert check({**base, "VIRTUAL_ENV": "/v"}).prefix == Path("/v")  # a venv on top of base
    assert check(base).kind == "python"  # base is never chosen by default
    last = EnvTarget(
        "venv",
        Path("/l/bin/python"),
        "the env aimetenv installed last",
        Origin.LAST_INSTALL,
        prefix=Path("/l"),
    )
    assert check({}, last) == last
    assert check({}).kind == "python"


def test_last_installed_record(tmp_path: Path) -> None:
    state = tmp_path / "state"
    assert last_installed_target(state) is None
    record_last_install(state, prefix="/w/env", python="/w/env/bin/python", kind="venv")
    target = last_installed_target(state)
    assert target is not None
    assert (target.kind, target.prefix) == ("venv", Path("/w/env"))
    (state / "last-install.json").write_text(json.dumps({"schema": "other"}), encoding="utf-8")
    assert last_installed_target(state) is None


def test_each_chooser_path_names_its_origin() -> None:
    """What install, env and doctor decide on: the origin, never the words of ``reason``."""
    existing = (Path("/usr/bin/python3"),)
    given = {
        TargetRequest(name="old"): Origin.NAME_GIVEN,
        TargetRequest(prefix="/w/c"): Origin.PREFIX_GIVEN,
        TargetRequest(venv="/w/v"): Origin.VENV_GIVEN,
        TargetRequest(python="/usr/bin/python3"): Origin.PYTHON_GIVEN,
    }
    for request, origin in given.items():
        assert install_target(request, conda=CONDA, existing=existing).origin is origin
    active = {"CONDA_PREFIX": "/opt/conda/envs/work", "CONDA_DEFAULT_ENV": "work"}
    assert install_target(TargetRequest(), active, conda=CONDA).origin is Origin.ACTIVE_CONDA
    assert install_target(TargetRequest(), conda=CONDA).origin is Origin.NEW
    assert install_target(TargetRequest()).origin is Origin.NEW

    last = EnvTarget("venv", Path("/l/bin/python"), "last", Origin.LAST_INSTALL, prefix=Path("/l"))
    assert check(active).origin is Origin.ACTIVE_CONDA
    assert check({"VIRTUAL_ENV": "/v"}).origin is Origin.ACTIVE_VENV
    assert check({}, last).origin is Origin.LAST_INSTALL
    assert check({}).origin is Origin.SELF


def test_a_conda_env_is_named_by_name_only_when_it_was_named_or_is_new() -> None:
    named = install_target(TargetRequest(name="old"), conda=CONDA)
    new = install_target(TargetRequest(), conda=CONDA)
    active = install_target(
        TargetRequest(), {"CONDA_PREFIX": "/opt/conda/envs/work", "CONDA_DEFAULT_ENV": "work"},
        conda=CONDA,
    )  # fmt: skip
    by_path = install_target(TargetRequest(prefix="/opt/conda/envs/old"), conda=CONDA)
    assert (named.by_name, new.by_name, active.by_name, by_path.by_name) == (
        True,
        True,
        False,
        False,
    )


def test_env_and_doctor_word_the_last_install_differently(tmp_path: Path) -> None:
    """Both read one record; doctor keeps a --python install's prefix and its own wording."""
    state = tmp_path / "state"
    record_last_install(state, prefix="/usr", python="/usr/bin/python3", kind="python")
    env = last_installed_target(state)
    doctor = last_installed_target(state, for_doctor=True)
    assert env is not None
    assert doctor is not None
    assert (env.reason, env.prefix, env.origin) == (
        "the env aimetenv installed last",
        None,
        Origin.LAST_INSTALL,
    )
    assert (doctor.reason, doctor.prefix) == (
        "the environment aimetenv installed last",
        Path("/usr"),
    )
    record_last_install(state, prefix="/e", python="/e/bin/python", kind="odd")
    assert last_installed_target(state) is None
    odd = last_installed_target(state, for_doctor=True)
    assert odd is not None
    assert odd.kind == "venv"
