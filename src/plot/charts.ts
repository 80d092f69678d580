/** Renderers for point-based series: lines, scatter, residuals, paths, bars, text. */
import { el, num, text, group } from "./svg.js";
import { marker } from "./marks.js";
import { formatNumber } from "./scale.js";
import { paletteColor } from "./color.js";
import { dashArray, type RenderContext, type Series } from "./types.js";

type Pt = [number, number];

/** Projects points to pixels, splitting into runs at non-finite values (or non-positive ones on log axes). */
export function pixelRuns(ctx: RenderContext, xs: number[], ys: number[]): Pt[][] {
  const raw: Pt[][] = [];
  let cur: Pt[] = [];
  const ok = (v: number, log: boolean) => Number.isFinite(v) && (!log || v > 0);
  for (let i = 0; i < Math.min(xs.length, ys.length); i++) {
    const p: Pt | null = ok(xs[i], ctx.sx.type === "log") && ok(ys[i], ctx.sy.type === "log") ? [ctx.sx.map(xs[i]), ctx.sy.map(ys[i])] : null;
    if (p && Number.isFinite(p[0]) && Number.isFinite(p[1])) {
      cur.push(p);
    } else if (cur.length) {
      raw.push(cur);
      cur = [];
    }
  }
  if (cur.length) raw.push(cur);
  return raw.flatMap((run) => clipRun(run, ctx.plot));
}

/**
 * Cuts a polyline to a band around the plot (the clip path hides the band): segments are clipped
 * exactly (Liang–Barsky), so lines keep their direction, and points far outside are dropped, so
 * the renderer never sees huge coordinates.
 */
function clipRun(run: Pt[], plot: RenderContext["plot"]): Pt[][] {
  const m = Math.max(plot.width, plot.height) + 50;
  const x0 = plot.x - m, x1 = plot.x + plot.width + m, y0 = plot.y - m, y1 = plot.y + plot.height + m;
  const inside = ([x, y]: Pt) => x >= x0 && x <= x1 && y >= y0 && y <= y1;
  if (run.every(inside)) return [run];
  const out: Pt[][] = [];
  let cur: Pt[] = [];
  const flush = () => {
    if (cur.length) out.push(cur);
    cur = [];
  };
  if (run.length === 1) return inside(run[0]) ? [run] : [];
  for (let i = 1; i < run.length; i++) {
    const [ax, ay] = run[i - 1];
    const [bx, by] = run[i];
    const dx = bx - ax, dy = by - ay;
    let t0 = 0, t1 = 1;
    let visible = true;
    for (const [p, q] of [[-dx, ax - x0], [dx, x1 - ax], [-dy, ay - y0], [dy, y1 - ay]]) {
      if (p === 0) {
        if (q < 0) visible = false;
        continue;
      }
      const r = q / p;
      if (p < 0) t0 = Math.max(t0, r);
      else t1 = Math.min(t1, r);
    }
    if (!visible || t0 > t1) {
      flush();
      continue;
    }
    const a: Pt = t0 === 0 ? run[i - 1] : [ax + t0 * dx, ay + t0 * dy];
    const b: Pt = t1 === 1 ? run[i] : [ax + t1 * dx, ay + t1 * dy];
    if (t0 > 0) flush();
    if (!cur.length) cur.push(a);
    cur.push(b);
    if (t1 < 1) flush();
  }
  flush();
  return out;
}

function runsPath(runs: Pt[][]): string {
  return runs
    .map((r) => r.map(([x, y], k) => `${k ? "L" : "M"}${num(x)},${num(y)}`).join(""))
    .join("");
}

/** Class id -> colour, honouring an explicit override list. */
export function classColor(c: number, overrides?: string[]): string {
  return overrides?.[c] ?? paletteColor(c);
}

