"""Domain errors. The CLI turns each into one readable line and its exit code; nothing else prints."""

from __future__ import annotations

from aimetenv.exit_codes import ExitCode


class AimetenvError(Exception):
    """An expected failure with a message for the user and an optional next step."""

    exit_code: ExitCode = ExitCode.USAGE
    code: str = "error"

    def __init__(
        self,
        message: str,
        *,
        hint: str | None = None,
        code: str | None = None,
        details: tuple[str, ...] = (),
    ) -> None:
        """Keep the one-line message, the hint, a stable code and optional detail lines."""
        super().__init__(message)
        self.message = message
        self.hint = hint
        self.details = details
        if code is not None:
            self.code = code

    def __str__(self) -> str:
        """Return the one-line message."""
        return self.message


class UsageError(AimetenvError):
    """Bad input: the request cannot be understood or cannot be met as asked."""

    exit_code = ExitCode.USAGE
    code = "usage"


class CatalogError(AimetenvError):
    """The release catalog (packaged or overlay) is malformed."""

    exit_code = ExitCode.FILE_ERROR
    code = "catalog-invalid"


class NetworkError(AimetenvError):
    """A request to a release host, index or API failed."""

    exit_code = ExitCode.NETWORK
    code = "network"


class IntegrityError(AimetenvError):
    """A file does not match its recorded digest or is not a readable archive."""

    exit_code = ExitCode.INTEGRITY
    code = "integrity"


class InstallError(AimetenvError):
    """Creating an environment or running the installer failed."""

    exit_code = ExitCode.INSTALL_FAILED
    code = "install-failed"


class BusyError(AimetenvError):
    """Another aimetenv process is working on the same environment."""

    exit_code = ExitCode.BUSY
    code = "busy"


class FileError(AimetenvError):
    """A file could not be read or written."""

    exit_code = ExitCode.FILE_ERROR
    code = "file-error"


__all__ = [
    "AimetenvError",
    "BusyError",
    "CatalogError",
    "FileError",
    "InstallError",
    "IntegrityError",
    "NetworkError",
    "UsageError",
]
