"""aimetenv.doctor.ldresolve finds what ld.so finds: every scenario is checked against the real loader.

The shared objects are built here with gcc; the real loader is asked by ``ctypes.CDLL`` in a child
Python with the same LD_LIBRARY_PATH and current folder, and /proc/self/maps says which file it
mapped (or its error says what it could not find).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess  # noqa: TID251  # compiles objects and asks the real loader
import sys
import sysconfig
from pathlib import Path

import pytest

from aimetenv.doctor.ldresolve import (
    Loader,
    LoaderConfig,
    default_dirs,
    expand_tokens,
    parse_ld_cache,
    parse_ldconfig_output,
    read_ld_cache,
)
from support.native import build_old_libstdcxx, build_support, compile_c

pytestmark = pytest.mark.skipif(shutil.which("gcc") is None, reason="gcc builds the test objects")

REAL_LOAD = r"""
import ctypes, json, sys
try:
    ctypes.CDLL(sys.argv[1])
except OSError as error:
    print(json.dumps({"error": str(error)}))
    raise SystemExit(0)
with open("/proc/self/maps") as handle:
    mapped = sorted({line.split()[-1] for line in handle if "/" in line and ".so" in line})
print(json.dumps({"mapped": mapped}))
"""
AARCH64 = 183


def real_load(path: Path, *, library_path: str | None, cwd: Path) -> dict[str, object]:
    """Ask the real dynamic loader (in a child Python) to load ``path``."""
    env = {k: v for k, v in os.environ.items() if k != "LD_LIBRARY_PATH"}
    if library_path is not None:
        env["LD_LIBRARY_PATH"] = library_path
    done = subprocess.run(
        [sys.executable, "-c", REAL_LOAD, str(path)],
        capture_output=True,
        text=True,
        check=True,
        env=env,
        cwd=cwd,
    )
    result: dict[str, object] = json.loads(done.stdout)
    return result


def loader_for(library_path: str | None, cwd: Path) -> Loader:
    environ = {} if library_path is None else {"LD_LIBRARY_PATH": library_path}
    cache = read_ld_cache() or {}
    config = LoaderConfig.from_environ(environ, cwd=str(cwd), cache=cache)
    return Loader(config, executable=os.path.realpath(sys.executable))


@pytest.fixture(scope="module")
def libs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """libdep.so in three folders, and two libraries that need it (RUNPATH and RPATH)."""
    root = tmp_path_factory.mktemp("ld")
    body = "int dep(void) { return 1; }\n"
    origin_dep = compile_c(root / "pkg" / "deps", "libdep.so", body, "-Wl,-soname,libdep.so")
    env_dep = compile_c(root / "envdir", "libdep.so", body, "-Wl,-soname,libdep.so")
    uses = "extern int dep(void);\nint top(void) { return dep(); }\n"
    link = (f"-L{origin_dep.parent}", "-ldep")
    runpath = compile_c(
        root / "pkg", "librunpath.so", uses, *link,
        "-Wl,-rpath,$ORIGIN/deps", "-Wl,--enable-new-dtags",
    )  # fmt: skip
    rpath = compile_c(
        root / "pkg",
        "librpath.so",
        uses,
        *link,
        "-Wl,-rpath,$ORIGIN/deps",
        "-Wl,--disable-new-dtags",
    )
    bare = compile_c(root / "bare", "libbare.so", uses, *link)
    wrong = root / "wrongdir" / "libdep.so"
    wrong.parent.mkdir()
    data = bytearray(env_dep.read_bytes())
    data[18:20] = AARCH64.to_bytes(2, "little")  # e_machine: the loader must skip this file
    wrong.write_bytes(bytes(data))
    support = build_support(root / "support")
    old = build_old_libstdcxx(root / "oldcxx")
    return {
        "root": root,
        "origin_dep": origin_dep,
        "env_dep": env_dep,
        "runpath": runpath,
        "rpath": rpath,
        "bare": bare,
        "wrong": wrong,
        "support": support,
        "old": old,
    }


def _mapped(result: dict[str, object], name: str) -> str:
    """The one mapped file called ``name`` (or, for ``libx.so.6``, ``libx.so.6.*``)."""
    mapped = result.get("mapped")
    assert isinstance(mapped, list), result
    found = [m for m in mapped if Path(m).name == name or Path(m).name.startswith(name + ".")]
    assert len(found) == 1, mapped
    return str(found[0])


def test_ld_library_path_beats_runpath(libs: dict[str, Path], tmp_path: Path) -> None:
    library_path = str(libs["env_dep"].parent)
    analysis = loader_for(library_path, tmp_path).analyze(str(libs["runpath"]))
    assert analysis.ok
    assert analysis.path_of("libdep.so") == str(libs["env_dep"])
    assert [r.via for r in analysis.resolutions if r.soname == "libdep.so"] == ["LD_LIBRARY_PATH"]
    real = real_load(libs["runpath"], library_path=library_path, cwd=tmp_path)
    assert _mapped(real, "libdep.so") == str(libs["env_dep"])


def test_rpath_beats_ld_library_path(libs: dict[str, Path], tmp_path: Path) -> None:
    library_path = str(libs["env_dep"].parent)
    analysis = loader_for(library_path, tmp_path).analyze(str(libs["rpath"]))
    assert analysis.path_of("libdep.so") == str(libs["origin_dep"].parent / "libdep.so")
    assert [r.via for r in analysis.resolutions if r.soname == "libdep.so"] == ["rpath"]
    real = real_load(libs["rpath"], library_path=library_path, cwd=tmp_path)
    assert os.path.realpath(_mapped(real, "libdep.so")) == str(libs["origin_dep"])


def test_runpath_with_origin(libs: dict[str, Path], tmp_path: Path) -> None:
    analysis = loader_for(None, tmp_path).analyze(str(libs["runpath"]))
    assert analysis.ok
    found = analysis.path_of("libdep.so")
    assert found is not None
    assert os.path.realpath(found) == str(libs["origin_dep"])
    real = real_load(libs["runpath"], library_path=None, cwd=tmp_path)
    assert os.path.realpath(_mapped(real, "libdep.so")) == str(libs["origin_dep"])


def test_missing_library_is_named_with_where_it_was_looked_for(
    libs: dict[str, Path], tmp_path: Path
) -> None:
    analysis = loader_for("/does/not/exist", tmp_path).analyze(str(libs["bare"]))
    assert not analysis.ok
    [missing] = analysis.missing
    assert missing.soname == "libdep.so"
    assert missing.requested_by == str(libs["bare"])
    assert missing.searched[0] == "/does/not/exist"
    assert "ld.so.cache" in missing.searched
    assert set(default_dirs()) <= set(missing.searched)
    real = real_load(libs["bare"], library_path="/does/not/exist", cwd=tmp_path)
    assert "libdep.so: cannot open shared object file" in str(real["error"])


def test_wrong_machine_is_skipped_like_the_loader_does(
    libs: dict[str, Path], tmp_path: Path
) -> None:
    library_path = f"{libs['wrong'].parent}:{libs['env_dep'].parent}"
    analysis = loader_for(library_path, tmp_path).analyze(str(libs["bare"]))
    assert analysis.path_of("libdep.so") == str(libs["env_dep"])
    real = real_load(libs["bare"], library_path=library_path, cwd=tmp_path)
    assert _mapped(real, "libdep.so") == str(libs["env_dep"])
    only_wrong = loader_for(str(libs["wrong"].parent), tmp_path).analyze(str(libs["bare"]))
    [missing] = only_wrong.missing
    assert missing.skipped == (f"{libs['wrong']} (ELF64 aarch64)",)


def test_empty_entry_is_the_current_folder(libs: dict[str, Path], tmp_path: Path) -> None:
    shutil.copy(libs["env_dep"], tmp_path / "libdep.so")
    analysis = loader_for(":/does/not/exist", tmp_path).analyze(str(libs["bare"]))
    assert analysis.path_of("libdep.so") == str(tmp_path / "libdep.so")
    real = real_load(libs["bare"], library_path=":/does/not/exist", cwd=tmp_path)
    assert os.path.realpath(_mapped(real, "libdep.so")) == str(tmp_path / "libdep.so")


def test_old_libstdcxx_first_lacks_the_version(libs: dict[str, Path], tmp_path: Path) -> None:
    library_path = str(libs["old"].parent)
    analysis = loader_for(library_path, tmp_path).analyze(str(libs["support"]))
    [problem] = analysis.version_problems
    assert problem.version == "GLIBCXX_3.4.29"
    assert problem.library == str(libs["old"])
    assert problem.soname == "libstdc++.so.6"
    assert problem.required_by == str(libs["support"])
    real = real_load(libs["support"], library_path=library_path, cwd=tmp_path)
    error = str(real["error"])
    assert f"{libs['old']}: version `GLIBCXX_3.4.29' not found" in error
    assert f"(required by {libs['support']})" in error


def test_system_libstdcxx_has_the_version(libs: dict[str, Path], tmp_path: Path) -> None:
    analysis = loader_for(None, tmp_path).analyze(str(libs["support"]))
    assert analysis.ok
    assert "GLIBCXX_3.4.29" in analysis.needed_versions["libstdc++.so.6"]
    real = real_load(libs["support"], library_path=None, cwd=tmp_path)
    path = analysis.path_of("libstdc++.so.6")
    assert path is not None
    assert os.path.realpath(path) == os.path.realpath(_mapped(real, "libstdc++.so.6"))


def test_the_interpreter_own_libraries_count_as_loaded(tmp_path: Path) -> None:
    loader = loader_for(None, tmp_path)
    assert "libc.so.6" in loader.process_loaded
    libpython = [name for name in loader.process_loaded if name.startswith("libpython")]
    if sysconfig.get_config_var("Py_ENABLE_SHARED"):
        assert libpython, loader.process_loaded
    else:
        assert not libpython


def test_cache_parser_agrees_with_ldconfig() -> None:
    ldconfig = shutil.which("ldconfig") or "/sbin/ldconfig"
    if not Path(ldconfig).exists():
        pytest.skip("no ldconfig")
    text = subprocess.run([ldconfig, "-p"], capture_output=True, text=True, check=True).stdout
    parsed = read_ld_cache()
    assert parsed is not None
    assert parsed == parse_ldconfig_output(text)
    assert "libc.so.6" in parsed


def test_cache_parser_refuses_what_it_does_not_understand() -> None:
    assert parse_ld_cache(b"") is None
    assert parse_ld_cache(b"not a cache at all") is None
    assert parse_ld_cache(b"glibc-ld.so.cache1.1" + b"\xff" * 28) is None


@pytest.mark.parametrize(
    ("entry", "expected"),
    [
        ("$ORIGIN/../lib", "/pkg/here/../lib"),
        ("${ORIGIN}/x", "/pkg/here/x"),
        ("/opt/$LIB/$PLATFORM", "/opt/lib64/x86_64"),
        ("${LIB}", "lib64"),
        ("$ORIGINAL", "$ORIGINAL"),
    ],
)
def test_expand_tokens(entry: str, expected: str) -> None:
    config = LoaderConfig(lib="lib64", platform="x86_64")
    assert expand_tokens(entry, "/pkg/here", config) == expected
