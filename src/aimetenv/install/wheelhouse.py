"""Wheelhouses for machines with no internet: ``aimetenv download`` writes one, install checks it.

A wheelhouse is a directory of wheel files and a ``manifest.json`` (schema
``aimetenv.install.wheelhouse/1``) that lists every file with its sha256 and size, plus the tag, variant
and plan it was made for. ``build`` fills it: release-host files through the ``Downloader`` (its
cache, resume and sha256 checks), PyPI plans (and, with ``with_deps``, the dependencies of
release-host files) through ``python -m pip download`` for the plan's Python and platform. Files
are staged in a hidden folder inside the directory and moved into place only when everything
arrived; the manifest is written last, atomically.

``install --wheel-dir DIR`` calls ``verify(DIR, plan)`` before pip sees any file, then installs
with ``offline_plan(plan, DIR)`` (every pip call gets ``--no-index --find-links DIR``).
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import re
import shutil
import sys
import tempfile
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, Callable

from aimetenv.catalog.names import parse_wheel_name
from aimetenv.errors import FileError, IntegrityError, NetworkError, UsageError
from aimetenv.fetch.checksums import sha256_file
from aimetenv.fetch.urls import redact
from aimetenv.fsutil import atomic_write_text
from aimetenv.runner import Command

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

    from aimetenv.fetch.download import Downloader, Fetched
    from aimetenv.install.plan import InstallPlan, PlannedWheel, Step
    from aimetenv.runner import Runner

MANIFEST = "manifest.json"
SCHEMA = "aimetenv.install.wheelhouse/1"
_ARCHIVES = (".whl", ".tar.gz", ".zip")
_INDEX_OPTIONS = frozenset({"--index-url", "-i", "--extra-index-url", "-f", "--find-links"})
_HEX64 = re.compile(r"^[0-9a-f]{64}$")


@dataclass(frozen=True)
class WheelhouseFile:
    """One file of a wheelhouse."""

    filename: str
    sha256: str
    size: int
    url: str | None = None
    """Where it came from (release-host files); pip downloads record no URL."""

    def to_dict(self) -> dict[str, Any]:
        """JSON form."""
        return {
            "filename": self.filename,
            "sha256": self.sha256,
            "size": self.size,
            "url": self.url,
        }


@dataclass(frozen=True)
class Manifest:
    """What ``manifest.json`` says."""

    tag: str
    variant: str
    source: str
    python: str
    glibc: str | None
    machine: str
    created: str
    dependencies: bool
    """The dependencies of the AIMET files are in the wheelhouse too (always for PyPI plans)."""
    files: tuple[WheelhouseFile, ...]
    plan: Mapping[str, Any] = dataclasses.field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """The JSON document written to ``manifest.json``."""
        return {
            "schema": SCHEMA,
            "tag": self.tag,
            "variant": self.variant,
            "source": self.source,
            "python": self.python,
            "glibc": self.glibc,
            "machine": self.machine,
            "created": self.created,
            "dependencies": self.dependencies,
            "files": [f.to_dict() for f in self.files],
            "plan": dict(self.plan),
        }


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


def _plain_name(name: object, where: Path) -> str:
    if (
        not isinstance(name, str)
        or not name
        or "/" in name
        or "\\" in name
        or name in (".", "..")
        or name == MANIFEST
    ):
        raise IntegrityError(
            f"{where / MANIFEST} lists a file name that is not a plain name: {str(name)[:80]!r}",
            code="wheelhouse-invalid",
        )
    return name


def read_manifest(directory: Path) -> Manifest:
    """Read and validate ``DIR/manifest.json``; IntegrityError when it is missing or malformed."""
    path = directory / MANIFEST
    if not directory.is_dir():
        raise UsageError(f"--wheel-dir {directory} is not a directory", code="wheelhouse-missing")
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise IntegrityError(
            f"{directory} has no {MANIFEST}, so its files cannot be checked",
            hint="Make the wheelhouse with 'aimetenv download --variant V --tag T -d DIR'.",
            code="wheelhouse-no-manifest",
        ) from None
    except (OSError, UnicodeDecodeError, ValueError) as error:
        raise IntegrityError(
            f"{path} cannot be read as JSON ({type(error).__name__})",
            hint="Make the wheelhouse again with 'aimetenv download'.",
            code="wheelhouse-invalid",
        ) from None
    if not isinstance(data, dict) or data.get("schema") != SCHEMA:
        raise IntegrityError(
            f"{path} is not an aimetenv wheelhouse manifest (schema {SCHEMA})",
            code="wheelhouse-invalid",
        )
    files = []
    for item in data.get("files") or []:
        if not isinstance(item, dict):
            raise IntegrityError(
                f"{path}: a files entry is not an object", code="wheelhouse-invalid"
            )
        digest = str(item.get("sha256", "")).lower()
        size = item.get("size")
        if not _HEX64.match(digest) or not isinstance(size, int) or size < 0:
            raise IntegrityError(
                f"{path}: the entry for {str(item.get('filename'))[:80]} has no valid sha256 "
                "and size",
                code="wheelhouse-invalid",
            )
        url = item.get("url")
        files.append(
            WheelhouseFile(
                filename=_plain_name(item.get("filename"), directory),
                sha256=digest,
                size=size,
                url=url if isinstance(url, str) else None,
            )
        )
    plan = data.get("plan")
    return Manifest(
        tag=str(data.get("tag", "")),
        variant=str(data.get("variant", "")),
        source=str(data.get("source", "")),
        python=str(data.get("python", "")),
        glibc=None if data.get("glibc") is None else str(data.get("glibc")),
        machine=str(data.get("machine", "")),
        created=str(data.get("created", "")),
        dependencies=bool(data.get("dependencies", False)),
        files=tuple(files),
        plan=plan if isinstance(plan, dict) else {},
    )


def verify(directory: Path, plan: InstallPlan) -> tuple[Path, ...]:
    """Check a wheelhouse against its manifest before pip sees any file; return the file paths.

    For ``install --wheel-dir DIR``: the manifest must exist and be for the plan's tag and variant
    (else ``UsageError``, exit 2); every listed file must exist with its recorded size and sha256,
    no other archive may lie in DIR where pip's ``--find-links`` would see it, every release-host
    file of the plan must be listed, and a sha256 the plan knows must agree (else
    ``IntegrityError`` naming the file, exit 5). Returns the listed paths in manifest order.
    """
    manifest = read_manifest(directory)
    if (manifest.tag, manifest.variant) != (plan.tag, plan.variant):
        raise UsageError(
            f"the wheelhouse {directory} holds {manifest.tag} {manifest.variant}, not "
            f"{plan.tag} {plan.variant}",
            hint="Pass the wheelhouse made for this variant and tag, or make one with "
            f"'aimetenv download --variant {plan.variant} --tag {plan.tag} -d DIR'.",
            code="wheelhouse-mismatch",
        )
    listed = {f.filename: f for f in manifest.files}
    for wheel in plan.wheels:
        entry = listed.get(wheel.filename)
        if entry is None:
            raise IntegrityError(
                f"the wheelhouse {directory} does not list {wheel.filename}",
                hint="Make the wheelhouse again with 'aimetenv download'.",
                code="wheelhouse-incomplete",
            )
        if wheel.sha256 and wheel.sha256.lower() != entry.sha256:
            raise IntegrityError(
                f"{wheel.filename} in {directory} has sha256 {entry.sha256}, but the catalog "
                f"knows {wheel.sha256.lower()}",
                hint="Make the wheelhouse again with 'aimetenv download'.",
                code="wheelhouse-sha256-mismatch",
            )
    _refuse_unlisted(directory, listed)
    paths = []
    for entry in manifest.files:
        path = directory / entry.filename
        _check_file(path, entry)
        paths.append(path)
    return tuple(paths)


def _refuse_unlisted(directory: Path, listed: Mapping[str, WheelhouseFile]) -> None:
    try:
        names = sorted(p.name for p in directory.iterdir() if p.is_file())
    except OSError as error:
        raise FileError(
            f"cannot list {directory}: {error.strerror or error}", code="wheelhouse-unreadable"
        ) from None
    for name in names:
        if name.endswith(_ARCHIVES) and name not in listed:
            raise IntegrityError(
                f"{directory} holds {name}, which {MANIFEST} does not list; pip would see it",
                hint="Remove the file, or make the wheelhouse again in an empty directory.",
                code="wheelhouse-unlisted",
            )


def _check_file(path: Path, entry: WheelhouseFile) -> None:
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        raise IntegrityError(
            f"{path.name} is listed in {path.parent / MANIFEST} but missing from {path.parent}",
            hint="Copy the whole wheelhouse directory, or make it again with 'aimetenv download'.",
            code="wheelhouse-missing-file",
        ) from None
    except OSError as error:
        raise FileError(
            f"cannot read {path}: {error.strerror or error}", code="wheelhouse-unreadable"
        ) from None
    digest = sha256_file(path) if size == entry.size else None
    if digest != entry.sha256:
        found = f"sha256 {digest}" if digest else f"{size} bytes"
        wanted = f"sha256 {entry.sha256}" if digest else f"{entry.size} bytes"
        raise IntegrityError(
            f"{path.name} in {path.parent} has {found}, but the manifest records {wanted}; "
            "nothing was installed",
            hint="The copy is damaged or was changed: copy the wheelhouse again.",
            code="wheelhouse-sha256-mismatch",
        )


class WheelhouseFetcher:
    """Serves a plan's release-host files from a verified wheelhouse (install's ``Fetcher``).

    ``WheelhouseFetcher.open(DIR, plan)`` runs ``verify`` first. ``exists(url)`` is True when the
    URL's file name is listed; ``fetch(wheel, tag)`` returns ``DIR/<file>`` after checking its
    sha256 once more (no network, ``from_cache=True``).
    """

    def __init__(self, directory: Path, manifest: Manifest) -> None:
        """Use ``open``, which verifies the wheelhouse first."""
        self.directory = directory
        self.manifest = manifest
        self._files = {f.filename: f for f in manifest.files}

    @classmethod
    def open(cls, directory: Path, plan: InstallPlan) -> WheelhouseFetcher:
        """Verify ``directory`` for ``plan`` (see ``verify``) and serve from it."""
        verify(directory, plan)
        return cls(directory, read_manifest(directory))

    def exists(self, url: str) -> bool:
        """Whether the wheelhouse lists the URL's file name."""
        from urllib.parse import unquote, urlsplit  # noqa: PLC0415  # rarely needed

        return unquote(urlsplit(url).path.rsplit("/", 1)[-1]) in self._files

    def fetch(self, wheel: PlannedWheel, tag: str) -> Fetched:
        """``DIR/<file>``, its sha256 checked against the manifest."""
        from aimetenv.fetch.download import Fetched  # noqa: PLC0415  # the type at run time

        entry = self._files.get(wheel.filename)
        if entry is None:
            raise IntegrityError(
                f"the wheelhouse {self.directory} does not list {wheel.filename} of {tag}",
                hint="Make the wheelhouse again with 'aimetenv download'.",
                code="wheelhouse-incomplete",
            )
        path = self.directory / entry.filename
        _check_file(path, entry)
        return Fetched(
            path=path,
            url=wheel.url,
            sha256=entry.sha256,
            size=entry.size,
            bytes_transferred=0,
            from_cache=True,
        )

    def discard(self, fetched: Fetched) -> bool:
        """Never delete anything: the wheelhouse is the user's folder (always False)."""
        del fetched
        return False


