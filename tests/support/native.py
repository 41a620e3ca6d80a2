"""Compile real native libraries for the tests with the machine's gcc and g++.

- ``libpymo_support.so``: a C++ library whose code needs ``GLIBCXX_3.4.29`` (GCC 11 or newer).
- ``libpymo.so``: a CPython extension module named ``libpymo`` that links the support library by
  soname without any RPATH, as AIMET 1.x's did, so it only loads when LD_LIBRARY_PATH names its
  folder, and only imports when PYTHONPATH does.
- ``libstdc++.so.6`` (old): a fake libstdc++ whose version script stops at GLIBCXX_3.4.28, to
  stand for an old GCC runtime placed first on LD_LIBRARY_PATH.
"""

from __future__ import annotations

import subprocess  # noqa: TID251  # tests build their fixtures directly
import sysconfig
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pathlib import Path

SUPPORT_SONAME = "libpymo_support.so"

SUPPORT_CPP = r"""
#include <string>
extern "C" int pymo_support_answer(int n) {
    std::string s(static_cast<std::string::size_type>(n), 'x');
    s.reserve();  /* std::string::reserve() with no argument: GLIBCXX_3.4.29 */
    int *values = new int[n];
    for (int i = 0; i < n; ++i) values[i] = i;
    int result = values[n - 1] + static_cast<int>(s.size());
    delete[] values;
    return result;
}
"""

LIBPYMO_C = r"""
#define PY_SSIZE_T_CLEAN
#include <Python.h>
extern int pymo_support_answer(int n);

static PyObject *answer(PyObject *self, PyObject *args) {
    int n = 0;
    if (!PyArg_ParseTuple(args, "i", &n)) return NULL;
    return PyLong_FromLong(pymo_support_answer(n));
}

static PyMethodDef methods[] = {
    {"answer", answer, METH_VARARGS, "Call into the support library."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "libpymo", "test stand-in", -1, methods};

PyMODINIT_FUNC PyInit_libpymo(void) {
    PyObject *m = PyModule_Create(&module);
    if (m != NULL) PyModule_AddStringConstant(m, "QUANTIZATION_TF", "tf");
    return m;
}
"""

OLD_LIBSTDCXX_MAP = "\n".join(
    ["GLIBCXX_3.4 { global: old_cxx_marker; local: *; };"]
    + [
        f"GLIBCXX_3.4.{n} {{ }} GLIBCXX_3.4{'.' + str(n - 1) if n > 1 else ''};"
        for n in range(1, 29)
    ]
    + ["CXXABI_1.3 { };"]
    + [f"CXXABI_1.3.{n} {{ }} CXXABI_1.3{'.' + str(n - 1) if n > 1 else ''};" for n in range(1, 13)]
)


def _run(argv: list[str], cwd: Path) -> None:
    result = subprocess.run(argv, cwd=cwd, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        msg = f"{' '.join(argv)} failed:\n{result.stdout}\n{result.stderr}"
        raise RuntimeError(msg)


def compile_c(folder: Path, name: str, source: str, *flags: str) -> Path:
    """Compile ``source`` (C) into the shared object ``folder/name``; ``flags`` go to gcc."""
    folder.mkdir(parents=True, exist_ok=True)
    src = folder / (name + ".c")
    src.write_text(source)
    out = folder / name
    subprocess.run(
        ["gcc", "-shared", "-fPIC", str(src), "-o", str(out), *flags],
        check=True,
        capture_output=True,
    )
    return out


def build_support(folder: Path) -> Path:
    """Compile ``libpymo_support.so`` into ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "support.cpp").write_text(SUPPORT_CPP)
    out = folder / SUPPORT_SONAME
    _run(
        [
            "g++",
            "-shared",
            "-fPIC",
            "-O1",
            "support.cpp",
            f"-Wl,-soname,{SUPPORT_SONAME}",
            "-o",
            out.name,
        ],
        folder,
    )
    return out


def python_include(python: Path) -> str:
    """The C include folder of another interpreter."""
    result = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['include'])"],
        capture_output=True,
        text=True,
        check=True,
    )
    return result.stdout.strip()


def build_libpymo(folder: Path, python: Path) -> Path:
    """Compile the ``libpymo`` extension for ``python`` against ``libpymo_support.so`` in ``folder``."""
    support = folder / SUPPORT_SONAME
    if not support.exists():
        build_support(folder)
    (folder / "libpymo.c").write_text(LIBPYMO_C)
    out = folder / "libpymo.so"
    _run(
        ["gcc", "-shared", "-fPIC", "-O1", f"-I{python_include(python)}", "libpymo.c",
         f"-L{folder}", "-lpymo_support", "-o", out.name],
        folder,
    )  # fmt: skip
    return out


def build_old_libstdcxx(folder: Path) -> Path:
    """A fake ``libstdc++.so.6`` whose newest symbol version is GLIBCXX_3.4.28."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "old.c").write_text("int old_cxx_marker(void) { return 28; }\n")
    (folder / "old.map").write_text(OLD_LIBSTDCXX_MAP + "\n")
    out = folder / "libstdc++.so.6"
    _run(
        ["gcc", "-shared", "-fPIC", "old.c", "-Wl,--version-script=old.map",
         "-Wl,-soname,libstdc++.so.6", "-o", out.name],
        folder,
    )  # fmt: skip
    return out


def host_ext_suffix() -> str:
    """The extension suffix of the interpreter running the tests."""
    return str(sysconfig.get_config_var("EXT_SUFFIX"))


__all__ = [
    "SUPPORT_SONAME",
    "build_libpymo",
    "build_old_libstdcxx",
    "build_support",
    "compile_c",
    "host_ext_suffix",
    "python_include",
]
