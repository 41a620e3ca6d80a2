"""Wheelhouses for machines with no internet: ``aimetenv download`` writes one.

A wheelhouse is a directory of wheel files and a ``manifest.json`` (``wheelhouse_manifest``)
that lists every file with its sha256 and size, plus the tag, variant and plan it was made for.
``build`` fills it: release-host files through the ``Downloader`` (its cache, resume and sha256
checks), PyPI plans (and, with ``with_deps``, the dependencies of release-host files) through
``python -m pip download`` for the plan's Python and platform. Files are staged in a hidden
folder inside the directory and moved into place only when everything arrived; the manifest is
written last, atomically. ``install --wheel-dir`` checks and uses it through ``offline``.

A ``pip download`` that fails is read as install reads its pip steps (``pipfail``): a host that
does not answer is a ``NetworkError`` naming it and the option that replaces it, a resolution
conflict is one line with its fix; the message then says what became of the directory.
"""

from __future__ import annotations

import contextlib
import json
import shutil
import sys
import tempfile
from dataclasses import dataclass, replace
from datetime import datetime, timezone
from pathlib import Path
from typing import IO, TYPE_CHECKING, Callable

from aimetenv.catalog.names import normalize, parse_wheel_name
from aimetenv.errors import (
    AimetenvError,
    FileError,
    IntegrityError,
    NetworkError,
    UsageError,
)
from aimetenv.fetch.checksums import sha256_file
from aimetenv.fetch.http import chosen_timeout
from aimetenv.fetch.urls import redact
from aimetenv.fsutil import atomic_write_text
from aimetenv.install.actions import Action
from aimetenv.install.pipfail import explain
from aimetenv.install.preflight import Host, hosts_to_check
from aimetenv.install.wheelhouse_manifest import (
    ARCHIVES,
    MANIFEST,
    Manifest,
    WheelhouseFile,
    read_manifest,
)
from aimetenv.runner import Command

if TYPE_CHECKING:
    from collections.abc import Sequence

    from aimetenv.fetch.download import Downloader, Fetched
    from aimetenv.install.plan import InstallPlan, Step
    from aimetenv.runner import Completed, Runner


@dataclass(frozen=True)
class Wheelhouse:
    """What ``build`` made."""

    directory: Path
    manifest: Manifest
    fetched: tuple[Fetched, ...]
    """The release-host files, as the downloader delivered them."""
    notes: tuple[str, ...] = ()

    @property
    def bytes_transferred(self) -> int:
        """Bytes the downloader read from the network (pip's own downloads not counted)."""
        return sum(f.bytes_transferred for f in self.fetched)


# building


def pip_download_argv(  # one parameter per pip option
    python: str,
    plan: InstallPlan,
    requirements: Sequence[str],
    dest: Path,
    extra: Sequence[str] = (),
    *,
    timeout: float | None = None,
) -> tuple[str, ...]:
    """``python -m pip download`` of binary wheels for the plan's Python and platform.

    ``timeout``: pip's ``--timeout`` (``AIMETENV_TIMEOUT`` when set; None keeps pip's own).
    """
    facts = plan.target
    platforms: list[str] = []
    for platform in facts.platforms():
        platforms += ["--platform", platform]
    return (
        python,
        "-m",
        "pip",
        "download",
        "--no-input",
        *(() if timeout is None else ("--timeout", f"{timeout:g}")),
        "--progress-bar",
        "off",
        "--only-binary=:all:",
        "--implementation",
        "cp",
        "--python-version",
        facts.python_xy,
        *platforms,
        "--dest",
        str(dest),
        *extra,
        *requirements,
    )


def _check_destination(directory: Path, plan: InstallPlan) -> Manifest | None:
    if directory.exists() and not directory.is_dir():
        raise UsageError(f"-d {directory} exists and is not a directory", code="wheelhouse-not-dir")
    if not directory.exists():
        return None
    old: Manifest | None = None
    if (directory / MANIFEST).exists():
        try:
            old = read_manifest(directory)
        except IntegrityError:
            old = None
        if old is None or (old.tag, old.variant) != (plan.tag, plan.variant):
            holds = f"{old.tag} {old.variant}" if old else "a wheelhouse aimetenv cannot read"
            raise UsageError(
                f"{directory} already holds {holds}",
                hint="Choose an empty directory for each variant and tag.",
                code="wheelhouse-not-empty",
            )
    listed = {f.filename for f in old.files} if old else set()
    strays = sorted(
        p.name
        for p in directory.iterdir()
        if p.is_file() and p.name.endswith(ARCHIVES) and p.name not in listed
    )
    if strays:
        raise UsageError(
            f"{directory} already holds {strays[0]}, which would end up in the wheelhouse unlisted",
            hint="Choose an empty directory for the wheelhouse.",
            code="wheelhouse-not-empty",
        )
    return old


def _copy(source: Path, dest: Path) -> None:
    temp = dest.with_name(f".{dest.name}.tmp")
    shutil.copyfile(source, temp)
    temp.replace(dest)


