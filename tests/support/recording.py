"""Runners for tests: a recording double for decisions, and a spy on the real runner.

``RecordingRunner`` is a test double, on purpose: it starts no process. Each command is answered
from a small table of canned results (by the first argv elements that match, else exit 0 with no
output), and every command is kept in order, so that a test can assert exactly what would have
run. Every real path that such a test stands in for is still run for real at least once elsewhere
in the suite (the install e2e tests, the fault suite).

``SpyRunner`` is the real runner that also keeps the argv of every command it ran.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from aimetenv.runner import Command, Completed, SubprocessRunner

if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import IO


@dataclass(frozen=True)
class Answer:
    """What a recorded command 'does': its exit status and output."""

    returncode: int = 0
    stdout: str = ""
    stderr: str = ""
    timed_out: bool = False


@dataclass
class RecordingRunner:
    """A Runner that records commands and answers them from ``answers`` (argv prefix -> Answer).

    The longest matching prefix wins; a callable answer is called with the command, so that a test
    can, say, create the folder a ``python -m venv`` would have created.
    """

    answers: dict[tuple[str, ...], Answer | Callable[[Command], Answer]] = field(
        default_factory=dict
    )
    commands: list[Command] = field(default_factory=list)

    @property
    def argvs(self) -> list[tuple[str, ...]]:
        """The argv of every command, in the order they were asked for."""
        return [c.argv for c in self.commands]

    def _answer(self, command: Command) -> Completed:
        self.commands.append(command)
        best: tuple[str, ...] | None = None
        for prefix in self.answers:
            if command.argv[: len(prefix)] == prefix and (best is None or len(prefix) > len(best)):
                best = prefix
        answer = Answer() if best is None else self.answers[best]
        if callable(answer):
            answer = answer(command)
        code = -9 if answer.timed_out else answer.returncode
        return Completed(command, code, answer.stdout, answer.stderr, 0.0, answer.timed_out)

    def run(self, command: Command) -> Completed:
        """Record ``command`` and return its canned result."""
        return self._answer(command)

    def stream(
        self,
        command: Command,
        log: IO[str],
        echo: Callable[[str], None] | None = None,
        tick: Callable[[], None] | None = None,
    ) -> Completed:
        """Record ``command``; its canned stdout goes to ``log`` (and ``echo``) as a real run's would."""
        done = self._answer(command)
        if tick is not None:
            tick()
        for line in done.stdout.splitlines():
            log.write(line + "\n")
            if echo is not None:
                echo(line)
        return done


class SpyRunner(SubprocessRunner):
    """The real runner, keeping the argv of every command it runs (what ran is the assertion)."""

    def __init__(self) -> None:
        """Start with nothing run."""
        super().__init__()
        self.argvs: list[tuple[str, ...]] = []

    def run(self, command: Command) -> Completed:
        """Record ``command``, then run it for real."""
        self.argvs.append(command.argv)
        return super().run(command)

    def stream(
        self,
        command: Command,
        log: IO[str],
        echo: Callable[[str], None] | None = None,
        tick: Callable[[], None] | None = None,
    ) -> Completed:
        """Record ``command``, then run it for real with its output going to ``log``."""
        self.argvs.append(command.argv)
        return super().stream(command, log, echo, tick)
