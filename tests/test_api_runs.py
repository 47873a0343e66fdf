"""Training runs end to end: a real server over loopback, followed by a real SSE client.

Every test talks HTTP to a uvicorn subprocess (``live_server``, or servers of its own through
``serve`` for restarts) and reads ``/api/runs/{id}/events`` as a browser's EventSource would:
a streaming GET, parsed line by line by the small SSE reader below. Nothing sleeps for a fixed
time; every wait is on a stream or a status, with a deadline.

The numbers are checked against plain PyTorch written out here as the tutorials write it, so the
service is held to "the same losses as the script you would have typed", not to itself.
"""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import numpy as np
import pytest
import torch
from torch import nn

from app.jobs.worker.training_jobs import SERVER_GONE
from app.runs.store import SQLiteRunStore
from app.training.config import TrainConfig
from app.training.presets import get_preset
from tests.conftest import slow_config
from tests.sse_client import Event, parse_sse

# How long any one wait may take. Generous: the box is small and shared, and a worker killed by
# a cancel is replaced by a fresh one that imports torch while the next test runs.
DEADLINE_S = 60.0
TERMINAL = ("done", "error", "cancelled")
EPOCH_KEYS = {"epoch", "loss", "val_loss", "params", "grad_norms", "lr", "elapsed_ms"}
# Added by issue 15 (config fields `histograms` and `landscape`): present when switched on.
EPOCH_INSIGHT_KEYS = {"histograms", "landscape", "landscape_point"}

SEED_000 = "seed-000-w-times-x"
SEED_003 = "seed-003-linear-regression"
SEED_004 = "seed-004-linear-model"


def preset_config(preset_id: str, **changes: Any) -> dict[str, Any]:
    """A preset's config (a fresh copy), with top-level keys changed."""
    preset = get_preset(preset_id)
    assert preset is not None, preset_id
    return {**preset["config"], **changes}


# --- a small SSE client -----------------------------------------------------------------------


@dataclass
class Stream:
    """What one GET of an event stream gave: events, comment lines, and whether the server
    closed the stream (False when the client stopped reading first)."""

    events: list[Event] = field(default_factory=list)
    comments: list[str] = field(default_factory=list)
    ended: bool = False

    @property
    def ids(self) -> list[int]:
        return [e.id for e in self.events]

    @property
    def epochs(self) -> list[Event]:
        return [e for e in self.events if e.type == "epoch"]


def read_stream(
    client: httpx.Client,
    run_id: str,
    *,
    last_event_id: int | None = None,
    after: int | None = None,
    take: int | None = None,
    until: Callable[[Stream], bool] | None = None,
    deadline_s: float = DEADLINE_S,
) -> Stream:
    """GET a run's events and read them until the server ends the stream.

    ``take``: disconnect after that many events; ``until``: disconnect once it returns True
    (checked after every event and comment). Either way the deadline bounds the whole read, and
    the read timeout bounds each wait for a line.
    """
    headers = {} if last_event_id is None else {"Last-Event-ID": str(last_event_id)}
    params = {} if after is None else {"after": after}
    deadline = time.monotonic() + deadline_s
    stream = Stream()
    with client.stream(
        "GET",
        f"/api/runs/{run_id}/events",
        headers=headers,
        params=params,
        timeout=httpx.Timeout(deadline_s, connect=10),
    ) as response:
        assert response.status_code == 200, response.read()
        assert response.headers["content-type"].startswith("text/event-stream")
        for item in parse_sse(response.iter_lines()):
            if isinstance(item, str):
                stream.comments.append(item)
            else:
                stream.events.append(item)
            if take is not None and len(stream.events) >= take:
                return stream
            if until is not None and until(stream):
                return stream
            assert time.monotonic() < deadline, f"stream of {run_id} still open after deadline"
    stream.ended = True
    return stream


