"""Scale-out end to end: two web replicas and two ``gradtrace worker`` processes on one real
Redis (Debian's redis-server with ``--appendonly yes``, started here; no Docker).

The tests go from gentle to destructive (a killed worker process, a lost worker, a Redis
restart), sharing one cluster that repairs itself where a test broke it.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
import redis
import torch

from app.jobs.celery.lease import RunLease
from tests.conftest import start_server, stop_server
from tests.scale_support import (
    Event,
    RedisServer,
    needs_redis,
    read_events,
    scale_env,
    slow_config,
    start_worker,
    stop_worker,
    wait_until,
)

pytestmark = [needs_redis, pytest.mark.slow]

LEASE_S = 5.0  # above the ~2 s Celery takes to report a killed child (worker_lost_wait)
JOB_TIMEOUT_S = 3.0
PROCESSES_PER_WORKER = 2
MEMORY_MB = 2_048

SLOW_TORCH = """\
import torch
a = torch.randn(1500, 1500)
for i in range(100000):
    b = a @ a
"""

# Deterministic programs (seeded, or no randomness) to compare with the embedded server.
PROGRAMS = [
    "import torch\nx = torch.tensor([[1.,2.,3.],[4.,5.,6.]], requires_grad=True)\n"
    "y = x + 1\nz = 2 * y\nm = z.mean()\nm.backward()\nprint(m)\n",
    "import torch\ntorch.manual_seed(0)\nw = torch.randn(3, 2, requires_grad=True)\n"
    "b = torch.zeros(2, requires_grad=True)\nx = torch.randn(4, 3)\n"
    "loss = torch.relu(x @ w + b).pow(2).sum()\nloss.backward()\n",
    "import torch\nx = torch.tensor(2.0, requires_grad=True)\ny = x ** 3\n"
    "g, = torch.autograd.grad(y, x, create_graph=True)\ng.backward()\n",
]
SAME_KEYS = ("variables", "graph", "dot", "stdout", "warnings", "plots", "device")


@dataclass
class Cluster:
    """The processes of one scale-out deployment on this machine."""

    redis: RedisServer
    tmp: Path
    env: dict[str, str]
    webs: list[str] = field(default_factory=list)
    web_procs: list[subprocess.Popen[bytes]] = field(default_factory=list)
    workers: list[subprocess.Popen[bytes]] = field(default_factory=list)

    def add_worker(self) -> subprocess.Popen[bytes]:
        proc, _ = start_worker(self.tmp, self.env, "--concurrency", str(PROCESSES_PER_WORKER))
        self.workers.append(proc)
        return proc

    def wait_for_workers(self, processes: int) -> None:
        """Until every replica's /health counts ``processes`` live worker processes."""
        for web in self.webs:
            wait_until(
                lambda web=web: httpx.get(f"{web}/health").json()["workers"] == processes,
                deadline_s=180,
                what=f"{processes} worker processes on {web}",
            )

    def client(self) -> redis.Redis:
        return redis.Redis.from_url(self.redis.url, decode_responses=True)

    def lease_holder(self, run_id: str) -> dict[str, Any]:
        lease = RunLease(self.client(), "gradtrace", LEASE_S)
        return wait_until(lambda: lease.holder(run_id), what=f"a worker holding run {run_id}")


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    tmp = tmp_path_factory.mktemp("cluster")
    server = RedisServer(tmp)
    server.start()
    env = scale_env(
        server,
        GRADTRACE_RUN_LEASE_S=str(LEASE_S),
        GRADTRACE_JOB_TIMEOUT_S=str(JOB_TIMEOUT_S),
        GRADTRACE_WORKER_MEMORY_MB=str(MEMORY_MB),
    )
    cluster = Cluster(server, tmp, env)
    try:
        for _ in range(2):
            cluster.add_worker()
        for _ in range(2):
            base_url, proc, _ = start_server([sys.executable, "-m", "app", "serve"], tmp, env)
            cluster.webs.append(base_url)
            cluster.web_procs.append(proc)
        cluster.wait_for_workers(2 * PROCESSES_PER_WORKER)
        yield cluster
    finally:
        for proc in cluster.web_procs:
            stop_server(proc)
        for proc in cluster.workers:
            stop_worker(proc)
        server.stop()


