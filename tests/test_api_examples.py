"""Every seed and extra example through the real server: values, grads, printed text, errors,
and a graph whose op multiset equals a direct grad_fn walk of the same program under CPython.
"""

from __future__ import annotations

import contextlib
import io
import json
import re
import sys
import types
import warnings
from collections import Counter
from pathlib import Path
from typing import Any

import httpx
import pytest
import torch

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "app" / "examples"
EXPECTED = ROOT / "tests" / "expected"
INDEX = json.loads((EXAMPLES / "index.json").read_text())
ADDRESS = re.compile(r"0x[0-9a-fA-F]+")
NAMED_BACKWARD = re.compile(r"^\s*[A-Za-z_]\w*\.backward\(")


def decode(value: Any) -> Any:
    """The API encodes NaN/Infinity as strings to stay strict JSON."""
    if isinstance(value, list):
        return [decode(v) for v in value]
    if value in ("NaN", "Infinity", "-Infinity"):
        return float(value.replace("Infinity", "inf"))
    return value


def assert_close(actual: Any, expected: Any) -> None:
    actual_tensor = torch.tensor(decode(actual), dtype=torch.float64)
    expected_tensor = torch.tensor(expected, dtype=torch.float64)
    assert torch.allclose(actual_tensor, expected_tensor, rtol=1e-5, atol=1e-6, equal_nan=True)


def cpython_ops(source: str) -> Counter[str]:
    """Run the program with CPython (trusted repository examples) and walk its grad_fn graph.

    Roots are what gradtrace names: global tensors and module parameters, the tensors
    ``.backward()`` was called on, and the tensors local to functions the module called.
    """
    fake_pyplot = types.SimpleNamespace(rcParams={})
    for name in ("plot", "scatter", "xlabel", "ylabel", "title", "legend", "grid", "show"):
        setattr(fake_pyplot, name, lambda *a, **k: None)
    modules = {"matplotlib": types.SimpleNamespace(pyplot=fake_pyplot)}
    modules["matplotlib.pyplot"] = fake_pyplot
    namespace: dict[str, Any] = {"__name__": "__main__"}
    backward_roots: list[torch.Tensor] = []  # the last one is the graph root, as in gradtrace
    frame_locals: dict[str, dict[str, Any]] = {}  # the last call's locals, per function
    backward = torch.Tensor.backward

    lines = source.splitlines()

    def recording_backward(self: torch.Tensor, *args: Any, **kwargs: Any) -> Any:
        # gradtrace adds a root of its own only for an unnamed one, like `y.sum().backward()`
        caller = sys._getframe(1)
        line = lines[caller.f_lineno - 1] if caller.f_code.co_filename == "<example>" else ""
        if not NAMED_BACKWARD.match(line):
            backward_roots[:] = [self]
        return backward(self, *args, **kwargs)

    def keep_module_level_locals(frame: Any, event: str, arg: Any) -> None:
        called_from_module = frame.f_back is not None and frame.f_back.f_code.co_name == "<module>"
        if event == "return" and called_from_module and "self" not in frame.f_locals:
            frame_locals[frame.f_code.co_name] = dict(frame.f_locals)

    with contextlib.redirect_stdout(io.StringIO()), _patched_modules(modules):
        torch.Tensor.backward = recording_backward  # type: ignore[method-assign]
        sys.setprofile(keep_module_level_locals)
        try:
            # The error examples stop where the API does; the program's own warnings are its.
            with contextlib.suppress(RuntimeError), warnings.catch_warnings():
                warnings.simplefilter("ignore")
                exec(compile(source, "<example>", "exec"), namespace)
        finally:
            sys.setprofile(None)
            torch.Tensor.backward = backward  # type: ignore[method-assign]
    values = [*namespace.values(), *backward_roots]
    values += [value for local in frame_locals.values() for value in local.values()]
    roots = [v.grad_fn for v in values if isinstance(v, torch.Tensor) and v.grad_fn]
    for value in values:
        if isinstance(value, torch.nn.Module):
            roots += [p.grad_fn for p in value.parameters() if p.grad_fn]
    seen: set[int] = set()
    ops: Counter[str] = Counter()
    stack = list(roots)
    while stack:
        fn = stack.pop()
        if id(fn) in seen:
            continue
        seen.add(id(fn))
        ops[type(fn).__name__] += 1
        stack.extend(next_fn for next_fn, _ in fn.next_functions if next_fn is not None)
    return ops


@contextlib.contextmanager
def _patched_modules(modules: dict[str, Any]):
    saved = {name: sys.modules.get(name) for name in modules}
    sys.modules.update(modules)
    try:
        yield
    finally:
        for name, module in saved.items():
            if module is None:
                sys.modules.pop(name, None)
            else:
                sys.modules[name] = module


@pytest.mark.parametrize("entry", INDEX, ids=[e["id"] for e in INDEX])
def test_example_through_the_api(client: httpx.Client, entry: dict[str, Any]) -> None:
    source = (EXAMPLES / f"{entry['id']}.py").read_text()
    expected = json.loads((EXPECTED / f"{entry['id']}.json").read_text())
    response = client.post("/api/graph", json={"source": source, "render_svg": False})

    if expected["error"] is not None:
        assert response.status_code == 400, response.text
        error = response.json()["error"]
        assert error["type"] == "runtime"
        want = expected["error"]
        assert error["message"] == f"{want['type']}: {want['message']}"
        assert error["line"] == want["line"]
        return

    assert response.status_code == 200, response.text
    body = response.json()
    if expected["stdout_normalized"] is not None:
        assert ADDRESS.sub("0xADDR", body["stdout"]) == expected["stdout_normalized"]
    for name, want in expected["variables"].items():
        got = body["variables"][name]
        assert got["shape"] == want["shape"], name
        assert got["requires_grad"] == want["requires_grad"], name
        if want["value"] is not None and not got["value_truncated"]:
            assert_close(got["value"], want["value"])
        if want["grad"] is not None and not got["grad_truncated"]:
            assert_close(got["grad"], want["grad"])
    assert sum(len(f["series"]) for f in body["plots"]) == expected["plots"]["series"]

    api_ops = Counter(n["op"] for n in body["graph"]["nodes"] if n["kind"] == "op")
    assert api_ops == +Counter(
        {op: count for op, count in cpython_ops(source).items() if op != "AccumulateGrad"}
    )
