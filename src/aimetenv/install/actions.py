"""The exact commands an install runs, built from a plan and a target. Pure.

``install --dry-run`` prints this list; ``install`` carries out the same list, so what the dry run
shows is what happens.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from aimetenv.envs.targets import Origin

if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path

    from aimetenv.envs.kinds import BundledWheels
    from aimetenv.envs.targets import EnvTarget
    from aimetenv.install.plan import InstallPlan, PlannedWheel, Step

Installer = Literal["pip", "uv"]
ActionKind = Literal[
    "create-env",
    "check-url",
    "download",
    "pip",
    "reqs-pip",
    "reqs-deb",
    "compile",
    "smoke",
    "receipt",
]

#: Byte-compiles the target's site-packages in parallel on every core, as pip would have done
#: file by file on one had it not been given ``--no-compile``. Files that cannot be compiled for
#: this Python (test files of newer syntax, say) are listed and skipped, as pip skips them; the
#: exit status is non-zero only when the compiling itself broke. Runs on Python 3.6 and later.
COMPILE_CODE = (
    "import compileall, sysconfig; "
    "[compileall.compile_dir(d, maxlevels=99, quiet=1, workers=0) "
    'for d in sorted({sysconfig.get_path("purelib"), sysconfig.get_path("platlib")})]'
)


@dataclass(frozen=True)
class Action:
    """One thing install does, in order."""

    kind: ActionKind
    description: str
    argv: tuple[str, ...] = ()
    url: str | None = None
    path: str | None = None
    condition: str | None = None
    step: Step | None = None
    #: A ``download`` whose file comes from a wheelhouse (``--wheel-dir``): nothing is fetched.
    wheelhouse: bool = False

    def display(self) -> str:
        """The command line, shell-quoted, or what is fetched where; credentials hidden."""
        from aimetenv.fetch.urls import redact  # noqa: PLC0415  # display only

        return redact(self._display())

    def _display(self) -> str:
        import shlex  # noqa: PLC0415  # display only

        if self.argv:
            return " ".join(shlex.quote(a) for a in self.argv)
        fetch = f"read {self.path}" if self.wheelhouse else f"GET {self.url} -> {self.path}"
        shown = {
            "check-url": f"HEAD {self.url}",
            "download": fetch,
            "receipt": f"write {self.path}",
            "reqs-pip": f"pip install -r each of {self.path}",
            "reqs-deb": f"dpkg-query -W -f='${{Status}}' <package> for each package in {self.path}",
        }
        return shown.get(self.kind, "")


def create_env_argv(
    target: EnvTarget,
    python_xy: str,
    base_interpreter: Path | None,
    *,
    clear: bool = False,
    without_pip: bool = False,
) -> tuple[str, ...]:
    """The command that creates the target environment with Python ``python_xy``.

    ``clear``: the venv exists and is rebuilt (``--recreate``); conda replaces an existing prefix
    on its own when ``--yes`` is given. ``without_pip``: a venv is made without ensurepip.
    """
    # Only an env named with -n is created by name, and not when it is rebuilt.
    by_name = target.origin is Origin.NAME_GIVEN and not clear
    return target.env.create_argv(
        python_xy, base_interpreter, clear=clear, by_name=by_name, without_pip=without_pip
    )


def create_env_actions(
    target: EnvTarget,
    python_xy: str,
    base_interpreter: Path | None,
    *,
    clear: bool,
    installer: Installer,
    uv: str | None,
    bundled: BundledWheels | None,
) -> list[Action]:
    """The one or two actions that make a new environment, with pip in it.

    With uv, a new venv is made without ensurepip (which installs and byte-compiles pip, seconds
    of work), and uv then installs the base interpreter's own bundled pip (and setuptools)
    wheels from disk: the same venv, with no network. When the interpreter bundles no pip wheel,
    the venv is made by plain ``-m venv`` and the description says why.
    """
    what = f"create {target.label} with Python {python_xy}"
    seeded = installer == "uv" and target.env.needs_base_interpreter and bundled is not None
    if not seeded or bundled is None or not bundled.wheels:
        argv = create_env_argv(target, python_xy, base_interpreter, clear=clear)
        if seeded and bundled is not None:
            what += f" (pip by ensurepip: no bundled pip wheel in {bundled.folder} for uv)"
        return [Action("create-env", what, argv)]
    argv = create_env_argv(target, python_xy, base_interpreter, clear=clear, without_pip=True)
    names = " and ".join(" ".join(w.name.split("-")[:2]) for w in bundled.wheels)
    return [
        Action("create-env", f"{what}, without pip (uv installs it next)", argv),
        Action(
            "pip",
            f"install {names} into the new venv from the base interpreter's bundled wheels "
            "(from disk, no index)",
            pip_argv(
                target.python,
                tuple(str(w) for w in bundled.wheels),
                ("--no-index",),
                installer="uv",
                uv=uv,
            ),
        ),
    ]


def pip_argv(
    python: Path,
    requirements: tuple[str, ...],
    pip_args: tuple[str, ...],
    *,
    installer: Installer = "pip",
    uv: str | None = None,
    action: Literal["install", "uninstall"] = "install",
    no_compile: bool = False,
    timeout: float | None = None,
) -> tuple[str, ...]:
    """``<python> -m pip install --no-input ...``, or the uv equivalent.

    ``no_compile``: pip leaves byte-compiling to the ``compile`` action that follows.
    ``timeout``: pip's ``--timeout`` (``AIMETENV_TIMEOUT`` when the user set it; None keeps
    pip's own default).
    """
    if installer == "uv":
        renamed = {"-f": "--find-links", "--force-reinstall": "--reinstall"}
        translated = tuple(renamed.get(a, a) for a in pip_args)
        verb = ("uninstall",) if action == "uninstall" else ("install",)
        return (uv or "uv", "pip", *verb, "--python", str(python), *requirements, *translated)
    if action == "uninstall":
        return (str(python), "-m", "pip", "uninstall", "--yes", *requirements)
    flags = ("--no-input", "--no-compile") if no_compile else ("--no-input",)
    if timeout is not None:
        flags = (*flags, "--timeout", f"{timeout:g}")
    return (str(python), "-m", "pip", "install", *flags, *requirements, *pip_args)


def installer_env(argv: tuple[str, ...], timeout: float | None) -> dict[str, str]:
    """What a uv child gets in its environment for ``timeout`` (uv has no option for it).

    ``UV_HTTP_TIMEOUT`` takes whole seconds, so the time-out is rounded up. pip gets
    ``--timeout`` in its argv instead (``pip_argv``), and other children get nothing.
    """
    if timeout is None or not argv or argv[0].rsplit("/", 1)[-1] != "uv":
        return {}
    import math  # noqa: PLC0415  # only for uv

    return {"UV_HTTP_TIMEOUT": str(math.ceil(timeout))}


def compiles_after_pip(target: EnvTarget, installer: Installer) -> bool:
    """Whether pip is told ``--no-compile`` and the site-packages compiled on every core after.

    Only in an environment of its own (a venv or conda env), whose site-packages aimetenv may
    walk; uv does not byte-compile by default and is left to its own default.
    """
    return installer == "pip" and target.env.own_environment


def install_actions(  # each argument is one independent input of the plan
    plan: InstallPlan,
    target: EnvTarget,
    *,
    base_interpreter: Path | None,
    wheel_path: Callable[[PlannedWheel], Path],
    installer: Installer = "pip",
    uv: str | None = None,
    receipt_path: Path | None = None,
    recreate: bool = False,
    with_reqs: bool = False,
    pillow_simd: bool = False,
    force: bool = False,
    pip_timeout: float | None = None,
    bundled: BundledWheels | None = None,
    wheelhouse: bool = False,
) -> list[Action]:
    """Everything install does for this plan and target, in order.

    Release-host files are asked for and fetched first, so that a missing or damaged file stops
    the install before the environment is created or changed. ``pip_timeout``: pip's
    ``--timeout`` (see ``pip_argv``). ``bundled``: the base interpreter's ensurepip wheels, which
    uv installs into a new venv (``create_env_actions``). ``wheelhouse``: ``wheel_path`` is a
    wheelhouse (``--wheel-dir``) that hands over each file; nothing is fetched.
    """
    actions: list[Action] = []
    no_compile = compiles_after_pip(target, installer)
    for wheel in plan.wheels:
        path = wheel_path(wheel)
        if wheel.check_exists:
            actions.append(
                Action(
                    "check-url",
                    f"ask the release host whether {wheel.filename} exists (inferred name)",
                    url=wheel.url,
                    condition="only if the file is not already downloaded",
                )
            )
        taken = (
            f"take {wheel.filename} from the wheelhouse (sha256 checked against its manifest; "
            "nothing is fetched)"
            if wheelhouse
            else f"download {wheel.filename} (resumable, sha256 recorded and checked)"
        )
        actions.append(
            Action("download", taken, url=wheel.url, path=str(path), wheelhouse=wheelhouse)
        )
    if not target.exists:
        actions.extend(
            create_env_actions(
                target,
                plan.python_for_new_env,
                base_interpreter,
                clear=recreate,
                installer=installer,
                uv=uv,
                bundled=bundled,
            )
        )
    for step in plan.steps:
        if step.kind == "pip-bound":
            if installer == "uv":
                continue
            actions.append(
                Action(
                    "pip",
                    step.description,
                    pip_argv(
                        target.python,
                        step.requirements,
                        step.pip_args,
                        no_compile=no_compile,
                        timeout=pip_timeout,
                    ),
                    condition=f"only if pip is outside {plan.pip_bound}",
                    step=step,
                )
            )
            continue
        requirements = (
            (str(wheel_path(step.wheel)),) if step.wheel is not None else step.requirements
        )
        actions.append(
            Action(
                "pip",
                step.description,
                pip_argv(
                    target.python,
                    requirements,
                    step.pip_args,
                    installer=installer,
                    uv=uv,
                    action="uninstall" if step.kind == "uninstall" else "install",
                    no_compile=no_compile,
                    timeout=pip_timeout,
                ),
                step=step,
            )
        )
    if force and target.exists and not recreate:
        actions.extend(
            _reinstall_actions(
                plan,
                target,
                wheel_path,
                installer=installer,
                uv=uv,
                no_compile=no_compile,
                timeout=pip_timeout,
            )
        )
    if with_reqs:
        actions.extend(_reqs_actions(plan))
    if pillow_simd:
        actions.extend(
            _pillow_simd_actions(
                target, installer=installer, uv=uv, no_compile=no_compile, timeout=pip_timeout
            )
        )
    if no_compile:
        actions.append(
            Action(
                "compile",
                "byte-compile the installed packages on every core (what pip does on one)",
                (str(target.python), "-c", COMPILE_CODE),
            )
        )
    packages = ", ".join(plan.smoke.packages)
    smoke = (
        f"import {packages} and load {plan.smoke.native} natively in the target"
        if plan.smoke.native
        else f"import {packages} in the target (a pure-Python build: no libpymo expected)"
    )
    actions.append(Action("smoke", smoke))
    if receipt_path is not None:
        actions.append(Action("receipt", "write the install receipt", path=str(receipt_path)))
    return actions


def _reinstall_actions(
    plan: InstallPlan,
    target: EnvTarget,
    wheel_path: Callable[[PlannedWheel], Path],
    *,
    installer: Installer,
    uv: str | None,
    no_compile: bool,
    timeout: float | None,
) -> list[Action]:
    """``--force`` on an existing env: each AIMET step again, in place and without its deps."""
    actions = []
    for step in plan.steps:
        if step.kind not in ("wheel", "requirement"):
            continue
        what = (str(wheel_path(step.wheel)),) if step.wheel is not None else step.requirements
        name = step.wheel.filename if step.wheel is not None else " ".join(step.requirements)
        argv = pip_argv(
            target.python,
            what,
            (*step.pip_args, "--force-reinstall", "--no-deps"),
            installer=installer,
            uv=uv,
            no_compile=no_compile,
            timeout=timeout,
        )
        actions.append(Action("pip", f"reinstall {name} in place (--force)", argv, step=step))
    return actions


def reqs_find_links(plan: InstallPlan) -> tuple[str, ...]:
    """The find-links options of the plan's wheel steps, for the reqs_pip files' torch pins."""
    for step in plan.steps:
        if step.kind == "wheel" and step.pip_args:
            return step.pip_args
    return ()


def _reqs_actions(plan: InstallPlan) -> list[Action]:
    from aimetenv.install.reqsfiles import reqs_glob, wanted_names  # noqa: PLC0415  # only for --with-reqs

    names = wanted_names(plan.variant)
    links = reqs_find_links(plan)
    extra = f" with {' '.join(links)}" if links else ""
    return [
        Action(
            "reqs-pip",
            f"install the reqs_pip_*.txt files the wheels ship ({', '.join(names)}){extra}",
            path=reqs_glob("pip", names),
        ),
        Action(
            "reqs-deb",
            "check the packages of the reqs_deb_*.txt files and print the apt-get line for the "
            "missing ones (never run)",
            path=reqs_glob("deb", names),
        ),
    ]


def _pillow_simd_actions(
    target: EnvTarget,
    *,
    installer: Installer,
    uv: str | None,
    no_compile: bool,
    timeout: float | None,
) -> list[Action]:
    return [
        Action(
            "pip",
            "remove Pillow, which Pillow-SIMD replaces",
            pip_argv(
                target.python, ("pillow",), (), installer=installer, uv=uv, action="uninstall"
            ),
        ),
        Action(
            "pip",
            "install Pillow-SIMD in place of Pillow",
            pip_argv(
                target.python,
                ("pillow-simd",),
                (),
                installer=installer,
                uv=uv,
                no_compile=no_compile,
                timeout=timeout,
            ),
        ),
    ]


__all__ = [
    "COMPILE_CODE",
    "Action",
    "ActionKind",
    "Installer",
    "compiles_after_pip",
    "create_env_actions",
    "create_env_argv",
    "install_actions",
    "installer_env",
    "pip_argv",
    "reqs_find_links",
]
