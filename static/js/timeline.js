// The timeline of a traced run (issue 13): turns the server's `timeline` ({frames, backward,
// truncated}) into one list of positions (forward frames with each backward pass's steps
// played in between) and drives it with a scrubber, step/play buttons and the keyboard. It
// knows nothing of the SVG: it reports the current position to `onChange`, and the page paints
// it (graph-playback.js) and highlights its source line (editor.js).

import { announce, h } from "./dom.js";

const PLAY_MS = 800;

const loopText = (frame) => {
  const it = frame.iteration ?? frame.loop_iteration;
  if (it === null || it === undefined || (Array.isArray(it) && !it.length)) return "";
  // The server counts iterations from 0 (one per enclosing loop); learners count from 1.
  const all = (Array.isArray(it) ? it : [it]).map((i) => Number(i) + 1);
  // Nested loops: outermost first, "loop iterations 2 › 3".
  return all.length > 1 ? ` · loop iterations ${all.join(" › ")}` : ` · loop iteration ${all[0]}`;
};

// A training step's frames have no source line: they name their stage.
const STAGES = {
  forward: "Forward: the model's output and the loss",
  backward: "After loss.backward(): gradients in each parameter's .grad",
  step: "After optimizer.step(): the parameters moved",
  end: "End",
};

const shorten = (text) => {
  const first = text.split(/ \(|\. /)[0];
  return first.length > 90 ? `${first.slice(0, 89)}…` : first;
};

/** The backward passes a frame ends with (their indices), by `frame.backward` when given. */
function passesOfFrame(frame) {
  const b = frame.backward ?? frame.backward_passes;
  if (b === null || b === undefined || b === false) return [];
  return (Array.isArray(b) ? b : [b]).map(Number).filter(Number.isInteger);
}

/**
 * One flat list of positions from a timeline. Each backward pass's steps come just before the
 * frame of the statement that ran it (named by the frame's `backward` field, else the first
 * later frame on the pass's line), so stepping shows the graph, then the gradient flowing,
 * then the state after the statement.
 */
export function buildPositions(timeline) {
  const frames = timeline?.frames || [];
  const passes = timeline?.backward || [];
  const placed = new Map(); // frame index -> pass indices
  const used = new Set();
  frames.forEach((frame, i) => {
    for (const p of passesOfFrame(frame)) {
      if (p >= 0 && p < passes.length && !used.has(p)) {
        used.add(p);
        (placed.get(i) || placed.set(i, []).get(i)).push(p);
      }
    }
  });
  let from = 0;
  passes.forEach((pass, p) => {
    if (used.has(p)) return;
    let at = frames.findIndex((f, i) => i >= from && f.line === pass.line);
    if (at < 0) at = frames.length; // after the last frame (a pass whose frame was cut off)
    (placed.get(at) || placed.set(at, []).get(at)).push(p);
    used.add(p);
    from = at;
  });

  const positions = [];
  const pushPasses = (at, before) => {
    for (const p of placed.get(at) || []) {
      const pass = passes[p];
      const steps = pass.steps || [];
      steps.forEach((step, s) => positions.push({ kind: "backward", pass: p, step: s, line: pass.line, before, data: pass }));
      if (!steps.length) positions.push({ kind: "backward", pass: p, step: -1, line: pass.line, before, data: pass });
    }
  };
  frames.forEach((frame, i) => {
    pushPasses(i, i > 0 ? frames[i - 1] : null);
    positions.push({ kind: "frame", frame: i, line: frame.line, data: frame });
  });
  pushPasses(frames.length, frames.at(-1) || null);
  return positions;
}

/** What a position is, in words: "line 6 · frame 3 of 9", "backward() from line 16 · step 2 of 4: MulBackward0". */
export function describePosition(position, timeline, nodeName = (id) => id) {
  if (!position) return "";
  if (position.kind === "frame") {
    const n = timeline.frames.length;
    const f = position.data;
    // The label keeps the error's first words; the note under it quotes it whole.
    const error = f.error ? ` · error: ${shorten(String(f.error.message || f.error))}` : "";
    if (f.kind === "skipped") return `${f.line ? `Line ${f.line} · ` : ""}iterations skipped · frame ${position.frame + 1} of ${n}`;
    // Frames of a training step name their stage (forward, backward, optimizer step) instead.
    const where = f.line ? `Line ${f.line}` : STAGES[f.kind] || String(f.kind || "Frame");
    return `${where}${loopText(f)} · frame ${position.frame + 1} of ${n}${error}`;
  }
  const pass = position.data;
  const steps = pass.steps || [];
  const nth = timeline.backward.length > 1 ? ` ${position.pass + 1} of ${timeline.backward.length}` : "";
  const flags = [pass.retain_graph && "retain_graph=True", pass.create_graph && "create_graph=True"].filter(Boolean);
  const call = pass.kind === "grad" ? "autograd.grad" : "Backward pass";
  const head = `${call}${nth}${pass.line ? ` from line ${pass.line}` : ""}${flags.length ? ` (${flags.join(", ")})` : ""}`;
  if (position.step < 0) return `${head} · no steps recorded`;
  return `${head} · step ${position.step + 1} of ${steps.length}: ${nodeName(steps[position.step].node)} runs`;
}

/** The scrubber, buttons and label of a timeline, in `container`; reports moves to onChange. */
export class Timeline {
  constructor(container, { onChange, describe, label = "Timeline" } = {}) {
    this.container = container;
    this.onChange = onChange;
    this.describe = describe || ((p) => describePosition(p, this.timeline));
    this.positions = [];
    this.timeline = null;
    this.index = 0;
    this.timer = 0;
    const button = (cls, text, name, key) => h("button", {
      type: "button", class: `btn btn-icon ${cls}`, "aria-label": name, title: `${name} (${key})`, "aria-keyshortcuts": key,
    }, h("span", { "aria-hidden": "true", text }));
    // Glyphs every font here has (⏮/⏭ are missing from DejaVu); names say what they do.
    this.first = button("tl-first", "|◀", "First position", "Home");
    this.prev = button("tl-prev", "◀", "Step back", "ArrowLeft");
    this.play = h("button", { type: "button", class: "btn tl-play", "aria-pressed": "false", title: "Play (Space)", "aria-keyshortcuts": "Space" }, "Play");
    this.next = button("tl-next", "▶", "Step forward", "ArrowRight");
    this.last = button("tl-last", "▶|", "Last position", "End");
    this.scrubber = h("input", { type: "range", class: "tl-scrubber", min: "0", max: "0", value: "0", step: "1", "aria-label": `${label} position` });
    this.label = h("p", { class: "tl-label", id: `${container.id || "timeline"}-label` });
    this.note = h("p", { class: "tl-note hint" });
    this.warning = h("p", { class: "tl-warning hint" });
    this.scrubber.setAttribute("aria-describedby", this.label.id);
    container.replaceChildren(
      h("div", { class: "tl-controls", role: "group", "aria-label": `${label} controls` },
        this.first, this.prev, this.play, this.next, this.last, this.scrubber),
      this.label, this.note, this.warning);
    this.first.addEventListener("click", () => this.go(0, { say: true }));
    this.prev.addEventListener("click", () => this.step(-1));
    this.next.addEventListener("click", () => this.step(1));
    this.last.addEventListener("click", () => this.go(this.positions.length - 1, { say: true }));
    this.play.addEventListener("click", () => this.toggle());
    this.scrubber.addEventListener("input", () => { this.pause(); this.go(Number(this.scrubber.value)); });
    this.scrubber.addEventListener("change", () => announce(this.describe(this.current)));
  }

  get current() { return this.positions[this.index] || null; }
  get active() { return Boolean(this.timeline) && !this.container.hidden; }

  /** Show `timeline` (null hides the controls); starts at the first position. */
  load(timeline, { start = 0 } = {}) {
    this.pause();
    this.timeline = timeline && (timeline.frames?.length || timeline.backward?.length) ? timeline : null;
    this.positions = this.timeline ? buildPositions(this.timeline) : [];
    this.container.hidden = !this.timeline;
    if (!this.timeline) { this.onChange?.(null); return; }
    this.timeline.frames ||= [];
    this.timeline.backward ||= [];
    this.scrubber.max = String(Math.max(0, this.positions.length - 1));
    this.warning.textContent = this.timeline.truncated
      ? "The trace was cut short at a size limit: some frames or steps are left out (a skipped frame counts them)."
      : "";
    this.go(Math.min(Math.max(start, 0), this.positions.length - 1));
  }

  go(index, { say = false } = {}) {
    if (!this.positions.length) return;
    this.index = Math.min(Math.max(index, 0), this.positions.length - 1);
    const text = this.describe(this.current);
    this.scrubber.value = String(this.index);
    this.scrubber.setAttribute("aria-valuetext", text);
    this.label.textContent = text;
    // aria-disabled, not disabled: a button that loses "enabled" under the keyboard focus
    // would drop the focus to <body> (and out of the panel whose keys step the timeline).
    const atStart = this.index === 0;
    const atEnd = this.index === this.positions.length - 1;
    for (const [button, off] of [[this.first, atStart], [this.prev, atStart], [this.next, atEnd], [this.last, atEnd]]) {
      button.setAttribute("aria-disabled", String(off));
    }
    this.onChange?.(this.current, this.index);
    if (say) announce(text);
  }

  step(delta) {
    this.pause();
    this.go(this.index + delta, { say: true });
  }

  toggle() { if (this.timer) this.pause(); else this.start(); }

  start() {
    if (!this.positions.length) return;
    if (this.index >= this.positions.length - 1) this.go(0);
    this.setPlaying(true);
    announce("Playing the timeline");
    this.timer = window.setInterval(() => {
      if (this.index >= this.positions.length - 1) { this.pause(); announce(`End of the timeline. ${this.describe(this.current)}`); return; }
      this.go(this.index + 1);
    }, PLAY_MS);
  }

  pause() {
    if (!this.timer) return;
    window.clearInterval(this.timer);
    this.timer = 0;
    this.setPlaying(false);
  }

  setPlaying(on) {
    this.play.setAttribute("aria-pressed", String(on));
    this.play.title = `${on ? "Pause" : "Play"} (Space)`;
    this.play.textContent = on ? "Pause" : "Play";
  }

  /**
   * The keyboard outside the editor and form fields: ←/→ (and ↑/↓) step, Home/End jump, Space
   * plays. Returns true when the key was used. The page calls this from its keydown listener.
   */
  handleKey(event) {
    if (!this.active || event.altKey || event.ctrlKey || event.metaKey) return false;
    const t = event.target;
    const inField = t instanceof Element && (t.closest(".CodeMirror, textarea, select, [contenteditable]")
      || (t.matches("input") && t !== this.scrubber));
    if (inField) return false;
    const onControl = t instanceof Element && t.closest("button, a, g.node, [role=tab]");
    const moves = { ArrowLeft: -1, ArrowUp: -1, ArrowRight: 1, ArrowDown: 1 };
    if (event.target === this.scrubber && event.key in moves) return false; // the range moves itself
    if (event.key in moves && !t.closest?.("[role=tablist]")) { this.step(moves[event.key]); return true; }
    if (event.key === "Home") { this.pause(); this.go(0, { say: true }); return true; }
    if (event.key === "End") { this.pause(); this.go(this.positions.length - 1, { say: true }); return true; }
    if (event.key === " " && !onControl) { this.toggle(); return true; }
    return false;
  }
}
