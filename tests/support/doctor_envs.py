"""Real environments that the doctor tests break on purpose, built once per test session.

Each builder makes a real venv with a real pyenv interpreter and real pip, from the
1.16.2.py37 stand-in wheels (tests/support/legacy.py), then breaks one thing: a deleted
companion library, the wrong Python. ``session_env`` builds each once per test run, so test
modules in different folders, and the pytest-xdist workers, share one copy; tests only read it.
"""

from __future__ import annotations

import shutil
import subprocess  # noqa: TID251  # fixtures build real environments directly
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from support.envs import need_python, site_packages
from support.native import SUPPORT_SONAME, build_old_libstdcxx
from support.seeded import make_venv_with_pip
from support.shared import built_once
from support.wheelbuild import build_wheel

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

    import pytest

    from aimetenv.doctor.context import DoctorContext, DoctorSettings
    from aimetenv.envs.targets import TargetKind
    from support.legacy import LegacyRelease

_BUILT: dict[tuple[str, str], Path] = {}


class MakeContext(Protocol):
    """The ``make_ctx`` fixture: a real doctor context for a venv or an interpreter."""

    def __call__(
        self,
        prefix: Path | None = None,
        *,
        python: Path | None = None,
        kind: TargetKind = "venv",
        settings: DoctorSettings | None = None,
        cwd: Path | None = None,
    ) -> DoctorContext: ...


LIBPYMO_DIR = "aimet_common/x86_64-linux-gnu"


def session_env(factory: pytest.TempPathFactory, name: str, build: Callable[[Path], Path]) -> Path:
    """Build ``name`` once per test run (shared by the xdist workers) and return its path."""
    key = (str(factory.getbasetemp()), name)
    if key not in _BUILT:
        answer = built_once(factory, name, lambda folder: {"path": str(build(folder))})
        _BUILT[key] = Path(answer["path"])
    return _BUILT[key]


def make_venv(python: Path, prefix: Path, *, pip: bool = True) -> Path:
    """``python -m venv prefix`` (``--without-pip`` when ``pip`` is false); returns the prefix.

    With pip, a copy of the run's template (``support.seeded``)."""
    if pip:
        make_venv_with_pip(python, prefix)
    else:
        subprocess.run(
            [str(python), "-m", "venv", "--without-pip", str(prefix)],
            check=True,
            capture_output=True,
        )
    return prefix


def add_distribution(
    site: Path, name: str, version: str, files: Mapping[str, bytes | str] | None = None
) -> Path:
    """Write a distribution's files and its dist-info (METADATA, RECORD) straight into ``site``.

    What pip would leave behind for a wheel with these files, without building one: enough for
    the probe, which reads dist-info folders, and for Python, which imports the files.
    """
    records = []
    for relative, content in (files or {}).items():
        path = site / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, str):
            path.write_text(content)
        else:
            path.write_bytes(content)
        records.append(f"{relative},,")
    info = site / f"{name.replace('-', '_')}-{version}.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n\n")
    (info / "INSTALLER").write_text("pip\n")
    records.append(f"{info.name}/METADATA,,")
    (info / "RECORD").write_text("\n".join(records) + "\n")
    return info


def pip_install(prefix: Path, *args: str, own_pip: bool = True) -> None:
    """``pip install --no-input --no-deps ARGS`` into the venv at ``prefix``.

    ``own_pip``: the venv's own pip; otherwise the test runner's pip with ``--python`` (for
    venvs made without pip, which are much quicker to create).
    """
    python = str(prefix / "bin" / "python")
    pip = [python, "-m", "pip"] if own_pip else [sys.executable, "-m", "pip", "--python", python]
    subprocess.run(
        [*pip, "install", "--no-input", "--no-deps", "--disable-pip-version-check", *args],
        check=True,
        capture_output=True,
    )


def standin_wheel(
    folder: Path,
    name: str,
    version: str,
    *,
    requires: tuple[str, ...] = (),
    files: Mapping[str, bytes] | None = None,
) -> Path:
    """A pure-Python stand-in wheel whose METADATA declares ``requires`` (Requires-Dist)."""
    from support.wheelbuild import build_wheel  # noqa: PLC0415  # only the builders need it

    package = name.lower().replace("-", "_")
    return build_wheel(
        folder,
        distribution=name.replace("-", "_"),
        version=version,
        tag="py3-none-any",
        files=files if files is not None else {f"{package}/__init__.py": b""},
        requires=requires,
        root_is_purelib=True,
    )


