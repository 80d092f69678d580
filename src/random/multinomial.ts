// Sampling category indices from rows of weights (PyTorch's torch.multinomial). It runs on the
// host: the weights are read, and each draw takes one uniform number from the generator.

import { ArgumentError, DTypeError, fmtShape } from "../core/errors.js";
import { isFloat } from "../core/dtype.js";
import { captureState, randomInTraceError } from "../backend/capture.js";
import { tensor } from "../tensor/creation.js";
import type { Tensor } from "../tensor/tensor.js";
import { defaultGenerator, type Generator } from "./generator.js";

export interface MultinomialOpts {
  /** Draw with replacement (a category may repeat); default false, as in PyTorch. */
  replacement?: boolean;
  /** Source of randomness; the default generator when absent. */
  generator?: Generator;
}

/** The first category whose running total exceeds `u` (zero-weight categories are never picked). */
function pick(w: Float64Array, total: number, u: number): number {
  const target = u * total;
  let acc = 0;
  let last = -1;
  for (let i = 0; i < w.length; i++) {
    if (w[i] <= 0) continue;
    acc += w[i];
    last = i;
    if (acc > target) return i;
  }
  return last; // rounding left the target at the very top: the last positive category
}

/** One of the `left` categories not yet taken, uniformly. */
function pickUntaken(taken: Uint8Array, left: number, u: number): number {
  let j = Math.min(left - 1, Math.floor(u * left));
  for (let i = 0; i < taken.length; i++) if (!taken[i] && j-- === 0) return i;
  return -1;
}

/**
 * `n` category indices per row of `probs` (1-D: one distribution; 2-D: one per row), drawn in
 * proportion to the weights, which need not sum to 1 (PyTorch's multinomial). Without
 * replacement, each row's categories are drawn at most once (n ≤ number of categories); once
 * the positive weights are used up, zero-weight categories follow in random order, as in PyTorch.
 * Returns int32 of shape [n] or [rows, n]. Weights must be finite and non-negative with a
 * positive sum per row. A random draw: inside `tg.jit` it raises a TraceError.
 * @example const next = tg.multinomial(tg.softmax(logits, -1), 1, { generator: tg.random.generator(0) });
 */
export function multinomial(probs: Tensor, n: number, opts: MultinomialOpts = {}): Tensor {
  const capture = captureState.active;
  if (capture) throw randomInTraceError(capture);
  if (!isFloat(probs.dtype)) throw new DTypeError(`multinomial: probs must be floating-point, got ${probs.dtype}${fmtShape(probs.shape)}`);
  if (probs.ndim !== 1 && probs.ndim !== 2) throw new ArgumentError(`multinomial: probs must be 1-D or 2-D, got shape ${fmtShape(probs.shape)}`);
  if (!Number.isInteger(n) || n <= 0) throw new ArgumentError(`multinomial: the number of samples must be a positive integer, got ${n}`);
  const replacement = opts.replacement ?? false;
  const k = probs.shape[probs.ndim - 1];
  const rows = probs.ndim === 2 ? probs.shape[0] : 1;
  if (k === 0) throw new ArgumentError(`multinomial: probs ${fmtShape(probs.shape)} has no categories`);
  if (!replacement && n > k)
    throw new ArgumentError(`multinomial: cannot draw ${n} samples without replacement from ${k} categories (probs ${fmtShape(probs.shape)})`);
  const data = probs.data();
  const gen = opts.generator ?? defaultGenerator();
  const out = new Int32Array(rows * n);
  for (let r = 0; r < rows; r++) {
    const w = Float64Array.from(data.subarray(r * k, (r + 1) * k));
    let total = 0;
    let positive = 0; // categories of positive weight
    for (let i = 0; i < k; i++) {
      const v = w[i];
      if (!(v >= 0) || v === Infinity)
        throw new ArgumentError(`multinomial: probs row ${r} holds ${v} at ${i}; weights must be finite and non-negative`);
      total += v;
      if (v > 0) positive++;
    }
    if (!(total > 0)) throw new ArgumentError(`multinomial: probs row ${r} sums to ${total}; it needs a positive weight`);
    const taken = new Uint8Array(k);
    for (let s = 0; s < n; s++) {
      // once every positive weight is drawn (without replacement), the zero-weight categories
      // follow in random order, as PyTorch's do
      const c = s < positive || replacement ? pick(w, total, gen.uniform()) : pickUntaken(taken, k - s, gen.uniform());
      out[r * n + s] = c;
      if (!replacement) {
        // drawn once: out of the remaining draws (the total is summed afresh to keep rounding honest)
        taken[c] = 1;
        w[c] = 0;
        total = 0;
        for (let i = 0; i < k; i++) total += w[i];
      }
    }
  }
  return tensor(out, { dtype: "int32", shape: probs.ndim === 2 ? [rows, n] : [n] });
}
