// The program cache: kernel descriptions that differ only in their constants' values (or an
// indexing kernel's site label) share a program; any other difference gets a program of its own.
// Also, through the public API, that eager steps of a fixed shape stop compiling after the first.

import { test } from "node:test";
import assert from "node:assert/strict";
import * as tg from "../src/index.js";
import type { Expr, Kernel } from "../src/backend/kernel.js";
import { ProgramCache } from "../src/backend/program-cache.js";
import { scheduleStats } from "../src/backend/schedule.js";

const f32 = "float32" as const;
const inp = (index: number, dtype: Expr["dtype"] = f32): Expr => ({ op: "input", index, dtype });
const cst = (index: number): Expr => ({ op: "const", index, dtype: f32 });
const bin = (fn: "add" | "mul" | "sub", a: Expr, b: Expr): Expr => ({ op: "binary", fn, a, b, dtype: f32 });

function elementwise(over: Partial<Extract<Kernel, { kind: "elementwise" }>> = {}): Kernel {
  return {
    kind: "elementwise",
    dtype: f32,
    shape: [4, 3],
    inputs: [{ dtype: f32, strides: [3, 1], offset: 0 }, { dtype: f32, strides: [0, 1], offset: 2 }],
    consts: [0.5],
    expr: bin("add", bin("mul", inp(0), cst(0)), inp(1)),
    ...over,
  };
}

/** A cache holding one program for `k`: returns whether `other` finds it. */
function shares(k: Kernel, other: Kernel): boolean {
  const cache = new ProgramCache(100);
  const exe = {};
  cache.set(k, exe);
  const found = cache.get(other);
  assert.ok(found === undefined || found === exe);
  return found === exe;
}

test("kernels that differ only in constant values share a program; fresh but equal descriptions find it", () => {
  const k = elementwise();
  assert.ok(shares(k, elementwise({ consts: [-7] })));
  // a structurally equal expression built afresh (as fusion builds one per kernel)
  assert.ok(shares(k, elementwise({ expr: bin("add", bin("mul", inp(0), cst(0)), inp(1)), inputs: [{ dtype: f32, strides: [3, 1], offset: 0 }, { dtype: f32, strides: [0, 1], offset: 2 }] })));
});

test("any other difference in an elementwise or reduce kernel gets its own program", () => {
  const k = elementwise();
  const layouts = (k as Extract<Kernel, { kind: "elementwise" }>).inputs;
  const differing: Kernel[] = [
    elementwise({ shape: [3, 4] }),
    elementwise({ shape: [12] }),
    elementwise({ dtype: "int32" }),
    elementwise({ inputs: [layouts[0], { ...layouts[1], offset: 0 }] }),
    elementwise({ inputs: [layouts[0], { ...layouts[1], strides: [1, 0] }] }),
    elementwise({ inputs: [layouts[0], { ...layouts[1], dtype: "float64" }] }),
    elementwise({ inputs: [layouts[0]] }),
    elementwise({ expr: bin("sub", bin("mul", inp(0), cst(0)), inp(1)) }),
    elementwise({ expr: bin("add", inp(1), bin("mul", inp(0), cst(0))) }),
    elementwise({ expr: bin("add", bin("mul", inp(0), inp(1)), inp(1)) }),
    elementwise({ expr: bin("add", { op: "unary", fn: "neg", x: bin("mul", inp(0), cst(0)), dtype: f32 }, inp(1)) }),
    elementwise({ expr: bin("add", { op: "cast", x: bin("mul", inp(0), cst(0)), dtype: f32 }, inp(1)) }),
  ];
  for (const d of differing) assert.ok(!shares(k, d), JSON.stringify(d));
  const r: Kernel = { kind: "reduce", op: "sum", dtype: f32, outer: 2, len: 3, inner: 4, inputs: [{ dtype: f32, strides: [1], offset: 0 }], consts: [], expr: inp(0) };
  assert.ok(shares(r, { ...r, inputs: [{ dtype: f32, strides: [1], offset: 0 }] }));
  for (const d of [{ ...r, op: "max" as const }, { ...r, len: 4, inner: 3 }, { ...r, outer: 1 }, { ...r, expr: { op: "unary" as const, fn: "exp" as const, x: inp(0), dtype: f32 } }])
    assert.ok(!shares(r, d), JSON.stringify(d));
});

