// The runs list of the training page: newest first, paged with "Show older runs", each entry
// a button that reopens the run (its history, charts and, while it runs, its live stream), and
// a checkbox that picks it for the comparison (run-compare.js).

import { api, num } from "./api.js";
import { formatNumber, h } from "./dom.js";

const PAGE = 20;

// The store's statuses, in the words the page uses.
const STATUS_TEXT = { succeeded: "done", failed: "failed", queued: "queued", running: "running", cancelled: "stopped", cancelling: "stopping…" };
export const statusLabel = (status) => STATUS_TEXT[status] || status || "?";

function when(run) {
  const stamp = run.created_at ?? run.started_at ?? run.created ?? null;
  if (stamp === null) return "";
  const date = typeof stamp === "number" ? new Date(stamp < 1e12 ? stamp * 1000 : stamp) : new Date(stamp);
  return Number.isNaN(date.getTime()) ? "" : date.toLocaleString();
}

function describe(run) {
  const cfg = run.config || {};
  const layers = cfg.model?.layers?.filter((l) => l.type === "linear").map((l) => `${l.in_features}→${l.out_features}`).join(", ");
  const data = cfg.data?.synthetic?.kind || (cfg.data?.csv ? "csv" : cfg.data ? "inline data" : "");
  return run.title || run.preset || [layers && `linear ${layers}`, data, cfg.optimizer?.type].filter(Boolean).join(" · ");
}

export class RunsList {
  constructor(list, moreButton, { onOpen, onPick }) {
    this.list = list;
    this.more = moreButton;
    this.onOpen = onOpen;
    this.onPick = onPick;
    this.picked = new Set(); // run ids ticked for comparison, kept across reloads of the list
    this.offset = 0;
    this.currentId = null;
    moreButton.addEventListener("click", () => this.load({ append: true }));
  }

  async load({ append = false } = {}) {
    if (!append) this.offset = 0;
    let body;
    try {
      body = await api.listRuns(PAGE, this.offset);
    } catch (err) {
      if (!append) this.list.replaceChildren(h("li", { class: "placeholder", text: err.status === 404 ? "The runs API is not available on this server." : `Runs could not be loaded: ${err.message}` }));
      return;
    }
    const runs = Array.isArray(body) ? body : body?.runs || body?.items || [];
    const items = runs.map((run) => this.item(run));
    if (append) this.list.append(...items);
    else this.list.replaceChildren(...(items.length ? items : [h("li", { class: "placeholder", text: "No runs yet." })]));
    this.offset += runs.length;
    const total = body?.total;
    this.more.hidden = runs.length < PAGE || (typeof total === "number" && this.offset >= total);
    this.markCurrent(this.currentId);
  }

  item(run) {
    const m = run.metrics || run.final || {};
    const meta = [
      when(run),
      m.epochs ? `${m.epochs} epochs` : null,
      m.loss !== undefined && m.loss !== null ? `loss ${formatNumber(num(m.loss))}` : null,
      m.accuracy !== undefined && m.accuracy !== null ? `accuracy ${(num(m.accuracy) * 100).toFixed(1)}%` : null,
    ].filter(Boolean).join(" · ");
    const button = h("button", { type: "button", dataset: { run: run.id } },
      h("span", {}, h("code", { text: String(run.id).slice(0, 8) }), " ", describe(run)),
      h("span", { class: "status-pill", dataset: { status: run.status || "" }, text: statusLabel(run.status) }),
      meta ? h("span", { class: "run-meta", text: meta }) : null);
    button.addEventListener("click", () => this.onOpen(run.id));
    const pick = h("input", { type: "checkbox", dataset: { compare: run.id }, "aria-label": `Compare run ${String(run.id).slice(0, 8)}` });
    pick.checked = this.picked.has(run.id);
    pick.addEventListener("change", () => {
      if (pick.checked) this.picked.add(run.id);
      else this.picked.delete(run.id);
      this.onPick?.([...this.picked]);
    });
    return h("li", {}, h("label", { class: "pick" }, pick), button);
  }

  markCurrent(id) {
    this.currentId = id;
    for (const button of this.list.querySelectorAll("button[data-run]")) {
      if (button.dataset.run === String(id)) button.setAttribute("aria-current", "true");
      else button.removeAttribute("aria-current");
    }
  }

  /** Update one entry's status pill in place (live runs change status without a reload). */
  setStatus(id, status) {
    const pill = this.list.querySelector(`button[data-run="${CSS.escape(String(id))}"] .status-pill`);
    if (pill) {
      pill.dataset.status = status;
      pill.textContent = statusLabel(status);
    }
  }
}
