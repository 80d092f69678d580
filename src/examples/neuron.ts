// One tanh neuron a = tanh(w·x + b) with the loss ½(a − y)², first for a single example and
// then for a batch, through `nn.Linear`, `backward()` and one `optim.SGD` step. The chain rule
// written out:
//
//   ∂L/∂a = a − y     ∂L/∂z = (a − y)(1 − a²)     ∂L/∂w = ∂L/∂z · x     ∂L/∂b = ∂L/∂z
//
// For a batch the loss is the mean over examples, so its gradient is the mean of the
// per-example gradients; `perExample` holds those to compare.

import * as tg from "../library.js";
import { ArgumentError } from "../core/errors.js";
import { fixed, table } from "./format.js";

export interface NeuronOptions {
  /** Learning rate of the SGD step taken after the gradients are recorded. Default 0.1. */
  lr?: number;
  /** The single example (x, y) and the parameters. Defaults x = 2, w = −0.5, b = 1, y = 0.8. */
  scalar?: { x?: number; w?: number; b?: number; y?: number };
  /** The batch: inputs X [n, 1] and targets Y [n, 1] as flat lists, with the same w and b. Defaults X = [2, 1.5, −1], Y = [0.8, 0.5, −0.3]. */
  batch?: { x?: readonly number[]; y?: readonly number[]; w?: number; b?: number };
}

/** The forward values and every derivative for one example. */
export interface NeuronScalarResult {
  x: number;
  y: number;
  w: number;
  b: number;
  z: number;
  a: number;
  loss: number;
  dLda: number;
  dLdz: number;
  dLdw: number;
  dLdb: number;
  /** After one SGD step: the parameters and the loss there. */
  after: { w: number; b: number; loss: number };
}

/** Loss and parameter gradients of one example of the batch, on its own. */
export interface NeuronExampleGradient {
  x: number;
  y: number;
  z: number;
  a: number;
  loss: number;
  dLdw: number;
  dLdb: number;
}

export interface NeuronBatchResult {
  x: number[];
  y: number[];
  w: number;
  b: number;
  z: number[];
  a: number[];
  /** mean over the batch of ½(a − y)² */
  loss: number;
  /** ∂loss/∂W and ∂loss/∂b from one backward pass over the batch. */
  dLdw: number;
  dLdb: number;
  perExample: NeuronExampleGradient[];
  /** The mean of the per-example gradients, which must equal the batch gradient. */
  meanOfPerExample: { dLdw: number; dLdb: number };
  after: { w: number; b: number; loss: number };
}

export interface NeuronResult {
  lr: number;
  scalar: NeuronScalarResult;
  batch: NeuronBatchResult;
  summary: string;
}

/** A 1 → 1 float64 Linear layer holding w and b. */
function neuronLayer(w: number, b: number): tg.nn.Linear {
  const layer = new tg.nn.Linear(1, 1, { dtype: "float64" });
  layer.loadStateDict({ weight: tg.tensor([[w]], { dtype: "float64" }), bias: tg.tensor([b], { dtype: "float64" }) });
  return layer;
}

/** ½(a − y)² averaged over the batch (a single example is a batch of one). */
function halfSquaredError(a: tg.Tensor, y: tg.Tensor): tg.Tensor {
  return a.sub(y).square().mul(0.5).mean();
}

function column(values: readonly number[]): tg.Tensor {
  return tg.tensor(values.map((v) => [v]), { dtype: "float64" });
}

/** Forward, backward and one SGD step for inputs xs and targets ys. */
function trainStep(xs: readonly number[], ys: readonly number[], w: number, b: number, lr: number) {
  const layer = neuronLayer(w, b);
  const optimizer = new tg.optim.SGD(layer.parameters(), { lr });
  const x = column(xs);
  const y = column(ys);
  const z = layer.forward(x);
  const a = z.tanh();
  const loss = halfSquaredError(a, y);
  optimizer.zeroGrad();
  loss.backward();
  const grads = { dLdw: layer.weight.grad!.item(), dLdb: layer.bias!.grad!.item() };
  optimizer.step();
  const after = {
    w: layer.weight.item(),
    b: layer.bias!.item(),
    loss: tg.noGrad(() => halfSquaredError(layer.forward(x).tanh(), y)).item(),
  };
  return { z: Array.from(z.data()), a: Array.from(a.data()), loss: loss.item(), ...grads, after };
}

