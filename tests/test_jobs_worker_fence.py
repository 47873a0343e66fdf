"""The CPU-time backstop of the worker fence: a job that keeps the CPU busy past its budget
is ended by the kernel even if nobody kills it."""

from __future__ import annotations

import signal
import subprocess
import sys
import textwrap
import time

BUSY = textwrap.dedent(
    """
    from app.jobs.worker.fence import limit_cpu_time
    limit_cpu_time(1)
    while True:
        pass
    """
)


def test_cpu_time_limit_ends_a_busy_process():
    started = time.monotonic()
    done = subprocess.run([sys.executable, "-c", BUSY], timeout=60, check=False)
    assert done.returncode == -signal.SIGXCPU
    assert time.monotonic() - started < 30
