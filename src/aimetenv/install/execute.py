"""Carrying out a prepared install: exactly the actions ``install --dry-run`` prints, in order.

``prepare.prepare()`` decides everything (target, interpreter, plan, commands); ``install()`` runs
those actions: create the environment, ask the release host about each file and fetch it, bring pip
inside the plan's bound when it is not, run each pip call (output into a log file, echoed live on
request), the optional requirement-file and Pillow-SIMD steps, the import smoke test, and finally
the receipt. The caller holds the environment's lock (``locks.env_lock``) for the whole time.

Nothing here prints: progress goes to a ``Reporter`` the CLI renders, failures are
``AimetenvError``s with pip's last lines as details and the log's path in the hint.
"""

from __future__ import annotations

import os
import shlex
import shutil
import tempfile
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, Protocol

from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.version import InvalidVersion, Version

from aimetenv import __version__
from aimetenv.catalog.names import wheel_problem
from aimetenv.envs.probe import run_probe
from aimetenv.errors import FileError, InstallError, IntegrityError, NetworkError
from aimetenv.fetch.urls import redact
from aimetenv.fsutil import open_run_log
from aimetenv.install.actions import pip_argv, reqs_find_links
from aimetenv.install.plan import ExportSpec, SmokeSpec
from aimetenv.install.receipt import (
    Receipt,
    read_receipt,
    receipt_path_in_env,
    receipt_path_in_state,
    record_last_install,
    write_receipt,
)
from aimetenv.install.reqsfiles import (
    DebCheck,
    check_deb_files,
    find_reqs_files,
    has_requirements,
    wanted_names,
)
from aimetenv.install.smoke import SmokeResult, StartedSmoke, build_smoke, run_call, run_smoke
from aimetenv.runner import Command

if TYPE_CHECKING:
    from typing import IO

    from aimetenv.envs.targets import EnvTarget
    from aimetenv.fetch.download import Fetched
    from aimetenv.install.actions import Action
    from aimetenv.install.plan import InstallPlan, PlannedWheel
    from aimetenv.install.prepare import Prepared
    from aimetenv.runner import Completed, Runner

CREATE_TIMEOUT = 1800.0
"""conda may solve for a long time; a venv takes seconds."""
Outcome = Literal["installed", "already-installed"]


class Fetcher(Protocol):
    """Where release-host files come from: ``download.Downloader``, or a checked wheelhouse."""

    def exists(self, url: str) -> bool:
        """Whether the host has ``url`` (HEAD)."""
        ...

    def fetch(self, wheel: PlannedWheel, tag: str) -> Fetched:
        """The file, ready for pip, with its sha256 and size."""
        ...

    def discard(self, fetched: Fetched) -> bool:
        """Forget a file that turned out to be unusable (a cache entry); True if it was deleted."""
        ...


class Reporter(Protocol):
    """Receives progress. The CLI renders it; the core only reports."""

    def action(self, number: int, total: int, action: Action) -> None:
        """Action ``number`` of ``total`` starts."""
        ...

    def skipped(self, action: Action, reason: str) -> None:
        """An action with a condition was not needed."""
        ...

    def output(self, line: str) -> None:
        """One line of a child's output (only called when echo was asked for)."""
        ...


class NullReporter:
    """A reporter that ignores everything."""

    def action(self, number: int, total: int, action: Action) -> None:
        """Ignore."""

    def skipped(self, action: Action, reason: str) -> None:
        """Ignore."""

    def output(self, line: str) -> None:
        """Ignore."""


@dataclass(frozen=True)
class NextStep:
    """What the user runs next: the ``aimetenv env`` line, or nothing but activation."""

    needs_exports: bool
    flags: str
    """The target flags that name this environment for ``aimetenv env`` and ``doctor``."""
    write: str | None
    eval: str | None
    activate: str | None
    message: str

    def to_dict(self) -> dict[str, Any]:
        """JSON form."""
        return {
            "needs_exports": self.needs_exports,
            "flags": self.flags,
            "write": self.write,
            "eval": self.eval,
            "activate": self.activate,
            "message": self.message,
        }


