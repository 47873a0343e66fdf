// The training config as a form. The config JSON is the one source of truth: the form is built
// from whatever fields it holds (so every field of a preset is editable, including ones this
// file does not know), with selects for the known choices and sensible defaults when a layer,
// loss, optimizer or data source changes kind. The raw-JSON tab edits the same object.

import { h } from "./dom.js";

const LAYERS = { linear: { in_features: 1, out_features: 1, bias: true }, relu: {}, leaky_relu: { negative_slope: 0.01 }, tanh: {}, sigmoid: {}, gelu: { approximate: "none" }, dropout: { p: 0.5 }, batchnorm1d: { num_features: 1 }, flatten: {} };
const LOSSES = { mse: {}, l1: {}, smooth_l1: { beta: 1.0 }, huber: { delta: 1.0 }, bce_with_logits: {}, cross_entropy: { label_smoothing: 0.0 } };
const OPTIMIZERS = { sgd: { momentum: 0.0 }, adam: {}, adamw: { weight_decay: 0.01 }, rmsprop: {}, adagrad: {} };
const SCHEDULERS = { step: { step_size: 10, gamma: 0.5 }, cosine: { t_max: 100, eta_min: 0.0 } };
const SYNTHETIC = {
  regression: { n_samples: 100, n_features: 1, noise: 10.0, bias: 0.0, random_state: 0 },
  classification: { n_samples: 200, n_features: 2, n_informative: 2, n_classes: 2, random_state: 0 },
  moons: { n_samples: 200, noise: 0.2, random_state: 0 },
  circles: { n_samples: 200, noise: 0.05, factor: 0.5, random_state: 0 },
};
const DATA_SOURCES = {
  inline: () => ({ x: [[1.0], [2.0], [3.0]], y: [[2.0], [4.0], [6.0]] }),
  synthetic: () => ({ synthetic: { kind: "regression", ...SYNTHETIC.regression } }),
  csv: () => ({ csv: "x,y\n1,2\n2,4\n3,6\n", target: "y" }),
};
// Top-level keys a config may leave out, with the value the "Add option" menu inserts.
const OPTIONAL = { scheduler: { type: "step", ...SCHEDULERS.step }, validation_split: 0.2, report_loss: "epoch", predict_x: [[4.0]], batch_size: 16, shuffle: true, seed: 0, device: "auto", epochs: 100, landscape: "random_2d", histograms: true };
// String fields with a fixed set of values, by path pattern (indices written as *).
const CHOICES = {
  device: ["auto", "cpu", "cuda"],
  report_loss: ["epoch", "last_batch"],
  landscape: ["auto", "off", "random_1d", "random_2d"],
  "loss.reduction": ["mean", "sum"],
  "model.layers.*.approximate": ["none", "tanh"],
};
const SECTIONS = [
  ["model", "Model"], ["data", "Data"], ["loss", "Loss"], ["optimizer", "Optimizer"], ["scheduler", "Learning-rate schedule"],
];
const HINTS = {
  batch_size: "Empty means the whole data set in one batch.",
  validation_split: "Share of rows kept aside to measure val_loss.",
  report_loss: "epoch: mean loss over the epoch; last_batch: the last batch's loss, as tutorials print it.",
  predict_x: "Inputs to predict after training, one row per input.",
  landscape: "auto: the loss over 1 or 2 scalar parameters, live; random_1d/2d: a slice along random filter-normalised directions at the end; off.",
  histograms: "Histograms of every parameter and its gradient, each epoch.",
};

export const dataSourceOf = (data) => (data && "synthetic" in data ? "synthetic" : data && "csv" in data ? "csv" : "inline");
// A stored run's config spells out every default, most of them null ("init": null,
// "predict_x": null): those are left off the form (the JSON tab still has them).
const shown = (obj, key) => obj[key] !== null || key === "batch_size";
const pattern = (path) => path.map((p) => (typeof p === "number" ? "*" : p)).join(".");
const idFor = (path) => `cfg-${path.join("-").replace(/[^A-Za-z0-9_-]/g, "_")}`;
const clone = (v) => JSON.parse(JSON.stringify(v));

