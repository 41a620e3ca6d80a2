"""What every command shares: error handling, output settings and the final exit code.

This module holds the one ``except AimetenvError`` of the program. Every command runs inside
``guarded``, so bad input becomes one readable line (or a JSON error document) and an exit code,
Ctrl-C becomes exit 130, and an unexpected exception becomes one line that points at a log file.
Output that cannot be written (``aimetenv env >> ~/.bashrc`` on a full disk, a closed stdout) is
a file error (exit 7) that says so, not a crash.
"""

from __future__ import annotations

import errno
import functools
import os
import sys
import time
import traceback
from typing import TYPE_CHECKING, Any, Callable, TextIO, TypeVar

import typer

from aimetenv.errors import AimetenvError, FileError
from aimetenv.exit_codes import ExitCode

if TYPE_CHECKING:
    from aimetenv.render.console import Settings

F = TypeVar("F", bound=Callable[..., Any])


def error_line(error: AimetenvError) -> str:
    """One line: the message, then the hint."""
    message = error.message.rstrip()
    if message and message[-1] not in ".!?":
        message += "."
    text = f"aimetenv: error: {message}"
    if error.hint:
        text += f" {error.hint}"
    from aimetenv.fetch.urls import redact

    return redact(" ".join(text.split("\n")))


def _write_err(text: str) -> None:
    try:
        sys.stderr.write(text + "\n")
        sys.stderr.flush()
    except (OSError, ValueError):
        pass


OUTPUT_FAILED = "output-failed"


class _Output:
    """``sys.stdout`` while a command runs: a write that fails is a ``FileError`` (exit 7).

    A broken pipe (``aimetenv env | head``) stays a ``BrokenPipeError``: that is a reader that
    has seen enough, not a failure.
    """

    def __init__(self, stream: TextIO | None, command: str) -> None:
        self.stream = stream
        self.command = command

    def _failed(self, error: OSError | None) -> FileError:
        reason = "stdout is closed" if error is None else (error.strerror or str(error))
        hint = "A file the output was redirected into may hold part of it."
        if self.command == "env":
            hint += " 'aimetenv env --write FILE' writes a whole block or nothing."
        if error is not None and error.errno in (errno.ENOSPC, errno.EDQUOT):
            hint = "Free some space, then run the command again. " + hint
        return FileError(f"cannot write the output: {reason}", hint=hint, code=OUTPUT_FAILED)

    def write(self, text: str) -> int:
        """Write to the real stdout."""
        if self.stream is None:
            raise self._failed(None)
        try:
            return self.stream.write(text)
        except BrokenPipeError:
            raise
        except OSError as error:
            raise self._failed(error) from None

    def flush(self) -> None:
        """Flush the real stdout."""
        if self.stream is None:
            return
        try:
            self.stream.flush()
        except BrokenPipeError:
            raise
        except OSError as error:
            raise self._failed(error) from None

    def isatty(self) -> bool:
        """Whether the real stdout is a terminal."""
        return self.stream is not None and self.stream.isatty()

    def __getattr__(self, name: str) -> Any:  # noqa: ANN401  # whatever the real stream has
        """Everything else comes from the real stream."""
        return getattr(self.stream, name)


def _silence_stdout() -> None:
    """Point file descriptor 1 at /dev/null, so the exit-time flush of stdout cannot fail."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, 1)
    except OSError:
        pass


def report_error(error: AimetenvError, command: str, *, json_mode: bool) -> None:
    """Print the error: one line on stderr, and the JSON error document on stdout with --json."""
    _write_err(error_line(error))
    from aimetenv.fetch.urls import redact

    for line in error.details:
        _write_err(f"  {redact(line)}")
    if json_mode and error.code != OUTPUT_FAILED:
        from aimetenv.render.jsonout import dumps, error_document  # error path only

        try:
            sys.stdout.write(dumps(error_document(error, command)))
            sys.stdout.flush()
        except (OSError, AimetenvError):
            _silence_stdout()


def _crash_log(command: str, error: BaseException) -> str | None:
    try:
        from aimetenv.paths import state_dir  # error path only

        folder = state_dir() / "crash"
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"{time.strftime('%Y%m%d-%H%M%S')}-{os.getpid()}.log"
        path.write_text(
            f"aimetenv {command}: {error!r}\n\n"
            + "".join(traceback.format_exception(type(error), error, error.__traceback__)),
            encoding="utf-8",
        )
        return str(path)
    except OSError:
        return None


def guarded(command: str) -> Callable[[F], F]:
    """Run a command function: map its result and its errors to output and an exit code."""

    def decorate(function: F) -> F:
        @functools.wraps(function)
        def wrapper(*args: Any, **kwargs: Any) -> None:  # noqa: ANN401  # any command's signature
            json_mode = bool(kwargs.get("json_output", False))
            real = sys.stdout
            sys.stdout = _Output(real, command)
            try:
                code = function(*args, **kwargs)
                sys.stdout.flush()
            except typer.Exit:
                raise
            except AimetenvError as error:
                if error.code == OUTPUT_FAILED:
                    _silence_stdout()
                report_error(error, command, json_mode=json_mode)
                raise typer.Exit(int(error.exit_code)) from None
            except KeyboardInterrupt as stop:
                note = getattr(stop, "note", None)  # what an install did with its environment
                ending = f"{note}." if note else "nothing half-written was left behind."
                _write_err(f"aimetenv: interrupted; {ending}")
                raise typer.Exit(int(ExitCode.INTERRUPTED)) from None
            except BrokenPipeError:
                devnull = os.open(os.devnull, os.O_WRONLY)
                os.dup2(devnull, sys.stdout.fileno())
                raise typer.Exit(int(ExitCode.OK)) from None
            except Exception as error:  # noqa: BLE001  # the last resort: never a traceback
                where = _crash_log(command, error)
                detail = f"; details in {where}" if where else ""
                _write_err(
                    f"aimetenv: internal error in '{command}' ({type(error).__name__}: "
                    f"{str(error)[:200]}){detail}. Please report it."
                )
                raise typer.Exit(int(ExitCode.INTERNAL_ERROR)) from None
            finally:
                sys.stdout = real
            raise typer.Exit(int(code if code is not None else ExitCode.OK))

        return wrapper  # type: ignore[return-value]

    return decorate


def refuse_interpreter(value: str | None, command: str) -> None:
    """``--python`` given to a command that takes a Python version: one line, exit 2.

    ``--python`` names an interpreter wherever it is taken (install, env, doctor); ``resolve``
    and ``download`` plan for a version (``--python-version X.Y``) and take no interpreter.
    """
    if value is None:
        return
    from aimetenv.envs.facts import parse_xy_tuple  # error path only
    from aimetenv.errors import UsageError  # error path only

    shown = value.strip() if parse_xy_tuple(value.strip()) is not None else "X.Y"
    raise UsageError(
        f"{command} takes no --python (that names an interpreter, as in install, env and doctor)",
        hint=f"For a Python version use --python-version {shown}.",
        code="python-is-interpreter",
    )


def settings_of(
    *, json_output: bool, quiet: bool = False, verbose: int = 0, color: bool = True
) -> Settings:
    """Output settings from the common options."""
    from aimetenv.render.console import Settings  # tiny module, kept out of start-up

    return Settings(json=json_output, quiet=quiet, verbose=verbose, color=color)


__all__ = ["error_line", "guarded", "refuse_interpreter", "report_error", "settings_of"]
