// Plays a traced result on one graph canvas: a Timeline (controls) + trace-view (what a
// position shows) + GraphPlayback (painting). Both pages use it; the page adds what is its
// own (the editor's line highlight on /, nothing on /train).

import { h } from "./dom.js";
import { GraphPlayback } from "./graph-playback.js";
import { Timeline, describePosition } from "./timeline.js";
import { explain, nodeAt, nodeFacts, traceGraph, viewAt } from "./trace-view.js";

// The most a frame's few nodes are blown up when framed (as GraphCanvas's fit).
const MAX_ZOOM = 1.6;

export class TracePlayer {
  /**
   * `container`: the (empty) element for the timeline controls; `canvas`: the GraphCanvas;
   * `onPosition(position)`: called after each move (null when there is no timeline);
   * `onSelection(node)`: after each move while a node is selected, so the page shows it at the
   * new position (nodeState()) even where the frame does not draw it.
   */
  constructor(container, canvas, { onPosition, onSelection, label } = {}) {
    this.canvas = canvas;
    this.onPosition = onPosition;
    this.onSelection = onSelection;
    this.playback = new GraphPlayback();
    this.result = null;
    this.lineNodes = null;
    this.timeline = new Timeline(container, {
      label,
      describe: (p) => describePosition(p, this.timeline.timeline, (id) => this.nodeName(id)),
      onChange: (position) => this.show(position),
    });
    container.append(h("ul", { class: "legend tl-legend", "aria-label": "Playback legend" },
      h("li", {}, h("span", { class: "swatch swatch-new" }), " new at this frame"),
      h("li", {}, h("span", { class: "swatch swatch-running" }), " running in backward"),
      h("li", {}, h("span", { class: "swatch swatch-flow" }), " gradient passed"),
      h("li", {}, h("span", { class: "swatch swatch-freed" }), " saved tensors freed")));
  }

  /** A node in words, from the trace's facts (the canvas may still show the frame before). */
  nodeName(id) {
    const f = this.facts?.get(id);
    if (!f) return id;
    return f.kind === "leaf" ? `${f.name || "a leaf"} (AccumulateGrad)` : f.op;
  }

  /**
   * A new result was drawn on the canvas (with or without a timeline). When the trace saw
   * nodes the final graph lost (a name bound again, a loop's earlier iterations), each frame is
   * drawn on its own (browser layout) with just the nodes it shows; else the drawn graph stays
   * and playback hides what a frame does not show.
   */
  load(result, { atEnd = false } = {}) {
    this.result = result;
    this.lineNodes = null;
    this.drawn = null;
    const timeline = result?.timeline || null;
    this.wider = timeline && result.graph ? traceGraph(timeline, result.graph) : null;
    this.graph = this.wider || result?.graph || null;
    this.facts = nodeFacts(timeline, this.graph);
    this.byId = new Map((this.graph?.nodes || []).map((n) => [n.id, n]));
    this.view = null;
    if (this.canvas.svg) this.playback.attach(this.canvas.svg);
    this.timeline.load(timeline, { start: atEnd ? Infinity : 0 });
  }

  /** Hide the timeline and give the renderer's picture back. */
  reset() {
    this.result = null;
    this.graph = null;
    this.byId = null;
    this.wider = null;
    this.playback.clear();
    this.timeline.load(null);
  }

  show(position) {
    const tl = this.timeline;
    this.view = null;
    if (!position) {
      this.playback.clear();
      this.onPosition?.(null);
      return;
    }
    const view = viewAt(tl.positions, tl.index, tl.timeline, this.facts);
    this.view = view;
    if (this.wider) this.drawFrame(view?.alive || null);
    this.playback.paint(view);
    this.playback.markLine(this.lineNodes);
    this.keepPathMark();
    this.keepInView();
    tl.note.textContent = explain(position, tl.timeline, this.facts);
    this.onPosition?.(position);
    const selected = this.canvas.selectedId;
    if (selected && this.node(selected)) this.onSelection?.(this.node(selected));
  }

  /** Whether the current position shows node `id`. */
  shows(id) { return !this.view?.alive || this.view.alive.has(id); }