function getAt(obj, path) {
  return path.reduce((o, k) => (o == null ? undefined : o[k]), obj);
}
function setAt(obj, path, value) {
  const parent = getAt(obj, path.slice(0, -1));
  parent[path[path.length - 1]] = value;
}

/** Arrays are edited as JSON text: rows of a matrix one per line so data stays readable. */
function arrayText(value) {
  if (value.length && value.every(Array.isArray)) return `[\n${value.map((r) => `  ${JSON.stringify(r)}`).join(",\n")}\n]`;
  return JSON.stringify(value);
}

export class ConfigForm {
  constructor(root, { onChange } = {}) {
    this.root = root;
    this.onChange = onChange;
    this.config = {};
    this.cudaAvailable = false;
  }

  setConfig(config) {
    this.config = clone(config);
    this.render();
  }

  getConfig() {
    return clone(this.config);
  }

  setCudaAvailable(available) {
    this.cudaAvailable = available;
    const option = this.root.querySelector(`#${idFor(["device"])} option[value="cuda"]`);
    if (option) option.disabled = !available;
  }

  changed({ rerender = false } = {}) {
    if (rerender) this.render();
    this.onChange?.(this.getConfig());
  }

  /** Rebuild the form, keeping keyboard focus on the same field when it still exists. */
  render() {
    const focusedId = this.root.contains(document.activeElement) ? document.activeElement.id : null;
    const known = new Set(SECTIONS.map(([k]) => k));
    const parts = [];
    for (const [key, title] of SECTIONS) {
      if (key === "model" && this.config.model) parts.push(this.modelSection());
      else if (key === "data" && this.config.data) parts.push(this.dataSection());
      else if (this.config[key] && typeof this.config[key] === "object") parts.push(this.objectFieldset([key], title, { removable: key in OPTIONAL }));
    }
    const rest = Object.keys(this.config).filter((k) => !known.has(k) && shown(this.config, k));
    parts.push(h("fieldset", {}, h("legend", { text: "Training" }), ...rest.map((k) => this.field([k]))));
    parts.push(this.addOptionRow());
    this.root.replaceChildren(...parts);
    if (focusedId) document.getElementById(focusedId)?.focus();
  }

  addOptionRow() {
    // batch_size: null means "full batch" and is shown as such; any other null is "not set".
    const missing = Object.keys(OPTIONAL).filter((k) => !(k in this.config) || (this.config[k] === null && k !== "batch_size"));
    if (!missing.length) return null;
    const select = h("select", { id: "cfg-add-option", "aria-label": "Add an option" },
      h("option", { value: "" }, "Add an option…"), ...missing.map((k) => h("option", { value: k }, k)));
    select.addEventListener("change", () => {
      if (!select.value) return;
      this.config[select.value] = clone(OPTIONAL[select.value]);
      this.changed({ rerender: true });
    });
    return h("div", { class: "form-row" }, h("label", { for: "cfg-add-option", text: "More options" }), select);
  }

  modelSection() {
    const layers = this.config.model.layers || [];
    const items = layers.map((layer, i) => this.layerItem(layer, i, layers.length));
    const add = h("button", { type: "button", class: "btn btn-small", onClick: () => {
      const lastLinear = [...layers].reverse().find((l) => l.type === "linear");
      layers.push({ type: "linear", in_features: lastLinear?.out_features ?? 1, out_features: 1 });
      this.changed({ rerender: true });
    } }, "+ Add layer");
    const extra = Object.keys(this.config.model).filter((k) => k !== "layers").map((k) => this.field(["model", k]));
    return h("fieldset", {}, h("legend", { text: "Model (nn.Sequential)" }), ...items, add, ...extra);
  }

