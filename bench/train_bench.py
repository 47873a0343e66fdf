"""Training benchmark: a run through the service, followed live over SSE, against a bare loop.

Three configs, 10 epochs on 100,000 synthetic rows each:

- ``seed003_100k``: seed 003's preset (make_regression, nn.Linear(1, 1), MSE, SGD lr 0.01,
  shuffled batches of 16) with ``n_samples`` raised to 100,000;
- ``mlp_2x256``: make_regression with 2 features into Linear(2, 256), ReLU, Linear(256, 256),
  ReLU, Linear(256, 1); MSE, Adam lr 1e-3, shuffled batches of 64;
- ``mlp_100k``: the same with a third hidden layer, Linear(256, 128): 99,585 parameters.

The service runs with the training insight of issue 15 on, as a run gets it by default:
per-epoch histograms of every parameter and gradient, and for seed 003 (two scalars) the live
loss landscape (a grid when the path leaves the last one, and the landscape's loss at each
epoch's point). "service, insight off" is the same run with ``landscape: "off"`` and
``histograms: false``, measured in the same alternation, so the two ratios tell what the new
data costs. The bench also times ``histograms()`` alone on the 100k-parameter MLP after a
backward pass (target < 2 ms per epoch).

For each, in one run on one machine, alternating, ``--repeat`` times (best and median shown):

- service: ``POST /api/runs``, then ``GET events_url`` read by an SSE client until ``done``;
  wall time from the POST to the done event's arrival;
- bare: the same thing as a plain PyTorch script in this process with
  ``torch.set_num_threads(1)`` like the workers: draw the data, seed, build the model, train
  with the same batch size and the same batch order (the one a seeded ``DataLoader`` gives),
  ``loss.item()`` per batch. Its losses must equal the service's, which the bench checks;
- bare+DataLoader: the bare loop taking its batches from that ``DataLoader``, as the service's
  loop does, to tell the cost of the loop's batching from the cost of the service around it.

It prints the wall times, the ratio service/bare (target <= 1.05), the time per epoch on each
side, and the streaming cost per epoch (target < 2 ms for the MLP): the worker's cost of one
epoch event (measured here with the service's code) plus the latency from the event's commit
to the run store to its arrival at the SSE client. The latency needs the store's file
(``--data-dir``, known when the bench starts the server itself).

``--side-by-side`` starts the service's run and the bare script at the same moment, one on each
of the two cores, so the machine's drift hits both within the same seconds: the whole service
(worker process, store, SSE) against the bare loop.

``--paired`` runs only the service's own loop and the bare one in this process, in turns an
epoch at a time: the service's ``train()`` with the insight on, each event appended to a run
store as a worker does, against the bare loop. On a shared machine whose speed drifts by a
third within a minute, that pairing tells the loop's own cost where whole runs cannot.

The configs exceed the default ``train_max_rows`` (10,000) and, for the MLP,
``train_max_work`` (epochs * rows * parameters = 6.7e10 > 2e10). The server this bench starts
gets ``GRADTRACE_TRAIN_MAX_ROWS=100000`` and ``GRADTRACE_TRAIN_MAX_WORK=1e11``; a server given
with ``--url`` needs the same. Usage::

    python bench/train_bench.py [--url http://127.0.0.1:8000 [--data-dir DIR]] [--repeat 3]
    python bench/train_bench.py --paired [--only mlp_100k] [--repeat 1]
    python bench/train_bench.py --side-by-side [--only mlp_100k] [--repeat 3]

This is a benchmark, not a test.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import torch
from torch import nn

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # run as a script from anywhere: import the app's own pieces

from app.config import TrainingLimits  # noqa: E402
from app.training.config import validate_config  # noqa: E402
from app.training.presets import get_preset  # noqa: E402

ROWS = 100_000
EPOCHS = 10
# What the configs need beyond the defaults, as the server's environment.
SERVER_ENV = {"GRADTRACE_TRAIN_MAX_ROWS": str(ROWS), "GRADTRACE_TRAIN_MAX_WORK": "1e11"}
LIMITS = TrainingLimits(max_rows=ROWS, max_work=1e11)


def seed003_config() -> dict[str, Any]:
    """Seed 003's preset on 100k rows for 10 epochs; nothing else changed."""
    preset = get_preset("seed-003-linear-regression")
    assert preset is not None
    config = preset["config"]
    config["data"]["synthetic"]["n_samples"] = ROWS
    config.update(epochs=EPOCHS, device="cpu")
    return config


