"""Which variables a target needs: envsetup.sh, receipts, probes.

The paths are real: venvs made with pyenv interpreters, AIMET-shaped wheels built by the tests
and installed with real pip, and the legacy 1.16.2.py37 env with its compiled libpymo, probed for
real. Decisions that only depend on what a probe reported (the 2.x builds) get that report
directly.
"""

from __future__ import annotations

import shutil
import subprocess  # noqa: TID251  # tests build and drive real environments directly
import sys
from pathlib import Path
from typing import Any

import pytest

from aimetenv.envs.facts import TargetFacts, facts_from_probe
from aimetenv.envs.targets import EnvTarget, Origin
from aimetenv.errors import UsageError
from aimetenv.install.receipt import Receipt, write_receipt
from aimetenv.runner import SubprocessRunner
from aimetenv.shellenv import exports as envexports
from aimetenv.shellenv.envsetup import translate_envsetup
from aimetenv.shellenv.exports import Export, exports_for_target, from_probe
from support.envs import need_python, site_packages
from support.legacy import ENVSETUP_SH
from support.wheelbuild import build_wheel

CUDA_PATH_DIRS = ("/usr/local/nvidia/bin", "/usr/local/cuda/bin")
CUDA_LIB_DIRS = (
    "/usr/local/nvidia/lib",
    "/usr/local/nvidia/lib64",
    "/usr/local/cuda/lib64",
    "/usr/local/cuda/targets/x86_64-linux/lib",
)
CUDA_SETS = {
    "CUDA_TOOLKIT_PATH": "/usr/local/cuda",
    "CUDNN_INSTALL_PATH": "/usr/local/cuda",
    "CUDA_HOME": "/usr/local/cuda",
    "NVIDIA_DRIVER_CAPABILITIES": "compute,utility",
    "NVIDIA_VISIBLE_DEVICES": "all",
}


# --- helpers that build real environments ------------------------------------------------------


def make_venv(prefix: Path, wheels: list[Path]) -> Path:
    """A Python 3.11 venv (no pip of its own) with ``wheels`` installed by the dev venv's pip."""
    python = need_python("3.11")
    subprocess.run([str(python), "-m", "venv", "--without-pip", str(prefix)], check=True)
    if wheels:
        subprocess.run(
            [sys.executable, "-m", "pip", "--python", str(prefix / "bin" / "python"), "install",
             "--no-index", "--no-deps", "--disable-pip-version-check", "--quiet",
             *map(str, wheels)],
            check=True,
        )  # fmt: skip
    return prefix


def venv_target(prefix: Path) -> EnvTarget:
    return EnvTarget(
        "venv", prefix / "bin" / "python", "--venv given", Origin.VENV_GIVEN, prefix=prefix
    )


def copy_env(source: Path, destination: Path) -> Path:
    """A copy of a venv (its interpreter is a symlink to pyenv, so the copy runs as well)."""
    shutil.copytree(source, destination, symlinks=True)
    receipt = destination / "etc" / "aimetenv" / "receipt.json"
    receipt.unlink(missing_ok=True)
    return destination


def record_receipt(
    prefix: Path, state: Path, *, tag: str, variant: str, exports: dict[str, Any]
) -> None:
    site = site_packages(prefix)
    receipt = Receipt(
        tag=tag,
        variant=variant,
        source="github",
        prefix=str(prefix),
        python=str(prefix / "bin" / "python"),
        python_version="3.7.16",
        target_kind="venv",
        site_packages=(str(site),),
        exports=exports,
        smoke={},
        plan={},
    )
    write_receipt(receipt, state)


LEGACY_EXPORTS = {
    "LD_LIBRARY_PATH": ["aimet_common/x86_64-linux-gnu", "aimet_common"],
    "PYTHONPATH": ["aimet_common/x86_64-linux-gnu"],
    "cuda": False,
    "note": "from the catalog",
}


