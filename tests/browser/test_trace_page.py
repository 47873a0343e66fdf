"""The trace timeline on the graph page (/) in a real browser, on the real server's trace: seed
001's gradients arriving at x through Mean, Mul and Add (labels checked against PyTorch run
here), seed 002's accumulation, keyboard stepping, and node <-> source line links."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
import torch

pytestmark = pytest.mark.browser

RUN_TIMEOUT_MS = 60_000
MAX_POSITIONS = 400  # a step-through that never finds its position fails instead of looping


def example_source(base_url: str, example_id: str) -> str:
    response = httpx.get(f"{base_url}/api/examples/{example_id}", timeout=30)
    response.raise_for_status()
    return str(response.json()["source"])


def line_of(source: str, text: str) -> int:
    """The 1-based line of the last line whose code is `text` (comments and spaces aside)."""
    lines = [
        i + 1 for i, line in enumerate(source.split("\n")) if line.split("#")[0].strip() == text
    ]
    assert lines, f"{text!r} not in the program"
    return lines[-1]


def fmt(value: float) -> str:
    """A number as the page writes it (4 significant digits, no trailing zeros)."""
    return f"{value:.4g}"


def grad_label(t: torch.Tensor) -> str:
    """An edge label as the page writes it, from a gradient computed here."""
    flat = t.detach().reshape(-1).tolist()
    shape = "(" + ", ".join(str(s) for s in t.shape) + ")"
    if len(flat) == 1:
        return fmt(flat[0])
    if all(v == flat[0] for v in flat):
        return f"{fmt(flat[0])} each {shape}"
    return "[" + ", ".join(fmt(v) for v in flat) + "]"


def open_traced(ui: Any, example_id: str) -> Any:
    """The page with Trace on and `example_id` run; returns the page once its timeline shows."""
    ui.goto("/")
    page = ui.page
    page.wait_for_function("() => window.gradtrace && window.gradtrace.editor.getValue().length")
    page.check("#trace-toggle")
    page.wait_for_selector(f'#example-select option[value="{example_id}"]', state="attached")
    page.select_option("#example-select", example_id)
    source = example_source(ui.base_url, example_id)
    page.wait_for_function(
        "src => window.gradtrace.result && window.gradtrace.result.timeline"
        " && window.gradtrace.editor.getValue() === src",
        arg=source,
        timeout=RUN_TIMEOUT_MS,
    )
    page.wait_for_selector("#timeline:not([hidden]) .tl-label")
    return page


def node_id(page: Any, *, op: str | None = None, var: str | None = None) -> str:
    """The id of the (last) graph node with this op or this leaf name."""
    found = page.evaluate(
        """([op, v]) => window.gradtrace.result.graph.nodes
             .filter(n => (op && n.op === op)
                       || (v && n.kind === 'leaf' && (n.vars || []).includes(v)))
             .map(n => n.id)""",
        [op, var],
    )
    assert found, f"no node {op or var}"
    return str(found[-1])


def edge_labels(page: Any) -> dict[frozenset[str], str]:
    """The gradient labels on screen, by the pair of node ids their edge joins."""
    rows = page.eval_on_selector_all(
        "#graph-canvas .gt-pb-overlay .gt-pb-edge-label",
        "els => els.map(e => [e.dataset.source, e.dataset.target, e.textContent])",
    )
    return {frozenset((s, t)): text for s, t, text in rows}


def badges(page: Any) -> dict[str, str]:
    rows = page.eval_on_selector_all(
        "#graph-canvas .gt-pb-overlay .gt-pb-grad-badge",
        "els => els.map(e => [e.dataset.node, e.textContent])",
    )
    return dict(rows)


def label(page: Any) -> str:
    return str(page.text_content("#timeline .tl-label"))


def step_until(page: Any, condition: str, arg: Any = None) -> None:
    """Press the step-forward button until the JS `condition` (a function of the label text
    and `arg`) holds."""
    for _ in range(MAX_POSITIONS):
        if page.evaluate(f"([text, arg]) => ({condition})(text, arg)", [label(page), arg]):
            return
        at_end = page.get_attribute("#timeline .tl-next", "aria-disabled") == "true"
        assert not at_end, f"end of the timeline at: {label(page)}"
        page.click("#timeline .tl-next")
    pytest.fail(f"never reached {condition}")


def test_seed001_gradients_arrive_at_x_through_mean_mul_add(ui) -> None:
    page = open_traced(ui, "seed001_mean_backward")
    source = page.evaluate("() => window.gradtrace.editor.getValue()")

    # The gradients, computed here with PyTorch on the tutorial's tensors.
    x = torch.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]], requires_grad=True)
    y = x + 1
    z = 2 * y
    m = torch.mean(z)
    dz, dy, dx = torch.autograd.grad(m, [z, y, x])
    ids = {op: node_id(page, op=op) for op in ("MeanBackward0", "MulBackward0", "AddBackward0")}
    x_id = node_id(page, var="x")

    # Forward: at the frame of "z = 2*y" the Mul node is new and the mean does not exist yet.
    z_line = line_of(source, "z = 2*y")
    step_until(page, "(t, line) => t.startsWith(`Line ${line} `)", z_line)
    assert page.evaluate("() => window.gradtrace.editor.highlighted('trace')") == [z_line]
    mul = page.locator(f'#graph-canvas g.node[id="{ids["MulBackward0"]}"]')
    assert "gt-pb-new" in (mul.get_attribute("class") or "")
    mean = page.locator(f'#graph-canvas g.node[id="{ids["MeanBackward0"]}"]')
    assert mean.count() == 0 or not mean.is_visible()
    ui.screenshot("trace_seed001_forward_z")

    # Backward: MeanBackward0 runs first and sends dm/dz to Mul.
    backward_line = line_of(source, "m.backward()")
    step_until(page, "t => t.includes('MeanBackward0 runs')")
    assert f"from line {backward_line}" in label(page)
    assert page.evaluate("() => window.gradtrace.editor.highlighted('trace')") == [backward_line]
    running = page.locator("#graph-canvas g.node.gt-pb-running")
    assert running.count() == 1 and running.get_attribute("id") == ids["MeanBackward0"]
    shown = edge_labels(page)
    assert shown.get(frozenset((ids["MulBackward0"], ids["MeanBackward0"]))) == grad_label(dz)
    ui.screenshot("trace_seed001_mean_runs")

    # ... until x's AccumulateGrad: every edge carries its gradient, x.grad = 1/3 arrives.
    step_until(page, "(t, id) => t.includes('x (AccumulateGrad) runs')", x_id)
    shown = edge_labels(page)
    assert shown.get(frozenset((ids["MulBackward0"], ids["MeanBackward0"]))) == grad_label(dz)
    assert shown.get(frozenset((ids["AddBackward0"], ids["MulBackward0"]))) == grad_label(dy)
    assert shown.get(frozenset((x_id, ids["AddBackward0"]))) == grad_label(dx)
    assert grad_label(dx) == "0.3333 each (2, 3)"
    assert badges(page).get(x_id) == f"x.grad = {grad_label(dx)}"
    ui.screenshot("trace_seed001_x_grad")
    assert not ui.errors, ui.errors


def test_seed002_second_backward_accumulates(ui) -> None:
    page = open_traced(ui, "seed002_dynamic_graph")
    x1 = torch.tensor(1.0, requires_grad=True)
    x2 = torch.tensor(2.0, requires_grad=True)
    firsts = []
    for _ in range(2):
        (x1 + 2 * x2).backward()
        firsts.append((x1.grad.item(), x2.grad.item()))
    (g1, g2), (h1, h2) = firsts  # 1, 2 then 2, 4
    id1, id2 = node_id(page, var="x1"), node_id(page, var="x2")

    passes = page.evaluate("() => window.gradtrace.result.timeline.backward.length")
    assert passes == 2
    # The end of the first pass: both leaves filled in.
    step_until(page, "t => /Backward pass 1 of 2 .* step (\\d+) of \\1:/.test(t)")
    assert badges(page) == {id1: f"x1.grad = {fmt(g1)}", id2: f"x2.grad = {fmt(g2)}"}
    ui.screenshot("trace_seed002_first_pass")
    # The end of the second: before + arriving = after.
    step_until(page, "t => /Backward pass 2 of 2 .* step (\\d+) of \\1:/.test(t)")
    assert badges(page) == {
        id1: f"x1.grad = {fmt(g1)} + {fmt(h1 - g1)} = {fmt(h1)}",
        id2: f"x2.grad = {fmt(g2)} + {fmt(h2 - g2)} = {fmt(h2)}",
    }
    ui.screenshot("trace_seed002_second_pass")
    assert not ui.errors, ui.errors


def test_keyboard_steps_the_timeline_outside_the_editor(ui) -> None:
    page = open_traced(ui, "seed001_mean_backward")
    total = page.evaluate("() => window.gradtrace.player.timeline.positions.length")
    assert total > 5
    index = "() => window.gradtrace.player.timeline.index"
    page.click("#timeline .tl-label")  # focus on the page, not in a field
    page.keyboard.press("End")
    assert page.evaluate(index) == total - 1
    page.keyboard.press("Home")
    assert page.evaluate(index) == 0
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowRight")
    assert page.evaluate(index) == 2
    page.keyboard.press("ArrowLeft")
    assert page.evaluate(index) == 1
    assert page.get_attribute("#timeline .tl-scrubber", "aria-valuetext") == label(page)
    page.wait_for_function(
        "text => document.getElementById('announcer').textContent === text", arg=label(page)
    )
    # Space plays and pauses.
    page.keyboard.press("Space")
    assert page.get_attribute("#timeline .tl-play", "aria-pressed") == "true"
    page.wait_for_function("() => window.gradtrace.player.timeline.index > 1")
    page.keyboard.press("Space")
    assert page.get_attribute("#timeline .tl-play", "aria-pressed") == "false"
    # The share link keeps Trace on.
    page.click("#share-btn")
    page.wait_for_function("() => new URLSearchParams(location.hash.slice(1)).get('trace') === '1'")
    # Inside the editor the arrows move the cursor, not the timeline.
    at = page.evaluate(index)
    page.click(".CodeMirror-code")
    page.keyboard.press("ArrowRight")
    assert page.evaluate(index) == at
    assert not ui.errors, ui.errors


def test_node_and_source_line_light_each_other_up(ui) -> None:
    page = open_traced(ui, "seed001_mean_backward")
    source = page.evaluate("() => window.gradtrace.editor.getValue()")
    page.click("#timeline .tl-last")
    mul = node_id(page, op="MulBackward0")
    page.click(f'#graph-canvas g.node[id="{mul}"]')
    assert page.evaluate("() => window.gradtrace.editor.highlighted('link')") == [
        line_of(source, "z = 2*y")
    ]
    # The cursor on "y = x+1" lights up the Add node it made.
    y_line = line_of(source, "y = x+1")
    page.locator(".CodeMirror-code .CodeMirror-line").nth(y_line - 1).click()
    add = node_id(page, op="AddBackward0")
    page.wait_for_selector(f'#graph-canvas g.node.gt-pb-line[id="{add}"]')
    assert page.locator("#graph-canvas g.node.gt-pb-line").count() == 1
    assert not ui.errors, ui.errors


def test_training_step_graph_plays_forward_backward_step(ui) -> None:
    """/train: the step graph's Trace plays one training step; each parameter's .grad fills in
    from the backward pass, as the step's backward frame has it, and the keys step it."""
    presets = httpx.get(f"{ui.base_url}/api/presets", timeout=30)
    if presets.status_code == 404:
        pytest.skip("the runs API (/api/presets) is not on this server yet")
    preset = next(p for p in presets.json() if str(p.get("seed")).zfill(3) == "004")
    run = httpx.post(f"{ui.base_url}/api/runs", json=preset["config"], timeout=30).json()
    ui.goto(f"/train?run={run['id']}")
    page = ui.page
    page.wait_for_selector("#step-graph svg g.node", timeout=RUN_TIMEOUT_MS)
    page.check("#step-trace")
    page.wait_for_selector("#step-timeline:not([hidden]) .tl-label", timeout=RUN_TIMEOUT_MS)
    stages = page.evaluate(
        "() => window.gradtrace.stepGraph.result.timeline.frames.map(f => f.kind)"
    )
    assert stages == ["forward", "backward", "step"]
    step_label = "#step-timeline .tl-label"
    assert page.text_content(step_label).startswith("Forward")
    page.focus("#step-timeline .tl-scrubber")
    page.keyboard.press("End")
    page.keyboard.press("Home")
    for _ in range(MAX_POSITIONS):
        if page.text_content(step_label).startswith("After loss.backward()"):
            break
        page.keyboard.press("ArrowRight")
    # One position back: the last backward step, every parameter's .grad filled in.
    page.keyboard.press("ArrowLeft")
    assert "Backward pass" in page.text_content(step_label)
    frame = page.evaluate("() => window.gradtrace.stepGraph.result.timeline.frames[1]")
    expected = {
        t["node"]: f"{name}.grad = {fmt(t['grad'][0])}"
        for name, t in frame["tensors"].items()
        if t.get("grad") and len(t["grad"]) == 1
    }
    assert expected
    shown = page.eval_on_selector_all(
        "#step-graph .gt-pb-grad-badge", "els => els.map(e => [e.dataset.node, e.textContent])"
    )
    assert dict(shown) == expected
    ui.screenshot("trace_train_step_backward")
    page.keyboard.press("End")
    assert page.text_content(step_label).startswith("After optimizer.step()")
    assert "Changed:" in str(page.text_content("#step-timeline .tl-note"))
    assert not ui.errors, ui.errors


