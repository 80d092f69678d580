// `fit`: the ordinary training loop as one call, for when a plain loop is not worth writing.
// It runs epochs over a loader, averages the loss (weighted by batch size), evaluates on a
// validation loader, reports through callbacks and can stop early. Two forms:
//
//   fit(model, loader, { optimizer, loss })  — batches are [...inputs, target]; fit does the
//                                              forward, backward and optimizer step itself;
//   fit(step, loader, { evaluate? })         — `step(batch)` does all of that and returns the loss.

import { ArgumentError } from "../core/errors.js";
import { noGrad } from "../autodiff/transforms.js";
import { Tensor } from "../tensor/tensor.js";
import { argmax } from "../tensor/ops/reduce.js";
import { cast } from "../tensor/ops/arith.js";
import "../tensor/methods.js"; // Tensor's methods, used below

/** What `fit` needs of a model: `forward`, and optionally `train()`/`eval()` (as nn modules have). */
export interface FitModel {
  forward(...inputs: Tensor[]): Tensor;
  train?(mode?: boolean): unknown;
  eval?(): unknown;
}

/** A training step: does forward, backward and the optimizer update for one batch; returns the loss. */
export type TrainStep = (batch: Tensor[], info: { epoch: number; step: number }) => Tensor | number;

export interface StepInfo {
  /** Epoch, from 0. */
  epoch: number;
  /** Batch within the epoch, from 0. */
  batch: number;
  /** Steps taken since the start of `fit`, counting this one (from 1). */
  step: number;
  loss: number;
}

export interface EpochLog {
  /** Epoch, from 0. */
  epoch: number;
  /** Mean training loss over the epoch's examples. */
  loss: number;
  /** Fraction of training examples classified correctly (with metrics: ["accuracy"]). */
  accuracy?: number;
  valLoss?: number;
  valAccuracy?: number;
}

export interface FitOpts {
  /** Passes over the loader. Default 1. */
  epochs?: number;
  /** The optimizer (model form). */
  optimizer?: { step(): void; zeroGrad(): void };
  /** loss(output, target) → scalar tensor (model form). */
  loss?: (output: Tensor, target: Tensor) => Tensor;
  /** Batches to evaluate on after every epoch. */
  valLoader?: Iterable<Tensor[]>;
  /**
   * Metrics to record: "loss" always; "accuracy" (model form) compares argmax of the output's
   * last axis (or output > 0 when it has one column) with the target (class indices or one-hot).
   */
  metrics?: readonly ("loss" | "accuracy")[];
  /** Validation loss of one batch (step form, with valLoader). */
  evaluate?: (batch: Tensor[]) => Tensor | number;
  /**
   * Stop when the monitored loss (valLoss when there is a valLoader, else loss) has not improved
   * by more than minDelta for `patience` epochs in a row.
   */
  earlyStopping?: { patience: number; minDelta?: number; monitor?: "loss" | "valLoss" };
  callbacks?: {
    /** After every optimizer step. Return false to stop training. */
    onStep?(info: StepInfo): void | boolean;
    /** After every epoch (and its validation). Return false to stop training. */
    onEpoch?(log: EpochLog): void | boolean;
  };
}

export interface FitResult {
  /** One entry per epoch run. */
  history: EpochLog[];
  /** Why training ended. */
  stopReason: "completed" | "earlyStopping" | "callback";
  /** The epoch with the lowest monitored loss (valLoss with a valLoader, else loss); −1 if none ran. */
  bestEpoch: number;
}

const toNumber = (v: Tensor | number): number => (v instanceof Tensor ? v.item() : v);

/** Number of correct predictions in a batch (see FitOpts.metrics). */
function countCorrect(output: Tensor, target: Tensor): number {
  return noGrad(() => {
    const lastIsClasses = output.ndim > 0 && output.shape[output.ndim - 1] > 1;
    const pred = lastIsClasses ? argmax(output, -1) : cast(output.gt(0), "int32").reshape([output.size]);
    let truth: Tensor;
    if (target.dtype === "int32" || target.dtype === "bool") truth = cast(target, "int32");
    else if (lastIsClasses && target.ndim === output.ndim) truth = argmax(target, -1);
    else truth = cast(target.gt(0.5), "int32");
    truth = truth.reshape([truth.size]);
    const p = pred.reshape([pred.size]);
    if (p.size !== truth.size) throw new ArgumentError(`fit: accuracy needs one target per prediction, got ${p.size} predictions and ${truth.size} targets`);
    return p.eq(truth).cast("int32").sum().item();
  });
}

const batchSize = (batch: Tensor[]): number => (batch.length > 0 && batch[0].ndim > 0 ? batch[0].shape[0] : 1);

