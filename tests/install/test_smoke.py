"""The import smoke test, run for real inside real interpreters and real environments."""

from __future__ import annotations

import subprocess  # noqa: TID251  # compiling a real extension module for the test
import sys
import sysconfig
from pathlib import Path

from aimetenv.install.plan import ExportSpec, SmokeSpec
from aimetenv.install.smoke import (
    SmokeCheck,
    SmokeResult,
    StartedSmoke,
    build_smoke,
    export_environment,
    missing_library,
    parse_smoke,
    repair_hint,
    run_smoke,
)
from aimetenv.runner import Completed, SubprocessRunner
from support.envs import need_python, site_packages

RUNNER = SubprocessRunner()
LEGACY_SMOKE = SmokeSpec(
    packages=("aimet_torch",),
    native="libpymo",
    wrapper=None,
    location="aimet_common/x86_64-linux-gnu",
    needs_exports=True,
    note="",
)
LEGACY_EXPORTS = ExportSpec(
    ld_library_path=("aimet_common/x86_64-linux-gnu", "aimet_common"),
    pythonpath=("aimet_common/x86_64-linux-gnu",),
    cuda=False,
    note="",
)

EXTENSION_C = r"""
#include <Python.h>
static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "_libpymo", "stand-in", -1, NULL};
PyMODINIT_FUNC PyInit__libpymo(void) { return PyModule_Create(&module); }
"""


def test_legacy_libpymo_loads_natively_with_the_exports(legacy_env: Path) -> None:
    sites = [str(site_packages(legacy_env))]
    result = run_smoke(
        RUNNER, legacy_env / "bin/python", LEGACY_SMOKE, exports=LEGACY_EXPORTS, site_packages=sites
    )
    assert result.ok, result.summary
    native = Path(sites[0]) / "aimet_common/x86_64-linux-gnu/libpymo.so"
    assert result.native_file == str(native)
    assert result.summary == f"aimet_torch imports; libpymo loads natively from {native}"
    assert result.environment["PYTHONPATH"] == str(native.parent)
    assert result.environment["LD_LIBRARY_PATH"].split(":")[:2] == [
        str(native.parent),
        str(native.parent.parent),
    ]
    assert [(c.name, c.kind, c.ok) for c in result.checks] == [
        ("aimet_torch", "package", True),
        ("libpymo", "native", True),
    ]
    quick = run_smoke(
        RUNNER,
        legacy_env / "bin/python",
        LEGACY_SMOKE,
        exports=LEGACY_EXPORTS,
        site_packages=sites,
        mode="quick",
    )
    assert quick.ok, quick.summary
    assert quick.mode == "quick"
    assert quick.summary.startswith("aimet_torch is found (not imported); libpymo loads natively")


def test_without_the_exports_libpymo_is_not_found(legacy_env: Path) -> None:
    sites = [str(site_packages(legacy_env))]
    result = run_smoke(
        RUNNER, legacy_env / "bin/python", LEGACY_SMOKE, exports=None, site_packages=sites
    )
    assert not result.ok
    assert result.summary == (
        "libpymo (libpymo) failed: ModuleNotFoundError: No module named 'libpymo'"
    )


def test_without_ld_library_path_the_real_loader_error_is_reported(legacy_env: Path) -> None:
    half = ExportSpec((), LEGACY_EXPORTS.pythonpath, cuda=False, note="")
    result = run_smoke(
        RUNNER,
        legacy_env / "bin/python",
        LEGACY_SMOKE,
        exports=half,
        site_packages=[str(site_packages(legacy_env))],
    )
    assert not result.ok
    assert "libpymo_support.so: cannot open shared object file" in result.summary


