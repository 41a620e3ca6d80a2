"""Everything install decides before it changes anything, with real interpreters and real venvs."""

from __future__ import annotations

import json
import os
import subprocess  # noqa: TID251  # real venvs for the targets
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from aimetenv.catalog.load import load_catalog
from aimetenv.envs.targets import EnvTarget, TargetRequest
from aimetenv.errors import UsageError
from aimetenv.install.options import InstallOptions
from aimetenv.install.prepare import find_base_interpreter, prepare
from aimetenv.install.receipt import receipt_path_in_env
from aimetenv.install.resolver import Options
from aimetenv.runner import SubprocessRunner
from support.envs import need_python

if TYPE_CHECKING:
    from aimetenv.install.plan import PlannedWheel
    from aimetenv.install.prepare import Prepared

CATALOG = load_catalog()
RUNNER = SubprocessRunner()
PYENV_ROOT = os.environ.get("PYENV_ROOT", str(Path.home() / ".pyenv"))


def wheel_path(wheel: PlannedWheel) -> Path:
    return Path("/cache") / wheel.filename


def run_prepare(
    tmp_path: Path,
    *,
    variant: str = "torch-cpu",
    tag: str = "1.16.2.py37",
    target: TargetRequest | None = None,
    environ: dict[str, str] | None = None,
    on_target: list[EnvTarget] | None = None,
    **request: object,
) -> Prepared:
    seen = on_target if on_target is not None else []
    return prepare(
        CATALOG,
        InstallOptions(
            variant=variant,
            tag=tag,
            target=target or TargetRequest(venv=str(tmp_path / "env")),
            sources=Options(),
            **request,  # type: ignore[arg-type]
        ),
        RUNNER,
        environ=environ if environ is not None else {"PYENV_ROOT": PYENV_ROOT, "PATH": "/usr/bin"},
        venvs_dir=tmp_path / "envs",
        wheel_path=wheel_path,
        receipt_path=receipt_path_in_env,
        uv="/bin/uv",
        on_target=seen.append,
    )


def test_a_new_venv_gets_a_pyenv_interpreter_of_the_release_python(tmp_path: Path) -> None:
    seen: list[EnvTarget] = []
    prepared = run_prepare(tmp_path, on_target=seen)
    assert [t.prefix for t in seen] == [tmp_path / "env"]
    assert prepared.base_interpreter == need_python("3.7")
    assert prepared.base_interpreter_origin is not None
    assert prepared.base_interpreter_origin.startswith("pyenv 3.7.")
    assert prepared.plan.target.origin == "probe"
    create = next(a for a in prepared.actions if a.kind == "create-env")
    assert create.argv == (str(need_python("3.7")), "-m", "venv", str(tmp_path / "env"))
    assert prepared.actions[-1].path == str(tmp_path / "env/etc/aimetenv/receipt.json")
    assert prepared.target_facts is None
    assert prepared.prefix == tmp_path / "env"


def test_a_launcher_on_path_is_replaced_by_the_interpreter_it_runs(tmp_path: Path) -> None:
    real = need_python("3.7")
    launcher = tmp_path / "bin" / "python3.7"
    launcher.parent.mkdir()
    launcher.write_text(f'#!/bin/sh\nexec {real} "$@"\n')
    launcher.chmod(0o755)
    found = find_base_interpreter(
        RUNNER,
        "3.7",
        explicit=None,
        environ={"PYENV_ROOT": str(tmp_path / "none")},
        which=lambda name: str(launcher) if name == "python3.7" else None,
    )
    assert found[0] == real
    assert found[1] == "python3.7 on PATH"


def test_no_interpreter_is_exit_2_with_the_fix(tmp_path: Path) -> None:
    empty = tmp_path / "pyenv"
    (empty / "versions").mkdir(parents=True)
    with pytest.raises(UsageError) as refused:
        run_prepare(tmp_path, environ={"PYENV_ROOT": str(empty), "PATH": str(tmp_path)})
    assert refused.value.code == "no-interpreter"
    assert refused.value.message == (
        "no Python 3.7 interpreter found (looked for python3.7 on PATH and in "
        "$PYENV_ROOT/versions/3.7.*)"
    )
    assert refused.value.hint is not None
    assert "--interpreter PATH" in refused.value.hint
    with pytest.raises(UsageError, match=r"is not a working Python 3\.7"):
        run_prepare(tmp_path, interpreter=str(need_python("3.10")))


def test_python_version_overrides_the_new_envs_python(tmp_path: Path) -> None:
    prepared = run_prepare(tmp_path, variant="onnx-cpu", tag="2.42.0", python_version=(3, 11))
    assert prepared.plan.python_for_new_env == "3.11"
    create = next(a for a in prepared.actions if a.kind == "create-env")
    assert create.description == f"create venv {tmp_path / 'env'} with Python 3.11"
    assert create.argv[0] == str(need_python("3.11"))


