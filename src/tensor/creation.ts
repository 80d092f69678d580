// Creating tensors: from nested arrays or typed arrays, constants, ranges, and seeded random draws.

import { allocArray, dtypeOfArray, isDType, storedValue, type DType, type TypedArray } from "../core/dtype.js";
import { ArgumentError, DTypeError, fmtShape } from "../core/errors.js";
import { checkShape, sizeOf } from "../core/shape.js";
import { runtime } from "../backend/runtime.js";
import { defaultGenerator, type Generator } from "../random/generator.js";
import { Tensor, type NestedArray } from "./tensor.js";

export interface CreateOpts {
  dtype?: DType;
}

/** Nested JS arrays of numbers and booleans (or one number or boolean), as `tensor()` reads them. */
export type NestedInput = number | boolean | readonly NestedInput[];

/** A dtype argument: the name, or an options object `{dtype}` as the other creation functions take. */
export type DTypeArg = DType | CreateOpts | undefined;

/** Resolves and checks a dtype argument, naming `op` in the error. */
export function resolveDtype(op: string, d: DTypeArg, fallback: DType): DType {
  const v = typeof d === "object" && d !== null ? d.dtype : d;
  if (v === undefined) return fallback;
  if (!isDType(v)) throw new DTypeError(`${op}: unknown dtype '${String(v)}'; expected float32, float64, int32 or bool`);
  return v;
}

function fromHost(data: TypedArray, shape: readonly number[], dtype: DType): Tensor {
  return Tensor._fromBuf(runtime.lowering.upload(data, dtype), shape, dtype);
}

/**
 * A tensor from a number, nested arrays, or a typed array (with `shape`, default 1-D).
 * The dtype defaults to float32, or to the typed array's own type.
 * @example
 * const a = tg.tensor([[1, 2], [3, 4]]);            // float32 [2,2]
 * const i = tg.tensor([0, 2, 1], { dtype: "int32" });
 * const s = tg.tensor(1.5);                          // 0-d
 */
export function tensor(data: NestedInput | ArrayLike<number>, opts: CreateOpts & { shape?: readonly number[] } = {}): Tensor {
  if (opts.dtype !== undefined && !isDType(opts.dtype)) throw new DTypeError(`tensor: unknown dtype '${String(opts.dtype)}'`);
  if (ArrayBuffer.isView(data)) {
    const arr = data as unknown as TypedArray;
    const dtype = opts.dtype ?? dtypeOfArray(arr) ?? "float32";
    const shape = opts.shape ?? [arr.length];
    checkShape("tensor", shape);
    if (sizeOf(shape) !== arr.length)
      throw new ArgumentError(`tensor: shape ${fmtShape(shape)} needs ${sizeOf(shape)} elements, the array has ${arr.length}`);
    const out = allocArray(dtype, arr.length);
    if (dtype === "bool" || dtype === "uint8" || dtype === "float16" || dtype === "bfloat16")
      for (let i = 0; i < arr.length; i++) out[i] = storedValue(dtype, arr[i]);
    else for (let i = 0; i < arr.length; i++) out[i] = arr[i];
    return fromHost(out, shape, dtype);
  }
  const shape: number[] = [];
  let probe: NestedInput = data as NestedInput;
  while (Array.isArray(probe)) {
    shape.push(probe.length);
    probe = probe[0] as NestedInput;
    if (probe === undefined) break;
  }
  const dtype = opts.dtype ?? (typeof probe === "boolean" ? "bool" : "float32");
  const out = allocArray(dtype, sizeOf(shape));
  let at = 0;
  const walk = (x: NestedInput, dim: number, path: number[]): void => {
    if (dim === shape.length) {
      if (typeof x !== "number" && typeof x !== "boolean")
        throw new ArgumentError(Array.isArray(x) ? `tensor: ragged nested array: expected a number at [${path.join(",")}], got an array` : `tensor: expected a number or boolean at [${path.join(",")}], got ${typeof x}`);
      out[at++] = storedValue(dtype, +x);
      return;
    }
    if (!Array.isArray(x) || x.length !== shape[dim])
      throw new ArgumentError(`tensor: ragged nested array: expected ${shape[dim]} elements at [${path.join(",")}], got ${Array.isArray(x) ? x.length : typeof x}`);
    for (let i = 0; i < x.length; i++) walk(x[i], dim + 1, [...path, i]);
  };
  walk(data as NestedInput, 0, []);
  if (opts.shape) {
    checkShape("tensor", opts.shape);
    if (sizeOf(opts.shape) !== out.length)
      throw new ArgumentError(`tensor: shape ${fmtShape(opts.shape)} needs ${sizeOf(opts.shape)} elements, the nested array has shape ${fmtShape(shape)}`);
    return fromHost(out, [...opts.shape], dtype);
  }
  return fromHost(out, shape, dtype);
}

