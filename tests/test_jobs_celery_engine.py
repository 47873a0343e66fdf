"""The Celery backend's pieces that need no Redis: JSON arguments, queues, messages, the CLI."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from app.config import ProgramLimits, Settings, TrainingLimits
from app.jobs.celery.backend import NoWorker
from app.jobs.celery.engine import (
    JOB_NAMES,
    JOBS,
    STORE_PLACEHOLDER,
    decode_args,
    encode_args,
    lost_worker_detail,
    make_celery,
    queue_for,
    run_task_id,
)
from app.jobs.celery.worker import default_concurrency, worker_queues
from app.jobs.protocol import Saturated
from app.runs.store import SQLiteRunStore
from tests.conftest import REPO_DIR


def test_arguments_travel_as_json_and_come_back_as_they_were(tmp_path) -> None:
    store = SQLiteRunStore(tmp_path / "runs.sqlite3")
    args = ("run1", {"epochs": 3}, store, "auto", TrainingLimits(max_epochs=7))
    wire = json.loads(json.dumps(encode_args(args)))  # what crosses Redis
    assert wire[2] == STORE_PLACEHOLDER  # never a path or URL a message could point elsewhere
    decoded = decode_args(wire, lambda: "the worker's own store")
    assert decoded == ["run1", {"epochs": 3}, "the worker's own store", "auto", args[4]]
    limits = decode_args(encode_args((ProgramLimits(max_steps=5),)), lambda: None)[0]
    assert limits == ProgramLimits(max_steps=5)


def test_every_job_has_a_name_both_ways() -> None:
    assert set(JOBS) == {"graph", "train", "predict", "graph_step", "ping"}
    assert all(JOBS[JOB_NAMES[fn]] is fn for fn in JOB_NAMES)


def test_cuda_jobs_go_to_the_gpu_queues() -> None:
    assert queue_for("programs", "cuda") == "programs-cuda"
    assert queue_for("programs", "auto") == "programs"
    assert queue_for("runs", None) == "runs"
    assert worker_queues(None, "cpu") == ["programs", "runs"]
    assert worker_queues(["runs"], "cuda") == ["runs", "runs-cuda"]
    settings = Settings(workers=3, run_workers=2)
    assert default_concurrency(settings, ["programs", "runs"]) == 5
    assert default_concurrency(settings, ["runs", "runs-cuda"]) == 2


def test_lost_worker_messages_read_like_the_embedded_pools() -> None:
    message = "Worker exited prematurely: signal 9 (SIGKILL) Job: 3."
    assert lost_worker_detail(message) == "killed by SIGKILL"
    assert lost_worker_detail("Worker exited prematurely: exitcode 70 Job: 1.") == "exit code 70"
    assert run_task_id("abc") == "run-abc"
    assert isinstance(NoWorker(30, "queue_wait_s"), Saturated)  # a 503 with Retry-After
    assert "within 30 s (queue_wait_s)" in str(NoWorker(30, "queue_wait_s"))


def test_celery_speaks_json_only_and_never_retries_a_job() -> None:
    celery = make_celery(Settings(redis_url="redis://127.0.0.1:1/0"))
    assert celery.conf.accept_content == ["json"]
    assert celery.conf.task_serializer == "json"
    assert celery.conf.task_acks_late is True  # a worker reserves only what it can start
    assert celery.conf.task_reject_on_worker_lost is False  # a lost job is failed, not re-run
    assert celery.conf.task_track_started is True
    with pytest.raises(ValueError, match="GRADTRACE_REDIS_URL"):
        make_celery(Settings(redis_url=None))


def test_worker_without_redis_url_says_what_it_needs() -> None:
    env = {"PATH": "/usr/bin:/bin", "PYTHONPATH": str(REPO_DIR)}
    result = subprocess.run(
        [sys.executable, "-m", "app", "worker"],
        cwd=REPO_DIR,
        env=env,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 2
    assert "GRADTRACE_REDIS_URL is needed" in result.stderr
    assert "Traceback" not in result.stderr


def test_worker_refuses_an_unknown_queue() -> None:
    env = {"PATH": "/usr/bin:/bin", "GRADTRACE_REDIS_URL": "redis://127.0.0.1:1/0"}
    result = subprocess.run(
        [sys.executable, "-m", "app", "worker", "--queues", "programs,gpu"],
        cwd=REPO_DIR,
        env=env,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 2 and "unknown queue" in result.stderr


def test_worker_help_names_its_flags() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "app", "worker", "--help"],
        cwd=REPO_DIR,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0
    for flag in ("--concurrency", "--queues", "--log-level"):
        assert flag in result.stdout
