"""The one door to child processes. Nothing else in aimetenv imports ``subprocess``.

Commands are argv tuples (never shell strings). ``run`` captures output and returns it as data,
exit status and time-outs included, so ``doctor`` can report failures; ``stream`` sends merged
output to a log (and optionally echoes it live) for long pip runs, and calls an optional ``tick``
at least every 0.2 s while the child runs, so that a progress display can redraw its clock and a
heartbeat can be written even while the child prints nothing. On Ctrl-C the child gets
SIGINT, then SIGTERM, then SIGKILL, and the KeyboardInterrupt goes on up.
"""

from __future__ import annotations

import os
import queue
import signal
import subprocess  # noqa: TID251  # this module is the one allowed door
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol

from aimetenv.errors import InstallError

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping
    from typing import IO

TAIL_LINES = 400
"""Lines of a streamed child kept for its error message (pip may print progress lines)."""
_POLL_SECONDS = 0.2
_DROP_FOR_INSTALLERS = (
    "PYTHONPATH",
    "PYTHONHOME",
    "PYTHONSTARTUP",
    "__PYVENV_LAUNCHER__",
    "PIP_TARGET",
    "PIP_PREFIX",
    "PIP_ROOT",
    "PIP_USER",
    "PIP_REQUIRE_VIRTUALENV",
)


@dataclass(frozen=True)
class Command:
    """A child process to run."""

    argv: tuple[str, ...]
    env: Mapping[str, str | None] = field(default_factory=dict)
    """Changes to the environment; None removes a variable."""
    cwd: str | None = None
    timeout: float | None = None
    sanitize: bool = True
    """Installer hygiene (see ``sanitized_env``). doctor turns it off to run as the user would."""
    stdin: str | None = None

    def display(self) -> str:
        """The command as a user could paste it into a POSIX shell."""
        import shlex  # noqa: PLC0415  # only for display

        return " ".join(shlex.quote(a) for a in self.argv)


@dataclass(frozen=True)
class Completed:
    """What a child did: its exit status and output (or the tail of it, when streamed)."""

    command: Command
    returncode: int
    stdout: str
    stderr: str
    seconds: float
    timed_out: bool = False

    @property
    def ok(self) -> bool:
        """Exit status 0 and no time-out."""
        return self.returncode == 0 and not self.timed_out

    def tail(self, lines: int = 15) -> str:
        """The last lines of output, for error messages."""
        text = "\n".join(part.strip("\n") for part in (self.stdout, self.stderr) if part.strip())
        return "\n".join(text.splitlines()[-lines:])


class Runner(Protocol):
    """Anything that can run a Command. Tests may pass their own."""

    def run(self, command: Command) -> Completed:
        """Run to completion and capture stdout and stderr."""
        ...

    def stream(
        self,
        command: Command,
        log: IO[str],
        echo: Callable[[str], None] | None = None,
        tick: Callable[[], None] | None = None,
    ) -> Completed:
        """Run with stdout and stderr merged into ``log`` (and ``echo``); keep the tail.

        ``tick`` is called on every poll while the child runs, whether it printed or not.
        """
        ...


def sanitized_env(base: Mapping[str, str], overlay: Mapping[str, str | None]) -> dict[str, str]:
    """The environment for installer children: the user's, minus what would misdirect pip.

    PYTHONPATH and PYTHONHOME would make the target see other packages; PIP_TARGET, PIP_PREFIX,
    PIP_ROOT and PIP_USER would send files outside the environment. Index, proxy, certificate and
    constraint settings stay: they are how the user reaches their package hosts.
    """
    env = {k: v for k, v in base.items() if k not in _DROP_FOR_INSTALLERS}
    env["PIP_DISABLE_PIP_VERSION_CHECK"] = "1"
    env["PIP_NO_INPUT"] = "1"
    env["PYTHONIOENCODING"] = "utf-8"
    return _apply(env, overlay)


def _apply(env: dict[str, str], overlay: Mapping[str, str | None]) -> dict[str, str]:
    for key, value in overlay.items():
        if value is None:
            env.pop(key, None)
        else:
            env[key] = value
    return env


def child_env(command: Command, base: Mapping[str, str] | None = None) -> dict[str, str]:
    """The exact environment a command's child gets."""
    source = dict(os.environ if base is None else base)
    if command.sanitize:
        return sanitized_env(source, command.env)
    return _apply(source, command.env)