def standin_venv(python: Path, prefix: Path, wheels: list[Path]) -> Path:
    """A venv (no pip of its own) with ``wheels`` installed by real pip, dependencies ignored."""
    make_venv(python, prefix, pip=False)
    pip_install(prefix, "--no-index", *(str(w) for w in wheels), own_pip=False)
    return prefix


def legacy_venv(folder: Path, python37: Path, release: LegacyRelease, *, pip: bool = True) -> Path:
    """A fresh Python 3.7 venv with the 1.16.2.py37 stand-in installed by pip (offline)."""
    prefix = make_venv(python37, folder / "env", pip=pip)
    pip_install(prefix, "--no-index", *(str(w) for w in release.wheels), own_pip=pip)
    return prefix


def plain_legacy(factory: pytest.TempPathFactory, release: LegacyRelease) -> Path:
    """The session's 1.16.2.py37 stand-in installed with plain pip (no receipt, no exports)."""
    from support.legacy import PYTHON37  # noqa: PLC0415  # only the builders need it

    return session_env(
        factory, "plain-legacy", lambda folder: legacy_venv(folder, PYTHON37, release)
    )


def without_companion(prefix: Path) -> Path:
    """Delete libpymo's companion library (libpymo_support.so), as a broken install would."""
    (site_packages(prefix) / LIBPYMO_DIR / SUPPORT_SONAME).unlink()
    return prefix


def copy_aimet_files(source: Path, prefix: Path) -> Path:
    """Copy the AIMET packages and their dist-info from one venv into another (another Python)."""
    src = site_packages(source)
    dst = site_packages(prefix)
    for entry in sorted(src.iterdir()):
        if entry.name.lower().startswith("aimet"):
            shutil.copytree(entry, dst / entry.name)
    return prefix


def legacy_exports(prefix: Path) -> dict[str, str]:
    """The 1.16.2 install docs' exports for this venv."""
    folder = site_packages(prefix) / "aimet_common"
    return {
        "LD_LIBRARY_PATH": f"{folder / 'x86_64-linux-gnu'}:{folder}",
        "PYTHONPATH": str(folder / "x86_64-linux-gnu"),
    }


def set_legacy_exports(monkeypatch: pytest.MonkeyPatch, prefix: Path) -> None:
    """Set the 1.16.2 install docs' exports for this venv, as a user who followed them has."""
    for name, value in legacy_exports(prefix).items():
        monkeypatch.setenv(name, value)


def old_libstdcxx_dir(folder: Path) -> Path:
    """A folder holding a fake libstdc++.so.6 that stops at GLIBCXX_3.4.28."""
    build_old_libstdcxx(folder)
    return folder


def shadow_overlay(folder: Path, version: str = "0.0.0-shadow") -> Path:
    """A folder with another ``aimet_torch`` package, as a leftover PYTHONPATH would hold."""
    package = folder / "aimet_torch"
    package.mkdir(parents=True)
    (package / "__init__.py").write_text(f'__version__ = "{version}"\n')
    return folder


def write_test_receipt(  # a receipt has this many parts the tests set
    prefix: Path,
    *,
    tag: str,
    variant: str,
    python_version: str,
    source: str = "github",
    requirements: tuple[str, ...] = (),
    steps: tuple[dict[str, object], ...] = (),
    files: tuple[dict[str, object], ...] = (),
) -> Path:
    """Write a receipt into the env the way install does (``receipt.write_receipt``).

    ``steps`` are the plan's steps as ``Step.to_dict`` writes them (their pip arguments carry
    the indexes the install used); ``files`` the release-host files with their URLs.
    """
    from aimetenv.install.receipt import Receipt, write_receipt  # noqa: PLC0415  # only here

    receipt = Receipt(
        tag=tag,
        variant=variant,
        source=source,
        prefix=str(prefix),
        python=str(prefix / "bin" / "python"),
        python_version=python_version,
        target_kind="venv",
        site_packages=(str(site_packages(prefix)),),
        exports={},
        smoke={},
        plan={"source": source, "steps": [dict(step) for step in steps]},
        files=tuple(dict(entry) for entry in files),
        requirements=requirements,
    )
    return write_receipt(receipt, prefix / "state")


# -- imports that fail for a known cause ---------------------------------------------------

