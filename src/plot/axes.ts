/** 2-D axes: collects series, derives data ranges, draws frame, ticks, labels, legend. */
import { el, text, textWidth, group } from "./svg.js";
import { Scale, drawableRange, extent, formatNumber, type Tick } from "./scale.js";
import { paletteColor } from "./color.js";
import { heatmapBounds, renderColorbar, renderContour, renderHeatmap, COLORBAR_WIDTH, type ColorbarInfo } from "./fields.js";
import { pixelRuns, renderSeries } from "./charts.js";
import { legendEntries, legendSize, placeLegend, renderLegend } from "./legend.js";
import type { Grid } from "./contour.js";
import { ArgumentError } from "../core/errors.js";
import type {
  AxesOptions, BarOptions, BarSeries, Box, ContourOptions, HeatmapOptions, LineOptions, PathOptions,
  RefLineOptions, RenderContext, ResidualOptions, ScatterOptions, Series, TextOptions,
} from "./types.js";

/** Anything a figure cell can hold. */
export interface Panel {
  render(box: Box, idPrefix: string): string;
}

type Range = [number, number];

function union(a: Range | null, b: Range | null): Range | null {
  if (!a) return b;
  if (!b) return a;
  return [Math.min(a[0], b[0]), Math.max(a[1], b[1])];
}

function pad(r: Range, log: boolean, frac = 0.05): Range {
  if (log) {
    const [a, b] = [Math.log10(r[0]), Math.log10(r[1])];
    const d = b > a ? (b - a) * frac : 0.5;
    return drawableRange([Math.pow(10, a - d), Math.pow(10, b + d)], true);
  }
  // halves keep the span finite near ±1.8e308; drawableRange widens spans too narrow to label
  const d = r[1] > r[0] ? (r[1] / 2 - r[0] / 2) * 2 * frac : Math.abs(r[0]) * 0.1 || 1;
  // (near ±MAX_VALUE the padded ends may overflow; drawableRange brings them back)
  return drawableRange([r[0] - d, r[1] + d]);
}

/**
 * A 2-D plotting area. Create it with `figure.axes()` or `figure.subplots()`,
 * then add series; each method returns `this` for chaining.
 *
 * @example
 * const fig = new Figure({ width: 480, height: 320, title: "Fit" });
 * fig.axes({ xlabel: "x", ylabel: "y" })
 *   .scatter([0, 1, 2], [0.1, 0.9, 2.2], { label: "data" })
 *   .line([0, 2], [0, 2], { label: "model" });
 * const svg = fig.toSVG();
 */
export class Axes implements Panel {
  readonly series: Series[] = [];
  private colorIndex = 0;

  constructor(readonly options: AxesOptions = {}) {}

  private nextColor(c?: string): string {
    return c ?? paletteColor(this.colorIndex++);
  }

  /** Line through (xs[i], ys[i]); non-finite values break the line. */
  line(xs: number[], ys: number[], opts: LineOptions = {}): this {
    this.series.push({ kind: "line", xs, ys, opts, color: this.nextColor(opts.color) });
    return this;
  }

  /** Points; colour by class with `classes`, or per point with `colors`. */
  scatter(xs: number[], ys: number[], opts: ScatterOptions = {}): this {
    const color = opts.classes || opts.colors ? opts.color ?? "#333333" : this.nextColor(opts.color);
    this.series.push({ kind: "scatter", xs, ys, opts, color });
    return this;
  }

  /**
   * Dashed vertical segments from each point (xs[i], ys[i]) to the model value,
   * given as an array or as a function of x.
   *
   * @example
   * ax.residuals(xs, ys, (x) => 2 * x + 1, { label: "residuals" });
   */
  residuals(xs: number[], ys: number[], fitted: number[] | ((x: number) => number), opts: ResidualOptions = {}): this {
    const f = typeof fitted === "function" ? xs.map(fitted) : fitted;
    this.series.push({ kind: "residuals", xs, ys, fitted: f, opts, color: opts.color ?? "#7f7f7f" });
    return this;
  }