/** A 0-d tensor holding `v`. */
export function scalar(v: number, dtypeArg: DTypeArg = "float32"): Tensor {
  const dtype = resolveDtype("scalar", dtypeArg, "float32");
  const out = allocArray(dtype, 1);
  out[0] = storedValue(dtype, v);
  return fromHost(out, [], dtype);
}

/** A tensor of `shape` filled with `value`. @example tg.full([2, 2], 7, "int32") */
export function full(shape: readonly number[], value: number, dtypeArg?: DTypeArg): Tensor {
  checkShape("full", shape);
  const dtype = resolveDtype("full", dtypeArg, "float32");
  return Tensor._fromBuf(runtime.lowering.fill(dtype, sizeOf(shape), storedValue(dtype, value)), [...shape], dtype);
}

/**
 * A tensor of zeros (float32 unless a dtype is given).
 * @example tg.zeros([2, 3]); tg.zeros([2], "int32"); tg.zeros([2], { dtype: "float64" });
 */
export function zeros(shape: readonly number[], dtype?: DTypeArg): Tensor {
  return full(shape, 0, resolveDtype("zeros", dtype, "float32"));
}

/** A tensor of ones. @example tg.ones([3], "float64") */
export function ones(shape: readonly number[], dtype?: DTypeArg): Tensor {
  return full(shape, 1, resolveDtype("ones", dtype, "float32"));
}

/** Zeros with the shape (and by default the dtype) of `x`. */
export function zerosLike(x: Tensor, dtype?: DTypeArg): Tensor {
  return full(x.shape, 0, resolveDtype("zerosLike", dtype, x.dtype));
}

/** Ones with the shape (and by default the dtype) of `x`. */
export function onesLike(x: Tensor, dtype?: DTypeArg): Tensor {
  return full(x.shape, 1, resolveDtype("onesLike", dtype, x.dtype));
}

/** `value` everywhere, with the shape (and by default the dtype) of `x`. */
export function fullLike(x: Tensor, value: number, dtype?: DTypeArg): Tensor {
  return full(x.shape, value, resolveDtype("fullLike", dtype, x.dtype));
}

/**
 * Evenly spaced values in [start, stop) with `step`, like NumPy's `arange`.
 * `arange(5)` is [0, 1, 2, 3, 4]; the dtype is int32 when all arguments are integers.
 */
export function arange(start: number, stop?: number, step = 1, opts: CreateOpts = {}): Tensor {
  if (stop === undefined) [start, stop] = [0, start];
  if (step === 0 || !Number.isFinite(step)) throw new ArgumentError(`arange: step must be a non-zero finite number, got ${step}`);
  const n = Math.max(0, Math.ceil((stop - start) / step));
  const dtype = opts.dtype ?? (Number.isInteger(start) && Number.isInteger(stop) && Number.isInteger(step) ? "int32" : "float32");
  const out = allocArray(dtype, n);
  for (let i = 0; i < n; i++) out[i] = storedValue(dtype, start + i * step);
  return fromHost(out, [n], dtype);
}

