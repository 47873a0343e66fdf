// TensorBoard's distributions and histograms, from the histograms the worker adds to every
// epoch event (or GET /api/runs/{id}/histograms for a restored run): pick a parameter or its
// gradient; one chart shows how its values spread over the epochs (min, quartiles, median,
// max, estimated from the bins), the other its histogram at the scrubber's epoch (or the last).

import { api, num } from "./api.js";
import { XYChart } from "./charts.js";
import { h } from "./dom.js";
import { FrameScheduler, readoutHooks } from "./chart-tools.js";

const QUANTILES = [0, 0.25, 0.5, 0.75, 1];
const QUANTILE_LABELS = ["min", "25%", "median", "75%", "max"];

/** The value below which a fraction `q` of a histogram's counts lie (linear within a bin). */
export function quantile(hist, q) {
  const counts = hist.counts;
  const total = counts.reduce((s, c) => s + c, 0);
  const lo = num(hist.min);
  const hi = num(hist.max);
  if (!total || hist.min === null) return null;
  if (q <= 0) return lo;
  if (q >= 1) return hi;
  const width = (hi - lo) / counts.length;
  let seen = 0;
  for (let i = 0; i < counts.length; i++) {
    if (seen + counts[i] >= q * total && counts[i] > 0) return lo + width * (i + (q * total - seen) / counts[i]);
    seen += counts[i];
  }
  return hi;
}

export class HistogramView {
  constructor({ panel, select, spread, single, readout }) {
    this.els = { panel, select, spread, single, readout };
    this.charts = {};
    this.marked = null;
    this.frames = new FrameScheduler(() => this.draw());
    select.addEventListener("change", () => this.draw());
    this.reset();
  }

  reset() {
    this.frames.cancel();
    Object.values(this.charts).forEach((c) => c.destroy());
    this.charts = {};
    this.epochs = [];
    this.byEpoch = new Map(); // epoch -> {params: {name: hist}, grads: {name: hist|null}}
    this.els.panel.hidden = true;
    this.els.select.replaceChildren();
  }

  add(epoch, histograms) {
    if (!histograms || this.byEpoch.has(epoch)) return;
    this.byEpoch.set(epoch, histograms);
    this.epochs.push(epoch);
    if (epoch < this.epochs[this.epochs.length - 2]) this.epochs.sort((a, b) => a - b); // a replay
    if (this.els.panel.hidden) this.open(histograms);
    this.schedule();
  }

  schedule() {
    this.frames.schedule();
  }

  /** A restored run: every epoch's histograms in one request (thinned by the server). */
  async load(runId) {
    try {
      const body = await api.histograms(runId);
      body.epochs.forEach((epoch, k) => {
        const pick = (group) => Object.fromEntries(Object.entries(body[group]).map(([n, hs]) => [n, hs[k]]));
        this.add(epoch, { params: pick("params"), grads: pick("grads") });
      });
      this.epochs.sort((a, b) => a - b);
      this.draw();
    } catch { /* extra: the other charts stand without it */ }
  }

  open(first) {
    const options = [];
    for (const group of ["params", "grads"]) {
      for (const name of Object.keys(first[group] || {})) {
        options.push(h("option", { value: `${group}:${name}` }, group === "params" ? name : `∇ ${name} (gradient)`));
      }
    }
    this.els.select.replaceChildren(...options);
    this.els.panel.hidden = false;
    this.charts.spread = new XYChart(this.els.spread, {
      title: "Distribution over epochs", xlabel: "epoch", ylabel: "value", zoom: true,
      hooks: readoutHooks(this.els.readout, "epoch"),
      series: QUANTILE_LABELS.map((label, i) => ({ label, width: i === 2 ? 2.5 : 1.2, dash: i === 0 || i === 4 ? [4, 3] : undefined, color: ["#56B4E9", "#0072B2", "#D55E00", "#0072B2", "#56B4E9"][i] })),
      ariaLabel: "Quantiles of the chosen tensor's values per epoch",
    });
    this.charts.single = new XYChart(this.els.single, {
      title: "Histogram", xlabel: "value", ylabel: "count", xPad: true,
      series: [{ label: "count", kind: "bar", color: "#0072B2" }],
      ariaLabel: "Histogram of the chosen tensor's values at one epoch",
    });
  }

  setEpoch(epoch) {
    this.marked = epoch;
    this.draw();
  }

  draw() {
    if (this.els.panel.hidden || !this.els.select.value) return;
    const [group, name] = this.els.select.value.split(/:(.*)/s);
    const series = QUANTILES.map(() => ({ x: [], y: [] }));
    for (const epoch of this.epochs) {
      const hist = this.byEpoch.get(epoch)?.[group]?.[name];
      if (!hist) continue;
      QUANTILES.forEach((q, i) => { series[i].x.push(epoch); series[i].y.push(quantile(hist, q)); });
    }
    this.charts.spread.setData(series);
    const at = this.marked !== null && this.byEpoch.has(this.marked) ? this.marked : this.epochs[this.epochs.length - 1];
    const hist = this.byEpoch.get(at)?.[group]?.[name];
    this.els.panel.dataset.epoch = String(at ?? "");
    if (!hist || hist.min === null) { this.charts.single.setData([{ x: [], y: [] }]); return; }
    const lo = num(hist.min);
    const width = (num(hist.max) - lo) / hist.counts.length;
    this.els.single.querySelector(".u-title")?.replaceChildren(`Histogram at epoch ${at}`);
    if (!(width > 0)) { // one value (a scalar, or all equal): one bar at it
      this.charts.single.setData([{ x: [lo], y: [hist.counts.reduce((s, c) => s + c, 0)] }]);
      return;
    }
    const xs = hist.counts.map((_, i) => lo + width * (i + 0.5));
    this.charts.single.setData([{ x: xs, y: hist.counts }]);
  }

  get chartList() {
    return Object.values(this.charts);
  }
}
