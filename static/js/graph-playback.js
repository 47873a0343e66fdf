// Paints one timeline position onto a drawn autograd graph: which nodes exist at that frame
// (new ones marked), the node running in a backward pass, the gradient on each edge as a label,
// the leaves' .grad filling in, freed saved buffers greyed.
//
// It needs only the structure every renderer here draws (docs/frontend.md, "Playback
// contract"): nodes are <g class="node" id="<node id>">, edges are <g class="edge"> whose ends
// are given by data-source/data-target, else by a Graphviz <title> "a->b", else by an id
// "e_<source>_<target>". Everything it adds is a gt-pb-* class or lives in one overlay group,
// <g class="gt-pb-overlay">, so clear() gives the renderer's picture back untouched.

import { formatNumber } from "./dom.js";

const SVG_NS = "http://www.w3.org/2000/svg";
const NODE_CLASSES = ["gt-pb-absent", "gt-pb-new", "gt-pb-running", "gt-pb-ran", "gt-pb-freed", "gt-pb-held", "gt-pb-line", "gt-pb-grad", "gt-pb-layer2"];
const EDGE_CLASSES = ["gt-pb-absent", "gt-pb-flow", "gt-pb-active"];

/** {source, target} of an edge group, or null when it names neither. */
export function edgeEnds(g, knownIds) {
  if (g.dataset?.source && g.dataset?.target) return { source: g.dataset.source, target: g.dataset.target };
  const title = g.querySelector(":scope > title")?.textContent || "";
  const arrow = title.indexOf("->");
  if (arrow > 0) return { source: title.slice(0, arrow).trim(), target: title.slice(arrow + 2).trim() };
  const m = /^e_(.+)$/.exec(g.id || "");
  if (!m || !knownIds) return null;
  // Ids may hold "_" themselves: take the split whose halves are both node ids.
  const parts = m[1].split("_");
  for (let i = 1; i < parts.length; i++) {
    const source = parts.slice(0, i).join("_");
    const target = parts.slice(i).join("_");
    if (knownIds.has(source) && knownIds.has(target)) return { source, target };
  }
  return null;
}

const pairKey = (a, b) => (a < b ? `${a}|${b}` : `${b}|${a}`);

/** A gradient for an edge label: its value when small, else its shape and norm. */
export function formatGrad(grad) {
  if (grad === null || grad === undefined) return "None";
  if (typeof grad === "number" || typeof grad === "string") return formatNumber(grad);
  const shape = grad.shape || [];
  const shapeText = `(${shape.join(", ")})`;
  const values = grad.values ?? grad.value;
  const flat = Array.isArray(values) ? values.flat(Infinity) : values === undefined || values === null ? [] : [values];
  const numel = shape.reduce((a, b) => a * b, 1);
  if (!grad.truncated && flat.length === numel && numel > 0) {
    const nums = flat.map(Number);
    if (numel === 1) return formatNumber(nums[0]);
    if (nums.every((v) => v === nums[0])) return `${formatNumber(nums[0])} each ${shapeText}`;
    if (numel <= 4) return `[${nums.map((v) => formatNumber(v)).join(", ")}]`;
  }
  const norm = grad.norm ?? (flat.length === numel && numel ? Math.hypot(...flat.map(Number)) : null);
  return norm === null ? shapeText : `${shapeText} ‖g‖=${formatNumber(Number(norm))}`;
}

export class GraphPlayback {
  constructor() {
    this.svg = null;
    this.nodes = new Map(); // id -> <g>
    this.edges = []; // {g, source, target}
    this.overlay = null;
  }

  /** Index a freshly drawn SVG (call after every render). */
  attach(svg) {
    this.svg = svg;
    this.overlay = null;
    if (!svg) { this.nodes = new Map(); this.edges = []; this.byPair = new Map(); return; }
    this.nodes = new Map([...svg.querySelectorAll("g.node")].map((g) => [g.id, g]));
    const ids = new Set(this.nodes.keys());
    this.edges = [...svg.querySelectorAll("g.edge")]
      .map((g) => ({ g, ...edgeEnds(g, ids) }))
      .filter((e) => e.source && e.target);
    this.byPair = new Map(this.edges.map((e) => [pairKey(e.source, e.target), e]));
    // Saved-tensor boxes drawn after the run read "(freed)" when backward() released them;
    // earlier frames must not say so: their caption follows the frame (see paint()).
    this.freedCaptions = [];
    for (const [id, g] of this.nodes) {
      if (ownerOf(id) === id) continue;
      const caption = [...g.querySelectorAll("text")].find((t) => t.textContent === FREED);
      if (caption) this.freedCaptions.push({ id, caption });
    }
    this.overlay = null;
  }

  /** Remove every mark, label and hidden node: the renderer's own picture again. */
  clear() {
    if (!this.svg) return;
    for (const g of this.nodes.values()) g.classList.remove(...NODE_CLASSES);
    for (const e of this.edges) e.g.classList.remove(...EDGE_CLASSES);
    for (const { caption } of this.freedCaptions || []) caption.textContent = FREED;
    this.overlay?.remove();
    this.overlay = null;
  }

  /** Mark the nodes of a source line (or none) without touching the rest of the paint. */
  markLine(ids) {
    for (const [id, g] of this.nodes) g.classList.toggle("gt-pb-line", Boolean(ids?.has(id)));
  }

