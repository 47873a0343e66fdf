"""Issue 15 in a real browser: the worker's loss landscape drawn as a contour map whose path
grows during a run, the epoch scrubber, histograms, chart tools, and the comparison of two
preset runs (screenshots in artifacts/screenshots/)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.browser.conftest import SCREENSHOTS
from tests.browser.test_train_page import EPOCH_TIMEOUT_MS, preset_id, presets  # noqa: F401

pytestmark = pytest.mark.browser


def path_points(page) -> int:
    return int(page.get_attribute("#landscape-chart", "data-path-points") or 0)


def open_preset(ui, presets: list[dict], seed: str) -> None:  # noqa: F811
    ui.goto("/train")
    ui.page.wait_for_selector("#preset-select option[value]:not([value=''])", state="attached")
    ui.page.select_option("#preset-select", preset_id(presets, seed=seed))


def test_contour_and_path_grow_during_a_run(ui, presets) -> None:  # noqa: F811
    page = ui.page
    open_preset(ui, presets, "003")
    page.fill("#cfg-epochs", "3000")
    page.click("#start-btn")
    page.wait_for_selector("#landscape-chart canvas.contour", timeout=EPOCH_TIMEOUT_MS)
    page.wait_for_function(
        "() => +document.querySelector('#landscape-chart').dataset.pathPoints >= 3",
        timeout=EPOCH_TIMEOUT_MS,
    )
    first = path_points(page)
    assert page.text_content("#run-status") == "running"
    assert page.get_attribute("#landscape-chart", "data-grid") == "41x41"
    assert int(page.get_attribute("#landscape-chart", "data-contour-levels")) >= 5
    page.wait_for_function(
        f"() => +document.querySelector('#landscape-chart').dataset.pathPoints > {first + 20}",
        timeout=EPOCH_TIMEOUT_MS,
    )
    later = path_points(page)
    assert later > first + 20
    # The path is the run's epochs plus the start, drawn as they arrive.
    assert later <= len(page.evaluate("() => window.gradtrace.charts.epochs")) + 1
    # The map is really painted: many different colours on the canvas.
    colours = page.evaluate(
        """() => {
          const c = document.querySelector('#landscape-chart canvas');
          const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
          const seen = new Set();
          for (let i = 0; i < d.length; i += 64) seen.add(`${d[i]},${d[i + 1]},${d[i + 2]}`);
          return seen.size;
        }"""
    )
    assert colours > 50
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.locator("#landscape-panel").screenshot(
        path=str(SCREENSHOTS / "landscape_contour_mid_run.png")
    )
    page.click("#stop-btn")
    page.wait_for_function("() => document.querySelector('#run-status').textContent === 'stopped'")
    assert not ui.errors, ui.errors


def test_scrubber_replays_an_epoch_on_the_graph_and_charts(ui, presets) -> None:  # noqa: F811
    page = ui.page
    open_preset(ui, presets, "004")
    page.click("#start-btn")
    page.wait_for_selector("#final-loss", timeout=EPOCH_TIMEOUT_MS)
    page.wait_for_selector("#step-graph svg text.gt-live", timeout=EPOCH_TIMEOUT_MS)
    # However the run's epochs reached the page (live, or from its history when the stream
    # connected after a run this short ended), every epoch's point is on the path.
    page.wait_for_function(
        "() => document.querySelector('#landscape-chart').dataset.pathPoints === '101'"
    )
    assert page.get_attribute("#step-graph svg", "data-epoch") == "100"
    run_id = page.evaluate("() => window.gradtrace.runId")
    events = page.evaluate(f"() => fetch('/api/runs/{run_id}/landscape').then(r => r.json())")
    # Scrub to epoch 5: the graph's parameter nodes show epoch 5's values, the path stops there.
    page.locator("#epoch-scrubber").fill("5")
    assert page.get_attribute("#step-graph svg", "data-epoch") == "5"
    assert page.text_content("#scrub-epoch") == "epoch 5"
    assert path_points(page) == 6  # the start and epochs 1..5
    w5 = events["path"][5]["at"][0]
    labels = page.locator("#step-graph svg text.gt-live").all_text_contents()
    assert any(f"= {float(f'{w5:.4g}'):g}" in t for t in labels), (labels, w5)
    assert page.get_attribute("#hist-panel", "data-epoch") == "5"
    page.click("#scrub-live")
    assert page.get_attribute("#step-graph svg", "data-epoch") == "100"
    assert path_points(page) == 101
    assert not ui.errors, ui.errors


def test_chart_tools_smoothing_hover_downloads(ui, presets) -> None:  # noqa: F811
    page = ui.page
    open_preset(ui, presets, "003")
    page.click("#start-btn")
    page.wait_for_selector("#final-loss", timeout=EPOCH_TIMEOUT_MS)
    page.locator("#smoothing").fill("0.9")
    assert page.evaluate("() => window.gradtrace.charts.charts.loss.defs[2].show") is True
    box = page.locator("#loss-chart .u-over").bounding_box()
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    assert page.text_content("#loss-readout").startswith("epoch ")
    # Zoom: drag across the middle of the plot; the x scale narrows, double-click restores.
    page.mouse.move(box["x"] + box["width"] * 0.3, box["y"] + 20)
    page.mouse.down()
    page.mouse.move(box["x"] + box["width"] * 0.6, box["y"] + 20, steps=5)
    page.mouse.up()
    zoomed = page.evaluate("() => window.gradtrace.charts.charts.loss.xZoom")
    assert zoomed and 20 < zoomed[0] < zoomed[1] < 80
    page.mouse.dblclick(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    assert page.evaluate("() => window.gradtrace.charts.charts.loss.xZoom") is None
    with page.expect_download() as csv_download:
        page.click("#download-csv")
    header = Path(csv_download.value.path()).read_text().splitlines()[0]
    assert header == "epoch,loss,val_loss,lr,elapsed_ms"
    with page.expect_download() as svg_download:
        page.click("[data-export=loss][data-format=svg]")
    svg = Path(svg_download.value.path()).read_text()
    assert svg.startswith("<svg") and "<path" in svg and "Loss per epoch" in svg
    with page.expect_download() as png_download:
        page.click("[data-export=landscape][data-format=png]")
    assert Path(png_download.value.path()).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    options = page.locator("#hist-tensor option").all_text_contents()
    assert "0.weight" in options and "∇ 0.weight (gradient)" in options
    # The distributions follow the run: 100 epochs of quantiles, the last epoch's histogram.
    spread = "() => window.gradtrace.histograms.charts.spread.data.map((s) => s.x.length)"
    assert page.evaluate(spread) == [100] * 5
    assert page.get_attribute("#hist-panel", "data-epoch") == "100"
    page.select_option("#hist-tensor", "grads:0.bias")
    assert page.evaluate(spread) == [100] * 5
    assert not ui.errors, ui.errors


def test_compare_two_preset_runs(ui, presets) -> None:  # noqa: F811
    page = ui.page
    open_preset(ui, presets, "004")
    page.click("#start-btn")
    page.wait_for_selector("#final-loss", timeout=EPOCH_TIMEOUT_MS)
    first = page.evaluate("() => window.gradtrace.runId")
    # Clone it into the form, change the learning rate and train again.
    page.click("#clone-run")
    page.fill("#cfg-optimizer-lr", "0.03")
    page.click("#start-btn")
    page.wait_for_function(f"() => window.gradtrace.runId !== {json.dumps(first)}")
    page.wait_for_selector("#final-loss", timeout=EPOCH_TIMEOUT_MS)
    second = page.evaluate("() => window.gradtrace.runId")
    page.click("#runs-refresh")
    for run_id in (first, second):
        page.check(f"#runs-list input[data-compare='{run_id}']")
    page.click("#compare-btn")
    page.wait_for_selector("#compare-panel:not([hidden]) #compare-chart canvas")
    assert page.get_attribute("#compare-panel", "data-runs") == "2"
    differing = page.locator("#compare-diff tr.differs").all_text_contents()
    assert any("optimizer.lr" in row and "0.01" in row and "0.03" in row for row in differing)
    assert f"compare={first},{second}" in page.url
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.locator("#compare-panel").screenshot(path=str(SCREENSHOTS / "compare_two_preset_runs.png"))
    # The comparison's link opens it again in a fresh page.
    other = page.context.new_page()
    other.goto(page.url)
    other.wait_for_selector("#compare-panel:not([hidden]) #compare-chart canvas")
    assert other.locator("#compare-diff tr.differs").count() == len(differing)
    other.close()
    # And a run's permalink reopens that run.
    page.goto(page.url.split("?")[0] + f"?run={first}")
    page.wait_for_selector("#final-loss", timeout=EPOCH_TIMEOUT_MS)
    assert page.evaluate("() => window.gradtrace.runId") == first
    assert not ui.errors, ui.errors
