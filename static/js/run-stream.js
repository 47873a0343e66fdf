// Live events of one training run over Server-Sent Events, with no gap and no duplicate.
//
// EventSource reconnects by itself after a dropped connection and resends Last-Event-ID, so the
// server can resume where it stopped. Two cases it does not cover are handled here:
//  - a failed reconnect (server answered an error, e.g. while restarting) closes the
//    EventSource for good: we open a new one after a back-off;
//  - a new EventSource (that one, or after a page reload) has no Last-Event-ID: the server may
//    replay from the start, or send only what comes next.
// So after each (re)connection the run's history is fetched and merged, and every event is
// deduplicated: by its SSE id when it has one, and epoch events also by their epoch number
// (so history entries, which carry no SSE id, and replayed events can never double up).

import { api } from "./api.js";

const TERMINAL = ["done", "error", "cancelled"];
const MAX_BACKOFF_MS = 10_000;

export class RunStream {
  /**
   * `handlers`: onEpoch(event), onTerminal(type, data), onState("connecting"|"live"|"reconnecting"|"closed").
   * `lastEpoch`: the last epoch already shown (from the history the page restored).
   */
  constructor(runId, handlers, { lastEpoch = 0, afterId = null } = {}) {
    this.runId = runId;
    this.handlers = handlers;
    this.lastEpoch = lastEpoch;
    // The last SSE id already shown: the stream is asked to start after it (?after=).
    this.lastId = Number.isFinite(afterId) ? afterId : -Infinity;
    this.finished = false;
    this.source = null;
    this.backoff = 500;
    this.timer = 0;
    this.pending = [];
    this.catching = null;
  }

  start() {
    this.connect();
    return this;
  }

  connect() {
    if (this.finished) return;
    this.handlers.onState?.("connecting");
    // A new EventSource has no Last-Event-ID: ?after= resumes it (the browser's own
    // reconnects send the header, which the server prefers).
    const after = Number.isFinite(this.lastId) && this.lastId > 0 ? `?after=${this.lastId}` : "";
    const source = new EventSource(`${api.eventsUrl(this.runId)}${after}`);
    this.source = source;
    source.addEventListener("open", () => {
      this.backoff = 500;
      this.handlers.onState?.("live");
      this.catchUp();
    });
    source.addEventListener("epoch", (e) => this.receive("epoch", e));
    for (const type of TERMINAL) {
      source.addEventListener(type, (e) => {
        // "error" is both the server's event name and EventSource's own connection-error
        // event; only the server's carries data.
        if (type === "error" && !(e instanceof MessageEvent && e.data)) return this.connectionError(source);
        return this.receive(type, e);
      });
    }
  }

  connectionError(source) {
    if (this.finished || source !== this.source) return;
    if (source.readyState === EventSource.CLOSED) {
      this.handlers.onState?.("reconnecting");
      window.clearTimeout(this.timer);
      this.timer = window.setTimeout(() => this.connect(), this.backoff);
      this.backoff = Math.min(this.backoff * 2, MAX_BACKOFF_MS);
    } else {
      this.handlers.onState?.("reconnecting"); // EventSource is retrying on its own
    }
  }

  /** Merge the run's stored history: fills whatever the connection missed. */
  catchUp() {
    if (this.catching) return this.catching;
    this.catching = (async () => {
      let terminal = null;
      try {
        const run = await api.getRun(this.runId);
        for (const event of run.history || []) this.epoch(event, true);
        terminal = terminalOf(run);
      } catch {
        // The stream itself still delivers; history is only the safety net.
      } finally {
        this.catching = null;
        // Stream events that arrived ahead of a gap, now in order after the history.
        const pending = this.pending.sort((a, b) => a.epoch - b.epoch);
        this.pending = [];
        for (const event of pending) this.epoch(event, true);
      }
      if (terminal) this.terminal(terminal.type, terminal.data);
    })();
    return this.catching;
  }

  receive(type, event) {
    const id = event.lastEventId === "" ? null : Number(event.lastEventId);
    if (id !== null && Number.isFinite(id)) {
      if (id <= this.lastId) return; // already seen (replayed after a reconnect)
      this.lastId = id;
    }
    let data = {};
    try {
      data = event.data ? JSON.parse(event.data) : {};
    } catch {
      return;
    }
    if (type === "epoch") this.epoch(data);
    else this.terminal(type, data);
  }

  epoch(data, fromHistory = false) {
    if (this.finished || !(data.epoch > this.lastEpoch)) return;
    // Epochs arrive in order; a live one that skips ahead means some were missed: hold it
    // back and fetch the history first.
    if (!fromHistory && data.epoch > this.lastEpoch + 1) {
      this.pending.push(data);
      this.catchUp();
      return;
    }
    this.lastEpoch = data.epoch;
    this.handlers.onEpoch?.(data);
  }

  terminal(type, data) {
    if (this.finished) return;
    if (this.catching) {
      // Let the epochs being fetched land before the run is declared over.
      this.catching.then(() => this.terminal(type, data));
      return;
    }
    this.finished = true;
    this.close();
    this.handlers.onTerminal?.(type, data);
  }

  close() {
    window.clearTimeout(this.timer);
    this.source?.close();
    this.source = null;
    this.handlers.onState?.("closed");
  }
}

/**
 * The stored history has no parameters (only epoch, loss, val_loss, lr, elapsed_ms), so a
 * restored run replays its events from the start once, up to `upToId`, only to hand their
 * parameters to `onEpoch`. Best effort: it closes at `upToId`, at the end, or on any error.
 */
export function backfillEvents(runId, upToId, onEpoch) {
  if (!(upToId > 0)) return () => {};
  const source = new EventSource(`${api.eventsUrl(runId)}?after=0`);
  const close = () => source.close();
  source.addEventListener("epoch", (e) => {
    try {
      onEpoch(JSON.parse(e.data));
    } catch {
      // a malformed event is skipped; the live charts do not depend on it
    }
    if (Number(e.lastEventId) >= upToId) close();
  });
  for (const type of TERMINAL) source.addEventListener(type, close);
  return close;
}

/** {type, data} of a finished run from GET /api/runs/{id}, or null while it runs. */
export function terminalOf(run) {
  const status = String(run.status || "");
  const final = run.final || run.metrics || {};
  if (["done", "completed", "succeeded", "finished"].includes(status)) return { type: "done", data: final };
  if (["error", "failed"].includes(status)) {
    // The record may keep the error as an {type, message} object or as plain text.
    const error = typeof run.error === "string" ? { type: "runtime", message: run.error } : run.error || {};
    return { type: "error", data: { error } };
  }
  if (status === "cancelled" || status === "canceled") return { type: "cancelled", data: final };
  return null;
}
