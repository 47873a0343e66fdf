// What the training page can work out in the browser from a config and the parameters an epoch
// event carries: which extra charts apply, the model's output for a few x (a tiny forward pass
// of the nn.Sequential) and the inline data. (The loss landscape comes from the worker.)

import { flatNumbers, num } from "./api.js";

const REGRESSION = new Set(["mse", "l1", "smooth_l1", "huber"]);
const ACTIVATIONS = {
  relu: (v) => Math.max(0, v),
  tanh: Math.tanh,
  sigmoid: (v) => 1 / (1 + Math.exp(-v)),
  // PyTorch's GELU with approximate="tanh"; the exact erf form differs by < 1e-3.
  gelu: (v) => 0.5 * v * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (v + 0.044715 * v ** 3))),
};

const layersOf = (config) => config?.model?.layers || [];

/** Number of input features, when the browser can tell without loading the data. */
export function featureCount(config) {
  const data = config?.data || {};
  if (data.synthetic) return data.synthetic.kind === "regression" || data.synthetic.kind === "classification" ? data.synthetic.n_features ?? 1 : 2;
  if (Array.isArray(data.x)) return Array.isArray(data.x[0]) ? data.x[0].length : 1;
  if (typeof data.csv === "string") return Math.max(0, (data.csv.trim().split("\n")[0] || "").split(",").length - 1);
  return null;
}

/** A regression on one input feature with one output: the data can be drawn as y against x. */
export function isRegression1D(config) {
  if (!REGRESSION.has(config?.loss?.type) || featureCount(config) !== 1) return false;
  const linears = layersOf(config).filter((l) => l.type === "linear");
  return linears.length > 0 && linears[linears.length - 1].out_features === 1;
}

/** The data written in the config as {x: [...], y: [...]} (first feature), or null. */
export function inlinePoints(config) {
  const data = config?.data;
  if (!data || !Array.isArray(data.x) || !Array.isArray(data.y)) return null;
  const first = (r) => num(Array.isArray(r) ? r[0] : r);
  return { x: data.x.map(first), y: data.y.map(first) };
}

/** Whether `forward` can run the model with these parameters (all small and supported). */
export function canForward(config, params) {
  if (!params) return false;
  return layersOf(config).every((layer, i) => {
    if (layer.type === "linear") {
      const w = params[`${i}.weight`];
      const b = params[`${i}.bias`];
      return Array.isArray(w) && (layer.bias === false || Array.isArray(b));
    }
    return layer.type in ACTIVATIONS || ["leaky_relu", "dropout", "flatten"].includes(layer.type);
  });
}

/** The model's output (first unit) at each of `xs`, in eval mode (dropout does nothing). */
export function forward(config, params, xs) {
  const layers = layersOf(config);
  return xs.map((x) => {
    let v = [x];
    layers.forEach((layer, i) => {
      if (layer.type === "linear") {
        const w = params[`${i}.weight`].map((row) => row.map(num));
        const b = layer.bias === false ? null : flatNumbers(params[`${i}.bias`]);
        v = w.map((row, o) => row.reduce((s, wij, j) => s + wij * v[j], b ? b[o] : 0));
      } else if (layer.type === "leaky_relu") {
        const slope = layer.negative_slope ?? 0.01;
        v = v.map((a) => (a >= 0 ? a : slope * a));
      } else if (ACTIVATIONS[layer.type]) {
        v = v.map(ACTIVATIONS[layer.type]);
      }
    });
    return v[0];
  });
}

/** Evenly spaced values from a to b. */
export function linspace(a, b, n) {
  if (n < 2 || a === b) return [a];
  return Array.from({ length: n }, (_, i) => a + ((b - a) * i) / (n - 1));
}
