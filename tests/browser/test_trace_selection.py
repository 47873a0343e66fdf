"""A selected node survives the timeline's frames (graph page, Trace on, seed 001): it stays
selected and highlighted, with its path to the root, wherever a frame draws it; the node panel
shows its value and .grad at each position (checked against PyTorch run here) and says so
plainly where the node does not exist yet; the selection comes back with the node."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
import torch

from tests.browser.test_trace_page import (
    MAX_POSITIONS,
    fmt,
    label,
    line_of,
    node_id,
    open_traced,
)

pytestmark = pytest.mark.browser

X_SECOND = "x = torch.tensor([[1.,2.,3.],[4.,5.,6.]],requires_grad=True)"  # seed 001's second x


def rows(t: torch.Tensor) -> str:
    """A tensor as the node panel writes a trace's values: nested rows, 4 significant digits."""
    t = t.detach()
    if t.dim() == 0:
        return fmt(t.item())

    def nest(x: torch.Tensor, depth: int) -> str:
        if x.dim() == 1:
            return "[" + ", ".join(fmt(v) for v in x.tolist()) + "]"
        return "[" + (",\n" + " " * (depth + 1)).join(nest(r, depth + 1) for r in x) + "]"

    return nest(t, 0)


def move_until(page: Any, condition: str, arg: Any = None, *, back: bool = False) -> None:
    """Step the timeline (forward, or back) until the JS `condition` on the label holds."""
    button, end = ("#timeline .tl-prev", "start") if back else ("#timeline .tl-next", "end")
    for _ in range(MAX_POSITIONS):
        if page.evaluate(f"([text, arg]) => ({condition})(text, arg)", [label(page), arg]):
            return
        assert page.get_attribute(button, "aria-disabled") != "true", f"{end} at: {label(page)}"
        page.click(button)
    pytest.fail(f"never reached {condition}")


def at_line(page: Any, line: int, *, back: bool = False) -> None:
    move_until(page, "(t, line) => t.startsWith(`Line ${line} `)", line, back=back)


def block(page: Any, title: str) -> str | None:
    """The text of the node panel's block titled `title` ("x.grad"), None when it has none."""
    pre = page.locator(f'#node-panel-body pre[aria-label="{title}"]')
    return str(pre.text_content()) if pre.count() else None


def selected(page: Any) -> list[str]:
    ids: list[str] = page.eval_on_selector_all(
        "#graph-canvas g.node.gt-selected", "els => els.map(e => e.id)"
    )
    return ids


def path_marked(page: Any) -> list[str]:
    """The nodes marked on the path to the root, when the picture shows that path."""
    ids: list[str] = page.evaluate(
        """() => {
          const svg = document.querySelector('#graph-canvas svg');
          if (!svg || !svg.classList.contains('gt-path-on')) return [];
          return [...svg.querySelectorAll('g.node.gt-path')].map(g => g.id).sort();
        }"""
    )
    return ids


