// What one timeline position shows, worked out from the server's trace (no DOM here): the
// nodes alive and the new ones, the node running in a backward pass and those that ran, the
// gradient on each edge so far, the leaves' .grad and which saved buffers are held or freed.
// graph-playback.js paints the result; timeline.js says where we are.

import { formatNumber } from "./dom.js";
import { formatGrad } from "./graph-playback.js";

const idsOf = (list) => new Set((list || []).map((n) => (typeof n === "object" && n ? n.id : n)).filter(Boolean));

/** The node ids alive at a frame (null when the frame does not say: show them all). */
export function aliveAt(frame) {
  if (!frame) return null;
  const list = frame.nodes ?? frame.alive;
  return Array.isArray(list) ? idsOf(list) : null;
}

/** The leaf node id for each program name, from the graph (leaves carry their names in vars). */
function leafIds(graph) {
  const byName = new Map();
  for (const n of graph?.nodes || []) if (n.kind === "leaf") for (const v of n.vars || []) byName.set(v, n.id);
  return byName;
}

/** .grad of each leaf at a frame, as badge text (frame.tensors/values: {name: {grad}}). */
function leafGradsAt(frame, graph) {
  const out = new Map();
  const tensors = frame?.tensors ?? frame?.values ?? frame?.variables;
  if (!tensors || typeof tensors !== "object") return out;
  for (const [name, id] of leafIds(graph)) {
    const t = tensors[name];
    if (!t || t.grad === null || t.grad === undefined) continue;
    out.set(id, `${name}.grad = ${formatGrad(t.grad)}`);
  }
  return out;
}

/** Saved-buffer state of a frame: {freed: Set, held: Set} of op ids. */
function savedAt(frame) {
  const freed = idsOf(frame?.freed);
  const held = idsOf(frame?.held);
  const saved = frame?.saved;
  if (saved && typeof saved === "object" && !Array.isArray(saved)) {
    for (const [id, s] of Object.entries(saved)) {
      if (s?.freed) freed.add(id);
      else if (s) held.add(id);
    }
  }
  return { freed, held };
}

/** "x.grad: 0 + 0.3333 = 0.3333" for a leaf's accumulation, when the step records it. */
export function accumulationText(name, acc) {
  if (!acc) return null;
  if (acc.before === null || acc.before === undefined) return `${name}.grad was None: it becomes ${formatGrad(acc.after ?? acc.arriving)}`;
  return `${name}.grad: ${formatGrad(acc.before)} + ${formatGrad(acc.arriving ?? acc.grad)} = ${formatGrad(acc.after)}`;
}

/** The short badge over a leaf: "x1.grad = 1 + 1 = 2" while it accumulates, else its value. */
function badgeText(name, acc, grad) {
  if (acc && acc.before !== null && acc.before !== undefined) {
    return `${name}.grad = ${formatGrad(acc.before)} + ${formatGrad(acc.arriving ?? acc.grad)} = ${formatGrad(acc.after)}`;
  }
  return `${name}.grad = ${formatGrad(grad)}`;
}

/** The view of a frame position. */
function frameView(position, timeline, graph, prevFrame) {
  const frame = position.data;
  const alive = aliveAt(frame);
  const before = aliveAt(prevFrame);
  let fresh = idsOf(frame.new ?? frame.new_nodes);
  if (!fresh.size && alive && before) fresh = new Set([...alive].filter((id) => !before.has(id)));
  if (!fresh.size && alive && !prevFrame) fresh = new Set(alive);
  return { alive, fresh, ran: new Set(), edgeGrads: [], leafGrads: leafGradsAt(frame, graph), ...savedAt(frame) };
}

/** The view of a backward step: everything that ran up to it, the running node and its edges. */
function stepView(position, graph) {
  const pass = position.data;
  const steps = pass.steps || [];
  const frame = position.before;
  const alive = aliveAt(frame);
  const names = new Map((graph?.nodes || []).map((n) => [n.id, n]));
  const ran = new Set();
  const edgeGrads = [];
  const leafGrads = leafGradsAt(frame, graph);
  for (let s = 0; s <= position.step && s < steps.length; s++) {
    const step = steps[s];
    if (s < position.step) ran.add(step.node);
    if (alive) alive.add(step.node);
    for (const e of step.edges || []) {
      if (alive) { alive.add(e.source); alive.add(e.target); }
      edgeGrads.push({ source: e.source, target: e.target, text: formatGrad(e.grad), active: s === position.step });
    }
    const acc = step.accumulate ?? step.accumulation;
    const node = names.get(step.node);
    if (node?.kind === "leaf") {
      const name = node.vars?.[0] || "leaf";
      const grad = acc ? acc.after : step.grad;
      if (grad !== undefined) leafGrads.set(step.node, badgeText(name, acc, grad));
    }
  }
  const { freed, held } = savedAt(frame);
  return { alive, fresh: new Set(), running: steps[position.step]?.node ?? null, ran, edgeGrads, leafGrads, freed, held };
}

/** The view at `index` of `positions` (see timeline.js buildPositions). */
export function viewAt(positions, index, timeline, graph) {
  const position = positions[index];
  if (!position) return null;
  if (position.kind === "backward") return stepView(position, graph);
  const prev = position.frame > 0 ? timeline.frames[position.frame - 1] : null;
  return frameView(position, timeline, graph, prev);
}

/** One sentence on what changes at a position, for the note under the timeline. */
export function explain(position, graph) {
  if (!position) return "";
  const names = new Map((graph?.nodes || []).map((n) => [n.id, n]));
  const nameOf = (id) => {
    const n = names.get(id);
    if (!n) return id;
    return n.kind === "leaf" && n.vars?.length ? n.vars.join(", ") : n.op;
  };
  if (position.kind === "backward") {
    const pass = position.data;
    const step = pass.steps?.[position.step];
    const kept = pass.retain_graph ? " retain_graph=True: the saved buffers are kept for another backward()." : "";
    if (!step) return `backward() from line ${pass.line}.${kept}`;
    const acc = step.accumulate ?? step.accumulation;
    const node = names.get(step.node);
    if (node?.kind === "leaf" && acc) return `${accumulationText(node.vars?.[0] || "leaf", acc)}.${kept}`;
    const sent = (step.edges || []).map((e) => {
      const other = e.source === step.node ? e.target : e.source;
      return `${formatGrad(e.grad)} to ${nameOf(other)}`;
    });
    return `${nameOf(step.node)} passes ${sent.length ? sent.join(", ") : "nothing on"}.${kept}`;
  }
  const f = position.data;
  if (f.error) return `Error: ${f.error.message || f.error}`;
  const bytes = f.saved_bytes;
  return Number.isFinite(bytes) ? `Held for backward: ${formatNumber(bytes)} bytes of saved tensors.` : "";
}