/** Renders one point-based series to SVG. Field series (contour, heatmap) live in fields.ts. */
export function renderSeries(s: Series, ctx: RenderContext): string {
  switch (s.kind) {
    case "line": {
      const w = s.opts.width ?? 2;
      const runs = pixelRuns(ctx, s.xs, s.ys);
      const line = el("path", {
        d: runsPath(runs), fill: "none", stroke: s.color, "stroke-width": w,
        "stroke-dasharray": dashArray(s.opts.dash, w), "stroke-linejoin": "round", "stroke-linecap": "round",
        opacity: s.opts.opacity,
      });
      const marks = s.opts.marker
        ? runs.flat().map(([x, y]) => marker(s.opts.marker!, x, y, w + 1.5, { fill: s.color }))
        : [];
      return group({ class: "series line" }, [line, ...marks]);
    }
    case "scatter": {
      const r = s.opts.size ?? 4;
      const shape = s.opts.marker ?? "circle";
      const out: string[] = [];
      const n = Math.min(s.xs.length, s.ys.length);
      for (let i = 0; i < n; i++) {
        const runs = pixelRuns(ctx, [s.xs[i]], [s.ys[i]]);
        if (!runs.length) continue;
        const [x, y] = runs[0][0];
        const fill =
          s.opts.colors?.[i] ??
          (s.opts.classes ? classColor(s.opts.classes[i], s.opts.classColors) : s.color);
        out.push(marker(shape, x, y, r, { fill, stroke: s.opts.edgeColor ?? "#ffffff", "stroke-width": 0.8 }));
      }
      return group({ class: "series scatter", opacity: s.opts.opacity }, out);
    }
    case "residuals": {
      const w = s.opts.width ?? 1.2;
      const segs: string[] = [];
      for (let i = 0; i < s.xs.length; i++) {
        const a = pixelRuns(ctx, [s.xs[i], s.xs[i]], [s.ys[i], s.fitted[i]]);
        if (a.length !== 1 || a[0].length !== 2) continue;
        const [[x1, y1], [x2, y2]] = a[0];
        segs.push(el("line", { x1, y1, x2, y2 }));
      }
      return group(
        {
          class: "series residuals", stroke: s.color, "stroke-width": w,
          "stroke-dasharray": dashArray(s.opts.dash ?? "dashed", w),
        },
        segs,
      );
    }
    case "path": {
      const w = s.opts.width ?? 2;
      const runs = pixelRuns(ctx, s.xs, s.ys);
      const pts = runs.flat();
      const out = [
        el("path", {
          d: runsPath(runs), fill: "none", stroke: s.color, "stroke-width": w,
          "stroke-dasharray": dashArray(s.opts.dash, w), "stroke-linejoin": "round",
        }),
      ];
      if (s.opts.dots ?? true) {
        for (const [x, y] of pts) out.push(el("circle", { cx: x, cy: y, r: w * 0.9 + 0.6, fill: s.color }));
      }
      if ((s.opts.endpoints ?? true) && pts.length) {
        const [x0, y0] = pts[0];
        const [x1, y1] = pts[pts.length - 1];
        out.push(el("circle", { class: "start", cx: x0, cy: y0, r: 5, fill: "#ffffff", stroke: s.color, "stroke-width": 2 }));
        out.push(marker("star", x1, y1, 5, { class: "end", fill: s.color, stroke: "#ffffff", "stroke-width": 0.8 }));
      }
      return group({ class: "series path" }, out);
    }
    case "bar":
      return renderBars(s, ctx);
    case "text": {
      const runs = pixelRuns(ctx, [s.x], [s.y]);
      if (!runs.length) return "";
      const [x, y] = runs[0][0];
      return text(x, y, s.text, {
        class: "annotation", fill: s.opts.color ?? "#222222", "font-size": s.opts.size ?? ctx.fontSize,
        "text-anchor": s.opts.anchor ?? "start",
      });
    }
    case "hline":
    case "vline": {
      const w = s.opts.width ?? 1.5;
      const p = ctx.plot;
      const attrs = { stroke: s.color, "stroke-width": w, "stroke-dasharray": dashArray(s.opts.dash ?? "dashed", w) };
      if (s.kind === "hline") {
        const y = ctx.sy.map(s.at);
        return el("line", { class: "series hline", x1: p.x, y1: y, x2: p.x + p.width, y2: y, ...attrs });
      }
      const x = ctx.sx.map(s.at);
      return el("line", { class: "series vline", x1: x, y1: p.y, x2: x, y2: p.y + p.height, ...attrs });
    }
    default:
      return "";
  }
}

function renderBars(s: Extract<Series, { kind: "bar" }>, ctx: RenderContext): string {
  const k = s.series.length;
  const slot = Math.abs(ctx.sx.map(1) - ctx.sx.map(0));
  const groupW = slot * (s.opts.groupWidth ?? 0.8);
  const barW = groupW / Math.max(1, k);
  const base = ctx.sy.type === "log" ? ctx.sy.domain[0] : 0;
  const y0 = ctx.sy.map(base);
  const out: string[] = [];
  s.series.forEach((ser, j) => {
    const bars: string[] = [];
    ser.values.forEach((v, i) => {
      if (!Number.isFinite(v) || (ctx.sy.type === "log" && v <= 0)) return;
      const x = ctx.sx.map(i) - groupW / 2 + j * barW;
      const y = ctx.sy.map(v);
      bars.push(el("rect", { x: x + 0.5, y: Math.min(y, y0), width: Math.max(0, barW - 1), height: Math.abs(y0 - y) }));
      if (s.opts.valueLabels) {
        const ty = v >= base ? Math.min(y, y0) - 4 : Math.max(y, y0) + ctx.fontSize;
        bars.push(
          text(x + barW / 2, ty, formatNumber(v), {
            "text-anchor": "middle", "font-size": ctx.fontSize * 0.85, fill: "#333333",
          }),
        );
      }
    });
    out.push(group({ class: "bars", fill: s.colors[j], "data-label": ser.label }, bars));
  });
  return group({ class: "series bar" }, out);
}
