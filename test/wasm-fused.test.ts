// Fused elementwise and reduction kernels rendered to Wasm SIMD from the op table. Each kernel
// description runs three ways: on the Wasm backend (float32), as the JavaScript rendering in
// float32 (which rounds every intermediate, so it is what the unfused operations give) and as
// the JavaScript rendering in float64 (the reference). Kernels made only of ops whose Wasm form
// is exact must match the float32 JavaScript rendering bit for bit; all must match the
// reference to float32 accuracy (the tolerance of backends.test.ts).

import { test } from "node:test";
import assert from "node:assert/strict";
import * as tg from "../src/index.js";
import type { DType, TypedArray } from "../src/core/dtype.js";
import type { BinaryOp, Expr, InputLayout, Kernel, ReduceOp, UnaryOp } from "../src/backend/kernel.js";
import { BINARY_OPS, UNARY_OPS, isCompare } from "../src/backend/ops.js";
import { compileHost } from "../src/backend/cpu/index.js";
import { scheduleStats } from "../src/backend/schedule.js";
import { WasmBackend } from "../src/backend/wasm-backend.js";
import { createWasmKernels } from "../src/backend/wasm/index.js";
import { wasmExact } from "../src/backend/wasm/fused-expr.js";
import { assertClose } from "./backend-helpers.js";

const kernels = await createWasmKernels({ threads: 1 });
const be = new WasmBackend(kernels, { minElements: 0, minGemmWork: 0 });

// ---- expression builders ----
const F = "float32";
const x = (index: number): Expr => ({ op: "input", index, dtype: F });
const c = (index: number): Expr => ({ op: "const", index, dtype: F });
const un = (fn: UnaryOp, a: Expr): Expr => ({ op: "unary", fn, x: a, dtype: F });
const bin = (fn: BinaryOp, a: Expr, b: Expr): Expr => ({ op: "binary", fn, a, b, dtype: isCompare(fn) ? "bool" : F });
const where = (cond: Expr, a: Expr, b: Expr): Expr => ({ op: "where", cond, a, b, dtype: F });
const cast = (a: Expr, dtype: DType): Expr => ({ op: "cast", x: a, dtype });

/** The same expression in float64 (bool nodes stay bool). */
function to64(e: Expr): Expr {
  const d = (t: DType): DType => (t === "float32" ? "float64" : t);
  switch (e.op) {
    case "input":
    case "const":
      return { ...e, dtype: d(e.dtype) };
    case "unary":
      return { ...e, x: to64(e.x), dtype: d(e.dtype) };
    case "binary":
      return { ...e, a: to64(e.a), b: to64(e.b), dtype: d(e.dtype) };
    case "where":
      return { ...e, cond: to64(e.cond), a: to64(e.a), b: to64(e.b), dtype: d(e.dtype) };
    case "cast":
      return { ...e, x: to64(e.x), dtype: d(e.dtype) };
  }
}

type Elementwise = Extract<Kernel, { kind: "elementwise" }>;
type Reduce = Extract<Kernel, { kind: "reduce" }>;

const SPECIALS = [0, -0, NaN, Infinity, -Infinity, 1, -1, 0.5, -2.5, 3e-39, 1e30];

/**
 * Random float32 data in [-3, 3]. With `digit` ≥ 0 every third element is a special value, input
 * `digit` taking digit `digit` of the position in base SPECIALS.length, so that inputs 0 and 1 meet
 * in every pair of special values.
 */
function data(len: number, seed: number, digit = -1): Float32Array {
  const out = new Float32Array(len);
  let s = seed * 2654435761;
  for (let i = 0; i < len; i++) {
    s = (Math.imul(s, 1103515245) + 12345) | 0;
    out[i] = ((s >>> 8) / 2 ** 24) * 6 - 3;
    if (digit >= 0 && i % 3 === 0) out[i] = SPECIALS[Math.floor(i / 3 / SPECIALS.length ** digit) % SPECIALS.length];
  }
  return out;
}

/** Buffer length an input needs: its largest element index read, plus one. */
function reach(l: InputLayout, shape: readonly number[]): number {
  let hi = l.offset;
  shape.forEach((d, i) => (hi += Math.max(0, (d - 1) * l.strides[i])));
  return hi + 1;
}

function runOn(exec: (k: Kernel, inputs: TypedArray[], out: TypedArray) => void, k: Kernel, inputs: TypedArray[], size: number, dtype: DType): TypedArray {
  const out = dtype === "float64" ? new Float64Array(size) : new Float32Array(size);
  exec(k, inputs, out);
  return out;
}

