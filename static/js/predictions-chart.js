// After training: what the model predicts on a sample of the data (the done event's
// `predictions` of kind "points"). Two-feature classification is drawn as the data plane
// coloured by predicted class, with the misclassified points marked; other regressions as
// predicted against true values around the y = x diagonal.

import { num } from "./api.js";
import { XYChart } from "./charts.js";

const first = (v) => num(Array.isArray(v) ? v[0] : v);
const MAX_CLASSES = 8;

/** Draw `predictions` into `container` (emptied first); returns the chart or null. */
export function renderPredictions(container, predictions) {
  container.replaceChildren();
  if (!predictions || predictions.kind !== "points" || !Array.isArray(predictions.x)) return null;
  const { x, y, y_pred: yPred } = predictions;
  const twoD = x.length && Array.isArray(x[0]) && x[0].length === 2;
  const isClasses = yPred.every((v) => Number.isInteger(first(v))) && y.every((v) => Number.isInteger(first(v)));
  if (twoD && isClasses) return classPlane(container, predictions);
  if (isClasses) return null;
  const truth = y.map(first);
  const pred = yPred.map(first);
  const lo = Math.min(...truth, ...pred);
  const hi = Math.max(...truth, ...pred);
  const chart = new XYChart(container, {
    title: "Predicted against true", xlabel: "true y", ylabel: "predicted y", xPad: true,
    series: [{ label: "perfect (y = x)", kind: "line", dash: [6, 4], color: "#444444" }, { label: "rows", kind: "scatter" }],
    ariaLabel: "Scatter of predicted against true values",
  });
  chart.setData([{ x: [lo, hi], y: [lo, hi] }, { x: truth, y: pred }]);
  return chart;
}

function classPlane(container, { x, y, y_pred: yPred, class_names: names }) {
  const classes = [...new Set(yPred.map(first))].sort((a, b) => a - b).slice(0, MAX_CLASSES);
  const label = (c) => `predicted ${names?.[c] ?? c}`;
  const series = classes.map((c) => ({ label: label(c), kind: "scatter", size: 7 }));
  series.push({ label: "misclassified", kind: "scatter", size: 4, color: "#000000" });
  const chart = new XYChart(container, {
    title: "Predicted classes", xlabel: "feature 0", ylabel: "feature 1", series, xPad: true,
    ariaLabel: "Scatter of the data coloured by predicted class; black dots mark wrong predictions",
  });
  const data = classes.map((c) => {
    const rows = x.filter((_, i) => first(yPred[i]) === c);
    return { x: rows.map((r) => num(r[0])), y: rows.map((r) => num(r[1])) };
  });
  const wrong = x.filter((_, i) => first(yPred[i]) !== first(y[i]));
  data.push({ x: wrong.map((r) => num(r[0])), y: wrong.map((r) => num(r[1])) });
  chart.setData(data);
  return chart;
}