NUMPY_1 = (
    "/opt/pypi-more/files/numpy-1.26.0-cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64.whl"
)
NUMPY_2 = (
    "/opt/pypi-more/files/numpy-2.1.3-cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64.whl"
)
NUMPY_EXTENSION_C = r"""
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#define NPY_NO_DEPRECATED_API NPY_1_7_API_VERSION
#include <numpy/arrayobject.h>
static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "_quant", "test stand-in", -1, NULL};
PyMODINIT_FUNC PyInit__quant(void) {
    import_array();
    return PyModule_Create(&module);
}
"""
TORCH_SYMBOL = "_ZN3c1012new_in_buildEv"
"""A c10 symbol (``c10::new_in_build()``) that one torch build defines and another lacks."""


def extension_module(name: str, body: str = "") -> str:
    """C source of an empty extension module ``name`` whose init runs ``body`` first."""
    return (
        "#define PY_SSIZE_T_CLEAN\n#include <Python.h>\n"
        f'static struct PyModuleDef module = {{PyModuleDef_HEAD_INIT, "{name}", NULL, -1, NULL}};\n'
        f"PyMODINIT_FUNC PyInit_{name}(void) {{ {body} return PyModule_Create(&module); }}\n"
    )


def ext_name(python: Path, stem: str) -> str:
    """``stem`` with the extension suffix of ``python`` (``_quant.cpython-311-x86_64-linux-gnu.so``)."""
    result = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_config_var('EXT_SUFFIX'))"],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    return stem + result.stdout.strip()


def install_wheels(prefix: Path, *wheels: Path | str) -> None:
    """Install wheels (files) into a venv without pip of its own, offline, dependencies ignored."""
    pip_install(prefix, "--no-index", *(str(w) for w in wheels), own_pip=False)


def pip_uninstall(prefix: Path, *names: str) -> None:
    """``pip uninstall -y NAMES`` in a venv without pip of its own."""
    python = str(prefix / "bin" / "python")
    subprocess.run(
        [sys.executable, "-m", "pip", "--python", python, "uninstall", "-y", *names],
        check=True, capture_output=True,
    )  # fmt: skip


def numpy_abi_env(folder: Path) -> Path:
    """aimet-torch whose extension was compiled against NumPy 1.26, with NumPy 2.1.3 installed.

    Real: the extension calls NumPy's ``import_array()``, which under NumPy 2 prints "A module
    that was compiled using NumPy 1.x cannot be run in NumPy 2.1.3" and raises ImportError.
    """
    from support.native import compile_c, python_include  # noqa: PLC0415  # only here

    python = need_python("3.11")
    prefix = make_venv(python, folder / "env", pip=False)
    install_wheels(prefix, NUMPY_1)
    site = site_packages(prefix)
    include = site / "numpy" / "core" / "include"
    built = compile_c(
        folder / "build", ext_name(python, "_quant"), NUMPY_EXTENSION_C,
        f"-I{python_include(python)}", f"-I{include}",
    )  # fmt: skip
    add_distribution(
        site, "aimet-torch", "2.13.0",
        {"aimet_torch/__init__.py": "from aimet_torch import _quant\n",
         f"aimet_torch/{built.name}": built.read_bytes()},
    )  # fmt: skip
    install_wheels(prefix, NUMPY_2)
    return prefix


def shared_folder_wheels(folder: Path, top: str, *owners: tuple[str, str]) -> list[Path]:
    """One stand-in wheel per ``(name, version)`` in ``owners``, all holding the package ``top``."""
    files = {f"{top}/__init__.py": b"", f"{top}/capi/__init__.py": b""}
    return [standin_wheel(folder, name, version, files=files) for name, version in owners]


def clobbered_env(folder: Path) -> Path:
    """onnxruntime-gpu installed over onnxruntime, then onnxruntime uninstalled, by real pip.

    Both own ``onnxruntime/``: the uninstall deletes the files, onnxruntime-gpu's dist-info
    stays, and ``import aimet_onnx`` (which imports onnxruntime) fails.
    """
    wheels = shared_folder_wheels(
        folder / "w", "onnxruntime", ("onnxruntime", "1.19.2"), ("onnxruntime-gpu", "1.19.2")
    )
    aimet = standin_wheel(
        folder / "w", "aimet-onnx", "2.42.0",
        files={"aimet_onnx/__init__.py": b"import onnxruntime\n"},
    )  # fmt: skip
    prefix = make_venv(need_python("3.11"), folder / "env", pip=False)
    install_wheels(prefix, aimet, wheels[0])
    install_wheels(prefix, wheels[1])
    pip_uninstall(prefix, "onnxruntime")
    return prefix


