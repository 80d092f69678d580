// Index checks without host reads: indexing operations stay lazy (nothing is realized until a
// value is needed), negative indices count from the end on the device where the operation allows
// them, out-of-range indices raise at the next sync point with a message naming the operation,
// the value, the axis and its size, and `setDebug({ checkIndices: true })` moves the check to
// the call.

import { test } from "node:test";
import assert from "node:assert/strict";
import * as tg from "../src/index.js";
import { nn } from "../src/index.js";
import { scheduleStats } from "../src/backend/schedule.js";
import { cpu } from "../src/backend/runtime.js";
import { WasmBackend } from "../src/backend/wasm-backend.js";
import { createWasmKernels } from "../src/backend/wasm/index.js";

const I32 = { dtype: "int32" } as const;
const F64 = { dtype: "float64" } as const;
const idx = (v: unknown) => tg.tensor(v as number[], I32);

/** How many realizations `fn` triggers. */
function realizations(fn: () => void): number {
  const before = scheduleStats.realizations;
  fn();
  return scheduleStats.realizations - before;
}

/** Runs `fn` with the debug index check on, restoring the previous settings. */
function withIndexCheck<T>(fn: () => T): T {
  const before = tg.setDebug({ checkIndices: true });
  try {
    return fn();
  } finally {
    tg.setDebug(before);
  }
}

/** Asserts that `fn` throws an ArgumentError whose message is exactly `message`. */
function throwsExactly(fn: () => unknown, message: string): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof tg.ArgumentError, `expected an ArgumentError, got ${String(e)}`);
    assert.equal(e.message, message);
    return true;
  });
}

test("an Embedding forward and a crossEntropy loss realize nothing until .item()", () => {
  const emb = new nn.Embedding(10, 4, { generator: tg.random.generator(1) });
  const head = new nn.Linear(4, 10, { generator: tg.random.generator(2) });
  const tokens = idx([[1, 2, 3], [4, 5, 9]]);
  const targets = idx([2, 3, 4, 5, 6, 0]);
  tg.realize(emb.weight, head.weight, tokens, targets);
  let loss: tg.Tensor | undefined;
  const n = realizations(() => {
    const h = emb.call(tokens).reshape([6, 4]);
    loss = nn.functional.crossEntropy(head.call(h), targets);
  });
  assert.equal(n, 0, "building the loss realized something: an index was read on the host");
  // with ignoreIndex and label smoothing as well
  assert.equal(realizations(() => void nn.functional.crossEntropy(head.call(emb.call(tokens).reshape([6, 4])), idx([2, -100, 4, 5, -100, 0]), { ignoreIndex: -100, labelSmoothing: 0.1 })), 0);
  assert.equal(realizations(() => void nn.functional.nllLoss(tg.logSoftmax(head.call(emb.call(tokens).reshape([6, 4])), 1), targets)), 0);
  assert.ok(Number.isFinite(loss!.item()));
  assert.ok(scheduleStats.realizations > 0);
});

test("gather, scatterAdd, indexSelect, indexAdd, take and oneHot do not realize their index", () => {
  const x = tg.tensor([[1, 2, 3], [4, 5, 6]], F64);
  const i2 = idx([[0, 2], [1, 0]]);
  const i1 = idx([1, 0, 1]);
  tg.realize(x, i2, i1);
  const calls: [string, () => unknown][] = [
    ["gather", () => tg.gather(x, 1, i2)],
    ["scatterAdd", () => tg.scatterAdd(tg.zeros([2, 3], F64), 1, i2, tg.ones([2, 2], F64))],
    ["indexSelect", () => tg.indexSelect(x, 0, i1)],
    ["indexAdd", () => tg.indexAdd(tg.zeros([2, 3], F64), 0, i1, tg.ones([3, 3], F64))],
    ["take", () => tg.take(x, i2)],
    ["oneHot", () => tg.oneHot(i1, 2)],
  ];
  for (const [name, call] of calls) assert.equal(realizations(() => void call()), 0, name);
});

