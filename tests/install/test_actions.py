"""The exact commands install runs (and --dry-run prints), built from real plans of the catalog."""

from __future__ import annotations

import shlex
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from aimetenv.catalog.load import load_catalog
from aimetenv.envs.kinds import BundledWheels
from aimetenv.envs.targets import CondaTool, EnvTarget, Origin
from aimetenv.install.actions import (
    COMPILE_CODE,
    create_env_argv,
    install_actions,
    pip_argv,
    reqs_find_links,
)
from aimetenv.install.resolver import Options, Target, resolve

if TYPE_CHECKING:
    from aimetenv.install.actions import Action, Installer
    from aimetenv.install.plan import InstallPlan, PlannedWheel

CATALOG = load_catalog()
HOST = Target(glibc=(2, 36), machine="x86_64")
PREFIX = Path("/envs/aimet")
BASE = Path("/py/3.7/bin/python3.7")
CACHE = Path("/cache/wheels")
CONDA = CondaTool("/opt/conda/bin/conda", "conda", "$CONDA_EXE")


def legacy_plan() -> InstallPlan:
    return resolve(
        CATALOG,
        "torch-cpu",
        "1.16.2.py37",
        HOST,
        Options(mirror="http://127.0.0.1:9", torch_find_links="http://127.0.0.1:9/links/"),
    )


def modern_plan() -> InstallPlan:
    return resolve(CATALOG, "onnx-cpu", "2.42.0", HOST)


def new_venv() -> EnvTarget:
    return EnvTarget(
        "venv",
        PREFIX / "bin" / "python",
        "--venv given",
        Origin.VENV_GIVEN,
        prefix=PREFIX,
        exists=False,
    )


def wheel_path(wheel: PlannedWheel) -> Path:
    return CACHE / "1.16.2.py37" / wheel.filename


def test_legacy_actions_fetch_first_then_create_then_pip_in_plan_order() -> None:
    plan = legacy_plan()
    actions = install_actions(
        plan, new_venv(), base_interpreter=BASE, wheel_path=wheel_path, receipt_path=Path("/r")
    )
    kinds = [a.kind for a in actions]
    assert kinds == [
        *["check-url", "download"] * 3,
        "create-env",
        "pip",
        "pip",
        "pip",
        "pip",
        "compile",
        "smoke",
        "receipt",
    ]
    assert actions[6].argv == (str(BASE), "-m", "venv", str(PREFIX))
    bound = actions[7]
    assert bound.step is not None
    assert bound.step.kind == "pip-bound"
    assert bound.argv == (
        str(PREFIX / "bin/python"),
        "-m",
        "pip",
        "install",
        "--no-input",
        "--no-compile",
        "pip<24.1",
    )
    assert bound.condition == "only if pip is outside <24.1"
    installs = [a.argv for a in actions[8:11]]
    files = [w.filename for w in plan.wheels]
    assert [argv[6] for argv in installs] == [str(CACHE / "1.16.2.py37" / f) for f in files]
    assert installs[1][-2:] == ("-f", "http://127.0.0.1:9/links/")
    assert actions[0].url == plan.wheels[0].url
    assert actions[1].path == str(CACHE / "1.16.2.py37" / files[0])
    assert actions[-1].display() == "write /r"


def test_a_wheelhouse_download_reads_the_file_and_says_nothing_is_fetched() -> None:
    plan = legacy_plan()
    fetched = install_actions(plan, new_venv(), base_interpreter=BASE, wheel_path=wheel_path)
    taken = install_actions(
        plan, new_venv(), base_interpreter=BASE, wheel_path=wheel_path, wheelhouse=True
    )
    assert [a.kind for a in taken] == [a.kind for a in fetched]
    first, file = taken[1], plan.wheels[0].filename
    assert first.description == (
        f"take {file} from the wheelhouse (sha256 checked against its manifest; nothing is fetched)"
    )
    assert first.display() == f"read {CACHE / '1.16.2.py37' / file}"
    assert (first.url, first.path) == (fetched[1].url, fetched[1].path)
    assert fetched[1].display().startswith(f"GET {plan.wheels[0].url} -> ")