const wasmRun = (k: Kernel, inputs: TypedArray[], out: TypedArray) => be.dispatch(be.compile(k), k, inputs, out);
const hostRun = (k: Kernel, inputs: TypedArray[], out: TypedArray) => compileHost(k, { error: null })(inputs, out, k);

/** Same float32 bits, any NaN matching any NaN. */
function assertSameBits(actual: TypedArray, expected: TypedArray, what: string): void {
  assert.equal(actual.length, expected.length, `${what}: length`);
  const a = new Uint32Array(new Float32Array(actual).buffer);
  const e = new Uint32Array(new Float32Array(expected).buffer);
  for (let i = 0; i < e.length; i++) {
    if (Number.isNaN(expected[i]) && Number.isNaN(actual[i])) continue;
    assert.ok(a[i] === e[i], `${what}[${i}]: ${actual[i]} vs ${expected[i]} (bits differ)`);
  }
}

/** Runs an elementwise kernel three ways and checks it; returns whether it was checked bit for bit. */
function checkElementwise(what: string, shape: number[], layouts: { strides: number[]; offset?: number }[], expr: Expr, consts: number[] = [], specials = false): boolean {
  const inputs: InputLayout[] = layouts.map((l) => ({ dtype: F, strides: l.strides, offset: l.offset ?? 0 }));
  const k: Elementwise = { kind: "elementwise", dtype: F, shape, inputs, consts, expr };
  const k64: Elementwise = { ...k, dtype: "float64", inputs: inputs.map((l) => ({ ...l, dtype: "float64" })), expr: to64(expr) };
  const size = shape.reduce((a, b) => a * b, 1);
  const arrays = inputs.map((l, j) => data(reach(l, shape), 7 * j + shape.length, specials ? j : -1));
  const before = be.rendered.elementwise;
  const got = runOn(wasmRun, k, arrays, size, F);
  assert.equal(be.rendered.elementwise, before + 1, `${what}: rendered to Wasm`);
  const js32 = runOn(hostRun, k, arrays, size, F);
  const ref = runOn(hostRun, k64, arrays.map((a) => Float64Array.from(a)), size, "float64");
  // float32 overflows where float64 does not (1e30²), so special values are checked against the float32 JS form only
  if (!specials) assertClose(got, ref, `${what} vs float64`);
  const exact = wasmExact(expr);
  if (exact) assertSameBits(got, js32, `${what} vs JS float32`);
  else assertClose(got, js32, `${what} vs JS float32`);
  return exact;
}

function checkReduce(what: string, op: ReduceOp, [outer, len, inner]: [number, number, number], strides: number[], expr: Expr, consts: number[] = [], specials = false): void {
  const n = outer * len * inner;
  const inputs: InputLayout[] = strides.map((s, j) => ({ dtype: F, strides: [s], offset: j }));
  const k: Reduce = { kind: "reduce", op, dtype: F, outer, len, inner, inputs, consts, expr };
  const k64: Reduce = { ...k, dtype: "float64", inputs: inputs.map((l) => ({ ...l, dtype: "float64" })), expr: to64(expr) };
  const arrays = inputs.map((l, j) => data(reach(l, [n]), 11 * j + 3, specials ? j : -1));
  const before = be.rendered.reduce;
  const got = runOn(wasmRun, k, arrays, outer * inner, F);
  assert.equal(be.rendered.reduce, before + 1, `${what}: rendered to Wasm`);
  const ref = runOn(hostRun, k64, arrays.map((a) => Float64Array.from(a)), outer * inner, "float64");
  if (!specials) assertClose(got, ref, `${what} vs float64`);
  if ((op === "max" || op === "min") && wasmExact(expr)) {
    // order does not matter to max/min, so these match the float32 JS rendering exactly (±0 ties aside)
    const js32 = runOn(hostRun, k, arrays, outer * inner, F);
    for (let i = 0; i < js32.length; i++) assert.ok(got[i] === js32[i] || (Number.isNaN(got[i]) && Number.isNaN(js32[i])), `${what}[${i}]`);
  }
}

