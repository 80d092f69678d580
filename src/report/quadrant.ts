// The quadrant classifier's report: the decision regions of the trained network with the
// points on top, and the mini-batch loss and accuracy during training.

import type * as examples from "../examples/index.js";
import { Figure, PALETTE } from "../plot/index.js";
import { movingAverage, pick, smoothingWindow, strideIndices } from "./curves.js";
import { reportFigure } from "./figure.js";
import type { Report, ReportFigure } from "./types.js";

type QuadrantResult = examples.QuadrantResult;

/** Labelled points of the plane (class ids 0..3). */
export interface LabelledPoints {
  x: number[];
  y: number[];
  labels: number[];
}

const QUADRANT_NAMES = ["I: x ≥ 0, y ≥ 0", "II: x < 0, y ≥ 0", "III: x < 0, y < 0", "IV: x ≥ 0, y < 0"];
const CLASS_COLORS = [PALETTE[0], PALETTE[1], PALETTE[2], PALETTE[3]];

/** The network's predicted class over the plane (light colours) and the points (dark). */
export function quadrantRegionsFigure(r: QuadrantResult, points?: LabelledPoints): ReportFigure {
  const fig = new Figure({ width: 700, height: 600, title: `Decision regions after ${r.loss.length} steps` });
  const ax = fig.axes({ xlabel: "x", ylabel: "y", aspect: "equal", legend: "upper right", xlim: [-3, 3], ylim: [-3, 3] });
  ax.heatmap({ xs: r.grid.x, ys: r.grid.y, z: r.grid.classes }, { classes: true, classColors: CLASS_COLORS, lightenClasses: 0.6 });
  if (points) ax.scatter(points.x, points.y, { classes: points.labels, classColors: CLASS_COLORS, classLabels: QUADRANT_NAMES, size: 2.6 });
  ax.hline(0, { color: "#333333", dash: "dotted", width: 1 }).vline(0, { color: "#333333", dash: "dotted", width: 1 });
  return reportFigure(
    "decision-regions",
    "Decision regions",
    `Background: the class the trained MLP ${r.sizes.join(" → ")} picks at each point of the plane; dots: ${points ? `${points.x.length} held-out points coloured by their true quadrant` : "none"}. A dot whose colour differs from the background is misclassified; held-out accuracy ${(100 * r.test.accuracy).toFixed(1)}%.`,
    fig,
  );
}

/** Mini-batch loss and accuracy per step, raw (faint) and smoothed. */
export function quadrantCurvesFigure(r: QuadrantResult): ReportFigure {
  const idx = strideIndices(r.loss.length);
  const steps = idx;
  const w = smoothingWindow(r.loss.length);
  const fig = new Figure({ width: 1000, height: 400, rows: 1, cols: 2, title: "Training curves" });
  fig.axes({ title: "mini-batch loss", xlabel: "step", ylabel: "cross-entropy", legend: "upper right" })
    .line(steps, pick(r.loss, idx), { label: "per step", color: PALETTE[0], width: 1, opacity: 0.35 })
    .line(steps, pick(movingAverage(r.loss, w), idx), { label: `mean of ${w} steps`, color: PALETTE[0], width: 2.5 })
    .hline(Math.log(4), { label: "ln 4 (guessing)", color: "#777777", dash: "dashed" });
  fig.axes({ title: "mini-batch accuracy", xlabel: "step", ylabel: "accuracy", legend: "lower right", ylim: [0, 1.02] })
    .line(steps, pick(r.accuracy, idx), { label: "per step", color: PALETTE[2], width: 1, opacity: 0.35 })
    .line(steps, pick(movingAverage(r.accuracy, w), idx), { label: `mean of ${w} steps`, color: PALETTE[2], width: 2.5 })
    .hline(r.test.accuracy, { label: `held-out ${(100 * r.test.accuracy).toFixed(1)}%`, color: "#555555", dash: "dashed" });
  return reportFigure(
    "training-curves",
    "Loss and accuracy",
    "The loss starts near ln 4 (the untrained network cannot tell the classes apart) and falls as the network learns the two axes that separate them.",
    fig,
  );
}

/**
 * The quadrant report.
 * @example
 * const report = quadrantReport(examples.quadrant({ seed: 0 }));
 */
export function quadrantReport(r: QuadrantResult, opts: { points?: LabelledPoints; stepsRequested?: number } = {}): Report {
  const requested = opts.stepsRequested ?? r.steps;
  return {
    experiment: "quadrant",
    title: "Classifying points by quadrant with a small MLP",
    description:
      `Points drawn from a 2-D standard normal are labelled by their quadrant. An MLP ${r.sizes.join(" → ")} with ReLU and He initialization is trained on ` +
      `softmax cross-entropy with ${r.optimizer} (lr ${r.lr}) on mini-batches of ${r.batchSize}, then tested on fresh points.`,
    settings: { steps: requested, lr: r.lr, seed: r.seed, optimizer: r.optimizer, "batch size": r.batchSize, layers: r.sizes.join("-") },
    status: { completed: r.loss.length >= requested, stepsRun: r.loss.length, stepsRequested: requested },
    results: {
      "initial loss": r.loss[0] ?? NaN,
      "final mini-batch loss": r.loss[r.loss.length - 1] ?? NaN,
      "train loss": r.train.loss,
      "train accuracy": r.train.accuracy,
      "held-out loss": r.test.loss,
      "held-out accuracy": r.test.accuracy,
      "first step at 95% (20-step mean)": r.stepTo95,
    },
    summary: r.summary,
    figures: [quadrantRegionsFigure(r, opts.points), quadrantCurvesFigure(r)],
    tables: [
      {
        name: "metrics",
        title: "mini-batch loss and accuracy before each update",
        columns: ["step", "loss", "accuracy"],
        rows: r.loss.map((l, i) => [i, l, r.accuracy[i]]),
      },
    ],
  };
}
