// SGD, SGD with momentum, Adam and AdamW side by side, on two problems:
//
// (a) the ill-conditioned bowl f(x, y) = x² + 10y² from (−3, 2). Its curvature is 2 along x
//     and 20 along y, so plain gradient descent must keep lr < 2/20 to stay stable in y and
//     then crawls along x; momentum builds up speed along the shallow valley; Adam divides each
//     coordinate's step by its own gradient scale and heads for the minimum diagonally.
// (b) the quadrant MLP from ./quadrant.ts, every optimizer starting from the same weights and
//     seeing the same mini-batches, so the loss curves differ only by the update rule.

import * as tg from "../library.js";
import { ArgumentError } from "../core/errors.js";
import { fixed, sci, table } from "./format.js";
import { makeOptimizer, OPTIMIZER_KINDS, optimizerLabel, type OptimizerKind } from "./optimizers.js";
import type { OnStep } from "./progress.js";
import { decisionGrid, evaluateQuadrant, quadrantSetup, quadrantTrainer, type DecisionGrid } from "./quadrant.js";
import { snapshotSteps } from "./line-fit.js";

export interface OptimizerRaceOptions {
  /** Steps on the quadratic bowl. Default 100. */
  steps?: number;
  /** Learning rates on the bowl. Defaults: SGD 0.08, momentum 0.01, Adam 0.2, AdamW 0.2. */
  bowlLr?: Partial<Record<OptimizerKind, number>>;
  /** Steps on the quadrant MLP. Default 300. */
  mlpSteps?: number;
  /** Learning rates on the MLP. Defaults: SGD 0.2, momentum 0.02, Adam 0.01, AdamW 0.01. */
  mlpLr?: Partial<Record<OptimizerKind, number>>;
  /** Seed of the quadrant data, initial weights and batch order. Default 0. */
  seed?: number;
  /** Optimizers to race. Default all four. */
  optimizers?: readonly OptimizerKind[];
  /** Points per axis of the bowl's contour grid. Default 61. */
  gridSize?: number;
  /**
   * MLP steps after which each network's decision regions are recorded (those beyond the steps
   * run are dropped). Default: four steps spread over the run, 0 and the last included.
   */
  regionsAt?: readonly number[];
  /** Cells per axis of the decision-region grids over [−3, 3]². Default 41. */
  regionGridSize?: number;
  /**
   * Called after every round, a round being one step of every optimizer (first on the bowl,
   * then on the MLP). `step` counts the updates of all runs so far and `total` those of the
   * whole race; `loss` is the mean over the optimizers of the bowl's value or of the mini-batch
   * loss (with the mean mini-batch `accuracy` on the MLP). Returning false stops the race after
   * that round, so every optimizer has taken the same number of steps.
   */
  onStep?: OnStep;
}

/** One optimizer's path over the bowl: steps + 1 points, the start first. */
export interface BowlRun {
  optimizer: OptimizerKind;
  label: string;
  lr: number;
  x: number[];
  y: number[];
  f: number[];
}

export interface MlpRun {
  optimizer: OptimizerKind;
  label: string;
  lr: number;
  /** Mini-batch loss before each update. */
  loss: number[];
  /** Mini-batch accuracy before each update. */
  accuracy: number[];
  /** Accuracy on fresh held-out points after training; NaN when the MLP race did not run. */
  testAccuracy: number;
  /** The decision regions after `step` updates, at the steps of `regionsAt`. */
  regions: Array<{ step: number; grid: DecisionGrid }>;
}

export interface OptimizerRaceResult {
  bowl: {
    start: [number, number];
    /** Steps each optimizer took (fewer than asked for when `onStep` stopped the race). */
    steps: number;
    runs: BowlRun[];
    /** f over [−3.5, 3.5] × [−2.5, 2.5]: `f[i][j]` at (x[j], y[i]), for contour plots. */
    surface: { x: number[]; y: number[]; f: number[][] };
  };
  /** `steps`: updates each optimizer made (fewer than asked for when `onStep` stopped the race). */
  mlp: { sizes: number[]; steps: number; batchSize: number; runs: MlpRun[] };
  /** `onStep` stopped the race before every step asked for. */
  stoppedEarly: boolean;
  summary: string;
}

