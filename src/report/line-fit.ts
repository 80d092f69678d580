// Figures of the line fit: the data against the true line and the initial guess with the
// residuals, the MSE surface over (w, b), its contours with the gradient-descent path,
// snapshots of the fitted line, and the loss per iteration.

import type * as examples from "../examples/index.js";
import { Figure, PALETTE } from "../plot/index.js";
import { pick, thinIndices } from "./curves.js";
import { forLogAxis, paddedRange, reportFigure, short } from "./figure.js";
import type { Report, ReportFigure } from "./types.js";

type LineFitResult = examples.LineFitResult;
type LineFitRow = examples.LineFitRow;


/** A line y = w·x + b. */
export interface Line {
  w: number;
  b: number;
}

export interface LineFitFigureOpts {
  /** The line the data were drawn from, when known (the shipped data: y = 2x + 1). */
  trueLine?: Line;
}

const DATA = PALETTE[0];
const FIT = PALETTE[1];
const TRUE = "#2ca02c";
const RESIDUAL = "#d62728";

function lineThrough(l: Line, x: [number, number]): [number[], number[]] {
  return [[x[0], x[1]], [l.w * x[0] + l.b, l.w * x[1] + l.b]];
}

/** The data, the true line, and the first and last fitted lines with their residuals. */
export function lineFitDataFigure(r: LineFitResult, opts: LineFitFigureOpts = {}): ReportFigure {
  const xs = r.data.x;
  const ys = r.data.y;
  const xr = paddedRange(xs, 0.04);
  const first = r.rows[0];
  const last = r.final;
  const fig = new Figure({ width: 1000, height: 430, rows: 1, cols: 2, title: "Data, true line and fitted lines with their residuals" });
  const ylim = paddedRange([...ys, ...xr.map((x) => first.w * x + first.b), ...xr.map((x) => last.w * x + last.b)], 0.05);
  const panels: Array<[LineFitRow, string]> = [
    [first, `initial guess (iteration 0): loss ${short(first.loss)}`],
    [last, `after ${last.iteration} steps: loss ${short(last.loss)}`],
  ];
  for (const [row, title] of panels) {
    const ax = fig.axes({ title, xlabel: "x", ylabel: "y", ylim, xlim: xr, legend: "upper left" });
    ax.residuals(xs, ys, (x) => row.w * x + row.b, { label: "residual ŷ − y", color: RESIDUAL, dash: "dashed", width: 1.2 });
    if (opts.trueLine) ax.line(...lineThrough(opts.trueLine, xr), { label: `true line y = ${opts.trueLine.w}x + ${opts.trueLine.b}`, color: TRUE, dash: "dashed", width: 2 });
    ax.line(...lineThrough(row, xr), { label: `ŷ = ${row.w.toFixed(2)}x + ${row.b.toFixed(2)}`, color: FIT, width: 2.5 });
    ax.scatter(xs, ys, { label: "data", color: DATA, size: 4.5 });
  }
  return reportFigure(
    "data",
    "Data and residuals",
    `Left: the starting line and its residuals ŷ − y (dashed red), whose squares the loss averages. Right: the line after ${last.iteration} steps and its residuals.`,
    fig,
  );
}

// Long runs are drawn from a subset of their iterates (all the early ones), which keeps the
// SVG small; the CSV has every row.
function thinPath(r: LineFitResult): [number[], number[], number[]] {
  const idx = thinIndices(r.path.w.length);
  return [pick(r.path.w, idx), pick(r.path.b, idx), pick(r.path.loss, idx)];
}

/** The MSE as a surface over (w, b) with the gradient-descent path on it. */
export function lineFitSurfaceFigure(r: LineFitResult): ReportFigure {
  const grid = { xs: r.surface.w, ys: r.surface.b, z: r.surface.loss };
  const fig = new Figure({ width: 720, height: 560, title: "Mean squared error over (w, b)" });
  fig.axes3d({ xlabel: "w", ylabel: "b", zlabel: "loss", azimuth: -60, elevation: 30 })
    .surface(grid, { colormap: "viridis", colorbar: true })
    .path(...thinPath(r), { label: "gradient descent", color: "#d62728", width: 2.5 });
  return reportFigure(
    "loss-surface",
    "Loss surface",
    "The loss is a bowl (a quadratic in w and b); gradient descent (red, hollow circle at the start, star at the end) walks down into it. The colour bar gives the loss of each colour.",
    fig,
  );
}

/** Contours of the MSE with the gradient-descent path and the least-squares optimum. */
export function lineFitContourFigure(r: LineFitResult): ReportFigure {
  const grid = { xs: r.surface.w, ys: r.surface.b, z: r.surface.loss };
  const [pw, pb] = thinPath(r);
  const fig = new Figure({ width: 720, height: 560, title: "Gradient descent on the contours of the loss" });
  // a diverging path spans far more of w than of b: equal aspect would flatten it to a strip
  fig.axes({ xlabel: "slope w", ylabel: "intercept b", legend: r.diverged ? "best" : "upper right", aspect: r.diverged ? undefined : "equal" })
    .contour(grid, { levels: 14, levelSpacing: "log", colormap: "viridis", colorbar: true })
    .path(pw, pb, { dots: r.rows.length <= 200, label: `gradient descent (${r.rows.length - 1} steps, lr ${r.lr})`, color: "#d62728", width: 2 })
    .scatter([r.leastSquares.w], [r.leastSquares.b], { label: "least-squares optimum", color: "#ffffff", edgeColor: "#111111", marker: "diamond", size: 6 });
  return reportFigure(
    "contours",
    "Contours and the descent path",
    r.diverged
      ? `The learning rate is too large (stable below ${+r.diverged.maxStableLr.toPrecision(3)}): each step overshoots the valley by more than the last, so the path jumps outwards until the run was stopped at step ${r.diverged.iteration}.`
      : "Each step moves against the gradient, at right angles to the contour lines; the path bends because the bowl is steeper along w than along b.",
    fig,
  );
}

