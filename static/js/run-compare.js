// Run comparison: two or more runs' loss curves on one chart and the differences between their
// configs, as a table. Opened from the runs list's checkboxes or from /train?compare=a,b (a
// link that can be shared).

import { api, num } from "./api.js";
import { XYChart } from "./charts.js";
import { readoutHooks } from "./chart-tools.js";
import { formatNumber, h } from "./dom.js";

/** A config as {"optimizer.lr": 0.01, "model.layers.0.type": "linear", ...}. */
export function flatten(value, prefix = "", out = {}) {
  if (value && typeof value === "object" && !(Array.isArray(value) && value.every((v) => typeof v !== "object"))) {
    const entries = Array.isArray(value) ? value.map((v, i) => [String(i), v]) : Object.entries(value);
    if (!entries.length) out[prefix] = value;
    for (const [k, v] of entries) flatten(v, prefix ? `${prefix}.${k}` : k, out);
    return out;
  }
  out[prefix] = value;
  return out;
}

/** Rows of [path, values per config, same?], differing rows first. */
export function configDiff(configs) {
  const flats = configs.map((c) => flatten(c || {}));
  const paths = [...new Set(flats.flatMap((f) => Object.keys(f)))].sort();
  const rows = paths.map((path) => {
    const values = flats.map((f) => (path in f ? JSON.stringify(f[path]) : "—"));
    return { path, values, same: values.every((v) => v === values[0]) };
  });
  return [...rows.filter((r) => !r.same), ...rows.filter((r) => r.same)];
}

export class RunCompare {
  constructor({ panel, chart, diff, readout, log, close }) {
    this.els = { panel, chart, diff, readout, log };
    this.chart = null;
    this.ids = [];
    log.addEventListener("change", () => this.chart?.setYLog(log.checked));
    close.addEventListener("click", () => this.hide());
  }

  async show(ids) {
    this.ids = ids;
    const runs = await Promise.all(ids.map((id) => api.getRun(id).catch(() => null)));
    const found = runs.filter(Boolean);
    if (found.length < 2) return false;
    this.chart?.destroy();
    const label = (run) => `#${String(run.id).slice(0, 8)} ${run.config?.optimizer?.type ?? ""} lr ${run.config?.optimizer?.lr ?? "?"}`;
    this.chart = new XYChart(this.els.chart, {
      title: "Loss per epoch, run by run", xlabel: "epoch", ylabel: "loss", zoom: true, yLog: this.els.log.checked,
      series: found.map((run) => ({ label: label(run) })),
      hooks: readoutHooks(this.els.readout, "epoch"),
      ariaLabel: `Loss curves of runs ${found.map((r) => r.id).join(", ")}`,
    });
    this.els.panel.hidden = false;
    this.chart.setData(found.map((run) => ({ x: (run.history || []).map((e) => e.epoch), y: (run.history || []).map((e) => num(e.loss)) })));
    this.renderDiff(found);
    this.els.panel.dataset.runs = String(found.length);
    return true;
  }

  renderDiff(runs) {
    const rows = configDiff(runs.map((r) => r.config));
    const head = h("tr", {}, h("th", { scope: "col", text: "field" }), ...runs.map((r) => h("th", { scope: "col" }, h("code", { text: String(r.id).slice(0, 8) }))));
    const finals = h("tr", {}, h("th", { scope: "row", text: "final loss" }), ...runs.map((r) => h("td", { text: formatNumber(num(r.metrics?.loss)) })));
    const body = rows.map((r) => h("tr", { class: r.same ? "same" : "differs" }, h("th", { scope: "row" }, h("code", { text: r.path })), ...r.values.map((v) => h("td", {}, h("code", { text: v })))));
    const differing = rows.filter((r) => !r.same).length;
    this.els.diff.replaceChildren(
      h("caption", { class: "hint", text: `${differing} field(s) differ; the same ones follow, greyed.` }),
      h("thead", {}, head), h("tbody", {}, finals, ...body));
  }

  hide() {
    this.els.panel.hidden = true;
    this.chart?.destroy();
    this.chart = null;
  }
}
