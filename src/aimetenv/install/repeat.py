"""A repeated install: the receipt of the same release and a passing smoke test make it a no-op.

The smoke test imports the AIMET packages for real (``full`` mode) and loads libpymo, so
"already installed" is said only of an env where AIMET imports now. An env whose receipt names
the same release but whose test fails is broken, not installed: the install stops there, says
what failed and what repairs it, and changes nothing.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from aimetenv.install.plan import ExportSpec, SmokeSpec
from aimetenv.install.receipt import (
    Receipt,
    read_receipt,
    receipt_path_in_env,
    receipt_path_in_state,
)
from aimetenv.install.smoke import StartedSmoke, build_smoke, repair_hint, run_call

if TYPE_CHECKING:
    from pathlib import Path

    from aimetenv.envs.targets import EnvTarget
    from aimetenv.install.prepare import Prepared
    from aimetenv.runner import Runner


from aimetenv.errors import InstallError
from aimetenv.install.result import InstallResult, next_step, target_flags
from aimetenv.install.steps import wants, wants_pillow_simd


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
    reqs_done = not wants(prepared, "reqs-pip") or bool(receipt.extras.get("with_reqs"))
    simd_done = not wants_pillow_simd(prepared) or bool(receipt.extras.get("pillow_simd"))
    return found if same and reqs_done and simd_done else None


def start_early_smoke(target: EnvTarget, runner: Runner, state: Path) -> StartedSmoke | None:
    """Start the smoke test of an existing environment that has a receipt, on a thread.

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
        mode="full",
        cwd=str(prefix) if prefix.is_dir() else None,
    )
    return StartedSmoke(runner, call)


def already_installed(
    prepared: Prepared, runner: Runner, state: Path, early: StartedSmoke | None = None
) -> InstallResult | None:
    """The result of a no-op when the same release is installed and passes the smoke test.

    Same tag and variant in the receipt, the same optional steps asked for, and the AIMET
    packages still importing (libpymo loading natively): nothing is downloaded and pip is not
    run. None when the receipt does not match. When it matches but the test fails, an
    ``InstallError`` (``installed-but-broken``) says what failed and what repairs it.
    ``early``: the same test started earlier (``start_early_smoke``), used if it matches.
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
    sites = prepared.target_facts.site_packages or receipt.site_packages
    call = build_smoke(
        target.python,
        plan.smoke,
        exports=ExportSpec.from_dict(receipt.exports),
        site_packages=sites,
        mode="full",
        cwd=str(prefix) if prefix.is_dir() else None,
    )
    smoke = None if early is None else early.result_for(call)
    if smoke is None:
        smoke = run_call(runner, call)
    if not smoke.ok:
        flags = target_flags(target, prefix)
        raise InstallError(
            f"{target.label} has AIMET {plan.tag} {plan.variant} installed (receipt {path}), but "
            f"it does not work: {smoke.summary}; nothing was changed",
            hint=repair_hint(smoke, flags),
            code="installed-but-broken",
        )
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
