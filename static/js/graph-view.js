// The graph page (/): wires the editor, the example picker, POST /api/graph and the result
// views (graph + node panel, variables, output, plots) together.

import { api, ApiError } from "./api.js";
import { renderFigure } from "./charts.js";
import { applyDeviceOptions, initCommon } from "./common.js";
import { $, $$, announce, copyText, debounce, formatDuration, h } from "./dom.js";
import { createEditor } from "./editor.js";
import { hideError, showError } from "./errors.js";
import { exportGraph } from "./export.js";
import { GraphCanvas } from "./graph-canvas.js";
import { renderNodePanel } from "./node-panel.js";
import { decodeShare, encodeShare } from "./share.js";
import { TracePlayer } from "./trace-player.js";
import { renderVariables } from "./variables-table.js";

const els = {
  examples: $("#example-select"),
  description: $("#example-description"),
  device: $("#device-select"),
  showSaved: $("#show-saved"),
  trace: $("#trace-toggle"),
  traceHint: $("#trace-hint"),
  run: $("#run-btn"),
  share: $("#share-btn"),
  status: $("#run-status"),
  error: $("#error-box"),
  canvas: $("#graph-canvas"),
  search: $("#graph-search"),
  searchCount: $("#search-count"),
  panel: $("#node-panel"),
  panelTitle: $("#node-panel-title"),
  panelBody: $("#node-panel-body"),
  variables: $("#variables"),
  stdout: $("#stdout"),
  plots: $("#plots"),
};

const state = {
  examples: [],
  example: null, // the index entry of the example in the editor, if any
  result: null, // the last successful /api/graph answer
  inflight: null, // AbortController of the running request
  charts: [],
};

const editor = createEditor($("#source"), { onRun: () => run(), onCursorLine: (line) => linkLine(line) });
const canvas = new GraphCanvas(els.canvas, { onSelect: (node) => { openPanel(node); editor.linkLines(node?.line ? [node.line] : []); } });
// The timeline of a traced run, under the editor; each position highlights its source line,
// and an open node panel shows its node at that position.
const player = new TracePlayer($("#timeline"), canvas, {
  onPosition: (p) => editor.traceLine(p?.line ?? null),
  onSelection: (node) => { if (!els.panel.hidden) openPanel(node, { reveal: false }); },
});

// ---- running a program -------------------------------------------------------------------

function setStatus(text, kind = "") {
  els.status.textContent = text;
  els.status.dataset.kind = kind;
}

async function run() {
  state.inflight?.abort();
  const controller = new AbortController();
  state.inflight = controller;
  editor.clearError();
  hideError(els.error);
  setStatus("Running…", "busy");
  els.run.setAttribute("aria-busy", "true");
  const body = {
    source: editor.getValue(),
    device: els.device.value,
    show_saved: els.showSaved.checked,
    render_svg: true,
  };
  if (els.trace.checked) body.trace = true; // sent only when on: the default stays as it was
  try {
    const result = await api.graph(body, { signal: controller.signal });
    if (state.inflight !== controller) return;
    showResult(result);
    const ms = result.timings_ms?.total ?? Object.values(result.timings_ms || {}).reduce((a, b) => a + (Number(b) || 0), 0);
    setStatus(`Done on ${result.device || body.device} in ${formatDuration(ms)}.`, "ok");
    announce(`Program ran. Graph with ${result.graph?.nodes?.length ?? 0} nodes.`);
  } catch (err) {
    if (err.name === "AbortError" || state.inflight !== controller) return;
    const error = err instanceof ApiError ? err.detail : { type: "http", message: String(err) };
    showFailure({ ...error, type: error.type || err.type }, err.body);
  } finally {
    if (state.inflight === controller) {
      state.inflight = null;
      els.run.removeAttribute("aria-busy");
    }
  }
}

function showFailure(error, body = null) {
  state.result = null;
  showError(els.error, error, { expected: Boolean(state.example?.expects_error) && editorHoldsExample() });
  if (error.line) editor.markError(error.line, error.column, firstLine(error.message));
  setStatus(error.line ? `Error on line ${error.line}.` : "Error.", "error");
  // A traced run that failed still answers its timeline up to the error and the graph so far:
  // play it, ending on the error's frame.
  if (body?.timeline && body.graph?.nodes?.length) {
    canvas.render({ graph: body.graph, svg: null });
    player.load({ graph: body.graph, timeline: body.timeline }, { atEnd: true });
  } else {
    canvas.clear("No graph: the program did not finish.");
    player.reset();
  }
  closePanel();
  renderVariables(els.variables, {});
  setStdout(error.stdout || ""); // what the program printed before the error, as a terminal shows
  renderPlots([]);
  announce(`Error${error.line ? ` on line ${error.line}` : ""}: ${firstLine(error.message)}`);
}

