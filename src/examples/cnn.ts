// A small convolutional network on MNIST digits: the 10,000 images of the MNIST test set split
// 8,000 / 2,000 at random (seeded), pixels scaled to [0, 1] and normalised with MNIST's usual
// mean 0.1307 and standard deviation 0.3081, and
//   conv 3×3 (1 → c₁, padding 1) – ReLU – max-pool 2 – conv 3×3 (c₁ → c₂) – ReLU – max-pool 2 – linear (c₂·7·7 → 10)
// trained with SGD with Nesterov momentum and weight decay on softmax cross-entropy, each training
// image shifted at random by up to 2 pixels each time it is seen, the training step compiled
// with `tg.compile` (one plan of kernels reused for every mini-batch: the convolutions and their
// cotangents, each im2col and GEMMs in one kernel, pooling gathers and scatters, the update). The learning rate decays by a cosine over the run.

import * as tg from "../library.js";
import { ArgumentError } from "../core/errors.js";
import { fixed, percent, table } from "./format.js";
import type { OnStep } from "./progress.js";

/** Digit images with their labels (MNIST's IDX files, decoded). */
export interface MnistData {
  /** `n × 28 × 28` pixel intensities 0..255, row-major, one image after another. */
  images: Uint8Array;
  /** Class 0..9 of each image. */
  labels: Uint8Array | Int32Array;
  n: number;
  rows: number;
  cols: number;
}

export interface CnnOptions {
  /** Seeds the split, the initial weights and the batch order. Default 0. */
  seed?: number;
  /** Passes over the training images. Default 6. */
  epochs?: number;
  /** Default 50. */
  batchSize?: number;
  /** Peak SGD learning rate. Default 0.05. */
  lr?: number;
  /** SGD momentum (Nesterov). Default 0.9. */
  momentum?: number;
  /** L2 weight decay of SGD. Default 5e-4. */
  weightDecay?: number;
  /** Channels of the two convolutions. Default [16, 32]. */
  channels?: readonly [number, number];
  /** Training images (at most n − testSize). Default 8000. */
  trainSize?: number;
  /** Held-out images. Default 2000. */
  testSize?: number;
  /** Random shifts of the training images by up to this many pixels per axis (augmentation). Default 2; 0 turns it off. */
  shift?: number;
  /** Run the training step through `tg.compile` (default true) or eagerly. */
  compile?: boolean;
  /** Called after every optimizer step; returning false stops training (the result covers the steps done). */
  onStep?: OnStep;
}

export interface CnnEpoch {
  epoch: number;
  /** Mean mini-batch loss and accuracy over the epoch's steps. */
  trainLoss: number;
  trainAccuracy: number;
  testLoss: number;
  testAccuracy: number;
}

export interface CnnResult {
  seed: number;
  channels: [number, number];
  /** The layers, as the module prints them. */
  architecture: string;
  parameters: number;
  trainSize: number;
  testSize: number;
  /** Indices into the data set of the held-out images. */
  testIndices: number[];
  epochs: CnnEpoch[];
  /** Loss of every optimizer step. */
  stepLosses: number[];
  stepsPerEpoch: number;
  steps: number;
  stoppedEarly: boolean;
  testAccuracy: number;
  /** `confusion[t][p]`: held-out images of class t predicted as p. */
  confusion: number[][];
  /** The predicted class of each held-out image, in `testIndices` order. */
  predictions: number[];
  mistakes: { index: number; label: number; predicted: number }[];
  /** The first convolution's filters: [c₁][3·3] weights, row-major. */
  filters: number[][];
  /** Wall time of the training loop, in seconds. */
  trainSeconds: number;
  summary: string;
}

const MEAN = 0.1307;
const STD = 0.3081;

/** The network of the experiment. */
export function cnnModel(channels: readonly [number, number], rows: number, cols: number, generator: tg.random.Generator): tg.nn.Sequential {
  const [c1, c2] = channels;
  const nn = tg.nn;
  return new nn.Sequential(
    new nn.Conv2d(1, c1, 3, { padding: 1, generator }), new nn.ReLU(), new nn.MaxPool2d(2),
    new nn.Conv2d(c1, c2, 3, { padding: 1, generator }), new nn.ReLU(), new nn.MaxPool2d(2),
    new nn.Flatten(), new nn.Linear(c2 * Math.floor(rows / 4) * Math.floor(cols / 4), 10, { generator }),
  );
}

/**
 * Trains the CNN on a seeded split of `data` and reports per-epoch metrics, held-out accuracy,
 * the confusion matrix, the first layer's filters and the mistakes.
 * @example
 * const r = cnn(await loadMnistTestSet(), { seed: 0 });
 * r.testAccuracy // ≥ 0.98
 */
