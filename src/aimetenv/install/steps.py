"""The steps of an install, one function for each kind of action ``install --dry-run`` prints."""

from __future__ import annotations

import shlex
from dataclasses import dataclass, field, replace
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.version import InvalidVersion, Version

from aimetenv import __version__
from aimetenv.catalog.names import wheel_problem
from aimetenv.envs.probe import probe_facts
from aimetenv.errors import AimetenvError, InstallError, IntegrityError, NetworkError
from aimetenv.fetch.http import TIMEOUT_VARIABLE, chosen_timeout
from aimetenv.fetch.urls import redact
from aimetenv.install.actions import installer_env, pip_argv, reqs_find_links
from aimetenv.install.activity import progress_env, without_progress
from aimetenv.install.pipfail import explain
from aimetenv.install.preflight import hosts_to_check
from aimetenv.install.receipt import (
    Receipt,
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
from aimetenv.install.smoke import SmokeResult, repair_hint, run_smoke
from aimetenv.runner import TAIL_LINES, Command

if TYPE_CHECKING:
    from typing import IO

    from aimetenv.envs.facts import TargetFacts
    from aimetenv.fetch.download import Fetched
    from aimetenv.install.actions import Action
    from aimetenv.install.plan import InstallPlan, PlannedWheel
    from aimetenv.install.prepare import Prepared
    from aimetenv.runner import Completed, Runner


from aimetenv.install.result import target_flags

CREATE_TIMEOUT = 1800.0
"""conda may solve for a long time; a venv takes seconds."""


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


def utc_now() -> str:
    """Now, in UTC, to the second, as ISO 8601."""
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def _pip_inside(version: str | None, bound: str) -> bool:
    if version is None:
        return False
    try:
        return SpecifierSet(bound).contains(Version(version), prereleases=True)
    except (InvalidSpecifier, InvalidVersion):
        return False


def wants(prepared: Prepared, kind: str) -> bool:
    """Whether the prepared install has an action of ``kind``."""
    return any(a.kind == kind for a in prepared.actions)


def wants_pillow_simd(prepared: Prepared) -> bool:
    """Whether the prepared install swaps Pillow for Pillow-SIMD."""
    return any(a.kind == "pip" and "pillow-simd" in a.argv for a in prepared.actions)


@dataclass
class Run:
    """The state of one install while it runs (the result is frozen)."""

    prepared: Prepared
    runner: Runner
    fetcher: Fetcher
    state: Path
    reporter: Reporter
    echo: bool
    log_path: Path
    log: IO[str]
    facts: TargetFacts | None
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
        """The plan being carried out."""
        return self.prepared.plan

    @property
    def python(self) -> Path:
        """The target interpreter."""
        return self.prepared.target.python

    def site_packages(self) -> tuple[str, ...]:
        """The target's site-packages folders, as last probed."""
        return () if self.facts is None else self.facts.site_packages

    def write_log(self, text: str) -> None:
        """Append a line to the install log."""
        self.log.write(text.rstrip("\n") + "\n")
        self.log.flush()

    def stream(self, argv: tuple[str, ...], *, timeout: float | None = None) -> Completed:
        """Run a child with its output going to the log (and echoed on request)."""
        self.write_log(f"\n$ {redact(' '.join(shlex.quote(a) for a in argv))}")
        echo = self.reporter.output if self.echo else None
        env = installer_env(argv, chosen_timeout())
        for name, value in env.items():
            self.write_log(f"# {name}={value} (from {TIMEOUT_VARIABLE})")
        if echo is None:  # with -v, pip's own lines go to the screen: no progress lines there
            progress = progress_env(argv)
            for name, value in progress.items():
                self.write_log(f"# {name}={value} (this pip prints its download progress as lines)")
            env = {**env, **progress}
        completed = self.runner.stream(Command(argv=argv, timeout=timeout, env=env), self.log, echo)
        self.write_log(f"# exit status {completed.returncode} after {completed.seconds:.1f} s")
        return completed

    def failed(
        self,
        action: Action,
        completed: Completed,
        tool: str,
        argv: tuple[str, ...] | None = None,
    ) -> AimetenvError:
        """The error for a step whose child failed, with its last lines and the log.

        A pip or uv step whose output shows a network error or a resolution conflict gets that
        error instead (``pipfail``), with the log as its one detail.
        """
        step = f"step {self.number}/{self.total} failed: {action.description}"

        def last_lines(count: int) -> str:  # pip's progress lines are no help there
            return "\n".join(without_progress(completed.tail(TAIL_LINES)).splitlines()[-count:])

        if tool in ("pip", "uv") and not completed.timed_out:
            ran = replace(action, argv=argv if argv is not None else action.argv)
            hosts = hosts_to_check([ran], offline=True)
            explained = explain(last_lines(80), hosts, tool=tool)
            if explained is not None:
                explained.message = f"{step}: {explained.message}"
                explained.args = (explained.message,)
                explained.hint = f"{explained.hint} The full output is in {self.log_path}."
                explained.details = (f"log: {self.log_path}",)
                self.write_log(f"# {explained.code}: {explained.message}")
                return explained
        reason = "timed out" if completed.timed_out else f"exit status {completed.returncode}"
        tail = tuple(last_lines(15).splitlines())
        return InstallError(
            f"{step} ({tool} {reason})",
            hint=f"The full output is in {self.log_path}.",
            code="step-failed",
            details=(*tail, f"log: {self.log_path}"),
        )


def _create_env(run: Run, action: Action) -> None:
    """Create the environment; ``cleanup`` removes it again when this or a later step fails."""
    completed = run.stream(action.argv, timeout=CREATE_TIMEOUT)
    if completed.ok:
        run.facts = probe_facts(run.runner, run.python)
    if not completed.ok or run.facts is None:
        raise run.failed(action, completed, run.prepared.target.env.creator)
    have = ".".join(str(v) for v in run.facts.version[:2])
    if have != run.plan.python_for_new_env:
        raise InstallError(
            f"the new environment has Python {have}, not {run.plan.python_for_new_env}",
            hint="Check the interpreter given with --interpreter, or conda's channels.",
            code="wrong-python-created",
        )


def _check_url(
    run: Run, action: Action, paths: dict[str, str], wheels: dict[str, PlannedWheel]
) -> None:
    url = action.url or ""
    cached = paths.get(url)
    if cached is not None and Path(cached).is_file():
        run.reporter.skipped(action, "already downloaded")
        return
    if not run.fetcher.exists(url):
        filename = url.rsplit("/", 1)[-1]
        wheel = wheels.get(url)
        confidence = run.plan.confidence if wheel is None else wheel.confidence
        raise NetworkError(
            f"the release host has no {filename} ({url})",
            hint=f"The catalog's name for this file is {confidence}; check "
            f"'aimetenv releases {run.plan.tag}', or the layout <mirror>/<tag>/<file> of --mirror.",
            code="asset-missing",
        )


def _readable(run: Run, wheel: PlannedWheel, fetched: Fetched) -> Fetched:
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


def _download(run: Run, action: Action, wheels: dict[str, PlannedWheel]) -> None:
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


def _tool(run: Run) -> str:
    return "uv" if run.prepared.installer == "uv" else "pip"


def _pip(run: Run, action: Action) -> None:
    pip_version = None if run.facts is None else run.facts.pip_version
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


def _reqs_pip(run: Run, action: Action) -> None:
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
            no_compile=wants(run.prepared, "compile"),
            timeout=chosen_timeout(),
        )
        completed = run.stream(argv)
        if not completed.ok:
            raise run.failed(action, completed, _tool(run), argv)
        run.reqs_files.append(path)