def sibling_uninstalled_env(folder: Path) -> Path:
    """aimet-torch and aimet-onnx 2.x both installed (both own aimet_common), then aimet-torch
    uninstalled by real pip: aimet_common is gone for the aimet-onnx that stays."""
    common = {"aimet_common/__init__.py": b"", "aimet_common/utils.py": b""}
    onnx = standin_wheel(
        folder / "w", "aimet-onnx", "2.42.0",
        files={**common, "aimet_onnx/__init__.py": b"import aimet_common.utils\n"},
    )  # fmt: skip
    torch = standin_wheel(
        folder / "w", "aimet-torch", "2.42.0",
        files={**common, "aimet_torch/__init__.py": b"import aimet_common.utils\n"},
    )  # fmt: skip
    prefix = make_venv(need_python("3.11"), folder / "env", pip=False)
    install_wheels(prefix, onnx, torch)
    pip_uninstall(prefix, "aimet-torch")
    return prefix


def importing_env(folder: Path, module: str) -> Path:
    """aimet-onnx whose ``__init__`` imports ``module``, which the environment does not hold."""
    prefix = make_venv(need_python("3.11"), folder / "env", pip=False)
    add_distribution(
        site_packages(prefix), "aimet-onnx", "2.42.0",
        {"aimet_onnx/__init__.py": f"import {module}\n"},
    )  # fmt: skip
    return prefix


def broken_module(folder: Path, module: str) -> Path:
    """A folder holding a package ``module`` that fails at import, as a stray copy would."""
    package = folder / module
    package.mkdir(parents=True)
    (package / "__init__.py").write_text(
        'raise SystemError("initialization of _multiarray_umath raised unreported exception")\n'
    )
    return folder


def library_path_env(folder: Path) -> tuple[Path, Path]:
    """aimet-onnx with an extension that needs ``dep_new`` from its own ``libdep.so.1``
    (RUNPATH $ORIGIN), and a folder with an older ``libdep.so.1`` that lacks it.

    With that folder on LD_LIBRARY_PATH the loader takes the old copy (LD_LIBRARY_PATH comes
    before RUNPATH) and the import fails with "undefined symbol: dep_new". Returns the prefix
    and the old library's folder.
    """
    from support.native import compile_c, python_include  # noqa: PLC0415  # only here

    python = need_python("3.11")
    prefix = make_venv(python, folder / "env", pip=False)
    package = site_packages(prefix) / "aimet_onnx"
    new = compile_c(
        folder / "new", "libdep.so.1",
        "int dep_old(void) { return 1; }\nint dep_new(void) { return 2; }\n",
        "-Wl,-soname,libdep.so.1",
    )  # fmt: skip
    old = compile_c(
        folder / "old", "libdep.so.1", "int dep_old(void) { return 1; }\n",
        "-Wl,-soname,libdep.so.1",
    )  # fmt: skip
    ext = compile_c(
        folder / "build", ext_name(python, "_native"), "extern int dep_new(void);\n"
        + extension_module("_native", "if (dep_new() != 2) return NULL;"),
        f"-I{python_include(python)}", str(new), "-Wl,-rpath,$ORIGIN", "-Wl,--enable-new-dtags",
    )  # fmt: skip
    add_distribution(
        site_packages(prefix), "aimet-onnx", "2.42.0",
        {"aimet_onnx/__init__.py": "from aimet_onnx import _native\n",
         f"aimet_onnx/{ext.name}": ext.read_bytes(),
         "aimet_onnx/libdep.so.1": new.read_bytes()},
    )  # fmt: skip
    assert package.is_dir()
    return prefix, old.parent


