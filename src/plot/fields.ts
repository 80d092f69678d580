/** Renderers for gridded fields: filled/line contours, heatmaps, and their colour bars. */
import { el, num, text, group } from "./svg.js";
import { colormap, lighten, scaleColor, type Colormap } from "./color.js";
import { contourLevels, gridExtent, isobands, isolines, type Grid } from "./contour.js";
import { formatNumber, linearTicks } from "./scale.js";
import { classColor } from "./charts.js";
import type { Box, ContourOptions, HeatmapOptions, RenderContext } from "./types.js";

type Pt = [number, number];

/** What a colour bar shows: discrete contour bands or a continuous ramp. */
export type ColorbarInfo =
  | { kind: "levels"; levels: number[]; colors: string[] }
  | { kind: "continuous"; lo: number; hi: number; cmap: Colormap };

function polysPath(ctx: RenderContext, polys: Pt[][], close: boolean): string {
  let d = "";
  for (const poly of polys) {
    poly.forEach(([x, y], k) => {
      d += `${k ? "L" : "M"}${num(ctx.sx.map(x))},${num(ctx.sy.map(y))}`;
    });
    if (close) d += "Z";
  }
  return d;
}

/** The levels a contour series will use (explicit, or chosen from the data range). */
export function resolveLevels(grid: Grid, opts: ContourOptions): number[] {
  if (Array.isArray(opts.levels)) return [...opts.levels].sort((a, b) => a - b);
  const [lo, hi] = gridExtent(grid);
  return contourLevels(lo, hi, opts.levels ?? 10, opts.levelSpacing ?? "linear");
}

/**
 * Filled bands are coloured by band index rather than by value so that
 * log-spaced levels use the full colormap evenly.
 */
export function renderContour(grid: Grid, opts: ContourOptions, ctx: RenderContext): { svg: string; colorbar?: ColorbarInfo } {
  const levels = resolveLevels(grid, opts);
  const cmap = colormap(opts.colormap ?? "viridis");
  const nb = levels.length; // bands = levels + 1, indexed 0..nb
  const bandColor = (b: number) => cmap(nb === 0 ? 0.5 : b / nb);
  const filled = opts.filled ?? true;
  const out: string[] = [];
  if (filled) {
    const bands = isobands(grid, levels);
    const paths = bands.map((band, b) => {
      if (!band.polygons.length) return "";
      const c = bandColor(b);
      // A hairline stroke in the fill colour hides anti-aliasing seams between cells.
      return el("path", {
        d: polysPath(ctx, band.polygons, true), fill: c, stroke: c, "stroke-width": 0.6,
        "stroke-linejoin": "round", "data-lo": band.lo, "data-hi": band.hi,
      });
    });
    out.push(group({ class: "contour-fill", opacity: opts.opacity }, paths));
  }
  if (opts.lines ?? true) {
    const lw = opts.lineWidth ?? (filled ? 0.7 : 1.3);
    const paths = levels.map((lv, k) => {
      const iso = isolines(grid, lv);
      if (!iso.lines.length) return "";
      const stroke = opts.lineColor ?? (filled ? scaleColor(bandColor(k + 0.5), 0.55) : bandColor(k + 0.5));
      return el("path", {
        d: polysPath(ctx, iso.lines, false), fill: "none", stroke, "stroke-width": lw, "data-level": lv,
      });
    });
    out.push(group({ class: "contour-lines" }, paths));
  }
  const colorbar: ColorbarInfo | undefined = opts.colorbar
    ? { kind: "levels", levels, colors: Array.from({ length: nb + 1 }, (_, b) => bandColor(b)) }
    : undefined;
  return { svg: group({ class: "series contour" }, out), colorbar };
}

/** Cell edges: midpoints between sample positions, extended half a step at both ends. */
function cellEdges(v: number[]): number[] {
  if (v.length === 1) return [v[0] - 0.5, v[0] + 0.5];
  const e = [v[0] - (v[1] - v[0]) / 2];
  for (let i = 0; i + 1 < v.length; i++) e.push((v[i] + v[i + 1]) / 2);
  e.push(v[v.length - 1] + (v[v.length - 1] - v[v.length - 2]) / 2);
  return e;
}

/** Data-space extent of a heatmap including its half-cell borders. */
export function heatmapBounds(grid: Grid): { x: [number, number]; y: [number, number] } {
  const ex = cellEdges(grid.xs);
  const ey = cellEdges(grid.ys);
  return { x: [ex[0], ex[ex.length - 1]], y: [ey[0], ey[ey.length - 1]] };
}

