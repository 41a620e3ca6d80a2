"""Preflight: what install's checks before any change add to ``--dry-run`` and to the no-op.

Three checks run before an install changes anything: the system check (``install/syscheck.py``:
dpkg-query about ``liblapacke`` for a 1.x release whose libpymo is native), the free-space check
(``install/space.py``) and the host preflight (``install/preflight.py``: a connection to every
host the plan names). Where each runs, in the code as it is:

- the system check runs while the install is prepared, so ``--dry-run`` and a repeated install
  (the no-op) both run it, for a 1.x release; ``--skip-system-check`` leaves it out;
- the free-space check and the host preflight run only when the install goes on to change
  something: after the no-op's "already installed", and never for ``--dry-run``.

All of it is measured on the 1.16.2.py37 torch-cpu stand-in (the only release here whose plan
has a system check), with every host on loopback: the release host (``--mirror``) and the
PyTorch find-links page (``--torch-find-links``) are a ``ReleaseHost``, so the host preflight
really connects.

- dry-run: ``aimetenv install ... --venv NEW --dry-run`` against the same with
  ``--skip-system-check``, interleaved;
- no-op: the command that made the kept stand-in env, repeated (``already installed``), against
  the same with ``--skip-system-check``;
- hosts and space: neither command runs these two, so what they would add is measured directly:
  the checks as ``install`` calls them (``check_room``, then ``check_hosts`` of
  ``hosts_to_check``) on the dry-run's prepared plan, in this process, each round beside a
  dry-run, and added to that dry-run's time. The goal is the same 5%.
"""

from __future__ import annotations

import dataclasses
import statistics
import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING

from harness import Samples, at_most, interleaved, run_quiet

from envs import LEGACY_SKIP, legacy_env
from goals.startup import script
from support.envs import isolated_env
from support.legacy import TAG, VARIANT
from support.releasehost import ReleaseHost

if TYPE_CHECKING:
    from collections.abc import Callable

    from harness import Result

    from aimetenv.install.prepare import Prepared

GOAL = 1.05


def install_argv(mirror: str, links: str, prefix: Path, *extra: str) -> list[str]:
    """``aimetenv install`` of the stand-in release from loopback hosts into ``prefix``."""
    return [
        script(), "install", "--variant", VARIANT, "--tag", TAG, "--mirror", mirror,
        "--venv", str(prefix), "--torch-find-links", links, *extra,
    ]  # fmt: skip


def prepared_plan(mirror: str, links: str, prefix: Path, cache: Path) -> Prepared:
    """What ``install --dry-run`` prepares for ``install_argv``, in this process."""
    from aimetenv.catalog.cache import packaged_catalog  # noqa: PLC0415  # aimetenv on demand
    from aimetenv.install.options import InstallOptions  # noqa: PLC0415  # aimetenv on demand
    from aimetenv.install.session import prepare_install  # noqa: PLC0415  # aimetenv on demand
    from aimetenv.runner import SubprocessRunner  # noqa: PLC0415  # aimetenv on demand

    options = InstallOptions.from_values(
        {
            "variant": VARIANT,
            "tag": TAG,
            "mirror": mirror,
            "torch_find_links": links,
            "venv": str(prefix),
        }
    )
    # the packaged catalog, as the dry-run's child sees it (its data folder has no overlay);
    # not this process's user overlay, which another aimetenv may be rewriting meanwhile
    return prepare_install(
        packaged_catalog(), options, SubprocessRunner(), cache=cache, venvs=cache / "venvs"
    )


def hosts_and_space(prepared: Prepared) -> int:
    """The free-space check and the host preflight as ``install`` runs them; the hosts tried."""
    from aimetenv.install.execute import check_room  # noqa: PLC0415  # aimetenv on demand
    from aimetenv.install.preflight import check_hosts, hosts_to_check  # noqa: PLC0415  # aimetenv on demand

    check_room(prepared)
    hosts = hosts_to_check(prepared.actions, offline=False)
    check_hosts(hosts)
    return len(hosts)


def run(cache: Path, repeat: int, env: dict[str, str], say: Callable[[str], None]) -> list[Result]:
    """The three overhead goals."""
    setup = legacy_env(cache, say)
    child = isolated_env(
        setup.base,
        redirect=("DATA", "CACHE", "STATE", "CONFIG"),
        drop=("PYTHONDONTWRITEBYTECODE",),
        extra={k: v for k, v in env.items() if k == "PATH"},
    )
    results: list[Result] = []
    with (
        tempfile.TemporaryDirectory(prefix="aimetenv-bench-preflight-") as temp,
        ReleaseHost(setup.base / "host") as host,
    ):
        host.publish_files(TAG, sorted(setup.wheels.glob("*.whl")))
        _simple, links = host.serve_index(setup.base / "release")
        new = Path(temp) / "new"
        dry = install_argv(host.base, links, new, "--dry-run")
        note = run_quiet(dry, child).stdout
        if "system check" not in note:
            msg = f"the stand-in's dry-run has no system check:\n{note[-2000:]}"
            raise RuntimeError(msg)

        def against_skipped(argv: list[str], name: str, subject: str, baseline: str) -> Result:
            """``argv`` against the same with ``--skip-system-check``, in interleaved rounds."""
            samples = interleaved(
                lambda: run_quiet(argv, child),
                lambda: run_quiet([*argv, *LEGACY_SKIP], child),
                repeat,
                warmup=1,
            )
            return at_most(name, subject, baseline, samples, GOAL)

        results.append(
            against_skipped(
                dry,
                "preflight dry-run",
                "install --dry-run (system check)",
                "install --dry-run --skip-system-check",
            )
        )
        again = install_argv(host.base, links, setup.prefix)
        first = run_quiet(again, child)
        if "already installed" not in first.stderr:
            msg = f"the kept stand-in env was not already installed:\n{first.stderr[-2000:]}"
            raise RuntimeError(msg)
        results.append(
            against_skipped(
                again,
                "preflight no-op",
                "install, already installed (system check)",
                "the same with --skip-system-check",
            )
        )
        results.append(
            _hosts_and_space(host.base, links, Path(temp), child=child, repeat=repeat, say=say)
        )
    return results


def _hosts_and_space(
    mirror: str, links: str, temp: Path, *, child: dict[str, str], repeat: int,
    say: Callable[[str], None],
) -> Result:  # fmt: skip
    """A dry-run's time, and the same plus the two checks ``--dry-run`` does not run."""
    prepared = prepared_plan(mirror, links, temp / "new", temp / "cache")
    say(f"hosts and space: {hosts_and_space(prepared)} host(s) tried per round")
    dry = install_argv(mirror, links, temp / "new", "--dry-run")
    dry_runs: list[float] = []
    checks: list[float] = []
    for number in range(repeat + 1):
        start = time.perf_counter()
        run_quiet(dry, child)
        took = time.perf_counter() - start
        start = time.perf_counter()
        hosts_and_space(prepared)
        checked = time.perf_counter() - start
        if number:  # the first round is a warm-up
            dry_runs.append(took)
            checks.append(checked)
    samples = Samples(
        subject=tuple(d + c for d, c in zip(dry_runs, checks, strict=True)),
        baseline=tuple(dry_runs),
    )
    result = at_most(
        "preflight hosts+space",
        "install --dry-run + check_room + check_hosts (in process)",
        "install --dry-run",
        samples,
        GOAL,
    )
    alone = statistics.median(checks) * 1000
    return dataclasses.replace(result, notes=(f"the two checks alone: {alone:.1f} ms (median)",))


__all__ = ["GOAL", "hosts_and_space", "install_argv", "prepared_plan", "run"]
