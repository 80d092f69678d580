// The element types of the safetensors format and how each maps to a tensorgrad dtype.
//
//   file dtype            loads as   saves from (with the `dtypes` option)
//   F64, F32              float64, float32   float32 or float64 (F32 rounds float64 to nearest)
//   F16, BF16             float16, bfloat16  the same dtype (bits as they are), or float32/float64
//                                            rounded to nearest, ties to even
//   I32                   int32      int32
//   I64, U64, U32         int32 when every value fits (else an error)    int32
//   I16, I8, U16          int32      int32 (each value checked against the range)
//   U8                    uint8      uint8 (bytes as they are); int32 (range checked); bool
//   BOOL                  bool       bool (bytes 0 and 1; any other byte is an error on load)
//
// Bytes are little-endian in the file; on a big-endian host they are swapped on the way in and
// out. F32/F64 data is copied byte for byte, so NaN payloads, infinities and −0 survive a round
// trip exactly.

import type { DType, TypedArray } from "../core/dtype.js";

/** The dtype names of the safetensors format that tensorgrad reads and writes. */
export type SafetensorsDType = "F64" | "F32" | "F16" | "BF16" | "I64" | "I32" | "I16" | "I8" | "U64" | "U32" | "U16" | "U8" | "BOOL";

/** Dtypes the format defines that tensorgrad has no type for. */
const UNSUPPORTED = new Set(["C64", "F8_E4M3", "F8_E5M2", "F8_E8M0", "E8M0", "F6_E2M3", "F6_E3M2", "F4"]);

/** Bytes per element. */
export const DTYPE_SIZE: Readonly<Record<SafetensorsDType, number>> = {
  F64: 8, F32: 4, F16: 2, BF16: 2, I64: 8, I32: 4, I16: 2, I8: 1, U64: 8, U32: 4, U16: 2, U8: 1, BOOL: 1,
};

/** The tensorgrad dtype each file dtype loads as. */
export const LOADS_AS: Readonly<Record<SafetensorsDType, DType>> = {
  F64: "float64", F32: "float32", F16: "float16", BF16: "bfloat16",
  I64: "int32", I32: "int32", I16: "int32", I8: "int32", U64: "int32", U32: "int32", U16: "int32", U8: "uint8",
  BOOL: "bool",
};

/** The file dtype each tensorgrad dtype is saved as by default. */
export const SAVES_AS: Readonly<Record<DType, SafetensorsDType>> = {
  float32: "F32", float64: "F64", int32: "I32", bool: "BOOL", uint8: "U8", float16: "F16", bfloat16: "BF16",
};

export function isSafetensorsDType(s: string): s is SafetensorsDType {
  return Object.prototype.hasOwnProperty.call(DTYPE_SIZE, s);
}

/** Why `name` is not a dtype tensorgrad reads, for an error message. */
export function whyNotDType(name: string): string {
  const list = Object.keys(DTYPE_SIZE).join(", ");
  return UNSUPPORTED.has(name)
    ? `dtype ${name} is not supported (tensorgrad reads ${list})`
    : `unknown dtype ${JSON.stringify(name)} (expected one of ${list})`;
}

/** Whether a tensor of dtype `from` may be written as file dtype `to`. */
export function canSave(from: DType, to: SafetensorsDType): boolean {
  switch (from) {
    case "float32":
    case "float64":
      return to === "F64" || to === "F32" || to === "F16" || to === "BF16";
    case "int32":
      return to !== "F64" && to !== "F32" && to !== "F16" && to !== "BF16" && to !== "BOOL";
    case "bool":
      return to === "BOOL" || to === "U8";
    case "uint8":
      return to === "U8";
    case "float16":
      return to === "F16";
    case "bfloat16":
      return to === "BF16";
  }
}

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** Reverses the bytes of each `size`-byte element in place (big-endian hosts only). */
function swapBytes(b: Uint8Array, size: number): void {
  for (let i = 0; i + size <= b.length; i += size)
    for (let j = 0, k = size - 1; j < k; j++, k--) {
      const t = b[i + j];
      b[i + j] = b[i + k];
      b[i + k] = t;
    }
}