def assert_complete(stream: Stream, end: str = "done", first: int = 1) -> None:
    """Ids ``first``, ``first + 1``... without gap or repeat, epochs numbered like their ids,
    exactly one terminal event of type ``end``, last, and the server closed the stream after it."""
    assert stream.ended, "the server did not end the stream"
    assert stream.events, "no events"
    assert stream.ids == list(range(first, first + len(stream.events)))
    *epochs, last = stream.events
    assert last.type == end, last
    assert all(e.type == "epoch" for e in epochs), [e.type for e in epochs]
    # Epoch n is event n: the log has nothing before the epochs.
    assert [e.data["epoch"] for e in epochs] == list(range(first, first + len(epochs)))
    for event in epochs:
        assert set(event.data) - EPOCH_INSIGHT_KEYS == EPOCH_KEYS, sorted(event.data)


# --- REST helpers -----------------------------------------------------------------------------


def start_run(client: httpx.Client, config: dict[str, Any]) -> str:
    """POST a config; check the 201 contract; return the run's id."""
    response = client.post("/api/runs", json=config)
    assert response.status_code == 201, response.text
    body = response.json()
    assert set(body) == {"id", "status", "events_url"}
    assert body["status"] == "queued"
    assert body["events_url"] == f"/api/runs/{body['id']}/events"
    assert response.headers["location"] == f"/api/runs/{body['id']}"
    return body["id"]


def wait_status(
    client: httpx.Client, run_id: str, statuses: tuple[str, ...], deadline_s: float = DEADLINE_S
) -> dict[str, Any]:
    """GET the run until its status is one of ``statuses``; the run's body.

    Needed after a stream's terminal event: a worker appends ``done`` before it sets
    ``succeeded`` (the store's rule), so for a moment the event can be seen before the status.
    """
    deadline = time.monotonic() + deadline_s
    delay = 0.01
    while True:
        response = client.get(f"/api/runs/{run_id}")
        assert response.status_code == 200, response.text
        body = response.json()
        if body["status"] in statuses:
            return body
        assert time.monotonic() < deadline, f"run {run_id} still {body['status']}"
        time.sleep(delay)  # a poll interval, not a wait for something to happen
        delay = min(delay * 2, 0.2)


@dataclass
class Finished:
    """A run followed from start to end: its id, its live stream, and its body afterwards."""

    id: str
    config: dict[str, Any]
    stream: Stream
    body: dict[str, Any]


def run_to_end(client: httpx.Client, config: dict[str, Any], end: str = "done") -> Finished:
    """Start a run, follow its stream live to the end, and read the finished run."""
    run_id = start_run(client, config)
    stream = read_stream(client, run_id)
    assert_complete(stream, end)
    status = {"done": "succeeded", "error": "failed", "cancelled": "cancelled"}[end]
    return Finished(run_id, config, stream, wait_status(client, run_id, (status,)))


@pytest.fixture(scope="module")
def finished(live_server: str) -> Iterator[Callable[[str], Finished]]:
    """``finished(preset_id)``: that preset run once to the end on the live server, shared by
    the tests of this module that only read it."""
    cache: dict[str, Finished] = {}
    with httpx.Client(base_url=live_server, timeout=60) as client:

        def get(preset_id: str) -> Finished:
            if preset_id not in cache:
                cache[preset_id] = run_to_end(client, preset_config(preset_id))
            return cache[preset_id]

        yield get


# --- the tutorials, as plain PyTorch ----------------------------------------------------------


def tutorial_seed_000(epochs: int = 100, lr: float = 0.01) -> list[float]:
    """The backprop tutorial by hand: w starts at 1, one update per sample; the loss printed after
    each epoch is that of the epoch's last sample."""
    w = torch.tensor([1.0], requires_grad=True)
    printed = []
    for _ in range(epochs):
        for x_val, y_val in zip([1.0, 2.0, 3.0], [2.0, 4.0, 6.0], strict=True):
            loss = (x_val * w - y_val) ** 2
            loss.backward()
            with torch.no_grad():
                w -= lr * w.grad
            w.grad.zero_()
        printed.append(loss.item())
    return printed