def _frozen_versions(folder: Path, names: Sequence[str]) -> list[str]:
    """``name==version`` for the framework wheels already staged (keeps later steps on them)."""
    pins = []
    for path in sorted(folder.glob("*.whl")):
        try:
            parsed = parse_wheel_name(path.name)
        except ValueError:
            continue
        if parsed.pep440 and normalize(parsed.distribution) in names:
            pins.append(f"{parsed.distribution}=={parsed.version}")
    return pins


class _PipDownloads:
    """The pip downloads of one wheelhouse, staged in ``folder``."""

    def __init__(  # one parameter per collaborator
        self,
        *,
        plan: InstallPlan,
        folder: Path,
        runner: Runner,
        log: IO[str],
        echo: Callable[[str], None] | None,
        python: str,
    ) -> None:
        self.plan = plan
        self.folder = folder
        self.runner = runner
        self.log = log
        self.echo = echo
        self.python = python

    def run(
        self, requirements: Sequence[str], extra: Sequence[str], what: str, step: Step | None
    ) -> None:
        argv = pip_download_argv(
            self.python, self.plan, requirements, self.folder, extra, timeout=chosen_timeout()
        )
        self.log.write(f"$ {Command(argv=argv).display()}\n")
        self.log.flush()
        result = self.runner.stream(Command(argv=argv), self.log, self.echo)
        if not result.ok:
            raise self.failed(result, argv, what, step)

    def failed(
        self, result: Completed, argv: tuple[str, ...], what: str, step: Step | None
    ) -> AimetenvError:
        """The error for a failed ``pip download``, in the shapes install uses for its pip steps.

        A network error or a resolution conflict in pip's output becomes one line (``pipfail``)
        with the log as its one detail; anything else keeps pip's last lines and the log.
        """
        where = getattr(self.log, "name", None)
        log = (f"log: {where}",) if isinstance(where, str) else ()
        full = f" The full output is in {where}." if isinstance(where, str) else ""
        tail = result.tail(15).splitlines()
        if any("No module named pip" in line for line in tail):
            return NetworkError(
                f"pip could not download {what} (exit {result.returncode})",
                hint=f"The interpreter aimetenv runs on ({self.python}) has no pip; install "
                f"aimetenv with pip or pipx, or add pip to its environment.{full}",
                code="pip-download-failed",
                details=(*tail, *log),
            )
        explained = explain(result.tail(80), _hosts(argv, what, step), tool="pip")
        if explained is not None:
            explained.message = f"downloading {what} failed: {explained.message}"
            explained.args = (explained.message,)
            explained.hint = f"{explained.hint}{full}"
            explained.details = log
            self.log.write(f"# {explained.code}: {explained.message}\n")
            self.log.flush()
            return explained
        return NetworkError(
            f"pip could not download {what} (exit {result.returncode})",
            hint="Check the index URLs (--index-url, --torch-index) and the network." + full,
            code="pip-download-failed",
            details=(*tail, *log),
        )

    def framework_constraints(self) -> list[str]:
        pins = _frozen_versions(self.folder, ("torch", "torchvision"))
        if not pins:
            return []
        path = self.folder / ".constraints.txt"
        path.write_text("\n".join(pins) + "\n", encoding="utf-8")
        return ["--constraint", str(path)]


# The option that replaces each kind of host of a ``pip download``. Install's hints also offer
# a wheelhouse; download is what makes one, so it offers only the option.
_REPLACED_BY = (
    ("the PyTorch find-links page", "Pass --torch-find-links URL for another page"),
    ("the PyTorch index", "Pass --torch-index URL for another index"),
)


def _hosts(argv: tuple[str, ...], what: str, step: Step | None) -> list[Host]:
    """The index and find-links hosts of one ``pip download``, in the form ``pipfail`` takes."""
    action = Action(kind="pip", description=what, argv=argv, step=step)
    hosts = []
    for host in hosts_to_check([action], offline=True):
        option = next(
            (text for role, text in _REPLACED_BY if host.role.startswith(role)),
            "Pass --index-url URL for another index",
        )
        hosts.append(replace(host, option=option))
    return hosts


def _pip_steps(downloads: _PipDownloads, plan: InstallPlan, with_deps: bool) -> None:
    folder = str(downloads.folder)
    for step in plan.steps:
        if step.kind == "uninstall":
            continue
        if step.kind == "pip-bound":
            downloads.run(step.requirements, ("--no-deps",), f"pip itself ({plan.pip_bound})", step)
        elif step.kind == "framework":
            downloads.run(step.requirements, step.pip_args, " and ".join(step.requirements), step)
        elif step.kind == "requirement":
            extra = [*step.pip_args, "--find-links", folder, *downloads.framework_constraints()]
            downloads.run(step.requirements, extra, " ".join(step.requirements), step)
        elif step.wheel is not None and with_deps:
            local = str(downloads.folder / step.wheel.filename)
            extra = [*step.pip_args, "--find-links", folder, *downloads.framework_constraints()]
            downloads.run((local,), extra, f"the dependencies of {step.wheel.filename}", step)