test("fused elementwise kernels over contiguous, broadcast, scalar and strided inputs", () => {
  // relu(x·w + b): w a broadcast row, b a scalar
  assert.ok(checkElementwise("relu(x·w + b)", [33, 70], [{ strides: [70, 1] }, { strides: [0, 1] }, { strides: [0, 0] }], un("relu", bin("add", bin("mul", x(0), x(1)), x(2)))));
  // sigmoid(a)·b − c/2: b a row, c a column, 2 a runtime constant
  checkElementwise("sigmoid(a)·b − c/2", [40, 25], [{ strides: [25, 1] }, { strides: [0, 1] }, { strides: [1, 0] }],
    bin("sub", bin("mul", un("sigmoid", x(0)), x(1)), bin("div", x(2), c(0))), [2]);
  // where(a > b, a·k, b − a) with b stored transposed (gathered at stride 63 along the row)
  assert.ok(checkElementwise("where(a > b, a·k, b − a)", [7, 9, 13], [{ strides: [117, 13, 1] }, { strides: [1, 7, 63] }],
    where(bin("gt", x(0), x(1)), bin("mul", x(0), c(0)), bin("sub", x(1), x(0))), [0.3]));
  // a slice (offset, outer stride 40) and a flipped input (negative outer stride)
  assert.ok(checkElementwise("[a < 0]·a + maximum(a, b) − minimum(b, f)", [20, 30], [{ strides: [30, 1] }, { strides: [40, 1], offset: 5 }, { strides: [-30, 1], offset: 570 }],
    bin("sub", bin("add", bin("mul", cast(bin("lt", x(0), c(0)), F), x(0)), bin("maximum", x(0), x(1))), bin("minimum", x(1), x(2))), [0]));
  // exp/log/tanh through the vecmath approximations
  checkElementwise("log(exp(a) + 1)·tanh(b)", [301], [{ strides: [1] }, { strides: [0] }], bin("mul", un("log", bin("add", un("exp", x(0)), c(0))), un("tanh", x(1))), [1]);
  // a broadcast middle dimension: [4, 5, 6] + [4, 1, 6]
  assert.ok(checkElementwise("abs(a) − sqrt(abs(b))·sign(a)", [4, 5, 6], [{ strides: [30, 6, 1] }, { strides: [6, 0, 1] }],
    bin("sub", un("abs", x(0)), bin("mul", un("sqrt", un("abs", x(1))), un("sign", x(0))))));
  // a 0-d kernel and a float32 condition
  assert.ok(checkElementwise("0-d where(a, −b, b)", [], [{ strides: [] }, { strides: [] }], where(x(0), un("neg", x(1)), x(1))));
  // short rows (built unrolled): a classifier's [64, 4] softmax backward, g − exp(y)·s with s a column
  checkElementwise("g − exp(y)·s, rows of four", [64, 4], [{ strides: [4, 1] }, { strides: [4, 1] }, { strides: [1, 0] }], bin("sub", x(0), bin("mul", un("exp", x(1)), x(2))));
  assert.ok(checkElementwise("relu(a + b), rows of 18", [9, 18], [{ strides: [18, 1] }, { strides: [0, 1] }], un("relu", bin("add", x(0), x(1)))));
  // a single operation renders through the same path
  assert.ok(checkElementwise("a − lr·g", [1003], [{ strides: [1] }, { strides: [1] }], bin("sub", x(0), bin("mul", c(0), x(1))), [0.01]));
});

test("exact ops match the JS rendering bit for bit on ±0, NaN, ±inf and subnormals", () => {
  const layouts = [{ strides: [1] }, { strides: [1] }];
  for (const fn of ["maximum", "minimum", "add", "sub", "mul", "div"] as const) {
    assert.ok(checkElementwise(fn, [3 * SPECIALS.length ** 2], layouts, bin(fn, x(0), x(1)), [], true));
  }
  assert.ok(checkElementwise("where(a ≥ b, relu(a), sign(b))", [600], layouts, where(bin("ge", x(0), x(1)), un("relu", x(0)), un("sign", x(1))), [], true));
  assert.ok(checkElementwise("[a == b] + [a != b]·2", [600], layouts, bin("add", cast(bin("eq", x(0), x(1)), F), bin("mul", cast(bin("ne", x(0), x(1)), F), c(0))), [2], true));
  assert.ok(checkElementwise("cast(cast(a, bool), f32)", [600], [{ strides: [1] }], cast(cast(x(0), "bool"), F), [], true));
});

test("every op with a Wasm form in the op table renders and agrees with its JS form", () => {
  const layouts = [{ strides: [1] }, { strides: [1] }];
  for (const [fn, forms] of Object.entries(UNARY_OPS)) {
    if (!forms.wasm) continue;
    const exact = checkElementwise(`unary ${fn}`, [257], layouts.slice(0, 1), un(fn as UnaryOp, x(0)), [], true);
    assert.equal(exact, forms.wasm.exact, fn);
  }
  for (const [fn, forms] of Object.entries(BINARY_OPS)) {
    if (!forms.wasm) continue;
    const e = bin(fn as BinaryOp, x(0), x(1));
    checkElementwise(`binary ${fn}`, [257], layouts, isCompare(fn as BinaryOp) ? cast(e, F) : e, [], true);
  }
});