def _pump(stream: IO[str]) -> queue.Queue[str | None]:
    """Read ``stream`` line by line on a thread; None marks its end.

    The reader thread lets ``stream`` wake up on a deadline even when the child prints nothing,
    and is a daemon so that a grandchild still holding the pipe cannot keep aimetenv alive.
    """
    lines: queue.Queue[str | None] = queue.Queue()

    def read() -> None:
        try:
            for line in stream:
                lines.put(line)
        except (OSError, ValueError):  # the pipe was closed under us
            pass
        finally:
            lines.put(None)

    threading.Thread(target=read, name="aimetenv-pump", daemon=True).start()
    return lines


class SubprocessRunner:
    """The real runner."""

    def __init__(self, grace_seconds: float = 10.0) -> None:
        """``grace_seconds``: how long a child may take to stop after SIGINT."""
        self.grace_seconds = grace_seconds

    def _popen(self, command: Command, **kwargs: object) -> subprocess.Popen[str]:
        try:
            process: subprocess.Popen[str] = subprocess.Popen(  # argv list, never a shell
                list(command.argv),
                env=child_env(command),
                cwd=command.cwd,
                text=True,
                encoding="utf-8",
                errors="replace",
                **kwargs,  # type: ignore[call-overload]
            )
        except FileNotFoundError:
            raise InstallError(
                f"cannot run {command.argv[0]}: no such file",
                hint="Check that the program is installed and on PATH.",
                code="command-not-found",
            ) from None
        except PermissionError:
            raise InstallError(
                f"cannot run {command.argv[0]}: permission denied",
                code="command-not-executable",
            ) from None
        return process

    def _stop(self, process: subprocess.Popen[str]) -> None:
        if process.poll() is not None:
            return
        for sig, wait in ((signal.SIGINT, self.grace_seconds), (signal.SIGTERM, 5.0)):
            try:
                process.send_signal(sig)
                process.wait(timeout=wait)
            except subprocess.TimeoutExpired:
                continue
            except ProcessLookupError:
                return
            return
        process.kill()
        process.wait()

    def run(self, command: Command) -> Completed:
        """Run to completion and capture stdout and stderr."""
        start = time.monotonic()
        process = self._popen(
            command,
            stdin=subprocess.PIPE if command.stdin is not None else subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        try:
            out, err = process.communicate(input=command.stdin, timeout=command.timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            out, err = process.communicate()
            return Completed(command, -9, out, err, time.monotonic() - start, timed_out=True)
        except KeyboardInterrupt:
            self._stop(process)
            raise
        return Completed(command, process.returncode, out, err, time.monotonic() - start)

    def stream(
        self,
        command: Command,
        log: IO[str],
        echo: Callable[[str], None] | None = None,
        tick: Callable[[], None] | None = None,
    ) -> Completed:
        """Run with stdout and stderr merged into ``log`` (and ``echo``); keep the tail.

        ``tick`` is called on every poll (at least every 0.2 s) while the child runs.
        """
        start = time.monotonic()
        process = self._popen(
            command, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT
        )
        tail: deque[str] = deque(maxlen=TAIL_LINES)
        deadline = None if command.timeout is None else start + command.timeout
        timed_out = False
        assert process.stdout is not None  # noqa: S101  # we asked for a pipe
        lines = _pump(process.stdout)
        try:
            while True:
                if tick is not None:
                    tick()
                try:
                    line = lines.get(timeout=_POLL_SECONDS)
                except queue.Empty:
                    # A child that prints nothing still runs out of time.
                    if deadline is not None and time.monotonic() > deadline:
                        timed_out = True
                        self._stop(process)
                        break
                    continue
                if line is None:
                    break
                log.write(line)
                tail.append(line.rstrip("\n"))
                if echo is not None:
                    echo(line.rstrip("\n"))
                if deadline is not None and time.monotonic() > deadline:
                    timed_out = True
                    self._stop(process)
                    break
            process.wait()
        except KeyboardInterrupt:
            self._stop(process)
            raise
        finally:
            log.flush()
        code = -9 if timed_out else process.returncode
        return Completed(command, code, "\n".join(tail), "", time.monotonic() - start, timed_out)


__all__ = ["Command", "Completed", "Runner", "SubprocessRunner", "child_env", "sanitized_env"]
