// Every primitive on every backend against the float64 reference: each case of the primitive
// table runs in float32 on the Wasm backend (with its size thresholds at zero, so every kernel
// it has is exercised) and in float64 on the reference backend; values, JVPs and VJPs must
// agree to float32 accuracy.

import { test } from "node:test";
import assert from "node:assert/strict";
import * as tg from "../src/index.js";
import { PRIMITIVES } from "../src/prims/table.js";
import { bind } from "../src/autodiff/bind.js";
import type { Case } from "../src/prims/define.js";
import { assertClose, inputsFor, onBackend } from "./backend-helpers.js";
import { isFloat } from "../src/core/dtype.js";
import { cpu } from "../src/backend/runtime.js";
import { WasmBackend } from "../src/backend/wasm-backend.js";
import { createWasmKernels } from "../src/backend/wasm/index.js";

const kernels = await createWasmKernels({ threads: 2, parallelThreshold: 0 });
const backends = [
  { name: "wasm", be: new WasmBackend(kernels, { minGemmWork: 0, minElements: 0 }) },
  { name: "cpu", be: cpu },
];

for (const { name: bname, be } of backends) {
  test(`every primitive on ${bname} (float32) agrees with the float64 reference`, () => {
    for (const [name, prim] of Object.entries(PRIMITIVES)) {
      prim.cases.forEach((c0, ci) => {
        const c = c0 as Case<unknown>;
        const what = `${bname} ${name} case ${ci}`;
        const ref = inputsFor(c, 500 + ci);
        const params = c.params ?? {};
        const wrt = c.wrt ?? ref.flatMap((x, i) => (isFloat(x.dtype) ? [i] : []));
        const expected = bind(prim, ref, params);
        const f32 = onBackend(be, () => ref.map((x) => (x.dtype === "float64" ? x.cast("float32") : x)));
        const out = onBackend(be, () => bind(prim, f32, params));
        if (prim.kind !== "call") assert.equal(out.dtype, prim.infer(f32, params).dtype, `${what}: dtype`);
        assert.deepEqual(out.shape, expected.shape, `${what}: shape`);
        assertClose(out.data(), expected.data(), `${what}: value`);
        if (!prim.vjp || !isFloat(expected.dtype)) return;
        // derivatives: the same directions in float32 on the backend and float64 on the reference
        const gen = tg.random.generator(900 + ci);
        const vs = wrt.map((k) => tg.randn(ref[k].shape, { generator: gen, dtype: "float64" }));
        const u = tg.randn(expected.shape, { generator: gen, dtype: "float64" });
        const F = (inputs: tg.Tensor[]) => (...ws: tg.Tensor[]) => {
          const all = [...inputs];
          wrt.forEach((k, j) => (all[k] = ws[j]));
          return bind(prim, all, params);
        };
        const [, dyRef] = tg.jvp(F(ref), wrt.map((k) => ref[k]), vs);
        const ctRef = tg.vjp(F(ref), ...wrt.map((k) => ref[k]))[1](u);
        onBackend(be, () => {
          const v32 = vs.map((v) => v.cast("float32"));
          const [, dy] = tg.jvp(F(f32), wrt.map((k) => f32[k]), v32);
          assertClose(dy.data(), dyRef.data(), `${what}: jvp`);
          const ct = tg.vjp(F(f32), ...wrt.map((k) => f32[k]))[1](u.cast("float32"));
          ct.forEach((g, i) => assertClose(g.data(), ctRef[i].data(), `${what}: vjp ${i}`));
        });
      });
    }
  });
}

test("the Wasm backend gives the same bits for 1 and 2 threads and from run to run", async () => {
  const be = backends[0].be;
  const gen = tg.random.generator(1);
  const a = tg.randn([3, 300, 170], { generator: gen });
  const b = tg.randn([170, 260], { generator: gen });
  const run = () => onBackend(be, () => tg.matmul(a, b).data());
  await kernels.setNumThreads(1);
  const one = run();
  await kernels.setNumThreads(2);
  const two = run();
  assert.deepEqual(two, one);
  assert.deepEqual(run(), one);
});

// The same walk through compiled plans (tg.jit): values, JVPs and VJPs of every primitive, each
// traced and run as a plan, against the float64 reference — and against the eager float32 run on
// the same backend, to within the rounding a different grouping of float32 sums can cause.
const EAGER_AGREEMENT = { abs: 1e-6, rel: 4e-7 };

for (const { name: bname, be } of backends) {
  test(`every primitive compiled with tg.jit on ${bname} (float32) agrees with the float64 reference and the eager run`, (t) => {
    let identical = 0;
    let total = 0;
    const check = (compiled: tg.Tensor, eager: tg.Tensor, ref: tg.Tensor, what: string) => {
      const c = compiled.data();
      const e = eager.data();
      assertClose(c, ref.data(), `${what} (reference)`);
      assertClose(c, e, `${what} (eager)`, EAGER_AGREEMENT);
      total++;
      if (c.every((v, i) => Object.is(v, e[i]))) identical++;
    };
    for (const [name, prim] of Object.entries(PRIMITIVES)) {
      prim.cases.forEach((c0, ci) => {
        const c = c0 as Case<unknown>;
        const what = `jit ${bname} ${name} case ${ci}`;
        const ref = inputsFor(c, 500 + ci);
        const params = c.params ?? {};
        const wrt = c.wrt ?? ref.flatMap((x, i) => (isFloat(x.dtype) ? [i] : []));
        const expected = bind(prim, ref, params);
        onBackend(be, () => {
          const f32 = ref.map((x) => (x.dtype === "float64" ? x.cast("float32") : x));
          const value = tg.jit((...xs: tg.Tensor[]) => bind(prim, xs, params));
          check(value(...f32), bind(prim, f32, params), expected, `${what}: value`);
          if (!prim.vjp || !isFloat(expected.dtype)) return;
          const gen = tg.random.generator(900 + ci);
          const vs = wrt.map((k) => tg.randn(ref[k].shape, { generator: gen, dtype: "float64" }));
          const u = tg.randn(expected.shape, { generator: gen, dtype: "float64" });
          const F = (inputs: readonly tg.Tensor[]) => (...ws: tg.Tensor[]) => {
            const all = [...inputs];
            wrt.forEach((k, j) => (all[k] = ws[j]));
            return bind(prim, all, params);
          };
          const [, dyRef] = tg.jvp(F(ref), wrt.map((k) => ref[k]), vs);
          const ctRef = tg.vjp(F(ref), ...wrt.map((k) => ref[k]))[1](u);
          const v32 = vs.map((v) => v.cast("float32"));
          const u32 = u.cast("float32");
          const n = f32.length;
          const jvpOf = (...xs: tg.Tensor[]) => tg.jvp(F(xs.slice(0, n)), wrt.map((k) => xs[k]), xs.slice(n))[1];
          check(tg.jit(jvpOf)(...f32, ...v32), jvpOf(...f32, ...v32), dyRef, `${what}: jvp`);
          const vjpOf = (...xs: tg.Tensor[]) => tg.vjp(F(xs.slice(0, n)), ...wrt.map((k) => xs[k]))[1](xs[n]);
          const compiled = tg.jit(vjpOf)(...f32, u32);
          const eager = vjpOf(...f32, u32);
          compiled.forEach((g, i) => check(g, eager[i], ctRef[i], `${what}: vjp ${i}`));
        });
      });
    }
    t.diagnostic(`jit on ${bname}: ${identical} of ${total} results bit-identical to the eager run`);
  });
}
