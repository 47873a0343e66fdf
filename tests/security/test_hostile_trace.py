"""Hostile programs for "trace": true: huge loops, deep graphs, many backward passes, big
tensors, many names. The trace must stay within its bounds (frames, passes, values, bytes) and
say ``truncated``; the run must end (a result or a limit error), never hang or fail with 5xx."""

from __future__ import annotations

import time
from typing import Any

import httpx
import pytest

from app.config import ProgramLimits, TraceLimits
from app.encoding import dumps
from app.lang.errors import ProgramError
from tests.trace_support import traced

SMALL = TraceLimits(max_frames=40, loop_iterations=3, max_nodes=300, max_backward=8, max_steps=100)

HOSTILE_TRACES = {
    "huge_for_loop": "x = torch.ones(2, requires_grad=True)\nfor i in range(200000):\n"
    "    y = x * 2\n",
    "huge_while_loop": "x = torch.ones(2, requires_grad=True)\ni = 0\nwhile i < 30000:\n"
    "    y = x * i\n    i += 1\n",
    "deep_graph": "x = torch.ones(3, requires_grad=True)\ny = x\nfor i in range(20000):\n"
    "    y = y * 1.0001\ny.sum().backward()\n",
    "many_backward": "x = torch.ones(3, requires_grad=True)\nfor i in range(5000):\n"
    "    (x * 2).sum().backward()\n",
    "many_backward_while": "x = torch.ones(3, requires_grad=True)\nn = 0\nwhile n < 3000:\n"
    "    (x * x).sum().backward()\n    n += 1\n",
    "big_tensors": "x = torch.ones(1000, 1000, requires_grad=True)\ny = (x * 2).sum()\n"
    "y.backward()\nz = x.grad * 3\n",
    "many_names": "".join(f"t{i} = torch.ones(2, requires_grad=True) * {i}\n" for i in range(400)),
    "caught_errors": "x = torch.ones(2, requires_grad=True)\ny = (x * x).sum()\ny.backward()\n"
    "for i in range(2000):\n    try:\n        y.backward()\n    except RuntimeError:\n"
    "        pass\n",
    "loops_in_calls": "def f(n):\n    s = torch.zeros(1, requires_grad=True)\n"
    "    for i in range(n):\n        s = s + i\n    return s\n"
    "v = [f(3) for _ in range(3000)]\n",
    "recursion_with_loops": "def f(n, x):\n    for i in range(2):\n        x = x * 1.5\n"
    "    return f(n - 1, x) if n else x\nx = torch.ones(1, requires_grad=True)\n"
    "f(40, x).backward()\n",
    "higher_order": "x = torch.tensor(1.5, requires_grad=True)\ny = x ** 6\ng = y\n"
    "for i in range(5):\n    (g,) = torch.autograd.grad(g, x, create_graph=True)\n",
    "many_leaves": "leaves = [torch.ones(1).requires_grad_() for _ in range(3000)]\n"
    "total = sum(leaves)\ntotal.backward()\n",
}


def _bounded(timeline: dict[str, Any], limits: TraceLimits) -> None:
    assert len(dumps(timeline)) <= limits.max_bytes
    # kept frames, plus at most one "skipped" frame per cut and the closing error/end frames
    assert len(timeline["frames"]) <= 2 * limits.max_frames
    assert len(timeline["backward"]) <= limits.max_backward
    assert len(timeline["nodes"]) <= limits.max_nodes
    for frame in timeline["frames"]:
        assert len(frame.get("tensors", {})) <= limits.max_tensors
        for tensor in frame.get("tensors", {}).values():
            assert len(tensor.get("value") or []) <= limits.max_values
            assert len(tensor.get("grad") or []) <= limits.max_values
    for entry in timeline["backward"]:
        assert len(entry["steps"]) <= limits.max_steps
        for step in entry["steps"]:
            for edge in step["edges"]:
                assert len(edge["grad"]["values"] or []) <= limits.max_values


@pytest.mark.parametrize("name", sorted(HOSTILE_TRACES))
def test_a_hostile_trace_stays_bounded(name: str) -> None:
    started = time.perf_counter()
    try:
        run = traced(HOSTILE_TRACES[name], SMALL)
    except ProgramError as error:  # a limit of the program itself (max_steps): fine, and 4xx
        assert error.type == "limit", error
        return
    _bounded(run["timeline"], SMALL)
    assert time.perf_counter() - started < 60  # a generous bound on a loaded test machine
    if name not in ("big_tensors", "higher_order"):
        assert run["timeline"]["truncated"] is True


def test_a_tiny_byte_budget_still_gives_a_valid_truncated_timeline() -> None:
    limits = TraceLimits(max_bytes=10_000)
    source = "x = torch.ones(50, requires_grad=True)\nfor i in range(30):\n"
    source += "    y = (x * i).sum()\n    y.backward()\n"
    run = traced(source, limits)
    _bounded(run["timeline"], limits)
    assert run["timeline"]["truncated"] is True


def test_hostile_traces_over_http_are_never_5xx(client: httpx.Client) -> None:
    for name in ("deep_graph", "many_backward", "huge_while_loop", "caught_errors"):
        response = client.post(
            "/api/graph",
            json={"source": HOSTILE_TRACES[name], "trace": True, "render_svg": False},
        )
        assert response.status_code < 500, (name, response.text[:300])
        if response.status_code == 200:
            timeline = response.json()["timeline"]
            assert len(dumps(timeline)) <= TraceLimits().max_bytes
        else:
            assert response.json()["error"]["type"] in ("limit", "timeout", "runtime")


def test_program_limits_still_apply_when_traced() -> None:
    from app.graph.trace import ProgramTrace
    from app.lang import run_program

    with pytest.raises(ProgramError) as caught:
        run_program(
            "while True:\n    pass\n", ProgramLimits(max_steps=10_000), tracer=ProgramTrace(SMALL)
        )
    assert caught.value.limit == "max_steps"
