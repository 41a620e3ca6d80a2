"""Everything install decides before it changes anything: target, interpreter, plan, commands.

``install --dry-run`` prints the result; ``install`` carries it out. Every refusal here happens
before a download or an environment change, with a one-line reason (exit code 2).
"""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING

from aimetenv.catalog.lookup import find_release, find_variant
from aimetenv.catalog.names import parse_wheel_name
from aimetenv.envs.conda import conda_info
from aimetenv.envs.facts import TargetFacts, parse_xy_tuple
from aimetenv.envs.interpreters import interpreter_candidates, safe_listdir
from aimetenv.envs.kinds import BundledWheels, bundled_wheels
from aimetenv.envs.probe import probe_facts
from aimetenv.envs.targets import (
    CondaInfo,
    EnvTarget,
    check_path_argument,
    choose_install_target,
    find_conda,
)
from aimetenv.errors import UsageError
from aimetenv.fetch.http import chosen_timeout
from aimetenv.install.actions import Action, Installer, install_actions
from aimetenv.install.reqsfiles import running_as_root
from aimetenv.install.resolver import PythonMismatchError, Target, resolve
from aimetenv.install.space import known_sizes
from aimetenv.install.syscheck import SystemCheck, check_system

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

    from aimetenv.catalog.model import Catalog
    from aimetenv.install.options import InstallOptions
    from aimetenv.install.plan import InstallPlan, PlannedWheel
    from aimetenv.runner import Runner


@dataclass(frozen=True)
class Prepared:
    """The decisions: where, with which interpreter, which plan, which commands."""

    plan: InstallPlan
    target: EnvTarget
    base_interpreter: Path | None
    base_interpreter_origin: str | None
    target_facts: TargetFacts | None
    """The probe of the existing target (None for a new or recreated environment)."""
    actions: tuple[Action, ...]
    recreate: bool
    installer: Installer = "pip"
    uv: str | None = None
    system: SystemCheck | None = None
    """The Debian packages the release's native library needs, as dpkg-query found them."""
    sizes: Mapping[str, int] = field(default_factory=dict)
    """The catalog's size of each planned file that has one, by URL (PyPI files)."""

    @property
    def prefix(self) -> Path:
        """The environment's prefix: the target's, or the probed ``sys.prefix`` of ``--python``."""
        return _prefix_of(self.target, self.target_facts)


def _prefix_of(target: EnvTarget, probed: TargetFacts | None) -> Path:
    if target.prefix is not None:
        return target.prefix
    prefix = None if probed is None else probed.prefix
    return Path(prefix) if prefix else target.python.parent


def _confirm_interpreter(
    runner: Runner, xy: str, candidates: list[tuple[Path, str]]
) -> tuple[Path, str, TargetFacts] | None:
    for path, origin in candidates:
        if not path.exists():
            continue
        try:
            facts = probe_facts(runner, path)
        except UsageError:
            continue
        if len(facts.version) >= 2 and facts.python_xy == xy:  # noqa: PLR2004  # X.Y: two parts
            # The interpreter's own path, not a launcher: a pyenv shim picks its Python from the
            # working directory and $PYENV_VERSION, so it may not be the one just probed.
            executable = facts.executable
            real = Path(executable) if isinstance(executable, str) and executable else path
            return (real if real.exists() else path), origin, facts
    return None


def find_base_interpreter(
    runner: Runner,
    xy: str,
    *,
    explicit: str | None,
    environ: Mapping[str, str],
    which: Callable[[str], str | None] = shutil.which,
) -> tuple[Path, str, TargetFacts]:
    """A real Python ``xy`` to build a venv from, confirmed by running it; exit 2 when none."""
    if explicit is not None:
        path = check_path_argument(explicit, "--interpreter")
        found = _confirm_interpreter(runner, xy, [(path, "--interpreter")])
        if found is None:
            raise UsageError(
                f"--interpreter {explicit[:60]} is not a working Python {xy}",
                hint=f"Pass the path of a Python {xy} executable.",
                code="interpreter-mismatch",
            )
        return found
    candidates = interpreter_candidates(xy, environ=environ, which=which, listdir=safe_listdir)
    found = _confirm_interpreter(runner, xy, candidates)
    if found is None:
        raise UsageError(
            f"no Python {xy} interpreter found (looked for python{xy} on PATH and in "
            f"$PYENV_ROOT/versions/{xy}.*)",
            hint=f"Install one ('pyenv install {xy}'), pass --interpreter PATH, or use conda.",
            code="no-interpreter",
        )
    return found


def _default_name(catalog: Catalog, options: InstallOptions) -> str:
    release = find_release(catalog, options.tag, options.variant)
    variant = find_variant(catalog, release, options.variant)
    return f"aimet-{variant.id}-{release.tag}"


