// Matmul epilogues: an elementwise kernel that reads a pending matmul's product once, element for
// element, runs as that matmul's epilogue (one kernel, no buffer for the product) on backends that
// support `matmulEpilogue` — with the bits of the two kernels run one after the other.

import { test } from "node:test";
import assert from "node:assert/strict";
import * as tg from "../src/index.js";
import { scheduleStats } from "../src/backend/schedule.js";
import { ProgramCache } from "../src/backend/program-cache.js";
import type { Expr, Kernel } from "../src/backend/kernel.js";
import { onBackend } from "./backend-helpers.js";

await tg.init();
const { cpu, wasm } = tg.availableBackends();
const backends = wasm ? [cpu, wasm] : [cpu];

/** The kernels `fn` dispatches when its result is realized, and the result's values. */
function run(fn: () => tg.Tensor): { kernels: number; values: Float32Array | Float64Array } {
  const before = scheduleStats.kernels;
  const t = fn();
  tg.realize(t);
  return { kernels: scheduleStats.kernels - before, values: t.data() as Float32Array | Float64Array };
}

const bits = (a: ArrayLike<number>) => Array.from(new Uint32Array(Float32Array.from(a).buffer));

function operands(m: number, k: number, n: number, seed: number, batch?: number) {
  const gen = tg.random.generator(seed);
  const lead = batch === undefined ? [] : [batch];
  return {
    x: tg.randn([...lead, m, k], { generator: gen }),
    w: tg.randn([...lead, k, n], { generator: gen }).mul(0.3),
    b: tg.randn([n], { generator: gen }),
  };
}

for (const be of backends) {
  for (const [m, k, n] of [
    [64, 2, 16],
    [5, 7, 3],
    [128, 300, 200],
  ] as const) {
    test(`${be!.name}: relu(x·w + b) at [${m}, ${k}]·[${k}, ${n}] is one kernel with the bits of two`, () => {
      onBackend(be!, () => {
        const { x, w, b } = operands(m, k, n, m + k + n);
        tg.realize(x, w, b);
        const fused = run(() => tg.relu(tg.add(tg.matmul(x, w), b)));
        const separate = run(() => {
          const h = tg.matmul(x, w);
          tg.realize(h);
          return tg.relu(tg.add(h, b));
        });
        assert.equal(fused.kernels, 1);
        assert.equal(separate.kernels, 2);
        assert.deepEqual(bits(fused.values), bits(separate.values));
        // against the float64 product
        const ref = tg.relu(tg.add(tg.matmul(x.cast("float64"), w.cast("float64")), b.cast("float64"))).data();
        for (let i = 0; i < ref.length; i++) assert.ok(Math.abs(fused.values[i] - ref[i]) <= 1e-4 * (1 + Math.abs(ref[i])), `element ${i}`);
      });
    });
  }

  test(`${be!.name}: a batched matmul takes its epilogue; the gradient's relu mask fuses into dX's matmul`, () => {
    onBackend(be!, () => {
      const { x, w, b } = operands(6, 5, 4, 3, 3);
      tg.realize(x, w, b);
      const fused = run(() => tg.tanh(tg.matmul(x, w)).mul(b));
      const separate = run(() => {
        const h = tg.matmul(x, w);
        tg.realize(h);
        return tg.tanh(h).mul(b);
      });
      assert.equal(fused.kernels, 1);
      assert.deepEqual(bits(fused.values), bits(separate.values));

      // backward of relu(x·w1)·w2: dH = dY·w2ᵀ masked by relu's sign, one kernel
      const gen = tg.random.generator(4);
      const x2 = tg.randn([8, 6], { generator: gen });
      const w1 = tg.randn([6, 10], { generator: gen }).setRequiresGrad();
      const w2 = tg.randn([10, 3], { generator: gen }).setRequiresGrad();
      const loss = () => tg.sum(tg.matmul(tg.relu(tg.matmul(x2, w1)), w2).square());
      loss().backward();
      const g1 = w1.grad!.data().slice();
      const ref = tg.grad((a: tg.Tensor) => tg.sum(tg.matmul(tg.relu(tg.matmul(x2.cast("float64"), a)), w2.cast("float64")).square()))(w1.cast("float64")).data();
      for (let i = 0; i < ref.length; i++) assert.ok(Math.abs(g1[i] - ref[i]) <= 1e-4 * (1 + Math.abs(ref[i])), `dW1[${i}]`);
    });
  });

  test(`${be!.name}: no epilogue where the product is read twice, strided or held, and the values stay right`, () => {
    onBackend(be!, () => {
      const { x, w, b } = operands(6, 4, 6, 11);
      tg.realize(x, w, b);
      const h = () => tg.matmul(x, w);
      const alone = h().data().slice();
      // read twice: the product gets a buffer, then one elementwise kernel
      const twice = run(() => {
        const p = h();
        return tg.mul(p, tg.sigmoid(p));
      });
      assert.equal(twice.kernels, 2);
      // read transposed: not element for element
      const transposed = run(() => tg.add(h().transpose(0, 1), b));
      assert.equal(transposed.kernels, 2);
      const t = tg.tensor(Array.from(alone), { shape: [6, 6] }).transpose(0, 1).add(b).data();
      assert.deepEqual(bits(transposed.values), bits(t));
      // a product fused into its consumer and read afterwards is computed for that read, the same
      const p = h();
      const y = tg.relu(tg.add(p, b));
      tg.realize(y);
      assert.deepEqual(bits(p.data()), bits(alone));
      // a result of another dtype (a comparison's mask) is not an epilogue; cast back to the product's, it is
      const mask = run(() => tg.gt(h(), 0));
      assert.equal(mask.kernels, 2);
      assert.deepEqual(Array.from(mask.values, Number), Array.from(alone, (v) => (v > 0 ? 1 : 0)));
      const cast = run(() => tg.gt(h(), 0).cast("float32"));
      assert.equal(cast.kernels, 1);
      assert.deepEqual(Array.from(cast.values), Array.from(alone, (v) => (v > 0 ? 1 : 0)));
    });
  });

  test(`${be!.name}: a jitted layer with its epilogue gives the eager bits, and a donated SGD step updates in place`, () => {
    onBackend(be!, () => {
      const { x, w, b } = operands(16, 8, 12, 21);
      const layer = (xx: tg.Tensor, ww: tg.Tensor, bb: tg.Tensor) => tg.relu(tg.add(tg.matmul(xx, ww), bb));
      const eager = layer(x, w, b).data().slice();
      const jitted = tg.jit(layer);
      for (let i = 0; i < 3; i++) assert.deepEqual(bits(jitted(x, w, b).data()), bits(eager));

      // p − lr·(xᵀ·g): the gradient's matmul keeps its own kernel so the update can overwrite p
      const g = tg.randn([16, 12], { generator: tg.random.generator(2) });
      const sgd = (p: tg.Tensor, xx: tg.Tensor, gg: tg.Tensor) => tg.sub(p, tg.mul(tg.matmul(xx.transpose(0, 1), gg), 0.1));
      let p = w.add(0);
      let q = w.add(0);
      const step = tg.jit(sgd, { donate: [0] });
      for (let i = 0; i < 4; i++) {
        q = sgd(q, x, g);
        p = step(p, x, g);
        assert.deepEqual(bits(p.data()), bits(q.data()), `step ${i}`);
      }
    });
  });
}