def test_a_selected_node_follows_the_timeline(ui) -> None:
    page = open_traced(ui, "seed001_mean_backward")
    source = page.evaluate("() => window.gradtrace.editor.getValue()")

    # seed 001's second half, run here with PyTorch
    x = torch.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]], requires_grad=True)
    y = x + 1
    z = 2 * y
    m = torch.mean(z)
    dz, dy = torch.autograd.grad(m, [z, y], retain_graph=True)
    m.backward()
    assert x.grad is not None
    ids = {op: node_id(page, op=op) for op in ("AddBackward0", "MulBackward0", "MeanBackward0")}
    x_id = node_id(page, var="x")
    x_line = line_of(source, X_SECOND)
    on_path = sorted([x_id, *ids.values()])

    # After the run: select x and light its path to the root.
    page.click("#timeline .tl-last")
    page.click(f'#graph-canvas g.node[id="{x_id}"]')
    page.wait_for_selector("#node-panel:not([hidden])")
    page.click("#path-root")
    assert selected(page) == [x_id]
    assert path_marked(page) == on_path
    assert block(page, "x (value)") == rows(x)
    assert block(page, "x.grad") == rows(x.grad)
    ui.screenshot("trace_selection_after_backward")

    # Back to the frame of "m = torch.mean(z)": backward() has not run, x.grad is None.
    at_line(page, line_of(source, "m = torch.mean(z)"), back=True)
    assert selected(page) == [x_id]
    assert path_marked(page) == on_path
    assert block(page, "x (value)") == rows(x)
    assert block(page, "x.grad") is None
    assert "backward() has not reached this tensor yet" in str(page.text_content("#node-panel"))

    # Further back, before x was made: the panel says so, nothing is highlighted or dimmed.
    at_line(page, line_of(source, "y.requires_grad"), back=True)
    assert page.is_visible("#node-panel")
    status = page.text_content("#node-panel .frame-status")
    assert status == f"Created at line {x_line}; not yet in this frame."
    assert selected(page) == []
    assert path_marked(page) == []
    assert page.locator("#graph-canvas svg.gt-path-on").count() == 0
    assert page.evaluate("() => window.gradtrace.canvas.selectedId") == x_id
    ui.screenshot("trace_selection_not_yet")

    # Forward again: x is back, selected, with its path and its value.
    at_line(page, x_line)
    assert selected(page) == [x_id]
    assert path_marked(page) == [x_id]  # the rest of its path to the root is not made yet
    assert block(page, "x (value)") == rows(x)
    assert block(page, "x.grad") is None

    # In the backward pass: x.grad arrives at its AccumulateGrad step.
    move_until(page, "t => t.includes('x (AccumulateGrad) runs')")
    assert selected(page) == [x_id]
    assert path_marked(page) == on_path
    assert block(page, "x.grad") == rows(x.grad)
    ui.screenshot("trace_selection_x_grad_arrives")

    # An op: the gradient that arrived at MulBackward0 (dm/dz) and at AddBackward0 (dm/dy).
    for op, grad in (("MulBackward0", dz), ("AddBackward0", dy)):
        page.click(f'#graph-canvas g.node[id="{ids[op]}"]')
        assert selected(page) == [ids[op]]
        assert block(page, "Gradient arriving at its output") == rows(grad)
    # back to where MulBackward0 runs: nothing has arrived at AddBackward0 yet
    move_until(page, "t => t.includes('MulBackward0 runs')", back=True)
    assert selected(page) == [ids["AddBackward0"]]
    assert block(page, "Gradient arriving at its output") is None
    assert not ui.errors, ui.errors


def test_the_training_step_graph_keeps_its_selection_too(ui) -> None:
    """/train: the step graph's timeline shares the player: a selected parameter stays selected
    through forward, backward and optimizer.step(), its panel following its .grad and value."""
    presets = httpx.get(f"{ui.base_url}/api/presets", timeout=30)
    if presets.status_code == 404:
        pytest.skip("the runs API (/api/presets) is not on this server yet")
    preset = next(p for p in presets.json() if str(p.get("seed")).zfill(3) == "004")
    config = preset["config"]
    # the step the graph shows, run here: seed 004's line through its first SGD step
    (layer,) = config["model"]["layers"]
    model = torch.nn.Linear(1, 1)
    with torch.no_grad():
        model.weight.copy_(torch.tensor(layer["init"]["weight"]))
        model.bias.copy_(torch.tensor(layer["init"]["bias"]))
    x, y = torch.tensor(config["data"]["x"]), torch.tensor(config["data"]["y"])
    torch.nn.functional.mse_loss(model(x), y, reduction="sum").backward()
    assert model.weight.grad is not None
    grad = model.weight.grad.clone()
    torch.optim.SGD(model.parameters(), lr=config["optimizer"]["lr"]).step()

    run = httpx.post(f"{ui.base_url}/api/runs", json=config, timeout=30).json()
    ui.goto(f"/train?run={run['id']}")
    page = ui.page
    page.wait_for_selector("#step-graph svg g.node", timeout=60_000)
    page.check("#step-trace")
    page.wait_for_selector("#step-timeline:not([hidden]) .tl-label", timeout=60_000)
    weight = page.evaluate(
        "() => window.gradtrace.stepGraph.result.graph.nodes"
        ".find(n => n.kind === 'leaf' && n.vars.some(v => v.endsWith('weight'))).id"
    )
    name = page.evaluate(
        "(id) => window.gradtrace.stepGraph.result.graph.nodes.find(n => n.id === id).vars[0]",
        weight,
    )
    page.click(f'#step-graph g.node[id="{weight}"]')
    step_label = "#step-timeline .tl-label"

    def panel_block(title: str) -> str | None:
        pre = page.locator(f'#step-node-body pre[aria-label="{title}"]')
        return str(pre.text_content()) if pre.count() else None

    def shown_selected() -> list[str]:
        ids: list[str] = page.eval_on_selector_all(
            "#step-graph g.node.gt-selected", "els => els.map(e => e.id)"
        )
        return ids

    assert str(page.text_content(step_label)).startswith("Forward")
    assert panel_block(f"{name}.grad") is None
    for _ in range(MAX_POSITIONS):
        if str(page.text_content(step_label)).startswith("After loss.backward()"):
            break
        page.click("#step-timeline .tl-next")
        assert shown_selected() == [weight]
    assert panel_block(f"{name}.grad") == rows(grad)
    page.click("#step-timeline .tl-last")
    assert str(page.text_content(step_label)).startswith("After optimizer.step()")
    assert shown_selected() == [weight]
    assert panel_block(f"{name} (value)") == rows(model.weight)
    ui.screenshot("trace_selection_training_step")
    assert not ui.errors, ui.errors