def prepare(  # the inputs of one decision, each injected for testing
    catalog: Catalog,
    options: InstallOptions,
    runner: Runner,
    *,
    environ: Mapping[str, str] | None = None,
    venvs_dir: Path,
    wheel_path: Callable[[PlannedWheel], Path],
    receipt_path: Callable[[Path], Path | None] = lambda _p: None,
    uv: str | None = None,
    on_target: Callable[[EnvTarget], None] | None = None,
) -> Prepared:
    """Decide everything for an install; refuse early with a one-line reason.

    ``receipt_path`` maps the environment's prefix to where its receipt will be written.
    ``on_target`` is called as soon as the target is known, before it is probed:
    ``session.install_locked`` takes the environment's lock there, so a second install never
    looks at a half-made env.
    """
    env = dict(os.environ if environ is None else environ)
    default_name = _default_name(catalog, options)
    tool = find_conda(env, shutil.which)
    cached: list[CondaInfo | None] = []

    def info() -> CondaInfo | None:
        if not cached:
            cached.append(None if tool is None else conda_info(runner, tool))
        return cached[0]

    target = choose_install_target(
        options.target,
        environ=env,
        conda=tool,
        conda_info=info,
        default_name=default_name,
        venvs_dir=venvs_dir,
        exists=lambda p: p.exists(),
    )
    if on_target is not None:
        on_target(target)
    _check_target(target)
    recreate = options.recreate and target.exists and target.env.own_environment
    if recreate:
        target.env.check_recreate()
    probed: TargetFacts | None = None
    if target.exists and not recreate:
        probed = probe_facts(runner, target.python)
        plan = _resolve_existing(catalog, options, probed, target)
        base: tuple[Path, str, TargetFacts] | None = None
    else:
        first = resolve(
            catalog,
            options.variant,
            options.tag,
            Target(python=options.python_version, glibc=options.glibc),
            options.sources,
        )
        xy = (
            first.python_for_new_env
            if options.python_version is None
            else (f"{options.python_version[0]}.{options.python_version[1]}")
        )
        if options.python_version is None and first.python_specifier is None:
            xy = first.target.python_xy
        if target.env.needs_base_interpreter:
            base = find_base_interpreter(runner, xy, explicit=options.interpreter, environ=env)
            machine = Target(facts=base[2], glibc=options.glibc)
        else:
            base = None
            machine = Target(python=parse_xy_tuple(xy) or (3, 10), glibc=options.glibc)
        plan = resolve(catalog, options.variant, options.tag, machine, options.sources)
        if plan.python_for_new_env != xy:
            plan = replace(plan, python_for_new_env=xy)
    if options.wheel_dir is not None:
        plan = _from_wheelhouse(plan, options.wheel_dir)
    if options.installer == "uv":
        _check_uv(plan, uv)
    system = check_system(runner, plan, skip=options.skip_system_check)
    if system is not None:
        plan = replace(plan, notes=(*plan.notes, system.note(root=running_as_root())))
    effective = target if not recreate else _as_new(target)
    actions = install_actions(
        plan,
        effective,
        base_interpreter=None if base is None else base[0],
        wheel_path=wheel_path,
        installer=options.installer,
        uv=uv,
        receipt_path=receipt_path(_prefix_of(target, probed)),
        recreate=recreate,
        with_reqs=options.with_reqs,
        pillow_simd=options.pillow_simd,
        force=options.force,
        pip_timeout=chosen_timeout(),
        bundled=None if base is None or options.installer != "uv" else _bundled_wheels(base[2]),
        wheelhouse=options.wheel_dir is not None,
    )
    return Prepared(
        plan=plan,
        target=target,
        base_interpreter=None if base is None else base[0],
        base_interpreter_origin=None if base is None else base[1],
        target_facts=probed,
        actions=tuple(actions),
        recreate=recreate,
        installer=options.installer,
        uv=uv,
        system=system,
        sizes=known_sizes(catalog, plan),
    )


def _as_new(target: EnvTarget) -> EnvTarget:
    return replace(target, reason=target.reason + "; recreated (--recreate)", exists=False)


def _from_wheelhouse(plan: InstallPlan, folder: Path) -> InstallPlan:
    """Every pip call of the plan pointed at the wheelhouse (its manifest says how)."""
    from aimetenv.install.offline import offline_plan  # noqa: PLC0415  # --wheel-dir only
    from aimetenv.install.wheelhouse_manifest import read_manifest  # noqa: PLC0415  # --wheel-dir only

    manifest = read_manifest(folder)
    return offline_plan(plan, folder, dependencies=manifest.dependencies)


def _bundled_wheels(base: TargetFacts) -> BundledWheels | None:
    """The base interpreter's ensurepip wheels, found under its probed ``sys.base_prefix``."""
    home = base.raw.get("base_prefix") or base.prefix
    return bundled_wheels(Path(home), base.python_xy) if isinstance(home, str) else None


def _check_target(target: EnvTarget) -> None:
    if not target.exists:
        target.env.check_new()


def _resolve_existing(
    catalog: Catalog, options: InstallOptions, facts: TargetFacts, target: EnvTarget
) -> InstallPlan:
    try:
        return resolve(
            catalog,
            options.variant,
            options.tag,
            Target(facts=facts, glibc=options.glibc),
            options.sources,
        )
    except PythonMismatchError as error:
        if not target.env.own_environment:  # it cannot be rebuilt: the resolver's words stand
            raise
        raise UsageError(
            f"{target.label} has Python {error.have}, but {error.label} needs Python {error.needed}",
            hint="Pass --recreate to rebuild it with the right Python, or choose another target.",
            code="python-mismatch",
        ) from None


def _check_uv(plan: InstallPlan, uv: str | None) -> None:
    if uv is None:
        raise UsageError(
            "--installer uv was asked for, but uv is not on PATH",
            hint="Install uv (pip install uv) or leave out --installer.",
            code="no-uv",
        )
    legacy = [w.filename for w in plan.wheels if not parse_wheel_name(w.filename).pep440]
    if legacy:
        raise UsageError(
            f"uv cannot install {legacy[0]}: its version is not PEP 440",
            hint="Use the default installer (pip) for this release.",
            code="uv-unsupported",
        )


__all__ = ["Prepared", "find_base_interpreter", "prepare"]