@dataclass(frozen=True)
class InstallResult:
    """What ``install`` did."""

    outcome: Outcome
    plan: InstallPlan
    target: EnvTarget
    prefix: Path
    python: Path
    smoke: SmokeResult
    next_step: NextStep
    files: tuple[dict[str, Any], ...] = ()
    """Each release-host file: filename, url, path, sha256, size, from_cache."""
    receipt_path: Path | None = None
    log_path: Path | None = None
    reqs_files: tuple[Path, ...] = ()
    deb: DebCheck | None = None
    notes: tuple[str, ...] = ()
    seconds: float = 0.0

    def to_dict(self, *, root: bool = False) -> dict[str, Any]:
        """The body of the ``aimetenv.install/1`` document."""
        return {
            "outcome": self.outcome,
            "target": {
                "kind": self.target.kind,
                "label": self.target.label,
                "reason": self.target.reason,
                "prefix": str(self.prefix),
                "python": str(self.python),
                "name": self.target.name,
            },
            "plan": self.plan.to_dict(),
            "files": list(self.files),
            "receipt": None if self.receipt_path is None else str(self.receipt_path),
            "log": None if self.log_path is None else str(self.log_path),
            "smoke": self.smoke.to_dict(),
            "reqs_files": [str(p) for p in self.reqs_files],
            "apt": None if self.deb is None else self.deb.to_dict(root=root),
            "next_step": self.next_step.to_dict(),
            "notes": list(self.notes),
            "seconds": round(self.seconds, 3),
        }


def lock_key(target: EnvTarget) -> Path:
    """What the install lock is keyed on: the prefix, or the interpreter of ``--python``."""
    return target.prefix if target.prefix is not None else target.python


def target_flags(target: EnvTarget, prefix: Path) -> str:
    """The flags that name this environment again, shell-quoted: ``--venv /x``, ``-n NAME``."""
    if target.kind == "venv":
        return f"--venv {shlex.quote(str(prefix))}"
    if target.kind == "conda":
        by_name = target.reason == "--name given" or target.reason.startswith("a new conda env")
        if by_name and target.name:
            return f"-n {shlex.quote(target.name)}"
        return f"-p {shlex.quote(str(prefix))}"
    return f"--python {shlex.quote(str(target.python))}"


def next_step(plan: InstallPlan, target: EnvTarget, prefix: Path) -> NextStep:
    """The ``aimetenv env`` line for releases that need exports; activation for the others."""
    flags = target_flags(target, prefix)
    exports = plan.exports
    needs = bool(exports.ld_library_path or exports.pythonpath or exports.cuda)
    activate = None
    if target.kind == "venv":
        activate = f". {shlex.quote(str(prefix / 'bin' / 'activate'))}"
    elif target.kind == "conda":
        activate = f"conda activate {flags.split(' ', 1)[1]}"
    if needs:
        write = f"aimetenv env {flags} --write ~/.bashrc"
        evaluate = f'eval "$(aimetenv env {flags})"'
        message = (
            f"AIMET {plan.tag} needs environment variables: run '{write}' (recommended), "
            f"or '{evaluate}' in each shell"
        )
        return NextStep(
            needs_exports=True,
            flags=flags,
            write=write,
            eval=evaluate,
            activate=activate,
            message=message,
        )
    message = "no exports are needed"
    if activate:
        message += f"; activate the environment with '{activate}'"
    return NextStep(
        needs_exports=False, flags=flags, write=None, eval=None, activate=activate, message=message
    )


def _utc_now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def _site_packages(facts: dict[str, Any]) -> tuple[str, ...]:
    found = facts.get("site_packages") or []
    return tuple(str(p) for p in found if isinstance(p, str))


def _pip_inside(version: str | None, bound: str) -> bool:
    if version is None:
        return False
    try:
        return SpecifierSet(bound).contains(Version(version), prereleases=True)
    except (InvalidSpecifier, InvalidVersion):
        return False


def _wants(prepared: Prepared, kind: str) -> bool:
    return any(a.kind == kind for a in prepared.actions)


def _wants_pillow_simd(prepared: Prepared) -> bool:
    return any(a.kind == "pip" and "pillow-simd" in a.argv for a in prepared.actions)


def find_receipt(prefix: Path, state: Path) -> tuple[Receipt, Path] | None:
    """The receipt of ``prefix`` and the file it was read from."""
    receipt = read_receipt(prefix, state)
    if receipt is None:
        return None
    for path in (receipt_path_in_env(prefix), receipt_path_in_state(prefix, state)):
        if path.is_file():
            return receipt, path
    return None


def _receipt_matches(prepared: Prepared, state: Path) -> tuple[Receipt, Path] | None:
    plan = prepared.plan
    found = find_receipt(prepared.prefix, state)
    if found is None:
        return None
    receipt = found[0]
    same = (receipt.tag, receipt.variant) == (plan.tag, plan.variant)
    reqs_done = not _wants(prepared, "reqs-pip") or bool(receipt.extras.get("with_reqs"))
    simd_done = not _wants_pillow_simd(prepared) or bool(receipt.extras.get("pillow_simd"))
    return found if same and reqs_done and simd_done else None