def _without_index_options(args: Sequence[str]) -> list[str]:
    kept: list[str] = []
    skip = False
    for arg in args:
        if skip:
            skip = False
            continue
        if arg in _INDEX_OPTIONS:
            skip = True
            continue
        if arg == "--no-index" or any(arg.startswith(o + "=") for o in _INDEX_OPTIONS):
            continue
        kept.append(arg)
    return kept


def offline_plan(plan: InstallPlan, directory: Path, *, dependencies: bool = True) -> InstallPlan:
    """The plan with every pip call pointed at the wheelhouse: ``--no-index --find-links DIR``.

    Index and find-links options of each step (``--index-url``, ``-f``) are replaced. With
    ``dependencies=False`` (a release-host wheelhouse made without ``--with-deps``; see
    ``Manifest.dependencies``) the wheel steps keep their options and add ``--find-links DIR``,
    so their dependencies still come from the index. Release-host files themselves are passed
    to pip by path (``DIR/<file>``), as install does for the cache.
    """
    folder = str(directory)
    steps: list[Step] = []
    for step in plan.steps:
        if step.kind == "uninstall":
            steps.append(step)
            continue
        if step.kind in ("wheel", "pip-bound") and not dependencies:
            args = (
                (*step.pip_args, "--find-links", folder) if step.kind == "wheel" else step.pip_args
            )
        else:
            args = (*_without_index_options(step.pip_args), "--no-index", "--find-links", folder)
        steps.append(dataclasses.replace(step, pip_args=tuple(args)))
    return dataclasses.replace(plan, steps=tuple(steps))