def test_a_node_gone_and_a_node_not_made_yet(ui) -> None:
    """Seed 001's first x is gone once x and y are bound again; and in a picture the whole
    trace keeps (no node lost), a node not made yet is hidden with its selection and path."""
    page = open_traced(ui, "seed001_mean_backward")
    source = page.evaluate("() => window.gradtrace.editor.getValue()")
    first_x = page.evaluate(
        "() => window.gradtrace.result.timeline.nodes"
        ".find(n => n.kind === 'leaf' && !n.in_graph).id"
    )
    at_line(page, line_of(source, "y.requires_grad"))
    # picked with the keyboard: the arrow keys then step on from the node, which keeps the
    # focus through the redraw of the next frame
    page.focus(f'#graph-canvas g.node[id="{first_x}"]')
    page.keyboard.press("Enter")
    assert selected(page) == [first_x]
    assert block(page, "x (value)") == rows(torch.ones(2, 3))
    page.keyboard.press("ArrowRight")
    assert label(page).startswith(f"Line {line_of(source, X_SECOND)} ")
    assert page.evaluate("() => document.activeElement.id") == first_x
    at_line(page, line_of(source, "y = x+1"))
    status = page.text_content("#node-panel .frame-status")
    assert status == f"Gone at line {line_of(source, 'y = x+1')}: nothing refers to it any more."
    assert selected(page) == []

    program = "x = torch.tensor([1., 2.], requires_grad=True)\ny = (x * x).sum()\ny.backward()\n"
    page.evaluate(
        "src => { window.__before = window.gradtrace.result;"
        " window.gradtrace.editor.setValue(src); }",
        program,
    )
    page.click("#run-btn")
    page.wait_for_function(
        "() => window.gradtrace.result !== window.__before && window.gradtrace.result.timeline"
    )
    assert page.evaluate("() => window.gradtrace.player.wider") is None  # one picture throughout
    page.click("#timeline .tl-last")
    total = node_id(page, op="SumBackward0")
    page.click(f'#graph-canvas g.node[id="{total}"]')
    page.click("#path-root")
    shown = "#graph-canvas g.node.gt-selected:not(.gt-pb-absent)"
    assert page.locator(shown).count() == 1
    page.click("#timeline .tl-first")
    assert page.text_content("#node-panel .frame-status") == (
        "Created at line 2; not yet in this frame."
    )
    assert page.locator(shown).count() == 0
    assert page.locator("#graph-canvas svg.gt-path-on").count() == 0
    at_line(page, 2)
    assert page.locator(shown).count() == 1
    assert page.locator("#graph-canvas svg.gt-path-on").count() == 1
    y = (torch.tensor([1.0, 2.0]) ** 2).sum()
    assert block(page, "y (value)") == rows(y)
    assert not ui.errors, ui.errors
