// Values and gradients at edge values against PyTorch 1.13 in float64: zeros, ties, bounds, ±inf,
// 0-d and size-1 shapes, negative axes. The reference is written by make-edge-reference.py
// (edge-values.json, committed; CI does not run Python). Each case's gradient is that of
// Σₖ cₖ·outₖ with c = 1, 2, 3, … over each float output, so a gradient sent to the wrong entry
// shows. Values and gradients agree to 1e-12 relative plus 1e-14 absolute (for entries that are 0 up
// to rounding, like the 1.1e-16 torch's log-softmax gradient leaves where 0 is exact);
// ±inf and NaN must match exactly. The few deliberate differences are listed in DIFFERENCES.

import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import * as tg from "../../src/index.js";

type Num = number | "inf" | "-inf" | "nan";
interface Described {
  dtype: "float64" | "int32" | "bool";
  shape: number[];
  data: Num[];
}
interface Case {
  op: string;
  inputs: Described[];
  outputs: Described[];
  grads: Described[] | null;
}

const ref = JSON.parse(readFileSync(new URL("./edge-values.json", import.meta.url), "utf8")) as { torch: string; cases: Case[] };

type Op = (...xs: tg.Tensor[]) => tg.Tensor | tg.Tensor[];

// The same names as OPS in make-edge-reference.py.
const OPS: Record<string, Op> = {
  prod: (x) => x.prod(),
  "prod(1)": (x) => x.prod(1),
  "prod(-1, keepdim)": (x) => x.prod(-1, { keepdims: true }),
  "prod(0)": (x) => x.prod(0),
  max: (x) => x.max(),
  min: (x) => x.min(),
  "max(1)": (x) => x.max(1),
  "max(-1, keepdim)": (x) => x.max(-1, { keepdims: true }),
  "min(0)": (x) => x.min(0),
  "max(0) of 0-d": (x) => x.max(0),
  "amax(1)": (x) => x.amax(1),
  "amin(-1)": (x) => x.amin(-1),
  "amax((0, 1))": (x) => x.amax([0, 1]),
  "sum(-1)": (x) => x.sum(-1),
  "mean(0)": (x) => x.mean(0),
  std: (x) => x.std(),
  "std(1)": (x) => x.std(1),
  "std(-1, correction 0, keepdim)": (x) => x.std(-1, { correction: 0, keepdims: true }),
  "var(1)": (x) => x.var(1),
  "logsumexp(1)": (x) => x.logsumexp(1),
  "softmax(-1)": (x) => x.softmax(-1),
  "logSoftmax(-1)": (x) => x.logSoftmax(-1),
  "clamp(-1, 1)": (x) => x.clamp(-1, 1),
  "clamp(0, null)": (x) => x.clamp(0, null),
  "clamp(null, 0.5)": (x) => x.clamp(null, 0.5),
  "clamp(1, 1)": (x) => x.clamp(1, 1),
  "clamp(1, -1)": (x) => x.clamp(1, -1),
  pow: (a, b) => tg.pow(a, b),
  "pow(x, 0)": (x) => tg.pow(x, 0),
  "pow(x, 2)": (x) => tg.pow(x, 2),
  "pow(x, 0.5)": (x) => tg.pow(x, 0.5),
  "pow(x, -1)": (x) => tg.pow(x, -1),
  "pow(0, x)": (x) => tg.pow(tg.zerosLike(x), x),
  "pow(x, 7)": (x) => tg.pow(x, 7),
  "pow(x, 0) int": (x) => tg.pow(x, 0),
  maximum: (a, b) => tg.maximum(a, b),
  minimum: (a, b) => tg.minimum(a, b),
  add: (a, b) => tg.add(a, b),
  sub: (a, b) => tg.sub(a, b),
  mul: (a, b) => tg.mul(a, b),
  div: (a, b) => tg.div(a, b),
  "where(x > 0, x, 0)": (x) => tg.where(x.gt(0), x, 0),
  "where(x > 0, 1, 3)": (x) => tg.where(x.gt(0), 1, 3),
  abs: (x) => tg.abs(x),
  relu: (x) => tg.relu(x),
  sign: (x) => tg.sign(x),
  neg: (x) => tg.neg(x),
  exp: (x) => tg.exp(x),
  expm1: (x) => tg.expm1(x),
  log: (x) => tg.log(x),
  log1p: (x) => tg.log1p(x),
  sqrt: (x) => tg.sqrt(x),
  rsqrt: (x) => tg.rsqrt(x),
  sin: (x) => tg.sin(x),
  cos: (x) => tg.cos(x),
  tanh: (x) => tg.tanh(x),
  sigmoid: (x) => tg.sigmoid(x),
  erf: (x) => tg.erf(x),
  square: (x) => tg.square(x),
  softplus: (x) => tg.softplus(x),
  silu: (x) => tg.silu(x),
  gelu: (x) => tg.gelu(x),
  "leakyRelu(0.1)": (x) => tg.leakyRelu(x, 0.1),
};

