/**
 * Float32 GEMM throughput of the Wasm SIMD kernels.
 *
 *   node --import tsx bench/gemm.ts [--sizes 64,128,256,512,1024] [--threads 1,2] [--seconds 1.5] [--rounds 3]
 *                                   [--plain | --relaxed-simd] [--no-liftoff]
 *
 * For each square size n and thread count: warm up, then time repeated
 * C = A·B calls and report 2n³ / median time (and the fastest call) in
 * GFLOP/s. Thread counts are measured in alternating rounds; the best
 * round's median is reported (the machine may be shared). --plain forces
 * the f32x4.mul + f32x4.add kernel instead of relaxed-SIMD FMA. By default no
 * V8 flag is touched (what the package does): relaxed SIMD only where the engine
 * has it without one. --relaxed-simd and --no-liftoff are the opt-in flags of
 * `tg.init({ relaxedSimd: true, noLiftoff: true })`, set for the compilation
 * and restored to V8's defaults after it.
 * Before any warm-up, the first three calls at the largest size ≤ 512 are timed
 * (one thread): that is where Liftoff's baseline code shows.
 * Also times the small products of a 2-16-4 MLP with batch 64 (forward and
 * backward shapes) in µs per call. The "÷ peak" column divides the best
 * GEMM rate by the Wasm SIMD FMA peak (bench/fma-peak.ts, its fastest run) on
 * the same number of threads, measured first: how close the kernel gets to
 * the machine's Wasm ceiling. Both are best runs because load from other
 * processes only ever lowers a ceiling.
 */
import { createWasmKernels, type SgemmParams, type WasmKernels } from '../src/backend/wasm/index.js';
import { PeakRunner, flopsOf } from './fma-peak.js';

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && i + 1 < process.argv.length ? process.argv[i + 1] : fallback;
}

const sizes = arg('sizes', '64,128,256,512,1024').split(',').map(Number);
const threadCounts = arg('threads', '1,2').split(',').map(Number);
const seconds = Number(arg('seconds', '1.5'));
const rounds = Number(arg('rounds', '3'));

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[s.length >> 1];
}

/** Times `fn` for about `budget` seconds after a warm-up; returns per-call times in ms. */
function timeCalls(fn: () => void, budget: number): number[] {
  const warmEnd = performance.now() + Math.min(200, budget * 300);
  let warm = 0;
  while (performance.now() < warmEnd || warm < 3) {
    fn();
    warm++;
  }
  const times: number[] = [];
  const end = performance.now() + budget * 1000;
  while (performance.now() < end || times.length < 5) {
    const t = performance.now();
    fn();
    times.push(performance.now() - t);
  }
  return times;
}

function randomize(K: WasmKernels, ptr: number, len: number): void {
  const v = K.f32(ptr, len);
  for (let i = 0; i < len; i++) v[i] = Math.random() * 2 - 1;
}

/** FMA peak in GFLOP/s on `threads` threads: the fastest of short runs over about `budget` seconds. */
async function fmaPeak(threads: number, relaxed: boolean, budget: number): Promise<number> {
  const runner = await PeakRunner.create(threads, relaxed);
  const iters = 2 ** 22;
  const times: number[] = [];
  const end = performance.now() + budget * 1000;
  while (performance.now() < end || times.length < 5) {
    const t = performance.now();
    await runner.run(iters);
    times.push(performance.now() - t);
  }
  await runner.close();
  return flopsOf(iters) / Math.min(...times) / 1e6;
}

const HELP = `usage: node --import tsx bench/gemm.ts [options]
  --sizes 64,128,...   square sizes (default 64,128,256,512,1024)
  --threads 1,2        thread counts (default 1,2)
  --seconds S          time budget per size and thread count (default 1.5)
  --rounds R           alternating rounds, best median kept (default 3)
  --plain              plain SIMD (f32x4.mul + f32x4.add) even where relaxed SIMD exists
  --relaxed-simd       opt in to V8's --experimental-wasm-relaxed-simd for the compilation (Node 20)
  --no-liftoff         opt in to V8's --no-liftoff for the compilation
  --help               this text`;

