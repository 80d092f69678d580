// Classifying points of the plane by quadrant with a small MLP: 2 → 16 (ReLU) → 4, He
// initialization (output layer scaled down), softmax cross-entropy and mini-batch SGD. The classes are separated by the
// two axes, which a ReLU layer can carve out exactly, so accuracy should approach 100%. At
// initialization the network is nearly indifferent between the four classes, so the loss starts
// near ln 4 ≈ 1.386.

import * as tg from "../library.js";
import { ArgumentError } from "../core/errors.js";
import type { DType } from "../core/dtype.js";
import type { Generator } from "../random/generator.js";
import { fixed, percent, table } from "./format.js";
import { makeOptimizer, optimizerLabel, type OptimizerKind } from "./optimizers.js";
import type { OnStep } from "./progress.js";

/** Points [n, 2] and their quadrant labels [n] (int32). */
export interface QuadrantData {
  x: tg.Tensor;
  labels: tg.Tensor;
}

/**
 * The quadrant of (x, y), counter-clockwise from the positive axes: 0 for x ≥ 0, y ≥ 0; 1 for
 * x < 0, y ≥ 0; 2 for x < 0, y < 0; 3 for x ≥ 0, y < 0.
 */
export function quadrantOf(x: number, y: number): number {
  if (y >= 0) return x >= 0 ? 0 : 1;
  return x < 0 ? 2 : 3;
}

/**
 * `n` points from a 2-D standard normal with their quadrant labels.
 * @example const { x, labels } = quadrantData(1000, tg.random.generator(0));
 */
export function quadrantData(n: number, gen: Generator, dtype: DType = "float32"): QuadrantData {
  if (!Number.isInteger(n) || n < 1) throw new ArgumentError(`quadrantData: n must be a positive integer, got ${n}`);
  const x = tg.randn([n, 2], { generator: gen, dtype });
  const xy = x.data();
  const labels = new Int32Array(n);
  for (let i = 0; i < n; i++) labels[i] = quadrantOf(xy[2 * i], xy[2 * i + 1]);
  return { x, labels: tg.tensor(labels, { dtype: "int32" }) };
}

export interface QuadrantOptions {
  seed?: number;
  /** Optimizer updates. Default 500. */
  steps?: number;
  /** Default 64. */
  batchSize?: number;
  /** Hidden layer widths. Default [16]; [16, 16, 16] is the three-hidden-layer variant. */
  hidden?: readonly number[];
  /** Default "sgd". */
  optimizer?: OptimizerKind;
  /** Learning rate. Default 0.2 for SGD, 0.02 for SGD with momentum, 0.01 for Adam and AdamW. */
  lr?: number;
  /** Training points. Default 1000. */
  trainSize?: number;
  /** Fresh held-out points. Default 1000. */
  testSize?: number;
  /** Cells per axis of the decision-region grid over [−3, 3]². Default 61. */
  gridSize?: number;
  /** Default "float32". */
  dtype?: DType;
  /** Multiplier of the He-initialized output layer's weights, so that the initial loss is near ln 4. Default 0.1. */
  outputScale?: number;
  /**
   * Called after every update with its mini-batch loss and accuracy; returning false stops
   * training there (the result then covers the steps done).
   */
  onStep?: OnStep;
}

/** The class the trained network picks over a grid: `classes[i][j]` at (x[j], y[i]). */
export interface DecisionGrid {
  x: number[];
  y: number[];
  classes: number[][];
}

export interface QuadrantResult {
  seed: number;
  optimizer: OptimizerKind;
  lr: number;
  /** Layer sizes, input to output, e.g. [2, 16, 4]. */
  sizes: number[];
  /** Updates asked for; `loss.length` were done (fewer when `onStep` stopped the run). */
  steps: number;
  /** `onStep` stopped the run before `steps` updates. */
  stoppedEarly: boolean;
  batchSize: number;
  /** Mini-batch loss before each update, one per step. */
  loss: number[];
  /** Mini-batch accuracy (before each update), one per step. */
  accuracy: number[];
  /** The first step at which the mini-batch accuracy averaged over the last 20 steps reached 95%, or −1. */
  stepTo95: number;
  /** Loss and accuracy over all training points after training. */
  train: { loss: number; accuracy: number };
  /** Loss and accuracy on fresh points never trained on. */
  test: { loss: number; accuracy: number; size: number };
  grid: DecisionGrid;
  summary: string;
}