def test_every_pip_call_is_env_python_dash_m_pip_install_no_input_no_compile() -> None:
    for plan in (legacy_plan(), modern_plan()):
        actions = install_actions(plan, new_venv(), base_interpreter=BASE, wheel_path=wheel_path)
        for action in actions:
            if action.kind == "pip":
                assert action.argv[:6] == (
                    str(PREFIX / "bin/python"),
                    "-m",
                    "pip",
                    "install",
                    "--no-input",
                    "--no-compile",
                )


def test_the_env_is_compiled_once_after_every_pip_step_in_its_own_python() -> None:
    actions = install_actions(
        modern_plan(), new_venv(), base_interpreter=BASE, wheel_path=wheel_path
    )
    assert [a.kind for a in actions][-2:] == ["compile", "smoke"]
    assert actions[-2].argv == (str(PREFIX / "bin/python"), "-c", COMPILE_CODE)
    assert "compileall.compile_dir(" in COMPILE_CODE
    assert "workers=0" in COMPILE_CODE


@pytest.mark.parametrize(
    ("target", "installer"),
    [
        (
            EnvTarget(
                "python",
                Path("/usr/bin/python3"),
                "--python given",
                Origin.PYTHON_GIVEN,
                exists=True,
            ),
            "pip",
        ),
        (new_venv(), "uv"),
    ],
    ids=["an existing interpreter", "uv"],
)
def test_the_installer_keeps_its_own_compiling(target: EnvTarget, installer: Installer) -> None:
    """An existing interpreter's site-packages is not walked; uv keeps its default."""
    actions = install_actions(
        modern_plan(),
        target,
        base_interpreter=BASE,
        wheel_path=wheel_path,
        installer=installer,
        uv="/bin/uv",
    )
    assert [a.kind for a in actions][-1] == "smoke"
    assert "compile" not in [a.kind for a in actions]
    pips = [a.argv for a in actions if a.kind == "pip"]
    assert len(pips) == 2
    assert all("--no-compile" not in argv for argv in pips)


def test_modern_plan_downloads_the_pypi_file_and_torch_comes_from_one_index() -> None:
    actions = install_actions(
        modern_plan(), new_venv(), base_interpreter=BASE, wheel_path=wheel_path
    )
    kinds = ["download", "create-env", "pip", "pip", "compile", "smoke"]
    assert [a.kind for a in actions] == kinds, "no HEAD check: PyPI lists the file"
    name = "aimet_onnx-2.42.0-cp310-abi3-manylinux_2_34_x86_64.whl"
    assert actions[0].url is not None
    assert actions[0].url.endswith("/" + name)
    assert actions[3].argv[-1].endswith("/" + name), "pip installs the checked file"
    framework = actions[2].argv
    assert framework[6:8] == ("torch", "torchvision")
    assert framework[-2:] == ("--index-url", "https://download.pytorch.org/whl/cpu")
    assert "aimet_onnx.common._libpymo" in actions[-1].description


def test_recreate_clears_a_venv() -> None:
    argv = create_env_argv(new_venv(), "3.7", BASE, clear=True)
    assert argv == (str(BASE), "-m", "venv", "--clear", str(PREFIX))


@pytest.mark.parametrize(
    ("origin", "name", "expected"),
    [
        (Origin.NAME_GIVEN, "aimet-x", ("--name", "aimet-x")),
        (Origin.PREFIX_GIVEN, None, ("--prefix", str(PREFIX))),
        (Origin.NEW, "aimet-x", ("--prefix", str(PREFIX))),
    ],
)
def test_conda_create_argv(origin: Origin, name: str | None, expected: tuple[str, str]) -> None:
    target = EnvTarget(
        "conda", PREFIX / "bin/python", origin.value, origin, prefix=PREFIX, name=name,
        conda=CONDA, exists=False,
    )  # fmt: skip
    argv = create_env_argv(target, "3.7", None)
    assert argv == (CONDA.exe, "create", "--yes", *expected, "python=3.7")


