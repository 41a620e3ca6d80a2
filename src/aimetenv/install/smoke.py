"""The import smoke test: the AIMET packages import and libpymo loads as a native extension.

The test runs a small snippet inside the target interpreter (stdlib only, Python 3.6 and newer) and
reads back one JSON document framed by cookie lines. It never trusts the pure-Python wrapper some
releases ship around libpymo (from 1.33 on it silently falls back to a stub): the module named by
``SmokeSpec.native`` must load through the extension-module loader, or the test fails.

Two depths:

- ``full``: import each package for real (``import aimet_onnx`` takes about 10 s on two cores),
  then load the native module. This runs after an install, and to confirm that an env is
  already installed.
- ``quick``: find each package without running its ``__init__`` and load the native module under
  stub parent packages, the way ``<pkg>.common._libpymo`` must be loaded (it does a relative
  import). About 0.2 s; ``doctor`` uses it to load the native module alone. Its summary says the
  packages were found, never that they import.

For 1.x releases the test runs with the plan's exports applied (PYTHONPATH and LD_LIBRARY_PATH
under site-packages), because that is how the user runs AIMET after ``aimetenv env``.

``doctor`` reuses ``build_smoke`` (a ``Command`` plus its cookies) and ``SmokeCall.parse``. The
snippet is run and its framed answer read by ``aimetenv.envs.snippet``.
"""

from __future__ import annotations

import json
import os
import re
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from aimetenv.envs.snippet import build_snippet, read_framed
from aimetenv.errors import AimetenvError

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

    from aimetenv.install.plan import ExportSpec, SmokeSpec
    from aimetenv.runner import Command, Completed, Runner

_CANNOT_OPEN = re.compile(r"([\w.+-]+\.so[\w.]*): cannot open shared object file")
SMOKE_TIMEOUT = 300.0
"""``import aimet_onnx`` alone takes about 10 s on two cores; a cold disk can take much longer."""
SmokeMode = Literal["full", "quick"]

# Runs as ``python -c SNIPPET BEGIN END CONFIG``. Keep it valid Python 3.6 and stdlib only.
SNIPPET = r"""
import importlib, importlib.machinery, importlib.util, json, os, sys, time, types


def _error(exc):
    text = "%s: %s" % (type(exc).__name__, exc)
    return " ".join(text.split())[:600]


def _stub_parents(name):
    parts = name.split(".")
    for i in range(1, len(parts)):
        parent = ".".join(parts[:i])
        if parent in sys.modules:
            continue
        spec = importlib.util.find_spec(parent)
        if spec is None or spec.submodule_search_locations is None:
            raise ImportError("no package %s" % parent)
        stub = types.ModuleType(parent)
        stub.__path__ = list(spec.submodule_search_locations)
        stub.__spec__ = spec
        stub.__package__ = parent
        sys.modules[parent] = stub


def _package(name, mode):
    started = time.time()
    try:
        if mode == "full":
            module = importlib.import_module(name)
            where = getattr(module, "__file__", None) or str(list(getattr(module, "__path__", [])))
        else:
            spec = importlib.util.find_spec(name)
            if spec is None:
                raise ModuleNotFoundError("No module named %r" % name)
            where = spec.origin or str(list(spec.submodule_search_locations or []))
        return {"name": name, "kind": "package", "ok": True, "detail": where,
                "seconds": round(time.time() - started, 3)}
    except BaseException as exc:
        return {"name": name, "kind": "package", "ok": False, "detail": _error(exc),
                "seconds": round(time.time() - started, 3)}


def _native(name, mode):
    started = time.time()
    try:
        if mode == "quick":
            _stub_parents(name)
        module = importlib.import_module(name)
        loader = getattr(getattr(module, "__spec__", None), "loader", None)
        where = getattr(module, "__file__", None) or ""
        native = isinstance(loader, importlib.machinery.ExtensionFileLoader)
        detail = where if native else "%s is not a native extension (loaded from %s)" % (name, where)
        return {"name": name, "kind": "native", "ok": native, "detail": detail,
                "seconds": round(time.time() - started, 3)}
    except BaseException as exc:
        return {"name": name, "kind": "native", "ok": False, "detail": _error(exc),
                "seconds": round(time.time() - started, 3)}


def main():
    begin, end = sys.argv[1], sys.argv[2]
    config = json.loads(sys.argv[3])
    mode = config["mode"]
    checks = [_package(name, mode) for name in config["packages"]]
    if config.get("native"):
        checks.append(_native(config["native"], mode))
    report = {"checks": checks, "python": list(sys.version_info[:3]), "executable": sys.executable}
    sys.stdout.write("\n" + begin + "\n" + json.dumps(report) + "\n" + end + "\n")
    sys.stdout.flush()
    sys.stderr.flush()
    # The report is out. Skip the interpreter's teardown: after importing torch or onnxruntime
    # it takes seconds (about 3 s after aimet_onnx on two cores) and decides nothing here.
    os._exit(0)


main()
"""


