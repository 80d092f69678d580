// Data types, their storage arrays, and the promotion lattice used when operands differ.

import { bfloat16Bits, float16Bits } from "./half.js";

/**
 * The element types a tensor can hold. `bool` is stored as bytes (0 or 1). `uint8`, `float16`
 * and `bfloat16` are storage dtypes (images, checkpoints): tensors hold them, views, copies and
 * casts keep them, and every other operation computes in `computeDType` of them (uint8 in
 * int32, the 16-bit floats in float32), so `a.add(b)` of two float16 tensors is float32.
 */
export type DType = "float32" | "float64" | "int32" | "bool" | "uint8" | "float16" | "bfloat16";

export const DTYPES: readonly DType[] = ["float32", "float64", "int32", "bool", "uint8", "float16", "bfloat16"];

/** The typed array that stores each dtype (the 16-bit floats as their bits). */
export interface TypedArrayFor {
  float32: Float32Array;
  float64: Float64Array;
  int32: Int32Array;
  bool: Uint8Array;
  uint8: Uint8Array;
  float16: Uint16Array;
  bfloat16: Uint16Array;
}
export type TypedArray = Float32Array | Float64Array | Int32Array | Uint8Array | Uint16Array;

export function isDType(x: unknown): x is DType {
  return typeof x === "string" && (DTYPES as readonly string[]).includes(x);
}

export function isFloat(d: DType): boolean {
  return d === "float32" || d === "float64" || d === "float16" || d === "bfloat16";
}

/** Whether `d` is only stored, never computed in (uint8, float16, bfloat16). */
export function isStorageDType(d: DType): boolean {
  return d === "uint8" || d === "float16" || d === "bfloat16";
}

/** The dtype operations on `d` compute in: int32 for uint8, float32 for the 16-bit floats, else `d`. */
export function computeDType(d: DType): DType {
  return d === "uint8" ? "int32" : d === "float16" || d === "bfloat16" ? "float32" : d;
}

/** Allocates a zero-filled storage array of `size` elements of dtype `d`. */
export function allocArray(d: DType, size: number): TypedArray {
  switch (d) {
    case "float32":
      return new Float32Array(size);
    case "float64":
      return new Float64Array(size);
    case "int32":
      return new Int32Array(size);
    case "bool":
    case "uint8":
      return new Uint8Array(size);
    case "float16":
    case "bfloat16":
      return new Uint16Array(size);
  }
}

const RANK: Record<DType, number> = { bool: 0, uint8: 1, int32: 2, float16: 3, bfloat16: 3, float32: 4, float64: 5 };

/**
 * The dtype two operands are computed in: the larger of the two on the lattice
 * bool < uint8 < int32 < float16, bfloat16 < float32 < float64 (the same result PyTorch gives
 * for tensor-tensor operations; float16 with bfloat16 gives float32, as in PyTorch). The
 * storage dtypes are then computed in `computeDType` of the result.
 */
export function promoteTypes(a: DType, b: DType): DType {
  if (a !== b && RANK[a] === 3 && RANK[b] === 3) return "float32";
  return RANK[a] >= RANK[b] ? a : b;
}

/** The dtype a floating-point-only operation (exp, log, div, …) runs in: ints and bools become float32. */
export function floatOf(d: DType): DType {
  return isFloat(d) ? d : "float32";
}

/**
 * The dtype of the typed array passed to `tensor()`, when none is asked for. Bytes
 * (Uint8Array, Uint8ClampedArray) hold numbers and become uint8 (an image's pixels, an MNIST
 * file); other small integers (Int8Array, Int16Array, Uint16Array) become int32, which holds
 * every value exactly. A bool tensor from bytes must be asked for with `{dtype: "bool"}`, and a
 * Uint16Array is read as numbers, never as float16 bits.
 */
