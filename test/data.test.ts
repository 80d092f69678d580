import { test } from "node:test";
import assert from "node:assert/strict";

import * as tg from "../src/index.js";
import { data, optim, type Tensor } from "../src/index.js";

const ints = (t: Tensor) => Array.from(t.data());

test("TensorDataset indexes examples along the first axis of every tensor", () => {
  const x = tg.arange(0, 12).reshape([6, 2]); // row i = [2i, 2i+1]
  const y = tg.arange(0, 6, 1, { dtype: "int32" });
  const ds = new data.TensorDataset(x, y);
  assert.equal(ds.length, 6);
  const [xi, yi] = ds.get(4);
  assert.deepEqual(xi.shape, [2]);
  assert.deepEqual(ints(xi), [8, 9]);
  assert.equal(yi.item(), 4);
  const [xb, yb] = ds.getBatch([5, 0, 3]);
  assert.deepEqual(xb.shape, [3, 2]);
  assert.deepEqual(ints(xb), [10, 11, 0, 1, 6, 7]);
  assert.deepEqual(ints(yb), [5, 0, 3]);
  assert.equal(yb.dtype, "int32");
});

test("TensorDataset errors name the shapes", () => {
  assert.throws(
    () => new data.TensorDataset(tg.zeros([10, 3]), tg.zeros([9])),
    (e: Error) => e instanceof tg.ShapeError && e.message === "TensorDataset: first dimensions differ: [10,3], [9]",
  );
  assert.throws(() => new data.TensorDataset(tg.zeros([3]), tg.scalar(1)), (e: Error) => e instanceof tg.ShapeError && /^TensorDataset: tensor 1 is 0-d/.test(e.message));
  assert.throws(() => new data.TensorDataset(), (e: Error) => e instanceof tg.ArgumentError && /^TensorDataset: needs at least one tensor/.test(e.message));
  const ds = new data.TensorDataset(tg.zeros([3]));
  assert.throws(() => ds.get(3), (e: Error) => e instanceof tg.ArgumentError && /^TensorDataset\.get: index 3 is out of range for 3 examples/.test(e.message));
  assert.throws(() => ds.getBatch([0, -1]), tg.ArgumentError);
});

function indexLoader(n: number, opts: data.DataLoaderOpts) {
  // the dataset's values are the example indices, so batches show which examples they hold
  return new data.DataLoader(new data.TensorDataset(tg.arange(0, n, 1, { dtype: "int32" })), opts);
}
const epoch = (loader: data.DataLoader) => [...loader].map(([b]) => ints(b));

test("DataLoader in order: batch sizes, the short last batch, dropLast", () => {
  assert.deepEqual(epoch(indexLoader(10, { batchSize: 4 })), [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]]);
  assert.deepEqual(epoch(indexLoader(10, { batchSize: 4, dropLast: true })), [[0, 1, 2, 3], [4, 5, 6, 7]]);
  assert.equal(indexLoader(10, { batchSize: 4 }).length, 3);
  assert.equal(indexLoader(10, { batchSize: 4, dropLast: true }).length, 2);
  assert.equal(indexLoader(8, { batchSize: 4, dropLast: true }).length, 2);
  assert.equal(indexLoader(3, {}).length, 3); // batchSize 1 by default
  assert.throws(() => indexLoader(3, { batchSize: 0 }), (e: Error) => e instanceof tg.ArgumentError && /^DataLoader: batchSize/.test(e.message));
});

test("DataLoader batches keep the fields of an example together", () => {
  const n = 13;
  const x = tg.arange(0, n).mul(10);
  const y = tg.arange(0, n);
  const loader = new data.DataLoader(new data.TensorDataset(x, y), { batchSize: 5, shuffle: true, generator: tg.random.generator(3) });
  for (const [xb, yb] of loader) assert.deepEqual(ints(xb), ints(yb).map((v) => v * 10));
});

test("shuffled DataLoader: every index once per epoch, a new order each epoch, reproducible from the seed", () => {
  const n = 23;
  const a = indexLoader(n, { batchSize: 5, shuffle: true, generator: tg.random.generator(42) });
  const b = indexLoader(n, { batchSize: 5, shuffle: true, generator: tg.random.generator(42) });
  const c = indexLoader(n, { batchSize: 5, shuffle: true, generator: tg.random.generator(43) });
  const orders: number[][] = [];
  for (let e = 0; e < 3; e++) {
    const ea = epoch(a);
    assert.deepEqual(ea.map((x) => x.length), [5, 5, 5, 5, 3]);
    const flat = ea.flat();
    assert.deepEqual([...flat].sort((p, q) => p - q), Array.from({ length: n }, (_, i) => i));
    assert.deepEqual(epoch(b).flat(), flat, `epoch ${e}: same seed, same order`);
    assert.notDeepEqual(epoch(c).flat(), flat, `epoch ${e}: another seed, another order`);
    orders.push(flat);
  }
  assert.notDeepEqual(orders[0], orders[1]);
  assert.notDeepEqual(orders[1], orders[2]);
  // dropLast with shuffling: 4 full batches of distinct indices
  const d = epoch(indexLoader(n, { batchSize: 5, shuffle: true, dropLast: true, generator: tg.random.generator(1) }));
  assert.deepEqual(d.map((x) => x.length), [5, 5, 5, 5]);
  assert.equal(new Set(d.flat()).size, 20);
});

