/**
 * Ready-made teaching figures built from the chart primitives: a function with its derivative,
 * a non-convex loss landscape with its minima marked, and the diagram of a scalar neuron next
 * to its matrix form. Each returns a {@link Figure} to render or add to.
 */
import { Figure } from "./figure.js";
import { PALETTE } from "./color.js";
import { el, group, svgDocument, text, textWidth } from "./svg.js";

export interface FunctionPlotOptions {
  /** x range (default [−4, 4]). */
  range?: [number, number];
  /** Sample points (default 401). */
  samples?: number;
  title?: string;
  /** Legend labels of f and f′. */
  labels?: [string, string];
  width?: number;
  height?: number;
  /** x axis label (default "x"). */
  xlabel?: string;
  /** An x to mark on both curves (e.g. a neuron's pre-activation). */
  mark?: number;
  markLabel?: string;
}

/**
 * A function and its derivative on one axes, e.g. tanh and 1 − tanh².
 *
 * @example
 * const fig = functionWithDerivative(Math.tanh, (x) => 1 - Math.tanh(x) ** 2, { labels: ["tanh(z)", "tanh′(z) = 1 − tanh²(z)"] });
 */
export function functionWithDerivative(f: (x: number) => number, df: (x: number) => number, opts: FunctionPlotOptions = {}): Figure {
  const [lo, hi] = opts.range ?? [-4, 4];
  const n = opts.samples ?? 401;
  const xs = Array.from({ length: n }, (_, i) => lo + ((hi - lo) * i) / (n - 1));
  const [lf, ldf] = opts.labels ?? ["f(x)", "f′(x)"];
  const fig = new Figure({ width: opts.width ?? 720, height: opts.height ?? 420, title: opts.title ?? `${lf} and its derivative` });
  fig.axes({ xlabel: opts.xlabel ?? "x", ylabel: "value", legend: "upper left" })
    .hline(0, { color: "#999999", dash: "solid", width: 1 })
    .vline(0, { color: "#999999", dash: "solid", width: 1 })
    .line(xs, xs.map(f), { label: lf, color: PALETTE[0], width: 2.5 })
    .line(xs, xs.map(df), { label: ldf, color: PALETTE[3], width: 2.5, dash: "dashed" });
  if (opts.mark !== undefined && Number.isFinite(opts.mark)) {
    const m = opts.mark;
    const ax = fig.panels[0] as import("./axes.js").Axes;
    ax.vline(m, { color: "#555555", dash: "dotted", width: 1.2, label: opts.markLabel });
    ax.scatter([m, m], [f(m), df(m)], { color: "#111111", size: 4.5 });
  }
  return fig;
}

/**
 * tanh(z) and tanh′(z) = 1 − tanh²(z) over [−4, 4]: the derivative is 1 at 0 and vanishes as |z| grows.
 * @example
 * await tanhFigure({ mark: 0.5 }).save("tanh.png");
 */
export function tanhFigure(opts: Omit<FunctionPlotOptions, "labels"> = {}): Figure {
  return functionWithDerivative(Math.tanh, (z) => 1 - Math.tanh(z) ** 2, {
    title: "tanh and its derivative",
    xlabel: "z",
    ...opts,
    labels: ["tanh(z)", "tanh′(z) = 1 − tanh²(z)"],
  });
}

/**
 * The 1-D landscape of {@link nonConvexFigure}: three wells of different depths (global near 0, local near ±π).
 * @example nonConvexLoss(0) // 1.8
 */
export function nonConvexLoss(x: number): number {
  return 0.12 * x * x + 0.25 * x - 1.2 * Math.cos(2 * x) + 3;
}

/**
 * Local minima of a sampled curve (interior points below both neighbours), refined by golden-section search.
 * @example sampledMinima(nonConvexLoss, [-4.5, 4.5]) // three minima, near −3.0, 0 and 2.9
 */
export function sampledMinima(f: (x: number) => number, range: [number, number], samples = 2001): number[] {
  const [lo, hi] = range;
  const xs = Array.from({ length: samples }, (_, i) => lo + ((hi - lo) * i) / (samples - 1));
  const ys = xs.map(f);
  const out: number[] = [];
  for (let i = 1; i + 1 < samples; i++) {
    if (!(ys[i] < ys[i - 1] && ys[i] <= ys[i + 1])) continue;
    let a = xs[i - 1];
    let b = xs[i + 1];
    const g = (Math.sqrt(5) - 1) / 2;
    for (let k = 0; k < 60; k++) {
      const c = b - g * (b - a);
      const d = a + g * (b - a);
      if (f(c) < f(d)) b = d;
      else a = c;
    }
    out.push((a + b) / 2);
  }
  return out;
}

export interface LandscapeOptions {
  range?: [number, number];
  title?: string;
  width?: number;
  height?: number;
}

/**
 * A non-convex loss curve with its global minimum and its local minima marked and labelled
 * (default: {@link nonConvexLoss} over [−4.5, 4.5], one global and two local minima).
 *
 * @example
 * const fig = nonConvexFigure(); // or nonConvexFigure((x) => Math.cos(3 * x) + 0.1 * x * x, { range: [-5, 5] })
 */