test("reductions with an elementwise prologue", () => {
  // (sums longer than 1,024 accumulate in float64 in JavaScript instead)
  checkReduce("sum(a·b)", "sum", [1, 1003, 1], [1, 1], bin("mul", x(0), x(1)));
  checkReduce("sum(a·b, -1)", "sum", [30, 77, 1], [1, 1], bin("mul", x(0), x(1)));
  checkReduce("sum(a − k, 1) inner > 1", "sum", [3, 17, 6], [1], bin("sub", x(0), c(0)), [0.25]);
  checkReduce("max(relu(a) − k·b, 0)", "max", [1, 40, 53], [1, 1], bin("sub", un("relu", x(0)), bin("mul", c(0), x(1))), [1.5]);
  checkReduce("max(a·s, -1) with a scalar s", "max", [9, 31, 1], [1, 0], bin("mul", x(0), x(1)));
  checkReduce("min(a + b) with NaN and ±inf", "min", [5, 33, 3], [1, 1], bin("add", x(0), x(1)), [], true);
  checkReduce("prod(1 + a/8)", "prod", [4, 10, 1], [1], bin("add", c(0), bin("div", x(0), c(1))), [1, 8]);
  checkReduce("sum(exp(a))", "sum", [2, 1000, 1], [1], un("exp", x(0)));
  // short rows and columns (built unrolled)
  checkReduce("sum(a·b, -1), rows of four", "sum", [64, 4, 1], [1, 1], bin("mul", x(0), x(1)));
  checkReduce("max(a, -1), rows of seven", "max", [10, 7, 1], [1], x(0));
  checkReduce("sum(a, 0) over sixteen columns", "sum", [1, 64, 16], [1], x(0));
});

test("tensor expressions fuse into one Wasm kernel each and match the float64 reference", () => {
  const gen = tg.random.generator(5);
  const xs = tg.randn([64, 48], { generator: gen, dtype: "float64" });
  const w = tg.randn([48], { generator: gen, dtype: "float64" });
  const b = tg.randn([64, 1], { generator: gen, dtype: "float64" });
  const y = tg.randn([64, 48], { generator: gen, dtype: "float64" });
  type Case = [string, (x: tg.Tensor, w: tg.Tensor, b: tg.Tensor, y: tg.Tensor) => tg.Tensor];
  // a reduction's prologue fuses where its reads are flat or scalar over the reduced block (schedule.ts),
  // so broadcast rows and columns appear in the elementwise cases
  const cases: Case[] = [
    ["relu(x·w + b)", (x, w, b) => x.mul(w).add(b).relu()],
    ["sigmoid(x)·w − b/2", (x, w, b) => x.sigmoid().mul(w).sub(b.div(2))],
    ["where(x > w, x, b)", (x, w, b) => tg.where(x.gt(w), x, b)],
    ["sum(x·y, 1)", (x, _w, _b, y) => x.mul(y).sum(1)],
    ["max(relu(x) − y/2, 0)", (x, _w, _b, y) => x.relu().sub(y.div(2)).amax(0)],
  ];
  for (const [what, f] of cases) {
    const expected = f(xs, w, b, y).data();
    const kernels0 = scheduleStats.kernels;
    const rendered0 = be.rendered.elementwise + be.rendered.reduce;
    const prev = tg.getBackend();
    tg.setBackend(be);
    let got: ArrayLike<number>;
    try {
      const args = [xs, w, b, y].map((t) => t.cast("float32"));
      for (const a of args) a.data();
      const k0 = scheduleStats.kernels;
      const r0 = be.rendered.elementwise + be.rendered.reduce;
      got = f(args[0], args[1], args[2], args[3]).data();
      assert.equal(scheduleStats.kernels - k0, 1, `${what}: one kernel`);
      assert.equal(be.rendered.elementwise + be.rendered.reduce - r0, 1, `${what}: rendered to Wasm`);
    } finally {
      tg.setBackend(prev);
    }
    assert.ok(scheduleStats.kernels > kernels0 && be.rendered.elementwise + be.rendered.reduce > rendered0);
    assertClose(got, expected, what);
  }
});