def start_quick_smoke(target: EnvTarget, runner: Runner, state: Path) -> StartedSmoke | None:
    """Start the quick smoke test of an existing environment that has a receipt, on a thread.

    Called as soon as the environment's lock is held, so that the test runs while the rest of
    the install is prepared (probe, plan). ``already_installed`` uses the result only when the
    test it would run is exactly this one; otherwise the test is run again.
    """
    prefix = target.prefix
    if prefix is None or not target.exists:
        return None
    found = find_receipt(prefix, state)
    if found is None:
        return None
    receipt = found[0]
    call = build_smoke(
        target.python,
        SmokeSpec.from_dict(receipt.smoke),
        exports=ExportSpec.from_dict(receipt.exports),
        site_packages=receipt.site_packages,
        mode="quick",
        cwd=str(prefix) if prefix.is_dir() else None,
    )
    return StartedSmoke(runner, call)


def already_installed(
    prepared: Prepared, runner: Runner, state: Path, early: StartedSmoke | None = None
) -> InstallResult | None:
    """The result of a no-op when the same release is installed and passes the quick smoke test.

    Same tag and variant in the receipt, the same optional steps asked for, and libpymo (or the
    packages of a pure-Python build) still loading: nothing is downloaded and pip is not run.
    ``early``: the same test started earlier (``start_quick_smoke``), used if it matches.
    """
    started = time.monotonic()
    target, plan = prepared.target, prepared.plan
    if not target.exists or prepared.recreate or prepared.target_facts is None:
        return None
    found = _receipt_matches(prepared, state)
    if found is None:
        return None
    receipt, path = found
    prefix = prepared.prefix
    sites = _site_packages(prepared.target_facts) or receipt.site_packages
    call = build_smoke(
        target.python,
        plan.smoke,
        exports=ExportSpec.from_dict(receipt.exports),
        site_packages=sites,
        mode="quick",
        cwd=str(prefix) if prefix.is_dir() else None,
    )
    smoke = None if early is None else early.result_for(call)
    if smoke is None:
        smoke = run_call(runner, call)
    if not smoke.ok:
        return None
    return InstallResult(
        outcome="already-installed",
        plan=plan,
        target=target,
        prefix=prefix,
        python=target.python,
        smoke=smoke,
        next_step=next_step(plan, target, prefix),
        files=receipt.files,
        receipt_path=path,
        notes=(
            f"installed {receipt.finished or 'earlier'} by aimetenv {receipt.aimetenv_version}",
        ),
        seconds=time.monotonic() - started,
    )


def check_creatable(prepared: Prepared) -> None:
    """Refuse, before anything is downloaded, an environment that cannot be created where asked.

    The nearest existing folder above the new prefix must be a folder aimetenv can create
    things in; that is tried for real (a temporary folder, removed at once), because root passes
    every permission check and still cannot write under ``/proc`` or on a read-only mount.
    """
    prefix = prepared.target.prefix
    if prefix is None or prefix.exists() or not _wants(prepared, "create-env"):
        return
    parent = prefix.parent
    while not parent.exists() and parent != parent.parent:
        parent = parent.parent
    label = prepared.target.label
    if not parent.is_dir():
        raise FileError(
            f"cannot create {label}: {parent} is not a folder",
            hint="Choose a path under a folder you can write to.",
            code="prefix-unwritable",
        )
    try:
        probe = tempfile.mkdtemp(prefix=".aimetenv-probe-", dir=parent)
    except OSError as error:
        raise FileError(
            f"cannot create {label}: nothing can be created in {parent} "
            f"({error.strerror or error})",
            hint="Choose a path under a folder you can write to.",
            code="prefix-unwritable",
        ) from None
    os.rmdir(probe)  # noqa: PTH106  # the probe folder is empty