def mlp_config() -> dict[str, Any]:
    """An MLP with two hidden layers of 256 on 100k rows of 2 features."""
    return {
        "model": {
            "layers": [
                {"type": "linear", "in_features": 2, "out_features": 256},
                {"type": "relu"},
                {"type": "linear", "in_features": 256, "out_features": 256},
                {"type": "relu"},
                {"type": "linear", "in_features": 256, "out_features": 1},
            ]
        },
        "data": {
            "synthetic": {
                "kind": "regression",
                "n_samples": ROWS,
                "n_features": 2,
                "noise": 10.0,
                "random_state": 0,
            }
        },
        "loss": {"type": "mse", "reduction": "mean"},
        "optimizer": {"type": "adam", "lr": 0.001},
        "epochs": EPOCHS,
        "batch_size": 64,
        "shuffle": True,
        "seed": 0,
        "device": "cpu",
    }


def mlp_100k_config() -> dict[str, Any]:
    """The MLP with a third hidden layer of 128: 99,585 parameters."""
    config = mlp_config()
    layers = config["model"]["layers"]
    layers[-1] = {"type": "linear", "in_features": 256, "out_features": 128}
    layers += [{"type": "relu"}, {"type": "linear", "in_features": 128, "out_features": 1}]
    return config


CONFIGS = {"seed003_100k": seed003_config, "mlp_2x256": mlp_config, "mlp_100k": mlp_100k_config}
INSIGHT_OFF = {"landscape": "off", "histograms": False}


def check_limits(config: dict[str, Any]) -> None:
    """Fail early, with the setting to raise, if a config does not fit the limits we ask for."""
    validate_config(config, LIMITS)  # raises, naming train_<limit>, when it does not fit


# --- the bare loop ----------------------------------------------------------------------------


@dataclass
class Bare:
    wall_s: float  # data, model and training
    cpu_s: float  # the same, in CPU time
    epoch_ms: list[float]  # each epoch's time (the first one's with the data and model)
    losses: list[float]


def build(config: dict[str, Any]) -> nn.Sequential:
    """The config's layers as a hand-written script would make them (linear and relu only)."""
    layers: list[nn.Module] = []
    for layer in config["model"]["layers"]:
        if layer["type"] == "linear":
            layers.append(nn.Linear(layer["in_features"], layer["out_features"]))
        else:
            layers.append(nn.ReLU())
    return nn.Sequential(*layers)


def epoch_orders(rows: int, batch: int, seed: int, dataloader: bool) -> Iterator[Iterator[Any]]:
    """Each epoch's batches of row indices, in the order a seeded ``DataLoader(shuffle=True)``
    gives: through one (``dataloader``, what the service's loop does) or drawn directly, the
    way it draws them (its iterator's base seed, the permutation, and the sampler's extra
    permutation when it runs out) and cut with ``split``, which skips its per-row Python."""
    generator = torch.Generator().manual_seed(seed)
    if dataloader:
        from torch.utils.data import DataLoader

        loader = DataLoader(
            range(rows),
            batch_size=batch,
            shuffle=True,
            generator=generator,
            collate_fn=torch.tensor,
        )
        while True:
            yield iter(loader)
    while True:
        torch.empty((), dtype=torch.int64).random_(generator=generator)
        order = torch.randperm(rows, generator=generator)
        torch.randperm(rows, generator=generator)
        yield iter(order.split(batch))