/**
 * Trains for `epochs` passes over `loader` and returns the per-epoch history.
 * @example
 * const result = tg.data.fit(model, trainLoader, {
 *   optimizer: new tg.optim.Adam(model.parameters(), { lr: 1e-2 }),
 *   loss: (out, y) => tg.nn.functional.crossEntropy(out, y),
 *   epochs: 20, valLoader, metrics: ["loss", "accuracy"],
 *   earlyStopping: { patience: 3 },
 *   callbacks: { onEpoch: (log) => console.log(log) },
 * });
 */
export function fit(target: FitModel | TrainStep, loader: Iterable<Tensor[]>, opts: FitOpts = {}): FitResult {
  const epochs = opts.epochs ?? 1;
  if (!Number.isInteger(epochs) || epochs < 0) throw new ArgumentError(`fit: epochs must be an integer ≥ 0, got ${String(epochs)}`);
  if (!loader || typeof (loader as Iterable<Tensor[]>)[Symbol.iterator] !== "function") throw new ArgumentError("fit: the loader must be iterable");
  const metrics = opts.metrics ?? ["loss"];
  const wantAccuracy = metrics.includes("accuracy");
  const isStep = typeof target === "function";
  const model = isStep ? null : (target as FitModel);
  if (model && typeof model.forward !== "function") throw new ArgumentError("fit: the first argument must be a model (with forward) or a step function");
  if (model && (!opts.optimizer || !opts.loss)) throw new ArgumentError("fit: training a model needs both an optimizer and a loss");
  if (isStep && wantAccuracy) throw new ArgumentError('fit: metrics "accuracy" needs the model form, fit(model, loader, { optimizer, loss })');
  if (isStep && opts.valLoader && !opts.evaluate) throw new ArgumentError("fit: with a step function, a valLoader needs an evaluate(batch) function");
  const es = opts.earlyStopping;
  if (es && (!Number.isInteger(es.patience) || es.patience < 1)) throw new ArgumentError(`fit: earlyStopping.patience must be a positive integer, got ${String(es?.patience)}`);
  const monitor = es?.monitor ?? (opts.valLoader ? "valLoss" : "loss");
  if (monitor === "valLoss" && !opts.valLoader) throw new ArgumentError('fit: earlyStopping on "valLoss" needs a valLoader');

  const trainOne = (batch: Tensor[], epoch: number, step: number): { loss: number; correct: number } => {
    if (isStep) return { loss: toNumber((target as TrainStep)(batch, { epoch, step })), correct: 0 };
    const inputs = batch.slice(0, -1);
    const y = batch[batch.length - 1];
    opts.optimizer!.zeroGrad();
    const out = model!.forward(...inputs);
    const loss = opts.loss!(out, y);
    loss.backward();
    opts.optimizer!.step();
    return { loss: loss.item(), correct: wantAccuracy ? countCorrect(out, y) : 0 };
  };

  const validate = (): { loss: number; accuracy: number } => {
    let total = 0;
    let count = 0;
    let correct = 0;
    model?.eval?.();
    try {
      noGrad(() => {
        for (const batch of opts.valLoader!) {
          const n = batchSize(batch);
          if (isStep) total += toNumber(opts.evaluate!(batch)) * n;
          else {
            const y = batch[batch.length - 1];
            const out = model!.forward(...batch.slice(0, -1));
            total += opts.loss!(out, y).item() * n;
            if (wantAccuracy) correct += countCorrect(out, y);
          }
          count += n;
        }
      });
    } finally {
      model?.train?.(true);
    }
    return { loss: count > 0 ? total / count : NaN, accuracy: count > 0 ? correct / count : NaN };
  };

  const history: EpochLog[] = [];
  let best = Infinity;
  let bestEpoch = -1;
  let wait = 0;
  let step = 0;
  model?.train?.(true);
  for (let epoch = 0; epoch < epochs; epoch++) {
    let total = 0;
    let count = 0;
    let correct = 0;
    let batchIndex = 0;
    let stopped = false;
    for (const batch of loader) {
      const r = trainOne(batch, epoch, step);
      const n = batchSize(batch);
      total += r.loss * n;
      correct += r.correct;
      count += n;
      step++;
      if (opts.callbacks?.onStep?.({ epoch, batch: batchIndex++, step, loss: r.loss }) === false) {
        stopped = true;
        break;
      }
    }
    const log: EpochLog = { epoch, loss: count > 0 ? total / count : NaN };
    if (wantAccuracy) log.accuracy = count > 0 ? correct / count : NaN;
    if (opts.valLoader) {
      const v = validate();
      log.valLoss = v.loss;
      if (wantAccuracy) log.valAccuracy = v.accuracy;
    }
    history.push(log);
    const watched = monitor === "valLoss" ? log.valLoss! : log.loss;
    if (watched < best - (es?.minDelta ?? 0)) {
      best = watched;
      bestEpoch = epoch;
      wait = 0;
    } else wait++;
    if (opts.callbacks?.onEpoch?.(log) === false || stopped) return { history, stopReason: "callback", bestEpoch };
    if (es && wait >= es.patience) return { history, stopReason: "earlyStopping", bestEpoch };
  }
  return { history, stopReason: "completed", bestEpoch };
}
