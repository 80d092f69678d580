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

  /**
   * `seed` must be an integer in [0, 2⁵³). Every such seed gives its own stream: the low 32
   * bits are expanded by splitmix32 (so seeds below 2³² keep the streams they always had) and
   * the high 21 bits, mixed by a bijection that maps 0 to 0, are xored into the third state
   * word, so two seeds that differ anywhere differ in the state. Negative, fractional and larger
   * seeds are refused rather than folded onto another seed's stream.
   */
  constructor(seed: number) {
    if (!Number.isInteger(seed) || seed < 0 || seed >= 2 ** 53)
      throw new ArgumentError(`random.generator: seed must be an integer in [0, 2^53), got ${seed}`);
    [this.s0, this.s1, this.s2, this.s3] = expandSeed(seed >>> 0);
    this.s2 ^= fmix32(Math.floor(seed / 4294967296));
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

  /** Uniform integer in [low, high); the range may hold at most 2³² values (one 32-bit draw each). */
  integer(low: number, high: number): number {
    const range = high - low;
    if (!Number.isInteger(low) || !Number.isInteger(high)) throw new ArgumentError(`random.integer: low and high must be integers, got [${low}, ${high})`);
    if (range <= 0) throw new ArgumentError(`random.integer: empty range [${low}, ${high})`);
    // beyond 2³² the rejection limit below is 0 and no draw would ever be accepted
    if (range > 4294967296) throw new ArgumentError(`random.integer: range [${low}, ${high}) holds ${range} values, more than 2^32`);
    // rejection sampling avoids modulo bias
    const limit = Math.floor(4294967296 / range) * range;
    for (;;) {
      const r = this.nextUint32();
      if (r < limit) return low + (r % range);
    }
  }

  /** A new generator whose stream is independent of this one (drawn from it). */
  split(): Generator {
    // the child's 33-bit seed is folded to 32 bits exactly as it always was, so split streams
    // (and every result drawn from them) are unchanged
    const seed = this.nextUint32() * 2 + (this.nextUint32() & 1);
    const child = new Generator(0);
    child.setState([...expandSeed((seed | 0) ^ Math.floor(seed / 4294967296)), NaN]);
    return child;
  }

  /** The state, to save and restore a stream exactly. */
  getState(): number[] {
    return [this.s0, this.s1, this.s2, this.s3, this.spare ?? NaN];
  }

  /**
   * Restores a state from `getState()`: four 32-bit integers, not all zero (xoshiro's one fixed
   * point: from it every draw is 0 and `normal()` would loop forever), then the cached normal
   * (NaN for none). Anything else is refused, leaving the generator as it was.
   */
  setState(state: readonly number[]): void {
    const bad = (why: string) => new ArgumentError(`Generator.setState: ${why}; pass an array from getState()`);
    if (!Array.isArray(state) || state.length !== 5) throw bad(`expected 5 numbers, got ${Array.isArray(state) ? state.length : typeof state}`);
    for (let i = 0; i < 4; i++) {
      const w = state[i];
      if (typeof w !== "number" || !Number.isInteger(w) || w < -2147483648 || w > 4294967295)
        throw bad(`word ${i} must be a 32-bit integer, got ${String(w)}`);
    }
    if (state.slice(0, 4).every((w) => (w | 0) === 0)) throw bad("the four state words are all zero");
    const spare = state[4];
    if (typeof spare !== "number" || !(Number.isNaN(spare) || Number.isFinite(spare))) throw bad(`the cached normal must be a finite number or NaN, got ${String(spare)}`);
    [this.s0, this.s1, this.s2, this.s3] = state.slice(0, 4).map((x) => x | 0);
    this.spare = Number.isNaN(spare) ? undefined : spare;
  }
}

/** splitmix32 expands a 32-bit seed into four state words. */
function expandSeed(z: number): [number, number, number, number] {
  const next = () => {
    z = (z + 0x9e3779b9) | 0;
    let t = z ^ (z >>> 16);
    t = Math.imul(t, 0x21f0aaad);
    t ^= t >>> 15;
    t = Math.imul(t, 0x735a2d97);
    return (t ^ (t >>> 15)) >>> 0;
  };
  return [next(), next(), next(), next()];
}

/** MurmurHash3's finaliser: a bijection on 32-bit words with fmix32(0) = 0. */
function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
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
