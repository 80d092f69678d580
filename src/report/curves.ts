// Noisy per-step curves (mini-batch loss and accuracy) read better with a moving average on
// top of the raw values.

/**
 * Trailing moving average over `window` values (fewer at the start).
 * @example movingAverage([1, 2, 3, 4], 2) // [1, 1.5, 2.5, 3.5]
 */
export function movingAverage(values: readonly number[], window: number): number[] {
  const w = Math.max(1, Math.floor(window));
  const out: number[] = [];
  let sum = 0;
  let count = 0;
  for (let i = 0; i < values.length; i++) {
    sum += values[i];
    count++;
    if (i >= w) {
      sum -= values[i - w];
      count--;
    }
    out.push(sum / count);
  }
  return out;
}

/** A window of about a twentieth of the run, at least 1 and at most 50 steps. */
export function smoothingWindow(n: number): number {
  return Math.max(1, Math.min(50, Math.round(n / 20)));
}

/**
 * At most about `max` indices of 0..n−1 for drawing a long run: every index of the first
 * fifth, then indices spaced geometrically to the end (the early steps, where most happens,
 * stay exact; the last index is always kept).
 * @example thinIndices(5, 10) // [0, 1, 2, 3, 4]
 */
export function thinIndices(n: number, max = 800): number[] {
  if (n <= max) return Array.from({ length: n }, (_, i) => i);
  const dense = Math.floor(max / 5);
  const out = Array.from({ length: dense }, (_, i) => i);
  const rest = max - dense;
  const ratio = Math.pow((n - 1) / dense, 1 / rest);
  for (let k = 1; k <= rest; k++) {
    const i = Math.min(n - 1, Math.round(dense * Math.pow(ratio, k)));
    if (i > out[out.length - 1]) out.push(i);
  }
  if (out[out.length - 1] !== n - 1) out.push(n - 1);
  return out;
}

/**
 * At most about `max` evenly spaced indices of 0..n−1 (the last always kept), for noisy
 * per-step curves on a linear axis.
 * @example strideIndices(10, 4) // [0, 3, 6, 9]
 */
export function strideIndices(n: number, max = 2000): number[] {
  if (n <= max) return Array.from({ length: n }, (_, i) => i);
  const stride = Math.ceil((n - 1) / (max - 1));
  const out: number[] = [];
  for (let i = 0; i < n; i += stride) out.push(i);
  if (out[out.length - 1] !== n - 1) out.push(n - 1);
  return out;
}

/** The values at the given indices. */
export function pick<T>(values: readonly T[], idx: readonly number[]): T[] {
  return idx.map((i) => values[i]);
}
