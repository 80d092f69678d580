/**
 * The machine's Wasm SIMD ceiling: independent f32x4 multiply-add chains, in GFLOP/s, so GEMM
 * rows can be read against what a Wasm kernel could at best reach on this CPU.
 *
 * One generated function `peak(iters)` keeps ACCUMULATORS f32x4 chains in locals and updates
 * each `iters` times as acc = acc·b + c: with f32x4.relaxed_madd when the engine has it (one FMA
 * instruction on x64 with FMA3), else f32x4.mul then f32x4.add. An FMA has about 4 cycles of
 * latency and two pipes issue one each per cycle, so at least 8 chains must be in flight; more
 * chains than vector registers (V8 allocates 15 of the 16 xmm registers, and b, c take two)
 * would spill. b < 1 keeps every chain bounded (it converges to c / (1 − b)), away from
 * infinities and denormals that would slow the FPU. Each update is 2 FLOPs per lane.
 */
import { F32, I32, ModuleBuilder, V128, type Fn } from '../src/backend/wasm/emitter.js';
import * as v8 from 'node:v8';
import { RELAXED_SIMD_FLAG, withV8Flags } from '../src/backend/wasm/module.js';
import { Worker } from 'node:worker_threads';

/** Independent chains (see the header: ≥ 8 hides FMA latency, ≤ 12 leaves room for b and c). */
export const ACCUMULATORS = 12;

/** FLOPs of one `peak(iters)` call. */
export const flopsOf = (iters: number, accumulators = ACCUMULATORS): number => iters * accumulators * 4 * 2;

/** The module bytes: `peak(iters: i32) -> f32` (the sum of the lanes, so no chain is dead code). */
export function buildPeakModule(relaxed: boolean, accumulators = ACCUMULATORS): Uint8Array<ArrayBuffer> {
  const mb = new ModuleBuilder({ module: 'env', name: 'memory', initialPages: 1, shared: false });
  mb.func([I32], [F32], (f) => emitPeak(f, relaxed, accumulators), 'peak');
  return mb.build();
}

function emitPeak(f: Fn, relaxed: boolean, accumulators: number): void {
  const iters = f.param(0);
  const b = f.local(V128);
  const c = f.local(V128);
  const acc = Array.from({ length: accumulators }, () => f.local(V128));
  f.f32x4(0.999).set(b);
  f.f32x4(1e-3).set(c);
  // Distinct starting values so that no two chains could be merged by the compiler.
  acc.forEach((a, i) => f.f32x4(i, i + 0.25, i + 0.5, i + 0.75).set(a));
  f.whileLoop(
    () => f.get(iters).i32(0).op('i32.gt_s'),
    () => {
      for (const a of acc) {
        if (relaxed) f.get(a).get(b).get(c).op('f32x4.relaxed_madd').set(a);
        else f.get(a).get(b).op('f32x4.mul').get(c).op('f32x4.add').set(a);
      }
      f.addTo(iters, -1);
    },
  );
  f.get(acc[0]);
  for (const a of acc.slice(1)) f.get(a).op('f32x4.add');
  const sum = f.local(V128);
  f.set(sum);
  f.get(sum).lane('f32x4.extract_lane', 0);
  for (let l = 1; l < 4; l++) f.get(sum).lane('f32x4.extract_lane', l).op('f32.add');
}

export interface PeakModule {
  module: WebAssembly.Module;
  relaxed: boolean;
}

/**
 * Compiles the peak loop: with relaxed SIMD when `preferRelaxed` (turning on Node 20's V8 flag
 * for this one compilation, as `tg.init({ relaxedSimd: true })` does) and the engine has it.
 */
export async function compilePeak(preferRelaxed = true): Promise<PeakModule> {
  if (!preferRelaxed) return { module: new WebAssembly.Module(buildPeakModule(false)), relaxed: false };
  return withV8Flags(v8, [RELAXED_SIMD_FLAG], () => {
    try {
      return { module: new WebAssembly.Module(buildPeakModule(true)), relaxed: true };
    } catch {
      return { module: new WebAssembly.Module(buildPeakModule(false)), relaxed: false };
    }
  });
}

type PeakFn = (iters: number) => number;

export function instantiatePeak(module: WebAssembly.Module): PeakFn {
  const memory = new WebAssembly.Memory({ initial: 1 });
  const instance = new WebAssembly.Instance(module, { env: { memory } });
  return instance.exports.peak as PeakFn;
}

// A worker runs its share of the iterations whenever the main thread posts a count, and answers
// with the result; it is CommonJS evaluated in place, so there is no file to resolve.
const WORKER_SOURCE = `
const { workerData, parentPort } = require('node:worker_threads');
const memory = new WebAssembly.Memory({ initial: 1 });
const peak = new WebAssembly.Instance(workerData.module, { env: { memory } }).exports.peak;
parentPort.on('message', (iters) => parentPort.postMessage(peak(iters)));
`;

/**
 * Runs the peak loop on `threads` threads at once (the main thread and threads − 1 workers), each
 * with an equal share of the iterations, as tensorgrad counts threads (main thread included).
 */
export class PeakRunner {
  /** Settles the current call of each worker (one call at a time). */
  private readonly pending: { resolve: () => void; reject: (e: unknown) => void }[] = [];

  private constructor(
    readonly threads: number,
    readonly relaxed: boolean,
    private readonly peak: PeakFn,
    private readonly workers: Worker[],
  ) {
    workers.forEach((w, i) => {
      w.on('message', () => this.pending[i]?.resolve());
      w.on('error', (e) => this.pending[i]?.reject(e));
    });
  }

  static async create(threads: number, preferRelaxed = true): Promise<PeakRunner> {
    if (!Number.isInteger(threads) || threads < 1) throw new RangeError(`fma peak: threads must be a positive integer, got ${threads}`);
    const { module, relaxed } = await compilePeak(preferRelaxed);
    const workers = Array.from({ length: threads - 1 }, () => new Worker(WORKER_SOURCE, { eval: true, workerData: { module } }));
    const runner = new PeakRunner(threads, relaxed, instantiatePeak(module), workers);
    // One small call each, so the workers have instantiated their module before any timing.
    await runner.run(threads * 1000);
    return runner;
  }

  /** Runs `totalIters` iterations split evenly across the threads; resolves when all are done. */
  async run(totalIters: number): Promise<void> {
    const share = Math.ceil(totalIters / this.threads);
    const replies = this.workers.map(
      (w, i) =>
        new Promise<void>((resolve, reject) => {
          this.pending[i] = { resolve, reject };
          w.postMessage(share);
        }),
    );
    this.peak(share);
    await Promise.all(replies);
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}