def bare_epochs(config: dict[str, Any], dataloader: bool = False) -> Iterator[float]:
    """Train ``config`` as a plain script, one epoch per ``next()``: each yields the epoch's
    mean loss. The first ``next()`` also draws the data and builds the model.

    ``dataloader``: take the batch order from a DataLoader, as tutorial code does."""
    from sklearn.datasets import make_regression

    spec = dict(config["data"]["synthetic"])
    spec.pop("kind")
    x, y = make_regression(**spec)
    torch.manual_seed(config["seed"])
    model = build(config)
    x_t = torch.as_tensor(x, dtype=torch.float32)
    y_t = torch.as_tensor(y.reshape(len(y), -1), dtype=torch.float32)
    criterion = nn.MSELoss()
    opt = config["optimizer"]
    if opt["type"] == "sgd":
        optimizer: torch.optim.Optimizer = torch.optim.SGD(model.parameters(), lr=opt["lr"])
    else:
        optimizer = torch.optim.Adam(model.parameters(), lr=opt["lr"])
    rows = len(x_t)
    orders = epoch_orders(rows, config["batch_size"], config["seed"], dataloader)
    for _ in range(config["epochs"]):
        total = 0.0
        for index in next(orders):
            xb, yb = x_t[index], y_t[index]
            loss = criterion(model(xb), yb)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            total += loss.item() * len(xb)
        yield total / rows


def bare_run(config: dict[str, Any], dataloader: bool = False) -> Bare:
    """Train ``config`` as a plain script: the service's numbers, without the service."""
    started, cpu_started = time.perf_counter(), time.process_time()
    losses, epoch_ms = [], []
    epochs = bare_epochs(config, dataloader)
    while True:
        epoch_started = time.perf_counter()
        loss = next(epochs, None)
        if loss is None:
            break
        losses.append(loss)
        epoch_ms.append((time.perf_counter() - epoch_started) * 1000)
    wall, cpu = time.perf_counter() - started, time.process_time() - cpu_started
    return Bare(wall, cpu, epoch_ms, losses)


def event_cost_ms(config: dict[str, Any], repeat: int = 50) -> float:
    """What streaming one epoch costs the worker, measured here with the service's own code:
    build the epoch event (parameters, gradient norms), append it to a SQLite run store (strict
    JSON, one commit) and send the wake-up datagram. Median milliseconds."""
    from app.runs.store import SQLiteRunStore
    from app.runs.wakeup import WakeupSender
    from app.training.histograms import histograms
    from app.training.loop import grad_norms, param_values

    torch.manual_seed(0)
    model = build(config)
    width = config["model"]["layers"][0]["in_features"]
    model(torch.randn(64, width)).pow(2).mean().backward()  # gradients to take norms of
    listener = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    listener.bind(("127.0.0.1", 0))
    samples = []
    with tempfile.TemporaryDirectory(prefix="gradtrace-bench-store-") as tmp, listener:
        store = SQLiteRunStore(Path(tmp) / "runs.sqlite3")
        store.on_append = WakeupSender(listener.getsockname())
        run_id = store.create_run(config)
        store.set_status(run_id, "running")
        for epoch in range(1, repeat + 1):
            started = time.perf_counter()
            event = {
                "epoch": epoch,
                "loss": 1.0,
                "val_loss": None,
                "params": param_values(model, 64),
                "grad_norms": grad_norms(model),
                "lr": 0.001,
                "elapsed_ms": 0.0,
                "histograms": histograms(model, TrainingLimits().histogram_bins),
            }
            store.append_event(run_id, "epoch", event)
            samples.append((time.perf_counter() - started) * 1000)
        store.close()
    return statistics.median(samples)


