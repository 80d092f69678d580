// Recycled result arrays (`tg.init({ recycle: true })`): the large host arrays of collected eager
// results are written again by later results of the same length, and on the Wasm backend each
// is a view of linear memory that kernels use in place. Results must not change by a bit, the pool must
// actually be used inside a synchronous loop, homed arrays must spare the copies in and out, an array that outlives its lazy
// buffer (a donated input whose memory a compiled result took) must never be handed out again,
// and the V8 flags the helpers need must be off again afterwards.

import { test } from "node:test";
import assert from "node:assert/strict";
import * as vm from "node:vm";
import * as tg from "../src/index.js";
import { POOL_BUDGET, pauseRecycling, pooled, recycleStats, recycling } from "../src/backend/recycle.js";
import { WasmBackend } from "../src/backend/wasm-backend.js";
import { HOME_BUDGET } from "../src/backend/wasm/resident.js";
import { createWasmKernels } from "../src/backend/wasm/index.js";
import { onBackend } from "./backend-helpers.js";

test("init: recycle must be a boolean", async () => {
  await assert.rejects(tg.init({ recycle: "yes" as unknown as boolean }), /init: recycle must be a boolean, got "yes"/);
  assert.equal(recycling(), false);
});

test("init({ recycle: true }) leaves no V8 helper behind: no cleanupSome here, no gc in a new context", async () => {
  await tg.init({ recycle: true });
  assert.equal(recycling(), true);
  assert.equal(typeof (FinalizationRegistry.prototype as { cleanupSome?: unknown }).cleanupSome, "undefined");
  assert.equal(vm.runInNewContext("typeof gc"), "undefined");
  assert.equal(vm.runInNewContext("typeof FinalizationRegistry.prototype.cleanupSome"), "undefined");
});

/** A synchronous eager loop over [n, n] float32 results (256 KiB each by default); returns the final bits. */
function loop(steps: number, n = 256): Float32Array {
  const gen = tg.random.generator(3);
  const x = tg.randn([n, n], { generator: gen });
  let w = tg.randn([n, n], { generator: gen }).mul(0.05);
  for (let i = 0; i < steps; i++) {
    const h = tg.relu(tg.matmul(x, w));
    w = w.sub(tg.matmul(x.T, h).mul(1e-4));
    tg.realize(w);
  }
  return w.data() as Float32Array;
}

test("recycled results equal fresh ones bit for bit, a synchronous loop reuses its arrays, and homed arrays spare the copies", () => {
  const be = tg.getBackend() as WasmBackend;
  assert.ok(be instanceof WasmBackend);
  pauseRecycling(true);
  const in0 = be.copies.inBytes;
  const out0 = be.copies.outBytes;
  const fresh = loop(150);
  const copiedFresh = be.copies.inBytes - in0;
  const outFresh = be.copies.outBytes - out0;
  pauseRecycling(false);
  const before = { ...recycleStats };
  // the first loop starts with an empty pool; the second finds the first one's arrays
  assert.deepEqual(loop(150), fresh);
  const in1 = be.copies.inBytes;
  const out1 = be.copies.outBytes;
  const recycled = loop(150);
  const copiedRecycled = be.copies.inBytes - in1;
  const outRecycled = be.copies.outBytes - out1;
  const reused = recycleStats.recycled - before.recycled;
  const made = recycleStats.fresh - before.fresh;
  assert.deepEqual(recycled, fresh);
  assert.ok(recycleStats.collections > before.collections, "no collection ran inside the loop");
  // (forced collections are spaced out in time, so a fast loop refills the pool only now and then)
  assert.ok(reused > 0.2 * (reused + made), `expected many large results in recycled arrays: ${reused} recycled, ${made} fresh`);
  assert.ok(pooled() <= POOL_BUDGET);
  assert.ok(recycleStats.homed > before.homed, "some results were homed");
  assert.ok(be.homedPeakBytes <= HOME_BUDGET, `homed bytes at most: ${be.homedPeakBytes}`);
  // a recycled result is a view of linear memory: kernels write it and read it where it is
  assert.ok(copiedRecycled < copiedFresh / 2, `bytes copied in: ${copiedRecycled} recycled, ${copiedFresh} fresh`);
  assert.ok(outRecycled < outFresh / 2, `bytes copied out: ${outRecycled} recycled, ${outFresh} fresh`);
});

