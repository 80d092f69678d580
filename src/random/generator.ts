// Seeded pseudo-random numbers, bit-for-bit identical on every platform: the state update is
// 32-bit integer arithmetic (xoshiro128**) and the normal sampler uses only +, ×, ÷ and √
// (all correctly rounded by IEEE 754) plus a logarithm written here from those same operations,
// since Math.log may differ in its last bit between JavaScript engines.

import { ArgumentError } from "../core/errors.js";
import { captureState, randomInTraceError } from "../backend/capture.js";

/** A seeded random generator. Create one with `random.generator(seed)`. */
export class Generator {
  private s0: number;
  private s1: number;
  private s2: number;
  private s3: number;
  private spare: number | undefined;

  constructor(seed: number) {
    if (!Number.isInteger(seed)) throw new ArgumentError(`random.generator: seed must be an integer, got ${seed}`);
    // splitmix32 expands the seed into four non-zero state words
    let z = (seed | 0) ^ Math.floor(seed / 4294967296);
    const next = () => {
      z = (z + 0x9e3779b9) | 0;
      let t = z ^ (z >>> 16);
      t = Math.imul(t, 0x21f0aaad);
      t ^= t >>> 15;
      t = Math.imul(t, 0x735a2d97);
      return (t ^ (t >>> 15)) >>> 0;
    };
    this.s0 = next();
    this.s1 = next();
    this.s2 = next();
    this.s3 = next();
    if ((this.s0 | this.s1 | this.s2 | this.s3) === 0) this.s0 = 1;
  }

  /** The next 32 random bits as an unsigned integer. */
  nextUint32(): number {
    // a draw inside a compiled function would happen once, at trace time, and repeat forever
    const capture = captureState.active;
    if (capture) throw randomInTraceError(capture);
    const result = Math.imul(rotl(Math.imul(this.s1, 5), 7), 9) >>> 0;
    const t = this.s1 << 9;
    this.s2 ^= this.s0;
    this.s3 ^= this.s1;
    this.s1 ^= this.s2;
    this.s0 ^= this.s3;
    this.s2 ^= t;
    this.s3 = rotl(this.s3, 11);
    return result;
  }

  /** Uniform in [0, 1) with 53 random bits. */
  uniform(): number {
    const hi = this.nextUint32() >>> 5; // 27 bits
    const lo = this.nextUint32() >>> 6; // 26 bits
    return (hi * 67108864 + lo) / 9007199254740992;
  }

  /** Standard normal by Marsaglia's polar method. */
  normal(): number {
    if (this.spare !== undefined) {
      const s = this.spare;
      this.spare = undefined;
      return s;
    }
    for (;;) {
      const u = 2 * this.uniform() - 1;
      const v = 2 * this.uniform() - 1;
      const s = u * u + v * v;
      if (s >= 1 || s === 0) continue;
      const f = Math.sqrt((-2 * portableLog(s)) / s);
      this.spare = v * f;
      return u * f;
    }
  }

  /** Uniform integer in [low, high). */
  integer(low: number, high: number): number {
    const range = high - low;
    if (range <= 0) throw new ArgumentError(`random.integer: empty range [${low}, ${high})`);
    // rejection sampling avoids modulo bias
    const limit = Math.floor(4294967296 / range) * range;
    for (;;) {
      const r = this.nextUint32();
      if (r < limit) return low + (r % range);
    }
  }

  /** A new generator whose stream is independent of this one (drawn from it). */
  split(): Generator {
    return new Generator(this.nextUint32() * 2 + (this.nextUint32() & 1));
  }

  /** The state, to save and restore a stream exactly. */
  getState(): number[] {
    return [this.s0, this.s1, this.s2, this.s3, this.spare ?? NaN];
  }

  setState(state: readonly number[]): void {
    [this.s0, this.s1, this.s2, this.s3] = state.map((x) => x | 0);
    this.spare = Number.isNaN(state[4]) ? undefined : state[4];
  }
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}

/**
 * ln(x) for 0 < x ≤ 1 from exactly rounded operations only: scale x into [√½, √2) by powers
 * of two (exact), then ln(m) = 2·atanh(t) with t = (m−1)/(m+1), |t| < 0.172, summing the odd
 * series to full precision.
 */
export function portableLog(x: number): number {
  let e = 0;
  let m = x;
  while (m < 0.7071067811865476) {
    m *= 2;
    e--;
  }
  while (m > 1.4142135623730951) {
    m /= 2;
    e++;
  }
  const t = (m - 1) / (m + 1);
  const t2 = t * t;
  let term = t;
  let sum = 0;
  for (let k = 1; k < 60; k += 2) {
    sum += term / k;
    term *= t2;
    if (Math.abs(term) < 1e-18) break;
  }
  return 2 * sum + e * 0.6931471805599453;
}

/** Creates a seeded generator: `const gen = tg.random.generator(42)`. */
export function generator(seed: number): Generator {
  return new Generator(seed);
}

let defaultGen = new Generator(0);

/** The generator used when none is passed. Reseed it with `random.seed(s)`. */
export function defaultGenerator(): Generator {
  return defaultGen;
}

/** Reseeds the default generator. */
export function seed(s: number): void {
  defaultGen = new Generator(s);
}
