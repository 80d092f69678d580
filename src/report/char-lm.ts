// The char-lm report: training and validation loss, the learning-rate schedule, text sampled at
// several points of the run, and the attention maps of every head for a sample sentence.

import { Figure, PALETTE } from "../plot/index.js";
import { movingAverage, pick, smoothingWindow, strideIndices } from "./curves.js";
import { reportFigure } from "./figure.js";
import type { Report, ReportFigure } from "./types.js";

export interface CharLmReportInput {
  /** Every hyperparameter of the run. */
  config: Record<string, number | boolean>;
  /** Mini-batch loss of each iteration done. */
  losses: readonly number[];
  /** Learning rate of each iteration done. */
  lrs: readonly number[];
  evals: readonly { iter: number; trainLoss: number; valLoss: number }[];
  /** Text generated from the model at a few iterations. */
  samples: readonly { iter: number; text: string }[];
  /** Attention weights [layer][head][T][T] for the characters of `attentionText`. */
  attention?: { text: string; weights: number[][][][] };
  params: number;
  msPerIter: number;
  tokensPerSecond: number;
  gflops: number;
  itersRequested: number;
  /** Training time of all iterations done, resumed runs included (ms). */
  trainMs?: number;
  /** Wall-clock time of this invocation, evaluations and sampling included (ms). */
  wallMs?: number;
}

/** Mini-batch loss (raw and smoothed) with the periodic train/val estimates. */
export function charLmLossFigure(r: CharLmReportInput): ReportFigure {
  const fig = new Figure({ width: 900, height: 420, title: "Character-level GPT on Tiny Shakespeare" });
  const ax = fig.axes({ xlabel: "iteration", ylabel: "cross-entropy (nats/char)", legend: "upper right" });
  const idx = strideIndices(r.losses.length);
  const it = idx.map((i) => i + 1);
  if (r.losses.length) {
    ax.line(it, pick(r.losses, idx), { label: "mini-batch", color: PALETTE[0], width: 1, opacity: 0.35 });
    ax.line(it, pick(movingAverage(r.losses, smoothingWindow(r.losses.length)), idx), { label: "mini-batch (moving average)", color: PALETTE[0], width: 2 });
  }
  if (r.evals.length) {
    ax.line(r.evals.map((e) => e.iter), r.evals.map((e) => e.trainLoss), { label: "train (estimate)", color: PALETTE[2], width: 2.2, marker: "circle" });
    ax.line(r.evals.map((e) => e.iter), r.evals.map((e) => e.valLoss), { label: "validation (estimate)", color: PALETTE[1], width: 2.2, marker: "square" });
  }
  const last = r.evals[r.evals.length - 1];
  return reportFigure(
    "loss",
    "Training and validation loss",
    `Per-iteration mini-batch loss and, every ${r.config.evalInterval} iterations, the mean over ${r.config.evalIters} random batches of each split.` +
      (last ? ` At iteration ${last.iter}: train ${last.trainLoss.toFixed(4)}, validation ${last.valLoss.toFixed(4)}.` : ""),
    fig,
  );
}

/** The learning rate of every iteration. */
export function charLmScheduleFigure(r: CharLmReportInput): ReportFigure {
  const fig = new Figure({ width: 700, height: 320, title: "Learning-rate schedule" });
  const idx = strideIndices(r.lrs.length);
  fig.axes({ xlabel: "iteration", ylabel: "learning rate", legend: false }).line(idx.map((i) => i + 1), pick(r.lrs, idx), { color: PALETTE[3], width: 2 });
  return reportFigure(
    "lr-schedule",
    "Learning-rate schedule",
    `Linear warm-up over ${r.config.warmupIters} iterations to ${r.config.lr}, then cosine decay to ${r.config.minLr} at iteration ${r.config.lrDecayIters}.`,
    fig,
  );
}

