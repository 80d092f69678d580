// Data types, their storage arrays, and the promotion lattice used when operands differ.

/** The element types a tensor can hold. `bool` is stored as bytes (0 or 1). */
export type DType = "float32" | "float64" | "int32" | "bool";

export const DTYPES: readonly DType[] = ["float32", "float64", "int32", "bool"];

/** The typed array that stores each dtype. */
export interface TypedArrayFor {
  float32: Float32Array;
  float64: Float64Array;
  int32: Int32Array;
  bool: Uint8Array;
}
export type TypedArray = Float32Array | Float64Array | Int32Array | Uint8Array;

export function isDType(x: unknown): x is DType {
  return x === "float32" || x === "float64" || x === "int32" || x === "bool";
}

export function isFloat(d: DType): boolean {
  return d === "float32" || d === "float64";
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
      return new Uint8Array(size);
  }
}

const RANK: Record<DType, number> = { bool: 0, int32: 1, float32: 2, float64: 3 };

/**
 * The dtype two operands are computed in: the larger of the two on the lattice
 * bool < int32 < float32 < float64 (the same result PyTorch gives for tensor-tensor operations).
 */
export function promoteTypes(a: DType, b: DType): DType {
  return RANK[a] >= RANK[b] ? a : b;
}

/** The dtype a floating-point-only operation (exp, log, div, …) runs in: ints and bools become float32. */
export function floatOf(d: DType): DType {
  return isFloat(d) ? d : "float32";
}

/**
 * The dtype of the typed array passed to `tensor()`, when none is asked for. Bytes (Uint8Array,
 * Int8Array, …) hold numbers, so they become int32, which holds every value exactly (there is
 * no uint8 dtype yet); a bool tensor from bytes must be asked for with `{dtype: "bool"}`.
 */
export function dtypeOfArray(a: ArrayLike<number>): DType | undefined {
  if (a instanceof Float32Array) return "float32";
  if (a instanceof Float64Array) return "float64";
  if (a instanceof Int32Array || a instanceof Uint8Array || a instanceof Uint8ClampedArray || a instanceof Int8Array || a instanceof Int16Array || a instanceof Uint16Array)
    return "int32";
  return undefined;
}

/**
 * The value `v` becomes when stored as dtype `d`: bool storage holds only 0 and 1 (nonzero,
 * NaN included, is true, as `cast` does), so every path that puts values into a bool tensor goes
 * through this; other dtypes store `v` as their typed array converts it.
 */
export function storedValue(d: DType, v: number): number {
  return d === "bool" ? (v !== 0 ? 1 : 0) : v;
}