def histogram_cost_ms(config: dict[str, Any], repeat: int = 200) -> float:
    """``histograms()`` of every parameter and gradient of the config's model after a
    backward pass, as the worker calls it once per epoch. Median milliseconds."""
    from app.training.histograms import histograms

    torch.manual_seed(0)
    model = build(config)
    width = config["model"]["layers"][0]["in_features"]
    model(torch.randn(64, width)).pow(2).mean().backward()
    bins = TrainingLimits().histogram_bins
    histograms(model, bins)
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        histograms(model, bins)
        samples.append((time.perf_counter() - started) * 1000)
    return statistics.median(samples)


def paired_epochs(config: dict[str, Any]) -> tuple[list[float], list[float]]:
    """The service's epoch and the bare loop's, in turns, epoch by epoch, in this process.

    The service side is what a worker runs for a run, with the insight on: the product's
    ``train()`` (histograms, and for seed 003 the landscape), each event appended to a SQLite
    run store with its wake-up datagram, as ``run_training_job`` does. Taking turns an epoch at
    a time, the two see the same machine (a shared one drifts by 30% within a minute here),
    so the ratio of their CPU times is the loop's and the streaming's own cost. What it leaves
    out is the worker process around them, which the whole-run tables measure.
    Returns CPU milliseconds per epoch, (service, bare), from epoch 2 on (the first also
    draws the data)."""
    from app.runs.store import SQLiteRunStore
    from app.runs.wakeup import WakeupSender
    from app.training.loop import train

    listener = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    listener.bind(("127.0.0.1", 0))
    service_ms, bare_ms = [], []
    with tempfile.TemporaryDirectory(prefix="gradtrace-bench-paired-") as tmp, listener:
        store = SQLiteRunStore(Path(tmp) / "runs.sqlite3")
        store.on_append = WakeupSender(listener.getsockname())
        run_id = store.create_run(config)
        store.set_status(run_id, "running")
        events = train(validate_config(config, LIMITS), device="cpu")
        bare = bare_epochs(config)
        for _ in range(config["epochs"]):
            started = time.process_time()
            event = next(events)
            store.append_event(run_id, event.pop("type"), event)
            service_ms.append((time.process_time() - started) * 1000)
            started = time.process_time()
            next(bare)
            bare_ms.append((time.process_time() - started) * 1000)
        store.close()
    return service_ms[1:], bare_ms[1:]


# --- the service ------------------------------------------------------------------------------


@dataclass
class Service:
    wall_s: float  # POST until the done event is read
    worker_s: float  # the done event's elapsed_ms: train() in the worker, data included
    epoch_ms: list[float]  # the worker's time per epoch (elapsed_ms deltas), epochs 2..N
    losses: list[float]
    latency_ms: list[float] = field(default_factory=list)  # commit -> client, per epoch
    cpu_s: float | None = None  # CPU time of the server and its workers for the run


def sse_events(response: httpx.Response) -> Iterator[tuple[int, str, str, float]]:
    """(id, event, data, arrival time.time()) for each event of an SSE response."""
    fields: dict[str, str] = {}
    data: list[str] = []
    for line in response.iter_lines():
        if line:
            if not line.startswith(":"):
                name, _, value = line.partition(":")
                value = value[1:] if value.startswith(" ") else value
                if name == "data":
                    data.append(value)
                else:
                    fields[name] = value
            continue
        if fields or data:
            yield int(fields["id"]), fields.get("event", "message"), "\n".join(data), time.time()
        fields, data = {}, []


