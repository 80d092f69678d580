// Choosing the next token from a row of logits on the host: temperature, top-k, top-p (nucleus)
// and one multinomial draw from a seeded generator.

import { ArgumentError } from "../core/errors.js";
import type { Generator } from "../random/generator.js";

export interface SamplingOpts {
  /** Divides the logits; < 1 sharpens, > 1 flattens. Default 1; must be > 0. */
  temperature?: number;
  /** Keep only the k most likely tokens (1 ≤ k ≤ vocabulary). */
  topK?: number;
  /** Keep the smallest set of most likely tokens whose probability reaches p (0 < p ≤ 1). */
  topP?: number;
}

/** Checks sampling options against a vocabulary size; throws ArgumentError naming the bad one. */
export function checkSampling(op: string, opts: SamplingOpts, vocabSize: number): void {
  const { temperature = 1, topK, topP } = opts;
  if (!(typeof temperature === "number" && temperature > 0 && Number.isFinite(temperature)))
    throw new ArgumentError(`${op}: temperature must be a number > 0, got ${temperature}`);
  if (topK !== undefined && !(Number.isInteger(topK) && topK >= 1 && topK <= vocabSize))
    throw new ArgumentError(`${op}: topK must be a whole number in [1, ${vocabSize}] (the vocabulary size), got ${topK}`);
  if (topP !== undefined && !(typeof topP === "number" && topP > 0 && topP <= 1)) throw new ArgumentError(`${op}: topP must be in (0, 1], got ${topP}`);
}

/**
 * The probabilities sampling draws from, after temperature, top-k and top-p (float64, sums to 1).
 * @example sampleProbabilities(new Float32Array([2, 1, 0]), { topK: 2 }) // ≈ [0.73, 0.27, 0]
 */
export function sampleProbabilities(logits: ArrayLike<number>, opts: SamplingOpts = {}): Float64Array {
  const n = logits.length;
  const t = opts.temperature ?? 1;
  const z = Float64Array.from({ length: n }, (_, i) => logits[i] / t);
  if (opts.topK !== undefined && opts.topK < n) {
    const kth = [...z].sort((a, b) => b - a)[opts.topK - 1];
    for (let i = 0; i < n; i++) if (z[i] < kth) z[i] = -Infinity;
  }
  let max = -Infinity;
  for (const v of z) if (v > max) max = v;
  const p = new Float64Array(n);
  let sum = 0;
  for (let i = 0; i < n; i++) sum += p[i] = Math.exp(z[i] - max);
  for (let i = 0; i < n; i++) p[i] /= sum;
  if (opts.topP !== undefined && opts.topP < 1) {
    const order = [...p.keys()].sort((a, b) => p[b] - p[a] || a - b);
    let acc = 0;
    let cut = order.length;
    for (let r = 0; r < order.length; r++) {
      acc += p[order[r]];
      if (acc >= opts.topP) {
        cut = r + 1;
        break;
      }
    }
    let kept = 0;
    for (let r = 0; r < order.length; r++) {
      if (r >= cut) p[order[r]] = 0;
      else kept += p[order[r]];
    }
    for (let i = 0; i < n; i++) p[i] /= kept;
  }
  return p;
}

/** One draw from the distribution `p` with the generator's next uniform number. */
export function drawIndex(p: ArrayLike<number>, gen: Generator): number {
  const u = gen.uniform();
  let acc = 0;
  let last = 0;
  for (let i = 0; i < p.length; i++) {
    if (p[i] <= 0) continue;
    acc += p[i];
    last = i;
    if (u < acc) return i;
  }
  return last;
}
