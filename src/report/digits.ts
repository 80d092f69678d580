// The digits report: loss and accuracy per epoch on the training and held-out sets, a few
// held-out images with the network's answers, and the confusion matrix.

import type * as examples from "../examples/index.js";
import { Figure, PALETTE } from "../plot/index.js";
import { reportFigure } from "./figure.js";
import type { Report, ReportFigure } from "./types.js";

type DigitsResult = examples.DigitsResult;

/** An 8×8 image (64 intensities, row-major, top row first) with its true and predicted class. */
export interface DigitSample {
  pixels: number[];
  label: number;
  predicted: number;
}

/** Loss and accuracy per epoch, training and held-out. */
export function digitsCurvesFigure(r: DigitsResult): ReportFigure {
  const ep = r.epochs.map((e) => e.epoch + 1);
  const fig = new Figure({ width: 1000, height: 400, rows: 1, cols: 2, title: `Digits: MLP ${r.sizes.join(" → ")}` });
  fig.axes({ title: "loss", xlabel: "epoch", ylabel: "cross-entropy", legend: "upper right" })
    .line(ep, r.epochs.map((e) => e.trainLoss), { label: "training", color: PALETTE[0], width: 2.2, marker: "circle" })
    .line(ep, r.epochs.map((e) => e.testLoss), { label: "held-out", color: PALETTE[1], width: 2.2, marker: "square" });
  fig.axes({ title: "accuracy", xlabel: "epoch", ylabel: "accuracy", legend: "lower right" })
    .line(ep, r.epochs.map((e) => e.trainAccuracy), { label: "training", color: PALETTE[0], width: 2.2, marker: "circle" })
    .line(ep, r.epochs.map((e) => e.testAccuracy), { label: "held-out", color: PALETTE[1], width: 2.2, marker: "square" });
  return reportFigure(
    "training-curves",
    "Loss and accuracy per epoch",
    `Training metrics are averaged over each epoch's mini-batches; held-out metrics are measured on ${r.testSize} images never trained on. Final held-out accuracy ${(100 * r.testAccuracy).toFixed(1)}%.`,
    fig,
  );
}

/** Held-out images in a grid, each titled "label → prediction" (mistakes in red). */
export function digitsSamplesFigure(samples: readonly DigitSample[], cols = 8): ReportFigure {
  const rows = Math.max(1, Math.ceil(samples.length / cols));
  const fig = new Figure({ width: 110 * cols + 20, height: 120 * rows + 50, rows, cols, title: "Held-out digits: true class → prediction" });
  const axis = Array.from({ length: 8 }, (_, i) => i);
  for (const s of samples) {
    // grid rows follow increasing y, so the image's top row goes last
    const z = axis.map((j) => s.pixels.slice((7 - j) * 8, (8 - j) * 8));
    const ok = s.label === s.predicted;
    fig.axes({ title: `${s.label} → ${s.predicted}${ok ? "" : " ✗"}`, xlim: [-0.5, 7.5], ylim: [-0.5, 7.5], aspect: "equal", legend: false, fontSize: 11 })
      .heatmap({ xs: axis, ys: axis, z }, { colormap: "greys", vmin: 0, vmax: 16 });
  }
  return reportFigure("samples", "Sample digits", "A few held-out 8×8 images with the class the network gives them; ✗ marks a mistake.", fig);
}

/** The confusion matrix as a heat map with the counts written in. */
export function digitsConfusionFigure(r: DigitsResult): ReportFigure {
  const k = r.confusion.length;
  const classes = Array.from({ length: k }, (_, i) => i);
  const fig = new Figure({ width: 600, height: 560, title: "Confusion matrix (held-out)" });
  // grid row j (y = j) holds true class j
  const z = r.confusion.map((row) => row.map((c) => Math.log1p(c)));
  const ax = fig.axes({ xlabel: "predicted class", ylabel: "true class", aspect: "equal", legend: false, xticks: classes, yticks: classes })
    .heatmap({ xs: classes, ys: classes, z }, { colormap: "blues" });
  const top = Math.max(...r.confusion.flat());
  r.confusion.forEach((row, t) =>
    row.forEach((c, p) => {
      if (c > 0) ax.text(p, t, String(c), { anchor: "middle", size: 11, color: Math.log1p(c) > 0.6 * Math.log1p(top) ? "#ffffff" : "#111111" });
    }),
  );
  return reportFigure("confusion", "Confusion matrix", "Row: the true class; column: the predicted one. Counts off the diagonal are mistakes (colour on a log scale).", fig);
}

/**
 * The digits report.
 * @example
 * const report = digitsReport(examples.digits(await loadDigits(), { seed: 0 }), { samples });
 */
export function digitsReport(r: DigitsResult, opts: { samples?: readonly DigitSample[]; lr: number; epochsRequested?: number }): Report {
  const requested = opts.epochsRequested ?? r.epochs.length;
  const last = r.epochs[r.epochs.length - 1];
  const figures = [digitsCurvesFigure(r)];
  if (opts.samples?.length) figures.push(digitsSamplesFigure(opts.samples));
  figures.push(digitsConfusionFigure(r));
  return {
    experiment: "digits",
    title: "Handwritten digits with an MLP",
    description:
      `The 1797 8×8 handwritten digits (scikit-learn's copy of the UCI set) split ${r.trainSize}/${r.testSize} at random; an MLP ${r.sizes.join(" → ")} with ReLU ` +
      "is trained with Adam on softmax cross-entropy, one epoch being a pass over the training images in shuffled mini-batches.",
    settings: { epochs: requested, lr: opts.lr, seed: r.seed, layers: r.sizes.join("-"), "train images": r.trainSize, "held-out images": r.testSize },
    status: { completed: r.epochs.length >= requested, stepsRun: r.epochs.length, stepsRequested: requested },
    results: {
      "final training loss": last?.trainLoss ?? NaN,
      "final training accuracy": last?.trainAccuracy ?? NaN,
      "final held-out loss": last?.testLoss ?? NaN,
      "held-out accuracy": r.testAccuracy,
      "held-out mistakes": r.mistakes.length,
    },
    summary: r.summary,
    figures,
    tables: [
      {
        name: "metrics",
        title: "loss and accuracy after each epoch",
        columns: ["epoch", "train_loss", "train_accuracy", "test_loss", "test_accuracy"],
        rows: r.epochs.map((e) => [e.epoch + 1, e.trainLoss, e.trainAccuracy, e.testLoss, e.testAccuracy]),
      },
      {
        name: "confusion",
        title: "held-out confusion matrix (rows: true class, columns: predicted)",
        columns: ["true", ...r.confusion.map((_, c) => `pred_${c}`)],
        rows: r.confusion.map((row, t) => [t, ...row]),
      },
    ],
  };
}
