// 16-bit floating-point storage: IEEE 754 binary16 (float16) and bfloat16, encoded from and
// decoded to JavaScript numbers. Encoding rounds to nearest, ties to even, straight from the
// float64 value (no double rounding through float32); overflow gives ±Infinity, NaN stays NaN.

function exponentOf(a: number): number {
  let e = Math.floor(Math.log2(a));
  // log2 may be off by one ulp near powers of two
  if (2 ** e > a) e--;
  else if (2 ** (e + 1) <= a) e++;
  return e;
}

function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return r - x === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/** The bits of `v` in a binary format with `E` exponent bits and `M` mantissa bits. */
function encode(v: number, E: number, M: number): number {
  const bias = (1 << (E - 1)) - 1;
  const expMax = (1 << E) - 1;
  const signBit = 1 << (E + M);
  if (v !== v) return (expMax << M) | (1 << (M - 1));
  const sign = v < 0 || Object.is(v, -0) ? signBit : 0;
  const a = Math.abs(v);
  if (a === Infinity) return sign | (expMax << M);
  const minExp = 1 - bias;
  let e = a === 0 ? minExp : Math.max(minExp, exponentOf(a));
  let q = roundHalfEven(a * 2 ** (M - e));
  if (q >= 2 ** (M + 1)) {
    q /= 2;
    e++;
  }
  if (q < 2 ** M) return sign | q; // zero or subnormal
  if (e + bias >= expMax) return sign | (expMax << M);
  return sign | ((e + bias) << M) | (q - 2 ** M);
}

function decode(h: number, E: number, M: number): number {
  const bias = (1 << (E - 1)) - 1;
  const expMax = (1 << E) - 1;
  const sign = h & (1 << (E + M)) ? -1 : 1;
  const exp = (h >> M) & expMax;
  const m = h & ((1 << M) - 1);
  if (exp === 0) return sign * m * 2 ** (1 - bias - M);
  if (exp === expMax) return m ? NaN : sign * Infinity;
  return sign * (2 ** M + m) * 2 ** (exp - bias - M);
}

let F16: Float32Array | undefined;
let BF16: Float32Array | undefined;

/** float16 bits of `v` (round to nearest even). */
export function float16Bits(v: number): number {
  return encode(v, 5, 10);
}
/** The value of float16 bits `h`. */
export function float16Value(h: number): number {
  if (!F16) {
    F16 = new Float32Array(65536);
    // infinities and NaNs by their float32 bits, so a NaN keeps its payload's top bits
    const bits = new Uint32Array(F16.buffer);
    for (let i = 0; i < 65536; i++)
      if (((i >> 10) & 0x1f) === 0x1f) bits[i] = ((i & 0x8000) << 16) | 0x7f800000 | ((i & 0x3ff) << 13);
      else F16[i] = decode(i, 5, 10);
  }
  return F16[h & 0xffff];
}
/** bfloat16 bits of `v` (round to nearest even). */
export function bfloat16Bits(v: number): number {
  return encode(v, 8, 7);
}
/** The value of bfloat16 bits `h`. */
export function bfloat16Value(h: number): number {
  if (!BF16) {
    // bfloat16 is the top half of a float32: exact, NaN payloads included
    BF16 = new Float32Array(65536);
    const bits = new Uint32Array(BF16.buffer);
    for (let i = 0; i < 65536; i++) bits[i] = i << 16;
  }
  return BF16[h & 0xffff];
}
