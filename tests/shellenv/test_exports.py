"""Which variables a target needs: version rules, release recognition, envsetup.sh, receipts.

Environments are real: venvs made with pyenv interpreters, AIMET-shaped wheels built by the tests
and installed with real pip, and the legacy 1.16.2.py37 env with its compiled libpymo.
"""

from __future__ import annotations

import shutil
import subprocess  # noqa: TID251  # tests build and drive real environments directly
import sys
from pathlib import Path
from typing import Any

import pytest
from packaging.version import Version

from aimetenv.catalog.load import load_catalog
from aimetenv.envs.targets import EnvTarget, Origin
from aimetenv.errors import UsageError
from aimetenv.install.receipt import Receipt, write_receipt
from aimetenv.runner import SubprocessRunner
from aimetenv.shellenv import exports as envexports
from aimetenv.shellenv.exports import (
    EXPORT_RULES,
    Export,
    export_rule,
    exports_for_target,
    identify_release,
    parse_distribution,
    translate_envsetup,
)
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
    """Pure wheels shaped like three later AIMET builds."""
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
        # 2.x GPU from the release host: no envsetup.sh at all
        "2.0-gpu": build_wheel(
            out, distribution="aimet_onnx", version="2.0.0+cu121", tag="py3-none-any",
            files={"aimet_onnx/__init__.py": b""},
        ),
        # 2.x CPU
        "2.42-cpu": build_wheel(
            out, distribution="aimet_torch", version="2.42.0+cpu", tag="py3-none-any",
            files={"aimet_torch/__init__.py": b""},
        ),
    }  # fmt: skip


# --- the version rules -------------------------------------------------------------------------


def test_rules_mirror_the_catalog() -> None:
    catalog = load_catalog()
    assert len(EXPORT_RULES) == len(catalog.export_rules)
    probes = [release.version for release in catalog.releases]
    probes += [Version(v) for v in ("1.13.0", "1.21.99", "1.22.0", "1.23.9", "1.24.0", "2.42.0")]
    for version in probes:
        expected = catalog.export_rule(version)
        assert expected is not None
        numbers = (version.major, version.minor, version.micro)
        mine = export_rule(numbers)
        assert (mine.ld_library_path, mine.pythonpath) == (
            expected.ld_library_path,
            expected.pythonpath,
        ), version


def test_no_pythonpath_from_1_24_on() -> None:
    for version in ((1, 24, 0), (1, 35, 0), (2, 0, 0), (2, 42, 0)):
        rule = export_rule(version)
        assert rule.pythonpath == ()
        assert rule.ld_library_path == ()
        assert "shadow" in rule.note


# --- recognising a release ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "version", "tag", "variant", "accelerator", "assumed"),
    [
        ("AimetTorch", "torch_cpu_1.16.2.py37", "1.16.2.py37", "torch-cpu", "cpu", False),
        ("AimetCommon", "torch_gpu_1.18.0", "1.18.0", "torch-gpu", "gpu", False),
        ("AimetTensorflow", "tf_gpu_tf115_1.22.1", "1.22.1", "tf-gpu-tf115", "gpu", False),
        ("AimetTorch", "1.13.0", "1.13.0", None, "gpu", True),  # era A: GPU-only builds
        ("aimet-torch", "torch-gpu-1.31.0", "1.31.0", "torch-gpu", "gpu", False),
        ("aimet_torch", "1.34.0.cu121", "1.34.0", "torch-gpu", "gpu", False),
        ("aimet_torch", "1.34.0.cpu", "1.34.0", "torch-cpu", "cpu", False),
        ("aimet_torch_gpu", "1.32.0", "1.32.0", "torch-gpu", "gpu", False),
        ("aimet-torch", "1.32.1.post1", "1.32.1.post1", None, "gpu", True),
        ("aimet-onnx", "2.0.0+cpu", "2.0.0", "onnx-cpu", "cpu", False),
        ("aimet-onnx", "2.0.1+cu121", "2.0.1", "onnx-gpu", "gpu", False),
        ("aimet-torch", "2.42.0", "2.42.0", None, "gpu", True),
    ],
)
def test_parse_distribution(
    name: str, version: str, tag: str, variant: str | None, accelerator: str, assumed: bool
) -> None:
    release = parse_distribution(name, version)
    assert release is not None
    assert (release.tag, release.variant, release.accelerator, release.assumed_gpu) == (
        tag,
        variant,
        accelerator,
        assumed,
    )


@pytest.mark.parametrize(
    ("name", "version"),
    [
        ("aimet", "0.0.1"),  # an unrelated meteorology package on PyPI
        ("aimet-tensorflow", "0.0.1"),  # Qualcomm's empty placeholder
        ("aimet-onnx", "0.0.2"),  # yanked trial release
        ("torch", "1.7.1+cpu"),
        ("Aimet", "torch_cpu_1.16.2.py37"),  # the meta package names no framework
    ],
)
def test_not_aimet_releases(name: str, version: str) -> None:
    assert parse_distribution(name, version) is None


def test_framework_package_wins_over_common_and_mixes_are_noted() -> None:
    release, notes = identify_release(
        [("AimetCommon", "torch_cpu_1.16.2.py37"), ("AimetTorch", "torch_cpu_1.16.2.py37")]
    )
    assert release is not None
    assert release.distribution.startswith("AimetTorch")
    assert notes == ()
    release, notes = identify_release([("aimet-torch", "2.42.0"), ("AimetCommon", "1.16.0")])
    assert release is not None
    assert release.tag == "2.42.0"
    assert len(notes) == 1
    assert "1.16.0" in notes[0]


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


def test_gpu_2x_without_envsetup_says_so(tmp_path: Path, wheels: dict[str, Path]) -> None:
    prefix = make_venv(tmp_path / "env", [wheels["2.0-gpu"]])
    result = exports_for_target(venv_target(prefix), tmp_path / "state", SubprocessRunner)
    assert result.release.tag == "2.0.0"
    assert result.exports == ()
    assert any("ships no envsetup.sh" in note for note in result.notes)
    assert any("no AIMET path is needed" in note for note in result.notes)


def test_cpu_2x_needs_nothing(tmp_path: Path, wheels: dict[str, Path]) -> None:
    prefix = make_venv(tmp_path / "env", [wheels["2.42-cpu"]])
    result = exports_for_target(venv_target(prefix), tmp_path / "state", SubprocessRunner)
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
