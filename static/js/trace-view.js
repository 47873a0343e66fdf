// What one timeline position shows, worked out from the server's trace (no DOM here): the
// nodes alive and the new ones, the node running in a backward pass and those that ran, the
// gradient on each edge so far, the leaves' .grad and which saved buffers are held or freed.
// graph-playback.js paints the result; timeline.js says where we are.
//
// The trace (README, "trace"): frames {kind, line, iteration, nodes, new_nodes, tensors:
// {name: {node, shape, value, grad, ...}}, saved: {held, freed}, saved_bytes, backward: [pass
// indices], error}; passes {line, root, retain_graph, create_graph, error, freed,
// second_layer, steps: [{node, op, edges: [{source, target, grad}], accumulate: {before,
// arriving, after}}]}; nodes: every node the trace saw, `in_graph` false for those the final
// graph no longer holds (ids "t<n>").

import { formatNumber } from "./dom.js";
import { formatGrad } from "./graph-playback.js";

const set = (list) => new Set((list || []).filter((id) => id !== null && id !== undefined));

/** Facts about every node, from the graph and the trace: kind and one program name. */
export function nodeFacts(timeline, graph) {
  const facts = new Map();
  for (const n of timeline?.nodes || []) facts.set(n.id, { kind: n.kind, op: n.op, name: null, line: n.line, layer: n.layer });
  for (const n of graph?.nodes || []) facts.set(n.id, { ...facts.get(n.id), kind: n.kind, op: n.op, name: n.vars?.[0] ?? null, line: n.line });
  // Nodes the final graph lost keep the name the program gave them while they lived.
  for (const frame of timeline?.frames || []) {
    for (const [name, t] of Object.entries(frame.tensors || {})) {
      const f = t?.node ? facts.get(t.node) : null;
      if (f && !f.name) f.name = name;
    }
  }
  return facts;
}

/**
 * The graph to draw for a trace: the result's graph plus every node the trace saw that the
 * final graph no longer holds (seed 002's first y, a loop's earlier iterations), so each frame
 * can show exactly its own nodes. Null when the result's graph already holds them all.
 */
export function traceGraph(timeline, graph) {
  const have = new Set((graph?.nodes || []).map((n) => n.id));
  const extra = (timeline?.nodes || []).filter((n) => !have.has(n.id));
  if (!extra.length) return null;
  const facts = nodeFacts(timeline, graph);
  const nodes = [...graph.nodes];
  for (const n of extra) {
    const name = facts.get(n.id)?.name;
    const head = n.kind === "leaf" ? name || "leaf" : n.op;
    const lines = [head, n.kind !== "leaf" && name ? name : null, n.line ? `line ${n.line}` : null].filter(Boolean);
    // No `vars`: the program's names now mean the final graph's tensors (the variables table
    // links there); the name the node had while it lived is in its label.
    nodes.push({ id: n.id, kind: n.kind, op: n.op, vars: [], label: lines.join("\n"), line: n.line, column: n.column, saved: [], saved_bytes: n.saved_bytes });
  }
  const ids = new Set(nodes.map((n) => n.id));
  const edges = [...graph.edges];
  const seen = new Set(edges.map((e) => `${e.source}|${e.target}`));
  for (const n of timeline.nodes) {
    for (const input of n.inputs || []) {
      const key = `${input}|${n.id}`;
      if (!ids.has(input) || !ids.has(n.id) || seen.has(key)) continue;
      seen.add(key);
      edges.push({ id: `e_${input}_${n.id}`, source: input, target: n.id, count: 1 });
    }
  }
  return { ...graph, nodes, edges };
}

const gradOfTensor = (t) => ({ shape: t.shape || [], values: t.grad, truncated: Boolean(t.grad_truncated) });

/** .grad of each leaf at a frame, as badge text, by node id. */
function leafGradsAt(frame, facts) {
  const out = new Map();
  for (const [name, t] of Object.entries(frame?.tensors || {})) {
    if (!t?.node || out.has(t.node) || facts.get(t.node)?.kind !== "leaf") continue;
    if (t.grad === null || t.grad === undefined) continue;
    out.set(t.node, `${name}.grad = ${formatGrad(gradOfTensor(t))}`);
  }
  return out;
}

/** "x.grad was None: it becomes 0.3333 each (2, 3)" or "x1.grad: 1 + 1 = 2". */
export function accumulationText(name, acc) {
  if (!acc) return null;
  if (acc.before === null || acc.before === undefined) return `${name}.grad was None: it becomes ${formatGrad(acc.after ?? acc.arriving)}`;
  return `${name}.grad: ${formatGrad(acc.before)} + ${formatGrad(acc.arriving)} = ${formatGrad(acc.after)}`;
}

/** The short badge over a leaf: "x1.grad = 1 + 1 = 2" while it accumulates, else its value. */
function badgeText(name, acc) {
  if (acc.before !== null && acc.before !== undefined) {
    return `${name}.grad = ${formatGrad(acc.before)} + ${formatGrad(acc.arriving)} = ${formatGrad(acc.after)}`;
  }
  return `${name}.grad = ${formatGrad(acc.after ?? acc.arriving)}`;
}

