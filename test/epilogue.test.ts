// Matmul epilogues: a matmul read element for element by one elementwise consumer becomes one
// kernel with it (bias + activation, a gradient's mask, an optimizer's update), on the backends
// that support it. The fused kernel must give the unfused pair's bits exactly: the product is
// rounded to its dtype before the epilogue reads it, so nothing reassociates.

import { test } from "node:test";
import assert from "node:assert/strict";
import * as tg from "../src/index.js";
import type { Backend, KernelOp } from "../src/backend/kernel.js";
import type { DType } from "../src/core/dtype.js";
import { scheduleStats } from "../src/backend/schedule.js";
import { WasmBackend } from "../src/backend/wasm-backend.js";
import { createWasmKernels } from "../src/backend/wasm/index.js";

const kernels1 = await createWasmKernels({ threads: 1 });
const kernels2 = await createWasmKernels({ threads: 2 });
/** The same backend declining epilogues: the scheduler must then run the matmul on its own. */
function declining(be: Backend): Backend {
  return Object.create(be, { supports: { value: (op: KernelOp, d: DType) => op !== "matmulEpilogue" && be.supports(op, d) } }) as Backend;
}
const wasm = new WasmBackend(kernels2);
const backends: [string, Backend, DType][] = [
  ["wasm (2 threads)", wasm, "float32"],
  // every product and epilogue on the SIMD paths, however small
  ["wasm (1 thread, SIMD kernels at every size)", new WasmBackend(kernels1, { minElements: 0, minGemmWork: 0 }), "float32"],
  ["cpu float32", tg.cpuBackend, "float32"],
  ["cpu float64", tg.cpuBackend, "float64"],
];

function withBackend<T>(be: Backend, fn: () => T): T {
  const before = tg.getBackend();
  tg.setBackend(be);
  try {
    return fn();
  } finally {
    tg.setBackend(before);
  }
}

const bits = (t: tg.Tensor): number[] => {
  const d = t.data() as Float32Array | Float64Array;
  return Array.from(new Uint8Array(d.buffer, d.byteOffset, d.byteLength));
};

/** Kernels dispatched while `t` is realized (its inputs already realized). */
function kernelsFor(t: tg.Tensor): number {
  const before = scheduleStats.kernels;
  t.data();
  return scheduleStats.kernels - before;
}

const rand = (shape: number[], seed: number, dtype: DType) => {
  const t = tg.randn(shape, { generator: tg.random.generator(seed), dtype: dtype as "float32" });
  t.data();
  return t;
};

// [m, k, n, batch, A stored transposed, B stored transposed]
const SHAPES: [number, number, number, number, boolean, boolean][] = [
  [64, 2, 16, 1, false, false],
  [64, 16, 4, 1, false, true],
  [2, 64, 16, 1, true, false],
  [33, 70, 45, 1, false, false],
  [37, 129, 67, 1, true, true],
  [5, 7, 9, 3, false, false],
];

const EPILOGUES: [string, (p: tg.Tensor, bias: tg.Tensor, full: tg.Tensor) => tg.Tensor][] = [
  ["relu(p + bias)", (p, bias) => tg.relu(tg.add(p, bias))],
  ["full − 0.1·p (an SGD update)", (p, _b, full) => tg.sub(full, tg.mul(p, 0.1))],
  ["p · sign(full) (a ReLU mask)", (p, _b, full) => tg.mul(p, tg.sign(full))],
  ["tanh(p)·2 + bias", (p, bias) => tg.add(tg.mul(tg.tanh(p), 2), bias)],
];

