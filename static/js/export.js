// Export the graph of the last run as SVG, PNG, DOT or JSON — all built in the browser from the
// last API result, so exporting never runs the program again.

import { decorate, parseSvg } from "./graph-canvas.js";
import { layoutSvg } from "./graph-layout.js";
import { downloadBlob } from "./dom.js";

// The page styles nodes by kind from app.css; an exported file must carry the same look with
// it. Plain selectors (no :is()) so other SVG viewers and editors understand them too.
const EXPORT_CSS = `
.gt-leaf polygon, .gt-leaf ellipse, .gt-leaf rect, .gt-leaf path { fill: #dbeafe; stroke: #1d4ed8; }
.gt-op polygon, .gt-op ellipse, .gt-op rect, .gt-op path { fill: #f3f4f6; stroke: #6b7280; }
.gt-named polygon, .gt-named ellipse, .gt-named rect, .gt-named path { fill: #dcfce7; stroke: #15803d; }
.gt-root polygon, .gt-root ellipse, .gt-root rect, .gt-root path { stroke-width: 2.5; }
`;

/** Stand-alone SVG text for the graph of `result` ({graph, svg}). */
export function svgForExport(result) {
  const svg = (result.svg && parseSvg(result.svg)) || layoutSvg(result.graph);
  decorate(svg, result.graph, { interactive: false });
  svg.setAttribute("xmlns", "http://www.w3.org/2000/svg");
  const style = document.createElementNS("http://www.w3.org/2000/svg", "style");
  style.textContent = EXPORT_CSS;
  svg.insertBefore(style, svg.firstChild);
  return `<?xml version="1.0" encoding="UTF-8"?>\n${new XMLSerializer().serializeToString(svg)}`;
}

/** Size of an SVG in CSS pixels from its width/height (Graphviz writes "123pt") or viewBox. */
function svgSize(svgText) {
  const svg = new DOMParser().parseFromString(svgText, "image/svg+xml").documentElement;
  const toPx = (value) => {
    const m = /^([\d.]+)(pt|px)?$/.exec(value || "");
    if (!m) return null;
    return Number(m[1]) * (m[2] === "pt" ? 4 / 3 : 1);
  };
  const vb = (svg.getAttribute("viewBox") || "").split(/[\s,]+/).map(Number);
  return {
    width: toPx(svg.getAttribute("width")) || vb[2] || 800,
    height: toPx(svg.getAttribute("height")) || vb[3] || 600,
  };
}

/** Render SVG text to a PNG blob on a canvas (2x for sharp slides), white background. */
export async function pngFromSvg(svgText, scale = 2) {
  const { width, height } = svgSize(svgText);
  const url = URL.createObjectURL(new Blob([svgText], { type: "image/svg+xml" }));
  try {
    const img = new Image();
    img.decoding = "sync";
    await new Promise((resolve, reject) => {
      img.onload = resolve;
      img.onerror = () => reject(new Error("The graph image could not be drawn."));
      img.src = url;
    });
    // Canvas size is limited (~16k px a side in Chromium); huge graphs get a smaller scale.
    const s = Math.min(scale, 16000 / width, 16000 / height);
    const canvas = document.createElement("canvas");
    canvas.width = Math.max(1, Math.round(width * s));
    canvas.height = Math.max(1, Math.round(height * s));
    const ctx = canvas.getContext("2d");
    ctx.fillStyle = "#ffffff";
    ctx.fillRect(0, 0, canvas.width, canvas.height);
    ctx.drawImage(img, 0, 0, canvas.width, canvas.height);
    return await new Promise((resolve, reject) => {
      canvas.toBlob((blob) => (blob ? resolve(blob) : reject(new Error("PNG export failed."))), "image/png");
    });
  } finally {
    URL.revokeObjectURL(url);
  }
}

/** Download the graph of `result` in `format` ("svg" | "png" | "dot" | "json"). */
export async function exportGraph(result, format, basename = "gradtrace-graph") {
  if (format === "svg") {
    downloadBlob(`${basename}.svg`, new Blob([svgForExport(result)], { type: "image/svg+xml" }));
  } else if (format === "png") {
    downloadBlob(`${basename}.png`, await pngFromSvg(svgForExport(result)));
  } else if (format === "dot") {
    downloadBlob(`${basename}.dot`, new Blob([result.dot || ""], { type: "text/vnd.graphviz" }));
  } else if (format === "json") {
    downloadBlob(`${basename}.json`, new Blob([JSON.stringify(result, null, 2)], { type: "application/json" }));
  }
}
