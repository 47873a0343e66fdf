// Charts on top of uPlot (vendored ES module). Everything is drawn in uPlot's "mode 2"
// (each series has its own x and y arrays), because program plots and training views mix
// lines and scatters whose x values do not line up.

import uPlot from "../vendor/uplot/uPlot.esm.js";
import { plottable } from "./api.js";
import { h } from "./dom.js";

// Okabe–Ito: distinguishable with the common colour-vision deficiencies, fine on projectors.
export const PALETTE = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#444444", "#F0E442"];

const large = () => document.documentElement.classList.contains("large-text");
const font = (px, weight = "") => `${weight} ${large() ? Math.round(px * 1.3) : px}px system-ui, -apple-system, "Segoe UI", sans-serif`;

// uPlot's own ranges fail on a single point or no finite point at all (the first epoch of a
// run, a series of NaN): its axis code then throws. These never return an empty span.
function linearRange(pad) {
  return (u, min, max) => {
    if (!Number.isFinite(min) || !Number.isFinite(max)) return [0, 1];
    if (min === max) {
      const d = Math.abs(min) * 0.1 || 1;
      return [min - d, max + d];
    }
    return pad ? uPlot.rangeNum(min, max, 0.1, true) : [min, max];
  };
}
function logRange(u, min, max) {
  if (!(min > 0) || !(max > 0) || !Number.isFinite(min) || !Number.isFinite(max)) return [0.1, 1];
  if (min === max) return [min / 10, max * 10];
  return uPlot.rangeLog(min, max, 10, true);
}

/** uPlot path builder for bars in mode 2: one rectangle from 0 to y per point. */
function barPaths(u, seriesIdx, idx0, idx1) {
  const [xs, ys] = u.data[seriesIdx];
  const sx = u.scales.x;
  const sy = u.scales.y;
  const px = (v) => u.valToPos(v, "x", true);
  const py = (v) => u.valToPos(v, "y", true);
  let step = Infinity;
  for (let i = 1; i < xs.length; i++) step = Math.min(step, Math.abs(xs[i] - xs[i - 1]) || Infinity);
  if (!Number.isFinite(step)) step = (sx.max - sx.min) / 10 || 1;
  const half = Math.max(1, (px(step) - px(0)) * 0.4);
  const base = py(Math.max(sy.min, Math.min(sy.max, 0)));
  const path = new Path2D();
  for (let i = idx0; i <= idx1; i++) {
    if (ys[i] === null) continue;
    const x = px(xs[i]);
    const y = py(ys[i]);
    path.rect(x - half, Math.min(y, base), 2 * half, Math.abs(base - y));
  }
  return { stroke: path, fill: path };
}

function seriesOptions(def, i) {
  const color = def.color || PALETTE[i % PALETTE.length];
  const common = { label: def.label || `series ${i + 1}`, stroke: color, show: def.show !== false };
  if (def.kind === "scatter") {
    return { ...common, fill: `${color}cc`, width: 0, paths: uPlot.paths.points(),
      points: { show: true, size: def.size || 7, width: 0, fill: `${color}cc`, stroke: color } };
  }
  if (def.kind === "bar" || def.kind === "hist") {
    return { ...common, fill: `${color}99`, width: 1, paths: barPaths, points: { show: false } };
  }
  return { ...common, width: def.width || 2, dash: def.dash, paths: uPlot.paths.linear(),
    points: { show: def.points ?? false, size: def.pointSize || 6, fill: color, stroke: color } };
}

/**
 * A responsive chart. `series` is a list of {label, kind: "line"|"scatter"|"bar", color, dash};
 * `setData` takes one {x, y} per series (numbers, or the API's "NaN"/"Infinity" strings).
 */
export class XYChart {
  constructor(container, { title = "", xlabel = "", ylabel = "", yLog = false, height = 260, series = [], xRange = null, xPad = false, ariaLabel, zoom = false, hooks = null } = {}) {
    this.container = container;
    // zoom: drag across the plot to zoom the x axis, double-click to see all again; the zoom
    // survives setData (live charts keep their window). hooks: uPlot hooks (hover read-outs).
    this.opts = { title, xlabel, ylabel, yLog, height, xRange, xPad, zoom, hooks };
    this.xZoom = null;
    this.defs = series;
    this.data = series.map(() => ({ x: [], y: [] }));
    this.wrap = h("div", { class: "chart", role: "img", "aria-label": ariaLabel || title || "chart" });
    container.append(this.wrap);
    this.fontState = large();
    this.build();
    this.resizeObserver = new ResizeObserver(() => this.resize());
    this.resizeObserver.observe(this.wrap);
  }

  width() {
    return Math.max(200, Math.floor(this.wrap.clientWidth || this.container.clientWidth || 400));
  }

