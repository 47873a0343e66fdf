// The loss landscape the worker computes (GET /api/runs/{id}/landscape, or the `landscape`
// grids and `landscape_point`s of the epoch events): a curve over one parameter, or a contour
// map over two (e.g. w and b of nn.Linear(1, 1)), with the optimizer's path drawn on it as the
// epochs arrive. A random slice (kind "random") has axes alpha/beta and no path.
//
// The contour map is a canvas: a colour field of log(loss − min + ε) and iso-lines from
// marching squares at evenly spaced levels of that same scale (a bowl's walls are steep, so a
// linear scale would show one colour and a dot). The container carries data-grid,
// data-path-points and data-contour-levels for tests and for the curious.

import { num } from "./api.js";
import { XYChart } from "./charts.js";
import { chartSvg } from "./chart-tools.js";
import { downloadBlob, formatNumber, h } from "./dom.js";

const LEVELS = 12;
const HEIGHT = 300;
const PAD = { left: 56, right: 12, top: 12, bottom: 40 };

// viridis-like ramp from dark blue (low) to yellow (high): readable for colour-blind eyes.
const RAMP = [[68, 1, 84], [59, 82, 139], [33, 145, 140], [94, 201, 98], [253, 231, 37]];
function colour(t) {
  const x = Math.max(0, Math.min(1, t)) * (RAMP.length - 1);
  const i = Math.min(RAMP.length - 2, Math.floor(x));
  const f = x - i;
  return RAMP[i].map((c, k) => Math.round(c + (RAMP[i + 1][k] - c) * f));
}

/** Iso-line segments of `field` (rows × cols, row j at y j) at `level`, in grid units. */
export function marchingSquares(field, level) {
  const segments = [];
  for (let j = 0; j + 1 < field.length; j++) {
    for (let i = 0; i + 1 < field[j].length; i++) {
      const v = [field[j][i], field[j][i + 1], field[j + 1][i + 1], field[j + 1][i]];
      if (v.some((a) => !Number.isFinite(a))) continue;
      const corners = [[i, j], [i + 1, j], [i + 1, j + 1], [i, j + 1]];
      const cuts = [];
      for (let e = 0; e < 4; e++) {
        const a = v[e];
        const b = v[(e + 1) % 4];
        if ((a < level) === (b < level)) continue;
        const t = (level - a) / (b - a);
        const [x0, y0] = corners[e];
        const [x1, y1] = corners[(e + 1) % 4];
        cuts.push([x0 + (x1 - x0) * t, y0 + (y1 - y0) * t]);
      }
      for (let k = 0; k + 1 < cuts.length; k += 2) segments.push([cuts[k], cuts[k + 1]]);
    }
  }
  return segments;
}

export class LandscapeView {
  constructor(container) {
    this.path = []; // {epoch, at: [..], loss}
    this.epochsSeen = new Set();
    this.grid = null;
    this.container = container;
    this.upTo = Infinity; // the scrubber's epoch: the path is drawn up to it
    this.curve = null;
    this.canvas = null;
    this.readout = null;
  }

  reset() {
    this.curve?.destroy();
    this.curve = null;
    this.grid = null;
    this.path = [];
    this.epochsSeen = new Set();
    this.upTo = Infinity;
    this.container.replaceChildren(h("p", { class: "placeholder", text: "The landscape appears with the first epoch." }));
    this.container.dataset.pathPoints = "0";
    delete this.container.dataset.grid;
  }

  /** The whole landscape at once (a restored run): {landscape, path} from the REST route. */
  load(body) {
    if (body?.landscape) this.setGrid(body.landscape);
    this.path = (body?.path || []).map((p) => ({ epoch: p.epoch, at: p.at.map(num), loss: num(p.loss) }));
    this.epochsSeen = new Set(this.path.map((p) => p.epoch));
    this.draw();
  }

  setGrid(grid) {
    const first = !this.grid || this.grid.dims !== grid.dims;
    this.grid = grid;
    if (first) this.build();
    if (!this.epochsSeen?.has(0) && grid.start) {
      this.path.push({ epoch: 0, at: grid.start.map(num), loss: num(grid.start_loss) });
      this.epochsSeen.add(0);
    }
  }

  /** One epoch's point of the path (the epoch event's landscape_point). */
  addPoint(epoch, point) {
    if (!point) return;
    const at = point.at.map(num);
    const entry = { epoch, at, loss: num(point.loss) };
    if (this.epochsSeen.has(epoch)) this.path[this.path.findIndex((p) => p.epoch === epoch)] = entry;
    else this.path.push(entry);
    this.epochsSeen.add(epoch);
  }

