"""What every check may ask about the environment, worked out once and shared between threads.

The context runs the probe in the target interpreter exactly as the user would run Python (the
caller's PYTHONPATH, LD_LIBRARY_PATH and current directory untouched), reads the receipt, works
out the release (receipt, else the installed distributions, else ``--tag``/``--variant``) and
resolves its plan with the catalog. Each of those happens once, on first use, whichever check
asks first; the others wait for the answer.
"""

from __future__ import annotations

import os
import shlex
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Generic, Literal, TypeVar, cast

from aimetenv.doctor.elf import ElfCache
from aimetenv.doctor.identify import aimet_distributions, identify
from aimetenv.doctor.inspect import accelerator_hints
from aimetenv.doctor.ldresolve import Loader, LoaderConfig, parse_ldconfig_output, read_ld_cache
from aimetenv.doctor.model import ReleaseSummary
from aimetenv.errors import AimetenvError, UsageError
from aimetenv.runner import Command

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

    from aimetenv.catalog.model import Catalog, Release, Variant
    from aimetenv.doctor.identify import AimetDist
    from aimetenv.envs.snippet import Snippet
    from aimetenv.envs.targets import EnvTarget, TargetRequest
    from aimetenv.install.plan import InstallPlan
    from aimetenv.install.receipt import Receipt
    from aimetenv.runner import Runner

T = TypeVar("T")
NVIDIA_VERSION_FILE = "/proc/driver/nvidia/version"


class _Once(Generic[T]):
    """A value computed by the first caller; later callers (any thread) get the same value."""

    def __init__(self, compute: Callable[[], T]) -> None:
        self._compute = compute
        self._lock = threading.Lock()
        self._done = False
        self._value: T | None = None

    def get(self) -> T:
        with self._lock:
            if not self._done:
                self._value = self._compute()
                self._done = True
            return self._value  # type: ignore[return-value]  # set above when not done


@dataclass(frozen=True)
class DoctorSettings:
    """The knobs of one doctor run."""

    deep: bool = False
    strict: bool = False
    import_timeout: float = 180.0
    """``import aimet_onnx`` takes about 10 s on 2 cores; a loaded CI machine needs headroom."""
    native_timeout: float = 60.0
    deep_timeout: float = 600.0
    nvidia_version_file: str = NVIDIA_VERSION_FILE
    release_override: tuple[str, str] | None = None
    """``(tag, variant)`` from --tag and --variant: check against this release."""


@dataclass(frozen=True)
class ProbeOutcome:
    """The probe's facts, or why the interpreter could not give them."""

    facts: dict[str, Any] | None
    error: str | None = None


@dataclass(frozen=True)
class ReleaseInfo:
    """The release the checks compare against, with its catalog entry and resolved plan."""

    summary: ReleaseSummary
    release: Release
    variant: Variant
    plan: InstallPlan | None
    """The plan for this target, or for the release's own Python when the target does not fit."""
    compat_error: str | None
    """Why the release does not fit this target (the resolver's refusal), if it does not."""
    compat_code: str | None
    """The refusal's code: ``python-mismatch``, ``platform-mismatch``, ``glibc-too-old``."""
    site_packages: str | None
    """The folder the AIMET files were installed into (the base of the release's exports)."""