async function main(): Promise<void> {
  if (process.argv.includes('--help')) {
    console.log(HELP);
    return;
  }
  const plain = process.argv.includes('--plain');
  const K = await createWasmKernels({
    threads: Math.max(...threadCounts),
    relaxedSimd: plain ? false : process.argv.includes('--relaxed-simd') ? true : undefined,
    noLiftoff: process.argv.includes('--no-liftoff'),
  });
  console.log(`relaxed SIMD: ${K.relaxedSimd}, threads available: ${K.threads}, shared memory: ${K.threadsSupported}, ` +
    `no-liftoff: ${process.argv.includes('--no-liftoff')}`);
  const cold = Math.max(...sizes.filter((n) => n <= 512), Math.min(...sizes));
  {
    await K.setNumThreads(1);
    const a = K.allocF32(cold * cold), b = K.allocF32(cold * cold), c = K.allocF32(cold * cold);
    randomize(K, a, cold * cold);
    randomize(K, b, cold * cold);
    const firsts: string[] = [];
    for (let i = 0; i < 3; i++) {
      const t = performance.now();
      K.sgemm({ m: cold, n: cold, k: cold, a, b, c });
      firsts.push((performance.now() - t).toFixed(1));
    }
    console.log(`first three calls at n = ${cold} (1 thread, before warm-up): ${firsts.join(', ')} ms`);
    K.free(a);
    K.free(b);
    K.free(c);
  }
  const peak = new Map<number, number>();
  for (const t of threadCounts) {
    peak.set(t, await fmaPeak(t, K.relaxedSimd, Math.min(seconds, 0.5)));
    console.log(`FMA peak, ${t} thread${t === 1 ? '' : 's'}: ${peak.get(t)!.toFixed(1)} GFLOP/s (${K.relaxedSimd ? 'relaxed_madd' : 'mul + add'})`);
  }
  console.log('');
  console.log('   n | threads | GFLOP/s (median) | GFLOP/s (best) | ms/call (median) | ÷ peak');
  console.log('-----+---------+------------------+----------------+------------------+-------');
  for (const n of sizes) {
    const a = K.allocF32(n * n), b = K.allocF32(n * n), c = K.allocF32(n * n);
    randomize(K, a, n * n);
    randomize(K, b, n * n);
    const p: SgemmParams = { m: n, n, k: n, a, b, c };
    const flop = 2 * n ** 3;
    // Rounds alternate the thread counts so that a burst of load from other
    // processes does not hit only one of them; the best round's median is kept.
    const best = new Map<number, { med: number; min: number }>();
    for (let round = 0; round < rounds; round++) {
      for (const t of threadCounts) {
        await K.setNumThreads(t);
        const times = timeCalls(() => K.sgemm(p), seconds / rounds);
        const med = median(times), min = Math.min(...times);
        const prev = best.get(t);
        best.set(t, { med: Math.min(med, prev?.med ?? Infinity), min: Math.min(min, prev?.min ?? Infinity) });
      }
    }
    for (const t of threadCounts) {
      const { med, min } = best.get(t)!;
      const note = t > 1 && n ** 3 < 2 ** 20 ? ' (below parallel threshold: 1 thread)' : '';
      console.log(
        `${String(n).padStart(4)} | ${String(t).padStart(7)} | ${(flop / med / 1e6).toFixed(1).padStart(16)} | ` +
          `${(flop / min / 1e6).toFixed(1).padStart(14)} | ${med.toFixed(3).padStart(16)} | ` +
          `${((100 * flop) / min / 1e6 / peak.get(t)!).toFixed(0).padStart(5)}%${note}`,
      );
    }
    K.free(a);
    K.free(b);
    K.free(c);
  }

  // Small products of an MLP 2 → 16 → 4 on a batch of 64.
  await K.setNumThreads(1);
  console.log('');
  console.log('small products (batch 64, MLP 2-16-4), µs per call:');
  const shapes: [string, Omit<SgemmParams, 'a' | 'b' | 'c'>][] = [
    ['X[64,2] @ W1[2,16]', { m: 64, n: 16, k: 2 }],
    ['H[64,16] @ W2[16,4]', { m: 64, n: 4, k: 16 }],
    ['dY[64,4] @ W2ᵀ (transB)', { m: 64, n: 16, k: 4, transB: true }],
    ['Hᵀ (transA) @ dY[64,4]', { m: 16, n: 4, k: 64, transA: true }],
    ['Xᵀ (transA) @ dH[64,16]', { m: 2, n: 16, k: 64, transA: true }],
  ];
  for (const [name, s] of shapes) {
    const a = K.allocF32(s.m * s.k), b = K.allocF32(s.k * s.n), c = K.allocF32(s.m * s.n);
    randomize(K, a, s.m * s.k);
    randomize(K, b, s.k * s.n);
    const p: SgemmParams = { ...s, a, b, c };
    const times = timeCalls(() => {
      for (let i = 0; i < 100; i++) K.sgemm(p);
    }, Math.min(seconds, 0.3));
    console.log(`  ${name.padEnd(26)} ${((median(times) / 100) * 1e3).toFixed(2)} µs`);
    K.free(a);
    K.free(b);
    K.free(c);
  }
  await K.dispose();
}

await main();
