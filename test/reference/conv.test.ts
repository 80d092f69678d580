// Convolutions, pooling and interpolation against PyTorch 1.13: values and the gradients of
// Σ c·out (c a random cotangent) with respect to every input, written by make-conv-reference.py
// (conv-reference.json, committed; CI does not run Python). In float64 everything agrees to 1e-10
// relative (plus 1e-12 absolute); in float32, on the default backend, to 2e-4.
//
// Deliberate differences from PyTorch, none of which these cases exercise:
// - max pooling with several equal maxima in a window sends the gradient to the first in row-major
//   order, as PyTorch's CPU kernel does, but ties are not part of the reference (its choice is an
//   implementation detail).
// - padding modes other than zeros ("reflect", "circular") are not implemented.

import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import * as tg from "../../src/index.js";

const F = tg.nn.functional;

interface Described {
  shape: number[];
  data: number[];
}
interface Case {
  name: string;
  fn: string;
  args: unknown[];
  opts: Record<string, unknown>;
  inputs: Record<string, Described>;
  out: Described;
  cotangent: Described;
  grads: Record<string, Described>;
}

const ref = JSON.parse(readFileSync(new URL("./conv-reference.json", import.meta.url), "utf8")) as { torch: string; cases: Case[] };

type Fn = (ins: Record<string, tg.Tensor>, args: unknown[], opts: Record<string, unknown>) => tg.Tensor;
const size = (a: unknown) => a as number | number[];

const FNS: Record<string, Fn> = {
  conv2d: ({ x, weight, bias }, _a, o) => F.conv2d(x, weight, { ...o, bias }),
  conv1d: ({ x, weight, bias }, _a, o) => F.conv1d(x, weight, { ...o, bias }),
  convTranspose2d: ({ x, weight, bias }, _a, o) => F.convTranspose2d(x, weight, { ...o, bias }),
  maxPool2d: ({ x }, [k], o) => F.maxPool2d(x, size(k), o),
  maxPool1d: ({ x }, [k], o) => F.maxPool1d(x, k as number, o),
  avgPool2d: ({ x }, [k], o) => F.avgPool2d(x, size(k), o),
  adaptiveAvgPool2d: ({ x }, [k]) => F.adaptiveAvgPool2d(x, size(k)),
  interpolate: ({ x }, _a, o) => F.interpolate(x, o),
};

function close(actual: ArrayLike<number>, expected: readonly number[], rtol: number, atol: number, what: string): void {
  assert.equal(actual.length, expected.length, `${what}: length`);
  for (let i = 0; i < expected.length; i++) {
    const ok = Math.abs(actual[i] - expected[i]) <= atol + rtol * Math.abs(expected[i]);
    if (!ok) assert.fail(`${what}[${i}]: ${actual[i]} vs PyTorch ${expected[i]}`);
  }
}

function check(c: Case, dtype: "float64" | "float32"): void {
  const [rtol, atol] = dtype === "float64" ? [1e-10, 1e-12] : [2e-4, 2e-4];
  const names = Object.keys(c.inputs);
  const inputs = names.map((k) => tg.tensor(c.inputs[k].data, { dtype, shape: c.inputs[k].shape }));
  const f = (...xs: tg.Tensor[]) => FNS[c.fn](Object.fromEntries(names.map((k, i) => [k, xs[i]])), c.args, c.opts);
  const cot = tg.tensor(c.cotangent.data, { dtype, shape: c.cotangent.shape });
  const [out, pullback] = tg.vjp(f, ...inputs);
  assert.deepEqual([...out.shape], c.out.shape, `${c.name}: output shape`);
  close(out.data(), c.out.data, rtol, atol, `${c.name} (${dtype}): output`);
  const grads = pullback(cot);
  names.forEach((k, i) => {
    assert.deepEqual([...grads[i].shape], c.grads[k].shape, `${c.name}: grad ${k} shape`);
    close(grads[i].data(), c.grads[k].data, rtol, atol, `${c.name} (${dtype}): grad ${k}`);
  });
}

test(`the reference covers every function (PyTorch ${ref.torch})`, () => {
  const seen = new Set(ref.cases.map((c) => c.fn));
  for (const fn of Object.keys(FNS)) assert.ok(seen.has(fn), `no reference case for ${fn}`);
  assert.ok(ref.cases.length >= 40);
});

for (const c of ref.cases) {
  test(`${c.name}: values and gradients match PyTorch (float64)`, () => check(c, "float64"));
  test(`${c.name}: values and gradients match PyTorch (float32, ${tg.backendInfo().name})`, () => check(c, "float32"));
}