  setEpoch(epoch) {
    this.upTo = epoch;
    this.draw();
  }

  visiblePath() {
    return this.path.filter((p) => p.epoch <= this.upTo).sort((a, b) => a.epoch - b.epoch);
  }

  build() {
    this.curve?.destroy();
    this.curve = null;
    this.container.replaceChildren();
    const [ax, ay] = this.grid.axes;
    if (this.grid.dims === 1) {
      const title = this.grid.kind === "random" ? "Loss along a random direction" : `Loss as a function of ${ax.name}`;
      this.curve = new XYChart(this.container, {
        title, xlabel: ax.name, ylabel: "loss",
        series: [
          { label: "loss on the training data", kind: "line", color: "#0072B2" },
          { label: "optimizer's path", kind: "line", width: 1, color: "#D55E00" },
          { label: "after each epoch", kind: "scatter", color: "#D55E00", size: 7 },
          { label: "start", kind: "scatter", color: "#009E73", size: 11 },
        ],
        ariaLabel: `Curve of the loss against ${ax.name} with the optimizer's steps on it`,
      });
      return;
    }
    this.canvas = h("canvas", {
      class: "contour", role: "img", tabindex: "0",
      "aria-label": `Contour map of the loss over ${ax.name} and ${ay.name} with the optimizer's path`,
    });
    this.readout = h("p", { class: "hint chart-readout", "aria-live": "off", text: "Hover the map to read the loss." });
    this.container.append(this.canvas, this.readout);
    this.canvas.addEventListener("mousemove", (e) => this.hover(e));
    new ResizeObserver(() => this.draw()).observe(this.canvas);
  }

  draw() {
    if (!this.grid) return;
    const path = this.visiblePath();
    this.container.dataset.pathPoints = String(path.length);
    const [ax, ay] = this.grid.axes;
    this.container.dataset.grid = this.grid.dims === 1 ? `${ax.values.length}` : `${ax.values.length}x${ay.values.length}`;
    if (this.grid.dims === 1) return this.drawCurve(path);
    return this.drawContour(path);
  }

  drawCurve(path) {
    const xs = this.grid.axes[0].values.map(num);
    const ys = this.grid.loss.map(num);
    const px = path.map((p) => p.at[0]);
    const py = path.map((p) => p.loss);
    const centre = this.grid.kind === "random" ? { x: [0], y: [ys[Math.floor(ys.length / 2)]] } : { x: px.slice(0, 1), y: py.slice(0, 1) };
    this.curve.setData([{ x: xs, y: ys }, { x: px, y: py }, { x: px, y: py }, centre]);
  }

  /** Pixel mapping of the canvas's plot area. */
  frame() {
    const width = Math.max(240, this.canvas.clientWidth || 400);
    const [ax, ay] = this.grid.axes;
    const xs = ax.values.map(num);
    const ys = ay.values.map(num);
    const x0 = xs[0]; const x1 = xs[xs.length - 1];
    const y0 = ys[0]; const y1 = ys[ys.length - 1];
    const w = width - PAD.left - PAD.right;
    const hgt = HEIGHT - PAD.top - PAD.bottom;
    return {
      width, xs, ys, w, hgt,
      px: (v) => PAD.left + ((v - x0) / (x1 - x0 || 1)) * w,
      py: (v) => PAD.top + hgt - ((v - y0) / (y1 - y0 || 1)) * hgt,
      gx: (i) => PAD.left + (i / (xs.length - 1)) * w,
      gy: (j) => PAD.top + hgt - (j / (ys.length - 1)) * hgt,
    };
  }

  scaled() {
    const loss = this.grid.loss.map((row) => row.map(num));
    const finite = loss.flat().filter(Number.isFinite);
    const lo = Math.min(...finite);
    const hi = Math.max(...finite);
    const eps = (hi - lo) * 1e-4 || 1e-12;
    const field = loss.map((row) => row.map((v) => (Number.isFinite(v) ? Math.log(v - lo + eps) : NaN)));
    const fmin = Math.log(eps);
    const fmax = Math.log(hi - lo + eps);
    return { loss, field, fmin, fmax };
  }