test("negative indices count from the end in gather, scatterAdd, indexSelect, indexAdd and take", () => {
  const x = tg.tensor([[1, 2, 3], [4, 5, 6]], F64);
  assert.deepEqual(tg.gather(x, 1, idx([[-1, 0], [-3, -2]])).toArray(), [[3, 1], [4, 5]]);
  assert.deepEqual(tg.indexSelect(x, 1, idx([-1, 0])).toArray(), [[3, 1], [6, 4]]);
  assert.deepEqual(tg.take(x, [-1, -6]).toArray(), [6, 1]);
  assert.deepEqual(tg.take(x, idx([[-1], [0]]), 1).toArray(), [[[3], [1]], [[6], [4]]]);
  // the transposes accept what their forward ops accept: −1 adds into the last slot
  assert.deepEqual(tg.scatterAdd(tg.zeros([1, 3], F64), 1, idx([[-1, 2]]), tg.ones([1, 2], F64)).toArray(), [[0, 0, 2]]);
  assert.deepEqual(tg.indexAdd(tg.zeros([3, 1], F64), 0, idx([-1, 0]), tg.tensor([[1], [2]], F64)).toArray(), [[2], [0], [1]]);
  // and so the gradient of a gather at −1 lands on the last entry
  const g = tg.grad((t: tg.Tensor) => tg.gather(t, 1, idx([[-1], [-1]])).sum())(x);
  assert.deepEqual(g.toArray(), [[0, 0, 1], [0, 0, 1]]);
});

test("out-of-range indices raise at the next sync point, naming the operation, the value and the axis size", () => {
  const x = tg.tensor([[1, 2, 3], [4, 5, 6]], F64);
  // each call succeeds; data() is the sync point
  const lazy: [() => tg.Tensor, string][] = [
    [() => tg.gather(x, 1, idx([[0, 3]])), "gather: index 3 at position 1 is out of range for axis 1 of size 3 (input [1,3], index [1,2])"],
    [() => tg.gather(x, 0, idx([[0], [-3]])), "gather: index -3 at position 1 is out of range for axis 0 of size 2 (input [2,1], index [2,1])"],
    [() => tg.scatterAdd(tg.zeros([2, 3], F64), 1, idx([[0, 1], [4, 0]]), tg.ones([2, 2], F64)), "scatterAdd: index 4 at position 2 is out of range for axis 1 of size 3 (source [2,2], index [2,2], size 3)"],
    [() => tg.indexSelect(x, 1, idx([2, -4])), "indexSelect: index -4 at position 1 is out of range for axis 1 of size 3 (input [2,3], index [2])"],
    [() => tg.indexAdd(tg.zeros([2, 3], F64), 0, idx([0, 2]), tg.ones([2, 3], F64)), "indexAdd: index 2 at position 1 is out of range for axis 0 of size 2 (source [2,3], index [2], size 2)"],
    [() => tg.take(x, [0, 6]), "take: index 6 at position 1 is out of range for axis 0 of size 6 (input [2,3] flattened, indices [2])"],
    [() => tg.take(x, idx([[1], [-5]]), 1), "take: index -5 at position 1 is out of range for axis 1 of size 3 (input [2,3], indices [2,1])"],
    [() => tg.oneHot(idx([0, -1]), 3), "oneHot: index -1 at position 1 is out of range for axis 1 of size 3 (indices [2], numClasses 3); oneHot does not count negative indices from the end"],
  ];
  for (const [build, message] of lazy) {
    const t = build();
    throwsExactly(() => t.data(), message);
    // the flag was taken: the next realization is clean
    assert.deepEqual(tg.add(x, 1).toArray(), [[2, 3, 4], [5, 6, 7]]);
  }
  // backward() is a sync point too
  const w = tg.tensor([[1, 2, 3]], F64).setRequiresGrad();
  throwsExactly(
    () => nn.functional.embedding(idx([0, 3]), w.reshape([3, 1])).sum().backward(),
    "embedding: index 3 at position 1 is out of range for axis 0 of size 3 (weight [3,1], indices [2])",
  );
});

test("kernels that share a compiled program still name their own operation", () => {
  const x = tg.tensor([1, 2, 3, 4], F64);
  // indexSelect and take lower to the same kernel description (and program); the label is read at dispatch
  assert.deepEqual(tg.indexSelect(x, 0, idx([3, 0])).toArray(), [4, 1]);
  throwsExactly(() => tg.take(x, [3, 9]).data(), "take: index 9 at position 1 is out of range for axis 0 of size 4 (input [4], indices [2])");
  throwsExactly(() => tg.indexSelect(x, 0, idx([9, 0])).data(), "indexSelect: index 9 at position 0 is out of range for axis 0 of size 4 (input [4], index [2])");
});