@dataclass(frozen=True)
class SmokeCheck:
    """One import: a package, or the native libpymo module."""

    name: str
    kind: Literal["package", "native"]
    ok: bool
    detail: str
    """Where it was loaded from, or the error text."""
    seconds: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        """JSON form."""
        return {
            "name": self.name,
            "kind": self.kind,
            "ok": self.ok,
            "detail": self.detail,
            "seconds": self.seconds,
        }


@dataclass(frozen=True)
class SmokeResult:
    """The outcome of one smoke test."""

    ok: bool
    mode: SmokeMode
    summary: str
    """One line for people."""
    checks: tuple[SmokeCheck, ...] = ()
    native: str | None = None
    native_file: str | None = None
    environment: Mapping[str, str] = field(default_factory=dict)
    """The variables the test set (PYTHONPATH, LD_LIBRARY_PATH) from the plan's exports."""
    seconds: float = 0.0
    error: str | None = None
    """Why the test itself could not run (time-out, crash, garbage output)."""

    def to_dict(self) -> dict[str, Any]:
        """JSON form (also stored in nothing: the receipt keeps the SmokeSpec)."""
        return {
            "ok": self.ok,
            "mode": self.mode,
            "summary": self.summary,
            "checks": [c.to_dict() for c in self.checks],
            "native": self.native,
            "native_file": self.native_file,
            "environment": dict(self.environment),
            "seconds": round(self.seconds, 3),
            "error": self.error,
        }


def export_environment(
    exports: ExportSpec,
    site_packages: Sequence[str],
    base: Mapping[str, str] | None = None,
) -> dict[str, str]:
    """PYTHONPATH and LD_LIBRARY_PATH as ``aimetenv env`` sets them: site-packages dirs first.

    Each relative directory is placed under the first site-packages folder that holds it (the
    first one when none does). ``base`` supplies an existing LD_LIBRARY_PATH to keep behind ours.
    """
    sites = [Path(s) for s in site_packages]

    def place(relative: str) -> str:
        for site in sites:
            if (site / relative).is_dir():
                return str(site / relative)
        return str((sites[0] if sites else Path()) / relative)

    result: dict[str, str] = {}
    if exports.pythonpath:
        result["PYTHONPATH"] = os.pathsep.join(place(d) for d in exports.pythonpath)
    if exports.ld_library_path:
        ours = [place(d) for d in exports.ld_library_path]
        existing = (base or {}).get("LD_LIBRARY_PATH")
        if existing:
            ours.append(existing)
        result["LD_LIBRARY_PATH"] = os.pathsep.join(ours)
    return result