def post_program(base_url: str, source: str, **body: Any) -> httpx.Response:
    return httpx.post(f"{base_url}/api/graph", json={"source": source, **body}, timeout=60)


def start_run(base_url: str, config: dict[str, Any]) -> str:
    response = httpx.post(f"{base_url}/api/runs", json=config, timeout=30)
    assert response.status_code == 201, response.text
    return response.json()["id"]


def run_body(base_url: str, run_id: str) -> dict[str, Any]:
    response = httpx.get(f"{base_url}/api/runs/{run_id}", timeout=30)
    assert response.status_code == 200, response.text
    return response.json()


def wait_status(base_url: str, run_id: str, status: str, deadline_s: float = 60) -> dict:
    return wait_until(
        lambda: (body := run_body(base_url, run_id))["status"] == status and body,
        deadline_s=deadline_s,
        what=f"run {run_id} {status}",
    )


def assert_whole_log(events: list[Event], end: str) -> None:
    """Ids 1, 2, 3... without gap or repeat; epochs numbered from 1; one ``end`` event, last."""
    assert [e.id for e in events] == list(range(1, len(events) + 1))
    *epochs, last = events
    assert last.type == end, last
    assert [e.type for e in epochs] == ["epoch"] * len(epochs)
    assert [e.data["epoch"] for e in epochs] == list(range(1, len(epochs) + 1))


def pool_children(worker: subprocess.Popen[bytes]) -> list[int]:
    """Pids of the pool processes of a worker (the children of its main process)."""
    children = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(") ", 1)[1].split()[1]) == worker.pid:
                children.append(int(entry.name))
    return children


# --- gentle ------------------------------------------------------------------------------------


def test_every_replica_reports_the_live_workers(cluster: Cluster) -> None:
    for web in cluster.webs:
        health = httpx.get(f"{web}/health").json()
        assert health["status"] == "ok"
        assert health["workers"] == 2 * PROCESSES_PER_WORKER
        assert health["device"] == ("cuda" if torch.cuda.is_available() else "cpu")


def test_a_program_gives_the_embedded_servers_graph_on_either_replica(
    cluster: Cluster, live_server: str
) -> None:
    for source in PROGRAMS:
        embedded = post_program(live_server, source, device="cpu")
        assert embedded.status_code == 200, embedded.text
        for web in cluster.webs:
            scaled = post_program(web, source, device="cpu")
            assert scaled.status_code == 200, scaled.text
            for key in SAME_KEYS:
                assert scaled.json()[key] == embedded.json()[key], key
            assert scaled.json()["svg"].lstrip().startswith(("<?xml", "<svg"))


def test_program_errors_are_the_same_as_embedded(cluster: Cluster, live_server: str) -> None:
    for source in ("x = (1,\n", "import os\n", "import torch\nx = torch.ones(2) @ torch.ones(3)\n"):
        embedded = post_program(live_server, source)
        scaled = post_program(cluster.webs[1], source)
        assert (scaled.status_code, scaled.json()) == (embedded.status_code, embedded.json())


def test_worker_children_run_inside_the_fence(cluster: Cluster) -> None:
    children = [pid for worker in cluster.workers for pid in pool_children(worker)]
    assert len(children) >= 2 * PROCESSES_PER_WORKER
    for pid in children:
        limits = Path(f"/proc/{pid}/limits").read_text()
        data = next(line for line in limits.splitlines() if line.startswith("Max data size"))
        assert data.split()[3] == str(MEMORY_MB * 1024 * 1024), data
        core = next(line for line in limits.splitlines() if line.startswith("Max core file"))
        assert core.split()[4] == "0", core
        assert "/gradtrace-worker-" in os.readlink(f"/proc/{pid}/cwd")


def test_a_run_started_on_one_replica_streams_on_the_other_and_resumes(
    cluster: Cluster,
) -> None:
    a, b = cluster.webs
    run_id = start_run(a, slow_config(epochs=30))
    first, ended = read_events(b, run_id, take=5)  # then the client goes away
    assert not ended and [e.id for e in first] == [1, 2, 3, 4, 5]
    rest, ended = read_events(a, run_id, last_event_id=5)  # and comes back on the other one
    assert ended
    assert_whole_log(first + rest, "done")
    assert len(first + rest) == 31
    for web in (a, b):
        body = wait_status(web, run_id, "succeeded")
        assert body["last_event_id"] == 31 and len(body["history"]) == 30
    # A latecomer on either replica gets the whole log and the end.
    late, ended = read_events(b, run_id)
    assert ended and [e.id for e in late] == list(range(1, 32))


