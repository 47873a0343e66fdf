"""app.jobs.worker.cleanup: work a job defers past its reply runs on a thread, in order, and the
next job's wait() returns only once it is done."""

from __future__ import annotations

import logging
import threading
import time

import pytest

from app.jobs.worker import cleanup


def test_deferred_work_runs_on_another_thread_and_wait_joins_it() -> None:
    ran: list[tuple[str, int]] = []
    release = threading.Event()

    def work() -> None:
        release.wait(5)
        ran.append(("first", threading.get_ident()))

    cleanup.defer(work)
    assert ran == []  # defer returned while the work waits
    release.set()
    cleanup.wait()
    assert ran and ran[0][1] != threading.get_ident()
    cleanup.wait()  # nothing pending: returns at once


def test_work_deferred_twice_runs_in_order() -> None:
    order: list[int] = []

    def slow() -> None:
        time.sleep(0.2)
        order.append(1)

    cleanup.defer(slow)
    cleanup.defer(lambda: order.append(2))  # waits for the first
    cleanup.wait()
    assert order == [1, 2]


def test_a_failing_cleanup_is_logged_and_the_next_job_goes_on(
    caplog: pytest.LogCaptureFixture,
) -> None:
    def broken() -> None:
        raise RuntimeError("boom")

    with caplog.at_level(logging.ERROR, logger="gradtrace.worker"):
        cleanup.defer(broken)
        cleanup.wait()
    assert "cleanup after a job failed" in caplog.text and "boom" in caplog.text
