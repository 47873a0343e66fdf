// A small layered layout, used only when the server sends no SVG (Graphviz missing or timed
// out). It draws the same structure the Graphviz SVG has — <g id="<node id>" class="node"> —
// so styling, search, selection and export work the same on both.
//
// Layering: each node sits one row below its lowest input (longest path from the leaves), so
// data flows top to bottom like torchviz. Within a row, nodes are ordered by the mean position
// of their inputs (one barycentre sweep), which untangles the small graphs of tutorials.

const SVG_NS = "http://www.w3.org/2000/svg";
const CHAR_W = 7.4; // px per character of the 12px monospace label font
const LINE_H = 15;
const PAD_X = 12;
const PAD_Y = 8;
const GAP_X = 28;
const GAP_Y = 46;

function svgEl(tag, attrs = {}) {
  const el = document.createElementNS(SVG_NS, tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v));
  return el;
}

function layers(nodes, edges) {
  const inputs = new Map(nodes.map((n) => [n.id, []]));
  const outputs = new Map(nodes.map((n) => [n.id, []]));
  for (const e of edges) {
    if (!inputs.has(e.target) || !outputs.has(e.source)) continue;
    inputs.get(e.target).push(e.source);
    outputs.get(e.source).push(e.target);
  }
  // Kahn's algorithm; a cycle cannot happen in autograd, but a malformed graph must not hang.
  const pending = new Map(nodes.map((n) => [n.id, inputs.get(n.id).length]));
  const queue = nodes.filter((n) => pending.get(n.id) === 0).map((n) => n.id);
  const layer = new Map(queue.map((id) => [id, 0]));
  while (queue.length) {
    const id = queue.shift();
    for (const next of outputs.get(id)) {
      layer.set(next, Math.max(layer.get(next) ?? 0, layer.get(id) + 1));
      pending.set(next, pending.get(next) - 1);
      if (pending.get(next) === 0) queue.push(next);
    }
  }
  for (const n of nodes) if (!layer.has(n.id)) layer.set(n.id, 0);
  return { layer, inputs };
}

/** Build an <svg> element for `graph` ({nodes, edges}). */
export function layoutSvg(graph) {
  const nodes = graph.nodes || [];
  const edges = graph.edges || [];
  const { layer, inputs } = layers(nodes, edges);

  const size = new Map();
  for (const n of nodes) {
    const lines = String(n.label || n.op || n.id).split("\n");
    const width = Math.max(...lines.map((l) => l.length)) * CHAR_W + 2 * PAD_X;
    size.set(n.id, { lines, w: Math.max(width, 48), h: lines.length * LINE_H + 2 * PAD_Y });
  }

  const rows = [];
  for (const n of nodes) (rows[layer.get(n.id)] ||= []).push(n.id);
  const order = new Map();
  rows.forEach((row, r) => {
    if (r > 0) {
      const bary = (id) => {
        const ins = inputs.get(id).filter((p) => order.has(p));
        return ins.length ? ins.reduce((s, p) => s + order.get(p), 0) / ins.length : Infinity;
      };
      row.sort((a, b) => bary(a) - bary(b));
    }
    row.forEach((id, i) => order.set(id, i));
  });

  // Place rows top to bottom, each centred on the widest row.
  const rowWidth = rows.map((row) => row.reduce((s, id) => s + size.get(id).w, 0) + GAP_X * (row.length - 1));
  const width = Math.max(100, ...rowWidth) + 2 * GAP_X;
  const pos = new Map();
  let y = GAP_X / 2;
  rows.forEach((row, r) => {
    const rowH = Math.max(...row.map((id) => size.get(id).h));
    let x = (width - rowWidth[r]) / 2;
    for (const id of row) {
      const s = size.get(id);
      pos.set(id, { x, y: y + (rowH - s.h) / 2, ...s });
      x += s.w + GAP_X;
    }
    y += rowH + GAP_Y;
  });
  const height = y - GAP_Y + GAP_X / 2;

  const svg = svgEl("svg", { xmlns: SVG_NS, viewBox: `0 0 ${width} ${height}`, width, height });
  const defs = svgEl("defs");
  // userSpaceOnUse: the arrowhead keeps its size when an edge is drawn thicker (trace playback).
  const marker = svgEl("marker", { id: "gt-arrow", viewBox: "0 0 10 10", refX: 9, refY: 5, markerWidth: 7, markerHeight: 7, markerUnits: "userSpaceOnUse", orient: "auto-start-reverse" });
  marker.append(svgEl("path", { d: "M0,0 L10,5 L0,10 z", fill: "#555" }));
  defs.append(marker);
  const root = svgEl("g", { class: "graph" });
  svg.append(defs, root);

  for (const e of edges) {
    const a = pos.get(e.source);
    const b = pos.get(e.target);
    if (!a || !b) continue;
    const x1 = a.x + a.w / 2;
    const y1 = a.y + a.h;
    const x2 = b.x + b.w / 2;
    const y2 = b.y;
    // data-source/data-target name the ends for trace playback (as Graphviz's <title> "a->b").
    const g = svgEl("g", { class: "edge", id: e.id || `e_${e.source}_${e.target}`, "data-source": e.source, "data-target": e.target });
    const mid = (y1 + y2) / 2;
    g.append(svgEl("path", { d: `M${x1},${y1} C${x1},${mid} ${x2},${mid} ${x2},${y2}`, fill: "none", stroke: "#555", "marker-end": "url(#gt-arrow)" }));
    root.append(g);
  }
  for (const n of nodes) {
    const p = pos.get(n.id);
    const g = svgEl("g", { class: "node", id: n.id });
    const title = svgEl("title");
    title.textContent = n.op || n.id;
    // Leaves are boxes, ops rounded pills: distinct even without colour.
    const rx = n.kind === "op" ? p.h / 2 : 3;
    g.append(title, svgEl("rect", { x: p.x, y: p.y, width: p.w, height: p.h, rx, fill: "#f3f4f6", stroke: "#6b7280" }));
    const text = svgEl("text", { x: p.x + p.w / 2, y: p.y + PAD_Y + 11, "text-anchor": "middle", "font-family": "monospace", "font-size": 12 });
    p.lines.forEach((line, i) => {
      const span = svgEl("tspan", { x: p.x + p.w / 2, dy: i === 0 ? 0 : LINE_H });
      span.textContent = line;
      text.append(span);
    });
    g.append(text);
    root.append(g);
  }
  return svg;
}
