// Big graphs drawn by the page: module clusters that open and close, folded repeats that open
// on click, a minimap, and search that opens whatever hides a match. The layout is Graphviz's
// own `dot` compiled to WebAssembly, run in a worker (layout-worker.js), so the SVG has the very
// structure the server's has (<g id="n3" class="node">, <g id="e_n1_n3" class="edge">) and
// everything that styles or paints the server's SVG works on it unchanged.

import { ClusterModel } from "./graph-clusters.js";
import { Minimap } from "./graph-minimap.js";

// Pictures of fewer nodes than this fit the canvas readably: no minimap.
const MINIMAP_FROM = 40;
// Pictures laid out before, by DOT text: closing what was just opened (or opening it again)
// shows at once, without Graphviz.
const LAYOUTS_KEPT = 8;

let worker = null;
let nextJob = 0;
let lastLayoutMs = 0;

/** Milliseconds Graphviz took for the last layout (in the worker), for the benchmarks. */
export const layoutStats = () => ({ layoutMs: lastLayoutMs });
const jobs = new Map();

function layoutWorker() {
  if (!worker) {
    worker = new Worker(new URL("./layout-worker.js", import.meta.url), { type: "module" });
    worker.onmessage = (event) => {
      const job = jobs.get(event.data.id);
      jobs.delete(event.data.id);
      if (!job) return;
      if (event.data.error) job.reject(new Error(event.data.error));
      else {
        lastLayoutMs = event.data.ms;
        job.resolve(event.data.svg);
      }
    };
    worker.onerror = (event) => {
      for (const job of jobs.values()) job.reject(new Error(event.message || "the layout worker failed"));
      jobs.clear();
      worker = null;
    };
  }
  return worker;
}

/** Lay out DOT text in the worker; resolves to SVG text. */
export function layoutDot(dot) {
  const id = nextJob++;
  return new Promise((resolve, reject) => {
    jobs.set(id, { resolve, reject });
    layoutWorker().postMessage({ id, dot });
  });
}

/** Start the worker and compile Graphviz now, so the first big graph does not wait for it. */
export function warmLayout() {
  layoutDot("digraph{a}").catch(() => {});
}

export class BigGraph {
  constructor(canvas, graph) {
    this.canvas = canvas;
    this.model = new ClusterModel(graph);
    this.model.initialState();
    this.rep = new Map();
    this.svgText = null;
    this.layouts = new Map();
    this.drawing = Promise.resolve();
    this.minimap = null;
    this.onClick = (e) => {
      const g = e.target.closest?.("g.node, g.cluster");
      if (!g || !this.canvas.svg?.contains(g) || this.model.byId.has(g.id)) return;
      const [x0, y0] = this.canvas.pointerStart || [e.clientX, e.clientY];
      if (Math.hypot(e.clientX - x0, e.clientY - y0) > 5) return;
      e.stopImmediatePropagation();
      this.toggle(g.id);
    };
    this.onKey = (e) => {
      const g = e.target.closest?.("g.node, g.cluster");
      if (!g || this.model.byId.has(g.id) || (e.key !== "Enter" && e.key !== " ")) return;
      e.preventDefault();
      e.stopImmediatePropagation();
      this.toggle(g.id);
    };
    canvas.container.addEventListener("click", this.onClick, true);
    canvas.container.addEventListener("keydown", this.onKey, true);
  }

  destroy() {
    this.canvas.container.removeEventListener("click", this.onClick, true);
    this.canvas.container.removeEventListener("keydown", this.onKey, true);
    clearTimeout(this.minimapTimer);
  }

  /** Representative id drawn for node `id`. */
  repOf(id) { return this.rep.get(id) ?? id; }

  /** Open or close what was clicked, and draw the new picture around the same spot. */
  async toggle(id) {
    const anchor = this.canvas.screenPosition(id);
    if (!this.model.toggle(id)) return;
    await this.draw({ anchor: anchor && { ...anchor, id: this.anchorAfter(id) } });
    this.canvas.container.dispatchEvent(new CustomEvent("gt-layout", { detail: { toggled: id } }));
  }

  /** After a toggle the clicked id may be gone: keep the view on the first node it held. */
  anchorAfter(id) {
    const bare = id.replace(/^k_/, "");
    const module = this.model.moduleById.get(bare);
    const f = this.model.foldById.get(bare);
    const first = module ? this.model.nodes.find((n) => n.module === module.path || n.module?.startsWith(`${module.path}.`))?.id : f?.members[0]?.[0];
    return first ? () => this.repOf(first) : () => id;
  }

