"""Traces of autograd at work (app/graph/trace), against real PyTorch computed in the test.

Every edge gradient a trace shows must equal ``torch.autograd.grad`` of the root with respect
to that node's output, computed independently (tests/trace_support.py); the seed programs'
narratives must play as the tutorials tell them; and tracing must change nothing the program
does.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import torch

from app.config import TraceLimits
from app.lang import named_tensors, run_program
from tests.trace_support import check_edges, close, leaf_names, traced

EXAMPLES = Path(__file__).resolve().parent.parent / "app" / "examples"
SEEDS = sorted(p.name for p in EXAMPLES.glob("seed*.py"))

# Programs of every kind autograd meets: branches, reused tensors, views, in-place, double
# backward, custom Functions, hooks, loops, modules, several roots.
PROGRAMS = {
    "chain": "x = torch.tensor([1., 2., 3.], requires_grad=True)\ny = (x * 2 + 1).sum()\n"
    "y.backward()\n",
    "branches": "x = torch.tensor([0.5, -1.5], requires_grad=True)\na = x.sin()\nb = x.exp()\n"
    "y = (a * b).sum()\ny.backward()\n",
    "reused": "x = torch.tensor([1., 2.], requires_grad=True)\ny = x * x * x\ny.sum().backward()\n",
    "diamond": "x = torch.tensor(3., requires_grad=True)\na = x * 2\nb = a + 1\nc = a * 3\n"
    "d = b * c\nd.backward()\n",
    "view": "x = torch.arange(6.).reshape(2, 3).requires_grad_()\nv = x.view(3, 2)\n"
    "y = (v.t() @ v).sum()\ny.backward()\n",
    "slice": "x = torch.tensor([1., 2., 3., 4.], requires_grad=True)\ny = x[1:3] * x[:2]\n"
    "y.sum().backward()\n",
    "inplace": "x = torch.tensor([1., 2.], requires_grad=True)\ny = x * 2\ny.add_(1)\ny.mul_(3)\n"
    "y.sum().backward()\n",
    "inplace_view": "x = torch.tensor([1., 2., 3.], requires_grad=True)\ny = x.clone()\n"
    "y[0] = 5.0\nz = (y * y).sum()\nz.backward()\n",
    "expand": "x = torch.tensor([[1.], [2.]], requires_grad=True)\ny = x.expand(2, 3) * "
    "torch.tensor([1., 2., 3.])\ny.sum().backward()\n",
    "broadcast": "a = torch.tensor([[1., 2.]], requires_grad=True)\nb = torch.tensor([[3.], [4.]],"
    " requires_grad=True)\n(a * b).sum().backward()\n",
    "matmul": "torch.manual_seed(0)\nw = torch.randn(3, 2, requires_grad=True)\n"
    "x = torch.randn(4, 3)\ny = (x @ w).relu().mean()\ny.backward()\n",
    "mse": "torch.manual_seed(0)\nx = torch.randn(5, 2)\nt = torch.randn(5, 1)\n"
    "lin = nn.Linear(2, 1)\nloss = F.mse_loss(lin(x), t)\nloss.backward()\n",
    "mlp": "torch.manual_seed(0)\nmodel = nn.Sequential(nn.Linear(3, 4), nn.Tanh(), "
    "nn.Linear(4, 2))\nx = torch.randn(6, 3)\nloss = model(x).pow(2).mean()\nloss.backward()\n",
    "cross_entropy": "torch.manual_seed(0)\nlogits = torch.randn(4, 3, requires_grad=True)\n"
    "target = torch.tensor([0, 2, 1, 0])\nloss = F.cross_entropy(logits, target)\n"
    "loss.backward()\n",
    "softmax": "x = torch.tensor([1., 2., 0.5], requires_grad=True)\np = x.softmax(0)\n"
    "(p * torch.tensor([1., 0., 2.])).sum().backward()\n",
    "double_backward": "x = torch.tensor(2., requires_grad=True)\ny = x ** 3\n"
    "(g,) = torch.autograd.grad(y, x, create_graph=True)\ng.backward()\n",
    "create_graph_backward": "x = torch.tensor([1., 2.], requires_grad=True)\n"
    "y = (x ** 2).sum()\ny.backward(create_graph=True)\nz = (x.grad * x).sum()\n"
    "x.grad = None\nz.backward()\n",
    "autograd_grad": "x = torch.tensor([1., 2.], requires_grad=True)\nw = torch.tensor([3., 4.],"
    " requires_grad=True)\ny = (x * w).sum()\ngx, gw = torch.autograd.grad(y, [x, w])\n",
    "retain_graph": "x = torch.tensor([1., 2.], requires_grad=True)\ny = (x * x).sum()\n"
    "y.backward(retain_graph=True)\ny.backward()\n",
    "nonscalar_gradient": "x = torch.tensor([1., 2., 3.], requires_grad=True)\ny = x * 2\n"
    "y.backward(torch.tensor([1., 0.1, 0.01]))\n",
    "custom_function": "class Square(torch.autograd.Function):\n    @staticmethod\n"
    "    def forward(ctx, a):\n        ctx.save_for_backward(a)\n        return a * a\n"
    "    @staticmethod\n    def backward(ctx, g):\n        (a,) = ctx.saved_tensors\n"
    "        return 2 * a * g\nx = torch.tensor([1., 3.], requires_grad=True)\n"
    "y = Square.apply(x * 2)\nz = (y + x).sum()\nz.backward()\n",
    "tensor_hook": "x = torch.tensor([1., 2.], requires_grad=True)\ny = x * 3\n"
    "h = y.register_hook(lambda g: g * 10)\nz = (y * y).sum()\nz.backward()\n",
    "loop_accumulate": "x = torch.tensor(1.5, requires_grad=True)\ntotal = torch.tensor(0.)\n"
    "for i in range(4):\n    total = total + x ** (i + 1)\ntotal.backward()\n",
    "loop_backward": "w = torch.tensor([0.5], requires_grad=True)\nfor step in range(3):\n"
    "    loss = ((w * 2 - 1) ** 2).sum()\n    loss.backward()\n"
    "    with torch.no_grad():\n        w -= 0.1 * w.grad\n    w.grad.zero_()\n",
    "while_loop": "x = torch.tensor(0.9, requires_grad=True)\ny = x\nn = 0\nwhile n < 3:\n"
    "    y = y * x\n    n += 1\ny.backward()\n",
    "function_calls": "def f(a):\n    return a.tanh() * 2\ndef g(a):\n    return f(a) + f(a * a)\n"
    "x = torch.tensor([0.3, -0.7], requires_grad=True)\ng(x).sum().backward()\n",
    "detach_branch": "x = torch.tensor([1., 2.], requires_grad=True)\ny = x * 2\n"
    "z = y.detach() * y\nz.sum().backward()\n",
    "where_clamp": "x = torch.tensor([-1., 0.5, 2.], requires_grad=True)\n"
    "y = torch.where(x > 0, x * x, -x).clamp(max=3.0)\ny.sum().backward()\n",
    "cat_stack": "a = torch.tensor([1., 2.], requires_grad=True)\nb = torch.tensor([3.], "
    "requires_grad=True)\nc = torch.cat([a, b, a])\nd = torch.stack([c, c * 2])\n"
    "d.sum().backward()\n",
    "unbind_multi_output": "x = torch.tensor([[1., 2.], [3., 4.]], requires_grad=True)\n"
    "a, b = x.unbind(0)\ny = (a * 2 + b * 3).sum()\ny.backward()\n",
    "split_chunks": "x = torch.arange(6.).requires_grad_()\nparts = x.split([2, 4])\n"
    "y = parts[0].sum() * parts[1].prod()\ny.backward()\n",
    "norm_sqrt": "x = torch.tensor([3., 4.], requires_grad=True)\n"
    "y = x.norm() + x.abs().sqrt().sum()\ny.backward()\n",
    "two_roots": "x = torch.tensor([1., 2.], requires_grad=True)\na = (x * 2).sum()\n"
    "b = (x ** 2).sum()\ntorch.autograd.backward([a, b])\n",
    "optimizer_step": "torch.manual_seed(0)\nlin = nn.Linear(2, 1)\n"
    "opt = optim.SGD(lin.parameters(), lr=0.1)\nx = torch.randn(3, 2)\nfor i in range(2):\n"
    "    opt.zero_grad()\n"
    "    loss = lin(x).pow(2).mean()\n    loss.backward()\n    opt.step()\n",
    "batchnorm_conv": "torch.manual_seed(0)\nconv = nn.Conv1d(1, 2, 3)\nbn = nn.BatchNorm1d(2)\n"
    "x = torch.randn(4, 1, 8)\ny = bn(conv(x)).relu().mean()\ny.backward()\n",
}


def _source(name: str) -> str:
    return (EXAMPLES / name).read_text()


def _without_error(name: str) -> bool:
    return "error" not in name


# ----- edge gradients equal autograd.grad -----------------------------------------------------


@pytest.mark.parametrize("name", [s for s in SEEDS if _without_error(s)])
def test_seed_edge_gradients_equal_autograd_grad(name: str) -> None:
    source = _source(name)
    if "backward" not in source and "autograd.grad" not in source:
        pytest.skip("no backward pass in this seed")
    assert check_edges(source, max_calls=6) > 0


@pytest.mark.parametrize("name", sorted(set(PROGRAMS) - {"tensor_hook"}))
def test_edge_gradients_equal_autograd_grad(name: str) -> None:
    assert check_edges(PROGRAMS[name]) > 0


def test_a_tensor_hook_changes_what_arrives_after_the_edges() -> None:
    """Edges carry what the consumer sent; the hook on y (x10) runs before y's node, so the
    node's grad_output is the hooked gradient, which is what autograd.grad gives for y."""
    assert check_edges(PROGRAMS["tensor_hook"], edge_sums=False) > 0
    run = traced(PROGRAMS["tensor_hook"])
    z_step, y_step = [
        s for s in run["timeline"]["backward"][0]["steps"] if s["op"] == "MulBackward0"
    ]
    sent = [e["grad"]["values"] for e in z_step["edges"]]
    assert sent == [[3.0, 6.0], [3.0, 6.0]]  # y * dz, for each of z's two inputs
    assert y_step["grad_output"][0]["values"] == [60.0, 120.0]  # (3 + 3, 6 + 6) * 10