/**
 * A synchronous eager loop of extern kernels (the convolutions, a scan, sorting, a scatter) on
 * large float32 results, new values at every step; returns every result.
 */
function externLoop(steps: number): Float32Array[] {
  const gen = tg.random.generator(9);
  const w = tg.randn([16, 16, 3, 3], { generator: gen }).setRequiresGrad();
  const out: Float32Array[] = [];
  for (let i = 0; i < steps; i++) {
    const x = tg.randn([8, 16, 32, 32], { generator: gen }).setRequiresGrad();
    const y = tg.nn.functional.conv2d(x, w, { padding: 1 });
    tg.sum(tg.mul(y, y)).backward();
    const flat = tg.reshape(y, [128, 1024]).detach();
    const [sorted] = tg.sort(flat, -1);
    const index = tg.tensor(Int32Array.from({ length: 128 * 1024 }, (_, j) => (j * 7 + i) % 1024), { shape: [128, 1024], dtype: "int32" });
    const results = [y, x.grad!, w.grad!, tg.cumsum(flat, 1), sorted, tg.scatter(tg.zeros([128, 1024]), 1, index, flat)];
    w.grad = null;
    for (const r of results) out.push(r.data() as Float32Array);
  }
  return out;
}

test("extern kernels write every element of a recycled array: convolutions, a scan, sorting and a scatter give the same bits as in fresh arrays", async () => {
  await tg.init({ recycle: true });
  pauseRecycling(true);
  const fresh = externLoop(4);
  pauseRecycling(false);
  // the pool fills with arrays of the results' length holding NaN, which the loop then takes
  for (let i = 0; i < 400; i++) tg.realize(tg.full([8, 16, 32, 32], NaN));
  const before = recycleStats.recycled;
  const recycled = externLoop(4);
  assert.ok(recycleStats.recycled > before, "the loop's results should reuse arrays");
  assert.equal(recycled.length, fresh.length);
  recycled.forEach((r, i) => assert.deepEqual(r, fresh[i], `result ${i % 6} of step ${Math.floor(i / 6)}`));
});

test("in a small linear memory, homed arrays take at most a quarter of it and later results get plain arrays, with the same bits", async () => {
  const kernels = await createWasmKernels({ threads: 1, maxMemory: 16 * 2 ** 20 });
  const small = new WasmBackend(kernels);
  onBackend(small, () => {
    // (a length of its own: the pool holds no arrays of it from the tests above)
    pauseRecycling(true);
    const fresh = loop(150, 224);
    pauseRecycling(false);
    const homed = recycleStats.homed;
    const recycled = loop(150, 224);
    assert.deepEqual(recycled, fresh);
    assert.ok(recycleStats.homed > homed, "some results were homed");
    assert.ok(small.homedPeakBytes <= 4 * 2 ** 20, `homed bytes at most: ${small.homedPeakBytes}`);
  });
});

test("an eager result donated to a compiled call is not recycled while the compiled result holds its memory", async () => {
  // on the reference backend a compiled result takes over a donated host array (on the Wasm
  // backend it lives in linear memory)
  await tg.init({ backend: "cpu" });
  const step = tg.jit((p: tg.Tensor) => p.add(1), { donate: [0] });
  const a = tg.randn([256, 256], { generator: tg.random.generator(5) });
  const expected = Float32Array.from(a.data() as Float32Array, (v) => Math.fround(Math.fround(v * 2) + 1));
  const first = step(a.mul(2)); // traces
  assert.deepEqual(first.data(), expected);
  let donated: tg.Tensor | null = a.mul(2);
  tg.realize(donated);
  const kept = step(donated); // may write its result into the donated array
  donated = null;
  step(a.mul(3)); // the compiled call's own references move on to this input
  // churn: results of the same length through two collections, so a wrongly pooled array would
  // be handed out again and overwritten
  const collections = recycleStats.collections;
  for (let i = 0; i < 20_000 && recycleStats.collections < collections + 2; i++) tg.realize(a.mul(i));
  assert.ok(recycleStats.collections >= collections + 2, "the churn should have run two collections");
  assert.deepEqual(kept.data(), expected);
  await tg.init({ backend: "wasm" });
});
