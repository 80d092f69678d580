// One training iteration of the default char-lm config (tg.models.GPT: 4 layers, 4 heads, width
// 128, block 64, batch 12, vocabulary 65; AdamW, clipping) in GFLOP/s, beside the bare Wasm GEMMs
// of the same iteration at the same threads (its GEMM bound) and PyTorch's iteration of the same
// model (bench/char_lm.py), each the best of 1 and 2 threads.
//
//   npm run build && node --import tsx bench/workloads/char-lm.ts [--iters 8]
//   npm run bench -- --only char-lm        (the same, as a section of bench/results/latest.md)

import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import * as tg from "../../dist/index.js";
import * as examples from "../../dist/examples/index.js";
import { createWasmKernels } from "../../dist/backend/wasm/index.js";
import { kernelArray } from "../peers/kernel.js";

const CONFIG = { vocabSize: 65, blockSize: 64, nLayer: 4, nHead: 4, nEmbd: 128, dropout: 0, bias: true };
const B = 12;

interface Row {
  what: string;
  threads: number;
  msPerIter: number;
  gflops: number;
  note: string;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

/** tensorgrad's iteration (charLmTrain: forward, backward, clipping, AdamW as one tg.compile plan) at `threads`. */
async function tensorgradIteration(threads: number, iters: number): Promise<Row> {
  await tg.setNumThreads(threads);
  if (tg.getNumThreads() !== threads) throw new Error(`char-lm bench: asked for ${threads} threads, running ${tg.getNumThreads()}`);
  const config = examples.charLmConfig({ ...CONFIG, batchSize: B, maxIters: 1_000_000, evalInterval: 1_000_000, evalIters: 1, seed: 0 });
  const state = examples.charLmInit(config, CONFIG.vocabSize);
  const ids = Int32Array.from({ length: 20_000 }, (_, i) => (i * 7919) % 65);
  const data = { tokenizer: tg.text.CharTokenizer.fromText("x"), train: ids, val: ids };
  const ms: number[] = [];
  examples.charLmTrain(state, data, { iters: 3 });
  examples.charLmTrain(state, data, { iters, onStep: (s) => void ms.push(s.msPerIter) });
  const m = median(ms);
  const flop = state.model.flopsPerToken() * B * CONFIG.blockSize;
  return { what: "tensorgrad (wasm, tg.compile)", threads, msPerIter: m, gflops: flop / m / 1e6, note: `final loss ${state.losses[state.losses.length - 1].toFixed(3)}` };
}

/** The iteration's GEMMs (forward products and the two backward products of each) run bare on the Wasm kernels. */
async function bareGemms(threads: number, iters: number): Promise<Row> {
  const kernels = await createWasmKernels({ threads, relaxedSimd: true });
  const M = B * CONFIG.blockSize;
  const C = CONFIG.nEmbd;
  const hd = C / CONFIG.nHead;
  const bh = B * CONFIG.nHead;
  const T = CONFIG.blockSize;
  // [batch, m, n, k] of each forward product; a backward pass adds (m, k, n) and (k, n, m)
  const forward: [number, number, number, number][] = [];
  for (let l = 0; l < CONFIG.nLayer; l++)
    forward.push([1, M, 3 * C, C], [bh, T, T, hd], [bh, T, hd, T], [1, M, C, C], [1, M, 4 * C, C], [1, M, C, 4 * C]);
  forward.push([1, M, CONFIG.vocabSize, C]);
  const all = forward.flatMap(([b, m, n, k]) => [[b, m, n, k], [b, m, k, n], [b, k, n, m]] as [number, number, number, number][]);
  const calls = all.map(([batch, m, n, k]) => {
    const a = kernelArray(kernels, new Float32Array(batch * m * k).fill(0.5));
    const bb = kernelArray(kernels, new Float32Array(batch * k * n).fill(0.25));
    const c = kernels.allocF32(batch * m * n);
    return () => kernels.sgemm({ batch, m, n, k, a, b: bb, c, aBatchStride: m * k, bBatchStride: k * n, cBatchStride: m * n });
  });
  const flop = all.reduce((s, [b, m, n, k]) => s + 2 * b * m * n * k, 0);
  for (const f of calls) f();
  const ms: number[] = [];
  for (let i = 0; i < iters; i++) {
    const t0 = performance.now();
    for (const f of calls) f();
    ms.push(performance.now() - t0);
  }
  await kernels.dispose();
  const m = median(ms);
  return { what: "bare Wasm GEMMs of the iteration", threads, msPerIter: m, gflops: flop / m / 1e6, note: `${all.length} products, ${(flop / 1e9).toFixed(2)} GFLOP` };
}

/** PyTorch's iteration of the same model (bench/char_lm.py), or null when torch does not load. */
function torchIteration(threads: number[], iters: number): Row[] {
  const script = fileURLToPath(new URL("../char_lm.py", import.meta.url));
  const r = spawnSync("/usr/bin/python3", [script, "--threads", threads.join(","), "--iters", String(iters)], { encoding: "utf8", timeout: 600_000 });
  if (r.status !== 0) return [];
  return r.stdout.trim().split("\n").map((line) => {
    const j = JSON.parse(line) as { threads: number; ms_per_iter: number; gflops: number; loss: number };
    return { what: "PyTorch 1.13 (CPU, eager)", threads: j.threads, msPerIter: j.ms_per_iter, gflops: j.gflops, note: `final loss ${j.loss.toFixed(3)}` };
  });
}

/** Runs every row and returns the section as Markdown. */
export async function charLmBench(iters = 8): Promise<string> {
  // the kernels in their fastest form, as the bare GEMM rows and the other tensorgrad rows run them:
  // relaxed-SIMD FMA (an opt-in V8 flag on Node 20, set for the one compilation)
  await tg.init({ relaxedSimd: true });
  const rows: Row[] = [];
  for (const t of [1, 2]) {
    rows.push(await tensorgradIteration(t, iters));
    rows.push(await bareGemms(t, iters));
  }
  rows.push(...torchIteration([1, 2], iters));
  const best = (what: string) => rows.filter((r) => r.what === what).sort((a, b) => a.msPerIter - b.msPerIter)[0];
  const tgBest = best("tensorgrad (wasm, tg.compile)");
  const gemmBest = best("bare Wasm GEMMs of the iteration");
  const torchBest = best("PyTorch 1.13 (CPU, eager)");
  const lines = [
    "## char-lm: one training iteration of the default config",
    "",
    "4 layers × 4 heads × width 128, block 64, batch 12 (3.996 GFLOP per iteration by nanoGPT's 6N + 12·L·C·T count); median of the timed iterations.",
    "",
    "| implementation | threads | ms/iter | GFLOP/s | notes |",
    "|---|---:|---:|---:|---|",
    ...rows.map((r) => `| ${r.what} | ${r.threads} | ${r.msPerIter.toFixed(1)} | ${r.gflops.toFixed(2)} | ${r.note} |`),
    "",
    `Best of 1 and 2 threads: tensorgrad ${tgBest.gflops.toFixed(2)} GFLOP/s, ${(100 * tgBest.gflops / gemmBest.gflops).toFixed(0)}% of its bare GEMM rate (${gemmBest.gflops.toFixed(2)} GFLOP/s)` +
      (torchBest ? `; PyTorch ${torchBest.gflops.toFixed(2)} GFLOP/s (tensorgrad at ${(100 * tgBest.gflops / torchBest.gflops).toFixed(0)}% of it).` : "; PyTorch did not load."),
  ];
  return lines.join("\n");
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const i = process.argv.indexOf("--iters");
  console.log(await charLmBench(i > 0 ? Number(process.argv[i + 1]) : 8));
}
