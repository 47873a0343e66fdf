// The autograd graph on screen: the server's Graphviz SVG (or a simple layered layout drawn
// here when the server sends none), styled by node kind, with pan/zoom (svg-pan-zoom, vendored
// as a classic script defining `svgPanZoom`; big pictures: pan-zoom.js, which never repaints
// them to move), search, and click/keyboard selection of nodes.

import { BigGraph, warmLayout } from "./graph-big.js";
import { wantsBrowserLayout } from "./graph-clusters.js";
import { layoutSvg } from "./graph-layout.js";
import { pathToRoot } from "./graph-paths.js";
import { FastPanZoom } from "./pan-zoom.js";
import { touchGestures } from "./pointer-gestures.js";

// Fitting a 3-node graph to a big box would blow it up to poster size; cap the fitted zoom.
const MAX_FIT_ZOOM = 1.6;
// Below this scale Graphviz's 10-point captions are under ~9 px: a big picture starts here
const READABLE_ZOOM = 0.9;
const START_MARGIN = 12; // px between the canvas edge and a big picture's first view

/** Parse SVG text into an element of this document, dropping anything that could run code. */
export function parseSvg(text) {
  const doc = new DOMParser().parseFromString(text, "image/svg+xml");
  const svg = doc.documentElement;
  if (!svg || svg.nodeName !== "svg" || doc.querySelector("parsererror")) return null;
  svg.querySelectorAll("script, foreignObject").forEach((el) => el.remove());
  for (const el of [svg, ...svg.querySelectorAll("*")]) {
    for (const attr of [...el.attributes]) {
      const name = attr.name.toLowerCase();
      if (name.startsWith("on")) el.removeAttribute(attr.name);
      else if (name.endsWith("href") && !attr.value.startsWith("#")) el.removeAttribute(attr.name);
    }
  }
  return document.importNode(svg, true);
}

/** A short spoken/tooltip description of a node. */
export function describeNode(node) {
  const names = node.vars?.length ? ` (${node.vars.join(", ")})` : "";
  const shape = node.shape ? `, shape [${node.shape.join(", ")}]` : "";
  const kind = node.kind === "leaf" ? "leaf tensor" : node.kind === "op" ? "backward op" : "tensor";
  const op = node.kind === "leaf" && node.vars?.length ? node.vars.join(", ") : node.op;
  return `${kind} ${op}${node.kind === "leaf" ? "" : names}${shape}`;
}

/**
 * Add kind classes (gt-leaf / gt-op / gt-tensor, gt-named for named intermediates, gt-root for
 * the tensor the graph is about) and, when `interactive`, keyboard focus and labels.
 */
export function decorate(svg, graph, { interactive = true, byId = null } = {}) {
  // a big graph's every redraw passes its node map: building one costs ~20 ms at 50k nodes
  byId ??= new Map((graph?.nodes || []).map((n) => [n.id, n]));
  for (const g of svg.querySelectorAll("g.node")) {
    const node = byId.get(g.id);
    if (!node) continue;
    g.classList.add(`gt-${node.kind}`);
    if (node.kind !== "leaf" && node.vars?.length) g.classList.add("gt-named");
    if (node.is_view) g.classList.add("gt-view");
    if (graph.root_id && node.id === graph.root_id) g.classList.add("gt-root");
    // Graphviz puts the bare id ("n3") in <title>, which browsers show as a useless tooltip.
    const title = g.querySelector(":scope > title");
    if (title) title.textContent = describeNode(node);
    if (interactive) {
      g.setAttribute("tabindex", "0");
      g.setAttribute("role", "button");
      g.setAttribute("aria-label", describeNode(node));
    }
  }
  return svg;
}

export class GraphCanvas {
  constructor(container, { onSelect } = {}) {
    this.container = container;
    this.onSelect = onSelect;
    this.graph = null;
    this.svg = null;
    this.panZoom = null;
    this.matches = [];
    this.matchIndex = -1;
    this.selectedId = null;
    this.pointerStart = null;

    // svg-pan-zoom turns a drag into a pan, but the browser still fires a click at the end;
    // only a pointer that barely moved counts as a click on a node.
    container.addEventListener("pointerdown", (e) => { this.pointerStart = [e.clientX, e.clientY]; });
    container.addEventListener("click", (e) => {
      const g = e.target.closest?.("g.node");
      if (!g || !this.svg?.contains(g)) return;
      const [x0, y0] = this.pointerStart || [e.clientX, e.clientY];
      if (Math.hypot(e.clientX - x0, e.clientY - y0) > 5) return;
      this.select(g.id);
    });
    container.addEventListener("keydown", (e) => {
      const g = e.target.closest?.("g.node");
      if (g && (e.key === "Enter" || e.key === " ")) {
        e.preventDefault();
        this.select(g.id);
      }
    });
    this.resizeObserver = new ResizeObserver(() => {
      if (this.panZoom && this.container.clientWidth > 0) this.panZoom.resize();
    });
    this.resizeObserver.observe(container);
    warmLayout();
  }