test("matmul, softmax, indexing, concat, pad and extern kernels are told apart by every field of their programs", () => {
  const m: Kernel = { kind: "matmul", dtype: f32, batch: 1, m: 2, n: 3, k: 4, a: { offset: 0, batchStride: 0, trans: false }, b: { offset: 0, batchStride: 0, trans: false } };
  assert.ok(shares(m, { ...m, a: { offset: 0, batchStride: 0, trans: false } }));
  for (const d of [{ ...m, n: 4, k: 3 }, { ...m, batch: 2 }, { ...m, a: { ...m.a, trans: true } }, { ...m, b: { ...m.b, offset: 1 } }, { ...m, b: { ...m.b, batchStride: 12 } }])
    assert.ok(!shares(m, d), JSON.stringify(d));
  const s: Kernel = { kind: "softmax", op: "softmax", dtype: f32, outer: 2, len: 5, inner: 1 };
  assert.ok(!shares(s, { ...s, op: "logSoftmax" }));
  assert.ok(!shares(s, { kind: "argReduce", op: "argmax", dtype: f32, outer: 2, len: 5, inner: 1 }));
  const g: Kernel = { kind: "gather", dtype: f32, outer: 1, xLen: 5, idxLen: 3, inner: 2, site: { op: "take", axis: 0 } };
  assert.ok(shares(g, { ...g, site: { op: "embedding", axis: 1 } }), "the site is a label, not part of the program");
  assert.ok(shares(g, { ...g, negative: "wrap" }), "wrap is the default");
  assert.ok(!shares(g, { ...g, negative: "error" }));
  assert.ok(!shares(g, { ...g, kind: "indexSelect" }));
  const c: Kernel = { kind: "concat", dtype: f32, outer: 2, lens: [1, 2], inner: 3 };
  assert.ok(shares(c, { ...c, lens: [1, 2] }));
  assert.ok(!shares(c, { ...c, lens: [2, 1] }));
  const p: Kernel = { kind: "pad", dtype: f32, shape: [2, 2], before: [1, 0], after: [0, 1], value: 0 };
  assert.ok(!shares(p, { ...p, before: [0, 1], after: [1, 0] }));
  assert.ok(!shares(p, { ...p, value: -0 }), "a pad value is part of the program, -0 included");
  assert.ok(shares({ ...p, value: NaN }, { ...p, value: NaN }));
  const x: Kernel = { kind: "extern", name: "im2col", dtype: f32, inputs: [f32], size: 8, params: { k: [3, 3], stride: 1 } };
  assert.ok(shares(x, { ...x, params: { k: [3, 3], stride: 1 } }));
  assert.ok(!shares(x, { ...x, params: { k: [3, 3], stride: 2 } }));
  assert.ok(!shares(x, { ...x, name: "col2im" }));
  assert.ok(!shares(x, { ...x, inputs: [f32, f32] }));
});

test("the cache starts over past its capacity", () => {
  const cache = new ProgramCache(2);
  const ks = [elementwise(), elementwise({ shape: [12] }), elementwise({ shape: [3, 4] })];
  ks.forEach((k, i) => cache.set(k, { i }));
  assert.equal(cache.get(ks[0]), undefined);
  assert.deepEqual(cache.get(ks[2]), { i: 2 });
});

test("eager training steps of a fixed shape compile nothing once the first two have run", () => {
  const x = tg.tensor(new Float32Array(64 * 2).map((_, i) => Math.sin(i)), { dtype: "float32", shape: [64, 2] });
  const w = tg.tensor(new Float32Array(2 * 16).map((_, i) => Math.cos(i)), { dtype: "float32", shape: [2, 16] }).setRequiresGrad();
  const b = tg.zeros([16], "float32").setRequiresGrad();
  const opt = new tg.optim.SGD([w, b], { lr: 0.1 });
  const step = (): number => {
    opt.zeroGrad();
    const loss = tg.mean(tg.square(tg.relu(tg.add(tg.matmul(x, w), b))));
    loss.backward();
    opt.step();
    return loss.item();
  };
  // the first step reads realized parameters, the second the first's pending updates: after that every step looks the same
  step();
  step();
  const before = scheduleStats.compiled;
  const kernels = scheduleStats.kernels;
  const losses = [step(), step(), step()];
  assert.equal(scheduleStats.compiled, before, "no new programs");
  assert.ok(scheduleStats.kernels > kernels, "the steps ran kernels");
  assert.ok(losses[2] < losses[0], `the loss falls: ${losses.join(", ")}`);
});