/**
 * Draws one rectangle per run of equally coloured cells in a row (continuous
 * values are quantised to 64 colours so runs form); decision regions collapse
 * to a handful of rectangles per row.
 */
export function renderHeatmap(grid: Grid, opts: HeatmapOptions, ctx: RenderContext): { svg: string; colorbar?: ColorbarInfo } {
  const ex = cellEdges(grid.xs);
  const ey = cellEdges(grid.ys);
  const cmap = colormap(opts.colormap ?? "viridis");
  const [dlo, dhi] = gridExtent(grid);
  const lo = opts.vmin ?? dlo;
  const hi = opts.vmax ?? dhi;
  const steps = 64;
  const colorOf = (v: number): string | null => {
    if (!Number.isFinite(v)) return null;
    if (opts.classes) return lighten(classColor(Math.round(v), opts.classColors), opts.lightenClasses ?? 0.55);
    const t = hi > lo ? (v - lo) / (hi - lo) : 0.5;
    return cmap(Math.round(Math.min(1, Math.max(0, t)) * steps) / steps);
  };
  const rects: string[] = [];
  for (let j = 0; j < grid.ys.length; j++) {
    const ya = ctx.sy.map(ey[j]);
    const yb = ctx.sy.map(ey[j + 1]);
    let i = 0;
    while (i < grid.xs.length) {
      const c = colorOf(grid.z[j][i]);
      let k = i + 1;
      while (k < grid.xs.length && colorOf(grid.z[j][k]) === c) k++;
      if (c !== null) {
        const xa = ctx.sx.map(ex[i]);
        const xb = ctx.sx.map(ex[k]);
        rects.push(el("rect", {
          x: Math.min(xa, xb), y: Math.min(ya, yb), width: Math.abs(xb - xa), height: Math.abs(yb - ya), fill: c,
        }));
      }
      i = k;
    }
  }
  const colorbar: ColorbarInfo | undefined =
    opts.colorbar && !opts.classes ? { kind: "continuous", lo, hi, cmap } : undefined;
  return {
    svg: group({ class: "series heatmap", "shape-rendering": "crispEdges", opacity: opts.opacity }, rects),
    colorbar,
  };
}

/** Width a colour bar needs to the right of the plot (bar + tick labels). */
export const COLORBAR_WIDTH = 70;

/** Vertical colour bar with tick labels, drawn in `box` (its left part holds the bar). */
export function renderColorbar(info: ColorbarInfo, box: Box, fontSize: number): string {
  const barW = 14;
  const x = box.x + 12;
  const out: string[] = [];
  const labels: string[] = [];
  const fs = fontSize * 0.85;
  const label = (y: number, s: string) =>
    labels.push(
      el("line", { x1: x + barW, y1: y, x2: x + barW + 4, y2: y, stroke: "#333333" }) +
        text(x + barW + 6, y + fs * 0.35, s, { "font-size": fs, fill: "#333333" }),
    );
  if (info.kind === "levels") {
    const n = info.colors.length;
    const h = box.height / n;
    info.colors.forEach((c, b) => {
      out.push(el("rect", { x, y: box.y + box.height - (b + 1) * h, width: barW, height: h + 0.3, fill: c }));
    });
    const every = Math.ceil(info.levels.length / Math.max(2, Math.floor(box.height / (fs * 2))));
    info.levels.forEach((lv, k) => {
      if (k % every === 0) label(box.y + box.height - (k + 1) * h, formatNumber(lv));
    });
  } else {
    const n = 48;
    const h = box.height / n;
    for (let k = 0; k < n; k++) {
      out.push(el("rect", {
        x, y: box.y + box.height - (k + 1) * h, width: barW, height: h + 0.3, fill: info.cmap((k + 0.5) / n),
      }));
    }
    const span = info.hi - info.lo || 1;
    for (const t of linearTicks(info.lo, info.hi, Math.max(2, Math.floor(box.height / 40)))) {
      label(box.y + box.height - ((t.value - info.lo) / span) * box.height, t.label);
    }
  }
  out.push(el("rect", { x, y: box.y, width: barW, height: box.height, fill: "none", stroke: "#555555", "stroke-width": 0.8 }));
  return group({ class: "colorbar" }, [group({ "shape-rendering": "crispEdges" }, out), ...labels]);
}