/** The fitted line at the recorded snapshot iterations, side by side. */
export function lineFitSnapshotsFigure(r: LineFitResult, opts: LineFitFigureOpts = {}): ReportFigure {
  const shots = r.snapshots;
  const n = Math.max(1, shots.length);
  const fig = new Figure({ width: Math.max(520, 270 * n), height: 330, rows: 1, cols: n, title: "The fitted line as training proceeds" });
  const xr = paddedRange(r.data.x, 0.04);
  const ylim = paddedRange([...r.data.y, ...shots.flatMap((s) => s.y)], 0.05);
  shots.forEach((s, k) => {
    const ax = fig.axes({ title: `iteration ${s.iteration}: loss ${short(s.loss)}`, xlabel: "x", ylabel: k === 0 ? "y" : undefined, xlim: xr, ylim, legend: false });
    if (opts.trueLine) ax.line(...lineThrough(opts.trueLine, xr), { color: TRUE, dash: "dashed", width: 1.5 });
    ax.scatter(r.data.x, r.data.y, { color: DATA, size: 3 });
    ax.line([s.x[0], s.x[1]], [s.y[0], s.y[1]], { color: FIT, width: 2.5 });
  });
  return reportFigure(
    "snapshots",
    "Snapshots of the fit",
    `The fitted line (orange) at iterations ${shots.map((s) => s.iteration).join(", ")}${opts.trueLine ? "; dashed green is the true line" : ""}.`,
    fig,
  );
}

/** Loss per iteration on a log scale, with the least-squares minimum for reference. */
export function lineFitLossFigure(r: LineFitResult): ReportFigure {
  const fig = new Figure({ width: 720, height: 420, title: "Training loss" });
  const rows = pick(r.rows, thinIndices(r.rows.length, 2000));
  fig.axes({ xlabel: "iteration", ylabel: "mean squared error", yscale: "log", legend: "upper right" })
    .line(rows.map((row) => row.iteration), forLogAxis(rows.map((row) => row.loss)), { label: "loss", color: PALETTE[0], width: 2.5, marker: r.rows.length <= 60 ? "circle" : undefined })
    .hline(r.leastSquares.loss, { label: `least-squares minimum ${short(r.leastSquares.loss)}`, color: "#555555", dash: "dashed" });
  return reportFigure(
    "loss",
    "Loss over iterations",
    r.diverged
      ? `The loss grows at every step: the run diverged and was stopped at step ${r.diverged.iteration}. The dashed line is the least-squares minimum it should have approached.`
      : "The loss falls fast at first, then approaches the least-squares minimum (dashed): the noise in the data, which no line can remove.",
    fig,
  );
}

/** Every line-fit figure. */
export function lineFitFigures(r: LineFitResult, opts: LineFitFigureOpts = {}): ReportFigure[] {
  return [lineFitDataFigure(r, opts), lineFitSurfaceFigure(r), lineFitContourFigure(r), lineFitSnapshotsFigure(r, opts), lineFitLossFigure(r)];
}

export interface LineFitReportOpts extends LineFitFigureOpts {
  /** Steps the user asked for, when the run stopped before them (Ctrl-C). */
  stepsRequested?: number;
}

/**
 * The line-fit report: the iteration table, the headline numbers and every figure.
 * @example
 * const report = lineFitReport(examples.lineFit(data, { steps: 50 }), { trueLine: { w: 2, b: 1 } });
 */
export function lineFitReport(r: LineFitResult, opts: LineFitReportOpts = {}): Report {
  const requested = opts.stepsRequested ?? r.steps;
  return {
    experiment: "line-fit",
    title: "Fitting a line by gradient descent",
    description:
      `A line ŷ = w·x + b is fitted to ${r.data.x.length} noisy points by full-batch gradient descent on the mean squared error ` +
      "L(w, b) = (1/n) Σ (w·xᵢ + b − yᵢ)², in float64. Each row of the table holds the parameters before an update, the loss there and its gradient " +
      "∂L/∂w = (2/n) Σ xᵢ(ŷᵢ − yᵢ), ∂L/∂b = (2/n) Σ (ŷᵢ − yᵢ).",
    settings: { steps: requested, lr: r.lr, method: r.method, w0: r.rows[0].w, b0: r.rows[0].b, points: r.data.x.length },
    status: {
      completed: r.steps >= requested,
      stepsRun: r.steps,
      stepsRequested: requested,
      ...(r.diverged ? { stopReason: `diverged: ${r.diverged.message}` } : {}),
    },
    results: {
      "initial loss": r.initialLoss,
      "final loss": r.finalLoss,
      "loss drop": r.diverged ? "diverged" : `${(100 * r.lossDrop).toFixed(1)}%`,
      "final w": r.final.w,
      "final b": r.final.b,
      "least-squares w": r.leastSquares.w,
      "least-squares b": r.leastSquares.b,
      "least-squares loss": r.leastSquares.loss,
    },
    summary: r.summary,
    figures: lineFitFigures(r, opts),
    tables: [
      {
        name: "metrics",
        title: "parameters, loss and gradient before each update",
        columns: ["iteration", "w", "b", "loss", "dL_dw", "dL_db"],
        rows: r.rows.map((row) => [row.iteration, row.w, row.b, row.loss, row.dLdw, row.dLdb]),
      },
    ],
  };
}