def framework_build_env(folder: Path, *, symbol_in_installed_torch: bool) -> Path:
    """aimet-torch with a compiled extension built against a torch whose libc10.so defines
    ``c10::new_in_build()``, next to an installed torch 2.3.0 stand-in (real wheel, real pip)
    whose libc10.so does (``symbol_in_installed_torch``) or does not.

    The extension finds libc10.so through its RUNPATH ($ORIGIN/../torch/lib), as AIMET's do.
    """
    from support.native import compile_c, python_include  # noqa: PLC0415  # only here

    python = need_python("3.11")
    built_with = compile_c(
        folder / "built-with", "libc10.so", f"int {TORCH_SYMBOL}(void) {{ return 7; }}\n",
        "-Wl,-soname,libc10.so",
    )  # fmt: skip
    shipped = (
        f"int {TORCH_SYMBOL}(void) {{ return 7; }}\n" if symbol_in_installed_torch else ""
    ) + "int c10_marker(void) { return 1; }\n"
    installed = compile_c(folder / "installed", "libc10.so", shipped, "-Wl,-soname,libc10.so")
    ext = compile_c(
        folder / "build", ext_name(python, "_C"), f"extern int {TORCH_SYMBOL}(void);\n"
        + extension_module("_C", f"if ({TORCH_SYMBOL}() != 7) return NULL;"),
        f"-I{python_include(python)}", str(built_with),
        "-Wl,-rpath,$ORIGIN/../torch/lib", "-Wl,--enable-new-dtags",
    )  # fmt: skip
    torch = build_wheel(
        folder / "w", distribution="torch", version="2.3.0", tag="py3-none-any",
        files={"torch/__init__.py": b"__version__ = '2.3.0'\n",
               "torch/lib/libc10.so": installed.read_bytes()},
        root_is_purelib=True,
    )  # fmt: skip
    prefix = make_venv(python, folder / "env", pip=False)
    install_wheels(prefix, torch)
    add_distribution(
        site_packages(prefix), "aimet-torch", "1.33.0",
        {"aimet_torch/__init__.py": "import torch\nfrom aimet_torch import _C\n",
         f"aimet_torch/{ext.name}": ext.read_bytes()},
    )  # fmt: skip
    return prefix


def missing_library_env(folder: Path) -> Path:
    """aimet-onnx with an extension that links ``libgone.so.1``, which is nowhere."""
    from support.native import compile_c, python_include  # noqa: PLC0415  # only here

    python = need_python("3.11")
    gone = compile_c(folder / "gone", "libgone.so.1", "int gone(void) { return 1; }\n",
                     "-Wl,-soname,libgone.so.1")  # fmt: skip
    ext = compile_c(
        folder / "build", ext_name(python, "_native"), "extern int gone(void);\n"
        + extension_module("_native", "if (gone() != 1) return NULL;"),
        f"-I{python_include(python)}", str(gone),
    )  # fmt: skip
    gone.unlink()
    prefix = make_venv(python, folder / "env", pip=False)
    add_distribution(
        site_packages(prefix), "aimet-onnx", "2.42.0",
        {"aimet_onnx/__init__.py": "from aimet_onnx import _native\n",
         f"aimet_onnx/{ext.name}": ext.read_bytes()},
    )  # fmt: skip
    return prefix


def crashing_quantsim_env(folder: Path) -> Path:
    """torch 2.1.2 with a native ``torch._C``, and an aimet-torch whose ``quantsim`` loads an
    extension that dereferences a null pointer: the tiny quantization dies with a real SIGSEGV."""
    from support.native import compile_c, python_include  # noqa: PLC0415  # only here

    python = need_python("3.11")
    include = f"-I{python_include(python)}"
    torch_c = compile_c(folder / "build", ext_name(python, "_C"), extension_module("_C"), include)
    crash = compile_c(
        folder / "build", ext_name(python, "_crash"),
        extension_module("_crash", "volatile int *nowhere = 0; *nowhere = 1;"), include,
    )  # fmt: skip
    prefix = make_venv(python, folder / "env", pip=False)
    site = site_packages(prefix)
    add_distribution(
        site, "torch", "2.1.2",
        {"torch/__init__.py": "from torch import _C\n", f"torch/{torch_c.name}": torch_c.read_bytes()},
    )  # fmt: skip
    add_distribution(
        site, "aimet-torch", "2.42.0",
        {"aimet_torch/__init__.py": "",
         "aimet_torch/quantsim.py": "from aimet_torch import _crash\nQuantizationSimModel = None\n",
         f"aimet_torch/{crash.name}": crash.read_bytes()},
    )  # fmt: skip
    return prefix


def doctor_cli(
    *args: str, env: Mapping[str, str], cwd: Path | None = None
) -> subprocess.CompletedProcess[str]:
    """Run ``python -m aimetenv doctor ARGS`` as a user would, with exactly ``env``."""
    return subprocess.run(
        [sys.executable, "-m", "aimetenv", "doctor", *args],
        capture_output=True,
        text=True,
        check=False,
        env=dict(env),
        cwd=cwd,
    )


__all__ = [
    "LIBPYMO_DIR",
    "MakeContext",
    "add_distribution",
    "copy_aimet_files",
    "doctor_cli",
    "legacy_exports",
    "legacy_venv",
    "make_venv",
    "old_libstdcxx_dir",
    "pip_install",
    "plain_legacy",
    "session_env",
    "set_legacy_exports",
    "shadow_overlay",
    "standin_venv",
    "standin_wheel",
    "without_companion",
    "write_test_receipt",
]
