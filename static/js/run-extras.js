// Two panels of the training page that belong to one run: the autograd graph of one training
// step (GET /api/runs/{id}/graph, drawn like the graph page with its node panel) and the
// "try the trained model" box (POST /api/runs/{id}/predict).

import { api, flatNumbers, num } from "./api.js";
import { $, formatNumber } from "./dom.js";
import { GraphCanvas } from "./graph-canvas.js";
import { renderNodePanel } from "./node-panel.js";
import { TracePlayer } from "./trace-player.js";
import { featureCount } from "./train-model.js";

export class StepGraph {
  constructor() {
    this.load = $("#step-graph-load");
    this.panel = $("#step-node-panel");
    this.title = $("#step-node-title");
    this.body = $("#step-node-body");
    this.canvas = new GraphCanvas($("#step-graph"), { onSelect: (node) => this.open(node) });
    this.trace = $("#step-trace");
    this.player = new TracePlayer($("#step-timeline"), this.canvas, {
      label: "Training step timeline",
      onSelection: (node) => { if (!this.panel.hidden) this.open(node, { reveal: false }); },
    });
    this.runId = null;
    this.result = null;
    this.load.addEventListener("click", () => this.show(this.runId));
    this.trace.addEventListener("change", () => { if (this.runId) this.show(this.runId); });
    // The step's timeline takes the arrow keys only while focus is inside its panel.
    const section = this.trace.closest("section");
    section.addEventListener("keydown", (e) => { if (this.player.handleKey(e)) e.preventDefault(); });
    $("#step-zoom-fit").addEventListener("click", () => this.canvas.fit());
    $("#step-path-root").addEventListener("click", (e) => this.canvas.togglePath(e.currentTarget));
    $("#step-node-close").addEventListener("click", () => this.canvas.select(null));
  }

  /** Fetch and draw the graph of run `id` (a later call for another run wins). */
  async show(id) {
    this.runId = id;
    this.result = null;
    this.panel.hidden = true;
    this.player.reset();
    if (!id) return;
    this.load.disabled = false;
    this.load.setAttribute("aria-busy", "true");
    this.canvas.clear("Loading the graph of one training step…");
    try {
      const result = await api.runGraph(id, { trace: this.trace.checked });
      if (this.runId !== id) return;
      this.result = result;
      if (result.graph?.nodes?.length) {
        this.canvas.render(result);
        this.showValues(this.values, this.valuesEpoch);
      } else this.canvas.clear("This step has no autograd graph.");
      this.player.load(result);
    } catch (err) {
      if (this.runId === id) this.canvas.clear(`The graph could not be loaded: ${err.message}`);
    } finally {
      this.load.removeAttribute("aria-busy");
    }
  }

  /** Write an epoch's value and gradient norm under each parameter node ({params, grad_norms}
   *  of an epoch event); kept, so a graph that loads later shows them too. */
  showValues(values, epoch) {
    this.values = values;
    this.valuesEpoch = epoch;
    const svg = this.canvas.svg;
    if (!svg || !values?.params) return;
    for (const [name, value] of Object.entries(values.params)) {
      const node = this.canvas.nodeForVar(name);
      const g = node && this.canvas.nodeElement(node.id);
      if (!g) continue;
      let label = g.querySelector("text.gt-live");
      if (!label) {
        const box = g.getBBox();
        label = document.createElementNS("http://www.w3.org/2000/svg", "text");
        label.setAttribute("class", "gt-live");
        label.setAttribute("x", String(box.x + box.width / 2));
        label.setAttribute("y", String(box.y + box.height + 12));
        label.setAttribute("text-anchor", "middle");
        g.append(label);
      }
      const grad = values.grad_norms?.[name];
      label.textContent = `${valueText(value)} · ‖∇‖ ${grad === null || grad === undefined ? "–" : formatNumber(num(grad), 3)}`;
    }
    svg.dataset.epoch = String(epoch ?? "");
  }

  open(node, { reveal = true } = {}) {
    if (!node) { this.panel.hidden = true; return; }
    this.title.textContent = node.kind === "leaf" && node.vars?.length ? node.vars.join(", ") : node.op;
    // with Trace: the node at the timeline's position
    renderNodePanel(this.body, node, this.result?.variables || {}, { frame: this.player.nodeState(node.id) });
    this.panel.hidden = false;
    if (reveal) this.canvas.reveal(node.id);
  }
}

/** A parameter's value in a few characters: the number, a short list, or its norm. */
function valueText(value) {
  if (value && typeof value === "object" && !Array.isArray(value)) return `‖·‖ ${formatNumber(num(value.norm), 3)}`;
  const flat = flatNumbers(value);
  if (flat.length === 1) return `= ${formatNumber(flat[0], 4)}`;
  if (flat.length <= 3) return `= [${flat.map((v) => formatNumber(v, 3)).join(", ")}]`;
  return `‖·‖ ${formatNumber(Math.hypot(...flat), 3)}`;
}

export class PredictBox {
  constructor() {
    this.panel = $("#predict-panel");
    this.inputs = $("#predict-inputs");
    this.output = $("#predict-output");
    this.runId = null;
    $("#predict-form").addEventListener("submit", (e) => { e.preventDefault(); this.predict(); });
  }

  hide() {
    this.panel.hidden = true;
    this.output.hidden = true;
  }

  /** Offer predictions for finished run `id`, prefilled with the config's predict_x. */
  show(id, config) {
    this.runId = id;
    const n = featureCount(config) || 1;
    this.inputs.value = JSON.stringify(config.predict_x || [new Array(n).fill(n === 1 ? 4.0 : 0.0)]);
    this.panel.hidden = false;
  }

  async predict() {
    this.output.hidden = false;
    let inputs;
    try {
      inputs = JSON.parse(this.inputs.value);
    } catch {
      this.output.textContent = "Write the inputs as JSON rows, e.g. [[4.0], [5.0]].";
      return;
    }
    try {
      const { outputs } = await api.predict(this.runId, inputs);
      this.output.textContent = inputs.map((row, i) => `${JSON.stringify(row)} → ${JSON.stringify(outputs[i])}`).join("\n");
    } catch (err) {
      this.output.textContent = err.message;
    }
  }
}
