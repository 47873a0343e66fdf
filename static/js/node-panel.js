// The side panel that explains one graph node: what it is, the program's names for it, its
// shape/dtype/device, value and grad in PyTorch's own formatting (a traced run's timeline: as
// they were at its position), and the tensors autograd saved for the backward pass.

import { formatNumber, h } from "./dom.js";

const KIND_TEXT = {
  leaf: "Leaf tensor: a tensor you created with requires_grad=True. backward() adds its gradient to .grad.",
  op: "Backward op: autograd recorded it when an operation ran, and calls it during backward() to pass gradients to its inputs.",
  tensor: "Tensor in the graph.",
};

const shapeText = (shape) => (Array.isArray(shape) ? `[${shape.join(", ")}]` : shape ?? "–");

function field(label, value) {
  return [h("dt", { text: label }), h("dd", {}, value ?? "–")];
}

function tensorBlock(title, text, truncated) {
  if (text === null || text === undefined || text === "") return null;
  return h("div", { class: "tensor-block" },
    h("h5", { text: title }),
    h("pre", { class: "tensor-text", tabindex: "0", "aria-label": title }, text),
    truncated ? h("p", { class: "hint", text: "Large tensor: only its first elements are shown." }) : null);
}

function variableSection(name, v) {
  const grad = v.grad_text ?? (v.grad === null || v.grad === undefined ? null : JSON.stringify(v.grad));
  const gradNote = v.requires_grad && (grad === null || grad === undefined)
    ? h("p", { class: "hint", text: v.is_leaf
      ? ".grad is None: backward() has not reached this tensor yet."
      : ".grad is None: PyTorch keeps .grad only for leaf tensors (call .retain_grad() to keep it)." })
    : null;
  return h("section", { class: "var-section" },
    h("h4", {}, h("code", { text: name })),
    tensorBlock(`${name} (value)`, v.value_text ?? (v.value === undefined ? null : JSON.stringify(v.value)), v.value_truncated),
    tensorBlock(`${name}.grad`, grad, v.grad_truncated),
    gradNote);
}

function savedSection(saved) {
  if (!saved?.length) return null;
  const items = saved.map((s) => {
    const meta = [s.shape ? `shape ${shapeText(s.shape)}` : null, s.dtype].filter(Boolean).join(", ");
    return h("li", {},
      h("code", { text: s.name }), meta ? h("span", { class: "muted", text: ` ${meta}` }) : null,
      s.freed ? h("span", { class: "badge badge-warn", text: "freed by backward()" }) : null,
      s.repr ? h("pre", { class: "tensor-text small", tabindex: "0" }, s.repr) : null);
  });
  return h("section", { class: "saved-section" },
    h("h4", { text: "Saved for backward" }),
    h("p", { class: "hint", text: "Values autograd kept from the forward pass because this op's gradient needs them." }),
    h("ul", { class: "saved-list" }, items));
}

/**
 * A trace's flat values (row-major, maybe cut short) as nested rows of 4 significant digits:
 * "[[0.3333, 0.3333],\n [0.3333, 0.3333]]"; "None" for no values.
 */
export function formatTensor(shape, values, truncated = false) {
  if (values === null || values === undefined) return "None";
  const flat = (Array.isArray(values) ? values.flat(Infinity) : [values]).map((v) => formatNumber(v));
  const dims = Array.isArray(shape) ? shape : [];
  const numel = dims.reduce((a, b) => a * b, 1);
  if (truncated || flat.length !== numel) return `first ${flat.length} of ${numel} values: [${flat.join(", ")}, …]`;
  if (!dims.length) return flat[0];
  let next = 0;
  const rows = (d) => {
    if (d === dims.length - 1) return `[${flat.slice(next, (next += dims[d])).join(", ")}]`;
    return `[${Array.from({ length: dims[d] }, () => rows(d + 1)).join(`,\n${" ".repeat(d + 1)}`)}]`;
  };
  return rows(0);
}

/** The node at the timeline's position (trace-view.js nodeAt): there or not, its values then. */
function frameSection(frame) {
  const head = h("h4", { text: "At this point of the timeline" });
  if (!frame.alive) return [h("section", { class: "frame-section" }, head, h("p", { class: "frame-status", text: frame.text }))];
  const vars = frame.tensors.map((t) => variableSection(t.name, {
    requires_grad: t.requires_grad,
    is_leaf: t.is_leaf,
    value_text: formatTensor(t.shape, t.value, t.truncated),
    grad_text: t.grad === null || t.grad === undefined ? null : formatTensor(t.shape, t.grad, t.grad_truncated),
  }));
  const arriving = frame.gradOutput?.length
    ? tensorBlock("Gradient arriving at its output", frame.gradOutput.map((g) => (g ? formatTensor(g.shape, g.values, g.truncated) : "None")).join("\n"))
    : null;
  const none = !vars.length && !arriving
    ? h("p", { class: "hint", text: "No name of the program holds it here, so its value is not shown." })
    : null;
  return [h("section", { class: "frame-section" }, head, arriving, none), ...vars];
}

/**
 * Fill `body` with the details of `node`, looking names up in `variables`. With `frame` (a
 * traced run's position, trace-view.js nodeAt) the values are those of that position instead.
 */
export function renderNodePanel(body, node, variables = {}, { showSaved = true, frame = null } = {}) {
  const names = node.vars || [];
  const dl = h("dl", { class: "facts" },
    field("Kind", node.kind),
    field("Op", h("code", { text: node.op })),
    field("Names", names.length ? names.join(", ") : "(no name in the program)"),
    field("Shape", shapeText(node.shape)),
    field("dtype", node.dtype ? String(node.dtype).replace(/^torch\./, "") : null),
    field("Device", node.device),
    node.is_view ? field("View", "yes: shares storage with another tensor") : null);
  const vars = frame ? frameSection(frame) : names.filter((n) => variables[n]).map((n) => variableSection(n, variables[n]));
  const unnamed = !frame && !names.length && node.kind === "op"
    ? h("p", { class: "hint", text: "This intermediate result has no name in your program, so its value is not shown. Assign it to a variable to inspect it." })
    : null;
  const parts = [
    h("p", { class: "kind-text", text: KIND_TEXT[node.kind] || "" }),
    dl, ...vars, unnamed,
    showSaved ? savedSection(node.saved) : null];
  body.replaceChildren(...parts.filter(Boolean));
}
