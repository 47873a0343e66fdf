// The REST API as async functions. Every failure becomes an ApiError carrying the server's
// {"error": {type, message, line, column}} object, so the pages have one error shape to show.

export class ApiError extends Error {
  constructor(status, error = {}, body = null) {
    super(error.message || `Request failed (${status})`);
    this.name = "ApiError";
    this.status = status;
    this.type = error.type || "http";
    this.line = error.line ?? null;
    this.column = error.column ?? null;
    this.detail = error;
    // The whole body: a 422 also lists every problem in `detail` ([{loc, msg}]).
    this.body = body;
  }
}

/** FastAPI's own 422 body is {"detail": [{loc, msg}]}; turn it into one readable sentence. */
function detailMessage(detail) {
  if (typeof detail === "string") return detail;
  if (Array.isArray(detail)) {
    return detail
      .map((d) => `${(d.loc || []).filter((p) => p !== "body").join(".") || "request"}: ${d.msg}`)
      .join("; ");
  }
  return JSON.stringify(detail);
}

async function request(method, url, body, { signal } = {}) {
  const init = { method, signal, headers: { Accept: "application/json" } };
  if (body !== undefined) {
    init.headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  let response;
  try {
    response = await fetch(url, init);
  } catch (err) {
    if (err.name === "AbortError") throw err;
    throw new ApiError(0, {
      type: "network",
      message: "The gradtrace server could not be reached. Check that it is running, then try again.",
    });
  }
  const text = await response.text();
  let data = null;
  try {
    data = text ? JSON.parse(text) : null;
  } catch {
    data = null;
  }
  if (!response.ok) {
    if (data && data.error) throw new ApiError(response.status, data.error, data);
    const message = data && data.detail ? detailMessage(data.detail) : `${response.status} ${response.statusText}`;
    const type = response.status === 422 ? "validation" : "http";
    throw new ApiError(response.status, { type, message }, data);
  }
  return data;
}

const enc = encodeURIComponent;

export const api = {
  health: () => request("GET", "/health"),
  examples: () => request("GET", "/api/examples"),
  example: (id) => request("GET", `/api/examples/${enc(id)}`),
  graph: (body, opts) => request("POST", "/api/graph", body, opts),
  presets: () => request("GET", "/api/presets"),
  createRun: (config) => request("POST", "/api/runs", config),
  listRuns: (limit = 20, offset = 0) => request("GET", `/api/runs?limit=${limit}&offset=${offset}`),
  getRun: (id) => request("GET", `/api/runs/${enc(id)}`),
  cancelRun: (id) => request("DELETE", `/api/runs/${enc(id)}`),
  predict: (id, inputs) => request("POST", `/api/runs/${enc(id)}/predict`, { inputs }),
  runGraph: (id, opts = {}) => request("GET", `/api/runs/${enc(id)}/graph${opts.trace ? "?trace=true" : ""}`, undefined, opts),
  eventsUrl: (id) => `/api/runs/${enc(id)}/events`,
  landscape: (id) => request("GET", `/api/runs/${enc(id)}/landscape`),
  histograms: (id, maxEpochs = 500) => request("GET", `/api/runs/${enc(id)}/histograms?max_epochs=${maxEpochs}`),
  historyUrl: (id, format) => `/api/runs/${enc(id)}/history.${format}`,
};

/** The API writes non-finite floats as strings; turn one value back into a number. */
export function num(value) {
  if (typeof value === "number") return value;
  if (value === "NaN") return NaN;
  if (value === "Infinity") return Infinity;
  if (value === "-Infinity") return -Infinity;
  if (value === null || value === undefined || typeof value === "boolean") return value;
  const n = Number(value);
  return Number.isNaN(n) ? value : n;
}

/** `num` applied to every leaf of nested arrays (tensor values, plot data). */
export function nums(value) {
  return Array.isArray(value) ? value.map(nums) : num(value);
}

/** Flatten nested arrays of numbers into one plain array. */
export function flatNumbers(value) {
  if (!Array.isArray(value)) return [num(value)];
  return value.flat(Infinity).map(num);
}

/** For charts: NaN and the infinities cannot be drawn, so they become gaps (null). */
export function plottable(value) {
  const n = num(value);
  return typeof n === "number" && Number.isFinite(n) ? n : null;
}