def test_interpreter_targets_are_never_created() -> None:
    target = EnvTarget("python", Path("/usr/bin/python3"), "--python given", Origin.PYTHON_GIVEN)
    with pytest.raises(ValueError, match="never created"):
        create_env_argv(target, "3.11", None)


def test_uv_translates_find_links_and_skips_the_pip_bound() -> None:
    plan = legacy_plan()
    actions = install_actions(
        plan, new_venv(), base_interpreter=BASE, wheel_path=wheel_path, installer="uv", uv="/bin/uv"
    )
    pips = [a.argv for a in actions if a.kind == "pip"]
    assert len(pips) == 3
    assert all(
        argv[:5] == ("/bin/uv", "pip", "install", "--python", str(PREFIX / "bin/python"))
        for argv in pips
    )
    assert pips[1][-2:] == ("--find-links", "http://127.0.0.1:9/links/")


BUNDLED_DIR = Path("/py/3.7/lib/python3.7/ensurepip/_bundled")
BUNDLED = BundledWheels(
    BUNDLED_DIR,
    (BUNDLED_DIR / "pip-24.0-py3-none-any.whl", BUNDLED_DIR / "setuptools-65.5.0-py3-none-any.whl"),
)


def uv_actions(
    target: EnvTarget, bundled: BundledWheels | None, *, recreate: bool = False
) -> list[Action]:
    return install_actions(
        legacy_plan(),
        target,
        base_interpreter=BASE,
        wheel_path=wheel_path,
        installer="uv",
        uv="/bin/uv",
        bundled=bundled,
        recreate=recreate,
    )


def test_uv_makes_a_venv_without_pip_then_installs_the_bundled_wheels_from_disk() -> None:
    actions = uv_actions(new_venv(), BUNDLED)
    create = [i for i, a in enumerate(actions) if a.kind == "create-env"]
    assert len(create) == 1
    made, seeded = actions[create[0]], actions[create[0] + 1]
    assert made.argv == (str(BASE), "-m", "venv", "--without-pip", str(PREFIX))
    assert "without pip (uv installs it next)" in made.description
    assert seeded.kind == "pip"
    assert seeded.argv == (
        "/bin/uv", "pip", "install", "--python", str(PREFIX / "bin/python"),
        str(BUNDLED_DIR / "pip-24.0-py3-none-any.whl"),
        str(BUNDLED_DIR / "setuptools-65.5.0-py3-none-any.whl"),
        "--no-index",
    )  # fmt: skip
    assert seeded.description.startswith("install pip 24.0 and setuptools 65.5.0 into the new venv")
    later = [a for a in actions[create[0] + 2 :] if a.kind == "pip"]
    assert len(later) == 3
    assert all("--no-index" not in a.argv for a in later)


def test_uv_recreate_clears_the_venv_without_pip() -> None:
    made = next(a for a in uv_actions(new_venv(), BUNDLED, recreate=True) if a.kind == "create-env")
    assert made.argv == (str(BASE), "-m", "venv", "--without-pip", "--clear", str(PREFIX))


def test_uv_without_a_bundled_pip_wheel_makes_a_plain_venv_and_says_why() -> None:
    actions = uv_actions(new_venv(), BundledWheels(BUNDLED_DIR, ()))
    made = [a for a in actions if a.kind == "create-env"]
    assert [a.argv for a in made] == [(str(BASE), "-m", "venv", str(PREFIX))]
    assert made[0].description.endswith(
        f"(pip by ensurepip: no bundled pip wheel in {BUNDLED_DIR} for uv)"
    )
    assert not any(str(BUNDLED_DIR) in " ".join(a.argv) for a in actions if a.kind == "pip")