  drawContour(path) {
    const canvas = this.canvas;
    const f = this.frame();
    const ratio = window.devicePixelRatio || 1;
    canvas.width = Math.round(f.width * ratio);
    canvas.height = Math.round(HEIGHT * ratio);
    canvas.style.height = `${HEIGHT}px`;
    const ctx = canvas.getContext("2d");
    ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
    ctx.fillStyle = "#fff";
    ctx.fillRect(0, 0, f.width, HEIGHT);
    const { field, fmin, fmax } = this.scaled();
    const span = fmax - fmin || 1;
    const cw = f.w / (f.xs.length - 1);
    const ch = f.hgt / (f.ys.length - 1);
    for (let j = 0; j < f.ys.length; j++) {
      for (let i = 0; i < f.xs.length; i++) {
        const [r, g, b] = colour((field[j][i] - fmin) / span);
        ctx.fillStyle = Number.isFinite(field[j][i]) ? `rgb(${r},${g},${b})` : "#ccc";
        ctx.fillRect(f.gx(i) - cw / 2, f.gy(j) - ch / 2, cw + 1, ch + 1);
      }
    }
    ctx.save();
    ctx.beginPath();
    ctx.rect(PAD.left, PAD.top, f.w, f.hgt);
    ctx.clip();
    ctx.strokeStyle = "rgba(255,255,255,0.75)";
    ctx.lineWidth = 1;
    let levels = 0;
    for (let k = 1; k < LEVELS; k++) {
      const segments = marchingSquares(field, fmin + (span * k) / LEVELS);
      if (segments.length) levels += 1;
      ctx.beginPath();
      for (const [[xa, ya], [xb, yb]] of segments) {
        ctx.moveTo(PAD.left + (xa / (f.xs.length - 1)) * f.w, f.gy(ya));
        ctx.lineTo(PAD.left + (xb / (f.xs.length - 1)) * f.w, f.gy(yb));
      }
      ctx.stroke();
    }
    this.container.dataset.contourLevels = String(levels);
    this.drawPath(ctx, f, path);
    ctx.restore();
    this.drawAxes(ctx, f);
  }

  drawPath(ctx, f, path) {
    if (this.grid.kind === "random") {
      ctx.fillStyle = "#009E73";
      ctx.beginPath();
      ctx.arc(f.px(0), f.py(0), 6, 0, 2 * Math.PI);
      ctx.fill();
      return;
    }
    ctx.strokeStyle = "#D55E00";
    ctx.lineWidth = 2;
    ctx.beginPath();
    path.forEach((p, k) => (k ? ctx.lineTo(f.px(p.at[0]), f.py(p.at[1])) : ctx.moveTo(f.px(p.at[0]), f.py(p.at[1]))));
    ctx.stroke();
    path.forEach((p, k) => {
      const last = k === path.length - 1;
      ctx.fillStyle = k === 0 ? "#009E73" : last ? "#fff" : "#D55E00";
      ctx.strokeStyle = "#D55E00";
      ctx.beginPath();
      ctx.arc(f.px(p.at[0]), f.py(p.at[1]), k === 0 || last ? 6 : 3, 0, 2 * Math.PI);
      ctx.fill();
      if (last) ctx.stroke();
    });
  }

  drawAxes(ctx, f) {
    const [ax, ay] = this.grid.axes;
    ctx.fillStyle = "#1f2328";
    ctx.font = "12px system-ui, sans-serif";
    ctx.textAlign = "center";
    for (const k of [0, 0.25, 0.5, 0.75, 1]) {
      const v = f.xs[0] + (f.xs[f.xs.length - 1] - f.xs[0]) * k;
      ctx.fillText(formatNumber(v, 3), f.px(v), PAD.top + f.hgt + 14);
    }
    ctx.font = "600 13px system-ui, sans-serif";
    ctx.fillText(ax.name, PAD.left + f.w / 2, HEIGHT - 6);
    ctx.font = "12px system-ui, sans-serif";
    ctx.textAlign = "right";
    for (const k of [0, 0.25, 0.5, 0.75, 1]) {
      const v = f.ys[0] + (f.ys[f.ys.length - 1] - f.ys[0]) * k;
      ctx.fillText(formatNumber(v, 3), PAD.left - 4, f.py(v) + 4);
    }
    ctx.save();
    ctx.translate(12, PAD.top + f.hgt / 2);
    ctx.rotate(-Math.PI / 2);
    ctx.textAlign = "center";
    ctx.font = "600 13px system-ui, sans-serif";
    ctx.fillText(ay.name, 0, 0);
    ctx.restore();
  }

