// The variables table: every name the program left behind, one row each, with a one-line
// preview of value and grad (the full text is in the node panel and the cell's tooltip).

import { h } from "./dom.js";

const PREVIEW_CHARS = 48;

/** One line of PyTorch's formatting: "tensor([0.3333, 0.3333, 0.3333])" squeezed to fit. */
export function preview(text) {
  if (text === null || text === undefined) return "";
  const line = String(text).replace(/\s+/g, " ").trim();
  return line.length > PREVIEW_CHARS ? `${line.slice(0, PREVIEW_CHARS - 1)}…` : line;
}

const shapeText = (shape) => (Array.isArray(shape) ? `[${shape.join(", ")}]` : shape ?? "");
const yesNo = (b) => (b === true ? "True" : b === false ? "False" : "");

function textOf(value, text) {
  if (text !== null && text !== undefined) return text;
  if (value === null || value === undefined) return "";
  return typeof value === "string" ? value : JSON.stringify(value);
}

/**
 * Render `variables` ({name: info}) into `container`. `onPick(name)` is called when a name is
 * activated and `hasNode(name)` says whether the graph has a node to show for it.
 */
export function renderVariables(container, variables, { onPick, hasNode = () => false } = {}) {
  const names = Object.keys(variables || {});
  if (!names.length) {
    container.replaceChildren(h("p", { class: "placeholder", text: "The program defined no variables." }));
    return;
  }
  const head = h("thead", {}, h("tr", {},
    ...["Name", "Shape", "dtype", "requires_grad", "grad_fn", "Value", "Grad"].map((t) => h("th", { scope: "col", text: t }))));
  const rows = names.map((name) => {
    const v = variables[name] || {};
    const value = textOf(v.value, v.value_text);
    const grad = textOf(v.grad, v.grad_text);
    const nameCell = hasNode(name)
      ? h("button", { type: "button", class: "link-button", title: `Show ${name} in the graph`, onClick: () => onPick?.(name) }, h("code", { text: name }))
      : h("code", { text: name });
    return h("tr", { dataset: { var: name } },
      h("th", { scope: "row" }, nameCell),
      h("td", { text: shapeText(v.shape) }),
      h("td", { text: v.dtype ? String(v.dtype).replace(/^torch\./, "") : "" }),
      h("td", { text: yesNo(v.requires_grad) }),
      h("td", {}, v.grad_fn ? h("code", { text: v.grad_fn }) : ""),
      h("td", { class: "mono", title: value }, preview(value)),
      h("td", { class: "mono", title: grad }, preview(grad)));
  });
  const table = h("table", { class: "data-table" },
    h("caption", { class: "visually-hidden", text: "Variables of the program" }),
    head, h("tbody", {}, rows));
  container.replaceChildren(table);
}
