"""One install from checked options to its result: prepare, lock, start the early smoke test, run.

``cli/install.py`` parses the command line and renders; what lies between is here. The
environment's lock (``locks.env_lock``) is taken as soon as ``prepare`` knows the target, before
the target is probed, so a second install never looks at a half-made environment. Right after,
the smoke test of an existing environment starts (``repeat.start_early_smoke``), so that
it runs while the plan is made; its result decides a no-op. ``--dry-run`` prepares without
either (``prepare_install``).
"""

from __future__ import annotations

import contextlib
import shutil
from typing import TYPE_CHECKING

from aimetenv.catalog.lookup import find_release
from aimetenv.install.execute import install, lock_key
from aimetenv.install.locks import env_lock
from aimetenv.install.prepare import prepare
from aimetenv.install.receipt import receipt_path_in_env
from aimetenv.install.repeat import start_early_smoke

if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path

    from aimetenv.catalog.model import Catalog
    from aimetenv.envs.targets import EnvTarget
    from aimetenv.fetch.download import Downloader
    from aimetenv.fetch.progress import ProgressFactory
    from aimetenv.install.activity import Watcher
    from aimetenv.install.offline import WheelhouseFetcher
    from aimetenv.install.options import InstallOptions
    from aimetenv.install.plan import PlannedWheel
    from aimetenv.install.prepare import Prepared
    from aimetenv.install.result import InstallResult
    from aimetenv.install.smoke import StartedSmoke
    from aimetenv.install.steps import Reporter
    from aimetenv.runner import Runner


def prepare_install(  # the places an install uses, each injected for testing
    catalog: Catalog,
    options: InstallOptions,
    runner: Runner,
    *,
    cache: Path,
    venvs: Path,
    on_target: Callable[[EnvTarget], None] | None = None,
) -> Prepared:
    """``prepare`` with this machine's places: wheels in ``--wheel-dir`` or the download cache.

    ``cache``: the download cache (``<cache>/<tag>/<file>``); ``venvs``: where new named venvs go.
    """
    release_tag = find_release(catalog, options.tag, options.variant).tag
    folder = options.wheel_dir

    def wheel_path(wheel: PlannedWheel) -> Path:
        if folder is not None:
            return folder / wheel.filename
        return cache / release_tag / wheel.filename

    return prepare(
        catalog,
        options,
        runner,
        venvs_dir=venvs,
        wheel_path=wheel_path,
        receipt_path=receipt_path_in_env,
        uv=shutil.which("uv") if options.installer == "uv" else None,
        on_target=on_target,
    )


def install_locked(  # the collaborators of one install
    catalog: Catalog,
    options: InstallOptions,
    runner: Runner,
    *,
    state: Path,
    cache: Path,
    venvs: Path,
    confirm: Callable[[Prepared], None] = lambda _p: None,
    progress: ProgressFactory | None = None,
    reporter: Reporter | None = None,
    echo: bool = False,
    watcher: Watcher | None = None,
) -> InstallResult:
    """Prepare under the environment's lock, then carry the actions out; the lock is let go after.

    ``confirm`` is called once everything is decided and before anything is fetched or changed:
    the command line announces the target there and asks before a ``--recreate``.
    ``watcher`` hears the log's path, each step's activity and each download retry.
    """
    with contextlib.ExitStack() as held:
        early: list[StartedSmoke | None] = [None]

        def hold(target: EnvTarget) -> None:
            held.enter_context(env_lock(lock_key(target), state, label=target.label))
            if not options.force:
                early[0] = start_early_smoke(target, runner, state)

        prepared = prepare_install(
            catalog, options, runner, cache=cache, venvs=venvs, on_target=hold
        )
        confirm(prepared)
        return install(
            prepared,
            runner=runner,
            fetcher=_fetcher(prepared, options, cache=cache, progress=progress, watcher=watcher),
            state=state,
            reporter=reporter,
            echo=echo,
            force=options.force,
            keep_failed=options.keep_failed,
            offline=options.offline or options.wheel_dir is not None,
            wheelhouse=options.wheel_dir is not None,
            early_smoke=early[0],
            watcher=watcher,
        )


def _fetcher(
    prepared: Prepared,
    options: InstallOptions,
    *,
    cache: Path,
    progress: ProgressFactory | None,
    watcher: Watcher | None,
) -> WheelhouseFetcher | Downloader:
    """The wheelhouse of ``--wheel-dir`` (its manifest is checked first), or the downloader."""
    if options.wheel_dir is not None:
        from aimetenv.install.offline import WheelhouseFetcher  # noqa: PLC0415  # --wheel-dir only

        return WheelhouseFetcher.open(options.wheel_dir, prepared.plan)
    from aimetenv.fetch.download import Downloader  # noqa: PLC0415  # not for a wheelhouse

    return Downloader(
        cache_root=cache,
        allow_http=options.allow_http,
        offline=options.offline,
        progress=progress,
        on_retry=None if watcher is None else watcher.retrying,
    )


__all__ = ["install_locked", "prepare_install"]