def test_at_least_thirty_programs_beside_the_seeds() -> None:
    assert len(PROGRAMS) >= 30


# ----- the seeds' narratives ------------------------------------------------------------------


def test_seed_001_x_grad_one_third_arrives_through_mean_mul_add() -> None:
    run = traced(_source("seed001_mean_backward.py"))
    (entry,) = run["timeline"]["backward"]
    assert entry["line"] == 16 and entry["retain_graph"] is False
    ops = [step["op"] for step in entry["steps"]]
    assert ops == ["MeanBackward0", "MulBackward0", "AddBackward0", "AccumulateGrad"]
    x_id = next(n["id"] for n in run["graph"]["nodes"] if n["vars"] == ["x"])
    add = entry["steps"][2]
    (edge,) = add["edges"]
    assert edge["source"] == x_id and edge["target"] == add["node"]
    assert edge["grad"]["values"] == [pytest.approx(1 / 3)] * 6
    assert edge["grad"]["norm"] == pytest.approx((6 / 9) ** 0.5)
    mean_edge = entry["steps"][0]["edges"][0]
    assert mean_edge["grad"]["values"] == [pytest.approx(1 / 6)] * 6  # d mean / d z
    (leaf,) = entry["leaves"]
    assert leaf["node"] == x_id and leaf["before"] is None
    assert leaf["after"]["values"] == [pytest.approx(1 / 3)] * 6
    # the graph's nodes carry where the program made them
    graph_nodes = {n["op"]: n for n in run["graph"]["nodes"]}
    assert (graph_nodes["AddBackward0"]["line"], graph_nodes["AddBackward0"]["column"]) == (12, 1)
    assert graph_nodes["MeanBackward0"]["line"] == 14
    assert graph_nodes["MulBackward0"]["saved_bytes"] == 0  # freed by backward()
    assert graph_nodes["MulBackward0"]["saved_freed"] is True


