"""Interpreter benchmark: gradtrace's interpreter against CPython on the same loop-heavy programs.

For each program this measures, in one process, one after the other and taking turns:

- ``ours``: ``app.lang.run_program`` (parse, check, run under every limit), as a worker runs it;
- ``cpython``: the same source compiled and run by CPython itself, with the notebook's names
  (torch, nn, F, optim, np, math) pre-bound the way gradtrace pre-binds them.

Both run on one torch thread (as the workers do). It prints medians and the ratio ours/cpython:
the interpreter's own overhead. Times are CPU time of this process (``time.process_time``): on a
shared machine wall time mostly measures the neighbours; both sides run single-threaded, so on an
idle machine the two agree. Programs: seed 000's 100-epoch loop, a 1000-step hand gradient
descent (seed 003), a 10k-iteration pure-Python loop, the "Learning PyTorch with Examples"
custom-Function fit (2000 steps) and d2l's linear regression with a generator. Usage::

    python bench/interpreter_bench.py [--repeat 15] [--only NAME]

This is a benchmark, not a test.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import math
import statistics
import sys
import time
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn, optim

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from app.config import ProgramLimits  # noqa: E402
from app.lang import run_program  # noqa: E402

EXAMPLES = ROOT / "app" / "examples"


def _example(name: str) -> str:
    lines = (EXAMPLES / f"{name}.py").read_text().splitlines()
    return "\n".join(line for line in lines if "plt" not in line) + "\n"  # no plotting


PROGRAMS = {
    "seed000 (100 epochs)": _example("seed000_backprop_linear"),
    "hand GD (1000 steps)": _example("seed003_gradient_descent"),
    "pure Python (10k loop)": """
total = 0
values = []
for i in range(10000):
    if i % 3 == 0:
        total += i * i
    else:
        total -= i
    values.append(total % 7)
print(total, sum(values))
""",
    "Legendre Function (2000 steps)": """
class LegendrePolynomial3(torch.autograd.Function):
    @staticmethod
    def forward(ctx, input):
        ctx.save_for_backward(input)
        return 0.5 * (5 * input ** 3 - 3 * input)

    @staticmethod
    def backward(ctx, grad_output):
        input, = ctx.saved_tensors
        return grad_output * 1.5 * (5 * input ** 2 - 1)

x = torch.linspace(-math.pi, math.pi, 2000)
y = torch.sin(x)
a = torch.full((), 0.0, requires_grad=True)
b = torch.full((), -1.0, requires_grad=True)
c = torch.full((), 0.0, requires_grad=True)
d = torch.full((), 0.3, requires_grad=True)
for t in range(2000):
    P3 = LegendrePolynomial3.apply
    y_pred = a + b * P3(c + d * x)
    loss = (y_pred - y).pow(2).sum()
    loss.backward()
    with torch.no_grad():
        for p in (a, b, c, d):
            p -= 5e-6 * p.grad
            p.grad = None
print(loss.item())
""",
    "d2l linear regression (generator)": """
torch.manual_seed(0)
features = torch.normal(0, 1, (1000, 2))
labels = features @ torch.tensor([[2.0], [-3.4]]) + 4.2
def data_iter(batch_size, features, labels):
    indices = list(range(len(features)))
    for i in range(0, len(features), batch_size):
        batch_indices = torch.tensor(indices[i: min(i + batch_size, len(features))])
        yield features[batch_indices], labels[batch_indices]
w = torch.normal(0, 0.01, size=(2, 1), requires_grad=True)
b = torch.zeros(1, requires_grad=True)
for epoch in range(3):
    for X, y in data_iter(10, features, labels):
        l = ((X @ w + b - y) ** 2 / 2).sum()
        l.backward()
        with torch.no_grad():
            for param in [w, b]:
                param -= 0.03 * param.grad / 10
                param.grad.zero_()
print(float(((features @ w + b - labels) ** 2 / 2).mean()))
""",
}


def run_ours(source: str) -> str:
    return run_program(source, ProgramLimits()).stdout


def run_cpython(source: str) -> str:
    names = {"torch": torch, "nn": nn, "F": F, "optim": optim, "np": np, "math": math}
    names["__name__"] = "__main__"
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(source, "<program>", "exec"), names)  # the baseline, not the product
    return out.getvalue()


def measure(source: str, repeat: int) -> tuple[float, float]:
    assert run_ours(source) == run_cpython(source), "the two disagree"
    ours, cpython = [], []
    for _ in range(repeat):  # taking turns, so drift in the machine hits both alike
        start = time.process_time()
        run_ours(source)
        ours.append(time.process_time() - start)
        start = time.process_time()
        run_cpython(source)
        cpython.append(time.process_time() - start)
    return statistics.median(ours) * 1e3, statistics.median(cpython) * 1e3


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=15)
    parser.add_argument("--only", default=None, help="run the programs whose name has this")
    args = parser.parse_args()
    torch.set_num_threads(1)
    print(f"{'program':36} {'ours ms':>9} {'cpython ms':>11} {'ratio':>7}")
    for name, source in PROGRAMS.items():
        if args.only and args.only not in name:
            continue
        ours, cpython = measure(source, args.repeat)
        print(f"{name:36} {ours:9.1f} {cpython:11.1f} {ours / cpython:6.2f}x")


if __name__ == "__main__":
    main()
