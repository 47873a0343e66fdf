"""A worker process's life: its initializer (fence, torch, warm-up) and the job wrapper.

Both backends start workers with :func:`init_worker`: the embedded pool as pebble's
initializer, ``gradtrace worker`` in each Celery child (``worker_process_init``).

This module imports only the standard library at load time. torch, ``app.lang`` and
``app.graph`` are imported after :func:`init_worker` has applied the fence, so the one-thread
settings reach OpenMP/MKL before they start.
"""

from __future__ import annotations

import gc
import logging
import os
import shutil
import signal
from collections.abc import Callable
from multiprocessing import util
from typing import Any, TypeVar

from app.config import ProgramLimits
from app.jobs.worker import cleanup
from app.jobs.worker.fence import apply_fence, limit_cpu_time
from app.jobs.worker.graph_jobs import run_graph_job

log = logging.getLogger("gradtrace.worker")

T = TypeVar("T")

# The program every worker runs once at start, so the first real request finds torch, the
# interpreter and the graph code imported and their lazy initialisation done.
WARM_UP_SOURCE = """\
import torch
from torch.utils.data import TensorDataset, DataLoader

x = torch.tensor([[1., 2., 3.], [4., 5., 6.]], requires_grad=True)
y = x + 1
z = 2 * y
m = z.mean()
m.backward()
model = torch.nn.Linear(3, 1)
optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
for xb, in DataLoader(TensorDataset(x.detach()), batch_size=2):
    loss = model(xb).pow(2).mean()
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
"""


# CPU seconds one job may use (set by init_worker; see fence.limit_cpu_time).
_cpu_seconds_per_job = 0


def run_job(fn: Callable[..., T], *args: Any) -> T:
    """What the pool runs for every job: arm the CPU-time backstop, then the job itself (once
    the last job's deferred cleanup is done)."""
    cleanup.wait()
    if _cpu_seconds_per_job:
        limit_cpu_time(_cpu_seconds_per_job)
    return fn(*args)


def init_worker(
    memory_mb: int,
    base_dir: str | None = None,
    max_file_bytes: int = 1 << 20,
    gpu_memory_fraction: float = 1.0,
    cpu_seconds_per_job: int = 0,
) -> None:
    """pebble initializer: fence the process, import the heavy libraries, run one program."""
    global _cpu_seconds_per_job
    _cpu_seconds_per_job = cpu_seconds_per_job
    # pebble's SIGTERM handler runs in Python, i.e. only between bytecodes: a worker stuck in
    # one long torch kernel would ignore it for the 3 s before pebble's SIGKILL, holding up the
    # pool's manager thread meanwhile. The default action ends the process at once.
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    workdir = apply_fence(memory_mb, base_dir, max_file_bytes)
    # Remove the private directory when the worker retires after worker_max_jobs (a normal
    # exit runs multiprocessing's finalizers; killed workers are swept by the pool).
    util.Finalize(
        None, shutil.rmtree, args=(workdir,), kwargs={"ignore_errors": True}, exitpriority=1
    )
    try:
        import torch

        torch.set_num_threads(1)
        torch.set_num_interop_threads(1)
        if torch.cuda.is_available():
            # RLIMIT_DATA caps host memory only; this caps the worker's share of the GPU, so an
            # allocation the estimator missed fails here instead of starving other workers.
            torch.cuda.set_per_process_memory_fraction(gpu_memory_fraction)
        _warm_up()
    except Exception:  # never fatal: an initializer that raises makes pebble break the pool
        log.exception("worker warm-up failed; jobs will load what they need")
    # torch and friends leave ~200k long-lived objects; a full collection after every job would
    # scan them all (~100 ms). Frozen, they are skipped and the per-job collect costs ~nothing.
    cleanup.wait()  # the warm-up program's own objects go first
    gc.collect()
    gc.freeze()


def _warm_up() -> None:
    result = run_graph_job(WARM_UP_SOURCE, "cpu", True, ProgramLimits(), 100, 100, True)
    problem = result.get("internal_error") or result.get("error")
    if problem:
        log.error("worker warm-up program failed: %s", problem)


def ping() -> int:
    """A job that only proves a warm worker answers; returns its pid."""
    return os.getpid()