  /**
   * Paint a view: {alive: Set|null (null: all), fresh: Set, running, ran: Set, freed: Set,
   * held: Set, layer2: Set, edgeGrads: [{source, target, text, active}], leafGrads: Map(id -> text)}.
   */
  paint(view) {
    this.clear();
    if (!this.svg || !view) return;
    const alive = view.alive;
    const isAlive = (id) => !alive || alive.has(id) || alive.has(ownerOf(id));
    for (const [id, g] of this.nodes) {
      g.classList.toggle("gt-pb-absent", !isAlive(id));
      g.classList.toggle("gt-pb-new", Boolean(view.fresh?.has(id)));
      g.classList.toggle("gt-pb-running", view.running === id);
      g.classList.toggle("gt-pb-ran", Boolean(view.ran?.has(id)));
      // A saved-tensor box (<op>_s<i>) greys with its op's buffers.
      g.classList.toggle("gt-pb-freed", Boolean(view.freed?.has(id) || view.freed?.has(ownerOf(id))));
      g.classList.toggle("gt-pb-held", Boolean(view.held?.has(id)));
      g.classList.toggle("gt-pb-grad", Boolean(view.leafGrads?.has(id)));
      g.classList.toggle("gt-pb-layer2", Boolean(view.layer2?.has(id)));
    }
    for (const e of this.edges) e.g.classList.toggle("gt-pb-absent", !isAlive(e.source) || !isAlive(e.target));
    for (const { id, caption } of this.freedCaptions) {
      const freed = view.freed?.has(id) || view.freed?.has(ownerOf(id));
      caption.textContent = freed ? FREED : HELD;
    }
    const labels = [];
    // One label per drawn edge: an input used twice (w * w) sends two gradients along it.
    const byEdge = new Map();
    for (const eg of view.edgeGrads || []) {
      const key = pairKey(eg.source, eg.target);
      const seen = byEdge.get(key);
      if (seen) { seen.text = `${seen.text} + ${eg.text}`; seen.active ||= eg.active; } else byEdge.set(key, { ...eg });
    }
    for (const [key, eg] of byEdge) {
      const edge = this.byPair.get(key);
      if (!edge) continue;
      edge.g.classList.add("gt-pb-flow");
      if (eg.active) edge.g.classList.add("gt-pb-active");
      labels.push(this.edgeLabel(edge, eg));
    }
    for (const [id, text] of view.leafGrads || []) {
      const g = this.nodes.get(id);
      if (g && isAlive(id)) labels.push(this.nodeBadge(g, id, text));
    }
    const host = this.edges[0]?.g.parentNode || this.nodes.values().next().value?.parentNode;
    if (!host || !labels.length) return;
    this.overlay = document.createElementNS(SVG_NS, "g");
    this.overlay.setAttribute("class", "gt-pb-overlay");
    this.overlay.setAttribute("aria-hidden", "true"); // the timeline label says it in words
    host.append(this.overlay);
    for (const label of labels) this.overlay.append(label.g);
    for (const label of labels) label.fit();
  }

  edgeLabel(edge, eg) {
    const path = edge.g.querySelector("path");
    let x = 0;
    let y = 0;
    if (path?.getTotalLength) {
      const p = path.getPointAtLength(path.getTotalLength() / 2);
      ({ x, y } = p);
    }
    // Beside the edge, not on it: Graphviz packs ranks tight and a centred label would cover
    // the arrow and the nodes' borders.
    return tag(x + 7, y, eg.text, `gt-pb-edge-label${eg.active ? " gt-pb-active" : ""}`, {
      source: eg.source, target: eg.target,
    });
  }

  nodeBadge(g, id, text) {
    const box = g.getBBox();
    return tag(box.x + box.width / 2, box.y - 9, text, "gt-pb-grad-badge", { node: id }, { centre: true });
  }
}

// "n3_s0" (a saved tensor drawn for op n3) belongs to "n3".
const ownerOf = (id) => /^(.+)_s\d+$/.exec(id)?.[1] || id;
const FREED = "(freed)"; // app/graph/render.py's caption of a released saved tensor
const HELD = "(held)";

/** A text with a backing box at (x, y) (left end, or centre when `centre`); fit() sizes the box once it is in the DOM. */
function tag(x, y, text, cls, data, { centre = false } = {}) {
  const g = document.createElementNS(SVG_NS, "g");
  g.setAttribute("class", cls);
  for (const [k, v] of Object.entries(data)) g.dataset[k] = v;
  const rect = document.createElementNS(SVG_NS, "rect");
  const label = document.createElementNS(SVG_NS, "text");
  label.setAttribute("x", String(x));
  label.setAttribute("y", String(y));
  label.setAttribute("text-anchor", centre ? "middle" : "start");
  label.setAttribute("dominant-baseline", "central");
  label.textContent = text;
  g.append(rect, label);
  return {
    g,
    fit() {
      const b = label.getBBox();
      rect.setAttribute("x", String(b.x - 3));
      rect.setAttribute("y", String(b.y - 1));
      rect.setAttribute("width", String(b.width + 6));
      rect.setAttribute("height", String(b.height + 2));
      rect.setAttribute("rx", "3");
    },
  };
}
