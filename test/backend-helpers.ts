// Helpers shared by the tests that run primitives on a backend against the float64 reference.

import assert from "node:assert/strict";
import * as tg from "../src/index.js";
import type { Case } from "../src/prims/define.js";

/** A case's float64 inputs, drawn from a seeded generator inside the case's domain. */
export function inputsFor(c: Case<unknown>, seed: number): tg.Tensor[] {
  const gen = tg.random.generator(seed);
  if (c.make) return c.make(gen);
  const [lo, hi] = c.domain ?? [-2, 2];
  return (c.shapes ?? []).map((s) => tg.rand(s, { generator: gen, dtype: "float64" }).mul(hi - lo).add(lo));
}

/** Runs `fn` with `be` as the default backend. */
export function onBackend<T>(be: tg.Backend, fn: () => T): T {
  const prev = tg.getBackend();
  tg.setBackend(be);
  try {
    return fn();
  } finally {
    tg.setBackend(prev);
  }
}

/** Allowed error: `abs` relative to the largest finite expected value (plus one), and `rel` per element. */
export interface Tolerance {
  readonly abs: number;
  readonly rel: number;
}

/** float32 accuracy. */
export const FLOAT32: Tolerance = { abs: 2e-5, rel: 1e-4 };

/** Agreement to within `tol` (float32 accuracy by default); NaN must match NaN. */
export function assertClose(actual: ArrayLike<number>, expected: ArrayLike<number>, what: string, tol: Tolerance = FLOAT32): void {
  assert.equal(actual.length, expected.length, `${what}: length`);
  let scale = 0;
  for (let i = 0; i < expected.length; i++) if (Number.isFinite(expected[i])) scale = Math.max(scale, Math.abs(expected[i]));
  for (let i = 0; i < expected.length; i++) {
    const e = expected[i];
    const a = actual[i];
    if (Number.isNaN(e)) {
      assert.ok(Number.isNaN(a), `${what}[${i}]: ${a} vs NaN`);
      continue;
    }
    // infinities must match exactly (a difference of infinities is NaN, never within a tolerance)
    if (!Number.isFinite(e)) {
      assert.equal(a, e, `${what}[${i}]`);
      continue;
    }
    assert.ok(Math.abs(a - e) <= tol.abs * (scale + 1) + tol.rel * Math.abs(e), `${what}[${i}]: ${a} vs ${e}`);
  }
}