  hover(event) {
    if (!this.grid || this.grid.dims !== 2) return;
    const f = this.frame();
    const rect = this.canvas.getBoundingClientRect();
    const i = Math.round(((event.clientX - rect.left - PAD.left) / f.w) * (f.xs.length - 1));
    const j = Math.round(((PAD.top + f.hgt - (event.clientY - rect.top)) / f.hgt) * (f.ys.length - 1));
    if (i < 0 || j < 0 || i >= f.xs.length || j >= f.ys.length) return;
    const [ax, ay] = this.grid.axes;
    this.readout.textContent = `${ax.name} = ${formatNumber(f.xs[i], 4)}, ${ay.name} = ${formatNumber(f.ys[j], 4)}: loss ${formatNumber(num(this.grid.loss[j][i]), 5)}`;
  }

  /** The chart's image for the export buttons: the canvas (2-D) or the uPlot canvas (1-D). */
  get image() {
    return this.grid?.dims === 2 ? this.canvas : this.curve?.plot?.ctx?.canvas ?? null;
  }

  /** The chart as an SVG file: the curve's (1-D), or the map's cells, iso-lines and path. */
  downloadSvg(filename) {
    if (!this.grid) return;
    if (this.grid.dims === 1) { chartSvg(this.curve, filename); return; }
    const f = this.frame();
    const { field, fmin, fmax } = this.scaled();
    const span = fmax - fmin || 1;
    const cw = f.w / (f.xs.length - 1);
    const ch = f.hgt / (f.ys.length - 1);
    const parts = [`<rect width="${f.width}" height="${HEIGHT}" fill="#fff"/>`];
    field.forEach((row, j) => row.forEach((v, i) => {
      const [r, g, b] = colour((v - fmin) / span);
      parts.push(`<rect x="${(f.gx(i) - cw / 2).toFixed(1)}" y="${(f.gy(j) - ch / 2).toFixed(1)}" width="${(cw + 0.5).toFixed(1)}" height="${(ch + 0.5).toFixed(1)}" fill="${Number.isFinite(v) ? `rgb(${r},${g},${b})` : "#ccc"}"/>`);
    }));
    const lines = [];
    for (let k = 1; k < LEVELS; k++) {
      for (const [[xa, ya], [xb, yb]] of marchingSquares(field, fmin + (span * k) / LEVELS)) {
        lines.push(`M${(PAD.left + (xa / (f.xs.length - 1)) * f.w).toFixed(1)} ${f.gy(ya).toFixed(1)}L${(PAD.left + (xb / (f.xs.length - 1)) * f.w).toFixed(1)} ${f.gy(yb).toFixed(1)}`);
      }
    }
    parts.push(`<path d="${lines.join("")}" stroke="rgba(255,255,255,0.75)" fill="none"/>`);
    const path = this.visiblePath();
    if (path.length) {
      parts.push(`<path d="${path.map((p, k) => `${k ? "L" : "M"}${f.px(p.at[0]).toFixed(1)} ${f.py(p.at[1]).toFixed(1)}`).join("")}" stroke="#D55E00" stroke-width="2" fill="none"/>`);
      path.forEach((p, k) => parts.push(`<circle cx="${f.px(p.at[0]).toFixed(1)}" cy="${f.py(p.at[1]).toFixed(1)}" r="${k ? 3 : 6}" fill="${k ? "#D55E00" : "#009E73"}"/>`));
    }
    const [ax, ay] = this.grid.axes;
    parts.push(`<text x="${PAD.left + f.w / 2}" y="${HEIGHT - 6}" text-anchor="middle" font-size="13">${ax.name}</text>`);
    parts.push(`<text transform="translate(12 ${PAD.top + f.hgt / 2}) rotate(-90)" text-anchor="middle" font-size="13">${ay.name}</text>`);
    for (const k of [0, 0.5, 1]) {
      const vx = f.xs[0] + (f.xs[f.xs.length - 1] - f.xs[0]) * k;
      const vy = f.ys[0] + (f.ys[f.ys.length - 1] - f.ys[0]) * k;
      parts.push(`<text x="${f.px(vx)}" y="${PAD.top + f.hgt + 14}" text-anchor="middle" font-size="11">${formatNumber(vx, 3)}</text>`);
      parts.push(`<text x="${PAD.left - 4}" y="${f.py(vy) + 4}" text-anchor="end" font-size="11">${formatNumber(vy, 3)}</text>`);
    }
    const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${f.width}" height="${HEIGHT}" font-family="system-ui, sans-serif">${parts.join("")}</svg>`;
    downloadBlob(filename, new Blob([svg], { type: "image/svg+xml" }));
  }

  destroy() {
    this.curve?.destroy();
    this.container.replaceChildren();
  }
}