/**
 * Where tensorgrad departs from PyTorch on purpose, by case key (`op` and the case's index among
 * the cases of that op), with the reason and what tensorgrad does instead (which is tested).
 */
const DIFFERENCES: Record<string, { reason: string; instead: RegExp }> = {
  // torch gives max everywhere, with gradient 0 (the mask min ≤ x ≤ max is empty); a reversed
  // interval is almost always a mistake, so tensorgrad raises an ArgumentError naming both bounds
  "clamp(1, -1) #0": { reason: "clamp refuses min > max (PyTorch returns max everywhere)", instead: /clamp/ },
};

/**
 * Single values where tensorgrad gives the mathematical limit and torch 1.13 a NaN, by case key:
 * [output (or input, for gradients), element, tensorgrad's value, reason]. Every other value
 * of those cases is still compared.
 */
const VALUE_DIFFERENCES: Record<string, readonly [number, number, number, string][]> = {
  // x·Φ(x) → 0 as x → −∞; torch computes (−∞)·0 = NaN
  "gelu #0": [[0, 7, 0, "gelu(−∞) is 0 (the limit), torch gives NaN"]],
};
const GRADIENT_DIFFERENCES: Record<string, readonly [number, number, number, string][]> = {
  // Φ(x) + x·φ(x) → 0 as x → −∞; torch computes (−∞)·0 = NaN
  "gelu #0": [[0, 7, 0, "gelu′(−∞) is 0 (the limit), torch gives NaN"]],
};
// Also deliberate, and not a separate case: PyTorch's integer results are int64 (where(c, 1, 3),
// max's indices), tensorgrad's int32; the generator writes them as int32.

const decode = (v: Num): number => (v === "inf" ? Infinity : v === "-inf" ? -Infinity : v === "nan" ? NaN : v);

function build(d: Described): tg.Tensor {
  return tg.tensor(d.data.map(decode), { dtype: d.dtype, shape: d.shape });
}

function sameNumber(actual: number, expected: number): boolean {
  if (Number.isNaN(expected) || !Number.isFinite(expected)) return Object.is(actual, expected) || (Number.isNaN(expected) && Number.isNaN(actual));
  return Math.abs(actual - expected) <= 1e-12 * Math.abs(expected) + 1e-14;
}

function compare(actual: tg.Tensor, expected: Described, what: string): void {
  assert.equal(actual.dtype, expected.dtype, `${what}: dtype`);
  assert.deepEqual([...actual.shape], expected.shape, `${what}: shape`);
  const a = Array.from(actual.data(), Number);
  const e = expected.data.map(decode);
  a.forEach((v, i) => assert.ok(sameNumber(v, e[i]), `${what}[${i}]: ${v}, torch ${e[i]} (all: [${a.join(", ")}] vs [${e.join(", ")}])`));
}

const seen = new Map<string, number>();
for (const c of ref.cases) {
  const k = seen.get(c.op) ?? 0;
  seen.set(c.op, k + 1);
  const key = `${c.op} #${k}`;
  const inputs = c.inputs.map(build);
  const differs = DIFFERENCES[key];
  test(`edge values, ${key}: ${c.inputs.map((d) => `${d.dtype}[${d.shape.join(",")}]`).join(", ")}${differs ? ` (differs: ${differs.reason})` : ""}`, () => {
    const op = OPS[c.op];
    assert.ok(op, `no tensorgrad op for ${c.op}`);
    if (differs) {
      assert.throws(() => op(...inputs), differs.instead);
      return;
    }
    const result = op(...inputs);
    const outs = Array.isArray(result) ? result : [result];
    assert.equal(outs.length, c.outputs.length, `${key}: number of outputs`);
    const expected = c.outputs.map((o) => ({ ...o, data: [...o.data] }));
    for (const [o, e, v] of VALUE_DIFFERENCES[key] ?? []) expected[o].data[e] = v;
    outs.forEach((o, i) => compare(o, expected[i], `${key}: output ${i}`));
    if (!c.grads) return;
    const wrt = inputs.flatMap((x, i) => (x.dtype === "float64" ? [i] : []));
    // Σₖ cₖ·outₖ over the float outputs, c = 1, 2, 3, … (as the generator weights them)
    const loss = (...ws: tg.Tensor[]) => {
      const all = [...inputs];
      wrt.forEach((j, n) => (all[j] = ws[n]));
      const r = op(...all);
      const floats = (Array.isArray(r) ? r : [r]).filter((o) => o.dtype === "float64");
      return floats.map((o) => o.mul(tg.arange(1, o.size + 1, 1, { dtype: "float64" }).reshape([...o.shape])).sum()).reduce((p, q) => p.add(q));
    };
    const grads = tg.grad(loss, { argnums: wrt.map((_, n) => n) })(...wrt.map((j) => inputs[j]));
    const expectedGrads = c.grads.map((g) => ({ ...g, data: [...g.data] }));
    for (const [o, e, v] of GRADIENT_DIFFERENCES[key] ?? []) expectedGrads[o].data[e] = v;
    grads.forEach((g, i) => compare(g, expectedGrads[i], `${key}: gradient ${i}`));
  });
}

