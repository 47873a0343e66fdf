// Plays a traced result on one graph canvas: a Timeline (controls) + trace-view (what a
// position shows) + GraphPlayback (painting). Both pages use it; the page adds what is its
// own (the editor's line highlight on /, nothing on /train).

import { GraphPlayback } from "./graph-playback.js";
import { Timeline, describePosition } from "./timeline.js";
import { explain, nodeFacts, traceGraph, viewAt } from "./trace-view.js";

export class TracePlayer {
  /**
   * `container`: the (empty) element for the timeline controls; `canvas`: the GraphCanvas;
   * `onPosition(position)`: called after each move (null when there is no timeline).
   */
  constructor(container, canvas, { onPosition, label } = {}) {
    this.canvas = canvas;
    this.onPosition = onPosition;
    this.playback = new GraphPlayback();
    this.result = null;
    this.lineNodes = null;
    this.timeline = new Timeline(container, {
      label,
      describe: (p) => describePosition(p, this.timeline.timeline, (id) => this.nodeName(id)),
      onChange: (position) => this.show(position),
    });
  }

  nodeName(id) {
    const n = this.canvas.node(id);
    if (!n) return id;
    return n.kind === "leaf" && n.vars?.length ? `${n.vars.join(", ")} (AccumulateGrad)` : n.op;
  }

  /**
   * A new result was drawn on the canvas (with or without a timeline). When the trace saw
   * nodes the final graph lost, the canvas is redrawn (browser layout) with them, so that every
   * frame can show its own nodes.
   */
  load(result) {
    this.result = result;
    this.lineNodes = null;
    const timeline = result?.timeline || null;
    const wider = timeline && result.graph ? traceGraph(timeline, result.graph) : null;
    if (wider) this.canvas.render({ ...result, graph: wider, svg: null });
    this.graph = wider || result?.graph || null;
    this.facts = nodeFacts(timeline, this.graph);
    if (this.canvas.svg) this.playback.attach(this.canvas.svg);
    this.timeline.load(timeline);
  }

  /** Hide the timeline and give the renderer's picture back. */
  reset() {
    this.result = null;
    this.graph = null;
    this.playback.clear();
    this.timeline.load(null);
  }

  show(position) {
    const tl = this.timeline;
    if (!position) {
      this.playback.clear();
      this.onPosition?.(null);
      return;
    }
    this.playback.paint(viewAt(tl.positions, tl.index, tl.timeline, this.facts));
    this.playback.markLine(this.lineNodes);
    tl.note.textContent = [explain(position, tl.timeline, this.facts), tl.timeline.truncated ? "The trace was cut short at a size limit." : ""]
      .filter(Boolean).join(" ");
    this.onPosition?.(position);
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