test("the program cache tells epilogues apart by expression and layout, not by constants", () => {
  const F = "float32";
  const input = (index: number): Expr => ({ op: "input", index, dtype: F });
  const matmul = (expr: Expr, consts: number[], strides: number[]): Kernel => ({
    kind: "matmul", dtype: F, batch: 1, m: 4, n: 3, k: 2,
    a: { offset: 0, batchStride: 0, trans: false }, b: { offset: 0, batchStride: 0, trans: false },
    epilogue: { shape: [4, 3], expr, product: 0, consts, inputs: [{ dtype: F, strides: [3, 1], offset: 0 }, { dtype: F, strides, offset: 0 }] },
  });
  const scaled: Expr = { op: "binary", fn: "mul", a: input(0), b: { op: "binary", fn: "add", a: input(1), b: { op: "const", index: 0, dtype: F }, dtype: F }, dtype: F };
  const summed: Expr = { op: "binary", fn: "add", a: input(0), b: input(1), dtype: F };
  const cache = new ProgramCache(16);
  const exe = {};
  cache.set(matmul(scaled, [2], [0, 1]), exe);
  assert.equal(cache.get(matmul(scaled, [5], [0, 1])), exe);
  assert.equal(cache.get(matmul(summed, [], [0, 1])), undefined);
  assert.equal(cache.get(matmul(scaled, [2], [3, 1])), undefined);
  const bare: Kernel = { kind: "matmul", dtype: F, batch: 1, m: 4, n: 3, k: 2, a: { offset: 0, batchStride: 0, trans: false }, b: { offset: 0, batchStride: 0, trans: false } };
  assert.equal(cache.get(bare), undefined);
});