  /**
   * Show the graph of an API result ({graph, svg}). A big graph, or one with module clusters
   * or folded repeats past a small size, is laid out here (graph-big.js): the returned promise
   * settles once it is on screen.
   */
  render(result, { keepMarks = false } = {}) {
    this.destroy({ keepMarks });
    this.graph = result.graph || { nodes: [], edges: [] };
    this.byId = new Map(this.graph.nodes.map((n) => [n.id, n]));
    this.svgText = result.svg || null;
    if (wantsBrowserLayout(result)) {
      this.usedFallback = false;
      this.big = new BigGraph(this, this.graph);
      return this.big.draw().catch((err) => {
        // no worker or WebAssembly: the simple layered layout of the whole graph
        this.big?.destroy();
        this.big = null;
        this.usedFallback = true;
        this.mount(layoutSvg(this.graph));
        console.warn("gradtrace: browser layout failed", err);
      });
    }
    let svg = this.svgText ? parseSvg(this.svgText) : null;
    this.usedFallback = !svg;
    if (!svg) svg = layoutSvg(this.graph);
    this.mount(svg);
    return Promise.resolve();
  }

  /** Show SVG text laid out here (a big graph's current picture). */
  mountText(svgText, options) {
    const svg = parseSvg(svgText);
    if (!svg) throw new Error("the layout gave no SVG");
    this.mount(svg, options);
  }

  /**
   * Put `svg` on screen with pan/zoom. `anchor` ({x, y, id}) keeps the element `id()` names at
   * screen point (x, y) and the zoom as it was, so opening a cluster does not move the view.
   */
  mount(svg, { anchor = null, label = null } = {}) {
    const zoom = anchor && this.panZoom ? this.panZoom.getSizes().realZoom : null;
    if (this.panZoom) this.panZoom.destroy();
    this.panZoom = null;
    decorate(svg, this.graph, { byId: this.byId });
    svg.classList.add("gt-graph");
    svg.setAttribute("width", "100%");
    svg.setAttribute("height", "100%");
    svg.setAttribute("role", "group");
    svg.setAttribute("aria-label", label || `Autograd graph with ${this.graph.nodes.length} nodes`);
    this.container.replaceChildren(svg);
    this.svg = svg;
    const options = { minZoom: 0.01, maxZoom: 40, zoomScaleSensitivity: 0.25, onUpdatedCTM: () => this.big?.updateMinimap() };
    if (this.big) {
      // big pictures move as one composited layer (pan-zoom.js): no repaint per frame
      this.panZoom = new FastPanZoom(svg, options);
    } else if (typeof window.svgPanZoom === "function") {
      this.panZoom = window.svgPanZoom(svg, {
        ...options, panEnabled: true, zoomEnabled: true, controlIconsEnabled: false, dblClickZoomEnabled: false, fit: true, center: true,
        customEventsHandler: touchGestures(this.container), // fingers: pinch and drag (pointer-gestures.js)
      });
    }
    if (this.panZoom) {
      this.fit();
      if (anchor && zoom !== null) {
        this.panZoom.zoom(zoom);
        const now = this.screenPosition(anchor.id());
        if (now) this.panZoom.panBy({ x: anchor.x - now.x, y: anchor.y - now.y });
      } else if (this.big) {
        this.readableStart();
      }
    }
    // a new picture of the same graph keeps its marks
    if (this.selectedId) this.nodeElement(this.selectedId)?.classList.add("gt-selected");
    if (this.pathFrom) this.highlightPath(this.pathFrom);
    if (this.big && this.searchQuery) this.big.markMatches(this.matches);
  }