# building


def pip_download_argv(  # one parameter per pip option
    python: str,
    plan: InstallPlan,
    requirements: Sequence[str],
    dest: Path,
    extra: Sequence[str] = (),
) -> tuple[str, ...]:
    """``python -m pip download`` of binary wheels for the plan's Python and platform."""
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
        if p.is_file() and p.name.endswith(_ARCHIVES) and p.name not in listed
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
        if parsed.pep440 and parsed.distribution.lower().replace("_", "-") in names:
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

    def run(self, requirements: Sequence[str], extra: Sequence[str], what: str) -> None:
        argv = pip_download_argv(self.python, self.plan, requirements, self.folder, extra)
        self.log.write(f"$ {Command(argv=argv).display()}\n")
        self.log.flush()
        result = self.runner.stream(Command(argv=argv), self.log, self.echo)
        if not result.ok:
            where = getattr(self.log, "name", None)
            tail = result.tail(15).splitlines()
            advice = "Check the index URLs (--index-url, --torch-index) and the network."
            if any("No module named pip" in line for line in tail):
                advice = (
                    f"The interpreter aimetenv runs on ({self.python}) has no pip; install "
                    "aimetenv with pip or pipx, or add pip to its environment."
                )
            raise NetworkError(
                f"pip could not download {what} (exit {result.returncode})",
                hint=(f"The whole output is in {where}. " if isinstance(where, str) else "")
                + advice,
                code="pip-download-failed",
                details=tuple(tail),
            )

    def framework_constraints(self) -> list[str]:
        pins = _frozen_versions(self.folder, ("torch", "torchvision"))
        if not pins:
            return []
        path = self.folder / ".constraints.txt"
        path.write_text("\n".join(pins) + "\n", encoding="utf-8")
        return ["--constraint", str(path)]