const layer2 = (facts) => new Set([...facts].filter(([, f]) => f.layer === 2).map(([id]) => id));

/** The last frame at or before `index` that is not a "skipped" marker. */
function realFrame(frames, index) {
  for (let i = index; i >= 0; i--) if (frames[i] && frames[i].kind !== "skipped") return frames[i];
  return null;
}

function frameView(position, timeline, facts) {
  const frames = timeline.frames;
  const frame = realFrame(frames, position.frame);
  if (!frame) return null;
  const alive = set(frame.nodes);
  // A skipped marker shows the state before it; nothing is new there.
  const fresh = position.data.kind === "skipped" ? new Set() : set(frame.new_nodes);
  return {
    alive, fresh, ran: new Set(), edgeGrads: [], leafGrads: leafGradsAt(frame, facts),
    held: set(frame.saved?.held), freed: set(frame.saved?.freed), layer2: layer2(facts),
  };
}

/** A backward step: everything that ran up to it, the running node and its edges. */
function stepView(position, timeline, facts) {
  const pass = position.data;
  const steps = pass.steps || [];
  const frame = position.before && realFrame(timeline.frames, timeline.frames.indexOf(position.before));
  const alive = frame ? set(frame.nodes) : null;
  const ran = new Set();
  const edgeGrads = [];
  const leafGrads = leafGradsAt(frame, facts);
  const held = set(frame?.saved?.held);
  const freed = set(frame?.saved?.freed);
  const freeing = set(pass.freed);
  for (let s = 0; s <= position.step && s < steps.length; s++) {
    const step = steps[s];
    alive?.add(step.node);
    if (s < position.step) {
      ran.add(step.node);
      // Without retain_graph a node's saved buffers go once it has run.
      if (freeing.has(step.node)) { freed.add(step.node); held.delete(step.node); }
    }
    for (const e of step.edges || []) {
      alive?.add(e.source);
      edgeGrads.push({ source: e.source, target: e.target, text: formatGrad(e.grad), active: s === position.step });
    }
    if (step.accumulate && (step.accumulate.after !== undefined || step.accumulate.arriving)) {
      leafGrads.set(step.node, badgeText(facts.get(step.node)?.name || "leaf", step.accumulate));
    }
  }
  return { alive, fresh: new Set(), running: steps[position.step]?.node ?? null, ran, edgeGrads, leafGrads, held, freed, layer2: layer2(facts) };
}

/** The view at `index` of `positions` (see timeline.js buildPositions). */
export function viewAt(positions, index, timeline, facts) {
  const position = positions[index];
  if (!position) return null;
  return position.kind === "backward" ? stepView(position, timeline, facts) : frameView(position, timeline, facts);
}

const nameOf = (facts, id) => {
  const f = facts.get(id);
  if (!f) return id;
  return f.kind === "leaf" ? f.name || "a leaf" : f.op;
};

function passNote(pass) {
  if (pass.create_graph) return " create_graph=True: the gradients get a graph of their own (the second layer).";
  if (pass.retain_graph) return " retain_graph=True: the saved buffers are kept for another backward().";
  return "";
}

/** "w = 1.04 (was 1)", "w.grad = 0 (was -2)" for the named tensors changed since `prev` (at most 4). */
function changedValues(prev, frame) {
  const out = [];
  for (const [name, t] of Object.entries(frame.tensors || {})) {
    const before = prev?.tensors?.[name];
    // A name bound to a new tensor shows as "New:"; this is for values changed in place
    // (w.data = ..., optimizer.step()) and grads changed (zero_grad(), w.grad.data.zero_()).
    if (!before || t?.node !== before.node) continue;
    const shape = t.shape || [];
    const text = (values, truncated) => (values ? formatGrad({ shape, values, truncated }) : "None");
    if (t.value && before.value && JSON.stringify(t.value) !== JSON.stringify(before.value)) {
      out.push(`${name} = ${text(t.value, t.truncated)} (was ${text(before.value, before.truncated)})`);
    }
    if (JSON.stringify(t.grad ?? null) !== JSON.stringify(before.grad ?? null)) {
      out.push(`${name}.grad = ${text(t.grad, t.grad_truncated)} (was ${text(before.grad, before.grad_truncated)})`);
    }
  }
  return out.slice(0, 4);
}