  /** The "Path to root" button: on for the selected node (or the first leaf), off again on a
   * second press; returns the words to announce. */
  togglePath(button) {
    const on = button.getAttribute("aria-pressed") !== "true";
    const from = this.selectedId || this.graph?.nodes.find((n) => n.kind === "leaf")?.id;
    this.highlightPath(on && from ? from : null);
    button.setAttribute("aria-pressed", String(on && Boolean(from)));
    return on && from ? "Paths to the root highlighted." : "Path highlight off.";
  }

  /** Centre of a drawn element on screen ({x, y}), or null. */
  screenPosition(id) {
    const el = this.svg?.querySelector(`[id="${CSS.escape(id)}"]`);
    if (!el) return null;
    const box = el.getBoundingClientRect();
    return { x: box.left + box.width / 2, y: box.top + box.height / 2 };
  }

  /** The part of the drawing in view, as fractions of its width and height. */
  visibleFraction() {
    const pz = this.panZoom;
    if (!pz) return null;
    const sizes = pz.getSizes();
    const pan = pz.getPan();
    const vb = sizes.viewBox;
    if (!vb.width || !vb.height) return null;
    const z = sizes.realZoom;
    return { x: -pan.x / z / vb.width, y: -pan.y / z / vb.height, w: sizes.width / z / vb.width, h: sizes.height / z / vb.height };
  }

  /** Centre the view on a point given as fractions of the drawing's width and height. */
  panToFraction(fx, fy) {
    const pz = this.panZoom;
    if (!pz) return;
    const sizes = pz.getSizes();
    const z = sizes.realZoom;
    pz.pan({ x: sizes.width / 2 - fx * sizes.viewBox.width * z, y: sizes.height / 2 - fy * sizes.viewBox.height * z });
  }

  /**
   * Mark the paths from node `id` to the graph's root (every node and edge on one), or clear
   * them (null). On a big graph, hidden nodes mark the cluster or fold that holds them.
   */
  highlightPath(id) {
    this.pathFrom = id;
    this.svg?.querySelectorAll(".gt-path").forEach((el) => el.classList.remove("gt-path"));
    this.svg?.classList.toggle("gt-path-on", Boolean(id));
    if (!id || !this.svg) return 0;
    const rep = (x) => (this.big ? this.big.repOf(x) : x);
    const { nodes, edges } = pathToRoot(this.graph, id);
    for (const n of nodes) this.svg.querySelector(`g.node[id="${CSS.escape(rep(n))}"]`)?.classList.add("gt-path");
    for (const [a, b] of edges) {
      const s = rep(a);
      const t = rep(b);
      if (s !== t) this.svg.querySelector(`g.edge[id="${CSS.escape(`e_${s}_${t}`)}"]`)?.classList.add("gt-path");
    }
    return nodes.size;
  }

  /** Show a message instead of a graph (before the first run, or when a run failed). */
  clear(message, { keepMarks = false } = {}) {
    this.destroy({ keepMarks });
    const p = document.createElement("p");
    p.className = "placeholder";
    p.textContent = message;
    this.container.replaceChildren(p);
  }

  /**
   * `keepMarks`: the next picture shows the same graph at another moment (a timeline frame):
   * the selection and the path to the root stay, and come back on screen whenever their node is
   * drawn again (mount()).
   */
  destroy({ keepMarks = false } = {}) {
    const marks = keepMarks ? { selectedId: this.selectedId, pathFrom: this.pathFrom } : null;
    this.big?.destroy();
    this.big = null;
    this.pathFrom = null;
    this.searchQuery = "";
    if (this.panZoom) this.panZoom.destroy();
    this.panZoom = null;
    this.svg = null;
    this.graph = null;
    this.matches = [];
    this.matchIndex = -1;
    this.selectedId = null;
    if (marks) Object.assign(this, marks);
  }

  node(id) {
    return this.byId?.get(id) || null;
  }

  nodeElement(id) {
    return this.svg ? this.svg.querySelector(`g.node[id="${CSS.escape(id)}"]`) : null;
  }

  /** Select a node (highlight it and report it to onSelect); null clears the selection. */
  select(id) {
    this.svg?.querySelectorAll(".gt-selected").forEach((el) => el.classList.remove("gt-selected"));
    this.selectedId = id;
    const node = id ? this.node(id) : null;
    if (node) this.nodeElement(id)?.classList.add("gt-selected");
    this.onSelect?.(node);
  }

