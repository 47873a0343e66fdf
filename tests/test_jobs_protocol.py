"""The one protocol both job backends implement, and the job kinds both read their settings from."""

from __future__ import annotations

from pathlib import Path

from app.config import Settings
from app.jobs.celery.backend import CeleryJobs
from app.jobs.celery.run_manager import CeleryRunManager
from app.jobs.local.pool import JobPool
from app.jobs.local.run_manager import LocalRunManager
from app.jobs.protocol import PROGRAMS, RUNS, JobBackend, RunManager


def members(protocol: type) -> list[str]:
    """The methods and attributes a protocol asks for."""
    names = [m for m in dir(protocol) if not m.startswith("_")]
    return names + list(protocol.__annotations__)


def test_both_backends_offer_the_job_backend_interface() -> None:
    pool = JobPool(workers=1, timeout_s=1, max_queue=1)
    try:
        for backend in (pool, CeleryJobs):
            missing = [m for m in members(JobBackend) if not hasattr(backend, m)]
            if backend is CeleryJobs:  # instance attributes, set in __init__
                missing = [m for m in missing if m not in ("workers", "in_flight", "capacity")]
            assert not missing, (backend, missing)
    finally:
        pool.close()


def test_both_run_managers_offer_the_run_manager_interface() -> None:
    attributes = set(RunManager.__annotations__)  # instance attributes, set in __init__
    for manager in (LocalRunManager, CeleryRunManager):
        missing = [m for m in members(RunManager) if m not in attributes]
        assert not [m for m in missing if not hasattr(manager, m)], manager


def test_each_backend_reads_a_kind_from_the_same_settings(tmp_path: Path) -> None:
    settings = Settings(
        workers=3,
        run_workers=2,
        job_timeout_s=4.0,
        run_timeout_s=40.0,
        max_queue=7,
        max_runs_in_flight=5,
        queue_wait_s=9.0,
        data_dir=tmp_path,
    )
    programs = JobPool.for_kind(PROGRAMS, settings)
    runs = JobPool.for_kind(RUNS, settings)
    try:
        assert (programs.workers, programs.timeout_s, programs.capacity) == (3, 4.0, 7)
        assert (runs.workers, runs.timeout_s, runs.capacity) == (2, 40.0, 5)
        assert programs.timeout_setting == "job_timeout_s"
        assert runs.timeout_setting == "run_timeout_s"
        assert runs.max_file_bytes > programs.max_file_bytes  # runs write the SQLite store
    finally:
        programs.close()
        runs.close()
    remote_programs = CeleryJobs(PROGRAMS, None, None, settings, "r1")  # type: ignore[arg-type]
    remote_runs = CeleryJobs(RUNS, None, None, settings, "r1")  # type: ignore[arg-type]
    assert (remote_programs.kind, remote_programs.timeout_s, remote_programs.capacity) == (
        "programs",
        4.0,
        7,
    )
    assert (remote_programs.queue_wait_s, remote_programs.revoke_on_cancel) == (9.0, True)
    # A run may wait behind other runs for as long as one of them may last.
    assert (remote_runs.kind, remote_runs.queue_wait_s, remote_runs.queue_setting) == (
        "runs",
        40.0,
        "run_timeout_s",
    )
    assert remote_runs.revoke_on_cancel is False  # a replica stopping leaves its runs alone
