// The CNN report: the loss of every step and the per-epoch metrics, the confusion matrix, the
// first convolution's filters as images, and held-out digits the network gets wrong.

import type * as examples from "../examples/index.js";
import { Figure, PALETTE } from "../plot/index.js";
import { reportFigure } from "./figure.js";
import type { Report, ReportFigure } from "./types.js";

type CnnResult = examples.CnnResult;

/** A 28×28 image (row-major, top row first, intensities 0..255) with its true and predicted class. */
export interface MnistSample {
  pixels: number[];
  rows: number;
  cols: number;
  label: number;
  predicted: number;
}

/** Training loss per step (and its epoch means), held-out loss and accuracy per epoch. */
export function cnnCurvesFigure(r: CnnResult): ReportFigure {
  const steps = r.stepLosses.map((_, i) => i + 1);
  const epochEnd = r.epochs.map((e) => Math.min((e.epoch + 1) * r.stepsPerEpoch, r.steps));
  const fig = new Figure({ width: 1000, height: 400, rows: 1, cols: 2, title: `CNN on MNIST: ${r.parameters} parameters` });
  fig.axes({ title: "loss", xlabel: "step", ylabel: "cross-entropy", yscale: "log", legend: "upper right" })
    .line(steps, r.stepLosses, { label: "mini-batch", color: PALETTE[0], width: 1, opacity: 0.5 })
    .line(epochEnd, r.epochs.map((e) => e.trainLoss), { label: "training (epoch mean)", color: PALETTE[0], width: 2.2, marker: "circle" })
    .line(epochEnd, r.epochs.map((e) => e.testLoss), { label: "held-out", color: PALETTE[1], width: 2.2, marker: "square" });
  const ep = r.epochs.map((e) => e.epoch + 1);
  fig.axes({ title: "accuracy", xlabel: "epoch", ylabel: "accuracy", legend: "lower right" })
    .line(ep, r.epochs.map((e) => e.trainAccuracy), { label: "training", color: PALETTE[0], width: 2.2, marker: "circle" })
    .line(ep, r.epochs.map((e) => e.testAccuracy), { label: "held-out", color: PALETTE[1], width: 2.2, marker: "square" });
  return reportFigure(
    "training-curves",
    "Loss and accuracy",
    `Left: the loss of every mini-batch (log scale) with the epoch means and the held-out loss; right: accuracy per epoch. Final held-out accuracy ${(100 * r.testAccuracy).toFixed(2)}% on ${r.testSize} images never trained on.`,
    fig,
  );
}

/** The confusion matrix as a heat map with the counts written in. */
export function cnnConfusionFigure(r: CnnResult): ReportFigure {
  const classes = Array.from({ length: r.confusion.length }, (_, i) => i);
  const fig = new Figure({ width: 600, height: 560, title: "Confusion matrix (held-out)" });
  const z = r.confusion.map((row) => row.map((c) => Math.log1p(c)));
  const ax = fig.axes({ xlabel: "predicted class", ylabel: "true class", aspect: "equal", legend: false })
    .heatmap({ xs: classes, ys: classes, z }, { colormap: "blues" });
  const top = Math.max(...r.confusion.flat());
  r.confusion.forEach((row, t) =>
    row.forEach((c, p) => {
      if (c > 0) ax.text(p, t, String(c), { anchor: "middle", size: 11, color: Math.log1p(c) > 0.6 * Math.log1p(top) ? "#ffffff" : "#111111" });
    }),
  );
  return reportFigure("confusion", "Confusion matrix", "Row: the true class; column: the predicted one. Counts off the diagonal are mistakes (colour on a log scale).", fig);
}

/** The first convolution's 3×3 filters, on one symmetric colour scale. */
export function cnnFiltersFigure(r: CnnResult, cols = 8): ReportFigure {
  const k = Math.round(Math.sqrt(r.filters[0]?.length ?? 9));
  const rows = Math.max(1, Math.ceil(r.filters.length / cols));
  const fig = new Figure({ width: 100 * cols + 20, height: 105 * rows + 50, rows, cols, title: "First-layer filters" });
  const lim = Math.max(...r.filters.flat().map(Math.abs));
  const axis = Array.from({ length: k }, (_, i) => i);
  r.filters.forEach((f, c) => {
    const z = axis.map((j) => f.slice((k - 1 - j) * k, (k - j) * k));
    fig.axes({ title: `filter ${c}`, xlim: [-0.5, k - 0.5], ylim: [-0.5, k - 0.5], aspect: "equal", legend: false, fontSize: 11 })
      .heatmap({ xs: axis, ys: axis, z }, { colormap: "coolwarm", vmin: -lim, vmax: lim });
  });
  return reportFigure("filters", "First-layer filters", `The ${r.filters.length} learned 3×3 kernels of the first convolution (red positive, blue negative, one scale for all).`, fig);
}

