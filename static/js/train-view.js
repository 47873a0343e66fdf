// The training page (/train): config form + JSON tab, start/stop, progress, live charts fed by
// the run's event stream, the runs list, the graph of one step and predictions.
// `?run=<id>` in the URL names the run on screen, so a reload (or a shared link) restores it.

import { api, ApiError, num } from "./api.js";
import { initCommon } from "./common.js";
import { ConfigForm } from "./config-form.js";
import { $, announce, debounce, formatDuration, formatNumber, h } from "./dom.js";
import { hideError, showError } from "./errors.js";
import { PredictBox, StepGraph } from "./run-extras.js";
import { backfillEvents, RunStream, terminalOf } from "./run-stream.js";
import { RunsList, statusLabel } from "./runs-list.js";
import { renderPredictions } from "./predictions-chart.js";
import { TrainCharts } from "./train-charts.js";
import { HistogramView } from "./histogram-view.js";
import { RunCompare } from "./run-compare.js";
import { RunTools } from "./run-tools.js";

const els = {
  preset: $("#preset-select"), presetDescription: $("#preset-description"),
  tabForm: $("#tab-form"), tabJson: $("#tab-json"), form: $("#config-form"), jsonPanel: $("#json-panel"),
  json: $("#config-json"), jsonStatus: $("#json-status"), configError: $("#config-error"),
  start: $("#start-btn"), stop: $("#stop-btn"),
  runId: $("#run-id"), status: $("#run-status"), connection: $("#connection"),
  progress: $("#progress"), epochCount: $("#epoch-count"), currentLoss: $("#current-loss"),
  elapsed: $("#elapsed"), eta: $("#eta"), lr: $("#current-lr"), final: $("#final-box"), runError: $("#run-error"),
  logScale: $("#log-scale"), predictionsPanel: $("#predictions-panel"), predictionsChart: $("#predictions-chart"),
};

const state = { presets: [], runId: null, config: null, total: 0, stream: null, finished: true, predictions: null };

const form = new ConfigForm(els.form, { onChange: (config) => { els.json.value = JSON.stringify(config, null, 2); } });
const charts = new TrainCharts({
  loss: $("#loss-chart"), params: $("#params-chart"), fit: $("#fit-chart"), landscape: $("#landscape-chart"),
  fitPanel: $("#fit-panel"), landscapePanel: $("#landscape-panel"),
  lossReadout: $("#loss-readout"), paramsReadout: $("#params-readout"),
});
const compareBtn = $("#compare-btn");
const runs = new RunsList($("#runs-list"), $("#runs-more"), {
  onOpen: (id) => openRun(id, { push: true }),
  onPick: (ids) => { compareBtn.disabled = ids.length < 2; compareBtn.textContent = ids.length >= 2 ? `Compare ${ids.length} runs` : "Compare selected"; },
});
const stepGraph = new StepGraph();
const predictBox = new PredictBox();
const histograms = new HistogramView({
  panel: $("#hist-panel"), select: $("#hist-tensor"), spread: $("#hist-spread"), single: $("#hist-single"), readout: $("#hist-readout"),
});
const compare = new RunCompare({
  panel: $("#compare-panel"), chart: $("#compare-chart"), diff: $("#compare-diff"), readout: $("#compare-readout"), log: $("#compare-log"), close: $("#compare-close"),
});
const tools = new RunTools({ charts, histograms, graph: stepGraph, compare }, { onClone: cloneRun });

// ---- config: presets, form and JSON tabs --------------------------------------------------------

function setConfig(config) {
  form.setConfig(config);
  els.json.value = JSON.stringify(config, null, 2);
  els.jsonStatus.textContent = "";
}

function selectTab(json) {
  els.tabForm.setAttribute("aria-selected", String(!json));
  els.tabJson.setAttribute("aria-selected", String(json));
  els.tabForm.tabIndex = json ? -1 : 0;
  els.tabJson.tabIndex = json ? 0 : -1;
  els.form.hidden = json;
  els.jsonPanel.hidden = !json;
}
els.tabForm.addEventListener("click", () => selectTab(false));
els.tabJson.addEventListener("click", () => selectTab(true));
for (const tab of [els.tabForm, els.tabJson]) {
  // Arrow keys move between tabs, as the ARIA tabs pattern expects.
  tab.addEventListener("keydown", (e) => {
    if (e.key !== "ArrowLeft" && e.key !== "ArrowRight") return;
    const toJson = tab === els.tabForm;
    selectTab(toJson);
    (toJson ? els.tabJson : els.tabForm).focus();
  });
}

