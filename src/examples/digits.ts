// Handwritten digits: scikit-learn's 1797 8×8 images (pixel intensities 0–16), a seeded 80/20
// split, pixels divided by 16 (or standardized with the training statistics), and a
// 64 → 128 → 10 ReLU MLP trained with Adam on softmax cross-entropy through `tg.data.fit`.
// The network fits the 1438 training images perfectly within a few epochs; label smoothing
// (targets 0.91/0.01 instead of 1/0) keeps it from growing ever more confident on them, which
// gains about a point of held-out accuracy on average over splits. Small enough to train in a
// few seconds on the plain TypeScript CPU backend.

import * as tg from "../library.js";
import { ArgumentError } from "../core/errors.js";
import type { DigitsData } from "../data/parse/index.js";
import { fixed, percent, table } from "./format.js";
import type { OnStep } from "./progress.js";

export interface DigitsOptions {
  /** Seeds the split, the initial weights and the batch order. Default 0. */
  seed?: number;
  /** Hidden layer widths. Default [128]. */
  hidden?: readonly number[];
  /** Passes over the training set. Default 15. */
  epochs?: number;
  /** Default 64. */
  batchSize?: number;
  /** Adam learning rate. Default 0.005. */
  lr?: number;
  /** Decoupled weight decay (AdamW) when above 0. Default 0. */
  weightDecay?: number;
  /** Label smoothing of the cross-entropy. Default 0.1. */
  labelSmoothing?: number;
  /** Held-out fraction. Default 0.2. */
  testFraction?: number;
  /** "scale" (divide by 16; default) or "standardize" (per pixel, with the training statistics). */
  preprocess?: "standardize" | "scale";
  /**
   * Called after every optimizer step (mini-batch) with its loss and accuracy; `total` counts
   * the steps of all epochs. Returning false stops training there: the epoch under way is
   * then evaluated on the batches it got to and ends the history.
   */
  onStep?: OnStep;
}

/** Training and held-out metrics after each epoch; losses are the (label-smoothed) objective being trained. */
export interface DigitsEpoch {
  epoch: number;
  trainLoss: number;
  trainAccuracy: number;
  testLoss: number;
  testAccuracy: number;
}

export interface DigitsResult {
  seed: number;
  sizes: number[];
  trainSize: number;
  testSize: number;
  /** Indices into the data set of the held-out images. */
  testIndices: number[];
  /** One entry per epoch run; after an early stop the last one may cover only part of the training set. */
  epochs: DigitsEpoch[];
  /** Mini-batches (optimizer steps) per epoch. */
  stepsPerEpoch: number;
  /** Optimizer steps done: `stepsPerEpoch` × epochs, or fewer when `onStep` stopped training. */
  steps: number;
  /** `onStep` stopped training before every epoch asked for. */
  stoppedEarly: boolean;
  /** Held-out accuracy after the last epoch. */
  testAccuracy: number;
  /** `confusion[t][p]`: held-out images of class t predicted as p. */
  confusion: number[][];
  /** The predicted class of each held-out image, in `testIndices` order. */
  predictions: number[];
  /** Held-out images the network gets wrong. */
  mistakes: { index: number; label: number; predicted: number }[];
  summary: string;
}

/**
 * Trains an MLP on the 8×8 digits and reports per-epoch metrics, held-out accuracy and the
 * confusion matrix.
 * @example
 * const r = digits(await loadDigits(), { seed: 0 });
 * r.testAccuracy // ≥ 0.97
 */
