// The optimizer race: paths of SGD, momentum, Adam and AdamW over the contours of the
// elongated bowl x² + 10y², the bowl's value per step, and the loss curves on the quadrant MLP.

import type * as examples from "../examples/index.js";
import { Figure, PALETTE, nonConvexFigure } from "../plot/index.js";
import { movingAverage, pick, smoothingWindow, strideIndices, thinIndices } from "./curves.js";
import { forLogAxis, reportFigure } from "./figure.js";
import type { Report, ReportFigure } from "./types.js";

type OptimizerRaceResult = examples.OptimizerRaceResult;

const COLORS: Record<string, string> = { sgd: PALETTE[0], momentum: PALETTE[1], adam: PALETTE[2], adamw: PALETTE[3] };

// AdamW without much weight decay follows Adam closely: it is dashed and thinner so both show.
function style(kind: string, k: number): { color: string; width: number; dash?: "dashed" } {
  const color = COLORS[kind] ?? PALETTE[k % PALETTE.length];
  return kind === "adamw" ? { color, width: 1.8, dash: "dashed" } : { color, width: 2.5 };
}

// Plain gradient descent on x² + 10y² multiplies x by 1 − 2·lr and y by 1 − 20·lr at every step.
function raceCaption(r: OptimizerRaceResult): string {
  const sgd = r.bowl.runs.find((run) => run.optimizer === "sgd");
  const parts = ["The bowl is 10 times steeper along y than along x."];
  if (sgd) {
    const fx = 1 - 2 * sgd.lr;
    const fy = 1 - 20 * sgd.lr;
    parts.push(
      `SGD (lr ${sgd.lr}) multiplies x by 1 − 2·lr = ${+fx.toFixed(3)} and y by 1 − 20·lr = ${+fy.toFixed(3)} at each step` +
        (fy < 0 ? ", so it zigzags across the valley while x shrinks steadily." : "."),
    );
  }
  parts.push("Momentum carries speed past the minimum and spirals in; Adam and AdamW move every coordinate by about lr per step, so they head down the diagonal, then circle the minimum.");
  return parts.join(" ");
}

/** Every optimizer's path on the contours of f(x, y) = x² + 10y². */
export function raceContourFigure(r: OptimizerRaceResult): ReportFigure {
  const s = r.bowl.surface;
  const fig = new Figure({ width: 820, height: 560, title: `Paths on f(x, y) = x² + 10y², ${r.bowl.steps} steps from (${r.bowl.start.join(", ")})` });
  const ax = fig.axes({ xlabel: "x", ylabel: "y", aspect: "equal", legend: "lower right" })
    .contour({ xs: s.x, ys: s.y, z: s.f }, { levels: 12, levelSpacing: "log", filled: false, lineColor: "#b5b5b5", lineWidth: 1 });
  const dots = r.bowl.steps <= 50;
  r.bowl.runs.forEach((run, k) => ax.path(pick(run.x, thinIndices(run.x.length)), pick(run.y, thinIndices(run.y.length)), { label: `${run.label} (lr ${run.lr})`, ...style(run.optimizer, k), dots }));
  ax.scatter([0], [0], { color: "#111111", marker: "cross", size: 6 });
  return reportFigure(
    "bowl-paths",
    "Paths on an elongated bowl",
    raceCaption(r),
    fig,
  );
}

/** f per step for each optimizer, log scale. */
export function raceBowlLossFigure(r: OptimizerRaceResult): ReportFigure {
  const fig = new Figure({ width: 760, height: 420, title: "Value of the bowl per step" });
  const ax = fig.axes({ xlabel: "step", ylabel: "f(x, y)", yscale: "log", legend: "lower left" });
  r.bowl.runs.forEach((run, k) => ax.line(thinIndices(run.f.length, 2000), forLogAxis(pick(run.f, thinIndices(run.f.length, 2000))), { label: run.label, ...style(run.optimizer, k) }));
  return reportFigure("bowl-loss", "Bowl value per step", "A straight line on this log scale is a constant rate of convergence.", fig);
}

/** Mini-batch loss and accuracy on the quadrant MLP per optimizer (smoothed). */
export function raceMlpFigure(r: OptimizerRaceResult): ReportFigure {
  const fig = new Figure({ width: 1000, height: 400, rows: 1, cols: 2, title: `Training the quadrant MLP ${r.mlp.sizes.join(" → ")}, same start and batches` });
  const n = Math.max(0, ...r.mlp.runs.map((run) => run.loss.length));
  const w = smoothingWindow(n);
  const loss = fig.axes({ title: `mini-batch loss (mean of ${w} steps)`, xlabel: "step", ylabel: "cross-entropy", legend: "upper right" });
  const acc = fig.axes({ title: `mini-batch accuracy (mean of ${w} steps)`, xlabel: "step", ylabel: "accuracy", legend: "lower right", ylim: [0, 1.02] });
  r.mlp.runs.forEach((run, k) => {
    const st = style(run.optimizer, k);
    const idx = strideIndices(run.loss.length);
    loss.line(idx, pick(movingAverage(run.loss, w), idx), { label: `${run.label} (lr ${run.lr})`, ...st });
    acc.line(idx, pick(movingAverage(run.accuracy, w), idx), { label: `${run.label}: held-out ${(100 * run.testAccuracy).toFixed(1)}%`, ...st });
  });
  return reportFigure("mlp-curves", "Loss curves on the quadrant MLP", "Each optimizer starts from the same weights and sees the same mini-batches, so the curves differ only by the update rule.", fig);
}

