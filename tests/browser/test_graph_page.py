"""The graph page (/) in a real browser: examples, running, the graph, errors, sharing, export,
and that the page never talks to another host."""

from __future__ import annotations

from urllib.parse import urlsplit

import httpx
import pytest

pytestmark = pytest.mark.browser

RUN_TIMEOUT_MS = 60_000  # a cold worker on a busy 2-core machine


def seed001_mean_example(base_url: str) -> dict:
    """The index entry of seed 001's mean-backward program."""
    index = httpx.get(f"{base_url}/api/examples", timeout=30).json()
    for entry in index:
        if str(entry.get("seed")).zfill(3) == "001" and "mean" in entry["id"].lower():
            return entry
    pytest.fail(f"no seed-001 mean-backward example in the index: {[e['id'] for e in index]}")


def wait_for_the_first_example(page) -> None:
    page.wait_for_function(
        "() => window.gradtrace && window.gradtrace.editor.getValue().includes('backward')",
        timeout=RUN_TIMEOUT_MS,
    )


def wait_for_graph(page) -> None:
    page.wait_for_selector("#graph-canvas svg g.node", timeout=RUN_TIMEOUT_MS)


def node_texts(page) -> list[str]:
    return page.eval_on_selector_all(
        "#graph-canvas svg g.node", "els => els.map(e => e.textContent.replace(/\\s+/g, ' '))"
    )


def test_mean_backward_graph_and_leaf_grad(ui) -> None:
    example = seed001_mean_example(ui.base_url)
    ui.goto("/")
    page = ui.page
    page.wait_for_selector(f'#example-select option[value="{example["id"]}"]', state="attached")
    page.select_option("#example-select", example["id"])
    page.wait_for_function(
        "() => window.gradtrace && window.gradtrace.editor.getValue().includes('backward')"
    )
    page.click("#run-btn")
    page.wait_for_function(
        "() => [...document.querySelectorAll('#graph-canvas svg g.node')]"
        ".some(g => g.textContent.includes('MeanBackward0'))",
        timeout=RUN_TIMEOUT_MS,
    )
    texts = " | ".join(node_texts(page))
    for op in ("MeanBackward0", "MulBackward0", "AddBackward0"):
        assert op in texts, texts

    # The leaf x: a node styled as a leaf whose caption names x.
    leaf = page.locator("#graph-canvas svg g.node.gt-leaf").filter(
        has=page.locator("text", has_text="x")
    )
    assert leaf.count() >= 1, texts
    leaf.first.click()
    panel = page.locator("#node-panel")
    panel.wait_for(state="visible")
    assert "0.3333" in panel.inner_text()
    assert "x.grad" in panel.inner_text()
    assert not ui.errors, ui.errors


def test_syntax_error_is_marked_at_its_line(ui) -> None:
    ui.goto("/")
    page = ui.page
    page.wait_for_function("() => window.gradtrace && window.gradtrace.editor.getValue().length")
    lines = page.evaluate("() => window.gradtrace.editor.getValue().split('\\n').length")
    source = page.evaluate("() => window.gradtrace.editor.getValue()")
    # Type the mistake the way a learner would: at the end of the program, on a new line.
    page.click(".CodeMirror-code")
    page.keyboard.press("Control+End")
    suffix = "" if source.endswith("\n") else "\n"
    error_line = lines if source.endswith("\n") else lines + 1
    page.keyboard.type(f"{suffix}y = (1 +")
    page.keyboard.press("Control+Enter")
    page.wait_for_selector("#error-box:not([hidden])", timeout=RUN_TIMEOUT_MS)
    assert page.get_attribute("#error-box", "data-type") == "syntax"
    marked = page.evaluate("() => window.gradtrace.editor.markedLine()")
    assert marked == error_line
    assert page.locator(".CodeMirror .cm-error-line").count() == 1
    widget = page.locator(".cm-error-widget")
    assert widget.is_visible()
    assert f"Line {error_line}" in widget.inner_text()
    assert "syntax error" in page.inner_text("#error-box").lower()


def test_page_requests_only_its_own_server(ui) -> None:
    ui.goto("/")
    wait_for_graph(ui.page)
    ui.page.wait_for_load_state("networkidle")
    own = urlsplit(ui.base_url).netloc
    foreign = [
        url
        for url in ui.requests
        if urlsplit(url).scheme not in ("data", "blob") and urlsplit(url).netloc != own
    ]
    assert not foreign, foreign
    # Every vendored library really loaded from /static/vendor.
    vendored = [u for u in ui.requests if "/static/vendor/" in u]
    for lib in ("codemirror.js", "uPlot.esm.js", "svg-pan-zoom.min.js"):
        assert any(lib in u for u in vendored), vendored
    assert not ui.errors, ui.errors


