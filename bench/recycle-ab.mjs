// What recycled result arrays (`tg.init({ recycle: true })`) give, in one process: the same eager
// work with recycling paused and on, timed in alternating blocks (separate processes on this
// machine differ by more than the effect). Workloads:
//   mlp784    the benchmark's eager MLP 784→256→10 training step (batch 128, SGD)
//   matmul512 tg.realize(tg.matmul(A, B)) for 512×512 float32 operands
// Reports time per call each way, the ratio, the pool's counters over the recycled blocks
// (arrays recycled and fresh, forced collections and their time), and per call each way the
// process's minor page faults and the bytes copied from host arrays into linear memory.
//
//   npx tsc -p tsconfig.build.json && node bench/recycle-ab.mjs [mlp784|matmul512] [threads=2] [blocks=30]

import * as tg from "../dist/index.js";
import { pauseRecycling, recycleStats } from "../dist/backend/recycle.js";

const [workload = "mlp784", threadArg = "2", blockArg = "30"] = process.argv.slice(2);
await tg.init({ relaxedSimd: true, threads: Number(threadArg), recycle: true });
const f32 = { dtype: "float32" };
const values = (n, s, scale) => Float32Array.from({ length: n }, (_, i) => Math.sin(i * 1.3 + s) * scale);

function mlpStep() {
  const [B, I, H, C] = [128, 784, 256, 10];
  const x = tg.tensor(values(B * I, 1, 0.05), { ...f32, shape: [B, I] });
  const onehot = new Float32Array(B * C);
  for (let i = 0; i < B; i++) onehot[i * C + (i % C)] = 1;
  const y = tg.tensor(onehot, { ...f32, shape: [B, C] });
  let ps = [[I, H], [H], [H, C], [C]].map((shape, i) => tg.tensor(values(shape.reduce((a, b) => a * b), i + 2, 0.05), { ...f32, shape }).setRequiresGrad());
  const lr = 0.01;
  const logits = ([w1, b1, w2, b2]) => tg.add(tg.matmul(tg.relu(tg.add(tg.matmul(x, w1), b1)), w2), b2);
  const sgd = (w) => tg.sub(w, tg.mul(w.grad, lr)).setRequiresGrad();
  return {
    calls: 20,
    run: () => {
      tg.nn.functional.crossEntropy(logits(ps), y).backward();
      tg.noGrad(() => {
        ps = ps.map(sgd);
      });
    },
  };
}

function matmul512() {
  const n = 512;
  const A = tg.tensor(values(n * n, 1, 1), { ...f32, shape: [n, n] });
  const B = tg.tensor(values(n * n, 2, 1), { ...f32, shape: [n, n] });
  return { calls: 20, run: () => tg.realize(tg.matmul(A, B)) };
}

const makers = { mlp784: mlpStep, matmul512 };
if (!makers[workload]) {
  console.error("usage: node bench/recycle-ab.mjs [mlp784|matmul512] [threads] [blocks]");
  process.exit(2);
}
const { calls, run } = makers[workload]();
pauseRecycling(true);
const warmUntil = Date.now() + 3000;
while (Date.now() < warmUntil) run();
const total = { fresh: 0, recycled: 0 };
const copiedIn = { fresh: 0, recycled: 0 };
const faults = { fresh: 0, recycled: 0 };
const be = tg.getBackend();
const before = { ...recycleStats };
const blocks = Number(blockArg);
for (let b = 0; b < blocks; b++) {
  for (const mode of b % 2 ? ["fresh", "recycled"] : ["recycled", "fresh"]) {
    pauseRecycling(mode === "fresh");
    const in0 = be.copies?.inBytes ?? 0;
    const pf0 = process.resourceUsage().minorPageFault;
    const t0 = performance.now();
    for (let i = 0; i < calls; i++) run();
    total[mode] += performance.now() - t0;
    faults[mode] += process.resourceUsage().minorPageFault - pf0;
    copiedIn[mode] += (be.copies?.inBytes ?? 0) - in0;
  }
}
const us = (mode) => ((total[mode] / (blocks * calls)) * 1000).toFixed(0);
const perCall = (v) => (v / (blocks * calls)).toFixed(0);
const kb = (v) => (v / (blocks * calls) / 1024).toFixed(0);
const d = (k) => recycleStats[k] - before[k];
console.log(
  `${workload}, ${tg.getNumThreads()} thread(s): fresh arrays ${us("fresh")} µs/call, recycled ${us("recycled")} µs/call: ` +
    `recycled is ${(total.fresh / total.recycled).toFixed(3)}× as fast; over the recycled blocks ${d("recycled")} arrays recycled, ` +
    `${d("fresh")} fresh, ${d("collections")} forced collections taking ${d("collectionMs").toFixed(0)} ms; ` +
    `per call: page faults ${perCall(faults.fresh)} fresh, ${perCall(faults.recycled)} recycled; KB copied into linear memory ${kb(copiedIn.fresh)} fresh, ${kb(copiedIn.recycled)} recycled`,
);
process.exit(0);