/** The settings and data of one quadrant training run (shared with the optimizer race). */
export interface QuadrantSetup {
  sizes: number[];
  steps: number;
  batchSize: number;
  dtype: DType;
  train: QuadrantData;
  test: QuadrantData;
  /** Draws the initial weights; two runs given equal seeds start from equal weights. */
  initSeed: number;
  /** Orders the mini-batches. */
  shuffleSeed: number;
  /** Multiplier of the output layer's initial weights. */
  outputScale: number;
}

/** The default learning rate of each optimizer on this problem. */
export function quadrantDefaultLr(kind: OptimizerKind): number {
  return kind === "sgd" ? 0.2 : kind === "momentum" ? 0.02 : 0.01;
}

/** Data and seeds for a run, all drawn from one seed. */
export function quadrantSetup(opts: QuadrantOptions = {}): QuadrantSetup {
  const seed = opts.seed ?? 0;
  const steps = opts.steps ?? 500;
  const batchSize = opts.batchSize ?? 64;
  const hidden = opts.hidden ?? [16];
  const trainSize = opts.trainSize ?? 1000;
  const testSize = opts.testSize ?? 1000;
  const dtype = opts.dtype ?? "float32";
  const outputScale = opts.outputScale ?? 0.1;
  if (!(outputScale >= 0) || !Number.isFinite(outputScale)) throw new ArgumentError(`quadrant: outputScale must be a non-negative number, got ${outputScale}`);
  if (!Number.isInteger(seed)) throw new ArgumentError(`quadrant: seed must be an integer, got ${seed}`);
  if (!Number.isInteger(steps) || steps < 0) throw new ArgumentError(`quadrant: steps must be a non-negative integer, got ${steps}`);
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new ArgumentError(`quadrant: batchSize must be a positive integer, got ${batchSize}`);
  if (hidden.some((h) => !Number.isInteger(h) || h < 1)) throw new ArgumentError(`quadrant: hidden sizes must be positive integers, got [${hidden.join(", ")}]`);
  const root = tg.random.generator(seed);
  const train = quadrantData(trainSize, root.split(), dtype);
  const test = quadrantData(testSize, root.split(), dtype);
  return {
    sizes: [2, ...hidden, 4],
    steps,
    batchSize,
    dtype,
    train,
    test,
    initSeed: root.nextUint32(),
    shuffleSeed: root.nextUint32(),
    outputScale,
  };
}

/** Per-step curves and the trained model of one run. */
export interface QuadrantTraining {
  model: tg.nn.MLP;
  loss: number[];
  accuracy: number[];
}

/** Fraction of rows whose largest logit is at the label, counted exactly. */
function batchAccuracy(logits: tg.Tensor, labels: tg.Tensor): number {
  const pred = tg.noGrad(() => logits.argmax(1)).data();
  const truth = labels.data();
  let correct = 0;
  for (let i = 0; i < pred.length; i++) if (pred[i] === truth[i]) correct++;
  return correct / pred.length;
}

/** A fresh network with its optimizer and mini-batches, trained one update at a time. */
export interface QuadrantTrainer extends QuadrantTraining {
  /** One update on the next mini-batch (a new shuffled epoch when one runs out); records its loss and accuracy. */
  step(): void;
}

/**
 * A fresh He-initialized MLP with the given optimizer, ready to train step by step; several
 * trainers on one setup start from equal weights and see the same mini-batches.
 */