  /** The first node showing the program name `name` (a variables-table row links to it). */
  nodeForVar(name) {
    return this.graph?.nodes.find((n) => n.vars?.includes(name)) || null;
  }

  /**
   * Highlight the nodes `query` names; returns how many matched. A query that is exactly a
   * program name ("x") finds that tensor only; anything else matches inside ops and names.
   */
  search(query) {
    const q = query.trim().toLowerCase();
    this.searchQuery = q;
    this.matches = [];
    this.matchIndex = -1;
    if (!this.svg) return 0;
    const exact = this.graph.nodes.some((n) => (n.vars || []).some((v) => v.toLowerCase() === q));
    if (this.big) {
      // every node counts, drawn or hidden in a cluster or fold; nextMatch() opens those
      const test = (node) => q !== "" && (exact ? (node.vars || []).some((v) => v.toLowerCase() === q) : [node.kind === "leaf" ? "" : node.op, node.label, ...(node.vars || [])].join("\n").toLowerCase().includes(q));
      this.matches = this.big.search(test);
      return this.matches.length;
    }
    for (const node of this.graph.nodes) {
      const el = this.nodeElement(node.id);
      if (!el) continue;
      // A leaf's op is always "AccumulateGrad": searching it would make "mul" match every leaf.
      const op = node.kind === "leaf" ? "" : node.op;
      const text = [op, node.label, ...(node.vars || [])].join("\n").toLowerCase();
      const hit = q !== "" && (exact ? (node.vars || []).some((v) => v.toLowerCase() === q) : text.includes(q));
      el.classList.toggle("gt-match", hit);
      el.classList.toggle("gt-dim", q !== "" && !hit);
      if (hit) this.matches.push(node.id);
    }
    return this.matches.length;
  }

  /** Move the view to the next search match and focus it; returns its node or null. */
  nextMatch(step = 1) {
    if (!this.matches.length) return null;
    const n = this.matches.length;
    this.matchIndex = (((this.matchIndex + step) % n) + n) % n;
    const id = this.matches[this.matchIndex];
    const show = () => {
      this.centerOn(id);
      this.nodeElement(id)?.focus({ preventScroll: true });
    };
    if (this.big) this.big.reveal(id).then(show);
    else show();
    return this.node(id);
  }

  /** Bring a node into view (after the node panel narrowed the canvas, say) if it is not. */
  reveal(id) {
    window.requestAnimationFrame(() => {
      const el = this.nodeElement(id);
      if (!el || !this.panZoom) return;
      this.panZoom.resize();
      const box = el.getBoundingClientRect();
      const frame = this.container.getBoundingClientRect();
      const inside = box.left >= frame.left && box.right <= frame.right && box.top >= frame.top && box.bottom <= frame.bottom;
      if (!inside) this.centerOn(id);
    });
  }

  centerOn(id) {
    const el = this.nodeElement(id);
    if (!el || !this.panZoom) return;
    const box = el.getBoundingClientRect();
    const frame = this.container.getBoundingClientRect();
    this.panZoom.panBy({
      x: frame.left + frame.width / 2 - (box.left + box.width / 2),
      y: frame.top + frame.height / 2 - (box.top + box.height / 2),
    });
  }

  zoomIn() { this.panZoom?.zoomIn(); }
  zoomOut() { this.panZoom?.zoomOut(); }

  /**
   * A big picture fitted whole is often too small to read (a column of 45 clusters, a hair):
   * a new one starts at a readable zoom at its top, where its inputs are, centred across;
   * the minimap shows the rest and "Fit" the whole.
   */
  readableStart() {
    const pz = this.panZoom;
    if (!pz || this.container.clientWidth === 0) return;
    const { realZoom, width, viewBox } = pz.getSizes();
    if (!(realZoom < READABLE_ZOOM) || !viewBox?.width) return;
    pz.zoom(READABLE_ZOOM);
    const drawn = viewBox.width * READABLE_ZOOM;
    pz.pan({ x: drawn < width ? (width - drawn) / 2 : START_MARGIN, y: START_MARGIN });
  }

  fit() {
    const pz = this.panZoom;
    if (!pz || this.container.clientWidth === 0) return;
    pz.resize();
    pz.fit();
    const { realZoom } = pz.getSizes();
    if (realZoom > MAX_FIT_ZOOM) pz.zoom((pz.getZoom() * MAX_FIT_ZOOM) / realZoom);
    pz.center();
  }
}
