/** Point markers shared by scatter plots, paths and legends. */
import { el, num, type Attrs } from "./svg.js";
import type { MarkerShape } from "./types.js";

function polygonPath(cx: number, cy: number, pts: Array<[number, number]>): string {
  return pts.map(([dx, dy], k) => `${k ? "L" : "M"}${num(cx + dx)},${num(cy + dy)}`).join("") + "Z";
}

/** Vertices of a five-pointed star of outer radius r (inner radius r * 0.45). */
function starPoints(r: number): Array<[number, number]> {
  const pts: Array<[number, number]> = [];
  for (let k = 0; k < 10; k++) {
    const a = -Math.PI / 2 + (k * Math.PI) / 5;
    const rr = k % 2 === 0 ? r : r * 0.45;
    pts.push([rr * Math.cos(a), rr * Math.sin(a)]);
  }
  return pts;
}

/**
 * A marker centred on (cx, cy) with "radius" r. Shapes are scaled so that
 * they look about equally heavy at the same r.
 */
export function marker(shape: MarkerShape, cx: number, cy: number, r: number, attrs: Attrs): string {
  switch (shape) {
    case "circle":
      return el("circle", { cx, cy, r, ...attrs });
    case "square": {
      const s = r * 0.9;
      return el("rect", { x: cx - s, y: cy - s, width: 2 * s, height: 2 * s, ...attrs });
    }
    case "triangle": {
      const s = r * 1.25;
      return el("path", { d: polygonPath(cx, cy, [[0, -s], [s * 0.866, s * 0.5], [-s * 0.866, s * 0.5]]), ...attrs });
    }
    case "diamond": {
      const s = r * 1.2;
      return el("path", { d: polygonPath(cx, cy, [[0, -s], [s, 0], [0, s], [-s, 0]]), ...attrs });
    }
    case "star":
      return el("path", { d: polygonPath(cx, cy, starPoints(r * 1.5)), ...attrs });
    case "cross": {
      const s = r * 0.9;
      const d = `M${num(cx - s)},${num(cy - s)}L${num(cx + s)},${num(cy + s)}M${num(cx - s)},${num(cy + s)}L${num(cx + s)},${num(cy - s)}`;
      const stroke = attrs.fill && attrs.fill !== "none" ? attrs.fill : attrs.stroke;
      return el("path", { d, stroke, "stroke-width": Math.max(1.5, r / 2), fill: "none" });
    }
  }
}
