// The WebGPU backend on a software adapter: every primitive whose kernels it has, in float32,
// against the float64 reference (values, JVPs, VJPs), plus fusion, routing and the async read.
//
// The adapter comes from Node's `webgpu` package (Dawn). Without a GPU, Dawn needs a Vulkan
// driver; Debian's Chromium ships SwiftShader's. The loader's search path is fixed when a
// process starts, so when this process has no adapter but SwiftShader is installed, the file
// runs itself again in a child process with the driver on the path. Skipped only where no
// adapter can be had at all.

import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import * as tg from "../src/index.js";
import { PRIMITIVES } from "../src/prims/table.js";
import { bind } from "../src/autodiff/bind.js";
import type { Case } from "../src/prims/define.js";
import { isFloat } from "../src/core/dtype.js";
import { scheduleStats } from "../src/backend/schedule.js";
import { createWebGpuBackend, SyncReadError, type WebGpuBackend } from "../src/backend/webgpu/index.js";
import { assertClose, assertClose as check, FLOAT32, inputsFor, onBackend, type Tolerance } from "./backend-helpers.js";

const SWIFTSHADER = "/usr/lib/chromium/vk_swiftshader_icd.json";
const CHILD = "TENSORGRAD_WEBGPU_CHILD";

/** Primitives whose kernels the backend lacks (index checks need a synchronous host flag). */
const ROUTED = new Set(["gather", "scatterAdd", "indexSelect", "indexAdd"]);
// extern (host) kernels: routed off the GPU by design (src/backend/extern.ts)
for (const name of ["im2col", "col2im", "conv", "convTranspose", "convFilter", "maxPoolIndices", "argsort", "topkIndices", "cumExtremeIndex"]) ROUTED.add(name);

/**
 * Where WGSL promises less than float32 rounding: sin and cos have an absolute error bound of
 * 2⁻¹¹ on [−π, π] (WGSL §"Floating Point Accuracy"), and software drivers use it.
 */
const TOLERANCE: Readonly<Record<string, Tolerance>> = {
  sin: { abs: 1e-3, rel: 0 },
  cos: { abs: 1e-3, rel: 0 },
};

async function tryBackend(): Promise<{ be: WebGpuBackend } | { reason: string }> {
  try {
    const { create } = await import("webgpu");
    return { be: await createWebGpuBackend(create([])) };
  } catch (e) {
    return { reason: e instanceof Error ? e.message : String(e) };
  }
}

const got = await tryBackend();