test("randomPermutation is uniform: all 6 orders of 3 elements about equally often", () => {
  const gen = tg.random.generator(7);
  const counts = new Map<string, number>();
  const draws = 6000;
  for (let i = 0; i < draws; i++) {
    const k = data.randomPermutation(3, gen).join("");
    counts.set(k, (counts.get(k) ?? 0) + 1);
  }
  assert.equal(counts.size, 6);
  // each count is Binomial(6000, 1/6): mean 1000, sd ≈ 28.9; allow 5 sd
  for (const [k, c] of counts) assert.ok(Math.abs(c - 1000) < 5 * 28.9, `${k}: ${c}`);
});

test("trainValSplit: disjoint parts covering everything, sized round(n·f), reproducible", () => {
  const s = data.trainValSplit(50, 0.3, { generator: tg.random.generator(5) });
  assert.equal(s.val.length, 15);
  assert.equal(s.train.length, 35);
  assert.deepEqual([...s.train, ...s.val].sort((a, b) => a - b), Array.from({ length: 50 }, (_, i) => i));
  assert.deepEqual(s.val, [...s.val].sort((a, b) => a - b));
  assert.deepEqual(data.trainValSplit(50, 0.3, { generator: tg.random.generator(5) }), s);
  assert.notDeepEqual(data.trainValSplit(50, 0.3, { generator: tg.random.generator(6) }).val, s.val);
  assert.equal(data.trainValSplit(10, 0.25, { generator: tg.random.generator(0) }).val.length, 3); // round(2.5) = 3
  // on a dataset: subsets that read through to the right examples
  const ds = new data.TensorDataset(tg.arange(0, 50, 1, { dtype: "int32" }));
  const parts = data.trainValSplit(ds, 0.3, { generator: tg.random.generator(5) });
  assert.equal(parts.val.length, 15);
  assert.deepEqual(ints(parts.val.getBatch([0, 14])[0]), [s.val[0], s.val[14]]);
  assert.deepEqual(epoch(new data.DataLoader(parts.train, { batchSize: 100 }))[0], s.train);
  assert.throws(() => data.trainValSplit(10, 1.5), (e: Error) => e instanceof tg.ArgumentError && /^trainValSplit: valFraction/.test(e.message));
});

test("standardize fits mean and population std on train and applies them to both", () => {
  // column 0: mean 3, std √((4+0+4)/3) = √(8/3); column 1 is constant: std 0 → 1, only centred
  const train = tg.tensor([[1, 10], [3, 10], [5, 10]], { dtype: "float64" });
  const val = tg.tensor([[7, 12]], { dtype: "float64" });
  const s = data.standardize(train, val);
  const sd = Math.sqrt(8 / 3);
  assert.deepEqual(ints(s.mean), [3, 10]);
  assert.ok(Math.abs(s.std.data()[0] - sd) < 1e-15);
  assert.equal(s.std.data()[1], 1);
  const t = Array.from(s.train.data());
  [-2 / sd, 0, 0, 0, 2 / sd, 0].forEach((e, i) => assert.ok(Math.abs(t[i] - e) < 1e-15, `train[${i}] = ${t[i]}`));
  const v = Array.from(s.val.data());
  assert.ok(Math.abs(v[0] - 4 / sd) < 1e-15);
  assert.equal(v[1], 2);
  assert.deepEqual(ints(s.apply(tg.tensor([3, 11], { dtype: "float64" }))), [0, 1]);
  // integer data becomes float32
  assert.equal(data.standardize(tg.tensor([[1], [3]], { dtype: "int32" })).train.dtype, "float32");
  assert.throws(() => data.standardize(train, tg.zeros([2, 3], "float64")), (e: Error) => e instanceof tg.ShapeError && /^standardize: val \[2,3\].*\[3,2\]/.test(e.message));
});

// ---- fit ----

/** y = 2x − 1 on 32 points, as a dataset of [x, y] with shapes [n,1]. */
function lineData() {
  const x = tg.linspace(-1, 1, 32).reshape([32, 1]);
  return new data.TensorDataset(x, x.mul(2).sub(1));
}