@dataclass(frozen=True)
class SmokeCall:
    """A smoke test ready to run: the command and the cookies that frame its answer."""

    command: Command
    begin: str
    end: str
    spec: SmokeSpec
    mode: SmokeMode
    environment: Mapping[str, str]

    def _program(self) -> tuple[str, ...]:
        """The command line without its cookies: interpreter, snippet and configuration."""
        return tuple(a for a in self.command.argv if a not in (self.begin, self.end))

    def parse(self, completed: Completed) -> SmokeResult:
        """Turn the child's output into a SmokeResult (failures are results, never exceptions)."""
        return parse_smoke(self, completed)

    def same_test(self, other: SmokeCall) -> bool:
        """Whether ``other`` tests the same thing (only the cookies differ).

        The same interpreter, modules, mode, environment changes, folder and time limit.
        """
        mine, theirs = self.command, other.command
        return (self._program(), mine.cwd, mine.sanitize, mine.timeout) == (
            other._program(),  # the same class
            theirs.cwd,
            theirs.sanitize,
            theirs.timeout,
        ) and dict(mine.env) == dict(theirs.env)


def build_smoke(  # each input changes what is tested
    python: Path,
    spec: SmokeSpec,
    *,
    exports: ExportSpec | None,
    site_packages: Sequence[str],
    mode: SmokeMode = "full",
    as_user: bool = False,
    cwd: str | None = None,
    timeout: float = SMOKE_TIMEOUT,
) -> SmokeCall:
    """The command that tests ``spec`` inside ``python``.

    ``exports``: applied on top of the child's environment (None: test the environment as is,
    which is what doctor does with ``as_user``). ``as_user`` keeps the caller's environment
    (PYTHONPATH included) instead of the installer's sanitized one.
    """
    config = {"mode": mode, "packages": list(spec.packages), "native": spec.native}
    environment = (
        {} if exports is None else export_environment(exports, site_packages, base=os.environ)
    )
    snippet = build_snippet(
        python,
        SNIPPET,
        json.dumps(config),
        tag="SMOKE",
        env=environment,
        cwd=cwd,
        timeout=timeout,
        sanitize=not as_user,
    )
    return SmokeCall(snippet.command, snippet.begin, snippet.end, spec, mode, environment)


def _summary(spec: SmokeSpec, checks: Sequence[SmokeCheck], mode: SmokeMode) -> str:
    """One line that claims only what was run: ``quick`` finds packages, ``full`` imports them."""
    failed = [c for c in checks if not c.ok]
    if failed:
        first = failed[0]
        what = "libpymo" if first.kind == "native" else first.name
        return f"{what} ({first.name}) failed: {first.detail}"
    verb = "imports" if mode == "full" else "is found (not imported)"
    packages = f"{', '.join(spec.packages)} {verb}" if spec.packages else ""
    if spec.native is None:
        return f"{packages}; no libpymo expected (pure-Python build)"
    native = next((c for c in checks if c.kind == "native"), None)
    where = f" from {native.detail}" if native is not None else ""
    loads = f"{spec.native} loads natively{where}"
    return f"{packages}; {loads}" if packages else loads


def missing_library(result: SmokeResult) -> str | None:
    """The shared library a failed test could not open (``liblapacke.so.3``), if that is why."""
    for check in result.checks:
        if not check.ok:
            found = _CANNOT_OPEN.search(check.detail)
            if found is not None:
                return found.group(1)
    return None


def repair_hint(result: SmokeResult, flags: str) -> str:
    """What repairs a failed smoke test: ``--force``, unless a system library is missing."""
    library = missing_library(result)
    doctor = f"'aimetenv doctor {flags}'"
    if library is not None:
        return (
            f"{library} is a system library, which install --force cannot add: {doctor} names "
            "the package that provides it."
        )
    return (
        f"{doctor} explains what is wrong; the same install command with --force reinstalls "
        "the AIMET packages in place."
    )


def _checks(data: Any) -> tuple[SmokeCheck, ...] | None:  # noqa: ANN401  # any JSON value
    """The snippet's checks, or None when ``data`` is not its report."""
    try:
        return tuple(
            SmokeCheck(
                name=str(item["name"]),
                kind="native" if item.get("kind") == "native" else "package",
                ok=bool(item["ok"]),
                detail=str(item.get("detail") or ""),
                seconds=float(item.get("seconds") or 0.0),
            )
            for item in data["checks"]
        )
    except (KeyError, TypeError, ValueError, AttributeError):
        return None