/** An aligned copy of little-endian `bytes`, in host byte order. */
function hostCopy(bytes: Uint8Array, size: number): ArrayBuffer {
  // not bytes.slice(): on a Node Buffer that is a view of the same memory, not a copy
  const copy = new Uint8Array(bytes.length);
  copy.set(bytes);
  if (!LITTLE_ENDIAN && size > 1) swapBytes(copy, size);
  return copy.buffer;
}

/** `data`'s bytes in little-endian order (a view when the host is little-endian). */
function fileBytes(data: ArrayBufferView, size: number): Uint8Array {
  const view = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  if (LITTLE_ENDIAN || size === 1) return view;
  const copy = new Uint8Array(view);
  swapBytes(copy, size);
  return copy;
}

// ---- decoding --------------------------------------------------------------------------------

/** Thrown by {@link decodeElements} for a value tensorgrad cannot hold; the caller adds where. */
export class ElementError extends Error {}

/**
 * The elements in `bytes` (exactly `n` elements of file dtype `dt`, little-endian) as a
 * fresh typed array of the dtype they load as.
 */
export function decodeElements(dt: SafetensorsDType, bytes: Uint8Array, n: number): TypedArray {
  const size = DTYPE_SIZE[dt];
  const buf = hostCopy(bytes, size);
  switch (dt) {
    case "F64":
      return new Float64Array(buf);
    case "F32":
      return new Float32Array(buf);
    case "I32":
      return new Int32Array(buf);
    case "F16":
    case "BF16":
      // tensorgrad's float16 and bfloat16 store the bits as they are
      return new Uint16Array(buf);
    case "I64":
    case "U64": {
      const w = new Int32Array(buf);
      const out = new Int32Array(n);
      for (let i = 0; i < n; i++) {
        const lo = w[2 * i];
        const hi = w[2 * i + 1];
        // fits in int32 exactly when the high word is the sign extension of the low word
        if (dt === "I64" ? hi !== lo >> 31 : hi !== 0 || lo < 0) {
          const v = dt === "I64" ? BigInt.asIntN(64, (BigInt(hi) << 32n) | BigInt(lo >>> 0)) : (BigInt(hi >>> 0) << 32n) | BigInt(lo >>> 0);
          throw new ElementError(`${dt} value ${v} at flat index ${i} does not fit in int32 (tensorgrad has no 64-bit integer dtype)`);
        }
        out[i] = lo;
      }
      return out;
    }
    case "U32": {
      const w = new Uint32Array(buf);
      for (let i = 0; i < n; i++)
        if (w[i] > 0x7fffffff) throw new ElementError(`U32 value ${w[i]} at flat index ${i} does not fit in int32`);
      return new Int32Array(buf);
    }
    case "I16":
      return Int32Array.from(new Int16Array(buf));
    case "U16":
      return Int32Array.from(new Uint16Array(buf));
    case "I8":
      return Int32Array.from(new Int8Array(buf));
    case "U8":
      return new Uint8Array(buf);
    case "BOOL": {
      const b = new Uint8Array(buf);
      for (let i = 0; i < n; i++) if (b[i] > 1) throw new ElementError(`BOOL byte ${b[i]} at flat index ${i} is neither 0 nor 1`);
      return b;
    }
  }
}

// ---- encoding --------------------------------------------------------------------------------

/**
 * The IEEE bits of `x` rounded (to nearest, ties to even) to a binary format with `E` exponent
 * and `M` mantissa bits: F16 is (5, 10), BF16 is (8, 7). Overflow gives ±Inf; NaN gives the
 * quiet NaN with the sign and top payload bits `nanBits` (already placed).
 */
