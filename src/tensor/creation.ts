// Creating tensors: from nested arrays or typed arrays, constants, ranges, and seeded random draws.

import { allocArray, dtypeOfArray, isDType, storedValue, type DType, type TypedArray } from "../core/dtype.js";
import { ArgumentError, DTypeError, MemoryError, fmtShape } from "../core/errors.js";
import { checkShape, sizeOf } from "../core/shape.js";
import { runtime } from "../backend/runtime.js";
import { defaultGenerator, type Generator } from "../random/generator.js";
import { captureState, noteSource, randomInTraceError } from "../backend/capture.js";
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

/**
 * The most elements one tensor can hold: the length limit of JavaScript's typed arrays (2³² in
 * V8). Creating a larger tensor raises a {@link MemoryError} at the call, before anything is
 * allocated.
 * @example tg.zeros([1e5, 1e5]) // MemoryError: zeros: … 10000000000 elements …
 */
export const MAX_ELEMENTS = 2 ** 32;

const BYTES: Record<DType, number> = { float32: 4, float64: 8, int32: 4, bool: 1, uint8: 1, float16: 2, bfloat16: 2 };

/** Refuses, with a MemoryError naming `op`, a tensor of `n` elements that no buffer can hold. */
function checkElements(op: string, n: number, dtype: DType, shape: readonly number[]): void {
  if (n > MAX_ELEMENTS)
    throw new MemoryError(
      `${op}: ${dtype === "int32" ? "an" : "a"} ${dtype} tensor of shape ${fmtShape(shape)} has ${n} elements (${n * BYTES[dtype]} bytes), more than the ${MAX_ELEMENTS} one tensor can hold; nothing was allocated`,
    );
}

/** A shape argument: an array of non-negative integer sizes whose product a tensor can hold. */
function checkShapeArg(op: string, shape: unknown, dtype: DType): readonly number[] {
  if (!Array.isArray(shape)) throw new ArgumentError(`${op}: shape must be an array of sizes, got ${describe(shape)}`);
  checkShape(op, shape);
  checkElements(op, sizeOf(shape), dtype, shape);
  return shape;
}

function describe(v: unknown): string {
  return typeof v === "string" ? `'${v}'` : v === null ? "null" : typeof v === "object" ? (Array.isArray(v) ? "an array" : "an object") : `${typeof v} ${String(v)}`;
}

/** A number (or boolean) argument named `what` of `op`. */
function checkNumber(op: string, what: string, v: unknown): number {
  if (typeof v === "boolean") return +v;
  if (typeof v !== "number") throw new ArgumentError(`${op}: ${what} must be a number, got ${describe(v)}`);
  return v;
}

/** allocArray, with the engine's out-of-memory RangeError as a MemoryError naming `op`. */
function alloc(op: string, dtype: DType, n: number, shape: readonly number[]): TypedArray {
  checkElements(op, n, dtype, shape);
  try {
    return allocArray(dtype, n);
  } catch (e) {
    if (e instanceof RangeError) throw new MemoryError(`${op}: a ${dtype} tensor of shape ${fmtShape(shape)} could not be allocated: ${e.message}`);
    throw e;
  }
}

function fromHost(data: TypedArray, shape: readonly number[], dtype: DType): Tensor {
  return Tensor._fromBuf(runtime.lowering.upload(data, dtype), shape, dtype);
}

/**
 * A tensor from a number, nested arrays, or a typed array (with `shape`, default 1-D).
 * The dtype defaults to float32, or to the typed array's own type.
 * @example
 * const a = tg.tensor([[1, 2], [3, 4]]);            // float32 [2,2]
 * const i = tg.tensor([0, 2, 1], { dtype: "int32" }); // or tg.tensor([0, 2, 1], "int32")
 * const s = tg.tensor(1.5);                          // 0-d
 */