def test_a_finished_run_predicts_through_either_replica(cluster: Cluster) -> None:
    config = slow_config(epochs=3)
    run_id = start_run(cluster.webs[0], config)
    wait_status(cluster.webs[0], run_id, "succeeded")
    answers = [
        httpx.post(f"{web}/api/runs/{run_id}/predict", json={"inputs": [[0.5]]}, timeout=30)
        for web in cluster.webs
    ]
    assert [r.status_code for r in answers] == [200, 200], answers[0].text
    assert answers[0].json() == answers[1].json()


def test_cuda_is_refused_cleanly_where_no_worker_has_a_gpu(cluster: Cluster) -> None:
    if torch.cuda.is_available():
        pytest.skip("this machine has CUDA: see test_cuda_jobs_run_on_a_gpu_worker")
    for web in cluster.webs:
        response = post_program(web, "import torch\nx = torch.ones(2)\n", device="cuda")
        assert response.status_code == 400
        assert response.json()["error"]["type"] == "runtime"
        assert "CUDA is not available" in response.json()["error"]["message"]
        run = httpx.post(f"{web}/api/runs", json={**slow_config(1), "device": "cuda"})
        assert run.status_code == 400 and "CUDA is not available" in run.text
        auto = post_program(web, "import torch\nx = torch.ones(2)\n", device="auto")
        assert auto.status_code == 200 and auto.json()["device"] == "cpu"


@pytest.mark.cuda
def test_cuda_jobs_run_on_a_gpu_worker(cluster: Cluster) -> None:
    if not torch.cuda.is_available():
        pytest.skip("no CUDA device on this machine")
    web = cluster.webs[0]
    response = post_program(
        web,
        "import torch\nx = torch.ones(2, requires_grad=True)\ny = (x * 2).sum()\ny.backward()\n",
        device="cuda",
    )
    assert response.status_code == 200, response.text
    assert response.json()["device"] == "cuda"
    assert post_program(web, "import torch\nx = torch.ones(2)\n").json()["device"] == "cuda"
    run_id = start_run(web, {**slow_config(epochs=3), "device": "cuda"})
    events, ended = read_events(cluster.webs[1], run_id)
    assert ended
    assert_whole_log(events, "done")


# --- destructive -------------------------------------------------------------------------------


def test_a_program_past_its_time_limit_is_killed_on_its_worker(cluster: Cluster) -> None:
    started = time.monotonic()
    response = post_program(cluster.webs[0], SLOW_TORCH)
    assert time.monotonic() - started < JOB_TIMEOUT_S + 10
    assert response.status_code == 422
    assert response.json()["error"] == {
        "type": "timeout",
        "message": f"the program ran longer than the {JOB_TIMEOUT_S:g} s limit (job_timeout_s)",
        "line": None,
        "column": None,
        "limit": "job_timeout_s",
    }
    assert post_program(cluster.webs[0], PROGRAMS[0]).status_code == 200


def test_a_run_started_on_one_replica_is_cancelled_through_the_other(cluster: Cluster) -> None:
    a, b = cluster.webs
    run_id = start_run(a, slow_config(epochs=1_000))
    seen, _ = read_events(a, run_id, take=2)
    cluster.lease_holder(run_id)  # a worker is training it
    response = httpx.delete(f"{b}/api/runs/{run_id}", timeout=30)
    assert response.status_code == 200 and response.json()["status"] == "cancelled"
    rest, ended = read_events(a, run_id, last_event_id=2, deadline_s=30)
    assert ended
    assert_whole_log(seen + rest, "cancelled")
    assert len(seen + rest) < 500  # stopped long before its 1,000 epochs
    # The worker stopped training: killed by the revoke, or (when the revoke came second)
    # refused its next append and ended the job itself. Either way its lease goes: deleted at
    # once, or expired after its TTL when the child was killed.
    lease = RunLease(cluster.client(), "gradtrace", LEASE_S)
    wait_until(lambda: lease.holder(run_id) is None, LEASE_S + 10, "the worker to stop")
    # Nothing can be written after the end.
    time.sleep(0.5)  # time in which a stray worker would have appended
    assert run_body(b, run_id)["status"] == "cancelled"
    assert run_body(b, run_id)["last_event_id"] == len(seen + rest)


