"""Fixtures of the fault suite: loopback hosts serving the stand-in releases, and test folders."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

import pytest

from faults.helpers import record
from support.legacy import TAG, LegacyRelease
from support.releasehost import ReleaseHost

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path


@pytest.fixture
def host(legacy_release: LegacyRelease, tmp_path: Path) -> Iterator[ReleaseHost]:
    """The loopback release host with the 1.16.2.py37 torch-cpu stand-ins (and their links page)."""
    with ReleaseHost(tmp_path / "host") as served:
        served.publish_files(TAG, legacy_release.wheels)
        served.serve_index(legacy_release.folder)
        yield served


@pytest.fixture(scope="package", autouse=True)
def suite_clock() -> Iterator[None]:
    """Record how long the fault suite took (only in a measurement run, see ``record``)."""
    started = time.monotonic()
    yield
    record("suite-seconds", time.monotonic() - started)