def service_run(client: httpx.Client, config: dict[str, Any], target: Target) -> Service:
    cpu_before = target.cpu_s()
    started = time.perf_counter()
    response = client.post("/api/runs", json=config)
    if response.status_code != 201:
        raise RuntimeError(f"POST /api/runs answered {response.status_code}: {response.text}")
    run = response.json()
    arrivals: dict[int, float] = {}
    epochs: list[dict[str, Any]] = []
    done: dict[str, Any] | None = None
    with client.stream("GET", run["events_url"]) as stream:
        for event_id, kind, data, arrived in sse_events(stream):
            arrivals[event_id] = arrived
            if kind == "epoch":
                epochs.append(json.loads(data))
            elif kind == "done":
                done = json.loads(data)
                break
            else:
                raise RuntimeError(f"run {run['id']} ended with {kind}: {data[:500]}")
    wall = time.perf_counter() - started
    cpu_after = target.cpu_s()
    assert done is not None
    elapsed = [e["elapsed_ms"] for e in epochs]
    result = Service(
        wall_s=wall,
        worker_s=done["elapsed_ms"] / 1000,
        epoch_ms=[b - a for a, b in itertools.pairwise(elapsed)],
        losses=[e["loss"] for e in epochs],
    )
    if cpu_before is not None and cpu_after is not None:
        result.cpu_s = cpu_after - cpu_before
    if target.data_dir is not None:
        # The store stamps each event (time.time()) as it commits it; same host, same clock.
        with sqlite3.connect(target.data_dir / "runs.sqlite3") as db:
            rows = db.execute(
                "SELECT id, created_at FROM events WHERE run_id=? AND type='epoch'", (run["id"],)
            ).fetchall()
        result.latency_ms = [(arrivals[i] - created) * 1000 for i, created in rows]
    return result


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Target:
    """The server measured: its URL, its data directory and process id when known."""

    url: str
    data_dir: Path | None = None
    pid: int | None = None

    def cpu_s(self) -> float | None:
        """CPU seconds used so far by the server and all its descendants (fork server,
        workers), from Linux's /proc; None when the server is not ours. CPU time, unlike wall
        time, barely depends on what else the machine runs: a fair measure on a shared box."""
        if self.pid is None or not Path("/proc").is_dir():
            return None
        tick = os.sysconf("SC_CLK_TCK")
        parents: dict[int, int] = {}
        cpu: dict[int, int] = {}
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                fields = stat.read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue  # a process that just ended
            pid = int(stat.parent.name)
            parents[pid] = int(fields[1])
            cpu[pid] = int(fields[11]) + int(fields[12])  # utime + stime
        # The whole tree: workers are children of the pools' fork server, not of the server.
        tree, grown = {self.pid}, True
        while grown:
            more = {pid for pid, ppid in parents.items() if ppid in tree} - tree
            tree |= more
            grown = bool(more)
        total = sum(cpu.get(pid, 0) for pid in tree)
        return total / tick


@contextmanager
def server(url: str | None, data_dir: str | None) -> Iterator[Target]:
    """The server to measure (started here unless --url)."""
    if url:
        yield Target(url, Path(data_dir) if data_dir else None)
        return
    with tempfile.TemporaryDirectory(prefix="gradtrace-bench-") as tmp:
        port = free_port()
        env = dict(
            os.environ,
            **SERVER_ENV,
            GRADTRACE_DATA_DIR=tmp,
            GRADTRACE_RUN_WORKERS="1",  # one run at a time, like the bare loop
        )
        cmd = [sys.executable, "-m", "app", "serve", "--port", str(port), "--workers", "1"]
        process = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.DEVNULL)
        base = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + 120
            while True:
                try:
                    if httpx.get(f"{base}/health", timeout=1).status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
                if time.monotonic() > deadline or process.poll() is not None:
                    raise RuntimeError("the server did not start")
                time.sleep(0.2)  # polling interval while it starts
            yield Target(base, Path(tmp), process.pid)
        finally:
            process.terminate()
            process.wait(timeout=30)


# --- report -----------------------------------------------------------------------------------