@dataclass
class _Run:
    """The state of one install while it runs (private; the result is frozen)."""

    prepared: Prepared
    runner: Runner
    fetcher: Fetcher
    state: Path
    reporter: Reporter
    echo: bool
    log_path: Path
    log: IO[str]
    facts: dict[str, Any] | None
    files: list[dict[str, Any]] = field(default_factory=list)
    reqs_files: list[Path] = field(default_factory=list)
    deb: DebCheck | None = None
    notes: list[str] = field(default_factory=list)
    smoke: SmokeResult | None = None
    receipt_path: Path | None = None
    number: int = 0
    total: int = 0

    @property
    def plan(self) -> InstallPlan:
        return self.prepared.plan

    @property
    def python(self) -> Path:
        return self.prepared.target.python

    def site_packages(self) -> tuple[str, ...]:
        return _site_packages(self.facts or {})

    def write_log(self, text: str) -> None:
        self.log.write(text.rstrip("\n") + "\n")
        self.log.flush()

    def stream(self, argv: tuple[str, ...], *, timeout: float | None = None) -> Completed:
        self.write_log(f"\n$ {redact(' '.join(shlex.quote(a) for a in argv))}")
        echo = self.reporter.output if self.echo else None
        completed = self.runner.stream(Command(argv=argv, timeout=timeout), self.log, echo)
        self.write_log(f"# exit status {completed.returncode} after {completed.seconds:.1f} s")
        return completed

    def failed(self, action: Action, completed: Completed, tool: str) -> InstallError:
        reason = "timed out" if completed.timed_out else f"exit status {completed.returncode}"
        tail = tuple(completed.tail(15).splitlines())
        return InstallError(
            f"step {self.number}/{self.total} failed: {action.description} ({tool} {reason})",
            hint=f"The full output is in {self.log_path}.",
            code="step-failed",
            details=(*tail, f"log: {self.log_path}"),
        )


def _create_env(run: _Run, action: Action) -> None:
    prefix = run.prepared.target.prefix
    existed = prefix is not None and prefix.exists()
    try:
        completed = run.stream(action.argv, timeout=CREATE_TIMEOUT)
        if completed.ok:
            run.facts = run_probe(run.runner, run.python)
    except BaseException:
        if prefix is not None and not existed:  # ours alone: a half-made env must not linger
            shutil.rmtree(prefix, ignore_errors=True)
        raise
    if not completed.ok or run.facts is None:
        if prefix is not None and not existed:
            shutil.rmtree(prefix, ignore_errors=True)
        tool = "conda" if run.prepared.target.kind == "conda" else "venv"
        raise run.failed(action, completed, tool)
    version = run.facts.get("version") or []
    have = ".".join(str(v) for v in version[:2])
    if have != run.plan.python_for_new_env:
        raise InstallError(
            f"the new environment has Python {have}, not {run.plan.python_for_new_env}",
            hint="Check the interpreter given with --interpreter, or conda's channels.",
            code="wrong-python-created",
        )


def _check_url(run: _Run, action: Action, paths: dict[str, str]) -> None:
    url = action.url or ""
    cached = paths.get(url)
    if cached is not None and Path(cached).is_file():
        run.reporter.skipped(action, "already downloaded")
        return
    if not run.fetcher.exists(url):
        filename = url.rsplit("/", 1)[-1]
        raise NetworkError(
            f"the release host has no {filename} ({url})",
            hint=f"The catalog's name for this file is {run.plan.confidence}; check "
            f"'aimetenv releases {run.plan.tag}', or the layout <mirror>/<tag>/<file> of --mirror.",
            code="asset-missing",
        )


def _readable(run: _Run, wheel: PlannedWheel, fetched: Fetched) -> Fetched:
    """``fetched`` when it is a readable wheel; a damaged cache entry is fetched afresh once.

    A cut-off file, or an error page a host or proxy sent with status 200, would otherwise be
    recorded in the cache and fail inside pip on every later run.
    """
    problem = wheel_problem(fetched.path) if fetched.path.name.endswith(".whl") else None
    if problem is None:
        return fetched
    deleted = run.fetcher.discard(fetched)
    if deleted and fetched.from_cache:
        run.notes.append(f"the cached {wheel.filename} was not a readable wheel; fetched it again")
        fetched = run.fetcher.fetch(wheel, run.plan.tag)
        problem = wheel_problem(fetched.path)
        if problem is None:
            return fetched
        deleted = run.fetcher.discard(fetched)
    where = "it was deleted from the download cache" if deleted else f"it is {fetched.path}"
    raise IntegrityError(
        f"{wheel.filename} from {fetched.url} is not a readable wheel ({problem}); {where}, "
        "and nothing was installed",
        hint="The host sent a damaged, cut-off or different file (an error page?); run the "
        "command again, and if it fails the same way the file on the host is broken.",
        code="bad-wheel",
    )