test("a matmul's elementwise consumer runs as its epilogue: one kernel, and the unfused pair's bits", () => {
  for (const [name, be, dtype] of backends)
    withBackend(be, () => {
      for (const [m, k, n, batch, ta, tb] of SHAPES) {
        const lead = batch > 1 ? [batch] : [];
        const a0 = rand(ta ? [...lead, k, m] : [...lead, m, k], 1, dtype);
        const b0 = rand(tb ? [...lead, n, k] : [...lead, k, n], 2, dtype);
        const a = ta ? tg.transpose(a0, -1, -2) : a0;
        const b = tb ? tg.transpose(b0, -1, -2) : b0;
        const bias = rand([n], 3, dtype);
        const full = rand([...lead, m, n], 4, dtype);
        for (const [what, epi] of EPILOGUES) {
          const label = `${name}: ${what} at ${m}×${k}×${n}${batch > 1 ? ` ×${batch}` : ""}${ta ? " Aᵀ" : ""}${tb ? " Bᵀ" : ""}`;
          const fused = epi(tg.matmul(a, b), bias, full);
          assert.equal(kernelsFor(fused), 1, `${label}: one kernel`);
          const p = tg.matmul(a, b);
          tg.realize(p);
          const unfused = epi(p, bias, full);
          assert.deepEqual(bits(fused), bits(unfused), label);
          // a backend without epilogues runs the two kernels, with the same bits
          if (dtype === "float32" && be === wasm) {
            const two = withBackend(declining(be), () => {
              const y = epi(tg.matmul(a, b), bias, full);
              return [kernelsFor(y), bits(y)] as const;
            });
            assert.equal(two[0], 2, `${label}: declined`);
            assert.deepEqual(two[1], bits(unfused), `${label}: declined`);
          }
        }
      }
    });
});

test("a product read twice, or realized itself, or read through a broadcast, keeps its own kernel", () => {
  for (const [name, be, dtype] of backends)
    withBackend(be, () => {
      const a = rand([24, 40], 5, dtype);
      const b = rand([40, 32], 6, dtype);
      const twice = tg.mul(tg.matmul(a, b), tg.matmul(a, b).neg());
      assert.equal(kernelsFor(twice), 2, `${name}: two products, one taken as the epilogue's`);
      const p = tg.matmul(a, b);
      const sq = tg.mul(p, p);
      assert.equal(kernelsFor(sq), 2, `${name}: a product read twice`);
      const q = tg.matmul(a, b);
      const r = tg.relu(q);
      const before = scheduleStats.kernels;
      tg.realize(q, r);
      assert.equal(scheduleStats.kernels - before, 2, `${name}: a realized product`);
      const col = tg.matmul(a, rand([40, 1], 7, dtype));
      const wide = tg.add(col, rand([24, 32], 8, dtype));
      assert.equal(kernelsFor(wide), 2, `${name}: a broadcast read of the product`);
      const ref = tg.add(withRealized(col), rand([24, 32], 8, dtype));
      assert.deepEqual(bits(wide), bits(ref), name);
    });
});

function withRealized(t: tg.Tensor): tg.Tensor {
  tg.realize(t);
  return t;
}

test("a product fused into an epilogue is still there for a tensor that holds it", () => {
  for (const [name, be, dtype] of backends)
    withBackend(be, () => {
      const a = rand([20, 30], 9, dtype);
      const b = rand([30, 40], 10, dtype);
      const p = tg.matmul(a, b);
      const y = tg.relu(p);
      assert.equal(kernelsFor(y), 1);
      const ref = tg.matmul(a, b);
      tg.realize(ref);
      assert.deepEqual(bits(p), bits(ref), name);
      assert.deepEqual(bits(y), bits(tg.relu(ref)), name);
    });
});

test("tg.jit: an update fused into the matmul of its gradient writes the donated parameter in place and matches eager", () => {
  withBackend(wasm, () => {
    const x = rand([8, 64], 11, "float32");
    const g = rand([8, 64], 12, "float32");
    const update = (w: tg.Tensor, xb: tg.Tensor, gb: tg.Tensor) => tg.sub(w, tg.mul(tg.matmul(tg.transpose(xb, 0, 1), gb), 0.01));
    const step = tg.jit(update, { donate: [0] });
    let w = rand([64, 64], 13, "float32");
    let we = tg.tensor(w.data().slice(), { shape: [64, 64] });
    for (let i = 0; i < 4; i++) {
      const kernelsBefore = scheduleStats.kernels;
      const inBefore = wasm.copies.inBytes;
      w = step(w, x, g);
      assert.equal(scheduleStats.kernels - kernelsBefore, 1, "one kernel: the matmul with the update as its epilogue");
      // after the first call the parameter stays in linear memory: only x and g (2 KiB each) and the learning rate come in
      if (i > 0) assert.ok(wasm.copies.inBytes - inBefore <= 2 * 8 * 64 * 4 + 64, `call ${i}: ${wasm.copies.inBytes - inBefore} bytes copied in`);
      we = update(we, x, g);
    }
    assert.deepEqual(bits(w), bits(we));
  });
});