def median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", help="benchmark a running server instead of starting one")
    parser.add_argument("--data-dir", help="that server's GRADTRACE_DATA_DIR, for the latency")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--only", choices=sorted(CONFIGS), help="run one config")
    parser.add_argument(
        "--no-dataloader", action="store_true", help="skip the bare+DataLoader runs (faster)"
    )
    parser.add_argument(
        "--side-by-side",
        action="store_true",
        help="only whole runs of the service and the bare loop at the same time, one core each",
    )
    parser.add_argument(
        "--paired",
        action="store_true",
        help="only the epoch-by-epoch turns of the service's loop and the bare one, in-process",
    )
    args = parser.parse_args(argv)
    torch.set_num_threads(1)  # like a worker, so both sides compute alike
    if args.side_by_side:
        report_side_by_side(args.url, args.data_dir, args.only, args.repeat)
        return
    if args.paired:
        os.environ.update(SERVER_ENV)  # train() reads the limits from the settings too
        report_paired(args.only, args.repeat)
        return

    names = [args.only] if args.only else list(CONFIGS)
    configs = {name: CONFIGS[name]() for name in names}
    for config in configs.values():
        check_limits(config)
    results: dict[str, tuple[list[Service], list[Bare], list[Bare]]] = {}
    off: dict[str, list[Service]] = {}
    costs = {name: event_cost_ms(config) for name, config in configs.items()}
    hist_costs = {
        name: histogram_cost_ms(config) for name, config in configs.items() if "mlp" in name
    }
    with (
        server(args.url, args.data_dir) as target,
        httpx.Client(base_url=target.url, timeout=600) as client,
    ):
        for config in configs.values():
            # One epoch first on both sides: imports (scikit-learn), allocator and kernels warm,
            # so the measured runs compare steady states (a fresh worker's first run also pays
            # for importing scikit-learn, some 0.8 s here).
            service_run(client, config | {"epochs": 1}, Target(target.url))
            bare_run(config | {"epochs": 1})
        for name, config in configs.items():
            services, bares, loaders, plain = [], [], [], []
            for _ in range(args.repeat):  # alternate, so load on the machine hits all alike
                services.append(service_run(client, config, target))
                bares.append(bare_run(config))
                plain.append(service_run(client, config | INSIGHT_OFF, target))
                if not args.no_dataloader:
                    loaders.append(bare_run(config, dataloader=True))
                print(  # as it goes: a long bench cut short still leaves its rounds
                    f"{name} round {len(bares)}: service {services[-1].wall_s:.2f}s, bare "
                    f"{bares[-1].wall_s:.2f}s, service insight off {plain[-1].wall_s:.2f}s",
                    flush=True,
                )
            results[name] = (services, bares, loaders or bares)
            off[name] = plain

    report(results, costs, args.repeat)
    report_insight(results, off, hist_costs)


def report_paired(only: str | None, repeat: int) -> None:
    """``--paired``: the service's loop against the bare one, in turns an epoch at a time."""
    print("Epoch by epoch in turns, in this process: the service's train() with the insight on")
    print("and each event streamed to a run store, against the bare loop (CPU ms, epochs 2..N).")
    print(f"{'config':14s} {'service':>9s} {'bare':>9s} {'ratio':>7s} {'pairs':>18s}")
    for name in [only] if only else list(CONFIGS):
        config = CONFIGS[name]()
        check_limits(config)
        service: list[float] = []
        bare: list[float] = []
        for _ in range(repeat):
            ours, theirs = paired_epochs(config)
            service += ours
            bare += theirs
        ratios = sorted(a / b for a, b in zip(service, bare, strict=True))
        print(
            f"{name:14s} {median(service):9.1f} {median(bare):9.1f} "
            f"{sum(service) / sum(bare):6.3f}x  {ratios[0]:.3f}..{ratios[-1]:.3f} ({len(ratios)})"
        )
    print("ratio: total service time / total bare time over all pairs. Target <= 1.05.")


