// Pan and zoom for big pictures as one CSS transform on the <svg> element, which the browser
// keeps on its own compositor layer (will-change: transform): a pan or zoom step then moves
// pixels already drawn instead of painting thousands of SVG nodes again, as svg-pan-zoom's
// `transform` attribute on an inner <g> makes Chromium do (~200 ms a frame for 5k nodes).
// Chromium draws the layer again at a new scale by itself (zoomed-in text stays sharp: checked
// on screenshots of Chromium 156), off the page's thread. The methods are the subset of svg-pan-zoom's API the pages use;
// points and pans are in pixels of the container, zooms are real scales (1 = 1 px per unit).

import { PointerGestures } from "./pointer-gestures.js";

function clampOf(min, max) {
  return (v) => Math.max(min, Math.min(max, v));
}

export class FastPanZoom {
  /** `svg` must already sit in its container (the positioned element that clips it). */
  constructor(svg, { minZoom = 0.01, maxZoom = 40, zoomScaleSensitivity = 0.25, onUpdatedCTM = null } = {}) {
    this.svg = svg;
    this.container = svg.parentNode;
    const vb = svg.viewBox?.baseVal;
    this.viewBox = vb && vb.width > 0 && vb.height > 0
      ? { x: vb.x, y: vb.y, width: vb.width, height: vb.height }
      : { x: 0, y: 0, width: svg.width?.baseVal.value || 100, height: svg.height?.baseVal.value || 100 };
    svg.classList.add("gt-fast-pz");
    svg.style.width = `${this.viewBox.width}px`;
    svg.style.height = `${this.viewBox.height}px`;
    this.range = [minZoom, maxZoom];
    this.step = 1 + zoomScaleSensitivity;
    this.onUpdatedCTM = onUpdatedCTM;
    this.x = 0;
    this.y = 0;
    this.z = 1;
    this.fitZoom = 1;
    this.resize();
    this.listen();
  }

  listen() {
    // drag with the mouse, a pen or one finger; pinch with two fingers (pointer-gestures.js)
    this.gestures = new PointerGestures(this.container, this, {
      accept: (e) => e.button === 0 && (e.target === this.container || this.svg.contains(e.target)),
    });
    this.onWheel = (e) => {
      e.preventDefault();
      const lines = e.deltaMode === 1 ? 33 : e.deltaMode === 2 ? 300 : 1;
      const delta = (e.deltaY || e.deltaX) * lines;
      const notches = Math.max(-1, Math.min(1, delta / 100));
      this.zoomAtPoint(this.z * this.step ** -notches, this.gestures.local({ x: e.clientX, y: e.clientY }));
    };
    // The <svg> is bigger than its clipping container, so the browser scrolls the container to
    // show a node that gets keyboard focus off screen: turn that scroll into a pan.
    this.onScroll = () => {
      const { scrollLeft: sx, scrollTop: sy } = this.container;
      if (!sx && !sy) return;
      this.container.scrollLeft = 0;
      this.container.scrollTop = 0;
      this.panBy({ x: -sx, y: -sy });
    };
    this.container.addEventListener("scroll", this.onScroll);
    this.container.addEventListener("wheel", this.onWheel, { passive: false });
  }

  destroy() {
    this.container.removeEventListener("scroll", this.onScroll);
    this.container.removeEventListener("wheel", this.onWheel);
    this.gestures.destroy();
  }

  resize() {
    this.width = this.container.clientWidth;
    this.height = this.container.clientHeight;
  }

  getSizes() {
    return { width: this.width, height: this.height, realZoom: this.z, viewBox: { ...this.viewBox } };
  }

  getZoom() { return this.z; }
  getPan() { return { x: this.x, y: this.y }; }

  pan({ x, y }) {
    this.x = x;
    this.y = y;
    this.apply();
  }

  panBy({ x, y }) { this.pan({ x: this.x + x, y: this.y + y }); }

  /** Zoom to real scale `zoom` keeping point (container pixels) where it is on screen. */
  zoomAtPoint(zoom, point) {
    const clamp = clampOf(this.fitZoom * this.range[0], Math.max(this.fitZoom * this.range[1], this.range[1]));
    const z = clamp(zoom);
    this.x = point.x - ((point.x - this.x) * z) / this.z;
    this.y = point.y - ((point.y - this.y) * z) / this.z;
    this.z = z;
    this.apply();
  }

  zoom(zoom) { this.zoomAtPoint(zoom, { x: this.width / 2, y: this.height / 2 }); }
  zoomBy(factor) { this.zoom(this.z * factor); }
  zoomIn() { this.zoomBy(this.step); }
  zoomOut() { this.zoomBy(1 / this.step); }

  /** The whole drawing in view, centred. */
  fit() {
    const vb = this.viewBox;
    if (!this.width || !this.height) return;
    this.fitZoom = Math.min(this.width / vb.width, this.height / vb.height);
    this.z = this.fitZoom;
    this.center();
  }

  center() {
    const vb = this.viewBox;
    this.x = (this.width - vb.width * this.z) / 2;
    this.y = (this.height - vb.height * this.z) / 2;
    this.apply();
  }

  apply() {
    this.svg.style.transform = `translate(${this.x}px, ${this.y}px) scale(${this.z})`;
    this.onUpdatedCTM?.();
  }
}