  layerItem(layer, i, count) {
    const layers = this.config.model.layers;
    const move = (delta) => () => {
      [layers[i], layers[i + delta]] = [layers[i + delta], layers[i]];
      this.changed({ rerender: true });
    };
    const head = h("div", { class: "list-item-head" },
      h("span", { text: `Layer ${i} (${layer.type})` }),
      h("span", {},
        h("button", { type: "button", class: "btn btn-small", "aria-label": `Move layer ${i} up`, disabled: i === 0, onClick: move(-1) }, "↑"),
        h("button", { type: "button", class: "btn btn-small", "aria-label": `Move layer ${i} down`, disabled: i === count - 1, onClick: move(1) }, "↓"),
        h("button", { type: "button", class: "btn btn-small btn-danger", "aria-label": `Remove layer ${i}`, disabled: count === 1, onClick: () => { layers.splice(i, 1); this.changed({ rerender: true }); } }, "×")));
    const path = ["model", "layers", i];
    const fields = [this.typeSelect(path, LAYERS, (type) => ({ type, ...clone(LAYERS[type]) }))];
    for (const key of Object.keys(layer)) if (key !== "type" && shown(layer, key)) fields.push(this.field([...path, key]));
    return h("div", { class: "list-item" }, head, ...fields);
  }

  dataSection() {
    const data = this.config.data;
    const source = dataSourceOf(data);
    const id = "cfg-data-source";
    const select = h("select", { id }, ...Object.keys(DATA_SOURCES).map((k) => h("option", { value: k, selected: k === source }, k)));
    select.addEventListener("change", () => {
      this.config.data = DATA_SOURCES[select.value]();
      this.changed({ rerender: true });
    });
    const rows = [h("div", { class: "form-row" }, h("label", { for: id, text: "source" }), select)];
    if (source === "synthetic") {
      const path = ["data", "synthetic"];
      rows.push(this.typeSelect(path, SYNTHETIC, (kind) => ({ kind, ...clone(SYNTHETIC[kind]) }), "kind"));
      for (const key of Object.keys(data.synthetic)) if (key !== "kind") rows.push(this.field([...path, key]));
    } else {
      for (const key of Object.keys(data)) rows.push(this.field(["data", key]));
    }
    return h("fieldset", {}, h("legend", { text: "Data" }), ...rows);
  }

  /** The fieldset of a {type, ...} object such as loss or optimizer. */
  objectFieldset(path, title, { removable = false } = {}) {
    const obj = getAt(this.config, path);
    const table = { loss: LOSSES, optimizer: OPTIMIZERS, scheduler: SCHEDULERS }[path[0]];
    const rows = [];
    if (table && "type" in obj) {
      // Keep what carries over between kinds (lr, reduction) when the type changes.
      rows.push(this.typeSelect(path, table, (type) => ({ type, ...clone(table[type]), ...(obj.lr !== undefined ? { lr: obj.lr } : {}), ...(obj.reduction ? { reduction: obj.reduction } : {}) })));
    }
    for (const key of Object.keys(obj)) if (!(table && key === "type")) rows.push(this.field([...path, key]));
    const legend = h("legend", {}, title,
      removable ? h("button", { type: "button", class: "btn btn-small btn-ghost", "aria-label": `Remove ${path[0]}`, onClick: () => { delete this.config[path[0]]; this.changed({ rerender: true }); } }, "×") : null);
    return h("fieldset", {}, legend, ...rows);
  }

  typeSelect(path, table, make, key = "type") {
    const obj = getAt(this.config, path);
    const id = idFor([...path, key]);
    const select = h("select", { id, "data-path": [...path, key].join(".") },
      ...Object.keys(table).map((t) => h("option", { value: t, selected: t === obj[key] }, t)));
    if (!(obj[key] in table)) select.prepend(h("option", { value: obj[key], selected: true }, String(obj[key])));
    select.addEventListener("change", () => {
      setAt(this.config, path, make(select.value));
      this.changed({ rerender: true });
    });
    return h("div", { class: "form-row" }, h("label", { for: id, text: key }), select);
  }

