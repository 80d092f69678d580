// Timing: warm-up, then samples of one or more calls each; the result is the median time per call.
// The same protocol is mirrored in peers/numpy_bench.py so that every row is measured alike.

export interface TimingOpts {
  /** Seconds spent warming up at least (at least `minWarmupCalls` calls are made regardless). */
  warmupSeconds: number;
  minWarmupCalls: number;
  /**
   * Warm-up goes on, in windows of `warmupWindowSeconds`, until two windows in a row agree on
   * the time per call within `steadyTolerance` (the JIT has settled), or `maxWarmupSeconds`.
   */
  warmupWindowSeconds: number;
  steadyTolerance: number;
  maxWarmupSeconds: number;
  /** Seconds aimed at for the timed part of one cell. */
  budgetSeconds: number;
  /** Samples taken when calls are fast enough; fewer (but at least `minSamples`) when they are slow. */
  samples: number;
  minSamples: number;
  /** A call slower than this (after warm-up) is timed once and noted. */
  singleRunSeconds: number;
  /** A cell whose call is predicted (from a smaller size) to take longer than this is skipped. */
  skipAboveSeconds: number;
}

export const FULL_TIMING: TimingOpts = {
  warmupSeconds: 0.25,
  minWarmupCalls: 2,
  warmupWindowSeconds: 0.1,
  steadyTolerance: 0.1,
  maxWarmupSeconds: 2,
  budgetSeconds: 1.2,
  samples: 9,
  minSamples: 3,
  singleRunSeconds: 2,
  skipAboveSeconds: 30,
};

export const QUICK_TIMING: TimingOpts = {
  warmupSeconds: 0.05,
  minWarmupCalls: 1,
  warmupWindowSeconds: 0.02,
  steadyTolerance: 0.2,
  maxWarmupSeconds: 0.2,
  budgetSeconds: 0.2,
  samples: 5,
  minSamples: 3,
  singleRunSeconds: 0.5,
  skipAboveSeconds: 3,
};

export interface Measurement {
  /** Median seconds per call. */
  seconds: number;
  /** Seconds per call of every sample. */
  samples: number[];
  /** Calls per sample. */
  callsPerSample: number;
  warmupCalls: number;
  note?: string;
}

const now = (): number => performance.now() / 1000;

/** Calls `fn` (awaiting it when it returns a promise) and returns the elapsed seconds. */
async function timeCalls(fn: () => unknown, calls: number): Promise<number> {
  const t0 = now();
  for (let i = 0; i < calls; i++) {
    const r = fn();
    if (r instanceof Promise) await r;
  }
  return now() - t0;
}

export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/**
 * Measures the time of one call of `fn` after warm-up. Warm-up runs windows of calls until the
 * time per call is steady (two windows in a row within `steadyTolerance` of each other, after
 * `warmupSeconds`), so a JIT that is still optimising does not set the result; the last window
 * sizes the samples.
 */
export async function measure(fn: () => unknown, opts: TimingOpts): Promise<Measurement> {
  let warmupCalls = 0;
  let last = 0;
  const warmStart = now();
  let previous = Infinity;
  let perCall = 0;
  for (;;) {
    // one window: calls until it has lasted warmupWindowSeconds
    let calls = 0;
    let spent = 0;
    while (calls === 0 || spent < opts.warmupWindowSeconds) {
      last = await timeCalls(fn, 1);
      spent += last;
      calls++;
      if (last > opts.singleRunSeconds) break;
    }
    warmupCalls += calls;
    perCall = spent / calls;
    if (last > opts.singleRunSeconds) break;
    const elapsed = now() - warmStart;
    const steady = Math.abs(perCall - previous) <= opts.steadyTolerance * Math.min(perCall, previous);
    if (warmupCalls >= opts.minWarmupCalls && ((elapsed >= opts.warmupSeconds && steady) || elapsed >= opts.maxWarmupSeconds)) break;
    previous = perCall;
  }
  if (last > opts.singleRunSeconds) {
    const t = await timeCalls(fn, 1);
    return { seconds: t, samples: [t], callsPerSample: 1, warmupCalls, note: "1 timed run (slow)" };
  }
  perCall = Math.max(perCall, 1e-7);
  let samples = opts.samples;
  let calls = Math.floor(opts.budgetSeconds / (samples * perCall));
  if (calls < 1) {
    calls = 1;
    samples = Math.max(opts.minSamples, Math.floor(opts.budgetSeconds / perCall));
  }
  const times: number[] = [];
  for (let s = 0; s < samples; s++) times.push((await timeCalls(fn, calls)) / calls);
  return { seconds: median(times), samples: times, callsPerSample: calls, warmupCalls };
}
