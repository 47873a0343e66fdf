// The live charts of a training run, fed one epoch event at a time: loss (and val_loss),
// parameter traces, the fitted curve over the data (1-feature regression) and the loss-vs-w
// landscape with the optimizer's path (one-weight model). Redraws are batched per frame so a
// fast run (or a long history restored at once) does not redraw hundreds of times.

import { flatNumbers, num } from "./api.js";
import { XYChart } from "./charts.js";
import {
  canForward, forward, initialWeight, inlinePoints, isOneWeight, isRegression1D, linspace, lossAtWeight,
} from "./train-model.js";

const MAX_TRACES = 12;
const LINE_POINTS = 60;

/** Parameter values of one event as {label: number}: scalars and small tensors element by
 *  element, bigger or summarized tensors as their norm. */
export function paramTraces(params = {}) {
  const traces = {};
  const entries = Object.entries(params);
  let budget = MAX_TRACES;
  for (const [name, value] of entries) {
    if (value && typeof value === "object" && !Array.isArray(value)) {
      traces[`‖${name}‖`] = num(value.norm);
      continue;
    }
    const flat = flatNumbers(value);
    if (flat.length === 1) traces[name] = flat[0];
    else if (flat.length <= 4 && budget - flat.length >= entries.length) {
      flat.forEach((v, i) => { traces[`${name}[${i}]`] = v; });
    } else traces[`‖${name}‖`] = Math.hypot(...flat);
    budget -= 1;
  }
  return traces;
}

const range = (values, pad = 0.1) => {
  const finite = values.filter(Number.isFinite);
  if (!finite.length) return null;
  let lo = Math.min(...finite);
  let hi = Math.max(...finite);
  const span = hi - lo || Math.abs(hi) || 1;
  lo -= span * pad;
  hi += span * pad;
  return [lo, hi];
};

export class TrainCharts {
  constructor({ loss, params, fit, landscape, fitPanel, landscapePanel }) {
    this.els = { loss, params, fit, landscape, fitPanel, landscapePanel };
    this.charts = {};
    this.yLog = false;
    this.frame = 0;
  }

  /** Start over for a run of `config` (clears every chart). */
  reset(config) {
    Object.values(this.charts).forEach((c) => c?.destroy());
    this.charts = {};
    this.config = config;
    this.epochs = [];
    this.loss = [];
    this.valLoss = [];
    this.traces = new Map(); // label -> values per epoch (null where missing)
    this.weights = []; // the one weight after each epoch (null until known)
    this.index = new Map(); // epoch number -> position in the arrays above
    this.lastParams = null;
    this.final = null;
    this.points = inlinePoints(config);
    const hasVal = (config?.validation_split ?? 0) > 0;
    this.charts.loss = new XYChart(this.els.loss, {
      title: "Loss per epoch", xlabel: "epoch", ylabel: "loss", yLog: this.yLog,
      series: [{ label: "loss" }, ...(hasVal ? [{ label: "val_loss", dash: [6, 4] }] : [])],
      ariaLabel: "Line chart of the training loss per epoch",
    });
    this.showFit = isRegression1D(config);
    this.els.fitPanel.hidden = !this.showFit;
    if (this.showFit) {
      this.charts.fit = new XYChart(this.els.fit, {
        title: "Data and the model's fit", xlabel: "x", ylabel: "y", xPad: true,
        // Data last so its points are drawn on top of the lines.
        series: [{ label: "model now", kind: "line", width: 2.5, color: "#D55E00" }, { label: "true line", kind: "line", dash: [6, 4], color: "#009E73" }, { label: "data", kind: "scatter", color: "#0072B2", size: 8 }],
        ariaLabel: "Scatter of the data with the model's fitted line, updated every epoch",
      });
    }
    this.showLandscape = isOneWeight(config) && Boolean(this.points);
    this.els.landscapePanel.hidden = !this.showLandscape;
    if (this.showLandscape) {
      this.charts.landscape = new XYChart(this.els.landscape, {
        title: "Loss as a function of w", xlabel: "w", ylabel: "loss",
        series: [
          { label: "loss(w) on all data", kind: "line", color: "#0072B2" },
          { label: "optimizer's path", kind: "line", width: 1, color: "#D55E00" },
          { label: "w after each epoch", kind: "scatter", color: "#D55E00", size: 7 },
          { label: "start", kind: "scatter", color: "#009E73", size: 11 },
        ],
        ariaLabel: "Curve of the loss against the weight w with the optimizer's steps on it",
      });
    }
    this.els.params.replaceChildren();
    this.draw();
  }

  setYLog(on) {
    this.yLog = on;
    this.charts.loss?.setYLog(on);
  }

