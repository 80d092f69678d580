// Where a front-end matmul's time goes beyond the bare GEMM: in one process and on one backend,
// alternating 0.3 s windows of
//   bare       the GEMM on operands already in linear memory
//   +copy      the same, then its result copied into one reused host array
//   +fresh     the same, then its result copied into a new Float32Array (what eager results are)
//   front end  tg.realize(tg.matmul(A, B)) on tensors, each result in a fresh array
//   recycled   the same with `tg.init({ recycle: true })`: results in the arrays of collected ones,
//              views of linear memory that the GEMM writes in place (no copy out)
// as GFLOP/s per window, and the page faults per call. The gap between "+copy" and "+fresh" is the cost of fresh host memory
// (allocation, zeroing, page faults), not of dispatch or of the copy itself; "recycled" is how
// much of it recycling wins back (its forced collections included).
//
//   npx tsc -p tsconfig.build.json && node bench/matmul-front.mjs [n=512] [threads=2] [rounds=5]

import * as tg from "../dist/index.js";

const [n = 512, threads = 2, rounds = 5] = process.argv.slice(2).map(Number);
await tg.init({ relaxedSimd: true, threads, recycle: true });
// (turned off for the windows of the other cases, so that only "recycled" reuses arrays)
const { pauseRecycling } = await import("../dist/backend/recycle.js");
const values = (len, s) => Float32Array.from({ length: len }, (_, i) => Math.sin(i * 0.37 + s));
const A = tg.tensor(values(n * n, 1), { shape: [n, n], dtype: "float32" });
const B = tg.tensor(values(n * n, 2), { shape: [n, n], dtype: "float32" });
const kernels = tg.getBackend().kernels;
const [pa, pb, pc] = [kernels.allocF32(n * n), kernels.allocF32(n * n), kernels.allocF32(n * n)];
const result = () => new Float32Array(kernels.memory.buffer, pc, n * n);
const gemm = () => kernels.sgemm({ m: n, n, k: n, a: pa, b: pb, c: pc });
const reused = new Float32Array(n * n);
const cases = {
  bare: gemm,
  "+copy": () => {
    gemm();
    reused.set(result());
  },
  "+fresh": () => {
    gemm();
    new Float32Array(n * n).set(result());
  },
  "front end": () => tg.realize(tg.matmul(A, B)),
  recycled: () => tg.realize(tg.matmul(A, B)),
};
pauseRecycling(true);
for (const f of Object.values(cases)) for (let i = 0; i < 5; i++) f();
const rates = Object.fromEntries(Object.keys(cases).map((k) => [k, []]));
const faults = Object.fromEntries(Object.keys(cases).map((k) => [k, 0]));
const callCount = Object.fromEntries(Object.keys(cases).map((k) => [k, 0]));
for (let r = 0; r < rounds; r++)
  for (const [name, f] of Object.entries(cases)) {
    pauseRecycling(name !== "recycled");
    const pf0 = process.resourceUsage().minorPageFault;
    const t0 = performance.now();
    let calls = 0;
    while (performance.now() - t0 < 300) {
      f();
      calls++;
    }
    rates[name].push((2 * n ** 3 * calls) / (performance.now() - t0) / 1e6);
    faults[name] += process.resourceUsage().minorPageFault - pf0;
    callCount[name] += calls;
  }
console.log(`matmul ${n}³, ${tg.getNumThreads()} thread(s), GFLOP/s per 0.3 s window (then the process's minor page faults per call):`);
for (const [name, v] of Object.entries(rates))
  console.log(`  ${name.padEnd(10)} ${v.map((x) => x.toFixed(1).padStart(6)).join(" ")}   ${(faults[name] / callCount[name]).toFixed(0).padStart(4)} faults/call`);