def _reqs_deb(run: Run, action: Action) -> None:
    names = wanted_names(run.plan.variant)
    files = find_reqs_files(run.site_packages(), "deb", names)
    if not files:
        run.reporter.skipped(action, "the installed wheels ship no reqs_deb files")
        return
    run.deb = check_deb_files(run.runner, files)
    run.write_log(f"# reqs_deb: {', '.join(run.deb.packages)}; missing: {run.deb.missing}")


def _compile(run: Run, action: Action) -> None:
    """Byte-compile the site-packages: files that do not compile are only listed in the log."""
    completed = run.stream(action.argv)
    if not completed.ok:
        run.notes.append(
            "the installed packages could not be byte-compiled, so Python compiles each module "
            f"when it is first imported (see {run.log_path})"
        )


def _smoke(run: Run, action: Action) -> None:
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
            hint=f"{repair_hint(result, flags)} The install log is {run.log_path}.",
            code="smoke-failed",
            details=tuple(c.detail for c in result.checks if not c.ok),
        )


def _receipt(run: Run, started: str) -> None:
    prepared = run.prepared
    plan = prepared.plan
    receipt = Receipt(
        tag=plan.tag,
        variant=plan.variant,
        source=plan.source,
        prefix=str(prepared.prefix),
        python=str(run.python),
        python_version=str((run.facts and run.facts.version_text) or ""),
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
        finished=utc_now(),
        extras={
            "with_reqs": wants(prepared, "reqs-pip"),
            "pillow_simd": wants_pillow_simd(prepared),
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


def run_action(
    run: Run,
    action: Action,
    paths: dict[str, str],
    wheels: dict[str, PlannedWheel],
    started: str,
) -> None:
    """Carry out one action of the prepared install."""
    if action.kind == "create-env":
        _create_env(run, action)
    elif action.kind == "check-url":
        _check_url(run, action, paths, wheels)
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