def report_side_by_side(
    url: str | None, data_dir: str | None, only: str | None, repeat: int
) -> None:
    """``--side-by-side``: a whole run through the service (POST, worker, SSE until done) and
    the bare script started at the same moment, each on one of the two cores, so whatever the
    machine does to one it does to the other while both run."""
    print("Side by side: the service's whole run and the bare script at the same time.")
    print(f"{'config':14s} {'service s':>10s} {'bare s':>8s} {'ratio':>7s}")
    with server(url, data_dir) as target, httpx.Client(base_url=target.url, timeout=600) as client:
        for name in [only] if only else list(CONFIGS):
            config = CONFIGS[name]()
            check_limits(config)
            service_run(client, config | {"epochs": 1}, Target(target.url))  # warm, as in main()
            ratios = []
            for _ in range(repeat):
                with ThreadPoolExecutor(1) as pool:
                    # the SSE client waits on its socket, leaving this thread the GIL
                    running = pool.submit(service_run, client, config, Target(target.url))
                    bare = bare_run(config)
                    ran = running.result()
                ratios.append(ran.wall_s / bare.wall_s)
                print(
                    f"{name:14s} {ran.wall_s:10.2f} {bare.wall_s:8.2f} {ratios[-1]:6.3f}x",
                    flush=True,
                )
            print(f"{name:14s} median ratio {median(ratios):.3f}x over {len(ratios)} runs")
    print("Target <= 1.05.")


def report_insight(
    results: dict[str, tuple[list[Service], list[Bare], list[Bare]]],
    off: dict[str, list[Service]],
    hist_costs: dict[str, float],
) -> None:
    """The cost of issue 15's data: service with it on and off, both against the bare loop."""
    print("\nTraining insight (histograms every epoch; seed 003: live landscape): whole run,")
    print("best then median, service with it on and off against the bare loop of the same round.")
    print(f"{'config':14s} {'on/bare':>15s} {'off/bare':>15s} {'on/off':>15s}")
    for name, (services, bares, _) in results.items():
        on = [s.wall_s for s in services]
        plain = [s.wall_s for s in off[name]]
        bare = [b.wall_s for b in bares]
        print(
            f"{name:14s} {min(on) / min(bare):6.3f} {median(on) / median(bare):6.3f}   "
            f"{min(plain) / min(bare):6.3f} {median(plain) / median(bare):6.3f}   "
            f"{min(on) / min(plain):6.3f} {median(on) / median(plain):6.3f}"
        )
        if all(s.cpu_s is not None for s in services + off[name]):
            cpu_on = [s.cpu_s or 0.0 for s in services]
            cpu_off = [s.cpu_s or 0.0 for s in off[name]]
            cpu_bare = [b.cpu_s for b in bares]
            print(
                f"{'  (CPU time)':14s} {min(cpu_on) / min(cpu_bare):6.3f} "
                f"{median(cpu_on) / median(cpu_bare):6.3f}   {min(cpu_off) / min(cpu_bare):6.3f} "
                f"{median(cpu_off) / median(cpu_bare):6.3f}   {min(cpu_on) / min(cpu_off):6.3f} "
                f"{median(cpu_on) / median(cpu_off):6.3f}"
            )
    for name, ms in hist_costs.items():
        params = sum(p.numel() for p in build(CONFIGS[name]()).parameters())
        print(f"histograms() of {name} ({params:,} parameters and their gradients): {ms:.2f} ms")
    print("Targets: on/bare <= 1.05; histograms of the 100k model < 2 ms per epoch.")


