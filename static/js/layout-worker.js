// A module worker that lays out DOT text with Graphviz compiled to WebAssembly (vendored
// @hpcc-js/wasm-graphviz), so a big layout never blocks panning, typing or clicks on the page.
// Messages: {id, dot} in; {id, svg} or {id, error} out.

import { Graphviz } from "../vendor/graphviz/graphviz.js";

const ready = Graphviz.load();

self.onmessage = async (event) => {
  const { id, dot } = event.data;
  try {
    const graphviz = await ready;
    const started = performance.now();
    const svg = graphviz.dot(dot, "svg");
    self.postMessage({ id, svg, ms: performance.now() - started });
  } catch (err) {
    self.postMessage({ id, error: String(err?.message || err) });
  }
};