const CLASS_COLORS = [PALETTE[0], PALETTE[1], PALETTE[2], PALETTE[3]];

/**
 * Each optimizer's decision regions on the quadrant MLP at the recorded steps: one row per optimizer.
 * @example const fig = raceRegionsFigure(examples.optimizerRace({ mlpSteps: 100 }));
 */
export function raceRegionsFigure(r: OptimizerRaceResult): ReportFigure {
  const runs = r.mlp.runs.filter((run) => run.regions.length);
  const cols = Math.max(1, ...runs.map((run) => run.regions.length));
  const fig = new Figure({ width: Math.max(560, 215 * cols + 30), height: 40 + 215 * Math.max(1, runs.length), rows: Math.max(1, runs.length), cols, title: "Decision regions of the quadrant MLP during training", fontSize: 11 });
  for (const run of runs) {
    for (let c = 0; c < cols; c++) {
      const shot = run.regions[c];
      const ax = fig.axes({ title: shot ? `${run.label}, step ${shot.step}` : "", aspect: "equal", xlim: [-3, 3], ylim: [-3, 3], legend: false });
      if (!shot) continue;
      ax.heatmap({ xs: shot.grid.x, ys: shot.grid.y, z: shot.grid.classes }, { classes: true, classColors: CLASS_COLORS, lightenClasses: 0.45 });
      ax.hline(0, { color: "#333333", dash: "dotted", width: 1 }).vline(0, { color: "#333333", dash: "dotted", width: 1 });
    }
  }
  const steps = [...new Set(runs.flatMap((run) => run.regions.map((g) => g.step)))].join(", ");
  return reportFigure(
    "mlp-regions",
    "Decision regions during training, per optimizer",
    `The class each network picks over [−3, 3]² after ${steps} steps (one row per optimizer, same start and batches). The true regions are the four quadrants, split by the dotted axes.`,
    fig,
  );
}

/**
 * A non-convex loss, for contrast with the convex bowl: gradient methods can stop in a local minimum.
 * @example const fig = raceLandscapeFigure();
 */
export function raceLandscapeFigure(): ReportFigure {
  return reportFigure(
    "non-convex",
    "A non-convex landscape",
    "The bowl above has one minimum, which every optimizer reaches. A network's loss is not convex: it has local minima (red) besides the global one (green), and which one gradient descent ends in depends on where it starts and on the optimizer's momentum.",
    nonConvexFigure(),
  );
}

/**
 * The optimizer race report.
 * @example
 * const report = optimizerRaceReport(examples.optimizerRace({ steps: 100 }), { seed: 0 });
 */
export function optimizerRaceReport(r: OptimizerRaceResult, settings: { seed: number }): Report {
  const results: Record<string, number> = {};
  for (const run of r.bowl.runs) results[`${run.label}: final f on the bowl`] = run.f[run.f.length - 1];
  const mlpRan = r.mlp.steps > 0;
  if (mlpRan) for (const run of r.mlp.runs) results[`${run.label}: held-out accuracy on the MLP`] = run.testAccuracy;
  const notRun = mlpRan ? undefined : [`the quadrant MLP race (${r.mlp.sizes.join(" → ")}): the run was stopped during the bowl race`];
  return {
    experiment: "optimizer-race",
    title: "Optimizer race: SGD, momentum, Adam, AdamW",
    description:
      "The four optimizers run side by side on the ill-conditioned bowl f(x, y) = x² + 10y² and on the quadrant MLP, each at a learning rate that suits it.",
    settings: { "bowl steps": r.bowl.steps, "MLP steps": r.mlp.steps, seed: settings.seed, "MLP batch size": r.mlp.batchSize },
    status: { completed: !r.stoppedEarly, stepsRun: r.bowl.steps, stepsRequested: r.bowl.steps, ...(notRun ? { notRun } : {}) },
    results,
    summary: r.summary,
    // a phase that did not run draws nothing
    figures: [raceContourFigure(r), raceBowlLossFigure(r), raceLandscapeFigure(), ...(mlpRan ? [raceMlpFigure(r), raceRegionsFigure(r)] : [])],
    tables: [
      {
        name: "metrics",
        title: "bowl: position and value per step, per optimizer",
        columns: ["optimizer", "step", "x", "y", "f"],
        rows: r.bowl.runs.flatMap((run) => run.f.map((f, i) => [run.optimizer, i, run.x[i], run.y[i], f])),
      },
      ...(mlpRan
        ? [{
            name: "mlp",
            title: "quadrant MLP: mini-batch loss and accuracy per step, per optimizer",
            columns: ["optimizer", "step", "loss", "accuracy"],
            rows: r.mlp.runs.flatMap((run) => run.loss.map((l, i): Array<string | number> => [run.optimizer, i, l, run.accuracy[i]])),
          }]
        : []),
    ],
  };
}