def tutorial_seed_004(epochs: int = 100, lr: float = 0.01) -> tuple[list[float], nn.Linear]:
    """The linear-model tutorial: nn.Linear(1, 1) from w = 1, b = 0, MSELoss(reduction="sum"),
    SGD on the whole of x = 1, 2, 3; the loss of every epoch and the trained model."""
    x_data = torch.tensor([[1.0], [2.0], [3.0]])
    y_data = torch.tensor([[2.0], [4.0], [6.0]])
    model = nn.Linear(1, 1)
    with torch.no_grad():
        model.weight.fill_(1.0)
        model.bias.fill_(0.0)
    criterion = nn.MSELoss(reduction="sum")
    optimizer = torch.optim.SGD(model.parameters(), lr=lr)
    losses = []
    for _ in range(epochs):
        loss = criterion(model(x_data), y_data)
        losses.append(loss.item())
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    return losses, model


def losses_of(stream: Stream) -> list[float]:
    return [e.data["loss"] for e in stream.epochs]


# --- a run from start to end ------------------------------------------------------------------


def test_presets_are_served(client: httpx.Client) -> None:
    response = client.get("/api/presets")
    assert response.status_code == 200
    by_id = {p["id"]: p for p in response.json()}
    for preset_id in (SEED_000, SEED_003, SEED_004):
        assert by_id[preset_id]["config"] == preset_config(preset_id)


def test_a_preset_runs_from_queued_to_done(finished: Callable[[str], Finished]) -> None:
    run = finished(SEED_003)
    # 100 epochs with ids 1..100, then done as id 101, then the server closes the stream.
    assert run.stream.ids == list(range(1, 102))
    assert [e.data["epoch"] for e in run.stream.epochs] == list(range(1, 101))
    done = run.stream.events[-1].data
    assert done["epochs"] == 100
    assert done["loss"] == run.stream.epochs[-1].data["loss"]
    body = run.body
    assert body["status"] == "succeeded" and body["error"] is None
    # The config as validated: every default filled in, so it says exactly what ran.
    assert body["config"] == TrainConfig.model_validate(run.config).model_dump(mode="json")
    assert body["last_event_id"] == 101
    assert body["created_at"] <= body["started_at"] <= body["finished_at"]
    assert body["metrics"]["loss"] == done["loss"]
    assert body["final"]["params"] == done["params"]
    # The history is the epochs' numbers as streamed, without the tensors.
    assert [h["epoch"] for h in body["history"]] == list(range(1, 101))
    assert [h["loss"] for h in body["history"]] == losses_of(run.stream)
    assert [h["lr"] for h in body["history"]] == [0.01] * 100


def test_seed_000_streams_the_losses_of_the_tutorial(finished: Callable[[str], Finished]) -> None:
    run = finished(SEED_000)
    assert losses_of(run.stream) == pytest.approx(tutorial_seed_000(), rel=1e-6, abs=1e-6)
    # w goes from 1 to about 2, so the prediction for x = 4 goes from 4 to about 8.
    predict = run.stream.events[-1].data["predict"]
    assert predict["y_pred_initial"] == [[4.0]]
    assert predict["y_pred"][0][0] == pytest.approx(8.0, abs=1e-3)


def test_seed_004_streams_the_losses_of_the_tutorial(finished: Callable[[str], Finished]) -> None:
    run = finished(SEED_004)
    losses, model = tutorial_seed_004()
    assert losses_of(run.stream) == pytest.approx(losses, rel=1e-6, abs=1e-6)
    params = run.stream.events[-1].data["params"]
    assert params["0.weight"][0][0] == pytest.approx(model.weight.item(), rel=1e-6)
    assert params["0.bias"][0] == pytest.approx(model.bias.item(), rel=1e-6)
    # Every epoch event carries the parameters after that epoch's step and its gradients.
    first = run.stream.epochs[0].data
    assert set(first["params"]) == set(first["grad_norms"]) == {"0.weight", "0.bias"}