export function nonConvexFigure(f: (x: number) => number = nonConvexLoss, opts: LandscapeOptions = {}): Figure {
  const range = opts.range ?? [-4.5, 4.5];
  const n = 601;
  const xs = Array.from({ length: n }, (_, i) => range[0] + ((range[1] - range[0]) * i) / (n - 1));
  const ys = xs.map(f);
  const minima = sampledMinima(f, range);
  const global = minima.reduce((best, m) => (f(m) < f(best) ? m : best), minima[0]);
  const local = minima.filter((m) => m !== global);
  const fig = new Figure({ width: opts.width ?? 760, height: opts.height ?? 440, title: opts.title ?? "A non-convex loss: one global and several local minima" });
  const lo = Math.min(...ys);
  const hi = Math.max(...ys);
  const span = hi - lo || 1;
  // room under the lowest well for the labels, above the curve for the legend
  const ax = fig.axes({ xlabel: "parameter θ", ylabel: "loss L(θ)", legend: "upper left", ylim: [lo - 0.22 * span, hi + 0.3 * span] })
    .line(xs, ys, { label: "L(θ)", color: PALETTE[0], width: 2.5 });
  if (global !== undefined) {
    ax.scatter([global], [f(global)], { label: "global minimum", color: "#2ca02c", marker: "star", size: 9 });
    ax.text(global, f(global) - 0.12 * span, `global θ = ${global.toFixed(2)}`, { anchor: "middle", size: 11, color: "#2ca02c" });
  }
  if (local.length) {
    ax.scatter(local, local.map(f), { label: local.length === 1 ? "local minimum" : "local minima", color: "#d62728", marker: "diamond", size: 7 });
    for (const m of local) ax.text(m, f(m) - 0.12 * span, `local θ = ${m.toFixed(2)}`, { anchor: "middle", size: 11, color: "#d62728" });
  }
  return fig;
}

/** A Figure-like holder of a hand-drawn SVG (same `toSVG`/size surface the reports use). */
export interface Diagram {
  readonly width: number;
  readonly height: number;
  toSVG(): string;
}

/**
 * The scalar neuron x → w·x → + b → ŷ beside its matrix form x = [x₁ x₂ x₃] → W → + b →
 * z = [z₁ z₂]: the same computation, one number at a time and one vector at a time.
 *
 * @example
 * const svg = scalarVsMatrixDiagram().toSVG();
 */
export function scalarVsMatrixDiagram(opts: { width?: number } = {}): Diagram {
  const width = opts.width ?? 860;
  const height = 330;
  const fs = 15;
  const body: string[] = [];
  const box = (cx: number, cy: number, label: string, fill: string, stroke: string, sub?: string): number => {
    const w = Math.max(textWidth(label, fs) + 26, sub ? textWidth(sub, fs * 0.8) + 16 : 0, 56);
    const h = sub ? 50 : 36;
    body.push(el("rect", { x: cx - w / 2, y: cy - h / 2, width: w, height: h, rx: 7, fill, stroke, "stroke-width": 1.4 }));
    body.push(text(cx, cy + (sub ? -2 : fs * 0.35), label, { "text-anchor": "middle", "font-size": fs, fill: "#111111", "font-weight": "bold" }));
    if (sub) body.push(text(cx, cy + 16, sub, { "text-anchor": "middle", "font-size": fs * 0.8, fill: "#555555" }));
    return w;
  };
  const arrow = (x1: number, x2: number, y: number) => {
    body.push(el("line", { x1, y1: y, x2: x2 - 8, y2: y, stroke: "#444444", "stroke-width": 1.6 }));
    body.push(el("path", { d: `M${x2 - 9},${y - 5}L${x2},${y}L${x2 - 9},${y + 5}Z`, fill: "#444444" }));
  };
  const row = (y: number, items: Array<[string, string, string, string?]>, title: string) => {
    body.push(text(20, y - 44, title, { "font-size": fs * 0.95, fill: "#333333", "font-weight": "bold" }));
    const gap = 46;
    const widths = items.map(([label, , , sub]) => Math.max(textWidth(label, fs) + 26, sub ? textWidth(sub, fs * 0.8) + 16 : 0, 56));
    const total = widths.reduce((a, b) => a + b, 0) + gap * (items.length - 1);
    let x = (width - total) / 2;
    items.forEach(([label, fill, stroke, sub], i) => {
      const w = widths[i];
      box(x + w / 2, y, label, fill, stroke, sub);
      if (i + 1 < items.length) arrow(x + w + 4, x + w + gap - 4, y);
      x += w + gap;
    });
  };
  const INPUT: [string, string] = ["#e3eefa", "#4a7ab5"];
  const PARAM: [string, string] = ["#fff1d0", "#c98a12"];
  const OUT: [string, string] = ["#fbdedd", "#c0392b"];
  row(95, [["x", ...INPUT, "one number"], ["w·x", ...PARAM, "times the weight w"], ["+ b", ...PARAM, "plus the bias b"], ["ŷ", ...OUT, "one number"]], "Scalar: ŷ = w·x + b");
  row(245, [["x = [x₁ x₂ x₃]", ...INPUT, "a vector of 3"], ["W", ...PARAM, "a 2×3 matrix"], ["+ b", ...PARAM, "a vector of 2"], ["z = [z₁ z₂]", ...OUT, "a vector of 2"]], "Matrix: z = W·x + b, with zᵢ = Σⱼ Wᵢⱼ·xⱼ + bᵢ");
  body.push(el("line", { x1: 20, y1: 168, x2: width - 20, y2: 168, stroke: "#dddddd", "stroke-width": 1 }));
  const svg = svgDocument(width, height, [group({ class: "diagram" }, body)]);
  return { width, height, toSVG: () => svg };
}