// The editor's marker shows a short version; the full message is in the error box below.
const firstLine = (text) => {
  const line = String(text || "").split("\n").find((l) => l.trim()) || "";
  return line.length > 140 ? `${line.slice(0, 139)}…` : line;
};

function showResult(result) {
  state.result = result;
  closePanel();
  if (result.graph?.nodes?.length) {
    canvas.render(result);
    $("#path-root").setAttribute("aria-pressed", "false");
  } else {
    canvas.clear("This program built no autograd graph: no tensor with requires_grad=True was used.");
  }
  player.load(result);
  if (result.graph?.truncated) {
    const cut = result.graph.dropped_nodes ? ` ${result.graph.dropped_nodes} more nodes were cut (limit ${result.graph.max_nodes}).` : "";
    setStatus(`The graph was cut short: it has too many nodes to draw.${cut}`, "warn");
  }
  els.search.value = "";
  els.searchCount.textContent = "";
  renderVariables(els.variables, result.variables || {}, {
    // The result's graph, not the canvas: a traced run draws one frame's nodes at a time.
    hasNode: (name) => Boolean(result.graph?.nodes?.some((n) => n.vars?.includes(name))),
    onPick: (name) => {
      const node = canvas.nodeForVar(name);
      if (!node) { announce(`${name}'s node does not exist at this point of the timeline.`); return; }
      canvas.select(node.id);
      canvas.centerOn(node.id);
    },
  });
  setStdout(result.stdout || "");
  renderPlots(result.plots || []);
}

function setStdout(text) {
  els.stdout.textContent = text || "(nothing printed)";
  els.stdout.classList.toggle("is-empty", !text);
}

function renderPlots(plots) {
  state.charts.forEach((c) => c.destroy());
  state.charts = [];
  if (!plots.length) {
    els.plots.replaceChildren(h("p", { class: "placeholder", text: "This program drew no plots." }));
    return;
  }
  els.plots.replaceChildren();
  for (const plot of plots) {
    const figure = h("figure", { class: "plot" });
    els.plots.append(figure);
    state.charts.push(renderFigure(figure, plot));
  }
}

// ---- node panel ----------------------------------------------------------------------------

function openPanel(node, { reveal = true } = {}) {
  if (!node) return closePanel();
  els.panelTitle.textContent = node.kind === "leaf" && node.vars?.length ? node.vars.join(", ") : node.op;
  // a traced run: the node as it is at the timeline's position (null: the final values)
  const frame = player.nodeState(node.id);
  renderNodePanel(els.panelBody, node, state.result?.variables || {}, { showSaved: true, frame });
  els.panel.hidden = false;
  els.panel.dataset.node = node.id;
  if (reveal) canvas.reveal(node.id);
}

function closePanel({ refocus = false } = {}) {
  const id = els.panel.dataset.node;
  els.panel.hidden = true;
  delete els.panel.dataset.node;
  if (refocus && id) canvas.nodeElement(id)?.focus();
}

$("#node-panel-close").addEventListener("click", () => { closePanel({ refocus: true }); canvas.select(null); });
els.panel.addEventListener("keydown", (e) => { if (e.key === "Escape") { closePanel({ refocus: true }); canvas.select(null); } });

// ---- graph toolbar -----------------------------------------------------------------------------

const updateSearch = () => {
  const n = canvas.search(els.search.value);
  els.searchCount.textContent = els.search.value.trim() ? `${n} match${n === 1 ? "" : "es"}` : "";
};
els.search.addEventListener("input", debounce(updateSearch, 120));
els.search.addEventListener("keydown", (e) => {
  if (e.key === "Enter") {
    e.preventDefault();
    updateSearch();
    const node = canvas.nextMatch(e.shiftKey ? -1 : 1);
    if (node) openPanel(node);
  } else if (e.key === "Escape") {
    els.search.value = "";
    updateSearch();
  }
});
$("#zoom-in").addEventListener("click", () => canvas.zoomIn());
$("#zoom-out").addEventListener("click", () => canvas.zoomOut());
$("#zoom-fit").addEventListener("click", () => canvas.fit());
$("#path-root").addEventListener("click", (e) => announce(canvas.togglePath(e.currentTarget)));

for (const button of $$("[data-export]")) {
  button.addEventListener("click", async () => {
    if (!state.result) { announce("Run a program first: there is no graph to export."); setStatus("Run a program first.", "warn"); return; }
    const name = state.example && editorHoldsExample() ? `gradtrace-${state.example.id}` : "gradtrace-graph";
    try {
      // a graph the page laid out itself exports as drawn (clusters and folds as on screen)
      const drawn = canvas.big?.svgText;
      await exportGraph(drawn && !state.result.svg ? { ...state.result, svg: drawn } : state.result, button.dataset.export, name);
    } catch (err) {
      setStatus(String(err.message || err), "error");
    }
  });
}