/** Parse the JSON tab; returns the object or null (and says why in the status line). */
function parseJsonTab() {
  try {
    const value = JSON.parse(els.json.value);
    if (!value || typeof value !== "object" || Array.isArray(value)) throw new Error("the config must be a JSON object { … }");
    els.jsonStatus.textContent = "In sync with the form.";
    els.json.removeAttribute("aria-invalid");
    return value;
  } catch (err) {
    els.jsonStatus.textContent = `Not valid JSON yet: ${err.message}`;
    els.json.setAttribute("aria-invalid", "true");
    return null;
  }
}
els.json.addEventListener("input", debounce(() => {
  const value = parseJsonTab();
  if (value) form.setConfig(value);
}, 300));

async function loadPresets() {
  try {
    state.presets = await api.presets();
  } catch {
    state.presets = [];
  }
  const label = (p) => `${p.seed ? `${p.seed} · ` : ""}${p.title || p.id}`;
  els.preset.replaceChildren(
    h("option", { value: "" }, state.presets.length ? "Custom (edit below)" : "No presets available"),
    ...state.presets.map((p) => h("option", { value: p.id }, label(p))));
}

function applyPreset(id) {
  const preset = state.presets.find((p) => p.id === id);
  if (!preset) return;
  els.preset.value = id;
  els.presetDescription.textContent = preset.description || "";
  setConfig(preset.config);
  hideError(els.configError);
}
els.preset.addEventListener("change", () => applyPreset(els.preset.value));

// ---- starting, stopping, following a run -----------------------------------------------------------

async function start() {
  const config = els.jsonPanel.hidden ? form.getConfig() : parseJsonTab();
  if (!config) { els.json.focus(); return; }
  hideError(els.configError);
  els.start.setAttribute("aria-busy", "true");
  els.start.disabled = true;
  try {
    const created = await api.createRun(config);
    history.pushState(null, "", `?run=${encodeURIComponent(created.id)}`);
    beginRun(created.id, config, { status: created.status || "queued" });
    revealProgress();
    runs.load();
    announce("Training started");
  } catch (err) {
    els.start.disabled = false;
    const error = err instanceof ApiError ? err.detail : { type: "http", message: String(err) };
    const detail = Array.isArray(err.body?.detail) ? err.body.detail : [];
    const marked = form.markErrors(detail);
    // One line per problem, as "model.layers.0: what is wrong" (no "body." or "Value error").
    const message = detail.length
      ? detail.map((d) => `${(d.loc || []).filter((p) => p !== "body").join(".")}: ${String(d.msg).replace(/^Value error, /, "")}`).join("\n")
      : error.message;
    const title = error.type === "validation" ? "The config was not accepted: fix the marked fields." : null;
    showError(els.configError, { ...error, message, type: error.type || err.type }, { title });
    if (marked) selectTab(false);
  } finally {
    els.start.removeAttribute("aria-busy");
  }
}

/** Show run `id` (of `config`) from scratch: history first, then live events or its end. */
function beginRun(id, config, { status = "running", history = [], terminal = null, afterId = null } = {}) {
  state.stream?.close();
  state.stream = null;
  state.stopBackfill?.();
  state.stopBackfill = null;
  state.runId = id;
  state.config = config;
  state.total = config.epochs ?? 100;
  state.finished = false;
  els.runId.textContent = `#${String(id).slice(0, 8)}`;
  setStatus(status);
  hideError(els.runError);
  els.final.hidden = true;
  predictBox.hide();
  state.predictions?.destroy();
  state.predictions = null;
  els.predictionsPanel.hidden = true;
  els.stop.disabled = false;
  els.start.disabled = false;
  updateProgress(null);
  charts.reset(config);
  histograms.reset();
  tools.setRun(id, config);
  runs.markCurrent(id);
  let last = 0;
  for (const event of history) {
    if (!(event.epoch > last)) continue; // history is ordered; never draw an epoch twice
    last = event.epoch;
    onEpoch(event);
  }
  if (terminal) finish(terminal.type, terminal.data);
  else {
    state.stream = new RunStream(id, { onEpoch, onTerminal: finish, onState: setConnection }, { lastEpoch: last, afterId }).start();
  }
  if (last > 0) {
    backfill(id, afterId);
    charts.loadLandscape(id);
    histograms.load(id);
  }
  stepGraph.show(id);
}