export function cnn(data: MnistData, opts: CnnOptions = {}): CnnResult {
  const seed = opts.seed ?? 0;
  const epochs = opts.epochs ?? 6;
  const batchSize = opts.batchSize ?? 50;
  const lr = opts.lr ?? 0.05;
  const momentum = opts.momentum ?? 0.9;
  const weightDecay = opts.weightDecay ?? 5e-4;
  const shift = opts.shift ?? 2;
  const channels: [number, number] = [...(opts.channels ?? [16, 32])] as [number, number];
  const testSize = opts.testSize ?? 2000;
  const trainSize = opts.trainSize ?? 8000;
  const { n, rows, cols } = data;
  const pixels = rows * cols;
  if (!Number.isInteger(seed)) throw new ArgumentError(`cnn: seed must be an integer, got ${seed}`);
  if (data.images.length !== n * pixels || data.labels.length !== n)
    throw new ArgumentError(`cnn: expected ${n}×${rows}×${cols} pixels and ${n} labels, got ${data.images.length} and ${data.labels.length}`);
  if (!(Number.isInteger(testSize) && testSize > 0 && Number.isInteger(trainSize) && trainSize > 0 && trainSize + testSize <= n))
    throw new ArgumentError(`cnn: trainSize ${trainSize} + testSize ${testSize} must be positive integers adding up to at most the ${n} images`);
  if (!(Number.isInteger(batchSize) && batchSize > 0 && batchSize <= trainSize))
    throw new ArgumentError(`cnn: batchSize must be an integer in [1, trainSize], got ${batchSize}`);
  if (!(Number.isInteger(shift) && shift >= 0 && shift < Math.min(rows, cols))) throw new ArgumentError(`cnn: shift must be a non-negative integer below the image size, got ${shift}`);

  const root = tg.random.generator(seed);
  const split = tg.data.trainValSplit(n, testSize / n, { generator: root.split() });
  const trainIdx = split.train.slice(0, trainSize);
  const testIdx = split.val;
  // normalised pixels of the chosen images, one image after another
  const pixelsOf = (idx: readonly number[]) => {
    const out = new Float32Array(idx.length * pixels);
    idx.forEach((k, i) => {
      for (let p = 0; p < pixels; p++) out[i * pixels + p] = (data.images[k * pixels + p] / 255 - MEAN) / STD;
    });
    return out;
  };
  const labelsOf = (idx: readonly number[]) => Int32Array.from(idx, (k) => data.labels[k]);
  const trainPixels = pixelsOf(trainIdx);
  const trainLabels = labelsOf(trainIdx);
  const xTest = tg.tensor(pixelsOf(testIdx), { shape: [testIdx.length, 1, rows, cols] });
  const yTest = tg.tensor(labelsOf(testIdx), { dtype: "int32" });

  const model = cnnModel(channels, rows, cols, root.split());
  const opt = new tg.optim.SGD(model.parameters(), { lr, momentum, nesterov: true, weightDecay });
  const order = root.split();
  const stepsPerEpoch = Math.floor(trainIdx.length / batchSize);
  const background = -MEAN / STD;
  /**
   * The mini-batches of one epoch: a fresh shuffle (incomplete last batch dropped, so every
   * batch has one shape and the compiled plan is reused), each image shifted by up to `shift`
   * pixels in each direction (zero-intensity fill).
   */
  function* batches(): Generator<[tg.Tensor, tg.Tensor]> {
    const perm = Array.from({ length: trainIdx.length }, (_, i) => i);
    for (let i = perm.length - 1; i > 0; i--) {
      const j = order.integer(0, i + 1);
      [perm[i], perm[j]] = [perm[j], perm[i]];
    }
    for (let b = 0; b < stepsPerEpoch; b++) {
      const xb = new Float32Array(batchSize * pixels).fill(background);
      const yb = new Int32Array(batchSize);
      for (let i = 0; i < batchSize; i++) {
        const src = perm[b * batchSize + i];
        yb[i] = trainLabels[src];
        const dy = shift ? order.integer(-shift, shift + 1) : 0;
        const dx = shift ? order.integer(-shift, shift + 1) : 0;
        for (let r = Math.max(0, dy); r < Math.min(rows, rows + dy); r++) {
          const from = src * pixels + (r - dy) * cols;
          const to = i * pixels + r * cols;
          for (let c = Math.max(0, dx); c < Math.min(cols, cols + dx); c++) xb[to + c] = trainPixels[from + c - dx];
        }
      }
      yield [tg.tensor(xb, { shape: [batchSize, 1, rows, cols] }), tg.tensor(yb, { dtype: "int32" })];
    }
  }
  const totalSteps = epochs * stepsPerEpoch;
  // one step returns the loss and the number of right answers, so the plan computes both
  const trainStep = (x: tg.Tensor, y: tg.Tensor): tg.Tensor[] => {
    opt.zeroGrad();
    const logits = model.call(x);
    const loss = tg.nn.functional.crossEntropy(logits, y);
    loss.backward();
    opt.step();
    return [loss, logits.detach().argmax(1).eq(y).cast("float32").sum()];
  };
  const step = opts.compile === false ? trainStep : tg.compile(trainStep);
  // the learning rate changes once per epoch (cosine over epochs), so a compiled step retraces
  // only then: the rate is a plain number of the plan
  const lrAt = (epoch: number) => (epochs > 1 ? lr * 0.5 * (1 + Math.cos((Math.PI * epoch) / epochs)) : lr);

  const evaluate = (x: tg.Tensor, y: tg.Tensor) =>
    tg.noGrad(() => {
      let loss = 0;
      const preds: number[] = [];
      const m = x.shape[0];
      for (let s = 0; s < m; s += 500) {
        const e = Math.min(m, s + 500);
        const logits = model.call(x.slice([s, e]));
        loss += tg.nn.functional.crossEntropy(logits, y.slice([s, e])).item() * (e - s);
        preds.push(...logits.argmax(1).data());
      }
      const truth = y.data();
      let right = 0;
      preds.forEach((p, i) => (right += p === truth[i] ? 1 : 0));
      return { loss: loss / m, accuracy: right / m, preds };
    });

  const history: CnnEpoch[] = [];
  const stepLosses: number[] = [];
  let steps = 0;
  let stoppedEarly = false;
  const t0 = performance.now();
  model.train();
  for (let epoch = 0; epoch < epochs && !stoppedEarly; epoch++) {
    opt.lr = lrAt(epoch);
    let lossSum = 0;
    let right = 0;
    let seen = 0;
    for (const [xb, yb] of batches()) {
      const [loss, correct] = step(xb, yb);
      const l = loss.item();
      const c = correct.item();
      lossSum += l;
      right += c;
      seen += yb.shape[0];
      stepLosses.push(l);
      steps++;
      if (opts.onStep?.({ step: steps, total: totalSteps, loss: l, accuracy: c / yb.shape[0] }) === false) {
        stoppedEarly = steps < totalSteps;
        if (stoppedEarly) break;
      }
    }
    const test = evaluate(xTest, yTest);
    history.push({ epoch, trainLoss: lossSum / Math.max(1, seen / batchSize), trainAccuracy: right / Math.max(1, seen), testLoss: test.loss, testAccuracy: test.accuracy });
  }
  const trainSeconds = (performance.now() - t0) / 1000;
  if (step !== trainStep) (step as unknown as { close(): void }).close();

  model.eval();
  const { preds: predictions, accuracy: testAccuracy } = evaluate(xTest, yTest);
  const truth = Array.from(yTest.data());
  const confusion = Array.from({ length: 10 }, () => new Array<number>(10).fill(0));
  const mistakes: CnnResult["mistakes"] = [];
  predictions.forEach((p, i) => {
    confusion[truth[i]][p]++;
    if (p !== truth[i]) mistakes.push({ index: testIdx[i], label: truth[i], predicted: p });
  });
  const first = (model.layers[0] as tg.nn.Conv2d).weight.data();
  const filters = Array.from({ length: channels[0] }, (_, c) => Array.from(first.subarray(c * 9, (c + 1) * 9)));
  const architecture = String(model);
  const parameters = model.numParameters();

  const summary = [
    `CNN on MNIST (the ${n} test-set images, ${rows}×${cols}): conv3×3(1→${channels[0]}) ReLU maxpool2 conv3×3(${channels[0]}→${channels[1]}) ReLU maxpool2 linear(${channels[1] * Math.floor(rows / 4) * Math.floor(cols / 4)}→10), ${parameters} parameters`,
    `SGD (Nesterov momentum ${momentum}, weight decay ${weightDecay}) lr ${lr} with cosine decay per epoch, batch ${batchSize}, random shifts ≤ ${shift} px, seed ${seed}, ${opts.compile === false ? "eager" : "tg.compile"} step`,
    `train ${trainIdx.length} / held out ${testIdx.length}; training took ${trainSeconds.toFixed(1)} s (${(steps / trainSeconds).toFixed(1)} steps/s)`,
    table(
      ["epoch", "train loss", "train acc", "test loss", "test acc"],
      history.map((h) => [String(h.epoch + 1), fixed(h.trainLoss), percent(h.trainAccuracy), fixed(h.testLoss), percent(h.testAccuracy)]),
    ),
    `held-out accuracy ${percent(testAccuracy)} (${predictions.length - mistakes.length}/${predictions.length})`,
    `confusion matrix (rows: true class, columns: predicted):`,
    table(["", ...Array.from({ length: 10 }, (_, c) => String(c))], confusion.map((row, t) => [String(t), ...row.map(String)])),
    ...(stoppedEarly ? [`stopped early at step ${steps} of ${totalSteps}`] : []),
  ].join("\n");

  return {
    seed, channels, architecture, parameters, trainSize: trainIdx.length, testSize: testIdx.length, testIndices: testIdx,
    epochs: history, stepLosses, stepsPerEpoch, steps, stoppedEarly, testAccuracy, confusion, predictions, mistakes, filters, trainSeconds, summary,
  };
}