def test_seed_003_ends_near_the_least_squares_line(finished: Callable[[str], Finished]) -> None:
    from sklearn.datasets import make_regression

    x, y = make_regression(n_samples=100, n_features=1, noise=10.0, bias=14.5, random_state=0)
    slope, intercept = np.linalg.lstsq(np.c_[x, np.ones(len(x))], y, rcond=None)[0]
    params = finished(SEED_003).stream.events[-1].data["params"]
    # SGD in shuffled batches of 16 for 700 steps hovers around the optimum, so loosely.
    assert params["0.weight"][0][0] == pytest.approx(slope, rel=0.02)
    assert params["0.bias"][0] == pytest.approx(intercept, abs=1.0)
    losses = losses_of(finished(SEED_003).stream)
    assert losses[-1] < losses[0] / 10


def test_predict_with_a_finished_seed_004_model(
    client: httpx.Client, finished: Callable[[str], Finished]
) -> None:
    run = finished(SEED_004)
    response = client.post(f"/api/runs/{run.id}/predict", json={"inputs": [[4.0], [0.0]]})
    assert response.status_code == 200, response.text
    (at_4,), (at_0,) = response.json()["outputs"]
    assert at_4 == pytest.approx(7.86, abs=0.01)  # the tutorial's "predict (after training)"
    params = run.body["final"]["params"]
    w, b = params["0.weight"][0][0], params["0.bias"][0]
    assert at_4 == pytest.approx(w * 4 + b, rel=1e-6)
    assert at_0 == pytest.approx(b, rel=1e-6)
    assert at_4 == pytest.approx(run.stream.events[-1].data["predict"]["y_pred"][0][0], rel=1e-6)


def test_the_graph_of_a_runs_training_step(
    client: httpx.Client, finished: Callable[[str], Finished]
) -> None:
    run = finished(SEED_004)
    response = client.get(f"/api/runs/{run.id}/graph", params={"render_svg": False})
    assert response.status_code == 200, response.text
    graph = response.json()["graph"]
    ops = {node["op"] for node in graph["nodes"] if node["kind"] == "op"}
    assert {"MseLossBackward0", "AddmmBackward0"} <= ops
    leaves = sorted(
        name for node in graph["nodes"] if node["kind"] == "leaf" for name in node["vars"]
    )
    assert leaves == ["0.bias", "0.weight"]
    # The same shape as POST /api/graph.
    assert {"variables", "graph", "dot", "svg", "timings_ms"} <= set(response.json())


def test_a_late_subscriber_gets_the_whole_history_and_the_end(
    client: httpx.Client, finished: Callable[[str], Finished]
) -> None:
    run = finished(SEED_004)
    late = read_stream(client, run.id)
    assert_complete(late)
    assert late.events == run.stream.events  # same ids, types and data as seen live
    # Resuming after the end gives nothing more, and the stream still ends.
    after_end = read_stream(client, run.id, last_event_id=run.stream.ids[-1])
    assert after_end.events == [] and after_end.ended


# --- following a run while it trains ----------------------------------------------------------


def test_disconnect_and_resume_with_last_event_id(client: httpx.Client) -> None:
    run_id = start_run(client, slow_config(epochs=30))
    k = 3
    first = read_stream(client, run_id, take=k)  # then the client goes away
    assert first.ids == [1, 2, 3] and not first.ended
    resumed = read_stream(client, run_id, last_event_id=k)
    assert_complete(resumed, first=k + 1)
    # Together: every event exactly once, 1..31, the epochs numbered 1..30.
    together = first.events + resumed.events
    assert [e.id for e in together] == list(range(1, 32))
    assert [e.data["epoch"] for e in together[:-1]] == list(range(1, 31))
    # ?after= does the same for clients that cannot set headers; the header wins over it.
    tail = read_stream(client, run_id, after=25)
    assert tail.ids == list(range(26, 32)) and tail.ended
    header_wins = read_stream(client, run_id, last_event_id=29, after=2)
    assert header_wins.ids == [30, 31]
    assert read_stream(client, run_id).events == together


