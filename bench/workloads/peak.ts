// The machine's Wasm SIMD ceiling (bench/fma-peak.ts): independent multiply-add chains, no memory
// traffic. Only the bare-kernel rows run it; the GEMM rows are read against it.

import { ACCUMULATORS, PeakRunner, flopsOf } from "../fma-peak.js";
import type { Workload } from "../types.js";

/** Iterations of one timed call, split across the row's threads (≈ 25 ms on one thread at 64 GFLOP/s). */
export const PEAK_ITERS = 2 ** 24;

export function peakWorkload(): Workload {
  return {
    id: "fma-peak",
    // In the matmul group so that `--only matmul` keeps the ceiling the GEMM rows are read against.
    group: "matmul",
    title: `Wasm SIMD peak: ${ACCUMULATORS} independent f32x4 multiply-add chains`,
    unit: "GFLOP/s",
    better: "higher",
    quick: true,
    fromSeconds: (s) => flopsOf(PEAK_ITERS) / s / 1e9,
    impls: {
      kernel: async ({ threads }) => {
        const runner = await PeakRunner.create(threads);
        return {
          note: runner.relaxed ? "f32x4.relaxed_madd" : "f32x4.mul + f32x4.add (no relaxed SIMD)",
          run: () => runner.run(PEAK_ITERS),
          dispose: () => void runner.close(),
        };
      },
    },
  };
}
