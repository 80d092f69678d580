// Walks the whole primitive table. For every test case: float64 inputs from a seeded generator
// inside the primitive's domain; output shape and dtype against the shape rule; JVP against
// central differences; VJP against the JVP by ⟨u, J v⟩ = ⟨Jᵀ u, v⟩; and, for smooth
// primitives, second order both ways (forward-over-reverse and reverse-over-forward) against
// central differences of the first-order maps.

import { test } from "node:test";
import assert from "node:assert/strict";
import * as tg from "../src/index.js";
import { PRIMITIVES } from "../src/prims/table.js";
import { bind } from "../src/autodiff/bind.js";
import type { AnyPrimitive, Case } from "../src/prims/define.js";
import { isFloat } from "../src/core/dtype.js";

const EPS = 1e-6;

function inputsFor(c: Case<unknown>, gen: tg.random.Generator): tg.Tensor[] {
  if (c.make) return c.make(gen);
  const [lo, hi] = c.domain ?? [-2, 2];
  return (c.shapes ?? []).map((s) => tg.rand(s, { generator: gen, dtype: "float64" }).mul(hi - lo).add(lo));
}

function dotAll(a: tg.Tensor[], b: tg.Tensor[]): number {
  let s = 0;
  a.forEach((x, i) => {
    const p = x.data();
    const q = b[i].data();
    for (let j = 0; j < p.length; j++) s += p[j] * q[j];
  });
  return s;
}

function close(actual: number, expected: number, tol: number, what: string): void {
  assert.ok(Math.abs(actual - expected) <= tol * (1 + Math.abs(expected)), `${what}: ${actual} vs ${expected}`);
}

function closeArrays(a: ArrayLike<number>, b: ArrayLike<number>, tol: number, what: string): void {
  assert.equal(a.length, b.length, `${what}: length`);
  for (let i = 0; i < a.length; i++) close(a[i], b[i], tol, `${what}[${i}]`);
}

/** Central difference of F along directions vs at xs: (F(x + εv) − F(x − εv)) / 2ε. */
function centralDiff(F: (...xs: tg.Tensor[]) => tg.Tensor, xs: tg.Tensor[], vs: tg.Tensor[]): Float64Array {
  const plus = F(...xs.map((x, i) => x.add(vs[i].mul(EPS)))).data();
  const minus = F(...xs.map((x, i) => x.sub(vs[i].mul(EPS)))).data();
  return Float64Array.from(plus, (p, i) => (p - minus[i]) / (2 * EPS));
}

function checkCase(name: string, prim: AnyPrimitive, c: Case<unknown>, seed: number): void {
  const gen = tg.random.generator(seed);
  const inputs = inputsFor(c, gen);
  const params = c.params ?? {};
  const out = bind(prim, inputs, params);
  const info = prim.kind === "call" ? { shape: [...out.shape], dtype: out.dtype } : prim.infer(inputs, params);
  assert.deepEqual([...out.shape], info.shape, `${name}: output shape`);
  assert.equal(out.dtype, info.dtype, `${name}: output dtype`);

  const differentiable = prim.vjp !== null && prim.jvp !== null && isFloat(out.dtype);
  assert.equal(prim.vjp === null, prim.jvp === null, `${name}: a primitive has both rules or neither`);
  if (!differentiable) return;

  const wrt = c.wrt ?? inputs.flatMap((x, i) => (isFloat(x.dtype) ? [i] : []));
  const F = (...ws: tg.Tensor[]) => {
    const all = [...inputs];
    wrt.forEach((k, j) => (all[k] = ws[j]));
    return bind(prim, all, params);
  };
  const xs = wrt.map((k) => inputs[k]);
  const vs = xs.map((x) => tg.randn(x.shape, { generator: gen, dtype: "float64" }));
  const u = tg.randn(out.shape, { generator: gen, dtype: "float64" });

  // JVP against central differences
  const [y, dy] = tg.jvp(F, xs, vs);
  closeArrays(y.data(), out.data(), 1e-12, `${name}: jvp primal`);
  assert.deepEqual([...dy.shape], [...out.shape], `${name}: tangent shape`);
  assert.equal(dy.dtype, out.dtype, `${name}: tangent dtype`);
  closeArrays(dy.data(), centralDiff(F, xs, vs), 1e-6, `${name}: jvp vs finite differences`);

  // VJP by the dot-product test
  const [, pull] = tg.vjp(F, ...xs);
  const cts = pull(u);
  cts.forEach((ct, i) => {
    assert.deepEqual([...ct.shape], [...xs[i].shape], `${name}: cotangent ${i} shape`);
    assert.equal(ct.dtype, xs[i].dtype, `${name}: cotangent ${i} dtype`);
  });
  close(dotAll(cts, vs), dotAll([u], [dy]), 1e-10, `${name}: <J^T u, v> = <u, J v>`);

  if (c.smooth === false) return;
  // Second order. h(x) = <J(x)ᵀu, v> (reverse mode inside); its JVP along w (forward over
  // reverse) must match central differences of h.
  const ws = xs.map((x) => tg.randn(x.shape, { generator: gen, dtype: "float64" }));
  const h = (...zs: tg.Tensor[]) => {
    const [, p] = tg.vjp(F, ...zs);
    const g = p(u);
    return g.map((gi, i) => gi.mul(vs[i]).sum()).reduce((a, b) => a.add(b));
  };
  const [, dh] = tg.jvp(h, xs, ws);
  close(dh.item(), centralDiff(h, xs, ws)[0], 1e-5, `${name}: forward-over-reverse`);
  // k(x) = <u, J(x) v> (forward mode inside); its gradient (reverse over forward) dotted with w.
  const k = (...zs: tg.Tensor[]) => tg.jvp(F, zs, vs)[1].mul(u).sum();
  const gk = tg.grad(k, { argnums: xs.map((_, i) => i) })(...xs);
  close(dotAll(gk, ws), centralDiff(k, xs, ws)[0], 1e-5, `${name}: reverse-over-forward`);
}

for (const [name, prim] of Object.entries(PRIMITIVES)) {
  test(`primitive ${name}`, () => {
    assert.ok(prim.cases.length > 0, `${name} has no test cases`);
    prim.cases.forEach((c, i) => checkCase(`${name} case ${i}`, prim, c as Case<unknown>, 1000 + i));
  });
}

test("the table names every primitive by its own name", () => {
  for (const [name, prim] of Object.entries(PRIMITIVES)) assert.equal(prim.name, name);
});