  /**
   * The path to the root from a node this position does not show marks nothing: the rest of
   * the picture is not dimmed for it (it is again once the node is back).
   */
  keepPathMark() {
    const from = this.canvas.pathFrom;
    if (from) this.canvas.svg?.classList.toggle("gt-path-on", this.shows(from));
  }

  /** A node of the traced graph, whether the current frame draws it or not. */
  node(id) { return this.byId?.get(id) || this.canvas.node(id); }

  /** Node `id` at the current position (trace-view.js nodeAt), or null without a timeline. */
  nodeState(id) {
    const tl = this.timeline;
    if (!tl.timeline || !tl.current || !this.facts) return null;
    return nodeAt(tl.positions, tl.index, tl.timeline, this.facts, this.view, id);
  }

  /** Draw the part of the trace's graph a position shows (again only when that part changed). */
  drawFrame(ids) {
    const graph = this.wider;
    const key = ids ? [...ids].sort().join(" ") : "*";
    if (key === this.drawn) return;
    this.drawn = key;
    const nodes = ids ? graph.nodes.filter((n) => ids.has(n.id)) : graph.nodes;
    const edges = ids ? graph.edges.filter((e) => ids.has(e.source) && ids.has(e.target)) : graph.edges;
    if (!nodes.length) {
      this.canvas.clear("No autograd node exists at this point of the program.", { keepMarks: true });
      this.playback.attach(null);
      return;
    }
    // the same graph at another moment: the selection and path to the root stay, and so does
    // the keyboard focus on a node that is drawn again (the arrow keys step on from there)
    const focused = this.canvas.container.contains(document.activeElement) ? document.activeElement.closest("g.node")?.id : null;
    this.canvas.render({ ...this.result, graph: { ...graph, nodes, edges }, svg: null }, { keepMarks: true });
    this.playback.attach(this.canvas.svg);
    if (focused) this.canvas.nodeElement(focused)?.focus({ preventScroll: true });
  }

  /**
   * Frame the nodes on show when they fall outside the view or shrink to specks in it (a
   * loop's trace draws every iteration's nodes, and a frame shows only a few); a view that
   * already shows them well is left as the learner panned and zoomed it.
   */
  keepInView() {
    const pz = this.canvas.panZoom;
    const svg = this.canvas.svg;
    if (!pz || !svg) return;
    const boxes = [...svg.querySelectorAll("g.node:not(.gt-pb-absent)")]
      .map((g) => g.getBoundingClientRect()).filter((r) => r.width > 0);
    if (!boxes.length) return;
    const left = Math.min(...boxes.map((r) => r.left));
    const top = Math.min(...boxes.map((r) => r.top));
    const width = Math.max(...boxes.map((r) => r.right)) - left;
    const height = Math.max(...boxes.map((r) => r.bottom)) - top;
    const frame = this.canvas.container.getBoundingClientRect();
    if (!frame.width || !frame.height) return;
    const inside = left >= frame.left && top >= frame.top && left + width <= frame.right && top + height <= frame.bottom;
    const specks = width < frame.width * 0.3 && height < frame.height * 0.3;
    if (inside && !specks) return;
    const { realZoom } = pz.getSizes();
    const scale = Math.min((frame.width * 0.85) / width, (frame.height * 0.85) / height, MAX_ZOOM / realZoom);
    // zoomAtPoint takes points in the container's padding box (where the <svg> box starts)
    const origin = this.canvas.container;
    const cx = left + width / 2 - frame.left - origin.clientLeft;
    const cy = top + height / 2 - frame.top - origin.clientTop;
    pz.zoomAtPoint(pz.getZoom() * scale, { x: cx, y: cy });
    pz.panBy({ x: frame.width / 2 - cx - origin.clientLeft, y: frame.height / 2 - cy - origin.clientTop });
  }

  /** Light up the nodes made on 1-based `line` (null: none). Returns how many. */
  markLine(line) {
    const nodes = this.graph?.nodes || [];
    const ids = line ? new Set(nodes.filter((n) => n.line === line).map((n) => n.id)) : null;
    this.lineNodes = ids?.size ? ids : null;
    this.playback.markLine(this.lineNodes);
    return ids?.size || 0;
  }

  handleKey(event) { return this.timeline.handleKey(event); }
}