/** One sentence on what happens at a position, for the note under the timeline. */
export function explain(position, timeline, facts) {
  if (!position) return "";
  if (position.kind === "backward") {
    const pass = position.data;
    const steps = pass.steps || [];
    const step = steps[position.step];
    const last = position.step === steps.length - 1;
    const error = last && pass.error ? ` Then PyTorch stops: ${pass.error}` : "";
    if (!step) return `backward() from line ${pass.line}.${passNote(pass)}${pass.error ? ` ${pass.error}` : ""}`;
    if (step.accumulate) return `${accumulationText(nameOf(facts, step.node), step.accumulate)}.${last ? passNote(pass) : ""}${error}`;
    const sent = (step.edges || []).map((e) => `${formatGrad(e.grad)} to ${nameOf(facts, e.source)}`);
    const freed = !pass.retain_graph && (pass.freed || []).includes(step.node) ? " Its saved tensors are freed." : "";
    return `${nameOf(facts, step.node)} passes ${sent.length ? sent.join(", ") : "nothing on"}.${freed}${position.step === 0 ? passNote(pass) : ""}${error}`;
  }
  const f = position.data;
  if (f.kind === "skipped") {
    const its = f.iterations ? `${f.iterations} loop iteration${f.iterations === 1 ? "" : "s"} ` : "";
    return `… ${its}(${f.frames} frames, ${f.backward_count || 0} backward passes) not recorded: the trace keeps the first and last ones.`;
  }
  if (f.error) return `Error: ${f.error}`;
  const prev = realFrame(timeline.frames, position.frame - 1);
  const before = set(prev?.nodes);
  const describe = (id) => {
    const fact = facts.get(id);
    if (!fact) return id;
    return fact.kind === "leaf" ? `leaf ${fact.name || ""}`.trim() : `${fact.op}${fact.name ? ` (${fact.name})` : ""}`;
  };
  const parts = [];
  const fresh = (f.new_nodes || []).filter((id) => id !== null);
  if (fresh.length) parts.push(`New: ${fresh.map(describe).join(", ")}.`);
  const gone = prev ? [...before].filter((id) => !(f.nodes || []).includes(id)) : [];
  if (gone.length) parts.push(`Gone (nothing refers to them now): ${gone.map(describe).join(", ")}.`);
  const changed = changedValues(prev, f);
  if (changed.length) parts.push(`Changed: ${changed.join(", ")}.`);
  const wasFreed = set(prev?.saved?.freed);
  const freed = (f.saved?.freed || []).filter((id) => !wasFreed.has(id));
  if (freed.length) parts.push(`Saved tensors freed by backward(): ${freed.map(describe).join(", ")} (greyed).`);
  const bytes = f.saved_bytes;
  if (Number.isFinite(bytes) && bytes > 0) parts.push(`Saved for backward: ${formatNumber(bytes)} bytes.`);
  return parts.join(" ");
}

// Where a frame is, in words: "line 11", or a training step's stage ("the forward pass").
const STAGE_PLACE = { forward: "in the forward pass", backward: "in loss.backward()", step: "in optimizer.step()" };
function placeOf(frame, line = null) {
  const at = frame?.line ?? line;
  return at ? `at line ${at}` : STAGE_PLACE[frame?.kind] || "later in the program";
}
const holds = (frame, id) => frame && frame.kind !== "skipped" && (frame.nodes || []).includes(id);

/**
 * Where node `id` stands at position `index` (the node panel follows a selection through the
 * timeline): {alive: false, text} when the position does not show it (not made yet, or gone),
 * else {alive: true, tensors: [{name, shape, value, grad, ...}] (the program's names for it then,
 * with their values), gradOutput (an op that ran in this backward pass: what arrived at it)}.
 * `view` is viewAt()'s answer for the same position.
 */
export function nodeAt(positions, index, timeline, facts, view, id) {
  const position = positions[index];
  if (!position || !id) return null;
  const frames = timeline.frames || [];
  const at = position.kind === "frame" ? position.frame : position.before ? frames.indexOf(position.before) : -1;
  if (view?.alive && !view.alive.has(id)) {
    const first = frames.findIndex((f) => holds(f, id));
    const line = facts.get(id)?.line;
    if (first < 0 || first > at) return { alive: false, text: `Created ${placeOf(frames[first], line)}; not yet in this frame.` };
    let last = at;
    while (last >= 0 && !holds(frames[last], id)) last--;
    return { alive: false, text: `Gone ${placeOf(frames[last + 1])}: nothing refers to it any more.` };
  }
  const frame = realFrame(frames, at);
  const leaf = facts.get(id)?.kind === "leaf";
  const tensors = Object.entries(frame?.tensors || {})
    .filter(([, t]) => t?.node === id)
    .map(([name, t]) => ({ ...t, name, is_leaf: leaf }));
  let gradOutput = null;
  if (position.kind === "backward") {
    // the pass so far: an op's incoming gradient, a leaf's .grad as it accumulates
    (position.data.steps || []).slice(0, position.step + 1).forEach((step) => {
      if (step.node !== id) return;
      gradOutput = step.grad_output || null;
      const after = step.accumulate?.after ?? step.accumulate?.arriving;
      if (after) for (const t of tensors) Object.assign(t, { grad: after.values, grad_truncated: Boolean(after.truncated) });
    });
  }
  return { alive: true, tensors, gradOutput };
}