def _download(run: _Run, action: Action, wheels: dict[str, PlannedWheel]) -> None:
    wheel = wheels[action.url or ""]
    fetched = _readable(run, wheel, run.fetcher.fetch(wheel, run.plan.tag))
    if action.path is not None and Path(action.path) != fetched.path:
        raise InstallError(
            f"{wheel.filename} was stored at {fetched.path}, not at {action.path}",
            hint="This is a bug in aimetenv; please report it.",
            code="path-mismatch",
        )
    run.write_log(f"# {wheel.filename}: sha256 {fetched.sha256}, {fetched.size} bytes")
    run.files.append(
        {
            "filename": wheel.filename,
            "url": fetched.url,
            "path": str(fetched.path),
            "sha256": fetched.sha256,
            "size": fetched.size,
            "from_cache": fetched.from_cache,
        }
    )


def _tool(run: _Run) -> str:
    return "uv" if run.prepared.installer == "uv" else "pip"


def _pip(run: _Run, action: Action) -> None:
    facts = run.facts or {}
    pip_version = facts.get("pip_version")
    if run.prepared.installer == "pip" and pip_version is None:
        raise InstallError(
            f"pip is not installed in {run.prepared.target.label}",
            hint=f"Run '{run.python} -m ensurepip', then install again.",
            code="no-pip",
        )
    step = action.step
    bound = run.plan.pip_bound
    if step is not None and step.kind == "pip-bound" and bound is not None:
        if _pip_inside(str(pip_version), bound):
            run.reporter.skipped(action, f"pip {pip_version} is already inside {bound}")
            return
        run.notes.append(f"pip {pip_version} was outside {bound}")
    completed = run.stream(action.argv)
    if not completed.ok:
        raise run.failed(action, completed, _tool(run))


def _reqs_pip(run: _Run, action: Action) -> None:
    names = wanted_names(run.plan.variant)
    files = find_reqs_files(run.site_packages(), "pip", names)
    if not files:
        run.reporter.skipped(action, "the installed wheels ship no reqs_pip files")
        run.notes.append("--with-reqs: the installed wheels ship no reqs_pip files")
        return
    for path in files:
        if not has_requirements(path):
            run.write_log(f"# {path}: no requirements in it, nothing to install")
            continue
        argv = pip_argv(
            run.python,
            ("-r", str(path)),
            reqs_find_links(run.plan),
            installer=run.prepared.installer,
            uv=run.prepared.uv,
            no_compile=_wants(run.prepared, "compile"),
        )
        completed = run.stream(argv)
        if not completed.ok:
            raise run.failed(action, completed, _tool(run))
        run.reqs_files.append(path)


def _reqs_deb(run: _Run, action: Action) -> None:
    names = wanted_names(run.plan.variant)
    files = find_reqs_files(run.site_packages(), "deb", names)
    if not files:
        run.reporter.skipped(action, "the installed wheels ship no reqs_deb files")
        return
    run.deb = check_deb_files(run.runner, files)
    run.write_log(f"# reqs_deb: {', '.join(run.deb.packages)}; missing: {run.deb.missing}")


def _compile(run: _Run, action: Action) -> None:
    """Byte-compile the site-packages: files that do not compile are only listed in the log."""
    completed = run.stream(action.argv)
    if not completed.ok:
        run.notes.append(
            "the installed packages could not be byte-compiled, so Python compiles each module "
            f"when it is first imported (see {run.log_path})"
        )


def _smoke(run: _Run, action: Action) -> None:
    del action
    prefix = run.prepared.prefix
    result = run_smoke(
        run.runner,
        run.python,
        run.plan.smoke,
        exports=run.plan.exports,
        site_packages=run.site_packages(),
        mode="full",
        cwd=str(prefix) if prefix.is_dir() else None,
    )
    run.smoke = result
    run.write_log(f"# smoke test ({result.seconds:.1f} s): {result.summary}")
    if not result.ok:
        flags = target_flags(run.prepared.target, prefix)
        raise InstallError(
            f"the packages were installed, but the smoke test failed: {result.summary}",
            hint=f"'aimetenv doctor {flags}' explains what is wrong, and install --force "
            f"reinstalls the AIMET packages in place; the install log is {run.log_path}.",
            code="smoke-failed",
            details=tuple(c.detail for c in result.checks if not c.ok),
        )