@pytest.fixture(scope="module")
def wheels(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Pure wheels shaped like two later AIMET builds."""
    out = tmp_path_factory.mktemp("wheels")
    return {
        # 1.22 GPU: native code inside aimet_common, envsetup.sh in aimet_common/bin
        "1.22-gpu": build_wheel(
            out, distribution="AimetCommon", version="torch_gpu_1.22.0", tag="py3-none-any",
            files={
                "aimet_common/__init__.py": b"",
                "aimet_common/bin/envsetup.sh": ENVSETUP_SH.encode(),
            },
        ),
        # 2.x CPU
        "2.42-cpu": build_wheel(
            out, distribution="aimet_torch", version="2.42.0+cpu", tag="py3-none-any",
            files={"aimet_torch/__init__.py": b""},
        ),
    }  # fmt: skip


# --- envsetup.sh -------------------------------------------------------------------------------


def test_translate_the_shipped_envsetup() -> None:
    exports, notes = translate_envsetup(ENVSETUP_SH, "envsetup.sh")
    assert notes == ()
    assert exports[0] == Export("PATH", "prepend", CUDA_PATH_DIRS, "envsetup.sh")
    assert exports[1] == Export("LD_LIBRARY_PATH", "prepend", CUDA_LIB_DIRS, "envsetup.sh")
    assert {e.name: e.values[0] for e in exports[2:]} == CUDA_SETS
    assert all(e.action == "set" for e in exports[2:])


def test_translate_the_1_13_envsetup_and_unknown_lines() -> None:
    text = ENVSETUP_SH.replace(
        "/usr/local/cuda/targets/x86_64-linux/lib", "/usr/local/cuda/extras/CUPTI/lib64"
    )
    text += 'export FOO="$HOME/x"\nalias ll="ls -l"\nexport BAR="quoted value"\n'
    exports, notes = translate_envsetup(text, "envsetup.sh")
    assert "/usr/local/cuda/extras/CUPTI/lib64" in exports[1].values
    assert exports[-1] == Export("BAR", "set", ("quoted value",), "envsetup.sh")
    assert len(notes) == 2
    assert "FOO" in notes[0]
    assert "alias" in notes[1]


# --- real environments -------------------------------------------------------------------------


def test_legacy_env_from_its_receipt_and_by_probing(legacy_env: Path, tmp_path: Path) -> None:
    from_receipt = exports_for_target(venv_target(legacy_env), tmp_path / "s", SubprocessRunner)
    assert from_receipt.source == "receipt"  # aimetenv install wrote it
    assert from_receipt.key == str(legacy_env)
    prefix = copy_env(legacy_env, tmp_path / "copy")  # the copy has no receipt
    result = exports_for_target(venv_target(prefix), tmp_path / "state", SubprocessRunner)
    assert result.source == "probe"
    assert result.release.tag == "1.16.2.py37"
    assert result.release.variant == "torch-cpu"
    assert result.key == str(prefix)
    assert from_receipt.exports == tuple(
        Export(
            e.name,
            e.action,
            tuple(v.replace(str(prefix), str(legacy_env)) for v in e.values),
            e.origin,
        )
        for e in result.exports
    )
    site = site_packages(prefix)
    assert result.envsetup is None  # a CPU build: the shipped envsetup.sh is not used
    assert result.exports == (
        Export(
            "LD_LIBRARY_PATH",
            "prepend",
            (f"{site}/aimet_common/x86_64-linux-gnu", f"{site}/aimet_common"),
            "aimet",
        ),
        Export("PYTHONPATH", "prepend", (f"{site}/aimet_common/x86_64-linux-gnu",), "aimet"),
    )
    assert result.variables == ("LD_LIBRARY_PATH", "PYTHONPATH")


def test_receipt_path_and_stale_receipt(legacy_env: Path, tmp_path: Path) -> None:
    prefix = copy_env(legacy_env, tmp_path / "env")
    state = tmp_path / "state"
    record_receipt(prefix, state, tag="1.16.2.py37", variant="torch-cpu", exports=LEGACY_EXPORTS)
    result = exports_for_target(venv_target(prefix), state, SubprocessRunner)
    assert result.source == "receipt"
    assert result.notes[0] == "from the catalog"
    assert [e.values for e in result.exports] == [
        (
            f"{site_packages(prefix)}/aimet_common/x86_64-linux-gnu",
            f"{site_packages(prefix)}/aimet_common",
        ),
        (f"{site_packages(prefix)}/aimet_common/x86_64-linux-gnu",),
    ]

    # The receipt says 2.42.0 but 1.16.2 is what is installed: probe instead of trusting it.
    record_receipt(prefix, state, tag="2.42.0", variant="torch-gpu", exports={"cuda": True})
    result = exports_for_target(venv_target(prefix), state, SubprocessRunner)
    assert result.source == "probe"
    assert result.release.tag == "1.16.2.py37"


def test_receipt_of_2x_never_yields_pythonpath(tmp_path: Path, wheels: dict[str, Path]) -> None:
    prefix = make_venv(tmp_path / "env", [wheels["2.42-cpu"]])
    state = tmp_path / "state"
    wrong = {"PYTHONPATH": ["aimet_common"], "LD_LIBRARY_PATH": [], "cuda": False, "note": ""}
    record_receipt(prefix, state, tag="2.42.0", variant="torch-cpu", exports=wrong)
    result = exports_for_target(venv_target(prefix), state, SubprocessRunner)
    assert result.source == "receipt"
    assert result.exports == ()
    assert any("ignored" in note for note in result.notes)


def test_gpu_1_22_gets_its_envsetup_translated(tmp_path: Path, wheels: dict[str, Path]) -> None:
    prefix = make_venv(tmp_path / "env", [wheels["1.22-gpu"]])
    site = site_packages(prefix)
    result = exports_for_target(venv_target(prefix), tmp_path / "state", SubprocessRunner)
    assert result.release.accelerator == "gpu"
    assert result.envsetup == str(site / "aimet_common" / "bin" / "envsetup.sh")
    names = [(e.name, e.action) for e in result.exports]
    assert names[:2] == [("PATH", "prepend"), ("LD_LIBRARY_PATH", "prepend")]
    assert result.exports[-1] == Export(
        "LD_LIBRARY_PATH", "prepend", (f"{site}/aimet_common",), "aimet"
    )
    assert "PYTHONPATH" not in result.variables
    assert {e.name for e in result.exports if e.action == "set"} == set(CUDA_SETS)


def probed(site: Path, name: str, version: str) -> TargetFacts:
    """What the probe reports for an env with one AIMET distribution in ``site`` (a decision's input)."""
    package = site / name.lower()
    package.mkdir(parents=True, exist_ok=True)
    return facts_from_probe(
        {
            "distributions": {
                name.replace("_", "-"): {"name": name, "version": version, "location": str(site)}
            },
            "site_packages": [str(site)],
        }
    )


def test_gpu_2x_without_envsetup_says_so(tmp_path: Path) -> None:
    facts = probed(tmp_path / "site", "aimet_onnx", "2.0.0+cu121")
    result = from_probe(venv_target(tmp_path / "env"), facts, "key")
    assert result.release.tag == "2.0.0"
    assert result.exports == ()
    assert any("ships no envsetup.sh" in note for note in result.notes)
    assert any("no AIMET path is needed" in note for note in result.notes)


def test_cpu_2x_needs_nothing(tmp_path: Path) -> None:
    facts = probed(tmp_path / "site", "aimet_torch", "2.42.0+cpu")
    result = from_probe(venv_target(tmp_path / "env"), facts, "key")
    assert result.release.accelerator == "cpu"
    assert result.exports == ()
    assert result.envsetup is None


def test_env_without_aimet_is_a_usage_error(tmp_path: Path) -> None:
    prefix = make_venv(tmp_path / "env", [])
    with pytest.raises(UsageError, match="no AIMET release is installed") as caught:
        exports_for_target(venv_target(prefix), tmp_path / "state", SubprocessRunner)
    assert caught.value.code == "no-aimet"


def test_missing_env_is_a_usage_error(tmp_path: Path) -> None:
    target = EnvTarget(
        "venv",
        tmp_path / "gone" / "bin" / "python",
        "--venv given",
        Origin.VENV_GIVEN,
        prefix=tmp_path / "gone",
    )
    with pytest.raises(UsageError, match="does not exist"):
        exports_for_target(target, tmp_path / "state", SubprocessRunner)


def test_python_target_inside_a_venv_is_keyed_by_the_venv(legacy_env: Path) -> None:
    target = EnvTarget(
        "python", legacy_env / "bin" / "python", "--python given", Origin.PYTHON_GIVEN
    )
    assert envexports.env_key(target) == str(legacy_env)
    bare = EnvTarget(
        "python", Path(sys.base_prefix) / "bin" / "python3", "--python given", Origin.PYTHON_GIVEN
    )
    assert envexports.env_key(bare) == str(bare.python)
