"""``concurrently`` and ``started``: the reads of refresh run at the same time, each with a client
of its own, while the caller goes on."""

from __future__ import annotations

import threading

import pytest

from aimetenv.catalog.releaseapi import concurrently, sibling, started
from aimetenv.errors import NetworkError
from aimetenv.fetch.http import HttpClient


def test_the_jobs_run_at_the_same_time() -> None:
    """Each job waits for the other at a barrier: run one after another, neither would pass."""
    meeting = threading.Barrier(2, timeout=30)

    def job(client: HttpClient) -> int:
        del client
        return meeting.wait()

    assert sorted(concurrently(HttpClient(), [job, job])) == [0, 1]  # type: ignore[type-var]


def test_results_come_in_job_order_with_network_errors_in_place() -> None:
    failure = NetworkError("down", code="connection")

    def fails(client: HttpClient) -> str:
        del client
        raise failure

    def first(client: HttpClient) -> str:
        del client
        return "first"

    assert concurrently(HttpClient(), [first, fails, first]) == ["first", failure, "first"]


def test_another_error_is_raised_in_the_caller() -> None:
    def broken(client: HttpClient) -> str:
        del client
        msg = "a bug"
        raise ValueError(msg)

    with pytest.raises(ValueError, match="a bug"):
        concurrently(HttpClient(), [broken])


def test_each_job_has_its_own_client_with_the_same_settings() -> None:
    given = HttpClient(allow_http=True, retries=2, backoff=0.0, timeout=7.0)
    seen: list[HttpClient] = []
    lock = threading.Lock()

    def keep(client: HttpClient) -> None:
        with lock:
            seen.append(client)

    concurrently(given, [keep, keep])
    assert len({id(c) for c in seen}) == 2
    assert given not in seen
    for client in seen:
        assert (client.allow_http, client.retries, client.backoff, client.timeout) == (
            True, 2, 0.0, 7.0,
        )  # fmt: skip
    copy = sibling(given)
    assert copy is not given
    assert copy.sleep is given.sleep


def test_started_jobs_run_while_the_caller_goes_on() -> None:
    """The job waits for the caller at a barrier that the caller meets before it waits."""
    meeting = threading.Barrier(2, timeout=30)

    def job(client: HttpClient) -> str:
        del client
        meeting.wait()
        return "answered"

    wait = started(HttpClient(), [job])
    meeting.wait()  # would time out (BrokenBarrierError) if the job ran only inside wait()
    assert wait() == ["answered"]
