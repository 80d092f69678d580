// The quadrant MLP's small kernels (its five GEMM shapes and its [64, 4] log-softmax) on the Wasm
// kernel module of two builds, in one process, timed in alternating rounds: a before/after check of
// a change to the kernels themselves, without the front end or the plan (see bench/ab.mjs).
//
//   git worktree add /tmp/base <commit> && (cd /tmp/base && npm ci && npx tsc -p tsconfig.build.json)
//   npx tsc -p tsconfig.build.json
//   node bench/ab-kernels.mjs /tmp/base/dist dist [threads]
//
// Reports the median of five rounds per kernel and build (one round: 100,000 calls after 5,000
// warm-up calls) and the ratio.

import { resolve } from "node:path";
import { pathToFileURL } from "node:url";

const [dirA, dirB, threadArg = "1"] = process.argv.slice(2);
if (!dirA || !dirB) {
  console.error("usage: node bench/ab-kernels.mjs <dist A> <dist B> [threads]");
  process.exit(2);
}
const load = (dir) => import(pathToFileURL(resolve(dir, "backend/wasm/index.js")).href);
const threads = Number(threadArg);
const kernels = await Promise.all([dirA, dirB].map(async (d) => (await load(d)).createWasmKernels({ threads, relaxedSimd: true })));

/** A call of one kernel on `K`, with its operands allocated and filled. */
function setup(K, c) {
  const fill = (ptr, n) => {
    const v = K.f32(ptr, n);
    for (let i = 0; i < n; i++) v[i] = Math.sin(i * 1.3);
    return ptr;
  };
  if (c.kind === "logSoftmax") {
    const n = c.rows * c.cols;
    const x = fill(K.allocF32(n), n), out = K.allocF32(n);
    return () => K.logSoftmax(x, out, c.rows, c.cols);
  }
  const { m, n, k, transA, transB } = c;
  const p = { m, n, k, a: fill(K.allocF32(m * k), m * k), b: fill(K.allocF32(k * n), k * n), c: K.allocF32(m * n), transA, transB };
  return () => K.sgemm(p);
}

const cases = [
  { kind: "gemm", m: 64, n: 16, k: 2, transA: false, transB: false },
  { kind: "gemm", m: 64, n: 4, k: 16, transA: false, transB: false },
  { kind: "gemm", m: 64, n: 16, k: 4, transA: false, transB: true },
  { kind: "gemm", m: 2, n: 16, k: 64, transA: true, transB: false },
  { kind: "gemm", m: 16, n: 4, k: 64, transA: true, transB: false },
  { kind: "logSoftmax", rows: 64, cols: 4 },
];
const time = (run) => {
  for (let i = 0; i < 5000; i++) run();
  const calls = 100_000;
  const t = performance.now();
  for (let i = 0; i < calls; i++) run();
  return ((performance.now() - t) / calls) * 1000;
};
for (const c of cases) {
  const runs = kernels.map((K) => setup(K, c));
  const rounds = [];
  for (let r = 0; r < 5; r++) rounds.push(runs.map(time));
  const median = (i) => rounds.map((x) => x[i]).sort((a, b) => a - b)[2];
  const [a, b] = [median(0), median(1)];
  const what = c.kind === "gemm" ? `sgemm ${c.m}×${c.n}×${c.k}${c.transA ? " Aᵀ" : ""}${c.transB ? " Bᵀ" : ""}` : `logSoftmax [${c.rows}, ${c.cols}]`;
  console.log(`${what}: A ${a.toFixed(3)} µs, B ${b.toFixed(3)} µs, B is ${(a / b).toFixed(2)}× as fast as A`);
}
await Promise.all(kernels.map((K) => K.dispose()));