  /** Polyline with a dot per iterate, hollow start circle and star at the end (e.g. an optimizer trajectory). */
  path(xs: number[], ys: number[], opts: PathOptions = {}): this {
    this.series.push({ kind: "path", xs, ys, opts, color: this.nextColor(opts.color) });
    return this;
  }

  /**
   * Contours of a sampled function (filled bands and/or iso-lines).
   *
   * @example
   * ax.contour(sampleGrid((x, y) => x * x + 3 * y * y, [-2, 2], [-2, 2]), { levels: 12, colorbar: true });
   */
  contour(grid: Grid, opts: ContourOptions = {}): this {
    this.series.push({ kind: "contour", grid, opts });
    return this;
  }

  /**
   * Image of grid values or class ids, one cell per sample (decision regions).
   *
   * @example
   * ax.heatmap(sampleGrid((x, y) => (x > y ? 1 : 0), [0, 1], [0, 1], 50), { classes: true });
   */
  heatmap(grid: Grid, opts: HeatmapOptions = {}): this {
    this.series.push({ kind: "heatmap", grid, opts });
    return this;
  }

  /**
   * Bar chart over categories; several series are grouped side by side.
   *
   * @example
   * ax.bar(["sgd", "adam"], [{ label: "train", values: [0.3, 0.1] }, { label: "test", values: [0.4, 0.2] }]);
   */
  bar(categories: string[], values: number[] | BarSeries[], opts: BarOptions = {}): this {
    const series: BarSeries[] = typeof values[0] === "number" || values.length === 0
      ? [{ values: values as number[] }]
      : (values as BarSeries[]);
    const colors = series.map((s) => this.nextColor(s.color));
    this.series.push({ kind: "bar", categories, series, opts, colors });
    return this;
  }

  /** Text at a data position. */
  text(x: number, y: number, content: string, opts: TextOptions = {}): this {
    this.series.push({ kind: "text", x, y, text: content, opts });
    return this;
  }

  /** Horizontal reference line across the plot. */
  hline(y: number, opts: RefLineOptions = {}): this {
    this.series.push({ kind: "hline", at: y, opts, color: opts.color ?? "#444444" });
    return this;
  }

  /** Vertical reference line across the plot. */
  vline(x: number, opts: RefLineOptions = {}): this {
    this.series.push({ kind: "vline", at: x, opts, color: opts.color ?? "#444444" });
    return this;
  }

  private categories(): string[] | null {
    const bars = this.series.filter((s) => s.kind === "bar");
    if (!bars.length) return null;
    return bars.reduce<string[]>((a, s) => (s.kind === "bar" && s.categories.length > a.length ? s.categories : a), []);
  }

  /** Data ranges for both axes, after padding and user limits. */
  dataRanges(): { x: Range; y: Range } {
    const xlog = this.options.xscale === "log";
    const ylog = this.options.yscale === "log";
    let tx: Range | null = null, ty: Range | null = null, px: Range | null = null, py: Range | null = null;
    let barY = false;
    for (const s of this.series) {
      switch (s.kind) {
        case "line": case "scatter": case "path":
          px = union(px, extent(s.xs, xlog)); py = union(py, extent(s.ys, ylog)); break;
        case "residuals":
          px = union(px, extent(s.xs, xlog)); py = union(py, extent([...s.ys, ...s.fitted], ylog)); break;
        case "contour":
          tx = union(tx, extent(s.grid.xs)); ty = union(ty, extent(s.grid.ys)); break;
        case "heatmap": {
          const b = heatmapBounds(s.grid);
          tx = union(tx, b.x); ty = union(ty, b.y); break;
        }
        case "bar":
          tx = union(tx, [-0.5, s.categories.length - 0.5]);
          py = union(py, extent(s.series.flatMap((b) => b.values), ylog));
          barY = true; break;
        case "hline": py = union(py, [s.at, s.at]); break;
        case "vline": px = union(px, [s.at, s.at]); break;
        default: break;
      }
    }
    let x: Range = tx ?? (px ? pad(px, xlog) : xlog ? [1, 10] : [0, 1]);
    let y: Range = ty ?? (py ? pad(py, ylog) : ylog ? [1, 10] : [0, 1]);
    if (barY && !ty && py && !ylog) {
      // Bars grow from zero: include it, and pad only away from zero.
      const lo = Math.min(0, py[0]);
      const hi = Math.max(0, py[1]);
      const d = (hi - lo) * 0.06 || 1;
      y = [lo < 0 ? lo - d : 0, hi > 0 ? hi + d : 0];
    }
    if (this.options.xlim) x = this.options.xlim;
    if (this.options.ylim) y = this.options.ylim;
    return { x: drawableRange(x, xlog), y: drawableRange(y, ylog) };
  }