/** Replay the run's events up to `upToId` for what its history lacks: parameters, gradient
 *  norms, the landscape's points and the histograms (a restored run, or epochs that came from
 *  the history because the stream connected after the run ended). */
function backfill(id, upToId) {
  state.stopBackfill?.();
  state.stopBackfill = backfillEvents(id, upToId, (event) => {
    if (state.runId !== id) return;
    charts.enrich(event);
    histograms.add(event.epoch, event.histograms);
    tools.refresh(event.epoch);
  });
}

/** On a one-column layout the progress sits below the form: bring it into view. */
function revealProgress() {
  const panel = els.progress.closest("section");
  const { top, bottom } = panel.getBoundingClientRect();
  const calm = window.matchMedia("(prefers-reduced-motion: reduce)").matches;
  if (top < 0 || bottom > window.innerHeight) panel.scrollIntoView({ block: "start", behavior: calm ? "auto" : "smooth" });
}

function onEpoch(event) {
  if (!state.finished && els.status.dataset.status !== "cancelling") setStatus("running");
  charts.addEpoch(event);
  histograms.add(event.epoch, event.histograms);
  tools.epoch(event.epoch);
  updateProgress(event);
}

function updateProgress(event) {
  const epoch = event?.epoch ?? 0;
  els.progress.max = Math.max(1, state.total);
  els.progress.value = Math.min(epoch, state.total);
  els.epochCount.textContent = `${epoch} / ${state.total}`;
  els.currentLoss.textContent = event ? formatNumber(num(event.loss)) : "–";
  els.lr.textContent = event?.lr !== undefined ? formatNumber(num(event.lr)) : "–";
  const elapsed = event?.elapsed_ms;
  els.elapsed.textContent = formatDuration(elapsed);
  els.eta.textContent = epoch > 0 && epoch < state.total ? formatDuration((elapsed / epoch) * (state.total - epoch)) : "–";
}

function finish(type, data = {}) {
  state.finished = true;
  state.stream = null;
  els.stop.disabled = true;
  els.eta.textContent = "–";
  setConnection("closed");
  if (type === "done") {
    setStatus("succeeded");
    const epochs = data.epochs ?? state.total;
    els.progress.value = els.progress.max;
    els.epochCount.textContent = `${epochs} / ${state.total}`;
    if (data.elapsed_ms !== undefined) els.elapsed.textContent = formatDuration(data.elapsed_ms);
    charts.finish(data);
    // Epochs drawn from the history (the stream connected late) have no parameters yet.
    if (charts.byEpoch.size < charts.epochs.length) backfill(state.runId, Number.MAX_SAFE_INTEGER);
    els.predictionsPanel.hidden = false; // shown before drawing so the chart can measure it
    state.predictions = renderPredictions(els.predictionsChart, data.predictions);
    els.predictionsPanel.hidden = !state.predictions;
    showFinal(data);
    predictBox.show(state.runId, state.config);
    announce(`Training done. Final loss ${formatNumber(num(data.loss))}`);
  } else if (type === "cancelled") {
    setStatus("cancelled");
    els.final.replaceChildren(h("span", { text: `Stopped${data.epoch ? ` during epoch ${data.epoch}` : ""}.` }));
    els.final.hidden = false;
    announce("Training stopped");
  } else {
    setStatus("failed");
    showError(els.runError, data.error || { type: "runtime", message: "The run failed." });
    announce("Training failed");
  }
  runs.setStatus(state.runId, els.status.dataset.status);
  runs.load(); // the entry now has its final metrics
}

function showFinal(done) {
  const fact = (label, value, id) => h("span", {}, `${label} `, h("strong", { id, text: value }));
  const metrics = done.metrics || {};
  els.final.replaceChildren(...[
    fact("Final loss", formatNumber(num(done.loss), 5), "final-loss"),
    done.val_loss !== null && done.val_loss !== undefined ? fact("val_loss", formatNumber(num(done.val_loss), 5)) : null,
    metrics.accuracy !== undefined && metrics.accuracy !== null ? fact("accuracy", `${(num(metrics.accuracy) * 100).toFixed(1)}%`) : null,
    metrics.val_accuracy !== undefined && metrics.val_accuracy !== null ? fact("val accuracy", `${(num(metrics.val_accuracy) * 100).toFixed(1)}%`) : null,
    fact("epochs", String(done.epochs ?? state.total)),
    done.predict ? fact("prediction", done.predict.x.map((x, i) => `f(${x.join(", ")}) = ${done.predict.y_pred[i].map((v) => formatNumber(num(v))).join(", ")}`).join("; ")) : null,
  ].filter(Boolean));
  els.final.hidden = false;
}

