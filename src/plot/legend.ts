/** Legend entries collected from series, placement, and drawing. */
import { el, text, textWidth, group } from "./svg.js";
import { marker } from "./marks.js";
import { classColor } from "./charts.js";
import { dashArray, type Box, type LegendEntry, type LegendLocation, type Series } from "./types.js";

/** Legend rows contributed by each labelled series (classes add one row each). */
export function legendEntries(series: Series[]): LegendEntry[] {
  const out: LegendEntry[] = [];
  for (const s of series) {
    switch (s.kind) {
      case "line":
        if (s.opts.label) out.push({ label: s.opts.label, color: s.color, kind: "line", dash: s.opts.dash, width: s.opts.width, marker: s.opts.marker });
        break;
      case "scatter":
        if (s.opts.classes && s.opts.classLabels) {
          s.opts.classLabels.forEach((l, c) =>
            out.push({ label: l, color: classColor(c, s.opts.classColors), kind: "marker", marker: s.opts.marker ?? "circle" }),
          );
        } else if (s.opts.label) {
          out.push({ label: s.opts.label, color: s.color, kind: "marker", marker: s.opts.marker ?? "circle" });
        }
        break;
      case "residuals":
        if (s.opts.label) out.push({ label: s.opts.label, color: s.color, kind: "line", dash: s.opts.dash ?? "dashed", width: 1.2 });
        break;
      case "path":
        if (s.opts.label) out.push({ label: s.opts.label, color: s.color, kind: "line", dash: s.opts.dash, width: s.opts.width, marker: "circle" });
        break;
      case "hline":
      case "vline":
        if (s.opts.label) out.push({ label: s.opts.label, color: s.color, kind: "line", dash: s.opts.dash ?? "dashed", width: 1.5 });
        break;
      case "bar":
        s.series.forEach((b, j) => {
          if (b.label) out.push({ label: b.label, color: s.colors[j], kind: "box" });
        });
        break;
      case "heatmap":
        if (s.opts.classes && s.opts.classLabels) {
          s.opts.classLabels.forEach((l, c) => out.push({ label: l, color: classColor(c, s.opts.classColors), kind: "box" }));
        }
        break;
      default:
        break;
    }
  }
  return out;
}

/** Pixel size of a legend with these entries. */
export function legendSize(entries: LegendEntry[], fontSize: number): { width: number; height: number } {
  const w = Math.max(...entries.map((e) => textWidth(e.label, fontSize)));
  return { width: w + 46, height: entries.length * (fontSize + 6) + 10 };
}

/**
 * Chooses a corner. "best" counts the data points (in pixels) hidden under
 * each candidate corner and takes the emptiest, preferring upper right on ties;
 * `hidden` reports how many points the chosen corner still covers.
 */
export function placeLegend(
  loc: LegendLocation,
  size: { width: number; height: number },
  plot: Box,
  points: Array<[number, number]>,
): { box: Box; hidden: number } {
  const m = 8;
  const corners: Record<Exclude<LegendLocation, "best">, Box> = {
    "upper right": { x: plot.x + plot.width - size.width - m, y: plot.y + m, ...size },
    "upper left": { x: plot.x + m, y: plot.y + m, ...size },
    "lower left": { x: plot.x + m, y: plot.y + plot.height - size.height - m, ...size },
    "lower right": { x: plot.x + plot.width - size.width - m, y: plot.y + plot.height - size.height - m, ...size },
  };
  if (loc !== "best") return { box: corners[loc], hidden: 0 };
  let best = corners["upper right"];
  let bestCount = Infinity;
  for (const key of ["upper right", "upper left", "lower left", "lower right"] as const) {
    const b = corners[key];
    let c = 0;
    for (const [x, y] of points) if (x >= b.x - 4 && x <= b.x + b.width + 4 && y >= b.y - 4 && y <= b.y + b.height + 4) c++;
    if (c < bestCount) {
      bestCount = c;
      best = b;
    }
  }
  return { box: best, hidden: bestCount };
}

/** Draws the legend box with one swatch and label per entry. */
export function renderLegend(entries: LegendEntry[], box: Box, fontSize: number): string {
  const rows: string[] = [
    el("rect", {
      x: box.x, y: box.y, width: box.width, height: box.height, rx: 3,
      fill: "#ffffff", "fill-opacity": 0.88, stroke: "#bbbbbb", "stroke-width": 0.8,
    }),
  ];
  entries.forEach((e, k) => {
    const cy = box.y + 5 + (fontSize + 6) * (k + 0.5);
    const sx = box.x + 8;
    if (e.kind === "line") {
      const w = Math.min(e.width ?? 2, 3);
      rows.push(el("line", { x1: sx, y1: cy, x2: sx + 26, y2: cy, stroke: e.color, "stroke-width": w, "stroke-dasharray": dashArray(e.dash, Math.min(w, 1.5)) }));
      if (e.marker) rows.push(marker(e.marker, sx + 13, cy, 3.2, { fill: e.color }));
    } else if (e.kind === "marker") {
      rows.push(marker(e.marker ?? "circle", sx + 13, cy, 4.5, { fill: e.color, stroke: "#ffffff", "stroke-width": 0.8 }));
    } else {
      rows.push(el("rect", { x: sx + 6, y: cy - 6, width: 14, height: 12, fill: e.color, stroke: "#666666", "stroke-width": 0.5 }));
    }
    rows.push(text(sx + 34, cy + fontSize * 0.35, e.label, { "font-size": fontSize, fill: "#222222" }));
  });
  return group({ class: "legend" }, rows);
}