test("edge values: every reference op has a tensorgrad counterpart", () => {
  for (const c of ref.cases) assert.ok(OPS[c.op], c.op);
  assert.equal(ref.torch.split(".").slice(0, 2).join("."), "1.13");
});

// Errors PyTorch raises at the same places (its messages, in tensorgrad's typed errors).
test("edge values: clamp with neither bound is refused (torch: At least one of 'min' or 'max' must not be None)", () => {
  assert.throws(() => tg.clamp(tg.tensor([1, 2]), null, null), { name: "ArgumentError", message: /at least one of min or max/ });
  assert.throws(() => tg.tensor([1, 2]).clamp(), { name: "ArgumentError" });
  // the deliberate difference listed above: a reversed interval
  assert.throws(() => tg.clamp(tg.tensor([1, 2]), 1, -1), { name: "ArgumentError", message: /min 1 is greater than max -1/ });
});

test("edge values: an integer tensor to a negative integer power is refused (torch: Integers to negative integer powers are not allowed.)", () => {
  assert.throws(() => tg.pow(tg.tensor([2, 3], { dtype: "int32" }), -1), { name: "ArgumentError", message: /integers to negative integer powers are not allowed/ });
  // a float exponent, or a float base, is fine
  assert.equal(tg.pow(tg.tensor([2], { dtype: "int32" }), -1.5).dtype, "float32");
  assert.deepEqual(tg.pow(tg.tensor([2]), -1).toArray(), [0.5]);
});

test("edge values: integer pow stays int32 and exact above 2^24", () => {
  const y = tg.pow(tg.tensor([11, 3], { dtype: "int32" }), 7);
  assert.equal(y.dtype, "int32");
  assert.deepEqual(y.toArray(), [19487171, 2187]);
  assert.deepEqual(tg.tensor([5], { dtype: "int32" }).pow(tg.tensor([11], { dtype: "int32" })).toArray(), [48828125]);
});

test("edge values: where with two integer numbers is int32; with a fraction, float32", () => {
  const c = tg.tensor([1, -1]).gt(0);
  assert.equal(tg.where(c, 1, 3).dtype, "int32");
  assert.deepEqual(tg.where(c, 1, 3).toArray(), [1, 3]);
  assert.equal(tg.where(c, 1, 2.5).dtype, "float32");
});

test("edge values: linspace refuses bool (torch: \"linspace_cpu\" not implemented for 'Bool')", () => {
  assert.throws(() => tg.linspace(0, 1, 3, { dtype: "bool" }), { name: "DTypeError" });
  // integer linspace truncates toward zero, as torch's does: [-3, -1.33, 0.33, 2]
  assert.deepEqual(tg.linspace(-3, 2, 4, { dtype: "int32" }).toArray(), [-3, -1, 0, 2]);
});

test("edge values: max along an axis sends the gradient to the first maximum; amax splits it", () => {
  const x = tg.tensor([1, 3, 3], { dtype: "float64" });
  assert.deepEqual(Array.from(tg.grad((z: tg.Tensor) => z.max(0)[0])(x).data()), [0, 1, 0]);
  assert.deepEqual(Array.from(tg.grad((z: tg.Tensor) => z.amax(0))(x).data()), [0, 0.5, 0.5]);
  // forward mode agrees
  const [, dy] = tg.jvp((z: tg.Tensor) => z.max(0)[0], [x], [tg.tensor([10, 20, 30], { dtype: "float64" })]);
  assert.equal(dy.item(), 20);
});