export function tensor(data: NestedInput | ArrayLike<number>, optsArg: DType | (CreateOpts & { shape?: readonly number[] }) = {}): Tensor {
  // a dtype name alone is accepted as the other creation functions accept it
  const opts: CreateOpts & { shape?: readonly number[] } = typeof optsArg === "string" ? { dtype: optsArg } : optsArg ?? {};
  if (typeof opts !== "object") throw new ArgumentError(`tensor: the second argument must be a dtype name or an options object, got ${typeof opts}`);
  if (opts.dtype !== undefined && !isDType(opts.dtype)) throw new DTypeError(`tensor: unknown dtype '${String(opts.dtype)}'`);
  if (ArrayBuffer.isView(data)) {
    const arr = data as unknown as TypedArray;
    const dtype = opts.dtype ?? dtypeOfArray(arr) ?? "float32";
    const shape = opts.shape ?? [arr.length];
    checkShapeArg("tensor", shape, dtype);
    if (sizeOf(shape) !== arr.length)
      throw new ArgumentError(`tensor: shape ${fmtShape(shape)} needs ${sizeOf(shape)} elements, the array has ${arr.length}`);
    const out = alloc("tensor", dtype, arr.length, shape);
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
  const out = alloc("tensor", dtype, sizeOf(shape), shape);
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
    checkShapeArg("tensor", opts.shape, dtype);
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
  out[0] = storedValue(dtype, checkNumber("scalar", "the value", v));
  return fromHost(out, [], dtype);
}

/** A tensor of `shape` filled with `value`. @example tg.full([2, 2], 7, "int32") */
export function full(shape: readonly number[], value: number, dtypeArg?: DTypeArg): Tensor {
  return fullAs("full", shape, value, dtypeArg);
}

function fullAs(op: string, shape: readonly number[], value: number, dtypeArg: DTypeArg): Tensor {
  const dtype = resolveDtype(op, dtypeArg, "float32");
  checkShapeArg(op, shape, dtype);
  const v = checkNumber(op, "the fill value", value);
  return Tensor._fromBuf(runtime.lowering.fill(dtype, sizeOf(shape), storedValue(dtype, v)), [...shape], dtype);
}

/**
 * A tensor of zeros (float32 unless a dtype is given).
 * @example tg.zeros([2, 3]); tg.zeros([2], "int32"); tg.zeros([2], { dtype: "float64" });
 */
export function zeros(shape: readonly number[], dtype?: DTypeArg): Tensor {
  return fullAs("zeros", shape, 0, resolveDtype("zeros", dtype, "float32"));
}

/** A tensor of ones. @example tg.ones([3], "float64") */
export function ones(shape: readonly number[], dtype?: DTypeArg): Tensor {
  return fullAs("ones", shape, 1, resolveDtype("ones", dtype, "float32"));
}

function tensorArg(op: string, x: unknown): Tensor {
  if (!(x instanceof Tensor)) throw new ArgumentError(`${op}: expected a Tensor, got ${describe(x)}`);
  return x;
}

/** Zeros with the shape (and by default the dtype) of `x`. */
export function zerosLike(x: Tensor, dtype?: DTypeArg): Tensor {
  return fullAs("zerosLike", tensorArg("zerosLike", x).shape, 0, resolveDtype("zerosLike", dtype, x.dtype));
}

/** Ones with the shape (and by default the dtype) of `x`. */
export function onesLike(x: Tensor, dtype?: DTypeArg): Tensor {
  return fullAs("onesLike", tensorArg("onesLike", x).shape, 1, resolveDtype("onesLike", dtype, x.dtype));
}

/** `value` everywhere, with the shape (and by default the dtype) of `x`. */
export function fullLike(x: Tensor, value: number, dtype?: DTypeArg): Tensor {
  return fullAs("fullLike", tensorArg("fullLike", x).shape, value, resolveDtype("fullLike", dtype, x.dtype));
}

/**
 * Evenly spaced values in [start, stop) with `step`, like NumPy's `arange`.
 * `arange(5)` is [0, 1, 2, 3, 4]; the dtype is int32 when all arguments are integers.
 */
export function arange(start: number, stop?: number, step = 1, opts: CreateOpts = {}): Tensor {
  if (stop === undefined) [start, stop] = [0, start];
  checkNumber("arange", "start", start);
  checkNumber("arange", "stop", stop);
  checkNumber("arange", "step", step);
  if (!Number.isFinite(start) || !Number.isFinite(stop)) throw new ArgumentError(`arange: start and stop must be finite, got ${start} and ${stop}`);
  if (step === 0 || !Number.isFinite(step)) throw new ArgumentError(`arange: step must be a non-zero finite number, got ${step}`);
  const n = Math.max(0, Math.ceil((stop - start) / step));
  const dtype = resolveDtype("arange", opts, Number.isInteger(start) && Number.isInteger(stop) && Number.isInteger(step) ? "int32" : "float32");
  const out = alloc("arange", dtype, n, [n]);
  for (let i = 0; i < n; i++) out[i] = storedValue(dtype, start + i * step);
  return fromHost(out, [n], dtype);
}

/** `num` evenly spaced values from `start` to `stop` inclusive. */
export function linspace(start: number, stop: number, num: number, opts: CreateOpts = {}): Tensor {
  if (!Number.isInteger(num) || num < 0) throw new ArgumentError(`linspace: num must be a non-negative integer, got ${describe(num)}`);
  checkNumber("linspace", "start", start);
  checkNumber("linspace", "stop", stop);
  const dtype = resolveDtype("linspace", opts, "float32");
  // PyTorch has no bool linspace ("linspace_cpu" not implemented for 'Bool')
  if (dtype === "bool") throw new DTypeError("linspace: not defined for dtype bool");
  const out = alloc("linspace", dtype, num, [num]);
  const step = num > 1 ? (stop - start) / (num - 1) : 0;
  for (let i = 0; i < num; i++) out[i] = storedValue(dtype, i === num - 1 && num > 1 ? stop : start + i * step);
  return fromHost(out, [num], dtype);
}

/** The n×m identity (m defaults to n). */
export function eye(n: number, m = n, opts: CreateOpts = {}): Tensor {
  const dtype = resolveDtype("eye", opts, "float32");
  checkShapeArg("eye", [n, m], dtype);
  const out = alloc("eye", dtype, n * m, [n, m]);
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
 * The tensor `draw` makes from `gen`. Inside a `tg.compile` trace a draw cannot be part of the
 * plan (it would repeat one set of numbers forever), so it becomes a value the plan reads on
 * every call, drawn afresh from the generator then, in the order the eager step draws: the
 * trace's own draw is undone when the trace ends, so the first call draws the same numbers the
 * eager call would. Inside `tg.jit` (pure) a draw is an error.
 */
function drawn(gen: () => Generator, draw: (g: Generator) => Tensor): Tensor {
  const c = captureState.active;
  if (!c) return draw(gen());
  if (!c.stateful) throw randomInTraceError(c);
  const g = gen();
  const before = g.getState();
  captureState.active = null;
  let t: Tensor;
  try {
    t = draw(g);
  } finally {
    captureState.active = c;
  }
  c.restores.push(() => g.setState(before));
  noteSource(t, () => draw(gen()));
  return t;
}

/**
 * Uniform samples in [0, 1).
 * @example const gen = tg.random.generator(0); const u = tg.rand([2, 3], { generator: gen });
 */
export function rand(shape: readonly number[], opts: RandomOpts = {}): Tensor {
  const dtype = floatDtype("rand", opts.dtype);
  checkShapeArg("rand", shape, dtype);
  return drawn(() => opts.generator ?? defaultGenerator(), (gen) => {
    const out = alloc("rand", dtype, sizeOf(shape), shape);
    for (let i = 0; i < out.length; i++) out[i] = gen.uniform();
    return fromHost(out, [...shape], dtype);
  });
}

/**
 * Standard normal samples.
 * @example const w = tg.randn([3, 2], { generator: tg.random.generator(42) });
 */
export function randn(shape: readonly number[], opts: RandomOpts = {}): Tensor {
  const dtype = floatDtype("randn", opts.dtype);
  checkShapeArg("randn", shape, dtype);
  return drawn(() => opts.generator ?? defaultGenerator(), (gen) => {
    const out = alloc("randn", dtype, sizeOf(shape), shape);
    for (let i = 0; i < out.length; i++) out[i] = gen.normal();
    return fromHost(out, [...shape], dtype);
  });
}

/** Uniform integers in [low, high), int32; low and high must lie within [−2³¹, 2³¹]. */
export function randint(low: number, high: number, shape: readonly number[], opts: RandomOpts = {}): Tensor {
  checkShapeArg("randint", shape, "int32");
  if (!Number.isInteger(low) || !Number.isInteger(high) || high <= low)
    throw new ArgumentError(`randint: need integers low < high, got [${low}, ${high})`);
  // the samples are int32 by default and each is one 32-bit draw: a wider range could neither be
  // stored nor drawn (it used to loop forever)
  if (low < -2147483648 || high > 2147483648)
    throw new ArgumentError(`randint: the range [${low}, ${high}) must lie within int32's [-2^31, 2^31)`);
  const dtype = resolveDtype("randint", opts, "int32");
  return drawn(() => opts.generator ?? defaultGenerator(), (gen) => {
    const out = alloc("randint", dtype, sizeOf(shape), shape);
    for (let i = 0; i < out.length; i++) out[i] = gen.integer(low, high);
    return fromHost(out, [...shape], dtype);
  });
}

/** Uniform [0, 1) samples of the given dtype from `gen` (used by the primitive test cases). */
export function randUniform(shape: readonly number[], gen: Generator, dtype: DType = "float64"): Tensor {
  return rand(shape, { generator: gen, dtype });
}

export type { NestedArray };