  /** Plot rectangle, scales and ticks for the given data ranges. */
  private layout(box: Box, xr: Range, yr: Range) {
    const o = this.options;
    const fs = o.fontSize ?? 12;
    const cats = this.categories();
    const wantsBar = this.series.some((s) => (s.kind === "contour" || s.kind === "heatmap") && s.opts.colorbar);
    const top = box.y + (o.title ? fs * 1.35 + 12 : 10);
    const bottom = box.y + box.height - (fs + 12 + (o.xlabel ? fs + 8 : 0) + 4);
    const yTarget = (h: number) => Math.max(2, Math.round(h / 48));
    const probe = new Scale(o.yscale ?? "linear", yr, [bottom, top]).ticks(yTarget(bottom - top));
    const labelW = Math.max(0, ...probe.map((t) => textWidth(t.label, fs)));
    const left = box.x + (o.ylabel ? fs + 12 : 0) + labelW + 12;
    const right = box.x + box.width - 14 - (wantsBar ? COLORBAR_WIDTH : 0);
    if (right - left < 10 || bottom - top < 10) {
      throw new ArgumentError(
        `Figure: a panel of ${Math.round(box.width)}×${Math.round(box.height)} px is too small for its axes, ticks and labels ` +
          `(the plot area would be ${Math.round(right - left)}×${Math.round(bottom - top)} px); make the figure larger or use fewer panels`,
      );
    }
    let plot: Box = { x: left, y: top, width: right - left, height: bottom - top };
    if (o.aspect === "equal" && o.xscale !== "log" && o.yscale !== "log") {
      const ratio = (yr[1] - yr[0]) / (xr[1] - xr[0] || 1);
      if (plot.height / plot.width > ratio) {
        const h = plot.width * ratio;
        plot = { ...plot, y: plot.y + (plot.height - h) / 2, height: h };
      } else {
        const w = plot.height / ratio;
        plot = { ...plot, x: plot.x + (plot.width - w) / 2, width: w };
      }
    }
    const sx = new Scale(o.xscale ?? "linear", xr, [plot.x, plot.x + plot.width]);
    const sy = new Scale(o.yscale ?? "linear", yr, [plot.y + plot.height, plot.y]);
    const ctx: RenderContext = { sx, sy, plot, fontSize: fs, idPrefix: "" };
    const given = (vs: number[], labels?: string[]) =>
      vs.flatMap((v, i) => (Number.isFinite(v) ? [{ value: v, label: labels?.[i] ?? formatNumber(v, Math.max(...vs.map(Math.abs)) || 1) }] : []));
    const xTicks = o.xticks ? given(o.xticks, o.xtickLabels) : cats ? categoryTicks(cats, plot.width, fs) : fitXTicks(sx, plot.width, fs);
    const yTicks = o.yticks ? given(o.yticks, o.ytickLabels) : sy.ticks(yTarget(plot.height));
    return { ctx, xTicks, yTicks, labelW, bottom, categorical: !!cats };
  }