if ("reason" in got) {
  if (!process.env[CHILD] && existsSync(SWIFTSHADER)) {
    test("WebGPU backend on SwiftShader (child process)", { timeout: 300_000 }, (t) => {
      const env: NodeJS.ProcessEnv = {
        ...process.env,
        [CHILD]: "1",
        LD_LIBRARY_PATH: ["/usr/lib/chromium", process.env.LD_LIBRARY_PATH].filter(Boolean).join(":"),
        VK_ICD_FILENAMES: SWIFTSHADER,
      };
      // the child is a plain run of this file, not a child of the outer test runner
      delete env.NODE_TEST_CONTEXT;
      const r = spawnSync(process.execPath, ["--import", "tsx", fileURLToPath(import.meta.url)], { env, encoding: "utf8" });
      assert.equal(r.status, 0, `child failed (status ${r.status}, signal ${r.signal}):\n${r.stdout}\n${r.stderr}`);
      assert.match(r.stdout, /# pass [1-9]/);
      assert.match(r.stdout, /# fail 0/);
      for (const line of r.stdout.split("\n")) if (/^\s*# (Subtest|routed)/.test(line)) t.diagnostic(line.trim().slice(2));
    });
  } else if (process.env[CHILD]) {
    test("WebGPU adapter on SwiftShader", () => assert.fail(`no adapter even with SwiftShader: ${got.reason}`));
  } else {
    test("WebGPU backend", (t) => t.skip(`no WebGPU adapter (${got.reason}); install Debian's chromium for SwiftShader`));
  }
} else {
  const be = got.be;

  /**
   * Reads `t` back with the GPU as the default backend: `dataAsync` first copies a strided view
   * into a contiguous buffer, and that copy runs on the default backend.
   */
  const read = (t: tg.Tensor): Promise<ArrayLike<number>> => onBackend(be, () => t.dataAsync());
  /** Builds `fn`'s result on the GPU and reads it back. */
  const onGpu = (fn: () => tg.Tensor): Promise<ArrayLike<number>> => read(onBackend(be, fn));

  test("every primitive the WebGPU backend runs agrees with the float64 reference", { timeout: 240_000 }, async (t) => {
    const routed: string[] = [];
    const failures: string[] = [];
    for (const [name, prim] of Object.entries(PRIMITIVES)) {
      const tol = TOLERANCE[name] ?? FLOAT32;
      const assertClose = (a: ArrayLike<number>, e: ArrayLike<number>, what: string) => {
        try {
          check(a, e, what, tol);
        } catch (err) {
          failures.push(err instanceof Error ? err.message : String(err));
        }
      };
      for (const [ci, c0] of prim.cases.entries()) {
        const c = c0 as Case<unknown>;
        const what = `webgpu ${name} case ${ci}`;
        const ref = inputsFor(c, 500 + ci);
        const params = c.params ?? {};
        const wrt = c.wrt ?? ref.flatMap((x, i) => (isFloat(x.dtype) ? [i] : []));
        const expected = bind(prim, ref, params);
        const f32 = onBackend(be, () => ref.map((x) => (x.dtype === "float64" ? x.cast("float32") : x)));
        let value: ArrayLike<number>;
        try {
          value = await onGpu(() => bind(prim, f32, params));
        } catch (e) {
          // a kernel this backend lacks ran on the cpu with GPU inputs, which the front end reads synchronously
          if (!(e instanceof SyncReadError)) throw e;
          // expected for the kernels this backend lacks and for float64 results (cpu only)
          if (ROUTED.has(name) || expected.dtype === "float64") routed.push(`${name}[${ci}]`);
          else failures.push(`${what}: routed off the GPU`);
          continue;
        }
        assertClose(value, expected.data(), `${what}: value`);
        if (!prim.vjp || !isFloat(expected.dtype)) continue;
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
        try {
          await derivatives();
        } catch (e) {
          if (!(e instanceof SyncReadError)) throw e;
          failures.push(`${what}: a derivative was routed off the GPU`);
        }
        async function derivatives() {
        const v32 = onBackend(be, () => vs.map((v) => v.cast("float32")));
        assertClose(await onGpu(() => tg.jvp(F(f32), wrt.map((k) => f32[k]), v32)[1]), dyRef.data(), `${what}: jvp`);
        const ct = onBackend(be, () => tg.vjp(F(f32), ...wrt.map((k) => f32[k]))[1](u.cast("float32")));
        for (const [i, g] of ct.entries()) assertClose(await read(g), ctRef[i].data(), `${what}: vjp ${i}`);
        }
      }
    }
    assert.deepEqual(failures, []);
    for (const name of ROUTED) assert.ok(routed.some((r) => r.startsWith(`${name}[`)), `${name} ran on the GPU: update ROUTED`);
    t.diagnostic(`routed to the cpu (not runnable with GPU inputs yet): ${routed.join(", ")}`);
  });

  test("a fused chain runs as one WebGPU kernel", async () => {
    const gen = tg.random.generator(3);
    const x = tg.randn([37, 29], { generator: gen, dtype: "float64" });
    const y = tg.randn([37, 29], { generator: gen, dtype: "float64" });
    const expected = x.mul(2).add(y).relu().sum(1).data();
    const [xg, yg] = onBackend(be, () => [x.cast("float32"), y.cast("float32")]);
    onBackend(be, () => tg.realize(xg, yg)); // realize the inputs first, so only the chain is counted
    const before = scheduleStats.kernels;
    const out = await onGpu(() => xg.mul(2).add(yg).relu().sum(1));
    assert.equal(scheduleStats.kernels - before, 1);
    assertClose(out, expected, "fused");
  });

  test("WebGPU: large and strided work, batched transposed matmul, dtypes", async () => {
    const gen = tg.random.generator(4);
    // more than 65535 workgroups of 64 threads: the dispatch spills into a second dimension
    const n = 65535 * 64 + 1000;
    const big = await onGpu(() => tg.ones([n]).mul(3).sub(1));
    assert.equal(big.length, n);
    assert.ok(Array.prototype.every.call(big, (v: number) => v === 2));
    const a = tg.randn([3, 17, 33], { generator: gen, dtype: "float64" });
    const b = tg.randn([20, 17], { generator: gen, dtype: "float64" });
    const ref = tg.matmul(a.transpose(1, 2), b.transpose()).data();
    const [a32, b32] = onBackend(be, () => [a.cast("float32"), b.cast("float32")]);
    assertClose(await onGpu(() => tg.matmul(a32.transpose(1, 2), b32.transpose())), ref, "matmul");
    const i = await onGpu(() => tg.tensor([3, -7, 12], { dtype: "int32" }).mul(-5).relu().sum());
    assert.deepEqual(Array.from(i), [35]);
    const mask = await onGpu(() => tg.tensor([1, 5, 2]).gt(2).cast("float32").add(1));
    assert.deepEqual(Array.from(mask), [1, 2, 1]);
  });

  test("WebGPU reads are asynchronous; float64 stays on the reference backend", async () => {
    const x = onBackend(be, () => tg.tensor([1, 2, 3]).mul(2));
    assert.throws(() => x.data(), (e: unknown) => e instanceof SyncReadError && /dataAsync/.test(e.message));
    assert.deepEqual(await x.toArrayAsync(), [2, 4, 6]);
    const d = onBackend(be, () => tg.tensor([1, 2, 3], { dtype: "float64" }).mul(1 / 3));
    assert.equal(d.dtype, "float64");
    assert.deepEqual([...d.data()], [1 / 3, 2 / 3, 1]);
  });
}