  addEpoch(event) {
    const i = this.epochs.length;
    this.epochs.push(event.epoch);
    this.loss.push(num(event.loss));
    this.valLoss.push(event.val_loss === null || event.val_loss === undefined ? null : num(event.val_loss));
    const traces = paramTraces(event.params);
    for (const [label, value] of Object.entries(traces)) {
      if (!this.traces.has(label)) this.traces.set(label, new Array(i).fill(null));
      this.traces.get(label).push(value);
    }
    for (const values of this.traces.values()) if (values.length < i + 1) values.push(null);
    if (event.params) this.lastParams = event.params;
    this.weights.push(this.weightOf(event));
    this.index.set(event.epoch, i);
    this.schedule();
  }

  /** Parameters of an epoch already drawn without them (a restored run's replayed events). */
  enrich(event) {
    const i = this.index.get(event.epoch);
    if (i === undefined || !event.params) return;
    for (const [label, value] of Object.entries(paramTraces(event.params))) {
      if (!this.traces.has(label)) this.traces.set(label, new Array(this.epochs.length).fill(null));
      this.traces.get(label)[i] = value;
    }
    this.weights[i] = this.weightOf(event);
    if (i === this.epochs.length - 1 && !this.lastParams) this.lastParams = event.params;
    this.schedule();
  }

  weightOf(event) {
    return this.showLandscape && event.params ? flatNumbers(event.params["0.weight"] ?? [NaN])[0] : null;
  }

  /** The done event: draw the server's own predictions (exact, and the true line if known). */
  finish(done) {
    this.final = done;
    if (done?.params) this.lastParams = done.params;
    this.schedule();
  }

  schedule() {
    if (this.frame) return;
    this.frame = window.requestAnimationFrame(() => {
      this.frame = 0;
      this.draw();
    });
  }

  draw() {
    const { loss, fit, landscape } = this.charts;
    loss?.setData([{ x: this.epochs, y: this.loss }, { x: this.epochs, y: this.valLoss }]);
    this.drawParams();
    if (fit) this.drawFit(fit);
    if (landscape) this.drawLandscape(landscape);
  }

  drawParams() {
    const labels = [...this.traces.keys()];
    if (!labels.length) return;
    const data = labels.map((l) => ({ x: this.epochs, y: this.traces.get(l) }));
    const chart = this.charts.params;
    if (!chart || chart.defs.length !== labels.length) {
      chart?.destroy();
      this.charts.params = new XYChart(this.els.params, {
        title: "Parameters per epoch", xlabel: "epoch", ylabel: "value",
        series: labels.map((label) => ({ label })),
        ariaLabel: `Line chart of the parameters per epoch: ${labels.join(", ")}`,
      });
    }
    this.charts.params.setData(data);
  }

  drawFit(chart) {
    const pred = this.final?.predictions;
    const fromServer = pred && pred.kind === "line" ? pred : null;
    const dataPts = this.points || (fromServer?.data
      ? { x: fromServer.data.x.map((r) => num(Array.isArray(r) ? r[0] : r)), y: fromServer.data.y.map((r) => num(Array.isArray(r) ? r[0] : r)) }
      : null);
    const series = [{ x: [], y: [] }, { x: [], y: [] }, dataPts || { x: [], y: [] }];
    if (fromServer) {
      series[0] = { x: fromServer.x, y: fromServer.y_pred };
      if (fromServer.y_true) series[1] = { x: fromServer.x, y: fromServer.y_true };
    } else if (canForward(this.config, this.lastParams)) {
      // make_regression draws x from a standard normal: ±3 covers it until the data arrives.
      const [lo, hi] = range(dataPts?.x || []) || [-3, 3];
      const xs = linspace(lo, hi, LINE_POINTS);
      series[0] = { x: xs, y: forward(this.config, this.lastParams, xs) };
    }
    chart.setData(series);
  }

  drawLandscape(chart) {
    const ws = this.weights.filter((w) => typeof w === "number" && Number.isFinite(w));
    const w0 = initialWeight(this.config);
    const path = w0 !== null ? [w0, ...ws] : ws;
    const { x, y } = this.points;
    // For MSE the best w is Σxy / Σx²: include it so the curve shows where the minimum is.
    const sxx = x.reduce((s, v) => s + v * v, 0);
    const best = this.config.loss.type === "mse" && sxx > 0 ? x.reduce((s, v, i) => s + v * y[i], 0) / sxx : null;
    const around = [...path, ...(best === null ? [] : [best])];
    const [lo, hi] = range(around.length ? around : [0, 1], 0.35);
    const grid = linspace(lo, hi, 120);
    // The path's points sit on the curve: each is the full-data loss at that epoch's w.
    const onCurve = path.map((w) => lossAtWeight(this.config, this.points, w));
    chart.setData([
      { x: grid, y: grid.map((w) => lossAtWeight(this.config, this.points, w)) },
      { x: path, y: onCurve },
      { x: path, y: onCurve },
      { x: path.slice(0, 1), y: onCurve.slice(0, 1) },
    ]);
  }

  destroy() {
    window.cancelAnimationFrame(this.frame);
    Object.values(this.charts).forEach((c) => c?.destroy());
    this.charts = {};
  }
}