def parse_smoke(call: SmokeCall, completed: Completed) -> SmokeResult:
    """Read the snippet's JSON document; a crash or time-out becomes a failed result."""
    base: dict[str, Any] = {
        "mode": call.mode,
        "native": call.spec.native,
        "environment": call.environment,
        "seconds": completed.seconds,
    }
    answer = read_framed(completed, call.begin, call.end)
    if answer.problem == "timed-out":
        timeout = call.command.timeout or 0
        message = f"the smoke test did not finish within {timeout:.0f} s"
        return SmokeResult(ok=False, summary=message, error=message, **base)
    if answer.problem == "no-answer":
        tail = completed.tail(5).replace("\n", " | ") or f"exit status {completed.returncode}"
        message = f"the smoke test did not report: {tail}"
        return SmokeResult(ok=False, summary=message[:800], error=message[:2000], **base)
    checks = None if answer.problem is not None else _checks(answer.data)
    if checks is None:
        message = "the smoke test answered with something that is not its report"
        return SmokeResult(ok=False, summary=message, error=message, **base)
    expected = len(call.spec.packages) + (1 if call.spec.native else 0)
    ok = len(checks) == expected and all(c.ok for c in checks)
    native_file = next((c.detail for c in checks if c.kind == "native" and c.ok), None)
    return SmokeResult(
        ok=ok,
        summary=_summary(call.spec, checks, call.mode),
        checks=checks,
        native_file=native_file,
        **base,
    )


def run_smoke(  # the inputs of build_smoke, plus the runner
    runner: Runner,
    python: Path,
    spec: SmokeSpec,
    *,
    exports: ExportSpec | None,
    site_packages: Sequence[str],
    mode: SmokeMode = "full",
    as_user: bool = False,
    cwd: str | None = None,
    timeout: float = SMOKE_TIMEOUT,
) -> SmokeResult:
    """Build, run and parse the smoke test; a missing interpreter is a failed result too."""
    call = build_smoke(
        python,
        spec,
        exports=exports,
        site_packages=site_packages,
        mode=mode,
        as_user=as_user,
        cwd=cwd,
        timeout=timeout,
    )
    return run_call(runner, call)


def run_call(runner: Runner, call: SmokeCall) -> SmokeResult:
    """Run a built smoke test and parse it; a missing interpreter is a failed result too."""
    try:
        completed = runner.run(call.command)
    except AimetenvError as error:
        message = f"the smoke test could not start: {error.message}"
        return SmokeResult(
            ok=False,
            mode=call.mode,
            summary=message,
            native=call.spec.native,
            environment=call.environment,
            error=message,
        )
    return call.parse(completed)


class StartedSmoke:
    """A smoke test already running on a thread of its own, for a caller that will want it later.

    ``install`` starts the quick test of an existing environment as soon as it holds the lock, so
    that the test runs while the interpreter is probed and the plan resolved; ``result_for``
    hands the result over only when the test it would run itself is exactly this one.
    """

    def __init__(self, runner: Runner, call: SmokeCall) -> None:
        """Start ``call`` now (a daemon thread: it never holds up the exit of the program)."""
        self.call = call
        self._result: SmokeResult | None = None
        self._done = threading.Event()
        self._thread = threading.Thread(
            target=self._run, args=(runner,), name="aimetenv-smoke", daemon=True
        )
        self._thread.start()

    def _run(self, runner: Runner) -> None:
        try:
            self._result = run_call(runner, self.call)
        finally:
            self._done.set()

    def result_for(self, call: SmokeCall) -> SmokeResult | None:
        """This test's result (waiting for it) when ``call`` is the same test; else None."""
        if not self.call.same_test(call):
            return None
        self._done.wait()
        return self._result


__all__ = [
    "SMOKE_TIMEOUT",
    "SNIPPET",
    "SmokeCall",
    "SmokeCheck",
    "SmokeMode",
    "SmokeResult",
    "StartedSmoke",
    "build_smoke",
    "export_environment",
    "missing_library",
    "parse_smoke",
    "repair_hint",
    "run_call",
    "run_smoke",
]
