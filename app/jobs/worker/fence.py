"""OS-level fence around a worker process: the last line of defence behind the interpreter.

`app.lang` already refuses files, imports and processes; these limits only matter if a program
finds a hole in it, or if PyTorch itself misbehaves on hostile input. Everything here is best
effort: an OS that refuses a limit is logged and skipped, never fatal, because a worker that
fails to start would make pebble restart it forever.

Apply it first thing in the worker, *before* torch is imported, so the thread settings reach
OpenMP/MKL when they initialise.
"""

from __future__ import annotations

import contextlib
import logging
import os
import resource
import signal
import tempfile
from pathlib import Path

log = logging.getLogger("gradtrace.fence")

# Biggest file a worker may write. Programs cannot open files at all; this stops a hole from
# filling the disk.
MAX_FILE_BYTES = 1 << 20
# Open descriptors: pipes to the pool plus shared libraries while torch loads.
MAX_OPEN_FILES = 256
# Threads/processes a worker may add on top of what its user already runs (RLIMIT_NPROC counts
# every task of the uid, system-wide). Torch runs single-threaded here; this is for its helpers.
EXTRA_TASKS = 64
# Variables a worker keeps from the service's environment: nothing secret lives in these.
ENV_ALLOW = ("PATH", "LANG", "LC_ALL", "LC_CTYPE", "TZ", "CUDA_VISIBLE_DEVICES")
# One thread for every math library: workers run side by side, and a runaway program must not
# take more than its one core.
THREAD_ENV = {
    "OMP_NUM_THREADS": "1",
    "MKL_NUM_THREADS": "1",
    "OPENBLAS_NUM_THREADS": "1",
    "NUMEXPR_NUM_THREADS": "1",
    "VECLIB_MAXIMUM_THREADS": "1",
}


def apply_fence(
    memory_mb: int, base_dir: str | None = None, max_file_bytes: int = MAX_FILE_BYTES
) -> Path:
    """Fence the current process; return the private working directory it now runs in.

    ``max_file_bytes`` is larger for training workers, which run no user code and append
    events to the run store's SQLite file.
    """
    _limit_memory(memory_mb * 1024 * 1024)
    _set_limit("RLIMIT_FSIZE", max_file_bytes)
    # Past RLIMIT_FSIZE the kernel sends SIGXFSZ, whose default action kills the worker; ignored,
    # the write fails with EFBIG instead, which the program sees as an ordinary error.
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    # A crashing worker must not dump its memory (other programs' leftovers) to disk.
    _set_limit("RLIMIT_CORE", 0)
    _set_limit("RLIMIT_NOFILE", MAX_OPEN_FILES)
    _limit_tasks()
    workdir = Path(tempfile.mkdtemp(prefix="worker-", dir=base_dir))
    os.chdir(workdir)
    _scrub_environment(workdir)
    return workdir


def limit_cpu_time(seconds: int) -> None:
    """Let the coming job use at most ``seconds`` more CPU time (RLIMIT_CPU, soft limit).

    The wall-clock kill by the pool is the plan; this is the kernel's backstop should that kill
    ever not come (the worker stuck where signals wait, say). Past it the kernel sends SIGXCPU,
    which ends the worker, and the pool reports a crash. Workers live for many jobs, so the
    limit is re-armed before each one from the CPU time used so far.
    """
    usage = resource.getrusage(resource.RUSAGE_SELF)
    soft = int(usage.ru_utime + usage.ru_stime) + max(1, seconds)
    _, hard = resource.getrlimit(resource.RLIMIT_CPU)
    if hard != resource.RLIM_INFINITY:
        soft = min(soft, hard)
    with contextlib.suppress(ValueError, OSError):  # unsupported: the wall-clock kill remains
        resource.setrlimit(resource.RLIMIT_CPU, (soft, hard))


def _limit_memory(limit_bytes: int) -> None:
    """Cap the heap so a huge tensor fails with an error instead of waking the OOM killer.

    RLIMIT_DATA (private writable mappings, which is where malloc and torch put tensors) is
    preferred: RLIMIT_AS also counts address space that is reserved but never used, which CUDA
    builds of torch reserve by the tens of gigabytes, so an AS cap breaks `import torch` there.
    """
    name = "RLIMIT_DATA" if hasattr(resource, "RLIMIT_DATA") else "RLIMIT_AS"
    _set_limit(name, limit_bytes)


def _limit_tasks() -> None:
    """Stop a hole from forking or spawning threads without bound (a fork bomb)."""
    if os.geteuid() == 0:
        return  # the kernel does not enforce RLIMIT_NPROC on root
    _set_limit("RLIMIT_NPROC", _tasks_of_user(os.getuid()) + EXTRA_TASKS)


def _tasks_of_user(uid: int) -> int:
    """Count the threads the user runs now, as RLIMIT_NPROC does."""
    total = 0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        fields: dict[str, str] = {}
        with contextlib.suppress(OSError):
            for line in (entry / "status").read_text().splitlines():
                key, _, value = line.partition(":")
                fields[key] = value
        if fields.get("Uid", "").split()[:1] == [str(uid)]:
            total += int(fields.get("Threads", "1").strip() or 1)
    return total


def _set_limit(name: str, soft: int) -> None:
    """Lower one limit (soft and hard, so the program cannot raise it back), never raise it."""
    kind = getattr(resource, name, None)
    if kind is None:
        return
    try:
        _, hard = resource.getrlimit(kind)
        value = soft if hard == resource.RLIM_INFINITY else min(soft, hard)
        resource.setrlimit(kind, (value, value))
    except (OSError, ValueError) as error:
        log.warning("could not set %s: %s", name, error)


def _scrub_environment(workdir: Path) -> None:
    """Keep a small allow-list: the service's variables (tokens, URLs) are none of a program's
    business, and HOME/TMPDIR point into the private directory so nothing lands elsewhere."""
    kept = {key: os.environ[key] for key in ENV_ALLOW if key in os.environ}
    os.environ.clear()
    os.environ.update(kept)
    os.environ.update(THREAD_ENV)
    os.environ["HOME"] = os.environ["TMPDIR"] = str(workdir)
    tempfile.tempdir = str(workdir)