/** `num` evenly spaced values from `start` to `stop` inclusive. */
export function linspace(start: number, stop: number, num: number, opts: CreateOpts = {}): Tensor {
  if (!Number.isInteger(num) || num < 0) throw new ArgumentError(`linspace: num must be a non-negative integer, got ${num}`);
  const dtype = opts.dtype ?? "float32";
  // PyTorch has no bool linspace ("linspace_cpu" not implemented for 'Bool')
  if (dtype === "bool") throw new DTypeError("linspace: not defined for dtype bool");
  const out = allocArray(dtype, num);
  const step = num > 1 ? (stop - start) / (num - 1) : 0;
  for (let i = 0; i < num; i++) out[i] = storedValue(dtype, i === num - 1 && num > 1 ? stop : start + i * step);
  return fromHost(out, [num], dtype);
}

/** The n×m identity (m defaults to n). */
export function eye(n: number, m = n, opts: CreateOpts = {}): Tensor {
  checkShape("eye", [n, m]);
  const dtype = opts.dtype ?? "float32";
  const out = allocArray(dtype, n * m);
  for (let i = 0; i < Math.min(n, m); i++) out[i * m + i] = 1;
  return fromHost(out, [n, m], dtype);
}

export interface RandomOpts extends CreateOpts {
  /** Source of randomness; the default generator (reseed with `random.seed`) when absent. */
  generator?: Generator;
}

function floatDtype(op: string, d: DType | undefined): DType {
  const dtype = d ?? "float32";
  if (dtype !== "float32" && dtype !== "float64") throw new DTypeError(`${op}: dtype must be float32 or float64, got ${dtype}`);
  return dtype;
}

/**
 * Uniform samples in [0, 1).
 * @example const gen = tg.random.generator(0); const u = tg.rand([2, 3], { generator: gen });
 */
export function rand(shape: readonly number[], opts: RandomOpts = {}): Tensor {
  checkShape("rand", shape);
  const dtype = floatDtype("rand", opts.dtype);
  const gen = opts.generator ?? defaultGenerator();
  const out = allocArray(dtype, sizeOf(shape));
  for (let i = 0; i < out.length; i++) out[i] = gen.uniform();
  return fromHost(out, [...shape], dtype);
}

/**
 * Standard normal samples.
 * @example const w = tg.randn([3, 2], { generator: tg.random.generator(42) });
 */
export function randn(shape: readonly number[], opts: RandomOpts = {}): Tensor {
  checkShape("randn", shape);
  const dtype = floatDtype("randn", opts.dtype);
  const gen = opts.generator ?? defaultGenerator();
  const out = allocArray(dtype, sizeOf(shape));
  for (let i = 0; i < out.length; i++) out[i] = gen.normal();
  return fromHost(out, [...shape], dtype);
}

/** Uniform integers in [low, high), int32; low and high must lie within [−2³¹, 2³¹]. */
export function randint(low: number, high: number, shape: readonly number[], opts: RandomOpts = {}): Tensor {
  checkShape("randint", shape);
  if (!Number.isInteger(low) || !Number.isInteger(high) || high <= low)
    throw new ArgumentError(`randint: need integers low < high, got [${low}, ${high})`);
  // the samples are int32 by default and each is one 32-bit draw: a wider range could neither be
  // stored nor drawn (it used to loop forever)
  if (low < -2147483648 || high > 2147483648)
    throw new ArgumentError(`randint: the range [${low}, ${high}) must lie within int32's [-2^31, 2^31)`);
  const dtype = opts.dtype ?? "int32";
  const gen = opts.generator ?? defaultGenerator();
  const out = allocArray(dtype, sizeOf(shape));
  for (let i = 0; i < out.length; i++) out[i] = gen.integer(low, high);
  return fromHost(out, [...shape], dtype);
}

/** Uniform [0, 1) samples of the given dtype from `gen` (used by the primitive test cases). */
export function randUniform(shape: readonly number[], gen: Generator, dtype: DType = "float64"): Tensor {
  return rand(shape, { generator: gen, dtype });
}

export type { NestedArray };