/** One heat map per layer and head: row = query character, column = the key it attends to. */
export function charLmAttentionFigure(att: { text: string; weights: number[][][][] }): ReportFigure {
  const layers = att.weights.length;
  const heads = att.weights[0]?.length ?? 0;
  const t = att.text.length;
  const fig = new Figure({ width: 260 * heads + 40, height: 270 * layers + 60, rows: layers, cols: heads, title: `Attention for "${att.text}"` });
  const axis = Array.from({ length: t }, (_, i) => i);
  att.weights.forEach((layer, l) =>
    layer.forEach((w, h) => {
      // grid row j is drawn at y = j: put query 0 at the top
      const z = axis.map((j) => w[t - 1 - j]);
      // query i is drawn at y = t − 1 − i: its ticks say i
      const ticks = axis.filter((i) => i % 5 === 0);
      fig.axes({
        title: `layer ${l}, head ${h}`, xlim: [-0.5, t - 0.5], ylim: [-0.5, t - 0.5], aspect: "equal", legend: false, fontSize: 10,
        xticks: ticks, yticks: ticks.map((i) => t - 1 - i), ytickLabels: ticks.map(String),
        xlabel: l === layers - 1 ? "key position" : undefined, ylabel: h === 0 ? "query position" : undefined,
      })
        .heatmap({ xs: axis, ys: axis, z }, { colormap: "blues", vmin: 0, vmax: 1 });
    }),
  );
  return reportFigure(
    "attention",
    "Attention maps",
    `Each panel is one head: row i (from the top) is the query at character ${JSON.stringify(att.text[0])}… position i of the sentence, column j the key it attends to (darker = more weight). The causal mask leaves the upper triangle empty.`,
    fig,
  );
}

/**
 * The char-lm report.
 * @example const report = charLmReport({ config, losses, lrs, evals, samples, params, msPerIter, tokensPerSecond, gflops, itersRequested });
 */
export function charLmReport(r: CharLmReportInput): Report {
  const last = r.evals[r.evals.length - 1];
  const lines = [
    `iterations ${r.losses.length}/${r.itersRequested}, ${r.params.toLocaleString("en-US")} parameters`,
    `${r.msPerIter.toFixed(1)} ms/iter, ${Math.round(r.tokensPerSecond).toLocaleString("en-US")} tokens/s, ${r.gflops.toFixed(2)} GFLOP/s`,
    "",
    "iter   train    val",
    ...r.evals.map((e) => `${String(e.iter).padStart(5)}  ${e.trainLoss.toFixed(4)}  ${e.valLoss.toFixed(4)}`),
  ];
  if (r.trainMs !== undefined) lines.splice(2, 0, `training ${(r.trainMs / 1000).toFixed(1)} s` + (r.wallMs !== undefined ? `, the whole run ${(r.wallMs / 1000).toFixed(1)} s (evaluations and samples included)` : ""));
  const samples = r.samples.map((s) => `---- iteration ${s.iter} ----\n${s.text.trimEnd()}`).join("\n\n");
  const figures = [charLmLossFigure(r), charLmScheduleFigure(r)];
  if (r.attention && r.attention.weights.length) figures.push(charLmAttentionFigure(r.attention));
  return {
    experiment: "char-lm",
    title: "A character-level GPT on Tiny Shakespeare",
    description:
      "nanoGPT's shakespeare_char: a GPT (pre-norm transformer blocks, learned positions, the output head tied to the token embedding) learns to predict the next " +
      "character of Tiny Shakespeare (1,003,854 training and 111,540 validation characters, 65 symbols) from random windows, with AdamW, warm-up and cosine decay.",
    settings: { ...r.config },
    status: { completed: r.losses.length >= r.itersRequested, stepsRun: r.losses.length, stepsRequested: r.itersRequested },
    results: {
      "train loss": last?.trainLoss ?? NaN,
      "val loss": last?.valLoss ?? NaN,
      parameters: r.params,
      "ms/iter": r.msPerIter,
      "tokens/s": r.tokensPerSecond,
      "GFLOP/s": r.gflops,
      ...(r.trainMs !== undefined ? { "training time (s)": +(r.trainMs / 1000).toFixed(1) } : {}),
      ...(r.wallMs !== undefined ? { "wall time of the run (s)": +(r.wallMs / 1000).toFixed(1) } : {}),
    },
    summary: lines.join("\n"),
    texts: r.samples.length
      ? [{ name: "samples", title: "Samples", caption: "Text drawn from the model at each evaluation and at the end (temperature 0.8, top-k 40, seed 1); the last one starts from the prompt \"ROMEO:\".", text: samples }]
      : [],
    figures,
    tables: [
      { name: "evals", title: "train and validation loss estimates", columns: ["iter", "train_loss", "val_loss"], rows: r.evals.map((e) => [e.iter, e.trainLoss, e.valLoss]) },
      { name: "losses", title: "mini-batch loss and learning rate per iteration", columns: ["iter", "loss", "lr"], rows: r.losses.map((l, i) => [i + 1, l, r.lrs[i]]) },
    ],
  };
}
