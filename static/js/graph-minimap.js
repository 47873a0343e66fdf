// The minimap of a big picture: the drawn SVG's boxes, cluster frames and edges as flat shapes
// on a small <canvas>, with the part in view as a red frame; a click moves the view there.
// Drawn from the coordinates Graphviz wrote (no layout, no second SVG document: an <img> of
// a 5k-node SVG cost ~2.5 s of the page's thread to parse and paint).

const SIZE = 160; // CSS pixels, the longer side

/** Graphviz's `translate(x y)` on the top group: user units -> viewBox units. */
function offsetOf(svg) {
  const top = svg.querySelector(":scope > g, :scope > * > g.graph");
  const m = /translate\(\s*([-\d.e]+)[ ,]+([-\d.e]+)\s*\)/.exec(top?.getAttribute("transform") || "");
  return m ? [Number(m[1]), Number(m[2])] : [0, 0];
}

function numbers(text) {
  return (text || "").match(/-?\d*\.?\d+(?:e-?\d+)?/g)?.map(Number) || [];
}

/** [x0, y0, x1, y1] of a shape's points (polygon) or its ellipse, in user units. */
function boxOf(g) {
  const shape = g.querySelector(":scope > polygon, :scope > ellipse, :scope > path");
  if (!shape) return null;
  if (shape.tagName === "ellipse") {
    const [cx, cy, rx, ry] = ["cx", "cy", "rx", "ry"].map((a) => Number(shape.getAttribute(a)));
    return [cx - rx, cy - ry, cx + rx, cy + ry];
  }
  const v = numbers(shape.getAttribute(shape.tagName === "path" ? "d" : "points"));
  if (v.length < 4) return null;
  const xs = v.filter((_, i) => i % 2 === 0);
  const ys = v.filter((_, i) => i % 2 === 1);
  return [Math.min(...xs), Math.min(...ys), Math.max(...xs), Math.max(...ys)];
}

export class Minimap {
  /** Draw `svg` (mounted; its viewBox is the whole picture) into a new box in `container`. */
  constructor(container, svg, onPick) {
    const vb = svg.viewBox.baseVal;
    const scale = Math.min(SIZE / vb.width, SIZE / vb.height);
    this.width = Math.max(8, Math.round(vb.width * scale));
    this.height = Math.max(8, Math.round(vb.height * scale));
    this.box = document.createElement("div");
    this.box.className = "gt-minimap";
    this.box.setAttribute("aria-hidden", "true");
    this.box.style.width = `${this.width}px`;
    this.box.style.height = `${this.height}px`;
    const canvas = document.createElement("canvas");
    const ratio = window.devicePixelRatio || 1;
    canvas.width = Math.round(this.width * ratio);
    canvas.height = Math.round(this.height * ratio);
    this.view = document.createElement("div");
    this.view.className = "gt-minimap-view";
    this.box.append(canvas, this.view);
    this.box.addEventListener("click", (e) => {
      const frame = this.box.getBoundingClientRect();
      onPick((e.clientX - frame.left) / frame.width, (e.clientY - frame.top) / frame.height);
    });
    this.paint(canvas.getContext("2d"), svg, scale * ratio, vb);
    container.append(this.box);
  }

  paint(ctx, svg, k, vb) {
    if (!ctx) return;
    const [dx, dy] = offsetOf(svg);
    const X = (x) => (x + dx - vb.x) * k;
    const Y = (y) => (y + dy - vb.y) * k;
    const rect = (b) => [X(b[0]), Y(b[1]), Math.max(1, (b[2] - b[0]) * k), Math.max(1, (b[3] - b[1]) * k)];
    ctx.fillStyle = "#fff";
    ctx.fillRect(0, 0, ctx.canvas.width, ctx.canvas.height);
    ctx.strokeStyle = "#94a3b8";
    ctx.lineWidth = 1;
    for (const g of svg.querySelectorAll("g.cluster")) {
      const b = boxOf(g);
      if (b) ctx.strokeRect(...rect(b));
    }
    ctx.strokeStyle = "#9ca3af";
    ctx.beginPath();
    for (const path of svg.querySelectorAll("g.edge > path")) {
      const v = numbers(path.getAttribute("d"));
      if (v.length < 4) continue;
      ctx.moveTo(X(v[0]), Y(v[1]));
      ctx.lineTo(X(v[v.length - 2]), Y(v[v.length - 1]));
    }
    ctx.stroke();
    for (const g of svg.querySelectorAll("g.node")) {
      const b = boxOf(g);
      if (!b) continue;
      const cluster = g.classList.contains("gt-cluster-node");
      ctx.fillStyle = cluster ? "#6366f1" : g.classList.contains("gt-fold") ? "#d97706" : g.classList.contains("gt-leaf") ? "#3b82f6" : "#64748b";
      ctx.fillRect(...rect(b));
    }
  }

  /** Move the red frame to `view` ({x, y, w, h} as fractions of the picture). */
  show(view) {
    if (!this.box.isConnected || !view) return;
    const clamp = (v) => Math.max(0, Math.min(1, v));
    const x0 = clamp(view.x);
    const y0 = clamp(view.y);
    const x1 = clamp(view.x + view.w);
    const y1 = clamp(view.y + view.h);
    // a pan only moves the frame (a transform: no layout, no repaint of the page's layers);
    // its size changes with the zoom
    const s = this.view.style;
    s.transform = `translate(${x0 * this.width}px, ${y0 * this.height}px)`;
    const size = `${Math.max(2, (x1 - x0) * this.width).toFixed(1)}px ${Math.max(2, (y1 - y0) * this.height).toFixed(1)}px`;
    if (size !== this.size) {
      this.size = size;
      [s.width, s.height] = size.split(" ");
    }
  }
}
