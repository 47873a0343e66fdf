// The live charts of a training run, fed one epoch event at a time: loss (and val_loss, and an
// EMA-smoothed copy), parameter traces, the fitted curve over the data (1-feature regression)
// and the worker's loss landscape with the optimizer's path (landscape-chart.js). Redraws are
// batched per frame so a fast run (or a long history restored at once) does not redraw
// hundreds of times. `setEpoch` (the epoch scrubber) marks one epoch on every chart.

import { api, flatNumbers, num } from "./api.js";
import { PALETTE, XYChart } from "./charts.js";
import { ema, FrameScheduler, readoutHooks } from "./chart-tools.js";
import { LandscapeView } from "./landscape-chart.js";
import { canForward, forward, inlinePoints, isRegression1D, linspace } from "./train-model.js";

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
  constructor({ loss, params, fit, landscape, fitPanel, landscapePanel, lossReadout, paramsReadout }) {
    this.els = { loss, params, fit, landscape, fitPanel, landscapePanel, lossReadout, paramsReadout };
    this.charts = {};
    this.yLog = false;
    this.smoothing = 0;
    this.frames = new FrameScheduler(() => this.draw());
    this.marked = null; // the scrubber's epoch, null: follow the run
    this.landscape = new LandscapeView(landscape);
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
    this.marked = null;
    this.byEpoch = new Map(); // epoch -> {params, grad_norms}: what the scrubber replays
    this.index = new Map(); // epoch number -> position in the arrays above
    this.lastParams = null;
    this.final = null;
    this.points = inlinePoints(config);
    const hasVal = (config?.validation_split ?? 0) > 0;
    const lossSeries = [{ label: "loss" }, { label: "val_loss", dash: [6, 4], show: hasVal }, { label: "loss (EMA)", width: 2.5, color: "#CC79A7", show: false }, { label: "epoch", kind: "scatter", color: "#444444", size: 10, legend: false }];
    this.charts.loss = new XYChart(this.els.loss, {
      title: "Loss per epoch", xlabel: "epoch", ylabel: "loss", yLog: this.yLog, zoom: true,
      series: lossSeries, hooks: readoutHooks(this.els.lossReadout, "epoch"),
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
    this.els.landscapePanel.hidden = true; // until the worker sends a grid
    this.landscape.reset();
    this.els.params.replaceChildren();
    this.draw();
  }

  setYLog(on) {
    this.yLog = on;
    this.charts.loss?.setYLog(on);
  }

  /** EMA smoothing of the loss curve, 0 (off) to 0.99, as TensorBoard's slider. */
  setSmoothing(weight) {
    this.smoothing = weight;
    this.charts.loss?.setShown(2, weight > 0);
    this.schedule();
  }

  /** The scrubber: mark epoch `epoch` everywhere (null follows the run again). */
  setEpoch(epoch) {
    this.marked = epoch;
    this.landscape.setEpoch(epoch ?? Infinity);
    this.schedule();
  }

  /** The landscape of a restored run, at once (its events carried it as the run went). */
  async loadLandscape(runId) {
    try {
      const body = await api.landscape(runId);
      if (!body.landscape) return;
      this.landscape.load(body);
      this.els.landscapePanel.hidden = false;
      this.landscape.draw();
    } catch { /* the landscape is extra: the other charts stand without it */ }
  }

  takeLandscape(event) {
    if (event.landscape) {
      this.els.landscapePanel.hidden = false;
      this.landscape.setGrid(event.landscape);
    }
    if (event.landscape_point) this.landscape.addPoint(event.epoch ?? 0, event.landscape_point);
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
    if (event.params) this.byEpoch.set(event.epoch, { params: event.params, grad_norms: event.grad_norms });
    this.takeLandscape(event);
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
    if (event.landscape_point) this.landscape.addPoint(event.epoch, event.landscape_point);
    this.byEpoch.set(event.epoch, { params: event.params, grad_norms: event.grad_norms });
    if (i === this.epochs.length - 1 && !this.lastParams) this.lastParams = event.params;
    this.schedule();
  }

  /** The done event: draw the server's own predictions (exact, and the true line if known). */
  finish(done) {
    this.final = done;
    if (done?.params) this.lastParams = done.params;
    if (done?.landscape) this.takeLandscape({ landscape: done.landscape });
    this.schedule();
  }

  schedule() {
    this.frames.schedule();
  }

  draw() {
    const { loss, fit } = this.charts;
    const mark = this.markIndex();
    const at = (ys) => (mark === null ? { x: [], y: [] } : { x: [this.epochs[mark]], y: [ys[mark]] });
    loss?.setData([
      { x: this.epochs, y: this.loss },
      { x: this.epochs, y: this.valLoss },
      { x: this.epochs, y: this.smoothing > 0 ? ema(this.loss, this.smoothing) : [] },
      at(this.loss),
    ]);
    this.drawParams(mark);
    if (fit) this.drawFit(fit);
    if (!this.els.landscapePanel.hidden) this.landscape.draw();
  }

  /** Position of the scrubber's epoch in the arrays, or null when following the run. */
  markIndex() {
    if (this.marked === null) return null;
    return this.index.get(this.marked) ?? null;
  }

  /** {params, grad_norms} of an epoch (null: the latest), for the graph's live values. */
  valuesAt(epoch) {
    const last = this.epochs[this.epochs.length - 1];
    return this.byEpoch.get(epoch ?? last) ?? null;
  }

  drawParams(mark = null) {
    const labels = [...this.traces.keys()];
    if (!labels.length) return;
    const data = labels.map((l) => ({ x: this.epochs, y: this.traces.get(l) }));
    if (mark !== null) data.push(...labels.map((l) => ({ x: [this.epochs[mark]], y: [this.traces.get(l)[mark]] })));
    const chart = this.charts.params;
    if (!chart || chart.defs.length !== labels.length * 2) {
      chart?.destroy();
      this.charts.params = new XYChart(this.els.params, {
        title: "Parameters per epoch", xlabel: "epoch", ylabel: "value", zoom: true,
        hooks: readoutHooks(this.els.paramsReadout, "epoch"),
        series: [...labels.map((label) => ({ label })), ...labels.map((label, k) => ({ label: `${label} at the epoch`, kind: "scatter", size: 9, color: PALETTE[k % PALETTE.length], legend: false }))],
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

  destroy() {
    this.frames.cancel();
    Object.values(this.charts).forEach((c) => c?.destroy());
    this.charts = {};
  }
}
