"""The process exit codes of aimetenv: the one place that defines them.

docs/reference/exit-codes.md documents the same table; a test keeps the two in step.
"""

from __future__ import annotations

import enum


class ExitCode(enum.IntEnum):
    """Why aimetenv stopped. Scripts and CI may branch on these values."""

    OK = 0
    """The command did what was asked (doctor: no check failed)."""
    CHECKS_FAILED = 1
    """doctor ran and at least one check failed (or warned, with --strict)."""
    USAGE = 2
    """Bad input, or a request that cannot be met here: unknown variant or tag, a release that
    does not offer the variant, a Python or glibc the release cannot use, no interpreter found."""
    NETWORK = 3
    """A download or an index/API request failed: HTTP error, timeout, refused redirect."""
    INSTALL_FAILED = 4
    """Creating the environment or a pip step failed; pip's last lines and the log path are shown."""
    INTEGRITY = 5
    """A file did not match its recorded sha256, or is not a readable wheel."""
    BUSY = 6
    """Another aimetenv process holds the lock on the same environment."""
    FILE_ERROR = 7
    """A file aimetenv must read or write (rc file, receipt, cache) is unreadable or unwritable."""
    INTERNAL_ERROR = 70
    """A bug in aimetenv: one line names it and the log file that holds the details."""
    INTERRUPTED = 130
    """Stopped by Ctrl-C (SIGINT). Nothing half-written is left behind."""


__all__ = ["ExitCode"]