def report(
    results: dict[str, tuple[list[Service], list[Bare], list[Bare]]],
    costs: dict[str, float],
    repeat: int,
) -> None:
    """Print the three tables: whole runs, epochs, streaming."""
    print(f"\n{ROWS:,} rows, {EPOCHS} epochs, {repeat} runs of each; one thread each side.")
    print("Best (min) of the runs first, median second: on a shared machine the best run is")
    print("the one least disturbed by others.\n")
    print("Whole run: POST /api/runs until `done` reaches the SSE client, against the bare script")
    print("(data, model, 10 epochs); worker: train() inside the worker (done.elapsed_ms).")
    print(f"{'config':14s} {'service':>17s} {'bare':>17s} {'ratio':>13s} {'worker':>8s}")
    for name, (services, bares, _) in results.items():
        svc, bare = [s.wall_s for s in services], [b.wall_s for b in bares]
        print(
            f"{name:14s} {min(svc):7.2f}s {median(svc):7.2f}s {min(bare):7.2f}s "
            f"{median(bare):7.2f}s {min(svc) / min(bare):6.3f} {median(svc) / median(bare):6.3f} "
            f"{min(s.worker_s for s in services):7.2f}s"
        )
    if all(s.cpu_s is not None for services, _, _ in results.values() for s in services):
        print("\nWhole run in CPU time: the server and its workers, against this process.")
        print(
            f"{'config':14s} {'service':>17s} {'bare':>17s} {'ratio':>13s} {'bare+DataLoader':>17s}"
        )
        for name, (services, bares, loaders) in results.items():
            svc = [s.cpu_s for s in services if s.cpu_s is not None]
            bare = [b.cpu_s for b in bares]
            loader = [b.cpu_s for b in loaders]
            print(
                f"{name:14s} {min(svc):7.2f}s {median(svc):7.2f}s {min(bare):7.2f}s "
                f"{median(bare):7.2f}s {min(svc) / min(bare):6.3f} "
                f"{median(svc) / median(bare):6.3f} {min(loader):7.2f}s {median(loader):7.2f}s"
            )
    print("\nPer epoch (median of epochs 2..10 of a run; best run, then median run): the service")
    print("(from its elapsed_ms), the bare loop, and the bare loop drawing its batches from a")
    print("DataLoader, as tutorial code does (the service draws the same batches without one).")
    print(
        f"{'config':14s} {'service':>19s} {'bare':>19s} {'bare+DataLoader':>19s} "
        f"{'added':>8s} {'ratio':>6s}"
    )
    for name, (services, bares, loaders) in results.items():
        svc = [median(s.epoch_ms) for s in services]
        bare = [median(b.epoch_ms[1:]) for b in bares]
        loader = [median(b.epoch_ms[1:]) for b in loaders]
        print(
            f"{name:14s} {min(svc):7.1f} {median(svc):7.1f} ms {min(bare):7.1f} "
            f"{median(bare):7.1f} ms {min(loader):7.1f} {median(loader):7.1f} ms "
            f"{min(svc) - min(bare):6.1f}ms {min(svc) / min(bare):6.3f}"
        )
    print("\nStreaming, per epoch: the worker's cost of an epoch event (build it, commit it to the")
    print("store, send the wake-up), then the latency from that commit to the SSE client.")
    print(
        f"{'config':14s} {'event':>8s} {'lat p50':>8s} {'lat p95':>8s} {'lat max':>8s} "
        f"{'total p50':>9s} {'loss diff':>9s}"
    )
    for name, (services, bares, loaders) in results.items():
        latency = [ms for s in services for ms in s.latency_ms]
        diff = max(
            abs(a - b) / max(abs(b), 1e-12)
            for svc, bare in zip(services, bares + loaders, strict=False)
            for a, b in zip(svc.losses, bare.losses, strict=True)
        )
        p50 = percentile(latency, 0.5)
        print(
            f"{name:14s} {costs[name]:6.2f}ms {p50:6.2f}ms {percentile(latency, 0.95):6.2f}ms "
            f"{max(latency, default=float('nan')):6.2f}ms {costs[name] + p50:7.2f}ms {diff:9.1e}"
        )
    print("(loss diff: the largest relative difference between the service's epoch losses and")
    print("the bare loop's: the same numbers, not merely the same speed.)")
    print("\nTargets: ratio <= 1.05; streaming cost per epoch < 2 ms for the MLP.")


if __name__ == "__main__":
    main()
