"""The process exit codes of aimetenv: the one place that defines them.

docs/reference/exit-codes.md documents the same table; a test keeps the two in step.
"""

from __future__ import annotations

import enum


class ExitCode(enum.IntEnum):
    """Why aimetenv stopped. Scripts and CI may branch on these values."""

    OK = 0
    CHECKS_FAILED = 1
    USAGE = 2
    NETWORK = 3
    INSTALL_FAILED = 4
    INTEGRITY = 5
    BUSY = 6
    FILE_ERROR = 7
    INTERNAL_ERROR = 70
    INTERRUPTED = 130


MEANINGS: dict[ExitCode, str] = {
    ExitCode.OK: "The command did what was asked (doctor: no check failed).",
    ExitCode.CHECKS_FAILED: "doctor ran and at least one check failed (or warned, with --strict).",
    ExitCode.USAGE: (
        "Bad input, or a request that cannot be met here: unknown variant or tag, a release that "
        "does not offer the variant, a Python or glibc the release cannot use, no interpreter found."
    ),
    ExitCode.NETWORK: (
        "A download or an index/API request failed: HTTP error, timeout, refused redirect."
    ),
    ExitCode.INSTALL_FAILED: (
        "Creating the environment or a pip step failed; pip's last lines and the log path are shown."
    ),
    ExitCode.INTEGRITY: "A file did not match its recorded sha256, or is not a readable wheel.",
    ExitCode.BUSY: "Another aimetenv process holds the lock on the same environment.",
    ExitCode.FILE_ERROR: (
        "A file aimetenv must read or write (rc file, receipt, cache) is unreadable or unwritable."
    ),
    ExitCode.INTERNAL_ERROR: "A bug in aimetenv: one line names it and the log file that holds the details.",
    ExitCode.INTERRUPTED: "Stopped by Ctrl-C (SIGINT). Nothing half-written is left behind.",
}

__all__ = ["MEANINGS", "ExitCode"]