export function quadrantTrainer(setup: QuadrantSetup, kind: OptimizerKind, lr: number): QuadrantTrainer {
  const model = new tg.nn.MLP(setup.sizes, {
    activation: "relu",
    init: "he",
    dtype: setup.dtype,
    generator: tg.random.generator(setup.initSeed),
  });
  // He init gives the logits a variance of about 2, and a random guess with logits that spread
  // costs well above ln 4. Shrinking the output layer makes the untrained network indifferent
  // between the classes, as it should be; the output feeds no ReLU, so He's gain does not apply.
  const head = model.layers[model.layers.length - 1];
  tg.noGrad(() => tg.nn.assignParameter(head.weight, head.weight.mul(setup.outputScale)));
  const optimizer = makeOptimizer(kind, model.parameters(), lr);
  const loader = new tg.data.DataLoader(new tg.data.TensorDataset(setup.train.x, setup.train.labels), {
    batchSize: setup.batchSize,
    shuffle: true,
    dropLast: setup.train.x.shape[0] >= setup.batchSize,
    generator: tg.random.generator(setup.shuffleSeed),
  });
  const loss: number[] = [];
  const accuracy: number[] = [];
  let batches: Iterator<tg.Tensor[]> | undefined;
  const nextBatch = (): tg.Tensor[] => {
    let next = batches?.next();
    if (!next || next.done) {
      batches = loader[Symbol.iterator]();
      next = batches.next();
      if (next.done) throw new ArgumentError("quadrant: the training set gives no mini-batch");
    }
    return next.value;
  };
  // The whole update is one compiled step: traced on the first batch, then run as a plan with the
  // weights and optimizer state kept resident (a last, smaller batch traces a second plan).
  const update = tg.compile(
    (xb: tg.Tensor, yb: tg.Tensor) => {
      optimizer.zeroGrad();
      const logits = model.forward(xb);
      const l = tg.nn.functional.crossEntropy(logits, yb);
      l.backward();
      optimizer.step();
      return [l, tg.noGrad(() => logits.argmax(1).eq(yb).sum())];
    },
    { name: "quadrant step" },
  );
  return {
    model,
    loss,
    accuracy,
    step() {
      const [xb, yb] = nextBatch();
      const [l, correct] = update(xb, yb);
      loss.push(l.item());
      accuracy.push(correct.item() / xb.shape[0]);
    },
  };
}

/**
 * Trains a fresh He-initialized MLP with the given optimizer for `setup.steps` updates,
 * recording mini-batch loss and accuracy. `onStep` sees every update and can stop training
 * early by returning false.
 */
export function trainQuadrant(setup: QuadrantSetup, kind: OptimizerKind, lr: number, onStep?: OnStep): QuadrantTraining {
  const trainer = quadrantTrainer(setup, kind, lr);
  while (trainer.loss.length < setup.steps) {
    trainer.step();
    const step = trainer.loss.length;
    if (onStep?.({ step, total: setup.steps, loss: trainer.loss[step - 1], accuracy: trainer.accuracy[step - 1] }) === false) break;
  }
  return { model: trainer.model, loss: trainer.loss, accuracy: trainer.accuracy };
}

/** Loss and accuracy of `model` over a whole data set. */
export function evaluateQuadrant(model: tg.nn.Module, d: QuadrantData): { loss: number; accuracy: number } {
  return tg.noGrad(() => {
    const logits = model.forward(d.x);
    return { loss: tg.nn.functional.crossEntropy(logits, d.labels).item(), accuracy: batchAccuracy(logits, d.labels) };
  });
}

/** The predicted class over a size × size grid spanning [−3, 3]². */
export function decisionGrid(model: tg.nn.Module, size: number, dtype: DType): DecisionGrid {
  const axis = Array.from(tg.linspace(-3, 3, size, { dtype: "float64" }).data());
  const points = new Float64Array(size * size * 2);
  for (let i = 0; i < size; i++)
    for (let j = 0; j < size; j++) {
      points[2 * (i * size + j)] = axis[j];
      points[2 * (i * size + j) + 1] = axis[i];
    }
  const pred = tg.noGrad(() => model.forward(tg.tensor(points, { dtype, shape: [size * size, 2] })).argmax(1)).data();
  const classes = Array.from({ length: size }, (_, i) => Array.from(pred.subarray(i * size, (i + 1) * size)));
  return { x: axis, y: [...axis], classes };
}

