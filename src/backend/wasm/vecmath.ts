/**
 * f32x4 transcendental functions emitted inline. Each emitter reads its
 * argument from a v128 local and leaves the result on the stack. They use
 * plain (unfused) multiply/add so results do not depend on relaxed SIMD.
 * Accuracy is a few ulp over the whole float range, with IEEE special values
 * (±0, ±inf, NaN) handled like Math.exp / Math.log / Math.tanh.
 */
import { Fn, V128 } from './emitter.js';

const LOG2E = 1.4426950408889634;
// ln 2 split so that t·LN2_HI is exact for |t| ≤ 2^8 (LN2_HI has 9 significant bits).
const LN2_HI = 0.693359375;
const LN2_LO = -2.12194440e-4;

/** Horner evaluation c[0] + x·(c[1] + x·(c[2] + ...)) of the local x. */
function horner(f: Fn, x: number, c: readonly number[]): void {
  f.constF32x4(c[c.length - 1]);
  for (let i = c.length - 2; i >= 0; i--) {
    f.get(x).op('f32x4.mul').constF32x4(c[i]).op('f32x4.add');
  }
}

/**
 * exp(x) = 2^t · e^r with t = round(x·log2 e), r = x − t·ln 2 ∈ [−ln2/2, ln2/2].
 * e^r uses its degree-7 Taylor polynomial (truncation error r^8/8! < 6e-9).
 * t is rounded by adding 1.5·2^23 (the float addition rounds to nearest
 * even at integer granularity), which also leaves t's integer value in the
 * low mantissa bits. 2^t is built from exponent bits in two halves,
 * 2^(t−⌊t/2⌋)·2^⌊t/2⌋, so that t ∈ [−150, 128] (x clamped to [−104, 88.73])
 * never leaves the normal range before the final product rounds to 0, a
 * subnormal, or +inf. The clamp uses pmin/pmax with x first, which keep NaN.
 *
 * For x ≤ −104 that product is 2^−150·e^r with r < 0, which rounds to +0; x86
 * computes such an underflowing product in a microcode assist (about a hundred
 * cycles), and a causal attention mask makes half of a softmax's inputs −inf.
 * Those lanes therefore compute exp(0) and are then cleared to the same +0.
 */
export function emitExp(f: Fn, x: number): void {
  const xc = f.local(V128), t = f.local(V128), r = f.local(V128), n = f.local(V128), h = f.local(V128);
  const zero = f.local(V128);
  const SHIFTER = 12582912; // 1.5·2^23
  f.get(x).constF32x4(-104).op('f32x4.le').set(zero);
  f.get(x).get(zero).op('v128.andnot');
  f.constF32x4(88.73).op('f32x4.pmin').constF32x4(-104).op('f32x4.pmax').set(xc);
  f.get(xc).constF32x4(LOG2E).op('f32x4.mul').constF32x4(SHIFTER).op('f32x4.add').tee(n);
  f.constF32x4(SHIFTER).op('f32x4.sub').set(t);
  f.get(xc).get(t).constF32x4(LN2_HI).op('f32x4.mul').op('f32x4.sub');
  f.get(t).constF32x4(LN2_LO).op('f32x4.mul').op('f32x4.sub').set(r);
  f.get(n).constI32x4(0x4b400000).op('i32x4.sub').set(n);
  f.get(n).i32(1).op('i32x4.shr_s').set(h);
  horner(f, r, [1, 1, 1 / 2, 1 / 6, 1 / 24, 1 / 120, 1 / 720, 1 / 5040]);
  f.get(h).constI32x4(127).op('i32x4.add').i32(23).op('i32x4.shl').op('f32x4.mul');
  f.get(n).get(h).op('i32x4.sub').constI32x4(127).op('i32x4.add').i32(23).op('i32x4.shl').op('f32x4.mul');
  f.get(zero).op('v128.andnot');
}

/**
 * log(x): x = 2^e · m with m ∈ [√½, √2), then with s = (m−1)/(m+1),
 * log m = 2·atanh s = 2s + s·z·(2/3 + 2z/5 + 2z²/7 + 2z³/9 + 2z⁴/11), z = s²,
 * |s| ≤ 0.1716 (truncation error < 3e-9 relative). Subnormals are scaled by
 * 2^23 first. log(0) = −inf, log(x<0) = NaN, log(+inf) = +inf.
 */
export function emitLog(f: Fn, x: number): void {
  const den = f.local(V128), xs = f.local(V128), e = f.local(V128), m = f.local(V128);
  const big = f.local(V128), s = f.local(V128), z = f.local(V128), res = f.local(V128);
  f.get(x).constF32x4(1.17549435e-38).op('f32x4.lt').set(den);
  f.get(x).constF32x4(8388608).op('f32x4.mul').get(x).get(den).op('v128.bitselect').set(xs);
  f.get(xs).i32(23).op('i32x4.shr_u').constI32x4(127).op('i32x4.sub');
  f.constI32x4(23).get(den).op('v128.and').op('i32x4.sub').set(e);
  f.get(xs).constI32x4(0x007fffff).op('v128.and').constI32x4(0x3f800000).op('v128.or').set(m);
  f.get(m).constF32x4(Math.SQRT2).op('f32x4.gt').set(big);
  f.get(m).constF32x4(0.5).op('f32x4.mul').get(m).get(big).op('v128.bitselect').set(m);
  f.get(e).get(big).op('i32x4.sub').set(e);
  f.get(m).constF32x4(1).op('f32x4.sub').get(m).constF32x4(1).op('f32x4.add').op('f32x4.div').set(s);
  f.get(s).get(s).op('f32x4.mul').set(z);
  // log m = 2s + s·z·P(z)
  f.get(s).get(s).op('f32x4.add');
  f.get(s).get(z).op('f32x4.mul');
  horner(f, z, [2 / 3, 2 / 5, 2 / 7, 2 / 9, 2 / 11]);
  f.op('f32x4.mul').op('f32x4.add');
  // + e·ln2 (split so that e·LN2_HI is exact)
  f.get(e).op('f32x4.convert_i32x4_s').set(e);
  f.get(e).constF32x4(LN2_LO).op('f32x4.mul').op('f32x4.add');
  f.get(e).constF32x4(LN2_HI).op('f32x4.mul').op('f32x4.add').set(res);
  f.constF32x4(Infinity).get(res).get(x).constF32x4(Infinity).op('f32x4.eq').op('v128.bitselect').set(res);
  f.constF32x4(-Infinity).get(res).get(x).constF32x4(0).op('f32x4.eq').op('v128.bitselect').set(res);
  f.constF32x4(NaN).get(res);
  f.get(x).constF32x4(0).op('f32x4.lt').get(x).get(x).op('f32x4.ne').op('v128.or');
  f.op('v128.bitselect');
}