function roundToBinary(x: number, E: number, M: number, nanBits: number): number {
  const bias = (1 << (E - 1)) - 1;
  const expMask = ((1 << E) - 1) << M;
  const sign = x < 0 || Object.is(x, -0) ? 1 << (E + M) : 0;
  if (x !== x) return nanBits;
  const a = Math.abs(x);
  if (a === Infinity) return sign | expMask;
  if (a === 0) return sign;
  let e = Math.floor(Math.log2(a));
  if (2 ** e > a) e--; // log2 can be off by one next to a power of two
  else if (2 ** (e + 1) <= a) e++;
  if (e > bias) return sign | expMask;
  if (e < 1 - bias) e = 1 - bias; // subnormal range: fixed exponent, fewer significant bits
  // a·2^(M−e) is exact (a power-of-two scaling) and lies in [2^M, 2^(M+1)) for normals
  let q = a * 2 ** (M - e);
  const f = Math.floor(q);
  const d = q - f;
  q = d > 0.5 || (d === 0.5 && f % 2 === 1) ? f + 1 : f;
  if (q === 2 ** (M + 1)) {
    q = 2 ** M;
    e++;
    if (e > bias) return sign | expMask;
  }
  if (q < 2 ** M) return sign | q; // subnormal
  return sign | ((e + bias) << M) | (q - 2 ** M);
}

/** The high 32 bits of each element's IEEE pattern (float32: the whole pattern). */
function highWords(src: Float32Array | Float64Array): Uint32Array {
  if (src instanceof Float32Array) return new Uint32Array(src.buffer, src.byteOffset, src.length);
  const w = new Uint32Array(src.buffer, src.byteOffset, src.length * 2);
  const hi = new Uint32Array(src.length);
  for (let i = 0; i < src.length; i++) hi[i] = w[2 * i + (LITTLE_ENDIAN ? 1 : 0)];
  return hi;
}

/** float32 bits → F16 bits, rounded to nearest, ties to even (NaN: sign, quiet bit, top 9 payload bits). */
function f32BitsToF16(b: number): number {
  const sign = (b >>> 16) & 0x8000;
  const abs = b & 0x7fffffff;
  if (abs > 0x7f800000) return sign | 0x7e00 | ((abs >>> 13) & 0x1ff);
  if (abs >= 0x477ff000) return sign | 0x7c00; // ≥ 65520 (the tie above 65504) and ±Inf
  if (abs >= 0x38800000) {
    // normal: rebias the exponent (127 → 15), keep 10 mantissa bits, round on the 13 dropped
    const q = (((abs >>> 23) - 112) << 10) | ((abs >>> 13) & 0x3ff);
    const rem = abs & 0x1fff;
    return sign | (rem > 0x1000 || (rem === 0x1000 && (q & 1) === 1) ? q + 1 : q);
  }
  if (abs <= 0x33000000) return sign; // ≤ 2^-25, half the smallest subnormal: rounds to ±0 (the tie to even 0)
  // subnormal: the value in units of 2^-24 is m·2^(e−126) with m the 24-bit significand
  const e = abs >>> 23;
  const m = (abs & 0x7fffff) | 0x800000;
  const shift = 126 - e;
  const q = m >>> shift;
  const rem = m & ((1 << shift) - 1);
  const half = 1 << (shift - 1);
  return sign | (rem > half || (rem === half && (q & 1) === 1) ? q + 1 : q); // q + 1 may be 0x400, the smallest normal: right
}

function toF16(src: Float32Array | Float64Array): Uint16Array {
  const out = new Uint16Array(src.length);
  if (src instanceof Float32Array) {
    const w = new Uint32Array(src.buffer, src.byteOffset, src.length);
    for (let i = 0; i < src.length; i++) out[i] = f32BitsToF16(w[i]);
    return out;
  }
  // from float64 the rounding is done on the double itself: rounding to float32 first could
  // round twice (a value just above an F16 tie would land on the tie)
  const hi = highWords(src);
  for (let i = 0; i < src.length; i++) {
    const x = src[i];
    if (x !== x) {
      const h = hi[i];
      out[i] = ((h >>> 16) & 0x8000) | 0x7e00 | ((h >>> 10) & 0x1ff);
    } else out[i] = roundToBinary(x, 5, 10, 0);
  }
  return out;
}