def _receipt(run: _Run, started: str) -> None:
    facts = run.facts or {}
    prepared = run.prepared
    plan = prepared.plan
    receipt = Receipt(
        tag=plan.tag,
        variant=plan.variant,
        source=plan.source,
        prefix=str(prepared.prefix),
        python=str(run.python),
        python_version=str(facts.get("version_text") or ""),
        target_kind=prepared.target.kind,
        site_packages=run.site_packages(),
        exports=plan.exports.to_dict(),
        smoke=plan.smoke.to_dict(),
        plan=plan.to_dict(),
        files=tuple(
            {k: f[k] for k in ("filename", "url", "sha256", "size", "path")} for f in run.files
        ),
        requirements=plan.requirements,
        installer=prepared.installer,
        aimetenv_version=__version__,
        started=started,
        finished=_utc_now(),
        extras={
            "with_reqs": _wants(prepared, "reqs-pip"),
            "pillow_simd": _wants_pillow_simd(prepared),
            "reqs_files": [str(p) for p in run.reqs_files],
            "apt_missing": [] if run.deb is None else list(run.deb.missing),
            "conda_name": prepared.target.name,
            "target_reason": prepared.target.reason,
            "log": str(run.log_path),
            "smoke_result": None if run.smoke is None else run.smoke.to_dict(),
        },
    )
    run.receipt_path = write_receipt(receipt, run.state)
    record_last_install(
        run.state, prefix=str(prepared.prefix), python=str(run.python), kind=prepared.target.kind
    )


def install(  # each input is one collaborator of the run
    prepared: Prepared,
    *,
    runner: Runner,
    fetcher: Fetcher,
    state: Path,
    reporter: Reporter | None = None,
    echo: bool = False,
    force: bool = False,
    early_smoke: StartedSmoke | None = None,
) -> InstallResult:
    """Carry out ``prepared.actions`` in order; the caller holds the environment's lock.

    Unless ``force``, an environment whose receipt names the same release, and that passes the
    quick smoke test, is left alone ("already installed"). ``early_smoke``: that test, started
    by ``start_quick_smoke`` while the install was prepared.
    """
    started_clock = time.monotonic()
    reporter = reporter or NullReporter()
    if not force:
        done = already_installed(prepared, runner, state, early_smoke)
        if done is not None:
            return done
    check_creatable(prepared)
    started = _utc_now()
    plan = prepared.plan
    wheels = {w.url: w for w in plan.wheels}
    paths = {a.url: a.path for a in prepared.actions if a.kind == "download" and a.url and a.path}
    with open_run_log(state, "install", mode="a") as (log_path, log):
        run = _Run(
            prepared=prepared,
            runner=runner,
            fetcher=fetcher,
            state=state,
            reporter=reporter,
            echo=echo,
            log_path=log_path,
            log=log,
            facts=None if prepared.recreate else prepared.target_facts,
            total=len(prepared.actions),
        )
        run.write_log(
            f"# aimetenv {__version__} install {plan.variant} {plan.tag} into "
            f"{prepared.target.label} ({prepared.target.reason}), started {started}"
        )
        for number, action in enumerate(prepared.actions, 1):
            run.number = number
            reporter.action(number, run.total, action)
            if action.kind == "create-env":
                _create_env(run, action)
            elif action.kind == "check-url":
                _check_url(run, action, paths)
            elif action.kind == "download":
                _download(run, action, wheels)
            elif action.kind == "pip":
                _pip(run, action)
            elif action.kind == "reqs-pip":
                _reqs_pip(run, action)
            elif action.kind == "reqs-deb":
                _reqs_deb(run, action)
            elif action.kind == "compile":
                _compile(run, action)
            elif action.kind == "smoke":
                _smoke(run, action)
            elif action.kind == "receipt":
                _receipt(run, started)
        run.write_log(f"# finished {_utc_now()}")
    prefix = prepared.prefix
    assert run.smoke is not None  # noqa: S101  # install_actions always ends with the smoke test
    return InstallResult(
        outcome="installed",
        plan=plan,
        target=prepared.target,
        prefix=prefix,
        python=prepared.target.python,
        smoke=run.smoke,
        next_step=next_step(plan, prepared.target, prefix),
        files=tuple(run.files),
        receipt_path=run.receipt_path,
        log_path=log_path,
        reqs_files=tuple(run.reqs_files),
        deb=run.deb,
        notes=tuple(run.notes),
        seconds=time.monotonic() - started_clock,
    )


__all__ = [
    "CREATE_TIMEOUT",
    "Fetcher",
    "InstallResult",
    "NextStep",
    "NullReporter",
    "Reporter",
    "already_installed",
    "check_creatable",
    "find_receipt",
    "install",
    "lock_key",
    "next_step",
    "start_quick_smoke",
    "target_flags",
]
