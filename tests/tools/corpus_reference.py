"""Run the tutorial corpus (tests/corpus/*.py) under plain CPython + torch: the reference side of
tests/test_corpus.py. Test support, never product code.

    python tests/tools/corpus_reference.py OUT.json SNIPPET.py [SNIPPET.py ...]

One process imports torch once (``OMP_NUM_THREADS=1`` and ``torch.set_num_threads(1)``, as the
service's workers run), then runs each snippet in a child forked from it, so snippets share no
state (RNG, grad mode, torch's once-only warnings). In the child the snippet runs as
``__main__`` with ``exec`` on fresh globals that pre-bind what a notebook cell already has:
``torch, nn (torch.nn), F (torch.nn.functional), optim (torch.optim), np, math``. stdout is
captured, ``matplotlib.pyplot`` is the recording stand-in of tests/tools/make_expected.py, and a
snippet that raises stops there with its exception recorded (type, message, the snippet line).

OUT.json maps each snippet's file name to
  stdout      what it printed
  error       null or {"type", "message", "line"}
  variables   {name: record} for every global tensor and, as ``<module>.<param>``, the
              parameters of every global nn.Module (the names the service reports); a record is
              make_expected's (value, grad, has_grad, shape, dtype, requires_grad, is_leaf,
              grad_fn) with dtype spelled as torch prints it ("torch.float32")
  seconds     wall time of the child, fork to exit
  graph_ops   sorted names of the grad_fn classes reachable from those tensors (no AccumulateGrad)
"""

from __future__ import annotations

import builtins
import contextlib
import io
import json
import os
import random
import sys
import time
import traceback
import types
import warnings
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
import make_expected  # its FakePyplot and tensor records

MAX_ELEMENTS = 100_000  # a bigger tensor is recorded with value/grad null

# Run once before forking: torch loads much lazily on first use (torch._dynamo for an
# optimizer step alone takes ~2 s), which every forked child would otherwise pay again.
WARM_UP = """
import torch
model = torch.nn.Sequential(torch.nn.Conv2d(1, 2, 3), torch.nn.Flatten(), torch.nn.LazyLinear(1))
for opt in (torch.optim.SGD(model.parameters(), lr=0.1), torch.optim.Adam(model.parameters())):
    loss = model(torch.randn(2, 1, 5, 5)).sum()
    opt.zero_grad()
    loss.backward()
    opt.step()
torch.nn.LSTM(2, 3)(torch.randn(4, 1, 2))[0].sum().backward()
torch.func.vmap(torch.func.grad(lambda x: x.sin().sum()))(torch.randn(3, 2))
torch.autograd.functional.jacobian(lambda x: x.exp(), torch.randn(2))
"""


def _record(t: Any) -> dict[str, Any]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # .grad of a non-leaf warns
        grad = t.grad
    small = t.numel() <= MAX_ELEMENTS and not t.is_complex()
    plain = make_expected._plain
    return {
        "value": plain(t.detach().cpu().tolist()) if small else None,
        "grad": plain(grad.detach().cpu().tolist()) if grad is not None and small else None,
        "has_grad": grad is not None,
        "shape": list(t.shape),
        "dtype": str(t.dtype),
        "requires_grad": t.requires_grad,
        "is_leaf": t.is_leaf,
        "grad_fn": type(t.grad_fn).__name__ if t.grad_fn is not None else None,
    }


def _collect(namespace: dict[str, Any]) -> tuple[dict[str, Any], list[str]]:
    import torch

    tensors: dict[str, Any] = {}
    for name, value in namespace.items():
        if name.startswith("__"):
            continue
        if isinstance(value, torch.Tensor):
            tensors[name] = value
        elif isinstance(value, torch.nn.Module):
            for pname, param in value.named_parameters():
                tensors[f"{name}.{pname}"] = param
    ops: set[str] = set()
    seen: set[int] = set()
    stack = [t.grad_fn for t in tensors.values() if t.grad_fn is not None]
    while stack:
        fn = stack.pop()
        if id(fn) in seen:
            continue
        seen.add(id(fn))
        if type(fn).__name__ != "AccumulateGrad":
            ops.add(type(fn).__name__)
        stack.extend(f for f, _ in getattr(fn, "next_functions", ()) if f is not None)
    return {name: _record(t) for name, t in tensors.items()}, sorted(ops)


def run_snippet(path: Path, plt: Any) -> dict[str, Any]:
    import numpy as np
    import torch

    code = compile(path.read_text(encoding="utf-8"), str(path), "exec")
    plt.reset()
    torch.set_grad_enabled(True)
    seed = random.SystemRandom().randrange(2**63)  # like the service: unseeded means unseeded
    torch.manual_seed(seed)
    np.random.seed(seed % 2**32)
    random.seed(seed)
    namespace: dict[str, Any] = {
        "__name__": "__main__",
        "__builtins__": builtins,
        "torch": torch,
        "nn": torch.nn,
        "F": torch.nn.functional,
        "optim": torch.optim,
        "np": np,
        "math": __import__("math"),
    }
    out = io.StringIO()
    error = None
    with warnings.catch_warnings(), contextlib.redirect_stdout(out):
        warnings.simplefilter("ignore")
        try:
            exec(code, namespace)
        except Exception as exc:
            error = make_expected.error_record(exc, path)
    variables, ops = _collect(namespace)
    return {"stdout": out.getvalue(), "error": error, "variables": variables, "graph_ops": ops}


def main(out_path: str, paths: list[str]) -> None:
    sys.modules["matplotlib"] = matplotlib = types.ModuleType("matplotlib")
    sys.modules["matplotlib.pyplot"] = matplotlib.pyplot = plt = make_expected.FakePyplot()
    import numpy  # noqa: F401
    import torch

    torch.set_num_threads(1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        exec(compile(WARM_UP, "<warm-up>", "exec"), {"__name__": "__warm_up__"})
    results: dict[str, Any] = {}
    for name in paths:
        path = Path(name).resolve()
        result_path = Path(f"{out_path}.{path.stem}")
        started = time.perf_counter()
        pid = os.fork()
        if pid == 0:
            code = 1
            try:
                result = run_snippet(path, plt)
                text = json.dumps(result, ensure_ascii=False)
                result_path.write_text(text, encoding="utf-8")
                code = 0
            except BaseException:
                traceback.print_exc()
            finally:
                os._exit(code)
        _, status = os.waitpid(pid, 0)
        if status != 0 or not result_path.exists():
            results[path.name] = {"crashed": f"the reference child failed (status {status})"}
            continue
        results[path.name] = json.loads(result_path.read_text(encoding="utf-8"))
        results[path.name]["seconds"] = round(time.perf_counter() - started, 3)
        result_path.unlink()
    Path(out_path).write_text(json.dumps(results, ensure_ascii=False), encoding="utf-8")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2:])