def test_bundled_wheels_change_nothing_for_pip_conda_or_an_existing_venv() -> None:
    pip = install_actions(
        legacy_plan(), new_venv(), base_interpreter=BASE, wheel_path=wheel_path, bundled=BUNDLED
    )
    assert [a.argv for a in pip if a.kind == "create-env"] == [
        (str(BASE), "-m", "venv", str(PREFIX))
    ]
    conda = EnvTarget(
        "conda", PREFIX / "bin/python", "-p given", Origin.PREFIX_GIVEN, prefix=PREFIX,
        conda=CONDA, exists=False,
    )  # fmt: skip
    in_conda = uv_actions(conda, BUNDLED)
    assert [a.argv for a in in_conda if a.kind == "create-env"] == [
        (CONDA.exe, "create", "--yes", "--prefix", str(PREFIX), "python=3.7")
    ]
    existing = uv_actions(replace(new_venv(), exists=True), BUNDLED)
    assert [a.kind for a in existing].count("create-env") == 0
    for actions in (pip, in_conda, existing):
        assert not any(str(BUNDLED_DIR) in " ".join(a.argv) for a in actions)


def test_optional_steps_come_after_the_wheels_and_before_the_smoke_test() -> None:
    plan = legacy_plan()
    actions = install_actions(
        plan,
        new_venv(),
        base_interpreter=BASE,
        wheel_path=wheel_path,
        with_reqs=True,
        pillow_simd=True,
        receipt_path=Path("/r"),
    )
    kinds = [a.kind for a in actions]
    assert kinds[-7:] == ["reqs-pip", "reqs-deb", "pip", "pip", "compile", "smoke", "receipt"]
    reqs = actions[-7]
    assert "common, torch_common, torch_cpu" in reqs.description
    assert reqs.path == "<site-packages>/aimet_*/bin/reqs_pip_{common,torch_common,torch_cpu}.txt"
    assert reqs.display().startswith("pip install -r each of <site-packages>/aimet_*/bin/")
    assert "dpkg-query -W -f='${Status}'" in actions[-6].display()
    python = str(PREFIX / "bin/python")
    assert actions[-5].argv == (python, "-m", "pip", "uninstall", "--yes", "pillow")
    assert actions[-4].argv == (
        python, "-m", "pip", "install", "--no-input", "--no-compile", "pillow-simd"
    )  # fmt: skip


def test_reqs_use_the_plans_find_links() -> None:
    assert reqs_find_links(legacy_plan()) == ("-f", "http://127.0.0.1:9/links/")
    assert reqs_find_links(modern_plan()) == ()


def test_display_is_a_pasteable_shell_line() -> None:
    argv = pip_argv(Path("/p q/bin/python"), ("pip<24.1",), ())
    assert shlex.split(" ".join(shlex.quote(a) for a in argv)) == list(argv)
    actions = install_actions(
        legacy_plan(), new_venv(), base_interpreter=BASE, wheel_path=wheel_path
    )
    assert actions[0].display() == f"HEAD {legacy_plan().wheels[0].url}"
    assert actions[1].display().startswith("GET http://127.0.0.1:9/1.16.2.py37/AimetCommon-")


def test_uv_uninstall() -> None:
    argv = pip_argv(
        Path("/e/bin/python"), ("pillow",), (), installer="uv", uv="/u", action="uninstall"
    )
    assert argv == ("/u", "pip", "uninstall", "--python", "/e/bin/python", "pillow")


def test_the_host_is_asked_only_for_the_inferred_files() -> None:
    plan = resolve(CATALOG, "torch-gpu", "1.23.0", Target(python=(3, 8), glibc=(2, 36)))
    actions = install_actions(plan, new_venv(), base_interpreter=BASE, wheel_path=wheel_path)
    asked = [a.url.rsplit("/", 1)[-1] for a in actions if a.kind == "check-url" and a.url]
    assert asked == [
        "AimetTorch-torch_gpu_1.23.0-cp38-cp38-linux_x86_64.whl",
        "Aimet-torch_gpu_1.23.0-cp38-cp38-linux_x86_64.whl",
    ]
    assert all("(inferred name)" in a.description for a in actions if a.kind == "check-url")
    downloads = [a for a in actions if a.kind == "download"]
    assert len(downloads) == 3, "every file is still downloaded and its sha256 recorded"
