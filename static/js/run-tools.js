// The run's tools on the training page: the epoch scrubber (replay any epoch's values on the
// step graph and on every chart together), clone into the form, the permalink, the history
// downloads and each chart's PNG/SVG export.

import { api } from "./api.js";
import { chartPng, chartSvg } from "./chart-tools.js";
import { $, $$, announce, copyText } from "./dom.js";

export class RunTools {
  /** `targets`: {charts (TrainCharts), histograms (HistogramView), graph (StepGraph),
   *  compare (RunCompare)}; `onClone(config, id)` puts a run's config into the form. */
  constructor(targets, { onClone }) {
    this.t = targets;
    this.els = {
      scrub: $("#epoch-scrubber"), scrubOut: $("#scrub-epoch"), live: $("#scrub-live"),
      clone: $("#clone-run"), link: $("#copy-link"), csv: $("#download-csv"), json: $("#download-json"),
    };
    this.runId = null;
    this.config = null;
    this.following = true;
    this.els.scrub.addEventListener("input", () => this.scrubTo(Number(this.els.scrub.value)));
    this.els.live.addEventListener("click", () => this.follow());
    this.els.clone.addEventListener("click", () => this.config && onClone(this.config, this.runId));
    this.els.link.addEventListener("click", async () => {
      await copyText(this.permalink());
      announce("Link to this run copied");
    });
    for (const button of $$("[data-export]")) button.addEventListener("click", () => this.export(button.dataset.export, button.dataset.format));
  }

  permalink() {
    return `${window.location.origin}/train?run=${encodeURIComponent(this.runId)}`;
  }

  /** A run is on screen: enable its tools. */
  setRun(id, config) {
    this.runId = id;
    this.config = config;
    this.els.clone.disabled = false;
    this.els.link.disabled = false;
    for (const [a, format] of [[this.els.csv, "csv"], [this.els.json, "json"]]) {
      a.href = api.historyUrl(id, format);
      a.removeAttribute("aria-disabled");
    }
    this.els.scrub.max = "0";
    this.els.scrub.value = "0";
    this.els.scrub.disabled = true;
    this.follow();
  }

  /** A new epoch arrived: the scrubber's range grows; when following, the graph shows it. */
  epoch(epoch) {
    const scrub = this.els.scrub;
    scrub.disabled = false;
    scrub.min = "1";
    if (epoch > Number(scrub.max)) scrub.max = String(epoch);
    if (this.following) {
      scrub.value = String(epoch);
      this.t.graph.showValues(this.t.charts.valuesAt(epoch), epoch);
    }
  }

  /** Epoch `epoch`'s values arrived late (a replay): show them if that epoch is on screen. */
  refresh(epoch) {
    if (Number(this.els.scrub.value) === epoch) this.t.graph.showValues(this.t.charts.valuesAt(epoch), epoch);
  }

  scrubTo(epoch) {
    this.following = false;
    this.els.live.disabled = false;
    this.els.scrubOut.textContent = `epoch ${epoch}`;
    this.t.charts.setEpoch(epoch);
    this.t.histograms.setEpoch(epoch);
    this.t.graph.showValues(this.t.charts.valuesAt(epoch), epoch);
  }

  follow() {
    this.following = true;
    this.els.live.disabled = true;
    this.els.scrubOut.textContent = "live";
    this.t.charts.setEpoch(null);
    this.t.histograms.setEpoch(null);
    const last = Number(this.els.scrub.max);
    if (last > 0) {
      this.els.scrub.value = String(last);
      this.t.graph.showValues(this.t.charts.valuesAt(last), last);
    }
  }

  export(name, format) {
    const base = `gradtrace-${name}-${String(this.runId ?? "chart").slice(0, 8)}`;
    const chart = {
      loss: this.t.charts.charts.loss, params: this.t.charts.charts.params,
      spread: this.t.histograms.charts.spread, single: this.t.histograms.charts.single,
      compare: this.t.compare.chart,
    }[name];
    if (name === "landscape") {
      const view = this.t.charts.landscape;
      if (format === "svg") return view.downloadSvg(`${base}.svg`);
      if (view.image) chartPng(view.image, "Loss landscape", `${base}.png`);
      return undefined;
    }
    if (!chart) return undefined;
    if (format === "svg") return chartSvg(chart, `${base}.svg`);
    return chartPng(chart.plot.ctx.canvas, chart.opts.title, `${base}.png`);
  }
}