test("the Wasm backend flags out-of-range indices the same way", async () => {
  const kernels = await createWasmKernels({ threads: 1 });
  const prev = tg.getBackend();
  tg.setBackend(new WasmBackend(kernels, { minGemmWork: 0, minElements: 0 }));
  try {
    const emb = new nn.Embedding(5, 2, { generator: tg.random.generator(3) });
    const out = emb.call(idx([4, 5]));
    throwsExactly(() => out.data(), "embedding: index 5 at position 1 is out of range for axis 0 of size 5 (weight [5,2], indices [2])");
    assert.deepEqual(tg.take(tg.tensor([1, 2, 3]), [-1]).toArray(), [3]);
  } finally {
    tg.setBackend(prev);
  }
  assert.equal(tg.getBackend(), prev);
  assert.ok(cpu);
});

test("setDebug({ checkIndices: true }) throws at the call, with the same message", () => {
  const x = tg.tensor([[1, 2, 3], [4, 5, 6]], F64);
  assert.deepEqual(tg.getDebug(), { checkIndices: false });
  withIndexCheck(() => {
    assert.deepEqual(tg.getDebug(), { checkIndices: true });
    throwsExactly(() => tg.gather(x, 1, idx([[0, 3]])), "gather: index 3 at position 1 is out of range for axis 1 of size 3 (input [1,3], index [1,2])");
    throwsExactly(() => tg.take(x, [0, 6]), "take: index 6 at position 1 is out of range for axis 0 of size 6 (input [2,3] flattened, indices [2])");
    throwsExactly(() => tg.oneHot(idx([3]), 3), "oneHot: index 3 at position 0 is out of range for axis 1 of size 3 (indices [1], numClasses 3)");
    throwsExactly(
      () => nn.functional.embedding(idx([-1]), tg.zeros([4, 2])),
      "embedding: index -1 at position 0 is out of range for axis 0 of size 4 (weight [4,2], indices [1]); embedding does not count negative indices from the end",
    );
    throwsExactly(
      () => nn.functional.crossEntropy(tg.zeros([2, 3]), idx([0, 3])),
      "crossEntropy: index 3 at position 1 is out of range for axis 1 of size 3 (logits [2,3], target [2])",
    );
    // ignored targets pass; valid and negative-from-the-end indices still work
    assert.ok(Number.isFinite(nn.functional.crossEntropy(tg.zeros([2, 3]), idx([0, -100])).item()));
    assert.deepEqual(tg.gather(x, 1, idx([[-1]])).toArray(), [[3]]);
  });
  assert.deepEqual(tg.getDebug(), { checkIndices: false });
  // off again: the call is lazy
  assert.doesNotThrow(() => tg.gather(x, 1, idx([[0, 3]])));
  assert.throws(() => tg.setDebug({ checkIndex: true } as unknown as tg.DebugOptions), /setDebug: unknown option 'checkIndex'/);
  assert.throws(() => tg.setDebug({ checkIndices: 1 } as unknown as tg.DebugOptions), /setDebug: checkIndices must be true or false/);
});

test("ignoreIndex is handled on the device: ignored rows add nothing, the rest are checked", () => {
  const logits = tg.tensor([[2, 0, -1], [0, 1, 0], [1, 1, 1]], F64);
  const all = nn.functional.crossEntropy(logits, idx([0, 1, 2]), { reduction: "none" }).toArray() as number[];
  const some = nn.functional.crossEntropy(logits, idx([0, 7, 2]), { ignoreIndex: 7 });
  assert.ok(Math.abs(some.item() - (all[0] + all[2]) / 2) < 1e-12);
  // −100 (the default ignoreIndex) is skipped; another negative is refused at the sync point
  throwsExactly(
    () => nn.functional.crossEntropy(logits, idx([0, -100, -2])).item(),
    "crossEntropy: index -2 at position 2 is out of range for axis 1 of size 3 (logits [3,3], target [3]); crossEntropy does not count negative indices from the end",
  );
  // an unbatched [C] row with a 0-d target
  throwsExactly(() => nn.functional.crossEntropy(tg.zeros([3]), tg.tensor(5, I32)).item(), "crossEntropy: index 5 at position 0 is out of range for axis 0 of size 3 (logits [3], target [])");
});