@pytest.mark.parametrize(
    ("python_version", "glibc", "code"),
    [((3, 9), None, "python-mismatch"), (None, (2, 31), "glibc-too-old")],
)
def test_refusals_before_an_interpreter_is_even_looked_for(
    tmp_path: Path,
    python_version: tuple[int, int] | None,
    glibc: tuple[int, int] | None,
    code: str,
) -> None:
    empty = tmp_path / "pyenv"
    empty.mkdir()
    with pytest.raises(UsageError) as refused:
        run_prepare(
            tmp_path,
            variant="onnx-cpu",
            tag="2.42.0",
            environ={"PYENV_ROOT": str(empty), "PATH": str(tmp_path)},
            python_version=python_version,
            glibc=glibc,
        )
    assert refused.value.code == code


def test_an_existing_env_with_the_wrong_python_needs_recreate(tmp_path: Path) -> None:
    prefix = tmp_path / "env"
    subprocess.run(
        [str(need_python("3.11")), "-m", "venv", "--without-pip", str(prefix)], check=True
    )
    with pytest.raises(UsageError) as refused:
        run_prepare(tmp_path)
    assert refused.value.code == "python-mismatch"
    assert refused.value.message == (
        f"venv {prefix} has Python 3.11, but 1.16.2.py37 torch-cpu needs Python 3.7"
    )
    prepared = run_prepare(tmp_path, recreate=True)
    assert prepared.recreate
    create = next(a for a in prepared.actions if a.kind == "create-env")
    assert create.argv == (str(need_python("3.7")), "-m", "venv", "--clear", str(prefix))


def test_an_existing_env_is_probed_and_not_created(legacy_env: Path, tmp_path: Path) -> None:
    prepared = run_prepare(tmp_path, target=TargetRequest(venv=str(legacy_env)))
    assert prepared.target.exists
    assert prepared.target_facts is not None
    assert prepared.target_facts.pip_version == "22.0.4"
    assert "create-env" not in [a.kind for a in prepared.actions]
    by_python = run_prepare(tmp_path, target=TargetRequest(python=str(legacy_env / "bin/python")))
    assert by_python.target.kind == "python"
    assert by_python.prefix == legacy_env
    assert by_python.actions[-1].path == str(legacy_env / "etc/aimetenv/receipt.json")


def test_recreate_refuses_what_is_not_a_venv(tmp_path: Path) -> None:
    fake = tmp_path / "env"
    (fake / "bin").mkdir(parents=True)
    (fake / "bin/python").symlink_to(need_python("3.11"))
    with pytest.raises(UsageError, match=r"is not a venv \(no pyvenv.cfg\)"):
        run_prepare(tmp_path, recreate=True)


def test_a_non_empty_folder_is_not_turned_into_a_venv(tmp_path: Path) -> None:
    (tmp_path / "env").mkdir()
    (tmp_path / "env/notes.txt").write_text("mine")
    with pytest.raises(UsageError, match="is a non-empty directory that is not a venv"):
        run_prepare(tmp_path)


def test_a_conda_prefix_without_conda_cannot_be_created(tmp_path: Path) -> None:
    with pytest.raises(UsageError) as refused:
        run_prepare(tmp_path, target=TargetRequest(prefix=str(tmp_path / "c")))
    assert refused.value.code == "no-conda"


def test_the_lock_hook_runs_before_the_target_is_probed(tmp_path: Path) -> None:
    broken = tmp_path / "env"
    (broken / "bin").mkdir(parents=True)
    script = broken / "bin/python"
    script.write_text("#!/bin/sh\nexit 3\n")
    script.chmod(0o755)
    seen: list[EnvTarget] = []
    with pytest.raises(UsageError) as refused:
        run_prepare(tmp_path, on_target=seen)
    assert refused.value.code == "interpreter-broken"
    assert [t.prefix for t in seen] == [broken]


def test_uv_is_checked(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="its version is not PEP 440"):
        run_prepare(tmp_path, installer="uv")
    prepared = run_prepare(tmp_path, variant="onnx-cpu", tag="2.42.0", installer="uv")
    pips = [a.argv for a in prepared.actions if a.kind == "pip"]
    assert all(argv[:3] == ("/bin/uv", "pip", "install") for argv in pips)


def test_a_wheel_dir_points_every_pip_call_at_it(tmp_path: Path) -> None:
    house = tmp_path / "house"
    house.mkdir()
    manifest = {
        "schema": "aimetenv.wheelhouse/1",
        "tag": "2.42.0",
        "variant": "onnx-cpu",
        "dependencies": True,
        "files": [],
    }
    (house / "manifest.json").write_text(json.dumps(manifest))
    prepared = run_prepare(tmp_path, variant="onnx-cpu", tag="2.42.0", wheel_dir=house)
    pips = [a.argv for a in prepared.actions if a.kind == "pip"]
    assert pips
    for argv in pips:
        assert argv[-3:] == ("--no-index", "--find-links", str(house))
        assert "--index-url" not in argv
