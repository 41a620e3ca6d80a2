"""Installing from a wheelhouse with no internet: check it, serve its files, point pip at it.

``install --wheel-dir DIR`` calls ``verify(DIR, plan)`` before pip sees any file, then installs
with ``offline_plan(plan, DIR)`` (every pip call gets ``--no-index --find-links DIR``);
``WheelhouseFetcher`` hands the release-host files to install in place of the downloader.
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING

from aimetenv.errors import FileError, IntegrityError, UsageError
from aimetenv.fetch.checksums import sha256_file
from aimetenv.install.wheelhouse_manifest import (
    ARCHIVES,
    MANIFEST,
    Manifest,
    WheelhouseFile,
    read_manifest,
)

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence
    from pathlib import Path

    from aimetenv.fetch.download import Fetched
    from aimetenv.install.plan import InstallPlan, PlannedWheel, Step

_INDEX_OPTIONS = frozenset({"--index-url", "-i", "--extra-index-url", "-f", "--find-links"})


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
        if name.endswith(ARCHIVES) and name not in listed:
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
    ``Manifest.dependencies``) the wheel steps, and the swap a release-host plan ends with
    (onnxruntime-gpu), keep their options and add ``--find-links DIR``, so their dependencies
    still come from the index. Release-host files themselves are passed
    to pip by path (``DIR/<file>``), as install does for the cache.
    """
    folder = str(directory)
    steps: list[Step] = []
    for step in plan.steps:
        if step.kind == "uninstall":
            steps.append(step)
            continue
        if step.kind in ("wheel", "pip-bound", "requirement") and not dependencies:
            # a release-host plan's requirement is its onnxruntime-gpu swap: from the index too
            args = (
                step.pip_args
                if step.kind == "pip-bound"
                else (*step.pip_args, "--find-links", folder)
            )
        else:
            args = (*_without_index_options(step.pip_args), "--no-index", "--find-links", folder)
        steps.append(dataclasses.replace(step, pip_args=tuple(args)))
    return dataclasses.replace(plan, steps=tuple(steps))


__all__ = ["WheelhouseFetcher", "offline_plan", "verify"]