def test_saved_tensor_boxes_say_held_until_backward_frees_them(ui) -> None:
    # After the run Graphviz captions a released saved tensor "(freed)"; the frames before
    # backward() must show it held, and the backward step that releases it, freed.
    program = "x = torch.tensor([1., 2.], requires_grad=True)\ny = (x * x).sum()\ny.backward()\n"
    ui.goto("/")
    page = ui.page
    page.wait_for_function("() => window.gradtrace && window.gradtrace.editor")
    page.check("#trace-toggle")
    page.check("#show-saved")
    page.evaluate("src => window.gradtrace.editor.setValue(src)", program)
    page.click("#run-btn")
    page.wait_for_function(
        "() => window.gradtrace.result && window.gradtrace.result.timeline",
        timeout=RUN_TIMEOUT_MS,
    )
    page.wait_for_selector("#timeline:not([hidden]) .tl-label")
    mul = node_id(page, op="MulBackward0")
    captions = f'#graph-canvas g.node[id^="{mul}_s"] text'

    def shown() -> list[str]:
        return [
            t
            for t in page.eval_on_selector_all(captions, "els => els.map(e => e.textContent)")
            if t in ("(held)", "(freed)")
        ]

    step_until(page, "t => t.startsWith('Line 2 ')")
    assert shown() and set(shown()) == {"(held)"}
    step_until(page, "t => t.includes('MulBackward0 runs')")
    assert set(shown()) == {"(held)"}  # released once it has run
    step_until(page, "t => t.includes('(AccumulateGrad) runs')")
    assert set(shown()) == {"(freed)"}
    ui.screenshot("trace_saved_freed_by_backward")
    assert not ui.errors, ui.errors