def _package_with_extension(root: Path) -> Path:
    """``pkg`` whose ``__init__`` fails, with a real compiled ``pkg/common/_libpymo``."""
    common = root / "pkg" / "common"
    common.mkdir(parents=True)
    (root / "pkg/__init__.py").write_text("raise RuntimeError('the slow package init ran')\n")
    (common / "__init__.py").write_text("")
    source = root / "ext.c"
    source.write_text(EXTENSION_C)
    target = common / f"_libpymo{sysconfig.get_config_var('EXT_SUFFIX')}"
    include = sysconfig.get_paths()["include"]
    subprocess.run(
        ["gcc", "-shared", "-fPIC", f"-I{include}", str(source), "-o", str(target)],
        check=True,
        capture_output=True,
    )
    return target


def test_quick_mode_loads_a_submodule_extension_without_the_package_init(tmp_path: Path) -> None:
    extension = _package_with_extension(tmp_path / "site")
    spec = SmokeSpec(("pkg",), "pkg.common._libpymo", None, None, needs_exports=False, note="")
    exports = ExportSpec((), (".",), cuda=False, note="")
    sites = [str(tmp_path / "site")]
    quick = run_smoke(
        RUNNER, Path(sys.executable), spec, exports=exports, site_packages=sites, mode="quick"
    )
    assert quick.ok, quick.summary
    assert quick.native_file == str(extension)
    full = run_smoke(RUNNER, Path(sys.executable), spec, exports=exports, site_packages=sites)
    assert not full.ok
    assert full.summary == "pkg (pkg) failed: RuntimeError: the slow package init ran"


def test_a_pure_python_module_is_never_accepted_as_libpymo(tmp_path: Path) -> None:
    (tmp_path / "libpymo.py").write_text("def answer(n):\n    return n\n")
    spec = SmokeSpec(("json",), "libpymo", None, None, needs_exports=True, note="")
    exports = ExportSpec((), (".",), cuda=False, note="")
    result = run_smoke(
        RUNNER, Path(sys.executable), spec, exports=exports, site_packages=[str(tmp_path)]
    )
    assert not result.ok
    assert "libpymo is not a native extension (loaded from" in result.summary


def test_a_pure_python_build_expects_no_libpymo() -> None:
    spec = SmokeSpec(("json",), None, "json.decoder", None, needs_exports=False, note="")
    result = run_smoke(RUNNER, Path(sys.executable), spec, exports=None, site_packages=[])
    assert result.ok
    assert result.summary == "json imports; no libpymo expected (pure-Python build)"
    assert result.native_file is None


def test_the_snippet_runs_on_python_36() -> None:
    python = need_python("3.6")
    spec = SmokeSpec(("json",), "math", None, None, needs_exports=False, note="")
    result = run_smoke(RUNNER, python, spec, exports=None, site_packages=[])
    assert result.ok, result.summary
    assert result.native_file is not None
    assert "lib-dynload/math.cpython-36m" in result.native_file


def test_the_child_skips_the_teardown_once_it_has_reported(tmp_path: Path) -> None:
    # A package whose exit handler would run at interpreter teardown (torch and onnxruntime
    # spend seconds there): the report arrives, the handler never runs.
    marker = tmp_path / "teardown-ran"
    (tmp_path / "slowexit.py").write_text(
        "import atexit, pathlib\n"
        f"atexit.register(pathlib.Path({str(marker)!r}).write_text, 'ran')\n"
    )
    spec = SmokeSpec(("slowexit",), None, None, None, needs_exports=False, note="")
    result = run_smoke(
        RUNNER, Path(sys.executable), spec, exports=None, site_packages=[], cwd=str(tmp_path)
    )
    assert result.ok, result.summary
    assert not marker.exists()


def test_a_started_smoke_test_is_handed_over_only_for_the_same_test(tmp_path: Path) -> None:
    spec = SmokeSpec(("json",), "math", None, None, needs_exports=False, note="")
    python = Path(sys.executable)
    started = StartedSmoke(RUNNER, build_smoke(python, spec, exports=None, site_packages=[]))
    same = build_smoke(python, spec, exports=None, site_packages=[])
    assert same.command.argv != started.call.command.argv  # new cookies, the same test
    result = started.result_for(same)
    assert result is not None
    assert result.ok, result.summary
    assert result.mode == "full"
    quick = build_smoke(python, spec, exports=None, site_packages=[], mode="quick")
    elsewhere = build_smoke(python, spec, exports=None, site_packages=[], cwd=str(tmp_path))
    other = SmokeSpec(("json",), "_json", None, None, needs_exports=False, note="")
    for different in (quick, elsewhere, build_smoke(python, other, exports=None, site_packages=[])):
        assert started.result_for(different) is None


