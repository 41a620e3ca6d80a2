"""Carrying out a prepared install: exactly the actions ``install --dry-run`` prints, in order.

``prepare.prepare()`` decides everything (target, interpreter, plan, commands); ``install()`` runs
those actions: create the environment, ask the release host about each file and fetch it, bring pip
inside the plan's bound when it is not, run each pip call (output into a log file, echoed live on
request), the optional requirement-file and Pillow-SIMD steps, the import smoke test, and finally
the receipt. ``session.install_locked`` holds the environment's lock for the whole time.

Nothing here prints: progress goes to a ``Reporter`` the CLI renders, failures are
``AimetenvError``s with pip's last lines as details and the log's path in the hint.
"""

from __future__ import annotations

import os
import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING

from aimetenv import __version__
from aimetenv.errors import AimetenvError, FileError
from aimetenv.fsutil import open_run_log
from aimetenv.install.activity import WatchedRunner
from aimetenv.install.cleanup import InstallInterrupted, before_install, clean_up
from aimetenv.install.preflight import check_hosts, hosts_to_check
from aimetenv.install.repeat import already_installed
from aimetenv.install.reqsfiles import running_as_root
from aimetenv.install.result import InstallResult, next_step
from aimetenv.install.space import check_space, plan_needs
from aimetenv.install.steps import (
    Fetcher,
    NullReporter,
    Reporter,
    Run,
    run_action,
    utc_now,
    wants,
)
from aimetenv.install.syscheck import refuse_missing

if TYPE_CHECKING:
    from aimetenv.envs.targets import EnvTarget
    from aimetenv.install.activity import Watcher
    from aimetenv.install.prepare import Prepared
    from aimetenv.install.smoke import StartedSmoke
    from aimetenv.runner import Runner


def lock_key(target: EnvTarget) -> Path:
    """What the install lock is keyed on: the prefix, or the interpreter of ``--python``."""
    return target.prefix if target.prefix is not None else target.python


def check_creatable(prepared: Prepared) -> None:
    """Refuse, before anything is downloaded, an environment that cannot be created where asked.

    The nearest existing folder above the new prefix must be a folder aimetenv can create
    things in; that is tried for real (a temporary folder, removed at once), because root passes
    every permission check and still cannot write under ``/proc`` or on a read-only mount.
    """
    prefix = prepared.target.prefix
    if prefix is None or prefix.exists() or not wants(prepared, "create-env"):
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


def check_room(prepared: Prepared) -> None:
    """Refuse, before any download, a cache or environment filesystem without room (``space``)."""
    paths = {a.url: a.path for a in prepared.actions if a.kind == "download" and a.url and a.path}
    if not prepared.sizes:
        return
    # A file with no download action is pip's to fetch (a PyPI plan): only the env needs room.
    cache = Path(next(iter(paths.values()))).parent if paths else prepared.prefix
    needs, unknown = plan_needs(
        prepared.plan,
        prepared.sizes,
        cached=lambda url: url not in paths or Path(paths[url]).is_file(),
        cache=cache,
        prefix=prepared.prefix,
    )
    check_space(needs, unknown=unknown)


def install(  # each input is one collaborator of the run
    prepared: Prepared,
    *,
    runner: Runner,
    fetcher: Fetcher,
    state: Path,
    reporter: Reporter | None = None,
    echo: bool = False,
    force: bool = False,
    keep_failed: bool = False,
    offline: bool = False,
    wheelhouse: bool = False,
    early_smoke: StartedSmoke | None = None,
    watcher: Watcher | None = None,
) -> InstallResult:
    """Carry out ``prepared.actions`` in order; the caller holds the environment's lock.

    Unless ``force``, an environment whose receipt names the same release, and that passes the
    smoke test, is left alone ("already installed"); one that fails it is refused.
    ``early_smoke``: that test, started by ``start_early_smoke`` while the install was prepared.

    Before the first action, the Debian packages the release's native library needs must be
    installed (``syscheck``; ``prepare`` asked dpkg-query), and every host the actions will
    contact must accept a connection (``preflight``; ``offline``: no release-host file is
    fetched; ``wheelhouse``: the install reads one, so the refusal does not offer one).
    When an action fails or Ctrl-C arrives, an environment this install created is
    removed (kept with ``keep_failed``) and the error says so; for an environment that existed, the
    error names the packages that changed (``cleanup``).

    ``watcher``: hears the log's path as soon as it is opened, and what each streamed child
    (pip, uv, compile) is doing while it runs (``activity``).
    """
    started_clock = time.monotonic()
    reporter = reporter or NullReporter()
    if not force:
        done = already_installed(prepared, runner, state, early_smoke)
        if done is not None:
            return done
    refuse_missing(prepared.system, root=running_as_root())
    check_creatable(prepared)
    check_room(prepared)
    check_hosts(hosts_to_check(prepared.actions, offline=offline, wheelhouse=wheelhouse))
    started = utc_now()
    plan = prepared.plan
    wheels = {w.url: w for w in plan.wheels}
    paths = {a.url: a.path for a in prepared.actions if a.kind == "download" and a.url and a.path}
    before = before_install(prepared)
    with open_run_log(state, "install", mode="a") as (log_path, log):
        if watcher is not None:
            watcher.log_opened(log_path)
        run = Run(
            prepared=prepared,
            runner=runner if watcher is None else WatchedRunner(runner, watcher),
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
        try:
            for number, action in enumerate(prepared.actions, 1):
                run.number = number
                reporter.action(number, run.total, action)
                run_action(run, action, paths, wheels, started)
        except AimetenvError as error:
            note = clean_up(before, run.site_packages(), keep=keep_failed)
            if note is not None:
                run.write_log(f"# failed: {error.message}; {note}")
                error.message = f"{error.message}; {note}"
                error.args = (error.message,)
            raise
        except KeyboardInterrupt:
            note = clean_up(before, run.site_packages(), keep=keep_failed)
            run.write_log(f"# interrupted; {note or 'nothing was created'}")
            if note is None:
                raise
            raise InstallInterrupted(note) from None
        run.write_log(f"# finished {utc_now()}")
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


__all__ = ["check_creatable", "install", "lock_key"]