def test_killing_the_worker_process_mid_run_fails_the_run_with_a_reason(
    cluster: Cluster,
) -> None:
    a, b = cluster.webs
    run_id = start_run(a, slow_config(epochs=1_000))
    read_events(b, run_id, take=2)
    holder = cluster.lease_holder(run_id)
    os.kill(holder["pid"], signal.SIGKILL)
    body = wait_status(b, run_id, "failed", deadline_s=JOB_TIMEOUT_S + 15)
    assert "crashed the worker process (killed by SIGKILL)" in body["error"], body["error"]
    events, ended = read_events(a, run_id, deadline_s=30)
    assert ended and events[-1].type == "error"
    assert_whole_log(events, "error")
    # A fresh child took its place: work goes on.
    assert post_program(b, PROGRAMS[0]).status_code == 200


def test_a_lost_worker_ends_its_run_within_the_lease(cluster: Cluster) -> None:
    """The whole worker (main process and children) vanishes, as with a machine that dies:
    nobody reports anything, and the run still ends, failed, within its lease."""
    a, b = cluster.webs
    run_id = start_run(a, slow_config(epochs=1_000))
    read_events(b, run_id, take=2)
    holder = cluster.lease_holder(run_id)
    (worker,) = [w for w in cluster.workers if holder["node"].startswith(f"gradtrace-{w.pid}@")]
    stopped = time.monotonic()
    stop_worker(worker)
    cluster.workers.remove(worker)
    body = wait_status(b, run_id, "failed", deadline_s=LEASE_S * 3 + 10)
    assert time.monotonic() - stopped < LEASE_S * 3 + 10
    assert "stopped answering" in body["error"], body["error"]
    events, ended = read_events(a, run_id, deadline_s=30)
    assert ended
    assert_whole_log(events, "error")
    cluster.add_worker()  # repair the cluster for the tests after this one
    cluster.wait_for_workers(2 * PROCESSES_PER_WORKER)


def test_a_redis_restart_mid_stream_loses_nothing(cluster: Cluster) -> None:
    """Redis restarts (append-only file on) while a run trains and a client follows it: the
    worker, the replicas and the client carry on, and the log has every event once."""
    a, b = cluster.webs
    run_id = start_run(a, slow_config(epochs=60))
    events: list[Event] = []
    errors: list[BaseException] = []

    def follow() -> None:
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline:
            try:
                _, ended = read_events(b, run_id, last_event_id=len(events) or None, into=events)
            except (httpx.HTTPError, AssertionError) as error:  # reconnect, as EventSource does
                errors.append(error)
                time.sleep(0.2)
                continue
            if ended:
                return

    follower = threading.Thread(target=follow)
    follower.start()
    wait_until(lambda: run_body(a, run_id)["last_event_id"] >= 5, what="five epochs")
    cluster.redis.restart(down_s=1.0)
    follower.join(timeout=200)
    assert not follower.is_alive()
    assert_whole_log(events, "done")
    assert len(events) == 61
    for web in (a, b):
        assert wait_status(web, run_id, "succeeded")["last_event_id"] == 61
    # Work goes on after the restart, on every worker: none of them gave up.
    assert [w.poll() for w in cluster.workers] == [None] * len(cluster.workers)
    cluster.wait_for_workers(2 * PROCESSES_PER_WORKER)
    assert post_program(a, PROGRAMS[0]).status_code == 200


def test_programs_get_a_503_while_redis_is_down_and_work_once_it_is_back(
    cluster: Cluster,
) -> None:
    cluster.redis.stop()
    try:
        started = time.monotonic()
        response = post_program(cluster.webs[0], PROGRAMS[0])
        assert time.monotonic() - started < 30
        assert response.status_code == 503, response.text
        assert response.json()["error"]["type"] == "saturated"
        assert "Retry-After" in response.headers
    finally:
        cluster.redis.start()
    assert wait_until(
        lambda: post_program(cluster.webs[0], PROGRAMS[0]).status_code == 200,
        deadline_s=60,
        what="programs to run again",
    )