  /** Renders into the given pixel box of the figure. */
  render(box: Box, idPrefix: string): string {
    const o = this.options;
    const fs = o.fontSize ?? 12;
    const { x: xr, y: yr } = this.dataRanges();
    const fields = this.series.some((s) => s.kind === "contour" || s.kind === "heatmap");
    let L = this.layout(box, xr, yr);
    const entries = legendEntries(this.series);
    const showLegend = o.legend !== false && (entries.length >= 2 || (o.legend !== undefined && entries.length >= 1));
    const legendFs = fs * 0.92;
    const size = legendSize(entries, legendFs);
    let legendBox: Box | undefined;
    if (showLegend) {
      let placed = placeLegend(o.legend || "best", size, L.ctx.plot, this.occupiedPixels(L.ctx));
      // Every corner covers data: grow the y range upwards so the legend gets its own headroom.
      if ((o.legend ?? "best") === "best" && placed.hidden > 0 && !fields && !o.ylim && o.yscale !== "log") {
        const f = Math.min(0.6, (size.height + 16) / L.ctx.plot.height);
        const grown: Range = [yr[0], yr[1] + ((yr[1] - yr[0]) * f) / (1 - f)];
        L = this.layout(box, xr, grown);
        placed = placeLegend("upper right", size, L.ctx.plot, []);
      }
      legendBox = placed.box;
    }
    const { ctx, xTicks, yTicks, labelW, bottom } = L;
    ctx.idPrefix = idPrefix;
    const plot = ctx.plot;

    const out: string[] = [];
    const clipId = `${idPrefix}-clip`;
    out.push(el("clipPath", { id: clipId }, el("rect", { x: plot.x, y: plot.y, width: plot.width, height: plot.height })));
    if (o.grid ?? !fields) out.push(gridLines(xTicks, yTicks, ctx, L.categorical));
    const body: string[] = [];
    let colorbar: ColorbarInfo | undefined;
    for (const s of this.series) {
      if (s.kind === "contour" || s.kind === "heatmap") {
        const r = s.kind === "contour" ? renderContour(s.grid, s.opts, ctx) : renderHeatmap(s.grid, s.opts, ctx);
        body.push(r.svg);
        colorbar = r.colorbar ?? colorbar;
      } else {
        body.push(renderSeries(s, ctx));
      }
    }
    out.push(group({ "clip-path": `url(#${clipId})` }, body));
    out.push(frame(xTicks, yTicks, ctx));
    if (o.title) out.push(text(plot.x + plot.width / 2, box.y + fs * 1.35, o.title, { class: "axes-title", "text-anchor": "middle", "font-size": fs * 1.15, "font-weight": "bold", fill: "#222222" }));
    // below the tick labels of the plot (not the cell), so equal-aspect plots keep it close
    if (o.xlabel) out.push(text(plot.x + plot.width / 2, Math.min(bottom, plot.y + plot.height) + fs + 12 + fs + 4, o.xlabel, { class: "xlabel", "text-anchor": "middle", "font-size": fs, fill: "#222222" }));
    if (o.ylabel) {
      // Anchored to the plot (not the cell) so equal-aspect plots keep the label next to the ticks.
      const cx = Math.max(box.x + fs, plot.x - labelW - 12 - fs * 0.6);
      const cy = plot.y + plot.height / 2;
      out.push(text(cx, cy, o.ylabel, { class: "ylabel", "text-anchor": "middle", "font-size": fs, fill: "#222222", transform: `rotate(-90 ${cx.toFixed(2)} ${cy.toFixed(2)})` }));
    }
    if (colorbar) out.push(renderColorbar(colorbar, { x: plot.x + plot.width, y: plot.y, width: COLORBAR_WIDTH, height: plot.height }, fs));
    if (legendBox) out.push(renderLegend(entries, legendBox, legendFs));
    return group({ class: "axes" }, out);
  }

