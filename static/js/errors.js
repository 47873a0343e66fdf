// Turn an API error into words a learner understands, keeping Python's/PyTorch's own message
// verbatim underneath (it is what they will search for).

import { h } from "./dom.js";

const HEADLINES = {
  syntax: "Python could not read this program (syntax error).",
  not_allowed: "This program uses something gradtrace does not allow.",
  limit: "The program went over one of gradtrace's limits.",
  runtime: "The program stopped with an error.",
  timeout: "The program took too long and was stopped.",
  crash: "The program's worker crashed (for example it ran out of memory).",
  validation: "The request was not accepted.",
  network: "The server could not be reached.",
  http: "The server answered with an error.",
  not_found: "Not found.",
  rate_limited: "Too many runs in a short time.",
  saturated: "The server is busy running other programs.",
  too_large: "The program is too large to send.",
  invalid_json: "The request was not valid JSON.",
  render: "The graph could not be drawn.",
  conflict: "The run has no trained model yet.",
  internal: "gradtrace hit an internal error.",
};

const ADVICE = {
  syntax: "Look at the marked line (or the line just before it) for a missing bracket, colon or quote.",
  not_allowed: "gradtrace runs tutorial-style PyTorch only: files, networking and most imports are switched off.",
  limit: "Make the tensors or loops smaller and run again.",
  runtime: "The message below is the one Python or PyTorch gave.",
  timeout: "Look for a loop that never ends, or make the work smaller.",
  crash: "Try smaller tensors. If it keeps happening, it is a gradtrace bug.",
  validation: "",
  network: "Check that the gradtrace server is running, then try again.",
  http: "",
  not_found: "",
  rate_limited: "Wait a few seconds, then run again.",
  saturated: "Wait a few seconds, then try again.",
  too_large: "Shorten the program (or its inline data).",
  internal: "This is a bug in gradtrace, not in your program; it has been logged.",
};

// PyTorch's most common messages in tutorials, each with what it means for a learner. The
// original message is always shown as well.
const TIPS = [
  [/backward through the graph a second time/i, "backward() frees the graph it walked. To call it twice, pass retain_graph=True to the first call (or rebuild the graph by running the forward code again)."],
  [/grad can be implicitly created only for scalar outputs/i, "backward() with no argument needs a single number (a scalar). Reduce the tensor first, e.g. z.sum().backward() or z.mean().backward(), or pass a gradient of the same shape: z.backward(torch.ones_like(z))."],
  [/leaf Variable that requires grad is being used in an in-place operation/i, "A leaf tensor that requires grad was changed in place. Do parameter updates inside `with torch.no_grad():`, or use an out-of-place operation."],
  [/modified by an inplace operation/i, "A tensor autograd saved for backward was changed in place afterwards. Use an out-of-place operation (y = y + 1 instead of y += 1) or .clone() before changing it."],
  [/does not require grad and does not have a grad_fn/i, "This tensor is not connected to any tensor with requires_grad=True, so there is nothing to differentiate. Create the inputs with requires_grad=True (and not under torch.no_grad() or after .detach())."],
  [/mat1 and mat2 shapes cannot be multiplied|size mismatch/i, "The shapes do not fit a matrix product: in a @ b the last size of a must equal the first size of b. Check the shapes in the variables table."],
  [/must match the size of tensor b|shapes? .* (cannot|can't) be broadcast|not broadcastable/i, "The two tensors' shapes cannot be broadcast together: sizes must be equal or 1, compared from the right."],
  [/expected (scalar type|.*dtype)|found dtype/i, "Two tensors have different dtypes (e.g. float32 and float64). Convert one with .float() or .double()."],
  [/only Tensors of floating point .* can require gradients/i, "Only floating-point tensors can require gradients: write 1.0 instead of 1, or add dtype=torch.float32."],
];

/** A learner's explanation of a PyTorch/Python message, or null when none applies. */
export function tipFor(message) {
  const hit = TIPS.find(([pattern]) => pattern.test(message || ""));
  return hit ? hit[1] : null;
}

export function headline(error) {
  const where = error.line ? ` (line ${error.line}${error.column ? `, column ${error.column}` : ""})` : "";
  return `${HEADLINES[error.type] || "Something went wrong."}${where}`;
}

/** Fill `box` with the explanation of `error` ({type, message, line, column}) and show it. */
export function showError(box, error, { expected = false, title = null } = {}) {
  const advice = ADVICE[error.type] || "";
  const parts = [
    h("p", { class: "error-title" }, h("strong", { text: title || headline(error) })),
    expected ? h("p", { class: "hint", text: "This example is meant to fail: the error is the lesson." }) : null,
    advice ? h("p", { text: advice }) : null,
    tipFor(error.message) ? h("p", { class: "error-tip" }, h("strong", { text: "What it means: " }), tipFor(error.message)) : null,
    error.message ? h("pre", { class: "error-message", tabindex: "0", "aria-label": "Error message" }, error.message) : null];
  box.replaceChildren(...parts.filter(Boolean));
  box.dataset.type = error.type || "";
  box.hidden = false;
}

export function hideError(box) {
  box.hidden = true;
  box.replaceChildren();
  delete box.dataset.type;
}