  /** Lay out and show the current picture; `anchor` keeps one element where it was on screen. */
  draw({ anchor = null } = {}) {
    const run = async () => {
      const t0 = performance.now();
      const { dot, rep, count } = this.model.toDot();
      const t1 = performance.now();
      const svgText = this.layouts.get(dot) ?? (await layoutDot(dot));
      this.layouts.delete(dot); // most recently used last
      this.layouts.set(dot, svgText);
      if (this.layouts.size > LAYOUTS_KEPT) this.layouts.delete(this.layouts.keys().next().value);
      const t2 = performance.now();
      this.rep = rep;
      this.svgText = svgText;
      this.canvas.mountText(svgText, { anchor, label: `Autograd graph with ${this.model.nodes.length} nodes, ${count} shown` });
      const t3 = performance.now();
      this.decorate();
      this.minimap = count > MINIMAP_FROM && this.canvas.svg
        ? new Minimap(this.canvas.container, this.canvas.svg, (fx, fy) => this.canvas.panToFraction(fx, fy))
        : null;
      this.minimap?.show(this.canvas.visibleFraction());
      this.timings = { dot: t1 - t0, layout: t2 - t1, mount: t3 - t2, rest: performance.now() - t3 };
    };
    this.drawing = this.drawing.then(run, run);
    return this.drawing;
  }

  /** Classes and labels for clusters and folds (graph-canvas's decorate() does real nodes). */
  decorate() {
    const svg = this.canvas.svg;
    for (const g of svg.querySelectorAll("g.node")) {
      const module = this.model.moduleById.get(g.id);
      const f = this.model.foldById.get(g.id);
      const paged = this.model.pageOf(g.id);
      if (!module && !f && !paged) continue;
      g.classList.add(f ? "gt-fold" : "gt-cluster-node");
      const text = module
        ? `module ${module.path} (${module.class}), ${module.total_nodes} nodes, collapsed: press Enter to open`
        : f ? `${f.label}, repeated ${f.count} times, folded: press Enter to open`
          : `more modules of ${paged.path}: press Enter to show more`;
      g.setAttribute("tabindex", "0");
      g.setAttribute("role", "button");
      g.setAttribute("aria-label", text);
      const title = g.querySelector(":scope > title");
      if (title) title.textContent = text;
    }
    for (const g of svg.querySelectorAll("g.cluster")) {
      const module = this.model.moduleById.get(g.id.replace(/^k_/, ""));
      if (!module) continue;
      g.classList.add("gt-cluster");
      g.setAttribute("tabindex", "0");
      g.setAttribute("role", "button");
      g.setAttribute("aria-label", `module ${module.path} (${module.class}), open: press Enter to close`);
      const title = g.querySelector(":scope > title");
      if (title) title.textContent = `${module.path} · ${module.class}: click to collapse`;
    }
  }

  /** All nodes matching `test` (hidden ones too); marks the drawn ids that hold a match. */
  search(test) {
    const matches = this.model.nodes.filter(test).map((n) => n.id);
    this.markMatches(matches);
    return matches;
  }

  markMatches(matches) {
    const hit = new Set(matches.map((id) => this.repOf(id)));
    const searching = matches.length > 0 || this.canvas.searchQuery;
    for (const g of this.canvas.svg?.querySelectorAll("g.node") || []) {
      g.classList.toggle("gt-match", hit.has(g.id));
      g.classList.toggle("gt-dim", Boolean(searching) && !hit.has(g.id));
    }
  }

  /** Open what hides node `id` and draw it, if it is not drawn itself. */
  async reveal(id) {
    if (this.repOf(id) === id) return false;
    this.model.reveal(id);
    await this.draw();
    return true;
  }

  /** Move the minimap's frame to the part of the graph in view, at most every 100 ms while
   * the view moves: each move repaints the page's layers (~4 ms a frame with 5k nodes drawn). */
  updateMinimap() {
    if (!this.minimap || this.minimapTimer) return;
    this.minimapTimer = setTimeout(() => {
      this.minimapTimer = null;
      this.minimap?.show(this.canvas.visibleFraction());
    }, 100);
  }
}