export function digits(data: DigitsData, opts: DigitsOptions = {}): DigitsResult {
  const seed = opts.seed ?? 0;
  const hidden = opts.hidden ?? [128];
  const epochs = opts.epochs ?? 15;
  const batchSize = opts.batchSize ?? 64;
  const lr = opts.lr ?? 0.005;
  const weightDecay = opts.weightDecay ?? 0;
  const labelSmoothing = opts.labelSmoothing ?? 0.1;
  const testFraction = opts.testFraction ?? 0.2;
  const preprocess = opts.preprocess ?? "scale";
  if (!Number.isInteger(seed)) throw new ArgumentError(`digits: seed must be an integer, got ${seed}`);
  if (!(testFraction > 0 && testFraction < 1)) throw new ArgumentError(`digits: testFraction must be in (0, 1), got ${testFraction}`);
  if (preprocess !== "standardize" && preprocess !== "scale")
    throw new ArgumentError(`digits: preprocess must be "standardize" or "scale", got '${String(preprocess)}'`);
  const { n, features } = data;
  if (data.images.length !== n * features || data.labels.length !== n)
    throw new ArgumentError(`digits: expected ${n}×${features} pixels and ${n} labels, got ${data.images.length} and ${data.labels.length}`);

  const root = tg.random.generator(seed);
  const split = tg.data.trainValSplit(n, testFraction, { generator: root.split() });
  const images = tg.tensor(data.images, { dtype: "float32", shape: [n, features] });
  const labels = tg.tensor(data.labels, { dtype: "int32" });
  const pick = (idx: number[]) => [images.indexSelect(0, idx), labels.indexSelect(0, idx)] as const;
  const [rawTrain, yTrain] = pick(split.train);
  const [rawTest, yTest] = pick(split.val);
  let xTrain: tg.Tensor;
  let xTest: tg.Tensor;
  if (preprocess === "standardize") {
    // statistics from the training images only, so nothing about the held-out set leaks in
    ({ train: xTrain, val: xTest } = tg.data.standardize(rawTrain, rawTest));
  } else {
    xTrain = rawTrain.div(16);
    xTest = rawTest.div(16);
  }

  const sizes = [features, ...hidden, 10];
  const model = new tg.nn.MLP(sizes, { activation: "relu", init: "he", generator: root.split() });
  const trainLoader = new tg.data.DataLoader(new tg.data.TensorDataset(xTrain, yTrain), {
    batchSize,
    shuffle: true,
    generator: root.split(),
  });
  const testLoader = new tg.data.DataLoader(new tg.data.TensorDataset(xTest, yTest), { batchSize: 512 });
  const stepsPerEpoch = trainLoader.length;
  const totalSteps = epochs * stepsPerEpoch;
  const onStep = opts.onStep;
  // The mini-batch accuracy for onStep comes from the loss function, which sees the outputs of
  // the batch just trained on (the validation batches come only after an epoch's last step).
  let batchAccuracy = NaN;
  const lossFn = (out: tg.Tensor, y: tg.Tensor) => {
    if (onStep) batchAccuracy = accuracyOf(out, y);
    return tg.nn.functional.crossEntropy(out, y, { labelSmoothing });
  };
  let steps = 0;
  let stoppedEarly = false;
  const fitted = tg.data.fit(model, trainLoader, {
    epochs,
    optimizer: weightDecay > 0 ? new tg.optim.AdamW(model.parameters(), { lr, weightDecay }) : new tg.optim.Adam(model.parameters(), { lr }),
    loss: lossFn,
    valLoader: testLoader,
    metrics: ["loss", "accuracy"],
    callbacks: {
      onStep(info) {
        steps = info.step;
        if (onStep?.({ step: info.step, total: totalSteps, loss: info.loss, accuracy: batchAccuracy }) === false && info.step < totalSteps) {
          stoppedEarly = true;
          return false;
        }
      },
    },
  });
  const history: DigitsEpoch[] = fitted.history.map((h) => ({
    epoch: h.epoch,
    trainLoss: h.loss,
    trainAccuracy: h.accuracy ?? NaN,
    testLoss: h.valLoss ?? NaN,
    testAccuracy: h.valAccuracy ?? NaN,
  }));

  const predicted = Array.from(tg.noGrad(() => model.forward(xTest).argmax(1)).data());
  const truth = Array.from(yTest.data());
  const confusion = Array.from({ length: 10 }, () => new Array<number>(10).fill(0));
  const mistakes: DigitsResult["mistakes"] = [];
  predicted.forEach((p, i) => {
    confusion[truth[i]][p]++;
    if (p !== truth[i]) mistakes.push({ index: split.val[i], label: truth[i], predicted: p });
  });
  const testAccuracy = 1 - mistakes.length / predicted.length;

  const lastEpochSteps = steps - (history.length - 1) * stepsPerEpoch;
  const stopNote = stoppedEarly
    ? [`stopped early at step ${steps} of ${totalSteps}` + (lastEpochSteps < stepsPerEpoch ? `: epoch ${history.length} ran ${lastEpochSteps} of its ${stepsPerEpoch} mini-batches` : "")]
    : [];
  const summary = [
    `Digits (8×8, ${n} images): MLP ${sizes.join(" → ")} (ReLU, He init), ${weightDecay > 0 ? `AdamW (weight decay ${weightDecay})` : "Adam"} lr ${lr}, label smoothing ${labelSmoothing}, batch ${batchSize}, pixels ${preprocess === "scale" ? "/16" : "standardized"}, seed ${seed}`,
    `train ${split.train.length} / held out ${split.val.length}`,
    table(
      ["epoch", "train loss", "train acc", "test loss", "test acc"],
      history.map((h) => [String(h.epoch + 1), fixed(h.trainLoss), percent(h.trainAccuracy), fixed(h.testLoss), percent(h.testAccuracy)]),
    ),
    `held-out accuracy ${percent(testAccuracy)} (${predicted.length - mistakes.length}/${predicted.length})`,
    `confusion matrix (rows: true class, columns: predicted):`,
    table(
      ["", ...Array.from({ length: 10 }, (_, c) => String(c))],
      confusion.map((row, t) => [String(t), ...row.map(String)]),
    ),
    ...stopNote,
  ].join("\n");

  return {
    seed,
    sizes,
    trainSize: split.train.length,
    testSize: split.val.length,
    testIndices: split.val,
    epochs: history,
    stepsPerEpoch,
    steps,
    stoppedEarly,
    testAccuracy,
    confusion,
    predictions: predicted,
    mistakes,
    summary,
  };
}

/** Fraction of rows whose largest output is at the label. */
function accuracyOf(out: tg.Tensor, labels: tg.Tensor): number {
  const pred = tg.noGrad(() => out.argmax(1)).data();
  const truth = labels.data();
  let correct = 0;
  for (let i = 0; i < pred.length; i++) if (pred[i] === truth[i]) correct++;
  return correct / pred.length;
}