const BOWL_LR: Record<OptimizerKind, number> = { sgd: 0.08, momentum: 0.01, adam: 0.2, adamw: 0.2 };
const MLP_LR: Record<OptimizerKind, number> = { sgd: 0.2, momentum: 0.02, adam: 0.01, adamw: 0.01 };
const CURVATURE = [1, 10]; // f = Σ cᵢ·pᵢ²

function bowl(p: tg.Tensor): tg.Tensor {
  return p.square().mul(tg.tensor(CURVATURE, { dtype: "float64" })).sum();
}

/** One optimizer on the bowl, at its start; `step()` makes one update and records the point it reaches. */
function bowlRacer(kind: OptimizerKind, lr: number, start: [number, number]): { run: BowlRun; step(): void } {
  const p = tg.tensor(start, { dtype: "float64" }).setRequiresGrad();
  const optimizer = makeOptimizer(kind, [p], lr);
  const run: BowlRun = { optimizer: kind, label: optimizerLabel(kind), lr, x: [], y: [], f: [] };
  let value: tg.Tensor | undefined;
  const record = () => {
    optimizer.zeroGrad();
    value = bowl(p);
    const [px, py] = p.data();
    run.x.push(px);
    run.y.push(py);
    run.f.push(value.item());
  };
  record();
  return {
    run,
    step() {
      value!.backward();
      optimizer.step();
      record();
    },
  };
}

function bowlSurface(size: number): { x: number[]; y: number[]; f: number[][] } {
  const xs = tg.linspace(-3.5, 3.5, size, { dtype: "float64" });
  const ys = tg.linspace(-2.5, 2.5, size, { dtype: "float64" });
  const f = ys.reshape([size, 1]).square().mul(CURVATURE[1]).add(xs.reshape([1, size]).square().mul(CURVATURE[0]));
  return { x: Array.from(xs.data()), y: Array.from(ys.data()), f: f.toArray() as number[][] };
}

/**
 * Races the optimizers on f(x, y) = x² + 10y² and on the quadrant MLP, recording every
 * trajectory and loss curve.
 * @example
 * const r = optimizerRace({ steps: 100 });
 * r.bowl.runs.map((run) => run.f.at(-1)) // final f per optimizer
 */