def test_a_missing_interpreter_is_a_failed_result(tmp_path: Path) -> None:
    result = run_smoke(RUNNER, tmp_path / "no-python", LEGACY_SMOKE, exports=None, site_packages=[])
    assert not result.ok
    assert result.summary.startswith("the smoke test could not start: cannot run")


def test_garbage_and_time_outs_are_failed_results() -> None:
    call = build_smoke(Path("/p"), LEGACY_SMOKE, exports=None, site_packages=[], timeout=7)
    garbage = Completed(call.command, 1, "noise\n", "Segmentation fault\n", 0.1)
    assert (
        parse_smoke(call, garbage).summary
        == "the smoke test did not report: noise | Segmentation fault"
    )
    late = Completed(call.command, -9, "", "", 7.0, timed_out=True)
    assert parse_smoke(call, late).summary == "the smoke test did not finish within 7 s"
    broken = Completed(call.command, 0, f"{call.begin}\n{{]\n{call.end}\n", "", 0.1)
    assert not parse_smoke(call, broken).ok


def test_build_smoke_as_user_keeps_the_callers_environment() -> None:
    call = build_smoke(Path("/p"), LEGACY_SMOKE, exports=None, site_packages=[], as_user=True)
    assert call.command.sanitize is False
    assert call.command.env == {}
    assert call.command.argv[:2] == ("/p", "-c")
    assert call.begin in call.command.argv
    assert call.end in call.command.argv
    installer = build_smoke(Path("/p"), LEGACY_SMOKE, exports=LEGACY_EXPORTS, site_packages=["/s"])
    assert installer.command.sanitize is True
    assert installer.command.env["PYTHONPATH"] == "/s/aimet_common/x86_64-linux-gnu"


def test_export_environment_keeps_an_existing_library_path_last(tmp_path: Path) -> None:
    (tmp_path / "b/aimet_common").mkdir(parents=True)
    env = export_environment(
        LEGACY_EXPORTS,
        [str(tmp_path / "a"), str(tmp_path / "b")],
        base={"LD_LIBRARY_PATH": "/usr/local/cuda/lib64"},
    )
    assert env["LD_LIBRARY_PATH"].split(":") == [
        str(tmp_path / "a/aimet_common/x86_64-linux-gnu"),
        str(tmp_path / "b/aimet_common"),
        "/usr/local/cuda/lib64",
    ]
    assert export_environment(ExportSpec((), (), cuda=False, note=""), ["/s"]) == {}


def test_the_repair_hint_names_a_missing_system_library_instead_of_force() -> None:
    lapacke = (
        "ImportError: liblapacke.so.3: cannot open shared object file: No such file or directory"
    )
    missing = SmokeResult(
        ok=False,
        mode="full",
        summary="libpymo (libpymo) failed: " + lapacke,
        checks=(SmokeCheck("libpymo", "native", ok=False, detail=lapacke),),
    )
    assert missing_library(missing) == "liblapacke.so.3"
    assert repair_hint(missing, "--venv /e") == (
        "liblapacke.so.3 is a system library, which install --force cannot add: 'aimetenv "
        "doctor --venv /e' names the package that provides it."
    )
    gone = SmokeResult(
        ok=False,
        mode="full",
        summary="...",
        checks=(SmokeCheck("aimet_torch", "package", ok=False, detail="ModuleNotFoundError: x"),),
    )
    assert missing_library(gone) is None
    assert repair_hint(gone, "-n a") == (
        "'aimetenv doctor -n a' explains what is wrong; the same install command with --force "
        "reinstalls the AIMET packages in place."
    )