def test_seed_002_second_backward_accumulates_one_two_then_two_four() -> None:
    run = traced(_source("seed002_dynamic_graph.py"))
    passes = run["timeline"]["backward"]
    assert [p["line"] for p in passes] == [9, 14]
    names = leaf_names(run["timeline"])
    got = [
        {
            names[leaf["node"]]: (leaf["before"], leaf["arriving"], leaf["after"])
            for leaf in p["leaves"]
        }
        for p in passes
    ]
    value = lambda s: None if s is None else s["values"][0]  # noqa: E731
    first = {k: tuple(value(s) for s in v) for k, v in got[0].items()}
    second = {k: tuple(value(s) for s in v) for k, v in got[1].items()}
    assert first == {"x1": (None, 1.0, 1.0), "x2": (None, 2.0, 2.0)}
    assert second == {"x1": (1.0, 1.0, 2.0), "x2": (2.0, 2.0, 4.0)}
    frames = {f["line"]: f for f in run["timeline"]["frames"] if f["kind"] == "statement"}
    assert frames[9]["backward"] == [0] and frames[14]["backward"] == [1]
    assert frames[10]["tensors"]["x1"]["grad"] == [1.0]
    assert frames[15]["tensors"]["x2"]["grad"] == [4.0]
    # each y = x1 + 2*x2 is a new graph: the first y's nodes are gone by line 13
    first_y = set(frames[8]["new_nodes"])
    assert first_y and not first_y & set(frames[13]["nodes"])