/** Digits in a grid, each titled "label → prediction". */
export function cnnSamplesFigure(samples: readonly MnistSample[], cols = 6): ReportFigure {
  const rows = Math.max(1, Math.ceil(samples.length / cols));
  const fig = new Figure({ width: 130 * cols + 20, height: 140 * rows + 50, rows, cols, title: "Misclassified held-out digits: true class → prediction" });
  for (const s of samples) {
    const ys = Array.from({ length: s.rows }, (_, i) => i);
    const xs = Array.from({ length: s.cols }, (_, i) => i);
    const z = ys.map((j) => s.pixels.slice((s.rows - 1 - j) * s.cols, (s.rows - j) * s.cols));
    fig.axes({ title: `${s.label} → ${s.predicted}`, xlim: [-0.5, s.cols - 0.5], ylim: [-0.5, s.rows - 0.5], aspect: "equal", legend: false, fontSize: 11 })
      .heatmap({ xs, ys, z }, { colormap: "greys", vmin: 0, vmax: 255 });
  }
  return reportFigure("mistakes", "Misclassified digits", "Held-out images the network gets wrong, with the class it gives them.", fig);
}

/**
 * The CNN report.
 * @example
 * const report = cnnReport(examples.cnn(data, { seed: 0 }), { samples, lr: 0.05, epochsRequested: 6 });
 */
export function cnnReport(r: CnnResult, opts: { samples?: readonly MnistSample[]; lr: number; epochsRequested?: number; batchSize?: number }): Report {
  const requested = opts.epochsRequested ?? r.epochs.length;
  const last = r.epochs[r.epochs.length - 1];
  const figures = [cnnCurvesFigure(r), cnnConfusionFigure(r), cnnFiltersFigure(r)];
  if (opts.samples?.length) figures.push(cnnSamplesFigure(opts.samples));
  return {
    experiment: "cnn",
    title: "Handwritten digits with a convolutional network",
    description:
      `The 10,000 images of the MNIST test set split ${r.trainSize}/${r.testSize} at random; conv 3×3 (1 → ${r.channels[0]}) – ReLU – max-pool – ` +
      `conv 3×3 (${r.channels[0]} → ${r.channels[1]}) – ReLU – max-pool – linear to 10 classes, trained with SGD (Nesterov momentum) on softmax ` +
      "cross-entropy; the training step is compiled with tg.compile (each convolution one kernel: im2col and its GEMMs in linear memory).",
    settings: { epochs: requested, lr: opts.lr, seed: r.seed, channels: r.channels.join("-"), parameters: r.parameters, "train images": r.trainSize, "held-out images": r.testSize },
    status: { completed: !r.stoppedEarly && r.epochs.length >= requested, stepsRun: r.steps, stepsRequested: requested * r.stepsPerEpoch },
    results: {
      "final training loss": last?.trainLoss ?? NaN,
      "final training accuracy": last?.trainAccuracy ?? NaN,
      "final held-out loss": last?.testLoss ?? NaN,
      "held-out accuracy": r.testAccuracy,
      "held-out mistakes": r.mistakes.length,
      "training seconds": Number(r.trainSeconds.toFixed(2)),
      "steps per second": Number((r.steps / r.trainSeconds).toFixed(2)),
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
      { name: "steps", title: "mini-batch loss of every step", columns: ["step", "loss"], rows: r.stepLosses.map((l, i) => [i + 1, l]) },
      {
        name: "confusion",
        title: "held-out confusion matrix (rows: true class, columns: predicted)",
        columns: ["true", ...r.confusion.map((_, c) => `pred_${c}`)],
        rows: r.confusion.map((row, t) => [t, ...row]),
      },
    ],
  };
}
