"""The one way a program runs in the target and answers between two cookie lines."""

from __future__ import annotations

import sys
from pathlib import Path

from aimetenv.envs.snippet import build_snippet, read_framed, run_snippet
from aimetenv.runner import Command, Completed, SubprocessRunner

ANSWER = r"""
import json, sys
print("noise before")
sys.stdout.write(sys.argv[1] + "\n" + json.dumps({"args": sys.argv[3:]}) + "\n" + sys.argv[2] + "\n")
print("noise after")
"""


def test_a_real_program_answers_between_its_cookies_whatever_else_it_prints() -> None:
    snippet = build_snippet(Path(sys.executable), ANSWER, "a", "b", tag="TEST", timeout=60)
    assert snippet.begin.startswith("AIMETENV-TEST-BEGIN-")
    assert snippet.command.argv[3:] == (snippet.begin, snippet.end, "a", "b")
    again = build_snippet(Path(sys.executable), ANSWER, tag="TEST", timeout=60)
    assert again.begin != snippet.begin  # fresh cookies each run
    framed = run_snippet(SubprocessRunner(), snippet)
    assert framed.problem is None
    assert framed.data == {"args": ["a", "b"]}


def test_each_problem_is_named() -> None:
    command = Command(argv=("x",), timeout=5)
    late = read_framed(Completed(command, -9, "", "", 5.0, timed_out=True), "B", "E")
    assert (late.problem, late.data) == ("timed-out", None)
    silent = read_framed(Completed(command, 1, "B\n", "boom", 0.1), "B", "E")
    assert silent.problem == "no-answer"
    garbage = read_framed(Completed(command, 0, "B\n{]\nE\n", "", 0.1), "B", "E")
    assert garbage.problem == "not-json"
    odd = read_framed(Completed(command, 0, "B\n[1]\nE\n", "", 0.1), "B", "E")
    assert (odd.problem, odd.data) == (None, [1])


def test_lines_of_the_programs_own_that_start_with_the_cookie_are_not_the_answer() -> None:
    # doctor's programs mark each native module they load as "<begin>-native <path>".
    command = Command(argv=("x",), timeout=5)
    out = 'B-native /x/_a.so\nB-native /x/_b.so\nB\n{"ok": true}\nE\nwarning after\n'
    framed = read_framed(Completed(command, 0, out, "", 0.1), "B", "E")
    assert (framed.problem, framed.data) == (None, {"ok": True})