function toBF16(src: Float32Array | Float64Array): Uint16Array {
  const out = new Uint16Array(src.length);
  if (src instanceof Float32Array) {
    // float32 → bfloat16 on the bits: add half an ulp (ties to even) and keep the top half
    const w = new Uint32Array(src.buffer, src.byteOffset, src.length);
    for (let i = 0; i < src.length; i++) {
      const b = w[i];
      if ((b & 0x7fffffff) > 0x7f800000) out[i] = (b >>> 16) | 0x40;
      else out[i] = (b + 0x7fff + ((b >>> 16) & 1)) >>> 16;
    }
    return out;
  }
  const hi = highWords(src);
  for (let i = 0; i < src.length; i++) {
    const x = src[i];
    if (x !== x) {
      const h = hi[i];
      out[i] = ((h >>> 16) & 0x8000) | 0x7fc0 | ((h >>> 13) & 0x3f);
    } else out[i] = roundToBinary(x, 8, 7, 0);
  }
  return out;
}

/** Copies int32 values into `out`, checking each against [lo, hi]. */
function narrowed<A extends Int8Array | Int16Array | Uint8Array | Uint16Array | Uint32Array>(src: Int32Array, out: A, lo: number, hi: number, dt: string): A {
  for (let i = 0; i < src.length; i++) {
    const v = src[i];
    if (v < lo || v > hi) throw new ElementError(`value ${v} at flat index ${i} is outside the range of ${dt} [${lo}, ${hi}]`);
    out[i] = v;
  }
  return out;
}

/**
 * The little-endian bytes of `src` (row-major elements of tensorgrad dtype `from`) written as
 * file dtype `to`; `canSave(from, to)` must hold. Range errors throw {@link ElementError}.
 */
export function encodeElements(src: TypedArray, from: DType, to: SafetensorsDType): Uint8Array {
  const size = DTYPE_SIZE[to];
  if (from === "float32" || from === "float64") {
    const f = src as Float32Array | Float64Array;
    switch (to) {
      case "F32":
        return fileBytes(f instanceof Float32Array ? f : Float32Array.from(f), size);
      case "F64":
        return fileBytes(f instanceof Float64Array ? f : Float64Array.from(f), size);
      case "F16":
        return fileBytes(toF16(f), size);
      case "BF16":
        return fileBytes(toBF16(f), size);
    }
  }
  if (from === "bool") return new Uint8Array(src); // BOOL and U8: the bytes 0/1 as they are
  // the storage dtypes are written as themselves: uint8 bytes, the 16-bit floats' bits
  if (from === "uint8") return new Uint8Array(src);
  if (from === "float16" || from === "bfloat16") return fileBytes(src as Uint16Array, size);
  const v = src as Int32Array;
  switch (to) {
    case "I32":
      return fileBytes(v, size);
    case "I64":
    case "U64": {
      if (to === "U64") narrowed(v, new Uint32Array(v.length), 0, 0x7fffffff, to);
      const w = new Int32Array(v.length * 2);
      for (let i = 0; i < v.length; i++) {
        w[2 * i] = v[i];
        w[2 * i + 1] = v[i] >> 31; // sign extension (0 for U64, whose values were checked non-negative)
      }
      return LITTLE_ENDIAN ? new Uint8Array(w.buffer) : fileBytes(BigInt64Array.from(v, (x) => BigInt(x)), 8);
    }
    case "U32":
      return fileBytes(narrowed(v, new Uint32Array(v.length), 0, 0x7fffffff, to), size);
    case "I16":
      return fileBytes(narrowed(v, new Int16Array(v.length), -32768, 32767, to), size);
    case "U16":
      return fileBytes(narrowed(v, new Uint16Array(v.length), 0, 65535, to), size);
    case "I8":
      return fileBytes(narrowed(v, new Int8Array(v.length), -128, 127, to), size);
    case "U8":
      return narrowed(v, new Uint8Array(v.length), 0, 255, to);
    default:
      throw new Error(`encodeElements: ${from} cannot be written as ${to}`);
  }
}