/**
 * The tanh neuron with ½ squared error, for one example and for a batch: forward values,
 * gradients by `backward()` (and ∂L/∂a, ∂L/∂z by `tg.grad`), and the result of one SGD step.
 * @example
 * const r = neuron();
 * r.scalar.dLdw // -1.6
 * r.batch.dLdw === r.batch.meanOfPerExample.dLdw // up to rounding
 */
export function neuron(opts: NeuronOptions = {}): NeuronResult {
  const lr = opts.lr ?? 0.1;
  if (!(lr > 0) || !Number.isFinite(lr)) throw new ArgumentError(`neuron: lr must be a positive number, got ${lr}`);
  const s = { x: 2.0, w: -0.5, b: 1.0, y: 0.8, ...opts.scalar };
  const bx = opts.batch?.x ?? [2.0, 1.5, -1.0];
  const by = opts.batch?.y ?? [0.8, 0.5, -0.3];
  const bw = opts.batch?.w ?? -0.5;
  const bb = opts.batch?.b ?? 1.0;
  if (bx.length !== by.length || bx.length === 0)
    throw new ArgumentError(`neuron: batch x and y need the same non-zero length, got ${bx.length} and ${by.length}`);

  // ---- one example ----
  const one = trainStep([s.x], [s.y], s.w, s.b, lr);
  const z = one.z[0];
  const a = one.a[0];
  const yT = tg.scalar(s.y, "float64");
  // derivatives with respect to the intermediate values, which backward() does not keep
  const dLda = tg.grad((at: tg.Tensor) => halfSquaredError(at, yT))(tg.scalar(a, "float64")).item();
  const dLdz = tg.grad((zt: tg.Tensor) => halfSquaredError(zt.tanh(), yT))(tg.scalar(z, "float64")).item();
  const scalar: NeuronScalarResult = {
    x: s.x, y: s.y, w: s.w, b: s.b, z, a, loss: one.loss, dLda, dLdz, dLdw: one.dLdw, dLdb: one.dLdb, after: one.after,
  };

  // ---- a batch, and each of its examples on its own ----
  const all = trainStep(bx, by, bw, bb, lr);
  const perExample = bx.map((xi, i): NeuronExampleGradient => {
    const r = trainStep([xi], [by[i]], bw, bb, lr);
    return { x: xi, y: by[i], z: r.z[0], a: r.a[0], loss: r.loss, dLdw: r.dLdw, dLdb: r.dLdb };
  });
  const mean = (f: (g: NeuronExampleGradient) => number) => perExample.reduce((acc, g) => acc + f(g), 0) / perExample.length;
  const batch: NeuronBatchResult = {
    x: [...bx], y: [...by], w: bw, b: bb, z: all.z, a: all.a, loss: all.loss, dLdw: all.dLdw, dLdb: all.dLdb,
    perExample,
    meanOfPerExample: { dLdw: mean((g) => g.dLdw), dLdb: mean((g) => g.dLdb) },
    after: all.after,
  };

  const summary = [
    `Tanh neuron a = tanh(w·x + b), loss ½(a − y)²`,
    `one example: x = ${s.x}, w = ${s.w}, b = ${s.b}, y = ${s.y}`,
    table(
      ["z", "a", "L", "dL/da", "dL/dz", "dL/dw", "dL/db"],
      [[z, a, one.loss, dLda, dLdz, one.dLdw, one.dLdb].map((v) => fixed(v))],
    ),
    `after one SGD step (lr ${lr}): w = ${fixed(one.after.w)}, b = ${fixed(one.after.b)}, L = ${fixed(one.after.loss)}`,
    `batch of ${bx.length} (loss = mean of ½(a − y)²):`,
    table(
      ["x", "y", "z", "a", "L", "dL/dw", "dL/db"],
      [
        ...perExample.map((g) => [g.x, g.y, g.z, g.a, g.loss, g.dLdw, g.dLdb].map((v) => fixed(v))),
        ["batch", "", "", "", fixed(all.loss), fixed(all.dLdw), fixed(all.dLdb)],
      ],
    ),
    `mean of the per-example gradients: dL/dw = ${fixed(batch.meanOfPerExample.dLdw)}, dL/db = ${fixed(batch.meanOfPerExample.dLdb)}`,
    `after one SGD step (lr ${lr}): w = ${fixed(all.after.w)}, b = ${fixed(all.after.b)}, L = ${fixed(all.after.loss)}`,
  ].join("\n");

  return { lr, scalar, batch, summary };
}

