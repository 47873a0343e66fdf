// Drag to pan and pinch to zoom from Pointer Events, for both graph views: one pointer (mouse,
// pen or finger) drags the picture; a second finger turns it into a pinch that zooms about the
// two fingers' midpoint, which the picture follows as the fingers move; lifting one finger goes
// back to a drag. The graph area has `touch-action: none` (app.css), so the browser leaves these
// touches to the page instead of scrolling or zooming the whole page.

/**
 * What a gesture moves: the pan-zoom methods, with points in pixels of the gesture's `frame`
 * element and zooms as scales in the view's own units (FastPanZoom's real zoom, svg-pan-zoom's
 * relative zoom: only their ratio matters here).
 * @typedef {{panBy(d: {x: number, y: number}): void,
 *            zoomAtPoint(zoom: number, point: {x: number, y: number}): void,
 *            getZoom(): number}} PanZoomLike
 */

export class PointerGestures {
  /**
   * `element`: where a gesture starts; `view`: a PanZoomLike; `frame`: the element whose padding
   * box the view's points are in (default `element`); `accept(event)`: whether a pointerdown
   * starts (or joins) a gesture.
   */
  constructor(element, view, { frame = element, accept = () => true } = {}) {
    this.element = element;
    this.view = view;
    this.frame = frame;
    this.accept = accept;
    this.pointers = new Map(); // pointerId -> its last client position {x, y}
    this.onDown = (e) => {
      if (!this.accept(e)) return;
      // a primary pointer starts afresh: no pointer of its kind is down, whatever was missed
      if (e.isPrimary) this.pointers.clear();
      if (this.pointers.size >= 2) return;
      if (e.pointerType === "mouse") e.preventDefault(); // no text selection while dragging
      this.pointers.set(e.pointerId, { x: e.clientX, y: e.clientY });
    };
    this.onMove = (e) => this.move(e);
    this.onUp = (e) => { this.pointers.delete(e.pointerId); };
    element.addEventListener("pointerdown", this.onDown);
    // on the window: a drag goes on when the pointer leaves the graph area
    window.addEventListener("pointermove", this.onMove);
    window.addEventListener("pointerup", this.onUp);
    window.addEventListener("pointercancel", this.onUp);
  }

  move(e) {
    const last = this.pointers.get(e.pointerId);
    if (!last) return;
    const now = { x: e.clientX, y: e.clientY };
    if (this.pointers.size === 1) {
      this.view.panBy({ x: now.x - last.x, y: now.y - last.y });
    } else {
      const other = [...this.pointers].find(([id]) => id !== e.pointerId)[1];
      const before = midpoint(last, other);
      const after = midpoint(now, other);
      const spread = Math.hypot(last.x - other.x, last.y - other.y);
      // zoom about where the fingers were, then follow them to where they are
      if (spread > 0) this.view.zoomAtPoint(this.view.getZoom() * (Math.hypot(now.x - other.x, now.y - other.y) / spread), this.local(before));
      this.view.panBy({ x: after.x - before.x, y: after.y - before.y });
    }
    this.pointers.set(e.pointerId, now);
  }

  /** A client point in the frame's padding box. */
  local({ x, y }) {
    const box = this.frame.getBoundingClientRect();
    return { x: x - box.left - this.frame.clientLeft, y: y - box.top - this.frame.clientTop };
  }

  destroy() {
    this.element.removeEventListener("pointerdown", this.onDown);
    window.removeEventListener("pointermove", this.onMove);
    window.removeEventListener("pointerup", this.onUp);
    window.removeEventListener("pointercancel", this.onUp);
    this.pointers.clear();
  }
}

const midpoint = (a, b) => ({ x: (a.x + b.x) / 2, y: (a.y + b.y) / 2 });

/**
 * svg-pan-zoom's `customEventsHandler` for small graphs: fingers get PointerGestures (pinch
 * about the midpoint, one-finger drag) instead of its own touch handling, which pans after the
 * first finger only and cancels every touchstart. The mouse stays svg-pan-zoom's.
 */
export function touchGestures(container) {
  let gestures = null;
  return {
    haltEventListeners: ["touchstart", "touchend", "touchmove", "touchleave", "touchcancel"],
    init({ svgElement, instance }) {
      gestures = new PointerGestures(container, instance, { frame: svgElement, accept: (e) => e.pointerType === "touch" });
    },
    destroy() {
      gestures?.destroy();
      gestures = null;
    },
  };
}