/** The first index where the mean of the last `window` values reaches `level`, or −1. */
export function firstSustained(values: readonly number[], level: number, window: number): number {
  let sum = 0;
  for (let i = 0; i < values.length; i++) {
    sum += values[i] - (i >= window ? values[i - window] : 0);
    if (i >= window - 1 && sum / window >= level) return i;
  }
  return -1;
}

/** The grid as text, top row first (largest y), every `stride`-th cell. */
function gridText(grid: DecisionGrid, stride: number): string {
  const lines: string[] = [];
  for (let i = grid.y.length - 1; i >= 0; i -= stride) {
    let line = "";
    for (let j = 0; j < grid.x.length; j += stride) line += String(grid.classes[i][j]);
    lines.push("  " + line);
  }
  return lines.join("\n");
}

/**
 * Trains the quadrant classifier and reports per-step loss and accuracy, held-out accuracy on
 * fresh points and the decision regions.
 * @example
 * const r = quadrant({ seed: 0 });
 * r.loss[0]          // ≈ 1.39 (ln 4)
 * r.test.accuracy    // > 0.95
 */
export function quadrant(opts: QuadrantOptions = {}): QuadrantResult {
  const setup = quadrantSetup(opts);
  const kind = opts.optimizer ?? "sgd";
  const lr = opts.lr ?? quadrantDefaultLr(kind);
  const gridSize = opts.gridSize ?? 61;
  if (!Number.isInteger(gridSize) || gridSize < 2) throw new ArgumentError(`quadrant: gridSize must be an integer ≥ 2, got ${gridSize}`);
  const run = trainQuadrant(setup, kind, lr, opts.onStep);
  const done = run.loss.length;
  const stoppedEarly = done < setup.steps;
  const train = evaluateQuadrant(run.model, setup.train);
  const test = { ...evaluateQuadrant(run.model, setup.test), size: setup.test.x.shape[0] };
  const grid = decisionGrid(run.model, gridSize, setup.dtype);
  const stepTo95 = firstSustained(run.accuracy, 0.95, 20);

  const every = Math.max(1, Math.round(done / 10));
  const shown = run.loss.map((_, i) => i).filter((i) => i % every === 0 || i === done - 1);
  const stepsText = stoppedEarly ? `${done} of ${setup.steps} steps (stopped early)` : `${setup.steps} steps`;
  const summary = [
    `Quadrant classifier: MLP ${setup.sizes.join(" → ")} (ReLU, He init, output ×${setup.outputScale}), ${optimizerLabel(kind)} lr ${lr}, batch ${setup.batchSize}, ${stepsText}, seed ${opts.seed ?? 0}`,
    table(["step", "batch loss", "batch acc"], shown.map((i) => [String(i), fixed(run.loss[i]), percent(run.accuracy[i])])),
    `initial loss ${fixed(run.loss[0] ?? NaN)} (ln 4 = ${fixed(Math.log(4))}); mini-batch accuracy (mean of 20 steps) first ≥ 95% at step ${stepTo95}`,
    `train: loss ${fixed(train.loss)}, accuracy ${percent(train.accuracy)}; held-out (${test.size} fresh points): loss ${fixed(test.loss)}, accuracy ${percent(test.accuracy)}`,
    `decision regions over [−3, 3]² (x right, y up):`,
    gridText(grid, Math.max(1, Math.floor(gridSize / 30))),
  ].join("\n");

  return {
    seed: opts.seed ?? 0,
    optimizer: kind,
    lr,
    sizes: setup.sizes,
    steps: setup.steps,
    stoppedEarly,
    batchSize: setup.batchSize,
    loss: run.loss,
    accuracy: run.accuracy,
    stepTo95,
    train,
    test,
    grid,
    summary,
  };
}