def _pip_steps(downloads: _PipDownloads, plan: InstallPlan, with_deps: bool) -> None:
    folder = str(downloads.folder)
    for step in plan.steps:
        if step.kind == "uninstall":
            continue
        if step.kind == "pip-bound":
            downloads.run(step.requirements, ("--no-deps",), f"pip itself ({plan.pip_bound})")
        elif step.kind == "framework":
            downloads.run(step.requirements, step.pip_args, " and ".join(step.requirements))
        elif step.kind == "requirement":
            extra = [*step.pip_args, "--find-links", folder, *downloads.framework_constraints()]
            downloads.run(step.requirements, extra, " ".join(step.requirements))
        elif step.wheel is not None and with_deps:
            local = str(downloads.folder / step.wheel.filename)
            extra = [*step.pip_args, "--find-links", folder]
            downloads.run((local,), extra, f"the dependencies of {step.wheel.filename}")


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
    in ``directory`` unless every file arrived.
    """
    directory = directory.expanduser().absolute()
    old = _check_destination(directory, plan)
    for wheel in plan.wheels:
        if wheel.check_exists:
            downloader.ensure_exists(wheel, plan.tag)
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
    finally:
        shutil.rmtree(staging, ignore_errors=True)


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
            p.name for p in staging.iterdir() if p.is_file() and p.name.endswith(_ARCHIVES)
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


__all__ = [
    "MANIFEST",
    "SCHEMA",
    "Manifest",
    "Wheelhouse",
    "WheelhouseFetcher",
    "WheelhouseFile",
    "build",
    "offline_plan",
    "pip_download_argv",
    "read_manifest",
    "verify",
]