export function optimizerRace(opts: OptimizerRaceOptions = {}): OptimizerRaceResult {
  const steps = opts.steps ?? 100;
  const mlpSteps = opts.mlpSteps ?? 300;
  const gridSize = opts.gridSize ?? 61;
  const kinds = opts.optimizers ?? OPTIMIZER_KINDS;
  if (!Number.isInteger(steps) || steps < 0) throw new ArgumentError(`optimizerRace: steps must be a non-negative integer, got ${steps}`);
  if (!Number.isInteger(gridSize) || gridSize < 2) throw new ArgumentError(`optimizerRace: gridSize must be an integer ≥ 2, got ${gridSize}`);
  if (kinds.length === 0) throw new ArgumentError("optimizerRace: no optimizers to race");
  const bowlLr = { ...BOWL_LR, ...opts.bowlLr };
  const mlpLr = { ...MLP_LR, ...opts.mlpLr };

  // The optimizers advance in lockstep, one round at a time. Each has its own parameters,
  // optimizer state and random generators, so the order of the updates changes no number, and
  // a race stopped early has every optimizer at the same step.
  const total = kinds.length * (steps + mlpSteps);
  const mean = (v: number[]) => v.reduce((s, e) => s + e, 0) / v.length;
  let done = 0;
  let stoppedEarly = false;
  /** Reports a finished round; false once the race is to stop. */
  const round = (loss: number, accuracy?: number): boolean => {
    done += kinds.length;
    if (opts.onStep?.({ step: done, total, loss, accuracy }) === false && done < total) stoppedEarly = true;
    return !stoppedEarly;
  };

  const start: [number, number] = [-3, 2];
  const racers = kinds.map((k) => bowlRacer(k, bowlLr[k], start));
  for (let t = 1; t <= steps; t++) {
    for (const r of racers) r.step();
    if (!round(mean(racers.map((r) => r.run.f[t])))) break;
  }
  const bowlRuns = racers.map((r) => r.run);
  const bowlDone = bowlRuns[0].f.length - 1;

  const setup = quadrantSetup({ seed: opts.seed ?? 0, steps: mlpSteps });
  const trainers = kinds.map((k) => quadrantTrainer(setup, k, mlpLr[k]));
  const regionSize = opts.regionGridSize ?? 41;
  const regionSteps = new Set(opts.regionsAt ?? snapshotSteps(mlpSteps, 4));
  const regions = kinds.map((): Array<{ step: number; grid: DecisionGrid }> => []);
  const recordRegions = (t: number) => {
    if (regionSteps.has(t)) trainers.forEach((tr, i) => regions[i].push({ step: t, grid: decisionGrid(tr.model, regionSize, setup.dtype) }));
  };
  if (!stoppedEarly) {
    recordRegions(0);
    for (let t = 1; t <= mlpSteps; t++) {
      for (const tr of trainers) tr.step();
      recordRegions(t);
      if (!round(mean(trainers.map((tr) => tr.loss[t - 1])), mean(trainers.map((tr) => tr.accuracy[t - 1])))) break;
    }
  }
  const mlpDone = trainers[0].loss.length;
  const mlpRuns = kinds.map((k, i): MlpRun => ({
    optimizer: k,
    label: optimizerLabel(k),
    lr: mlpLr[k],
    loss: trainers[i].loss,
    accuracy: trainers[i].accuracy,
    testAccuracy: mlpDone > 0 ? evaluateQuadrant(trainers[i].model, setup.test).accuracy : NaN,
    regions: regions[i],
  }));
  // a race stopped early still shows where each network ended
  if (mlpDone > 0 && !regionSteps.has(mlpDone)) mlpRuns.forEach((r, i) => r.regions.push({ step: mlpDone, grid: decisionGrid(trainers[i].model, regionSize, setup.dtype) }));

  // mean loss over the last tenth of the steps smooths the mini-batch noise
  const tailMean = (v: number[]) => {
    if (v.length === 0) return NaN;
    const k = Math.max(1, Math.floor(v.length / 10));
    return v.slice(-k).reduce((s, e) => s + e, 0) / k;
  };
  const stepsText = (n: number, of: number) => (n < of ? `${n} of ${of} steps (stopped early)` : `${of} steps`);
  // Columns at the steps that ran: 10 and 50 when the run got there, always the last one.
  const marks = (done: number, candidates: number[]) => [...new Set(candidates.filter((s) => s <= done))];
  const bowlMarks = marks(bowlDone, [10, 50, bowlDone]);
  const mlpRan = mlpDone > 0;
  const mlpMarks = marks(mlpDone - 1, [0, 50]);
  const summary = [
    `Optimizer race on f(x, y) = x² + 10y² from (−3, 2), ${stepsText(bowlDone, steps)}:`,
    table(
      ["optimizer", "lr", ...bowlMarks.map((s) => `f(${s})`), "end point"],
      bowlRuns.map((r) => [r.label, String(r.lr), ...bowlMarks.map((s) => sci(r.f[s])), `(${fixed(r.x[bowlDone])}, ${fixed(r.y[bowlDone])})`]),
    ),
  ];
  if (mlpRan) {
    summary.push(
      `Optimizer race on the quadrant MLP ${setup.sizes.join(" → ")} (same initial weights and batches), ${stepsText(mlpDone, mlpSteps)}:`,
      table(
        ["optimizer", "lr", ...mlpMarks.map((s) => `loss(${s})`), `mean loss, last ${Math.max(1, Math.floor(mlpDone / 10))}`, "held-out acc"],
        mlpRuns.map((r) => [r.label, String(r.lr), ...mlpMarks.map((s) => fixed(r.loss[s])), fixed(tailMean(r.loss)), `${(100 * r.testAccuracy).toFixed(1)}%`]),
      ),
    );
  } else {
    summary.push(`Optimizer race on the quadrant MLP ${setup.sizes.join(" → ")}: not run (stopped during the bowl race).`);
  }
  if (stoppedEarly) summary.push(`stopped early at step ${done} of ${total} (every optimizer's updates on the bowl and the MLP counted)`);

  return {
    bowl: { start, steps: bowlDone, runs: bowlRuns, surface: bowlSurface(gridSize) },
    mlp: { sizes: setup.sizes, steps: mlpDone, batchSize: setup.batchSize, runs: mlpRuns },
    stoppedEarly,
    summary: summary.join("\n"),
  };
}