  /** Pixel positions covered by point-like series, used to place the legend where it hides least. */
  private occupiedPixels(ctx: RenderContext): Array<[number, number]> {
    const pts: Array<[number, number]> = [];
    for (const s of this.series) {
      if (s.kind === "bar") {
        // Sample bar areas on a coarse lattice; only the top of each bar matters for corners.
        const n = s.series.length;
        s.series.forEach((b, j) => b.values.forEach((v, i) => {
          for (const e of [0.1, 0.5, 0.9]) {
            const xc = i - 0.4 + (0.8 * (j + e)) / n;
            for (let t = 0; t <= 10; t++) pts.push(...pixelRuns(ctx, [xc], [(v * t) / 10]).flat());
          }
        }));
        continue;
      }
      if (s.kind !== "line" && s.kind !== "scatter" && s.kind !== "path" && s.kind !== "residuals") continue;
      for (const run of pixelRuns(ctx, s.xs, s.ys)) {
        run.forEach((p, k) => {
          pts.push(p);
          if (s.kind === "scatter" || k === 0) return;
          const q = run[k - 1];
          for (let t = 1; t < 8; t++) pts.push([q[0] + ((p[0] - q[0]) * t) / 8, q[1] + ((p[1] - q[1]) * t) / 8]);
        });
      }
    }
    return pts;
  }
}

/** Reduces the x tick count until labels (with gaps) fit the axis width. */
function fitXTicks(sx: Scale, width: number, fs: number): Tick[] {
  for (let target = Math.max(2, Math.floor(width / 70)); ; target--) {
    const ticks = sx.ticks(target);
    const need = ticks.filter((t) => t.label).reduce((a, t) => a + textWidth(t.label, fs) + 14, 0);
    if (need <= width || target <= 2) return ticks;
  }
}

function categoryTicks(cats: string[], width: number, fs: number): Tick[] {
  const widest = Math.max(...cats.map((c) => textWidth(c, fs))) + 10;
  const every = Math.max(1, Math.ceil((widest * cats.length) / width));
  return cats.map((c, i) => ({ value: i, label: i % every === 0 ? c : "" }));
}

function gridLines(xt: Tick[], yt: Tick[], ctx: RenderContext, categorical: boolean): string {
  const { plot, sx, sy } = ctx;
  const lines: string[] = [];
  if (!categorical) {
    for (const t of xt) if (!t.minor) lines.push(el("line", { x1: sx.map(t.value), y1: plot.y, x2: sx.map(t.value), y2: plot.y + plot.height }));
  }
  for (const t of yt) if (!t.minor) lines.push(el("line", { x1: plot.x, y1: sy.map(t.value), x2: plot.x + plot.width, y2: sy.map(t.value) }));
  return group({ class: "grid", stroke: "#e6e6e6", "stroke-width": 1 }, lines);
}

function frame(xt: Tick[], yt: Tick[], ctx: RenderContext): string {
  const { plot, sx, sy, fontSize: fs } = ctx;
  const marks: string[] = [];
  const labels: string[] = [];
  const yb = plot.y + plot.height;
  for (const t of xt) {
    const x = sx.map(t.value);
    if (x < plot.x - 0.5 || x > plot.x + plot.width + 0.5) continue;
    marks.push(el("line", { x1: x, y1: yb, x2: x, y2: yb + (t.minor ? 3 : 5) }));
    if (t.label) labels.push(text(x, yb + 7 + fs, t.label, { "text-anchor": "middle" }));
  }
  for (const t of yt) {
    const y = sy.map(t.value);
    if (y < plot.y - 0.5 || y > yb + 0.5) continue;
    marks.push(el("line", { x1: plot.x, y1: y, x2: plot.x - (t.minor ? 3 : 5), y2: y }));
    if (t.label) labels.push(text(plot.x - 8, y + fs * 0.35, t.label, { "text-anchor": "end" }));
  }
  return group({ class: "frame" }, [
    el("rect", { x: plot.x, y: plot.y, width: plot.width, height: plot.height, fill: "none", stroke: "#444444", "stroke-width": 1 }),
    group({ class: "ticks", stroke: "#444444", "stroke-width": 1 }, marks),
    group({ class: "tick-labels", "font-size": fs * 0.92, fill: "#333333" }, labels),
  ]);
}