export interface NeuronLineOptions {
  /** Initial weight and bias. Defaults w = −1, b = 8 (a line far from the data). */
  w0?: number;
  b0?: number;
  /** SGD learning rate. Default 0.02. */
  lr?: number;
  /** Full-batch epochs. Default 500. */
  epochs?: number;
  /** Epochs after which to record the line (default 0, 10, 50, 100, 200, 500, those ≤ epochs). */
  snapshotAt?: readonly number[];
}

/** The fitted line after `epoch` epochs. */
export interface NeuronLineSnapshot {
  epoch: number;
  w: number;
  b: number;
  loss: number;
}

export interface NeuronLineResult {
  data: { x: number[]; y: number[] };
  lr: number;
  epochs: number;
  /** Mean squared error before each epoch's update, then after the last: epochs + 1 values. */
  loss: number[];
  /** w and b before each epoch's update, then after the last. */
  w: number[];
  b: number[];
  snapshots: NeuronLineSnapshot[];
  final: { w: number; b: number; loss: number };
  summary: string;
}

/**
 * A linear neuron `nn.Linear(1, 1)` fitted to points by SGD on the mean squared error, one
 * full-batch update per epoch, recording the line as it rotates and shifts towards the data.
 * On data/neuron-line-15.json from w = −1, b = 8 with lr 0.02 it ends at w ≈ 1.95, b ≈ 1.18
 * after 500 epochs.
 * @example
 * const r = neuronLine(await loadJSON("data/neuron-line-15.json")); // r.final.w ≈ 1.95
 */
export function neuronLine(data: LineLike, opts: NeuronLineOptions = {}): NeuronLineResult {
  const lr = opts.lr ?? 0.02;
  const epochs = opts.epochs ?? 500;
  if (!Number.isInteger(epochs) || epochs < 0) throw new ArgumentError(`neuronLine: epochs must be a non-negative integer, got ${epochs}`);
  if (!(lr > 0) || !Number.isFinite(lr)) throw new ArgumentError(`neuronLine: lr must be a positive number, got ${lr}`);
  const xs = Array.from(data.x);
  const ys = Array.from(data.y);
  if (xs.length !== ys.length || xs.length === 0) throw new ArgumentError(`neuronLine: x and y need the same non-zero length, got ${xs.length} and ${ys.length}`);
  const model = new tg.nn.Linear(1, 1, { dtype: "float64" });
  model.loadStateDict({ weight: tg.tensor([[opts.w0 ?? -1]], { dtype: "float64" }), bias: tg.tensor([opts.b0 ?? 8], { dtype: "float64" }) });
  const optimizer = new tg.optim.SGD(model.parameters(), { lr });
  const inputs = tg.tensor(xs, { dtype: "float64" }).reshape([-1, 1]);
  const targets = tg.tensor(ys, { dtype: "float64" }).reshape([-1, 1]);
  const loss: number[] = [];
  const w: number[] = [];
  const b: number[] = [];
  for (let epoch = 0; epoch <= epochs; epoch++) {
    optimizer.zeroGrad();
    const l = tg.nn.functional.mseLoss(model.forward(inputs), targets);
    loss.push(l.item());
    w.push(model.weight.item());
    b.push(model.bias!.item());
    if (epoch === epochs) break;
    l.backward();
    optimizer.step();
  }
  const at = opts.snapshotAt ?? [0, 10, 50, 100, 200, 500];
  const snapshots = at.filter((e) => Number.isInteger(e) && e >= 0 && e <= epochs).map((e) => ({ epoch: e, w: w[e], b: b[e], loss: loss[e] }));
  const final = { w: w[epochs], b: b[epochs], loss: loss[epochs] };
  const summary = [
    `Linear neuron ŷ = w·x + b (nn.Linear(1, 1)) on ${xs.length} points, SGD lr ${lr}, MSE, ${epochs} epochs, float64:`,
    table(["epoch", "w", "b", "loss"], snapshots.map((s) => [String(s.epoch), fixed(s.w), fixed(s.b), fixed(s.loss)])),
    `the line rotates from w = ${fixed(w[0], 2)} to w = ${fixed(final.w, 2)} and shifts from b = ${fixed(b[0], 2)} to b = ${fixed(final.b, 2)}`,
  ].join("\n");
  return { data: { x: xs, y: ys }, lr, epochs, loss, w, b, snapshots, final, summary };
}

/** Paired samples, e.g. the contents of data/neuron-line-15.json. */
export interface LineLike {
  x: ArrayLike<number>;
  y: ArrayLike<number>;
}