  /** One row for the value at `path`, its input chosen by the value's JSON type. */
  field(path) {
    const key = path[path.length - 1];
    const value = getAt(this.config, path);
    const id = idFor(path);
    if (value && typeof value === "object" && !Array.isArray(value)) {
      return h("fieldset", {}, h("legend", { text: String(key) }), ...Object.keys(value).map((k) => this.field([...path, k])));
    }
    const error = h("span", { class: "field-error", id: `${id}-error`, "aria-live": "polite" });
    const input = this.input(path, value, id, error);
    input.id = id;
    input.dataset.path = path.join(".");
    const hint = HINTS[pattern(path)];
    if (hint) input.setAttribute("title", hint);
    return h("div", { class: "form-row" }, h("label", { for: id, text: String(key) }), h("div", {}, input, error));
  }

  input(path, value, id, error) {
    const set = (v) => { setAt(this.config, path, v); error.textContent = ""; input.removeAttribute("aria-invalid"); this.changed(); };
    const fail = (message) => { error.textContent = message; input.setAttribute("aria-invalid", "true"); };
    const choices = CHOICES[pattern(path)];
    let input;
    if (typeof value === "boolean") {
      input = h("input", { type: "checkbox", checked: value });
      input.addEventListener("change", () => set(input.checked));
    } else if (choices) {
      input = h("select", {}, ...choices.map((c) => h("option", { value: c, selected: c === value, disabled: c === "cuda" && !this.cudaAvailable }, c === "cuda" ? "cuda (GPU)" : c)));
      input.addEventListener("change", () => set(input.value));
    } else if (typeof value === "number" || (value === null && path[path.length - 1] === "batch_size")) {
      input = h("input", { type: "number", step: "any", value: value ?? "", placeholder: value === null ? "full batch" : null, inputmode: "decimal" });
      input.addEventListener("input", () => {
        if (input.value.trim() === "") return path[path.length - 1] === "batch_size" ? set(null) : fail("Enter a number.");
        const n = Number(input.value);
        return Number.isFinite(n) ? set(n) : fail("Enter a number.");
      });
    } else if (Array.isArray(value) || value === null) {
      input = h("textarea", { rows: Array.isArray(value) && value.length > 2 && value.every(Array.isArray) ? Math.min(8, value.length + 2) : 2, spellcheck: "false" });
      input.value = value === null ? "null" : arrayText(value);
      input.addEventListener("input", () => {
        try { set(JSON.parse(input.value)); } catch { fail("Not valid JSON (write numbers like [[1.0], [2.0]])."); }
      });
    } else {
      const multiline = typeof value === "string" && (value.includes("\n") || path[path.length - 1] === "csv");
      input = multiline ? h("textarea", { rows: 5, spellcheck: "false" }) : h("input", { type: "text", value });
      if (multiline) input.value = value;
      input.addEventListener("input", () => set(input.value));
    }
    input.setAttribute("aria-describedby", `${id}-error`);
    return input;
  }

  /** Mark the fields a 422 answer names (FastAPI `loc` lists); returns how many were found. */
  markErrors(detail = []) {
    let found = 0;
    for (const problem of detail) {
      // The loc also names union tags ("linear", "sgd"); keep only segments present in the config.
      const path = [];
      let node = this.config;
      for (const part of (problem.loc || []).filter((p) => p !== "body")) {
        if (node && typeof node === "object" && part in node) { path.push(part); node = node[part]; }
      }
      const el = path.length ? this.root.querySelector(`[data-path="${CSS.escape(path.join("."))}"]`) : null;
      const message = this.root.querySelector(`#${CSS.escape(el?.id || "")}-error`);
      if (el && message) {
        el.setAttribute("aria-invalid", "true");
        message.textContent = problem.msg || "Invalid value.";
        found += 1;
      }
    }
    return found;
  }
}