def _sgd_trajectory(update_line_w: list[float]) -> list[tuple[int, int, float]]:
    """w after each update of seeds 000/004, worked out in plain float32 arithmetic."""
    w = torch.tensor([1.0])
    out = []
    for epoch in range(100):
        for i, (x, y) in enumerate(zip([1.0, 2.0, 3.0], [2.0, 4.0, 6.0], strict=True)):
            grad = 2 * x * (w * x - y)
            w = w - 0.01 * grad
            out.append((epoch, i, float(w[0])))
    return out


@pytest.mark.parametrize(
    ("name", "update_line", "zero_line", "frames_per_epoch"),
    # 3 steps of 5 statements, then 3 (seed 000: two appends, a print) or 1 (a print)
    [("seed000_backprop_linear.py", 30, 31, 18), ("seed004_backprop_autograd.py", 22, 23, 16)],
)
def test_w_trajectory_frame_by_frame_with_first_and_last_k(
    name: str, update_line: int, zero_line: int, frames_per_epoch: int
) -> None:
    k = 3
    run = traced(_source(name), TraceLimits(loop_iterations=k))
    frames = run["timeline"]["frames"]
    expected = {(e, i): w for e, i, w in _sgd_trajectory([])}
    updates = [f for f in frames if f["kind"] == "statement" and f["line"] == update_line]
    epochs = sorted({f["iteration"][0] for f in updates})
    assert epochs == [0, 1, 2, 97, 98, 99]  # the first and last K epochs
    for frame in updates:
        epoch, i = frame["iteration"]
        assert frame["tensors"]["w"]["value"] == [pytest.approx(expected[(epoch, i)], rel=1e-5)]
        assert frame["tensors"]["w"]["grad"] != [0.0]  # the gradient that made the step
    zeroed = [f for f in frames if f["line"] == zero_line]
    assert zeroed and all(f["tensors"]["w"]["grad"] == [0.0] for f in zeroed)
    (skipped,) = [f for f in frames if f["kind"] == "skipped"]
    assert skipped["iterations"] == 100 - 2 * k
    assert skipped["frames"] == (100 - 2 * k) * frames_per_epoch  # counted, not taken
    assert skipped["backward_count"] is None  # run unwatched: a loop of known length
    assert run["timeline"]["truncated"] is True
    passes = run["timeline"]["backward"]
    assert len(passes) == 2 * k * 3
    assert [p["iteration"] for p in passes[:3]] == [[0, 0], [0, 1], [0, 2]]


def test_second_backward_error_is_a_frame_with_pytorchs_message() -> None:
    run = traced(_source("seed001_second_backward_error.py"))
    assert "backward through the graph a second time" in run["error"]
    last = run["timeline"]["frames"][-1]
    assert last["kind"] == "error" and last["line"] == 12
    assert "backward through the graph a second time" in last["error"]
    failed = run["timeline"]["backward"][last["backward"][0]]
    assert failed["error"].startswith("RuntimeError: Trying to backward")
    assert [f["kind"] for f in run["timeline"]["frames"]].count("error") == 1


def test_nonscalar_backward_error_frame() -> None:
    run = traced(_source("seed001_nonscalar_backward_error.py"))
    last = run["timeline"]["frames"][-1]
    assert last["kind"] == "error" and "grad can be implicitly created only" in last["error"]


def test_retain_graph_keeps_buffers_and_plain_backward_frees_them() -> None:
    run = traced(PROGRAMS["retain_graph"])
    first, second = run["timeline"]["backward"]
    assert first["retain_graph"] is True and first["freed"] == []
    assert second["retain_graph"] is False and second["freed"]
    frames = {f["line"]: f for f in run["timeline"]["frames"]}
    assert frames[3]["saved"]["held"] and not frames[3]["saved"]["freed"]
    assert frames[4]["saved"]["freed"] == second["freed"] and frames[4]["saved_bytes"] == 0
    assert frames[2]["saved_bytes"] == frames[3]["saved_bytes"] > 0