def test_share_link_reopens_the_program(ui, chromium) -> None:
    ui.goto("/")
    page = ui.page
    wait_for_graph(page)
    program = (
        "import torch\n"
        "w = torch.tensor([2.0], requires_grad=True)\n"
        "q = (w * w).sum()\n"
        "q.backward()\n"
    )
    page.evaluate("src => window.gradtrace.editor.setValue(src)", program)
    page.click("#share-btn")
    page.wait_for_function("() => location.hash.length > 3")
    url = page.url
    assert "#z=" in url or "#p=" in url

    other = chromium.new_context().new_page()
    try:
        other.goto(url)
        other.wait_for_function(
            "() => window.gradtrace && window.gradtrace.editor.getValue().length > 0"
        )
        assert other.evaluate("() => window.gradtrace.editor.getValue()") == program
        other.wait_for_selector("#graph-canvas svg g.node", timeout=RUN_TIMEOUT_MS)
    finally:
        other.context.close()


def test_exports_svg_png_dot_json(ui) -> None:
    ui.goto("/")
    page = ui.page
    wait_for_graph(page)
    contents = {}
    for fmt in ("svg", "png", "dot", "json"):
        with page.expect_download() as info:
            page.click(f'[data-export="{fmt}"]')
        path = info.value.path()
        contents[fmt] = open(path, "rb").read()  # noqa: SIM115 - a small temp file
    assert contents["svg"].startswith(b"<?xml") and b"<svg" in contents["svg"]
    assert b"gt-leaf" in contents["svg"]  # node-kind styling travels with the file
    assert contents["png"].startswith(b"\x89PNG\r\n\x1a\n")
    assert contents["dot"].lstrip().startswith((b"digraph", b"strict digraph"))
    assert b'"graph"' in contents["json"] and b'"variables"' in contents["json"]


def test_gpu_choice_follows_health(ui) -> None:
    """The GPU option is offered only when /health reports CUDA (answer faked here)."""
    page = ui.page
    ui.goto("/")
    page.wait_for_function("() => window.gradtrace")
    assert page.is_disabled('#device-select option[value="cuda"]')
    page.route(
        "**/health",
        lambda route: route.fulfill(
            status=200, content_type="application/json", body='{"status":"ok","device":"cuda"}'
        ),
    )
    page.reload()
    page.wait_for_function(
        "() => !document.querySelector('#device-select option[value=\"cuda\"]').disabled"
    )
    assert page.text_content("#server-device") == "GPU available"


CUSTOM_FUNCTION_TUTORIAL = """class MyReLU(torch.autograd.Function):
    @staticmethod
    def forward(ctx, input):
        ctx.save_for_backward(input)
        return input.clamp(min=0)

    @staticmethod
    def backward(ctx, grad_output):
        input, = ctx.saved_tensors
        grad_input = grad_output.clone()
        grad_input[input < 0] = 0
        return grad_input

x = torch.tensor([-1.0, 2.0, 3.0], requires_grad=True)
y = MyReLU.apply(x * 2)
loss = y.sum()
loss.backward()
print("{:.1f}".format(loss.item()), x.grad)
"""


def test_tutorial_code_without_imports_runs_and_names_its_function(ui) -> None:
    """A custom autograd Function pasted as a tutorial has it (no import line): the graph names
    the program's own node, and the page says which names are there already."""
    ui.goto("/")
    page = ui.page
    assert "imported already" in page.inner_text("#names-hint")
    wait_for_the_first_example(page)  # else it lands in the editor after the program below
    page.evaluate("src => window.gradtrace.editor.setValue(src)", CUSTOM_FUNCTION_TUTORIAL)
    page.click("#run-btn")
    page.wait_for_function(
        "() => [...document.querySelectorAll('#graph-canvas svg g.node')]"
        ".some(g => g.textContent.includes('MyReLUBackward'))",
        timeout=RUN_TIMEOUT_MS,
    )
    texts = " | ".join(node_texts(page))
    assert "MulBackward0" in texts and "SumBackward0" in texts, texts
    page.wait_for_function(
        "() => document.body.innerText.includes('10.0 tensor([0., 2., 2.])')",
        timeout=RUN_TIMEOUT_MS,
    )
    assert not ui.errors, ui.errors


def test_an_error_still_shows_what_was_printed_before_it(ui) -> None:
    ui.goto("/")
    page = ui.page
    wait_for_the_first_example(page)  # else it lands in the editor after the program below
    source = (
        "x = torch.tensor([1.0, 2.0], requires_grad=True)\n"
        "y = (x * x).sum()\n"
        "y.backward()\n"
        "print('first', x.grad)\n"
        "y.backward()\n"
    )
    page.evaluate("src => window.gradtrace.editor.setValue(src)", source)
    page.click("#run-btn")
    page.wait_for_function(
        "() => document.querySelector('#stdout').textContent.includes('first tensor([2., 4.])')",
        timeout=RUN_TIMEOUT_MS,
    )
    assert "backward through the graph a second time" in page.inner_text("body")
    assert "line 5" in page.inner_text("#run-status").lower()