test("a float64 scalar rounded to float32 (a learning rate) renders to Wasm as a constant, bit for bit", () => {
  // p·(1 − wd·lr) + m·(−lr/bc1): the float64 scalars are input 1 (offset 2 in its buffer) and input 3
  const f64in = (index: number): Expr => ({ op: "input", index, dtype: "float64" });
  const expr = bin("add", bin("mul", x(0), cast(f64in(1), F)), bin("mul", x(2), cast(f64in(3), F)));
  const inputs: InputLayout[] = [
    { dtype: F, strides: [1], offset: 0 },
    { dtype: "float64", strides: [0], offset: 2 },
    { dtype: F, strides: [1], offset: 0 },
    { dtype: "float64", strides: [0], offset: 0 },
  ];
  const k: Elementwise = { kind: "elementwise", dtype: F, shape: [37], inputs, consts: [], expr };
  const arrays = [data(37, 1), Float64Array.from([9, 9, 1 - 0.1 * 1.234567891e-3]), data(37, 2), Float64Array.from([-1.234567891e-3 / 0.19])];
  const before = be.rendered.elementwise;
  const got = runOn(wasmRun, k, arrays, 37, F);
  assert.equal(be.rendered.elementwise, before + 1, "rendered to Wasm");
  assertSameBits(got, runOn(hostRun, k, arrays, 37, F), "vs JS float32");
  // a float64 operand that varies along the kernel, or a float64 scalar used without the cast, stays on the host
  const varying: Elementwise = { ...k, inputs: inputs.map((l, j) => (j === 3 ? { ...l, strides: [1] } : l)) };
  const n = be.rendered.elementwise;
  runOn(wasmRun, varying, [arrays[0], arrays[1], arrays[2], new Float64Array(37).fill(0.5)], 37, F);
  assert.equal(be.rendered.elementwise, n, "a varying float64 input is not lifted");
});

test("large elementwise kernels shared out across two threads give the one-thread bits", async () => {
  // (sizes above 4 × 2^16 elements: the threshold for waking blocked workers)
  const two = await createWasmKernels({ threads: 2 });
  try {
    const be2 = new WasmBackend(two);
    const cases: { what: string; shape: number[]; layouts: { strides: number[]; offset?: number }[]; expr: Expr; consts?: number[] }[] = [
      // one long row (odd length, so the last chunk ends in a tail) with a scalar
      { what: "a·b + s", shape: [300_003], layouts: [{ strides: [1] }, { strides: [1] }, { strides: [0] }], expr: bin("add", bin("mul", x(0), x(1)), x(2)) },
      // rows with a broadcast row, a column and a runtime constant
      { what: "relu(a + w)·c − k", shape: [769, 400], layouts: [{ strides: [400, 1] }, { strides: [0, 1] }, { strides: [1, 0] }],
        expr: bin("sub", bin("mul", un("relu", bin("add", x(0), x(1))), x(2)), c(0)), consts: [0.25] },
      // a transposed input gathered along the row, a slice, and three dimensions
      { what: "where(a > b, a, b − a)", shape: [90, 101, 31], layouts: [{ strides: [3131, 31, 1] }, { strides: [1, 90, 9090], offset: 3 }],
        expr: where(bin("gt", x(0), x(1)), x(0), bin("sub", x(1), x(0))) },
      // an inexact op: the split must not change its bits either
      { what: "tanh(a)·exp(b)", shape: [1100, 257], layouts: [{ strides: [257, 1] }, { strides: [257, 1] }], expr: bin("mul", un("tanh", x(0)), un("exp", x(1))) },
    ];
    for (const cs of cases) {
      const inputs: InputLayout[] = cs.layouts.map((l) => ({ dtype: F, strides: l.strides, offset: l.offset ?? 0 }));
      const k: Elementwise = { kind: "elementwise", dtype: F, shape: cs.shape, inputs, consts: cs.consts ?? [], expr: cs.expr };
      const size = cs.shape.reduce((a, b) => a * b, 1);
      const arrays = inputs.map((l, j) => data(reach(l, cs.shape), 5 * j + 1));
      const exe = be2.compile(k);
      await two.setNumThreads(2);
      const before = be2.sharedRuns;
      const got2 = runOn((kk, ins, out) => be2.dispatch(exe, kk, ins, out), k, arrays, size, F);
      assert.equal(be2.sharedRuns, before + 1, `${cs.what}: shared out`);
      await two.setNumThreads(1);
      const got1 = runOn((kk, ins, out) => be2.dispatch(exe, kk, ins, out), k, arrays, size, F);
      assert.equal(be2.sharedRuns, before + 1, `${cs.what}: one thread runs alone`);
      assertSameBits(got2, got1, `${cs.what}: 2 vs 1 threads`);
      const js32 = runOn(hostRun, k, arrays, size, F);
      if (wasmExact(cs.expr)) assertSameBits(got2, js32, `${cs.what} vs JS float32`);
      else assertClose(got2, js32, `${cs.what} vs JS float32`);
    }
  } finally {
    await two.dispose();
  }
});