function linearModel(inF: number, outF: number) {
  const w = tg.zeros([inF, outF]).setRequiresGrad();
  const b = tg.zeros([outF]).setRequiresGrad();
  return { w, b, forward: (x: Tensor) => x.matmul(w).add(b) };
}

test("fit (model form) learns a line, logs every epoch and step, evaluates on the validation loader", () => {
  const ds = lineData();
  const loader = new data.DataLoader(ds, { batchSize: 8, shuffle: true, generator: tg.random.generator(0) });
  const valLoader = new data.DataLoader(ds, { batchSize: 32 });
  const m = linearModel(1, 1);
  const steps: number[] = [];
  const result = data.fit(m, loader, {
    epochs: 30,
    optimizer: new optim.SGD([m.w, m.b], { lr: 0.2 }),
    loss: (out, y) => out.sub(y).square().mean(),
    valLoader,
    callbacks: { onStep: (info) => void steps.push(info.step) },
  });
  assert.equal(result.stopReason, "completed");
  assert.equal(result.history.length, 30);
  assert.deepEqual(steps, Array.from({ length: 30 * 4 }, (_, i) => i + 1));
  const first = result.history[0];
  const last = result.history[29];
  assert.ok(last.loss < first.loss / 100, `loss ${first.loss} → ${last.loss}`);
  assert.ok(Math.abs(m.w.item() - 2) < 1e-2 && Math.abs(m.b.item() + 1) < 1e-2, `w=${m.w.item()}, b=${m.b.item()}`);
  // the validation loss is the full-data mean squared error of the final model
  const [x, y] = ds.getBatch(Array.from({ length: 32 }, (_, i) => i));
  const mse = m.forward(x).sub(y).square().mean().item();
  assert.ok(Math.abs(last.valLoss! - mse) < 1e-6);
  assert.equal(result.bestEpoch >= 0, true);
});

test("fit reports accuracy for a separable classification problem", () => {
  // class 1 when x > 0; logits = x·w + b with w: [1,2]
  const x = tg.linspace(-1, 1, 20).reshape([20, 1]);
  const y = tg.cast(x.reshape([20]).gt(0), "int32");
  const ds = new data.TensorDataset(x, y);
  const m = linearModel(1, 2);
  const crossEntropy = (logits: Tensor, t: Tensor) => tg.gather(logits.logSoftmax(-1), 1, t.reshape([t.size, 1])).mean().neg();
  const result = data.fit(m, new data.DataLoader(ds, { batchSize: 5, shuffle: true, generator: tg.random.generator(1) }), {
    epochs: 40,
    optimizer: new optim.Adam([m.w, m.b], { lr: 0.1 }),
    loss: crossEntropy,
    valLoader: new data.DataLoader(ds, { batchSize: 20 }),
    metrics: ["loss", "accuracy"],
  });
  const last = result.history[result.history.length - 1];
  assert.equal(last.valAccuracy, 1);
  assert.ok(last.accuracy! > 0.9);
  assert.ok(result.history[0].accuracy! <= 1);
});

test("fit (step form): early stopping after `patience` epochs without improvement, and stopping from a callback", () => {
  const loader = [[tg.zeros([2])]]; // one batch of 2 examples per epoch
  const script = [5, 4, 3.95, 3.99, 3.5, 3.4];
  let calls = 0;
  const r = data.fit(() => script[calls++], loader, { epochs: 6, earlyStopping: { patience: 2, minDelta: 0.1 } });
  // best 4 at epoch 1; 3.95 and 3.99 are within minDelta, so epoch 3 is the second without improvement
  assert.equal(r.stopReason, "earlyStopping");
  assert.deepEqual(r.history.map((h) => h.loss), [5, 4, 3.95, 3.99]);
  assert.equal(r.bestEpoch, 1);
  let n = 0;
  const c = data.fit(() => 1, loader, { epochs: 10, callbacks: { onEpoch: () => ++n < 3 } });
  assert.equal(c.stopReason, "callback");
  assert.equal(c.history.length, 3);
  // validation in the step form goes through evaluate, weighted by batch size
  const v = data.fit(() => 1, loader, { epochs: 1, valLoader: [[tg.zeros([1])], [tg.zeros([3])]], evaluate: (b) => b[0].shape[0] });
  assert.equal(v.history[0].valLoss, (1 * 1 + 3 * 3) / 4);
  assert.throws(() => data.fit(() => 1, loader, { valLoader: loader }), (e: Error) => e instanceof tg.ArgumentError && /^fit: .*evaluate/.test(e.message));
  assert.throws(() => data.fit({ forward: (x: Tensor) => x }, loader, {}), (e: Error) => e instanceof tg.ArgumentError && /^fit: .*optimizer and a loss/.test(e.message));
});