export function dtypeOfArray(a: ArrayLike<number>): DType | undefined {
  if (a instanceof Float32Array) return "float32";
  if (a instanceof Float64Array) return "float64";
  if (a instanceof Uint8Array || a instanceof Uint8ClampedArray) return "uint8";
  if (a instanceof Int32Array || a instanceof Int8Array || a instanceof Int16Array || a instanceof Uint16Array) return "int32";
  return undefined;
}

/**
 * The stored element for value `v` in dtype `d`: bool storage holds only 0 and 1 (nonzero, NaN
 * included, is true, as `cast` does), uint8 wraps, the 16-bit floats store their bits; every path
 * that puts JavaScript numbers into storage goes through this. Other dtypes store `v` as their
 * typed array converts it.
 */
export function storedValue(d: DType, v: number): number {
  switch (d) {
    case "bool":
      return v !== 0 ? 1 : 0;
    case "uint8":
      // C's conversion as PyTorch does it: truncate, then wrap modulo 256 (NaN gives 0)
      return Math.trunc(v) & 255;
    case "float16":
      return float16Bits(v);
    case "bfloat16":
      return bfloat16Bits(v);
    default:
      return v;
  }
}

const ELEMENT_BYTES: Record<DType, number> = { float32: 4, float64: 8, int32: 4, bool: 1, uint8: 1, float16: 2, bfloat16: 2 };

/** Bytes of one element of a `d` storage array. */
export function elementBytes(d: DType): number {
  return ELEMENT_BYTES[d];
}

/** Arrays up to this many bytes are carved from slabs (larger ones cost their page faults, not the allocation). */
const SLAB_ITEM_BYTES = 4096;
/** Arrays of one size class per slab: a retained array keeps at most this many of its class alive. */
const SLAB_ITEMS = 16;
/** Open slab and next free byte per size class (index: class bytes / 64). */
const slabs: (ArrayBuffer | null)[] = [];
const slabUsed: number[] = [];

/** The size class of a slab-backed array: multiples of 64 bytes to 1 KiB, then quarter steps of a power of two. */
function slabClass(bytes: number): number {
  if (bytes <= 1024) return Math.ceil(bytes / 64) * 64;
  const quarter = bytes <= 2048 ? 256 : 512;
  return Math.ceil(bytes / quarter) * quarter;
}

/**
 * A zero-filled storage array for a backend buffer: `allocArray`, except that arrays of 65 bytes
 * to 4 KiB are views into shared slabs of one size class. A fresh off-heap ArrayBuffer costs
 * about 1.5 µs to make and collect, several times a small kernel's work, while a view of an
 * existing one costs about 0.1 µs. A slab is collected with the last view of it, so a retained
 * array keeps at most SLAB_ITEMS arrays of its size class alive (arrays of 64 bytes or less
 * live inside the JavaScript heap already). Only for buffers that never leave the library: an
 * array handed to a user (a read) comes from `allocArray`, with an ArrayBuffer of its own.
 */
export function allocBuffer(d: DType, size: number): TypedArray {
  const bytes = size * ELEMENT_BYTES[d];
  if (bytes <= 64 || bytes > SLAB_ITEM_BYTES) return allocArray(d, size);
  const cls = slabClass(bytes);
  const c = cls >> 6;
  let slab = slabs[c];
  let at = slabUsed[c];
  if (slab === undefined || slab === null || at + cls > cls * SLAB_ITEMS) {
    slab = slabs[c] = new ArrayBuffer(cls * SLAB_ITEMS);
    at = 0;
  }
  slabUsed[c] = at + cls;
  switch (d) {
    case "float32":
      return new Float32Array(slab, at, size);
    case "float64":
      return new Float64Array(slab, at, size);
    case "int32":
      return new Int32Array(slab, at, size);
    case "bool":
    case "uint8":
      return new Uint8Array(slab, at, size);
    case "float16":
    case "bfloat16":
      return new Uint16Array(slab, at, size);
  }
}