/**
 * tanh(x): for |x| < 0.5 the odd Taylor series through x^17 (next term
 * < 3e-9 relative); otherwise sign(x)·(1 − 2/(e^{2|x|} + 1)), which is exact
 * enough there because the result is ≥ 0.46 (no catastrophic cancellation).
 */
export function emitTanh(f: Fn, x: number): void {
  const ax = f.local(V128), e = f.local(V128), z = f.local(V128), big = f.local(V128);
  f.get(x).op('f32x4.abs').set(ax);
  f.get(ax).get(ax).op('f32x4.add').set(e);
  const ex = f.local(V128);
  emitExp(f, e);
  f.set(ex);
  f.constF32x4(1).constF32x4(2).get(ex).constF32x4(1).op('f32x4.add').op('f32x4.div').op('f32x4.sub');
  // copy the sign of x
  f.get(x).constI32x4(-0x80000000).op('v128.and').op('v128.or').set(big);
  f.get(x).get(x).op('f32x4.mul').set(z);
  f.get(x).get(x).get(z).op('f32x4.mul');
  horner(f, z, [
    -1 / 3, 2 / 15, -17 / 315, 62 / 2835, -1382 / 155925, 21844 / 6081075,
    -929569 / 638512875, 6404582 / 10854718875,
  ]);
  f.op('f32x4.mul').op('f32x4.add');
  f.get(big);
  f.get(ax).constF32x4(0.5).op('f32x4.lt');
  f.op('v128.bitselect');
}

/**
 * sigmoid(x) with z = e^{−|x|} ∈ (0, 1], which cannot overflow:
 * 1/(1 + z) for x ≥ 0 and z/(1 + z) for x < 0, so tiny results for very
 * negative x keep their relative accuracy instead of flushing to 0.
 */
export function emitSigmoid(f: Fn, x: number): void {
  const nax = f.local(V128), z = f.local(V128), r = f.local(V128);
  f.get(x).op('f32x4.abs').op('f32x4.neg').set(nax);
  emitExp(f, nax);
  f.set(z);
  f.constF32x4(1).constF32x4(1).get(z).op('f32x4.add').op('f32x4.div').set(r);
  f.get(z).get(r).op('f32x4.mul').get(r);
  f.get(x).constF32x4(0).op('f32x4.lt').op('v128.bitselect');
}

/**
 * erf(x) = sign(x)·a·P(a²)/Q(a²) with a = min(|x|, 4), capped at 1: a rational fit to erf on
 * [0, 4] weighted by relative error (at most 7 ulp from the correctly rounded float32 value,
 * about 1 on average). erf(4) is 1 − 1.5·10⁻⁸, which rounds to 1 in float32, so the clamp loses
 * nothing; it also sends ±∞ to ±1. NaN stays NaN (min propagates it) and −0 keeps its sign.
 */
export function emitErf(f: Fn, x: number): void {
  const a = f.local(V128), z = f.local(V128), p = f.local(V128);
  f.get(x).op('f32x4.abs').constF32x4(4).op('f32x4.min').set(a);
  f.get(a).get(a).op('f32x4.mul').set(z);
  horner(f, z, [
    1.1283791152537708, 0.2000434867625733, 0.050575080059860306, 0.0036998383475490846,
    0.00014126521852310956, -1.9421870240156347e-06, 1.967192331253642e-08,
  ]);
  f.set(p);
  f.get(a).get(p).op('f32x4.mul');
  horner(f, z, [1, 0.5106157212306457, 0.11503457188002117, 0.014354062806621905, 0.0009539218873040592]);
  f.op('f32x4.div').constF32x4(1).op('f32x4.min');
  f.get(x).constI32x4(-0x80000000).op('v128.and').op('v128.or');
}

/**
 * GELU ½·x·(1 + erf(x/√2)) with x first raised to the lowest finite float32 (f32x4.max keeps
 * NaN), so −∞ gives −0 as the limit does; erf is emitErf's approximation.
 */
export function emitGelu(f: Fn, x: number): void {
  const xf = f.local(V128), t = f.local(V128);
  f.get(x).constF32x4(-3.4028234663852886e38).op('f32x4.max').set(xf);
  f.get(xf).constF32x4(Math.SQRT1_2).op('f32x4.mul').set(t);
  emitErf(f, t);
  f.constF32x4(1).op('f32x4.add');
  f.get(xf).constF32x4(0.5).op('f32x4.mul').op('f32x4.mul');
}