// ---- examples, options, sharing -------------------------------------------------------------------

let loadedSource = null;
const editorHoldsExample = () => loadedSource !== null && editor.getValue() === loadedSource;

async function loadExample(id, { runAfter = true } = {}) {
  const entry = state.examples.find((e) => e.id === id);
  if (!entry) return;
  try {
    const example = await api.example(id);
    state.example = { ...entry, ...example };
    loadedSource = example.source;
    editor.setValue(example.source);
    els.examples.value = id;
    els.description.textContent = example.description || entry.description || "";
    if (runAfter) run();
  } catch (err) {
    setStatus(`Could not load the example: ${err.message}`, "error");
  }
}

async function loadExamples() {
  try {
    state.examples = await api.examples();
  } catch {
    state.examples = [];
  }
  // One group per tutorial seed (in index order), the examples without a seed last.
  const groups = new Map();
  for (const e of state.examples) {
    const seed = e.seed === undefined || e.seed === null ? null : String(e.seed).padStart(3, "0");
    const label = seed ? `Tutorial ${seed}` : "More examples";
    if (!groups.has(label)) groups.set(label, []);
    groups.get(label).push(h("option", { value: e.id }, `${seed ? `${seed} · ` : ""}${e.title || e.id}${e.expects_error ? " (shows an error)" : ""}`));
  }
  const ordered = [...groups.entries()].sort(([a], [b]) => (a === "More examples") - (b === "More examples") || a.localeCompare(b));
  els.examples.replaceChildren(
    h("option", { value: "" }, state.examples.length ? "Choose an example…" : "No examples available"),
    ...ordered.map(([label, options]) => h("optgroup", { label }, options)));
}

function defaultExampleId() {
  const fromServer = els.examples.dataset.default;
  if (fromServer && state.examples.some((e) => e.id === fromServer)) return fromServer;
  const seed1 = state.examples.find((e) => String(e.seed).padStart(3, "0") === "001");
  return (seed1 || state.examples[0])?.id || null;
}

async function loadFromHash() {
  try {
    const shared = await decodeShare(window.location.hash);
    if (!shared) return false;
    editor.setValue(shared.source);
    loadedSource = null;
    state.example = null;
    els.examples.value = "";
    els.description.textContent = "Program from a shared link.";
    if ([...els.device.options].some((o) => o.value === shared.device && !o.disabled)) els.device.value = shared.device;
    els.showSaved.checked = shared.showSaved;
    els.trace.checked = shared.trace;
    syncTraceHint();
    run();
    return true;
  } catch {
    setStatus("This link's program could not be read (it may be cut short).", "error");
    return false;
  }
}

els.examples.addEventListener("change", () => { if (els.examples.value) loadExample(els.examples.value); });
els.run.addEventListener("click", () => run());
// These change what the server draws, so a shown result is refreshed at once.
els.showSaved.addEventListener("change", () => { if (state.result) run(); });
els.device.addEventListener("change", () => { if (state.result) run(); });
els.trace.addEventListener("change", () => { syncTraceHint(); if (state.result) run(); });
els.share.addEventListener("click", async () => {
  const fragment = await encodeShare({ source: editor.getValue(), device: els.device.value, showSaved: els.showSaved.checked, trace: els.trace.checked });
  const url = `${window.location.origin}${window.location.pathname}#${fragment}`;
  window.history.replaceState(null, "", `#${fragment}`);
  const copied = await copyText(url);
  setStatus(copied ? "Link copied: it opens this program." : "Link is in the address bar: copy it from there.", "ok");
  announce(copied ? "Share link copied" : "Share link placed in the address bar");
});
window.addEventListener("hashchange", () => { loadFromHash(); });

// ---- trace: timeline keys, node <-> source line ---------------------------------------------

function syncTraceHint() { els.traceHint.hidden = !els.trace.checked; }
syncTraceHint();

// Arrow keys, Home/End and Space drive the timeline wherever focus is not in the editor or a field.
document.addEventListener("keydown", (e) => { if (player.handleKey(e)) e.preventDefault(); });

const sayLineNodes = debounce((line, n) => announce(`Line ${line} made ${n} graph node${n === 1 ? "" : "s"}.`), 600);
function linkLine(line) {
  const n = player.markLine(line);
  if (n) sayLineNodes(line, n);
}

async function init() {
  const healthPromise = initCommon();
  await loadExamples();
  if (!(await loadFromHash())) {
    const id = defaultExampleId();
    if (id) await loadExample(id);
  }
  applyDeviceOptions(els.device, await healthPromise);
}

init();

// A handle for the browser tests and for curious learners in the console.
window.gradtrace = { editor, canvas, run, player, get result() { return state.result; } };