def test_epochs_reach_the_client_as_the_worker_commits_them(client: httpx.Client) -> None:
    # The worker wakes the web process after each append, so an epoch does not wait for the
    # stream's next poll (sse_poll_s, 0.25 s): arrival times track the worker's own clock.
    run_id = start_run(client, slow_config(epochs=20))
    arrivals: list[tuple[float, float]] = []  # (arrival, the worker's elapsed_ms) per epoch
    with client.stream("GET", f"/api/runs/{run_id}/events") as response:
        for item in parse_sse(response.iter_lines()):
            if isinstance(item, Event) and item.type == "epoch":
                arrivals.append((time.monotonic(), item.data["elapsed_ms"] / 1000))
            elif isinstance(item, Event):
                break
    # Each arrival minus the worker's time of that epoch: a constant plus the delivery delay.
    offsets = [arrived - elapsed for arrived, elapsed in arrivals]
    delays = sorted(offset - min(offsets) for offset in offsets)
    # Polling would spread these evenly over 0..0.25 s (median ~0.12 s); wake-ups keep them
    # at a few milliseconds, with room here for a loaded machine's scheduling.
    assert delays[len(delays) // 2] < 0.05, delays


def test_wakeup_datagrams_notify_only_for_well_formed_messages() -> None:
    import asyncio
    import socket

    from app.runs.wakeup import WakeupListener, WakeupSender

    async def main() -> list[tuple[str, int]]:
        heard: list[tuple[str, int]] = []
        got_two = asyncio.Event()

        def notify(run_id: str, event_id: int) -> None:
            heard.append((run_id, event_id))
            if len(heard) == 2:
                got_two.set()

        listener = await WakeupListener.start(notify)
        sender = WakeupSender(listener.address)
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as raw:
            for junk in (b"", b"x" * 500, b"run 1 2", b"../etc 3", b"run -1"):
                raw.sendto(junk, listener.address)
        sender("abc123", 7)
        sender("run_2-x", 12)
        await asyncio.wait_for(got_two.wait(), DEADLINE_S)
        sender.close()
        listener.close()
        sender("abc123", 8)  # after close: lost quietly, never an error
        return heard

    assert asyncio.run(main()) == [("abc123", 7), ("run_2-x", 12)]


def test_cancel_mid_run_ends_the_stream_within_a_second(client: httpx.Client) -> None:
    run_id = start_run(client, slow_config(epochs=1_000))
    deadline = time.monotonic() + DEADLINE_S
    headers = {"Accept": "text/event-stream"}
    with client.stream("GET", f"/api/runs/{run_id}/events", headers=headers) as response:
        lines = response.iter_lines()
        events = parse_sse(lines)
        seen: list[Event] = []
        while len(seen) < 2:  # two epochs in: the run is training
            item = next(events)
            if isinstance(item, Event):
                seen.append(item)
            assert time.monotonic() < deadline
        started = time.monotonic()
        cancelled = client.delete(f"/api/runs/{run_id}")
        assert cancelled.status_code == 200, cancelled.text
        assert cancelled.json()["status"] == "cancelled"
        for item in events:  # epochs already on their way, then the cancelled event
            if isinstance(item, Event):
                seen.append(item)
                if item.type in TERMINAL:
                    break
        latency = time.monotonic() - started
        rest = [item for item in events if isinstance(item, Event)]  # the server closes it
    assert seen[-1].type == "cancelled"
    assert latency < 1.0, f"cancelled event {latency:.2f} s after DELETE"
    assert rest == []
    assert [e.id for e in seen] == list(range(1, len(seen) + 1))
    assert len(seen) < 100  # stopped long before its 1,000 epochs
    body = wait_status(client, run_id, ("cancelled",))
    assert body["last_event_id"] == seen[-1].id
    # Cancelling again changes nothing; a cancelled run has no model to predict with.
    again = client.delete(f"/api/runs/{run_id}")
    assert again.status_code == 200 and again.json()["status"] == "cancelled"
    refused = client.post(f"/api/runs/{run_id}/predict", json={"inputs": [[1.0]]})
    assert refused.status_code == 409
    # The late reader sees the same log.
    assert read_stream(client, run_id).events == seen


def test_cancelling_a_finished_run_changes_nothing(
    client: httpx.Client, finished: Callable[[str], Finished]
) -> None:
    run = finished(SEED_004)
    response = client.delete(f"/api/runs/{run.id}")
    assert response.status_code == 200
    assert response.json()["status"] == "succeeded"
    assert read_stream(client, run.id).events[-1].type == "done"


def test_five_runs_at_once_each_get_their_own_events(live_server: str) -> None:
    # Five variants of seed 004 (the pool has two run workers, so some wait their turn): each
    # stream must carry its own run's losses, in order, once each.
    variants = [(100, 0.01), (120, 0.005), (140, 0.02), (160, 0.001), (180, 0.015)]

    def follow(variant: tuple[int, float]) -> tuple[Finished, list[float]]:
        epochs, lr = variant
        config = preset_config(SEED_004, epochs=epochs)
        config["optimizer"] = {"type": "sgd", "lr": lr}
        with httpx.Client(base_url=live_server, timeout=60) as client:
            return run_to_end(client, config), tutorial_seed_004(epochs, lr)[0]

    with ThreadPoolExecutor(len(variants)) as threads:
        results = list(threads.map(follow, variants))
    assert len({run.id for run, _ in results}) == len(variants)
    for (run, expected), (epochs, _) in zip(results, variants, strict=True):
        assert run.stream.ids == list(range(1, epochs + 2))
        assert losses_of(run.stream) == pytest.approx(expected, rel=1e-6, abs=1e-6)
        assert run.body["status"] == "succeeded"


def test_runs_are_listed_newest_first_with_paging(client: httpx.Client) -> None:
    ids = [run_to_end(client, preset_config(SEED_004, epochs=2)).id for _ in range(3)]
    listed = client.get("/api/runs", params={"limit": 3}).json()
    assert listed["limit"] == 3 and listed["offset"] == 0
    assert [r["id"] for r in listed["runs"]] == ids[::-1]
    assert all(r["status"] == "succeeded" and "history" not in r for r in listed["runs"])
    page = client.get("/api/runs", params={"limit": 2, "offset": 1}).json()
    assert [r["id"] for r in page["runs"]] == [ids[1], ids[0]]


# --- refusals ---------------------------------------------------------------------------------


def _set(path: str, value: Any) -> Callable[[dict[str, Any]], None]:
    """A change to a config: set the value at a dotted path (list indexes are numbers)."""

    def change(config: dict[str, Any]) -> None:
        *parents, last = path.split(".")
        node: Any = config
        for part in parents:
            node = node[int(part)] if part.isdigit() else node[part]
        node[int(last) if last.isdigit() else last] = value

    return change


INVALID = {
    "unknown key": (_set("colour", "red"), ["colour", "Extra inputs"]),
    "wrong type": (_set("epochs", "100"), ["epochs", "valid integer"]),
    "out of bounds": (_set("optimizer.lr", -0.1), ["optimizer", "lr", "greater than 0"]),
    "zero epochs": (_set("epochs", 0), ["epochs", "greater than or equal to 1"]),
    "layer shapes": (
        _set(
            "model.layers",
            [
                {"type": "linear", "in_features": 1, "out_features": 4},
                {"type": "linear", "in_features": 3, "out_features": 1},
            ],
        ),
        ["model.layers[1].in_features is 3", "model.layers[0] outputs 4"],
    ),
    "output size": (
        _set("model.layers", [{"type": "linear", "in_features": 1, "out_features": 2}]),
        ["model output size 2", "1 target column"],
    ),
    "epochs limit": (_set("epochs", 10**6), ["epochs", "train_max_epochs"]),
    "lr limit": (_set("optimizer.lr", 1000.0), ["optimizer", "lr", "train_max_lr"]),
    "rows limit": (
        _set("data", {"synthetic": {"kind": "regression", "n_samples": 10**6}}),
        ["n_samples", "train_max_rows"],
    ),
}


@pytest.mark.parametrize("case", INVALID, ids=list(INVALID))
def test_an_invalid_config_is_a_422_naming_the_field(client: httpx.Client, case: str) -> None:
    change, words = INVALID[case]
    config = preset_config(SEED_004)
    change(config)
    response = client.post("/api/runs", json=config)
    assert response.status_code == 422, response.text
    error = response.json()["error"]
    assert error["type"] == "validation"
    for word in words:
        assert word in error["message"], (word, error["message"])


def test_a_work_limit_breach_names_the_limit(client: httpx.Client) -> None:
    config = slow_config(epochs=10_000)
    config["batch_size"] = None  # few steps, so only the work estimate is over
    response = client.post("/api/runs", json=config)
    assert response.status_code == 422, response.text
    assert "train_max_work" in response.json()["error"]["message"]


@pytest.mark.skipif(torch.cuda.is_available(), reason="this host has CUDA")
def test_cuda_on_a_host_without_it_is_a_400(client: httpx.Client) -> None:
    before = client.get("/api/runs", params={"limit": 1}).json()["runs"]
    response = client.post("/api/runs", json=preset_config(SEED_004, device="cuda"))
    assert response.status_code == 400, response.text
    assert "CUDA is not available" in response.json()["error"]["message"]
    assert client.get("/api/runs", params={"limit": 1}).json()["runs"] == before  # none stored


def test_unknown_runs_are_404(client: httpx.Client) -> None:
    for method, path, body in [
        ("GET", "/api/runs/nosuchrun", None),
        ("GET", "/api/runs/nosuchrun/events", None),
        ("GET", "/api/runs/nosuchrun/graph", None),
        ("DELETE", "/api/runs/nosuchrun", None),
        ("POST", "/api/runs/nosuchrun/predict", {"inputs": [[1.0]]}),
    ]:
        response = client.request(method, path, json=body)
        assert response.status_code == 404, (method, path, response.text)
        assert response.json()["error"]["type"] == "not_found"


# --- restarts and heartbeats: servers of the test's own ---------------------------------------


def start_own_server(serve: Callable[..., Any], **env: str) -> tuple[str, subprocess.Popen[bytes]]:
    """A small server (one program worker, one run worker) on the test's data directory."""
    base_url, proc, _ = serve(
        [sys.executable, "-m", "app", "serve", "--workers", "1"],
        {"GRADTRACE_RUN_WORKERS": "1", **env},
    )
    return base_url, proc


def stop(proc: subprocess.Popen[bytes], sig: signal.Signals = signal.SIGTERM) -> None:
    """Stop a server this test started: SIGTERM (a graceful shutdown) or SIGKILL (a crash)."""
    proc.send_signal(sig)
    proc.wait(timeout=30)


def big_config(rows: int) -> dict[str, Any]:
    """A quick run on more rows than the default train_max_rows allows."""
    return {
        "model": {"layers": [{"type": "linear", "in_features": 1, "out_features": 1}]},
        "data": {"synthetic": {"kind": "regression", "n_samples": rows, "random_state": 2}},
        "loss": {"type": "mse"},
        "optimizer": {"type": "sgd", "lr": 0.1},
        "epochs": 3,
    }


def test_a_restart_keeps_history_and_ends_cut_off_runs(
    serve: Callable[..., Any], tmp_path: Path
) -> None:
    # Server A: pings every second, so an idle stream shows them; one run worker, so a second
    # run waits in the queue behind a long one; and a higher row limit, which its workers must
    # apply too (they cannot read the server's GRADTRACE_* variables).
    base_a, proc_a = start_own_server(
        serve, GRADTRACE_SSE_PING_S="1", GRADTRACE_TRAIN_MAX_ROWS="20000"
    )
    with httpx.Client(base_url=base_a, timeout=60) as client:
        done = run_to_end(client, preset_config(SEED_004))
        big = run_to_end(client, big_config(15_000))
        assert big.body["status"] == "succeeded"
        predicted = client.post(f"/api/runs/{big.id}/predict", json={"inputs": [[0.0]]})
        assert predicted.status_code == 200, predicted.text
        assert client.get(f"/api/runs/{big.id}/graph?render_svg=false").status_code == 200

        long_id = start_run(client, slow_config(epochs=1_000))
        cut = read_stream(client, long_id, take=3)
        queued_id = start_run(client, preset_config(SEED_004))
        assert client.get(f"/api/runs/{queued_id}").json()["status"] == "queued"
        # Heartbeats: the queued run's stream has no events to send, only ": ping" comments.
        idle = read_stream(client, queued_id, until=lambda s: bool(s.comments), deadline_s=10)
        assert idle.events == [] and idle.comments[0].startswith("ping")
        assert client.get(f"/api/runs/{long_id}").json()["status"] == "running"
    stop(proc_a)  # SIGTERM mid-run: a graceful shutdown

    # Server B on the same data: the finished run as it was, the cut-off ones failed with why.
    base_b, proc_b = start_own_server(serve)
    with httpx.Client(base_url=base_b, timeout=60) as client:
        again = client.get(f"/api/runs/{done.id}").json()
        assert again["status"] == "succeeded"
        assert again["history"] == done.body["history"]
        assert again["final"] == done.body["final"]
        replay = read_stream(client, done.id)
        assert_complete(replay)
        assert replay.events == done.stream.events
        predicted = client.post(f"/api/runs/{done.id}/predict", json={"inputs": [[4.0]]})
        assert predicted.json()["outputs"][0][0] == pytest.approx(7.86, abs=0.01)

        for run_id, epochs_at_least in ((long_id, 3), (queued_id, 0)):
            body = client.get(f"/api/runs/{run_id}").json()
            assert body["status"] == "failed", body
            assert "shut down" in body["error"]
            log = read_stream(client, run_id)
            assert_complete(log, end="error")
            assert len(log.epochs) >= epochs_at_least
            assert log.events[-1].data["message"] == body["error"]
        assert read_stream(client, long_id).events[:3] == cut.events
        listed = client.get("/api/runs").json()["runs"]
        assert [r["id"] for r in listed] == [queued_id, long_id, big.id, done.id]

        # A crash this time: SIGKILL gives the server no chance to record anything.
        crashed_id = start_run(client, slow_config(epochs=1_000))
        read_stream(client, crashed_id, take=2)
    stop(proc_b, signal.SIGKILL)

    # Its worker outlives it (workers are children of the pool's fork server), but must not
    # train on unsupervised: it notices the server is gone and ends the run as failed, with why.
    # Read straight from the store, as the next server would (whose start-up sweep then finds
    # nothing left running).
    store = SQLiteRunStore(tmp_path / "data" / "runs.sqlite3")
    deadline = time.monotonic() + DEADLINE_S
    while (record := store.get_run(crashed_id, history=False)).status == "running":
        assert time.monotonic() < deadline, "the orphaned worker is still training"
        time.sleep(0.05)  # a poll interval
    assert record.status == "failed" and record.error == SERVER_GONE
    events = store.events_after(crashed_id, 0)
    assert [e.id for e in events] == list(range(1, len(events) + 1))
    assert [e.type for e in events] == ["epoch"] * (len(events) - 1) + ["error"]
    assert len(events) >= 3 and events[-1].payload()["message"] == SERVER_GONE
    assert store.mark_interrupted_runs("restarted") == []
    assert store.get_run(done.id, history=False).status == "succeeded"
    store.close()