class DoctorContext:
    """Shared, lazily computed facts about one target environment."""

    def __init__(  # every input is one independent fact of the run
        self,
        target: EnvTarget,
        runner: Runner,
        *,
        environ: Mapping[str, str],
        cwd: str,
        state_dir: Path,
        catalog: Callable[[], Catalog],
        settings: DoctorSettings | None = None,
        target_flags: tuple[str, ...] = (),
    ) -> None:
        """Nothing runs here; each fact is computed when a check first asks for it.

        ``environ`` is the caller's environment, for look-ups (PATH, variables the probe does not
        report); children get the process's own environment unchanged, as the user's would.
        """
        self.target = target
        self.runner = runner
        self.environ = dict(environ)
        self.cwd = cwd
        self.state_dir = state_dir
        self.settings = settings or DoctorSettings()
        self.target_flags = target_flags
        self.elves = ElfCache()
        self._catalog_loader = catalog
        self._probe = _Once(self._run_probe)
        self._catalog = _Once(self._load_catalog)
        self._receipt = _Once(self._read_receipt)
        self._release = _Once(self._find_release)
        self._ld_cache = _Once(self._read_ld_cache)
        self._loaders: dict[tuple[str, ...] | None, Loader] = {}
        self._loaders_lock = threading.Lock()
        self._shared: dict[str, _Once[Any]] = {}
        self._shared_lock = threading.Lock()

    # -- the interpreter -------------------------------------------------------------------

    def _run_probe(self) -> ProbeOutcome:
        from aimetenv.envs.probe import run_probe  # noqa: PLC0415  # the probe text is read lazily

        if not self.target.python.exists():
            return ProbeOutcome(None, f"there is no interpreter at {self.target.python}")
        try:
            facts = run_probe(self.runner, self.target.python, as_user=True, cwd=self.cwd)
        except AimetenvError as error:
            return ProbeOutcome(None, error.message)
        return ProbeOutcome(facts)

    def probe(self) -> ProbeOutcome:
        """The probe's outcome (run once)."""
        return self._probe.get()

    @property
    def facts(self) -> dict[str, Any]:
        """The probe's facts; an empty dict when the interpreter did not answer."""
        return self.probe().facts or {}

    def user_env(self, name: str) -> str | None:
        """A variable as the target interpreter saw it (the probe), else as aimetenv sees it."""
        seen = self.facts.get("environ")
        if isinstance(seen, dict) and name in seen:
            value = seen.get(name)
            return None if value is None else str(value)
        return self.environ.get(name)

    def snippet(
        self,
        code: str,
        *args: str,
        tag: str,
        timeout: float,
        env: Mapping[str, str | None] | None = None,
    ) -> Snippet:
        """``python -c code`` for the target, run as the user would (their environment as is)."""
        from aimetenv.envs.snippet import build_snippet  # noqa: PLC0415  # only for --deep

        return build_snippet(
            self.target.python,
            code,
            *args,
            tag=tag,
            timeout=timeout,
            env=env,
            cwd=self.cwd,
            sanitize=False,
        )

    # -- the catalog, the receipt and the release ------------------------------------------

    def _load_catalog(self) -> Catalog | AimetenvError:
        try:
            return self._catalog_loader()
        except AimetenvError as error:
            return error

    def catalog(self) -> Catalog | None:
        """The release catalog, or None when it cannot be read (the release is then unknown)."""
        loaded = self._catalog.get()
        return None if isinstance(loaded, AimetenvError) else loaded

    def prefix(self) -> Path | None:
        """The environment's prefix: the target's, else the interpreter's ``sys.prefix``."""
        if self.target.prefix is not None:
            return self.target.prefix
        prefix = self.facts.get("prefix")
        return Path(prefix) if isinstance(prefix, str) and prefix else None

    def _read_receipt(self) -> Receipt | None:
        from aimetenv.install.receipt import read_receipt  # noqa: PLC0415  # only when a receipt is read

        prefix = self.prefix()
        return None if prefix is None else read_receipt(prefix, self.state_dir)

    def shared(self, key: str, compute: Callable[[], T]) -> T:
        """A value several checks need: computed by the first that asks, ``key`` naming it."""
        with self._shared_lock:
            once = self._shared.setdefault(key, _Once(compute))
        return cast("T", once.get())

    def receipt(self) -> Receipt | None:
        """The install receipt, when aimetenv installed this environment."""
        return self._receipt.get()

    def aimet(self) -> list[AimetDist]:
        """The AIMET-looking distributions the interpreter sees."""
        distributions = self.facts.get("distributions")
        return aimet_distributions(distributions if isinstance(distributions, dict) else {})

    def release(self) -> ReleaseInfo | None:
        """The release to compare against, or None (``release_note`` says why)."""
        return self._release.get()[0]

    def release_note(self) -> str:
        """Why no release is known (empty when one is)."""
        return self._release.get()[1]

    def _find_release(self) -> tuple[ReleaseInfo | None, str]:
        catalog = self.catalog()
        if catalog is None:
            loaded = self._catalog.get()
            return None, f"the release catalog cannot be read: {loaded}"
        wanted = self._wanted_release(catalog)
        if isinstance(wanted, str):
            return None, wanted
        tag, variant_id, origin, evidence, source = wanted
        from aimetenv.catalog.lookup import find_release, find_variant  # noqa: PLC0415  # only when a release is looked up

        try:
            release = find_release(catalog, tag, variant_id)
            variant = find_variant(catalog, release, variant_id)
        except UsageError as error:
            return None, f"{origin} names {tag} {variant_id}: {error.message}"
        plan, refusal = self._plan(catalog, release.tag, variant.id, source)
        summary = ReleaseSummary(release.tag, variant.id, origin, evidence, source)
        info = ReleaseInfo(
            summary,
            release,
            variant,
            plan,
            None if refusal is None else refusal.message,
            None if refusal is None else refusal.code,
            self.site_packages(),
        )
        return info, ""

    def _wanted_release(
        self, catalog: Catalog
    ) -> tuple[str, str, str, str, Literal["github", "pypi"] | None] | str:
        override = self.settings.release_override
        if override is not None:
            return override[0], override[1], "--tag/--variant", "given on the command line", None
        receipt = self.receipt()
        if receipt is not None:
            source = receipt.plan.get("source")
            prefix = self.prefix()
            where = f"the receipt in {prefix}" if prefix is not None else "the receipt"
            return (
                receipt.tag,
                receipt.variant,
                "receipt",
                where,
                source if source in ("github", "pypi") else None,
            )
        if self.probe().facts is None:
            return "the interpreter did not answer, so the installed release cannot be read"
        hints = accelerator_hints(self.facts)
        found, reason = identify(self.aimet(), catalog, accelerator_hint=hints)
        if found is None:
            return reason
        return found.tag, found.variant, "installed distributions", found.evidence, found.source

    def _plan(
        self, catalog: Catalog, tag: str, variant: str, source: Literal["github", "pypi"] | None
    ) -> tuple[InstallPlan | None, UsageError | None]:
        from aimetenv.envs.facts import facts_from_probe  # noqa: PLC0415  # only when a plan is made
        from aimetenv.install.resolver import Options, Target, resolve  # noqa: PLC0415  # only when a plan is made

        options = Options(source=source or "auto")
        refusal: UsageError | None = None
        if self.probe().facts is not None:
            target = Target(facts=facts_from_probe(self.facts))
            try:
                return resolve(catalog, variant, tag, target, options), None
            except UsageError as error:
                refusal = error
        # The release's own plan, for its pins, smoke test and exports. A very new glibc is
        # assumed so that only the release decides; the platform check compares the real one.
        try:
            return resolve(catalog, variant, tag, Target(glibc=(2, 999)), options), refusal
        except UsageError as error:
            return None, refusal or error

    def site_packages(self) -> str | None:
        """The folder the AIMET files were installed into: the receipt's, else where they are."""
        receipt = self.receipt()
        if receipt is not None and receipt.site_packages:
            return receipt.site_packages[0]
        for dist in self.aimet():
            if dist.role in ("framework", "common") and dist.location:
                return dist.location
        sites = self.facts.get("site_packages")
        if isinstance(sites, list) and sites:
            return str(sites[-1])
        return None

    # -- exports ---------------------------------------------------------------------------

    def export_dirs(self) -> dict[str, tuple[str, ...]]:
        """The absolute folders the release needs on PYTHONPATH and LD_LIBRARY_PATH."""
        info = self.release()
        if info is None or info.plan is None or info.site_packages is None:
            return {}
        exports = info.plan.exports
        site = info.site_packages
        wanted = {
            "PYTHONPATH": tuple(str(Path(site, d)) for d in exports.pythonpath),
            "LD_LIBRARY_PATH": tuple(str(Path(site, d)) for d in exports.ld_library_path),
        }
        return {name: dirs for name, dirs in wanted.items() if dirs}

    def missing_exports(self) -> dict[str, tuple[str, ...]]:
        """The needed folders that the user's variables lack."""
        missing: dict[str, tuple[str, ...]] = {}
        for name, dirs in self.export_dirs().items():
            present = {_norm(p) for p in (self.user_env(name) or "").split(":") if p}
            lacking = tuple(d for d in dirs if _norm(d) not in present)
            if lacking:
                missing[name] = lacking
        return missing

    def with_exports(self) -> dict[str, str | None]:
        """An environment overlay: the user's variables with the release's folders in front."""
        overlay: dict[str, str | None] = {}
        for name, dirs in self.export_dirs().items():
            current = self.user_env(name)
            overlay[name] = ":".join((*dirs, current)) if current else ":".join(dirs)
        return overlay

    def env_fix_hint(self) -> str:
        """The exact commands that set the release's exports."""
        flags = " ".join(shlex.quote(f) for f in self.target_flags)
        command = f"aimetenv env {flags}".rstrip()
        return (
            f'Set the exports: eval "$({command})" in this shell, or '
            f"{command} --write ~/.bashrc for every new shell."
        )

    def install_command(self, *, recreate: bool = False, force: bool = False) -> str:
        """The ``aimetenv install`` line that (re)builds this environment for its release.

        ``force`` reinstalls into the environment as it is (a damaged install); ``recreate``
        rebuilds it with another Python (only when the Python is wrong). Either way the
        receipt's own sources (``--source``, ``--mirror``, ``--index-url``, ``--torch-index``)
        are repeated, so the fix installs what was installed before, from where it came.
        """
        from aimetenv.doctor.fixes import quoted, receipt_install_options  # noqa: PLC0415  # only for a fix

        info = self.release()
        words = ["aimetenv", "install", "--variant", "VARIANT", "--tag", "TAG"]
        if info is not None:
            words[3], words[5] = info.summary.variant, info.summary.tag
        if self.target.env.own_environment:
            words += self.target_flags
            words += ["--recreate"] if recreate else ["--force"] if force else []
        words += receipt_install_options(self.receipt(), self.catalog())
        return quoted(words)

    def reinstall_command(self) -> str:
        """The fix for a damaged install: ``install --force`` with the receipt's own options."""
        return self.install_command(force=True)

    # -- the dynamic loader ----------------------------------------------------------------

    def _read_ld_cache(self) -> dict[str, tuple[str, ...]]:
        cache = read_ld_cache()
        if cache is not None:
            return cache
        try:
            completed = self.runner.run(Command(argv=("ldconfig", "-p"), timeout=30.0))
        except AimetenvError:
            return {}
        return parse_ldconfig_output(completed.stdout) if completed.ok else {}

    def loader(self, library_path: tuple[str, ...] | None = None) -> Loader:
        """A loader for the target's process: the user's LD_LIBRARY_PATH, or ``library_path``."""
        with self._loaders_lock:
            known = self._loaders.get(library_path)
            if known is not None:
                return known
        environ: dict[str, str | None] = {
            "LD_LIBRARY_PATH": self.user_env("LD_LIBRARY_PATH"),
            "LD_PRELOAD": self.user_env("LD_PRELOAD"),
        }
        config = LoaderConfig.from_environ(
            environ,
            cwd=self.cwd,
            cache=self._ld_cache.get(),
            machine=str(self.facts.get("machine") or "") or None,
        )
        if library_path is not None:
            config = config.with_library_path(library_path)
        executable = self.facts.get("executable") or str(self.target.python)
        loader = Loader(config, executable=os.path.realpath(str(executable)), cache=self.elves)
        with self._loaders_lock:
            self._loaders[library_path] = loader
        return loader


def _norm(path: str) -> str:
    return os.path.normpath(Path(path).absolute())


def choose_target(
    request: TargetRequest,
    *,
    environ: Mapping[str, str],
    runner: Runner,
    state_dir: Path,
    current_python: Path,
) -> EnvTarget:
    """The environment doctor looks at (flags, conda, $VIRTUAL_ENV, last install, this Python)."""
    from aimetenv.envs.targets import check_target  # noqa: PLC0415  # only when a target is chosen

    return check_target(
        request,
        environ,
        state_dir,
        runner=runner,
        current_python=current_python,
        for_doctor=True,
    )


def target_flags(target: EnvTarget) -> tuple[str, ...]:
    """The flags that name ``target`` to another aimetenv command."""
    return target.flags()


__all__ = [
    "NVIDIA_VERSION_FILE",
    "DoctorContext",
    "DoctorSettings",
    "ProbeOutcome",
    "ReleaseInfo",
    "choose_target",
    "target_flags",
]