function setStatus(status) {
  els.status.dataset.status = status;
  els.status.textContent = statusLabel(status);
}

function setConnection(s) {
  els.connection.dataset.state = s;
  els.connection.textContent = { connecting: "connecting…", live: "● live", reconnecting: "reconnecting…" }[s] || "";
}

async function stop() {
  if (!state.runId || state.finished) return;
  const id = state.runId;
  els.stop.disabled = true;
  setStatus("cancelling");
  try {
    await api.cancelRun(id);
  } catch (err) {
    els.stop.disabled = false;
    showError(els.runError, err.detail || { type: "http", message: String(err) });
    return;
  }
  // The stream normally delivers `cancelled`; if it is not connected, ask the server.
  window.setTimeout(async () => {
    if (state.runId !== id || state.finished) return;
    try {
      const terminal = terminalOf(await api.getRun(id));
      if (terminal && state.runId === id && !state.finished) { state.stream?.close(); finish(terminal.type, terminal.data); }
    } catch { /* the stream will tell */ }
  }, 4000);
}

/** Reopen a stored run: fetch it, restore its charts, follow it if it still runs. */
async function openRun(id, { push = false } = {}) {
  if (push) history.pushState(null, "", `?run=${encodeURIComponent(id)}`);
  let run;
  try {
    run = await api.getRun(id);
  } catch (err) {
    showError(els.runError, err.status === 404 ? { type: "not_found", message: `There is no run ${id}.` } : err.detail);
    return;
  }
  els.preset.value = "";
  els.presetDescription.textContent = "The config of the run on screen.";
  setConfig(run.config || {});
  beginRun(run.id ?? id, run.config || {}, {
    status: run.status, history: run.history || [], terminal: terminalOf(run), afterId: run.last_event_id ?? null,
  });
}

els.start.addEventListener("click", start);
els.stop.addEventListener("click", stop);
els.logScale.addEventListener("change", () => charts.setYLog(els.logScale.checked));
$("#smoothing").addEventListener("input", (e) => {
  $("#smoothing-value").textContent = e.target.value;
  charts.setSmoothing(Number(e.target.value));
});

/** A run's config in the form, to change and start again (lr 0.01 vs 0.1, SGD vs Adam...). */
function cloneRun(config, id) {
  els.preset.value = "";
  els.presetDescription.textContent = `Cloned from run #${String(id).slice(0, 8)}: change anything, then start.`;
  setConfig(config);
  selectTab(false);
  els.form.scrollIntoView({ block: "start" });
  els.form.querySelector("input, select")?.focus();
  announce("The run's config is in the form");
}

async function showComparison(ids) {
  if (await compare.show(ids)) {
    history.replaceState(null, "", `?compare=${ids.map(encodeURIComponent).join(",")}`);
    $("#compare-panel").scrollIntoView({ block: "start" });
  }
}
compareBtn.addEventListener("click", () => showComparison([...runs.picked]));
$("#runs-refresh").addEventListener("click", () => runs.load());
window.addEventListener("popstate", () => {
  const id = new URLSearchParams(window.location.search).get("run");
  if (id && id !== state.runId) openRun(id);
});

// ---- start-up --------------------------------------------------------------------------------------

async function init() {
  const healthPromise = initCommon();
  await loadPresets();
  const params = new URLSearchParams(window.location.search);
  const runId = params.get("run");
  const presetId = params.get("preset");
  applyPreset(state.presets.some((p) => p.id === presetId) ? presetId : state.presets[0]?.id);
  if (runId) await openRun(runId);
  const compareIds = (params.get("compare") || "").split(",").filter(Boolean);
  if (compareIds.length >= 2) await compare.show(compareIds);
  runs.load();
  const health = await healthPromise;
  form.setCudaAvailable(health?.device === "cuda");
}

init();
window.gradtrace = { form, charts, stepGraph, histograms, compare, tools, get runId() { return state.runId; }, openRun };