def test_create_graph_marks_a_second_layer() -> None:
    run = traced(PROGRAMS["double_backward"])
    first, second = run["timeline"]["backward"]
    assert first["kind"] == "grad" and first["create_graph"] is True
    assert first["second_layer"]
    layers = {n["id"]: n["layer"] for n in run["timeline"]["nodes"]}
    assert {layers[n] for n in first["second_layer"]} == {2}
    assert second["root"] in first["second_layer"]
    x = next(f for f in run["timeline"]["frames"] if f["line"] == 4)["tensors"]["x"]
    assert x["grad"] == [pytest.approx(12.0)]  # d/dx 3x^2 at 2


def test_leaves_record_where_made_and_where_requires_grad_was_set() -> None:
    run = traced(_source("seed000_backprop_linear.py"), TraceLimits(loop_iterations=1))
    w = next(n for n in run["graph"]["nodes"] if n["vars"] == ["w"])
    assert (w["line"], w["requires_grad_line"]) == (7, 8)


def test_loop_iterations_and_function_lines_on_nodes() -> None:
    run = traced(PROGRAMS["function_calls"])
    nodes = run["timeline"]["nodes"]
    tanh = [n for n in nodes if n["op"] == "TanhBackward0"]
    assert tanh and all(n["line"] == 2 and n["column"] == 5 for n in tanh)
    add = next(n for n in nodes if n["op"] == "AddBackward0")
    assert add["line"] == 4  # after f returned: the caller's line
    loop = traced(PROGRAMS["loop_accumulate"])
    pows = [n for n in loop["timeline"]["nodes"] if n["op"] == "PowBackward0"]
    assert [n["iteration"] for n in pows] == [[0], [1], [2], [3]]


def test_optimizer_step_and_zero_grad_are_frames_that_change_values() -> None:
    run = traced(PROGRAMS["optimizer_step"])
    frames = [f for f in run["timeline"]["frames"] if f["kind"] == "statement"]
    by = {(f["line"], tuple(f["iteration"] or [])): f for f in frames}
    before = by[(8, (0,))]["tensors"]["lin.weight"]
    after = by[(9, (0,))]["tensors"]["lin.weight"]
    assert before["value"] != after["value"]  # opt.step() changed it
    assert by[(6, (1,))]["tensors"]["lin.weight"]["grad"] in (None, [0.0, 0.0])  # zero_grad()


# ----- tracing changes nothing ----------------------------------------------------------------


def _outcome(source: str, trace: bool) -> tuple[str, dict[str, tuple[object, object]]]:
    from app.graph.trace import ProgramTrace

    result = run_program(source, tracer=ProgramTrace(TraceLimits()) if trace else None)
    values = {}
    for name, t in named_tensors(result).items():
        grad = t.grad if t.is_leaf and t.grad is not None else None
        values[name] = (t.detach().clone(), None if grad is None else grad.clone())
    # a printed grad_fn shows its object's address, which any two runs may differ in
    return _ADDRESS.sub("0x…", result.stdout), values


_ADDRESS = re.compile(r"0x[0-9a-fA-F]+")


@pytest.mark.parametrize(
    "source",
    [_source(s) for s in SEEDS if _without_error(s)] + list(PROGRAMS.values()),
)
def test_tracing_changes_no_value_grad_or_output(source: str) -> None:
    if "torch.manual_seed" not in source:
        source = "torch.manual_seed(0)\n" + source  # the same random numbers in every run
    plain_out, plain = _outcome(source, trace=False)
    again_out, again = _outcome(source, trace=False)
    traced_out, with_trace = _outcome(source, trace=True)
    if again_out == plain_out:  # not a program printing ids or its own random seed
        assert traced_out == plain_out
    assert plain.keys() == with_trace.keys()
    for name, (value, grad) in plain.items():
        if not torch.equal(value, again[name][0]):
            continue  # a value that differs from run to run anyway (torch.seed())
        other_value, other_grad = with_trace[name]
        assert torch.equal(value, other_value), name
        assert (grad is None) == (other_grad is None) and (
            grad is None or torch.equal(grad, other_grad)
        ), name


def test_hooks_are_removed_after_each_pass() -> None:
    from app.graph.trace import ProgramTrace

    tracer = ProgramTrace(TraceLimits())
    source = "x = torch.tensor([1., 2.], requires_grad=True)\ny = (x * x).sum()\n"
    result = run_program(source + "y.backward(retain_graph=True)\n", tracer=tracer)
    (entry,) = [p for f in tracer.recorder.sink.head for p in f["passes"]]
    steps = len(entry["steps"])
    result.namespace["y"].backward()  # after the run: no hook of the trace may fire
    assert len(entry["steps"]) == steps == 3
    assert close(result.namespace["x"].grad.tolist(), torch.tensor([4.0, 8.0]))