  build() {
    this.plot?.destroy();
    const axis = (label) => ({
      label, stroke: "#1f2328", font: font(12), labelFont: font(13, "600"),
      grid: { stroke: "#e6e8eb", width: 1 }, ticks: { stroke: "#d0d7de", width: 1 },
    });
    const opts = {
      mode: 2,
      width: this.width(),
      height: large() ? Math.round(this.opts.height * 1.15) : this.opts.height,
      title: this.opts.title || undefined,
      // Mode 2 has no "value under the cursor" per series, so the legend is a plain key.
      legend: { show: this.defs.length > 1 || Boolean(this.defs[0]?.label), live: false },
      cursor: { drag: { x: this.opts.zoom, y: false, setScale: false }, points: { show: false } },
      hooks: this.hooks(),
      scales: {
        x: { time: false, range: this.opts.xRange || linearRange(this.opts.xPad) },
        y: this.opts.yLog ? { distr: 3, log: 10, range: logRange } : { auto: true, range: linearRange(true) },
      },
      axes: [axis(this.opts.xlabel), axis(this.opts.ylabel)],
      series: [{}, ...this.defs.map(seriesOptions)],
    };
    this.plot = new uPlot(opts, this.uplotData(), this.wrap);
    // Series marked legend: false (markers such as the scrubber's epoch) stay out of the key.
    const rows = this.wrap.querySelectorAll(".u-legend .u-series");
    const first = rows.length > this.defs.length ? 1 : 0; // a row for x or not (mode 2: not)
    this.defs.forEach((d, i) => { if (d.legend === false && rows[i + first]) rows[i + first].hidden = true; });
    if (this.opts.zoom) {
      this.plot.over.addEventListener("dblclick", () => { this.xZoom = null; this.plot.setData(this.uplotData()); });
      this.applyZoom();
    }
  }

  hooks() {
    const hooks = { ...(this.opts.hooks || {}) };
    if (this.opts.zoom) {
      hooks.setSelect = [...(hooks.setSelect || []), (u) => {
        if (u.select.width > 4) {
          this.xZoom = [u.posToVal(u.select.left, "x"), u.posToVal(u.select.left + u.select.width, "x")];
          this.applyZoom();
        }
        u.setSelect({ left: 0, top: 0, width: 0, height: 0 }, false);
      }];
    }
    return hooks;
  }

  applyZoom() {
    if (this.xZoom) this.plot.setScale("x", { min: this.xZoom[0], max: this.xZoom[1] });
  }

  /** Show or hide series `i` (its legend entry too). */
  setShown(i, on) {
    if (!this.defs[i]) return;
    this.defs[i] = { ...this.defs[i], show: on };
    this.plot.setSeries(i + 1, { show: on });
  }

  uplotData() {
    const log = this.opts.yLog;
    return [null, ...this.data.map(({ x, y }) => {
      const xs = [];
      const ys = [];
      for (let i = 0; i < Math.min(x.length, y.length); i++) {
        const xv = plottable(x[i]);
        let yv = plottable(y[i]);
        if (log && yv !== null && yv <= 0) yv = null; // log axis: no place for 0 or below
        if (xv === null) continue;
        xs.push(xv);
        ys.push(yv);
      }
      return [xs, ys];
    })];
  }

  /** Replace every series' points: `data` is one {x, y} per series, in series order. */
  setData(data) {
    this.data = this.defs.map((_, i) => data[i] || { x: [], y: [] });
    this.plot.setData(this.uplotData());
    this.applyZoom();
  }

  /** Change the series list (labels, kinds) and data together. */
  setSeries(series, data) {
    this.defs = series;
    this.data = series.map((_, i) => data?.[i] || { x: [], y: [] });
    this.build();
  }

  setYLog(on) {
    this.opts.yLog = on;
    this.build();
  }

  setXRange(range) {
    this.opts.xRange = range;
    this.build();
  }

  resize() {
    if (!this.plot) return;
    if (this.fontState !== large()) {
      this.fontState = large();
      this.build();
      return;
    }
    const width = this.width();
    if (width !== this.plot.width) this.plot.setSize({ width, height: this.plot.height });
  }

  destroy() {
    this.resizeObserver.disconnect();
    this.plot?.destroy();
    this.wrap.remove();
  }
}

/** Draw one figure of a program (plt.plot / plt.scatter / plt.bar calls) as a chart. */
export function renderFigure(container, figure) {
  const series = (figure.series || []).map((s, i) => ({
    label: s.label || `${s.kind || "line"} ${i + 1}`,
    kind: s.kind === "scatter" ? "scatter" : s.kind === "bar" || s.kind === "hist" ? "bar" : "line",
  }));
  const title = figure.title || `Figure ${(figure.index ?? 0) + 1}`;
  const chart = new XYChart(container, {
    title, xlabel: figure.xlabel || "", ylabel: figure.ylabel || "", series, xPad: series.some((s) => s.kind !== "line"),
    ariaLabel: `${title}: ${series.map((s) => `${s.kind} ${s.label}`).join(", ")}`,
  });
  chart.setData((figure.series || []).map((s) => ({ x: s.x || [], y: s.y || [] })));
  return chart;
}
