"""The training page (/train) in a real browser: a preset trained to the end with live charts,
stopping a run, and a reload in the middle of a run that restores its history with no gap."""

from __future__ import annotations

import json

import httpx
import pytest

pytestmark = pytest.mark.browser

EPOCH_TIMEOUT_MS = 90_000


@pytest.fixture
def presets(live_server: str) -> list[dict]:
    response = httpx.get(f"{live_server}/api/presets", timeout=30)
    if response.status_code == 404:
        pytest.skip("the runs API (/api/presets) is not on this server yet")
    response.raise_for_status()
    return response.json()


def preset_id(presets: list[dict], seed: str | None = None, contains: str = "") -> str:
    for p in presets:
        if (seed is None or str(p.get("seed")).zfill(3) == seed) and contains in p["id"]:
            return p["id"]
    pytest.fail(f"no preset with seed {seed} / {contains!r}: {[p['id'] for p in presets]}")


def chart_epochs(page) -> list[int]:
    return page.evaluate("() => window.gradtrace.charts.epochs.slice()")


def epochs_shown(page) -> int:
    return int(page.text_content("#epoch-count").split("/")[0])


def start_long_run(ui, presets: list[dict]) -> None:
    """Start a run long enough to act on while it trains (moons MLP for 10 000 epochs)."""
    page = ui.page
    ui.goto("/train")
    page.wait_for_selector("#preset-select option[value]:not([value=''])", state="attached")
    page.select_option("#preset-select", preset_id(presets, contains="moons"))
    page.fill("#cfg-epochs", "10000")
    page.click("#start-btn")
    page.wait_for_function("() => /[?&]run=/.test(location.search)")
    page.wait_for_function(
        "() => window.gradtrace.charts.epochs.length >= 3", timeout=EPOCH_TIMEOUT_MS
    )


def stop_if_running(page) -> None:
    if not page.is_disabled("#stop-btn"):
        page.click("#stop-btn")


def test_seed003_preset_trains_with_live_loss_chart(ui, presets) -> None:
    page = ui.page
    ui.goto("/train")
    page.wait_for_selector("#preset-select option[value]:not([value=''])", state="attached")
    page.select_option("#preset-select", preset_id(presets, seed="003"))
    assert page.input_value("#cfg-epochs") == "100"
    page.click("#start-btn")
    page.wait_for_selector("#final-loss", timeout=EPOCH_TIMEOUT_MS)
    epochs = chart_epochs(page)
    assert len(epochs) >= 50
    assert epochs == list(range(1, len(epochs) + 1))  # no gap, no duplicate
    final = page.text_content("#final-loss")
    assert final and final != "–"
    assert page.text_content("#run-status") == "done"
    assert page.locator("#loss-chart canvas").count() >= 1
    assert page.is_visible("#fit-panel")  # one-feature regression: data and fitted line
    assert not ui.errors, ui.errors


def test_stop_a_run(ui, presets) -> None:
    start_long_run(ui, presets)
    page = ui.page
    page.click("#stop-btn")
    page.wait_for_function(
        "() => document.querySelector('#run-status').textContent === 'stopped'",
        timeout=EPOCH_TIMEOUT_MS,
    )
    assert page.is_disabled("#stop-btn")
    stopped_at = epochs_shown(page)
    assert 0 < stopped_at < 10_000
    assert "Stopped" in page.text_content("#final-box")


def test_reload_mid_run_restores_history(ui, presets) -> None:
    start_long_run(ui, presets)
    page = ui.page
    try:
        page.wait_for_function(
            "() => (window.gradtrace?.charts?.epochs?.length ?? 0) >= 10", timeout=EPOCH_TIMEOUT_MS
        )
        seen = len(chart_epochs(page))
        run_url = page.url
        page.reload()
        assert page.url == run_url
        # The history arrives in one GET: every epoch seen before the reload is back at once.
        page.wait_for_function(
            f"() => (window.gradtrace?.charts?.epochs?.length ?? 0) >= {seen}",
            timeout=EPOCH_TIMEOUT_MS,
        )
        # And the live stream carries on after it.
        page.wait_for_function(
            f"() => (window.gradtrace?.charts?.epochs?.length ?? 0) >= {seen + 5}",
            timeout=EPOCH_TIMEOUT_MS,
        )
        epochs = chart_epochs(page)
        assert epochs == list(range(1, len(epochs) + 1))  # no gap, no duplicate
        assert page.text_content("#run-status") in ("running", "queued")
    finally:
        stop_if_running(page)


def test_form_and_json_tab_stay_in_sync(ui, presets) -> None:
    page = ui.page
    ui.goto("/train")
    page.wait_for_selector("#preset-select option[value]:not([value=''])", state="attached")
    page.select_option("#preset-select", preset_id(presets, seed="003"))
    page.fill("#cfg-optimizer-lr", "0.05")
    page.click("#tab-json")
    config = json.loads(page.input_value("#config-json"))
    assert config["optimizer"]["lr"] == 0.05
    config["epochs"] = 42
    page.fill("#config-json", json.dumps(config))
    page.wait_for_function("() => document.querySelector('#cfg-epochs').value === '42'")
    page.click("#tab-form")
    assert page.is_visible("#cfg-epochs")
    page.click("#tab-json")
    page.fill("#config-json", "{ not json")
    page.wait_for_function(
        "() => document.querySelector('#json-status').textContent.includes('Not valid JSON')"
    )
    assert page.get_attribute("#config-json", "aria-invalid") == "true"