def build(  # one parameter per collaborator or choice
    plan: InstallPlan,
    directory: Path,
    *,
    downloader: Downloader,
    runner: Runner,
    log: IO[str],
    echo: Callable[[str], None] | None = None,
    python: str = sys.executable,
    with_deps: bool = False,
    now: Callable[[], datetime] | None = None,
) -> Wheelhouse:
    """Fill ``directory`` with the plan's files and write its manifest; see the module docstring.

    Release-host files whose names are not verified assets are asked for with HEAD first, all
    before any download. PyPI plans run ``pip download`` through ``runner`` with ``python``
    (the current interpreter by default), for the plan's target Python and glibc. Nothing lands
    in ``directory`` unless every file arrived, and the folders this call created are removed
    again when it fails.
    """
    directory = directory.expanduser().absolute()
    old = _check_destination(directory, plan)
    for wheel in plan.wheels:
        if wheel.check_exists:
            downloader.ensure_exists(wheel, plan.tag)
    created = _missing_folders(directory)
    try:
        directory.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=".aimetenv-staging-", dir=directory))
    except OSError as error:
        raise FileError(
            f"cannot write to {directory}: {error.strerror or error}", code="wheelhouse-unwritable"
        ) from None
    try:
        return _fill(
            plan,
            directory,
            staging,
            old,
            _PipDownloads(
                plan=plan, folder=staging, runner=runner, log=log, echo=echo, python=python
            ),
            downloader=downloader,
            with_deps=with_deps or plan.source == "pypi",
            now=now or (lambda: datetime.now(timezone.utc)),
        )
    except BaseException as error:
        shutil.rmtree(staging, ignore_errors=True)
        _remove_empty(created)
        if isinstance(error, AimetenvError) and error.code in _PIP_FAILURES:
            _say_what_is_left(error, directory, created=bool(created))
        raise
    finally:
        shutil.rmtree(staging, ignore_errors=True)


_PIP_FAILURES = ("installer-network", "resolution-conflict", "pip-download-failed")
"""The codes of ``_PipDownloads.failed``: raised before any file moved into the directory."""


def _say_what_is_left(error: AimetenvError, directory: Path, *, created: bool) -> None:
    """Add to a pip failure's message what became of the directory (as install says of an env)."""
    if created and not directory.exists():
        note = f"{directory}, which this download created, was removed"
    elif not created:
        note = f"{directory} was left as it was"
    else:
        return
    error.message = f"{error.message}; {note}"
    error.args = (error.message,)


def _missing_folders(directory: Path) -> list[Path]:
    """``directory`` and its ancestors that do not exist yet, deepest first."""
    missing = []
    for folder in (directory, *directory.parents):
        if folder.exists() or folder.is_symlink():
            break
        missing.append(folder)
    return missing


def _remove_empty(folders: list[Path]) -> None:
    """Remove these folders, deepest first, each only while it is empty."""
    with contextlib.suppress(OSError):  # a folder that is not empty, and all above it, stay
        for folder in folders:
            folder.rmdir()


def _fill(  # the staged steps of build, read top to bottom
    plan: InstallPlan,
    directory: Path,
    staging: Path,
    old: Manifest | None,
    downloads: _PipDownloads,
    *,
    downloader: Downloader,
    with_deps: bool,
    now: Callable[[], datetime],
) -> Wheelhouse:
    fetched: list[Fetched] = []
    notes: list[str] = []
    urls: dict[str, str] = {}
    try:
        for wheel in plan.wheels:
            got = downloader.fetch(wheel, plan.tag)
            fetched.append(got)
            notes.extend(got.notes)
            urls[wheel.filename] = wheel.url
            _copy(got.path, staging / wheel.filename)
        if plan.source == "pypi" or with_deps:
            _pip_steps(downloads, plan, with_deps)
        first = [w.filename for w in plan.wheels]
        others = sorted(
            p.name for p in staging.iterdir() if p.is_file() and p.name.endswith(ARCHIVES)
        )
        order = first + [n for n in others if n not in first]
        files = tuple(
            WheelhouseFile(
                filename=name,
                sha256=sha256_file(staging / name),
                size=(staging / name).stat().st_size,
                url=urls.get(name),
            )
            for name in order
        )
        for entry in files:
            (staging / entry.filename).replace(directory / entry.filename)
    except OSError as error:
        raise FileError(
            f"cannot write to {directory}: {error.strerror or error}", code="wheelhouse-unwritable"
        ) from None
    if old is not None:
        keep = {f.filename for f in files}
        for entry in old.files:
            if entry.filename not in keep:
                with contextlib.suppress(OSError):
                    (directory / entry.filename).unlink()
    manifest = Manifest(
        tag=plan.tag,
        variant=plan.variant,
        source=plan.source,
        python=plan.target.python_xy,
        glibc=plan.target.glibc_text,
        machine=plan.target.machine,
        created=now().isoformat(timespec="seconds"),
        dependencies=with_deps,
        files=files,
        plan=plan.to_dict(),
    )
    atomic_write_text(directory / MANIFEST, redact(json.dumps(manifest.to_dict(), indent=2)) + "\n")
    return Wheelhouse(directory, manifest, tuple(fetched), tuple(notes))


__all__ = ["Wheelhouse", "build", "pip_download_argv"]
