// What users expect of a training chart beyond the curve: an EMA-smoothed copy (TensorBoard's
// smoothing slider), a hover read-out of every series at the cursor, and the chart as a PNG or
// an SVG file. Works on charts.js's XYChart (uPlot in mode 2: each series its own x and y).

import { PALETTE } from "./charts.js";
import { downloadBlob, formatNumber, h } from "./dom.js";

/** `draw` at most once per animation frame, however often `schedule()` is called in it
 *  (a fast run, or a long history restored at once). */
export class FrameScheduler {
  constructor(draw) {
    this.draw = draw;
    this.frame = 0;
  }

  schedule() {
    if (this.frame) return;
    this.frame = window.requestAnimationFrame(() => {
      this.frame = 0;
      this.draw();
    });
  }

  cancel() {
    window.cancelAnimationFrame(this.frame);
    this.frame = 0;
  }
}

/** TensorBoard's smoothing: an exponential moving average with weight `w` (0..1), debiased
 *  so the first points are not pulled toward 0. Non-finite values are skipped (null). */
export function ema(values, w) {
  let last = 0;
  let n = 0;
  return values.map((v) => {
    if (!Number.isFinite(v)) return null;
    last = last * w + (1 - w) * v;
    n += 1;
    return last / (1 - w ** n);
  });
}

function nearest(xs, x) {
  let best = -1;
  for (let i = 0; i < xs.length; i++) if (best < 0 || Math.abs(xs[i] - x) < Math.abs(xs[best] - x)) best = i;
  return best;
}

/** uPlot hooks that write the values under the cursor into `el` ("epoch 12: loss 0.31 · ..."). */
export function readoutHooks(el, xname) {
  if (!el) return null;
  return {
    setCursor: [(u) => {
      const left = u.cursor.left;
      if (left === null || left < 0) { el.textContent = ""; return; }
      const x = u.posToVal(left, "x");
      const parts = [];
      let at = null;
      u.series.forEach((s, i) => {
        if (i === 0 || !s.show || !u.data[i]) return;
        const [xs, ys] = u.data[i];
        const k = nearest(xs, x);
        if (k < 0 || ys[k] === null || ys[k] === undefined || xs.length < 2) return;
        at ??= xs[k];
        parts.push(`${s.label} ${formatNumber(ys[k], 5)}`);
      });
      el.textContent = at === null ? "" : `${xname} ${formatNumber(at)}: ${parts.join(" · ")}`;
    }],
  };
}

/** The chart as a PNG: its title and its canvas on white, at the screen's pixel ratio. */
export function chartPng(canvas, title, filename) {
  const ratio = window.devicePixelRatio || 1;
  const head = title ? Math.round(28 * ratio) : 0;
  const out = h("canvas", { width: String(canvas.width), height: String(canvas.height + head) });
  const ctx = out.getContext("2d");
  ctx.fillStyle = "#fff";
  ctx.fillRect(0, 0, out.width, out.height);
  if (title) {
    ctx.fillStyle = "#1f2328";
    ctx.font = `600 ${Math.round(15 * ratio)}px system-ui, sans-serif`;
    ctx.textAlign = "center";
    ctx.fillText(title, out.width / 2, 20 * ratio);
  }
  ctx.drawImage(canvas, 0, head);
  out.toBlob((blob) => blob && downloadBlob(filename, blob), "image/png");
}

const esc = (text) => String(text).replace(/[&<>"]/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" })[c]);

/** An XYChart as a real SVG (lines, points, axes with ticks, legend), from its scales and data. */
export function chartSvgText(chart) {
  const u = chart.plot;
  const ratio = window.devicePixelRatio || 1;
  const box = { left: u.bbox.left / ratio, top: u.bbox.top / ratio, width: u.bbox.width / ratio, height: u.bbox.height / ratio };
  const width = Math.round(box.left + box.width + 20);
  const legendY = box.top + box.height + 44;
  const height = Math.round(legendY + 20);
  const px = (v) => box.left + u.valToPos(v, "x");
  const py = (v) => box.top + u.valToPos(v, "y");
  const parts = [`<rect width="${width}" height="${height}" fill="#fff"/>`];
  parts.push(`<text x="${width / 2}" y="16" text-anchor="middle" font-weight="600" font-size="14">${esc(chart.opts.title)}</text>`);
  parts.push(`<rect x="${box.left}" y="${box.top}" width="${box.width}" height="${box.height}" fill="none" stroke="#d0d7de"/>`);
  const ticks = (scale, log) => {
    const { min, max } = u.scales[scale];
    return [0, 0.25, 0.5, 0.75, 1].map((k) => (log && min > 0 ? min * (max / min) ** k : min + (max - min) * k));
  };
  for (const v of ticks("x")) parts.push(`<text x="${px(v)}" y="${box.top + box.height + 16}" text-anchor="middle" font-size="11">${formatNumber(v)}</text>`);
  for (const v of ticks("y", chart.opts.yLog)) parts.push(`<text x="${box.left - 4}" y="${py(v) + 4}" text-anchor="end" font-size="11">${formatNumber(v)}</text>`);
  parts.push(`<text x="${box.left + box.width / 2}" y="${box.top + box.height + 32}" text-anchor="middle" font-size="12">${esc(chart.opts.xlabel)}</text>`);
  parts.push(`<text transform="translate(12 ${box.top + box.height / 2}) rotate(-90)" text-anchor="middle" font-size="12">${esc(chart.opts.ylabel)}</text>`);
  let legendX = box.left;
  chart.defs.forEach((def, i) => {
    const s = u.series[i + 1];
    if (!s?.show) return;
    const [xs, ys] = u.data[i + 1] || [[], []];
    const color = def.color || PALETTE[i % PALETTE.length];
    const pts = xs.map((x, k) => [x, ys[k]]).filter(([, y]) => y !== null && Number.isFinite(py(y)));
    if (def.kind === "scatter") {
      for (const [x, y] of pts) parts.push(`<circle cx="${px(x).toFixed(1)}" cy="${py(y).toFixed(1)}" r="${(def.size || 7) / 2}" fill="${color}"/>`);
    } else if (pts.length) {
      const d = pts.map(([x, y], k) => `${k ? "L" : "M"}${px(x).toFixed(1)} ${py(y).toFixed(1)}`).join("");
      parts.push(`<path d="${d}" fill="none" stroke="${color}" stroke-width="${def.width || 2}"${def.dash ? ` stroke-dasharray="${def.dash.join(" ")}"` : ""}/>`);
    }
    if (def.legend === false) return;
    parts.push(`<rect x="${legendX}" y="${legendY - 9}" width="10" height="10" fill="${color}"/><text x="${legendX + 14}" y="${legendY}" font-size="11">${esc(def.label)}</text>`);
    legendX += 24 + 7 * String(def.label).length;
  });
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="system-ui, sans-serif">${parts.join("")}</svg>`;
}

export function chartSvg(chart, filename) {
  downloadBlob(filename, new Blob([chartSvgText(chart)], { type: "image/svg+xml" }));
}
