// The program editor: CodeMirror 5 (vendored, loaded as a classic script that defines the
// global `CodeMirror`) with Python highlighting, line numbers, bracket matching, Ctrl/Cmd+Enter
// to run and an error marker (highlighted line + message under it).

import { h } from "./dom.js";

/**
 * Replace `textarea` by an editor. Falls back to the bare textarea (still usable, no
 * highlighting) if CodeMirror did not load, so a broken vendor file never blocks a learner.
 */
export function createEditor(textarea, { onRun, onChange, onCursorLine } = {}) {
  const CM = window.CodeMirror;
  if (!CM) return textareaEditor(textarea, { onRun, onChange });

  // Tab indents inside the editor, which would trap keyboard users; Esc arms a one-shot
  // "let the next Tab move focus" escape hatch (the WAI advice for code editors).
  let escaped = false;
  const run = () => { onRun?.(); };
  const cm = CM.fromTextArea(textarea, {
    mode: { name: "python", version: 3 },
    lineNumbers: true,
    matchBrackets: true,
    indentUnit: 4,
    tabSize: 4,
    indentWithTabs: false,
    lineWrapping: false,
    extraKeys: {
      "Ctrl-Enter": run,
      "Cmd-Enter": run,
      Tab: (editor) => {
        if (editor.somethingSelected()) editor.indentSelection("add");
        else editor.replaceSelection(" ".repeat(editor.getOption("indentUnit")), "end");
      },
      "Shift-Tab": (editor) => editor.indentSelection("subtract"),
    },
  });
  // codemirrorIgnore makes CodeMirror leave the key to the browser, which moves focus. (A
  // key binding returning CodeMirror.Pass would not: the default keymap indents on Tab.)
  cm.on("keydown", (_editor, event) => {
    if (event.key === "Escape") escaped = true;
    else if (event.key === "Tab" && escaped) {
      escaped = false;
      event.codemirrorIgnore = true;
    } else escaped = false;
  });
  const input = cm.getInputField();
  input.setAttribute("aria-label", "Program source (Python)");
  input.setAttribute("aria-describedby", "editor-hint");

  let marked = null; // {line, widget}
  const clearError = () => {
    if (!marked) return;
    cm.removeLineClass(marked.line, "background", "cm-error-line");
    cm.removeLineClass(marked.line, "gutter", "cm-error-gutter");
    marked.widget.clear();
    marked = null;
  };
  cm.on("change", () => { clearError(); onChange?.(); });
  // Tell the page which line the cursor is on (a click or arrow key), so it can light up the
  // graph nodes that line made; not when a whole new program is put in.
  let settingValue = false;
  cm.on("cursorActivity", () => { if (!settingValue) onCursorLine?.(cm.getCursor().line + 1); });
  const lines = traceLines(cm);

  return {
    getValue: () => cm.getValue(),
    setValue: (text) => {
      settingValue = true;
      try { cm.setValue(text); cm.clearHistory(); } finally { settingValue = false; }
    },
    focus: () => cm.focus(),
    refresh: () => cm.refresh(),
    clearError,
    /** Mark 1-based `line` (and `column`) with `message`; out-of-range lines go to the last. */
    markError(line, column, message) {
      clearError();
      if (!line) return;
      const index = Math.min(Math.max(line - 1, 0), cm.lineCount() - 1);
      cm.addLineClass(index, "background", "cm-error-line");
      cm.addLineClass(index, "gutter", "cm-error-gutter");
      const where = column ? `Line ${line}, column ${column}` : `Line ${line}`;
      const node = h("div", { class: "cm-error-widget", role: "note" },
        h("strong", { text: `${where}: ` }), message);
      const widget = cm.addLineWidget(index, node, { coverGutter: false, noHScroll: true });
      marked = { line: index, widget };
      cm.scrollIntoView({ line: index, ch: 0 }, 80);
    },
    /** The line currently marked (1-based) or null, for tests and the error box. */
    markedLine: () => (marked ? marked.line + 1 : null),
    ...lines,
  };
}

/**
 * Timeline highlights: the line of the current frame ("trace") and the lines a clicked graph
 * node came from ("link"), each a line class kept apart from the error marker.
 */
function traceLines(cm) {
  const shown = { trace: [], link: [] };
  const set = (kind, lines, { scroll = false } = {}) => {
    for (const index of shown[kind]) {
      cm.removeLineClass(index, "wrap", `cm-${kind}-line`);
      cm.removeLineClass(index, "gutter", `cm-${kind}-gutter`);
    }
    shown[kind] = [];
    for (const line of lines) {
      if (!Number.isInteger(line) || line < 1 || line > cm.lineCount()) continue;
      cm.addLineClass(line - 1, "wrap", `cm-${kind}-line`);
      cm.addLineClass(line - 1, "gutter", `cm-${kind}-gutter`);
      shown[kind].push(line - 1);
    }
    if (scroll && shown[kind].length) cm.scrollIntoView({ line: shown[kind][0], ch: 0 }, 60);
  };
  return {
    /** Highlight 1-based `line` as the running one (null clears). */
    traceLine: (line) => set("trace", line ? [line] : [], { scroll: true }),
    /** Light up the lines `lines` (a clicked node's source) until the next call. */
    linkLines: (lines) => set("link", lines || [], { scroll: true }),
    /** The highlighted lines (1-based) of a kind, for tests. */
    highlighted: (kind = "trace") => shown[kind].map((i) => i + 1),
  };
}

function textareaEditor(textarea, { onRun, onChange }) {
  textarea.classList.add("editor-fallback");
  textarea.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
      event.preventDefault();
      onRun?.();
    }
  });
  textarea.addEventListener("input", () => onChange?.());
  return {
    getValue: () => textarea.value,
    setValue: (text) => { textarea.value = text; },
    focus: () => textarea.focus(),
    refresh: () => {},
    clearError: () => {},
    markError: () => {},
    markedLine: () => null,
    traceLine: () => {},
    linkLines: () => {},
    highlighted: () => [],
  };
}
