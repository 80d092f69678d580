// Reshaping, views and joining, following NumPy's rules (negative axes count from the end).

import { ArgumentError, ShapeError, fmtShape } from "../../core/errors.js";
import { normAxes, normAxis, shapesEqual, sizeOf } from "../../core/shape.js";
import { bind } from "../../autodiff/bind.js";
import { erase, type Primitive } from "../../prims/define.js";
import * as V from "../../prims/views.js";
import * as St from "../../prims/structure.js";
import { Tensor } from "../tensor.js";

function run<P>(prim: Primitive<P>, inputs: Tensor[], params: P): Tensor {
  return bind(erase(prim), inputs, params);
}

/**
 * The same elements in a new shape; one dimension may be -1 (inferred).
 * @example tg.arange(6).reshape([2, -1]) // shape [2, 3]
 */
export function reshape(x: Tensor, shape: readonly number[]): Tensor {
  if (!Array.isArray(shape)) throw new ArgumentError(`reshape: the shape must be an array of sizes, got ${typeof shape} ${String(shape)}`);
  const s = [...shape];
  const unknown = s.indexOf(-1);
  if (unknown >= 0) {
    if (s.indexOf(-1, unknown + 1) >= 0) throw new ArgumentError(`reshape: only one dimension can be -1, got ${fmtShape(shape)}`);
    const known = sizeOf(s.filter((_, i) => i !== unknown));
    if (known === 0 || x.size % known !== 0)
      throw new ShapeError(`reshape: cannot reshape a tensor of shape ${fmtShape(x.shape)} (${x.size} elements) to ${fmtShape(shape)}`);
    s[unknown] = x.size / known;
  }
  for (const d of s) if (!Number.isInteger(d) || d < 0) throw new ArgumentError(`reshape: invalid target shape ${fmtShape(shape)}`);
  if (shapesEqual(s, x.shape)) return x;
  return run(V.reshape, [x], { shape: s });
}

/** Merges axes startAxis..endAxis (inclusive) into one. */
export function flatten(x: Tensor, startAxis = 0, endAxis = -1): Tensor {
  if (x.ndim === 0) return reshape(x, [1]);
  const a = normAxis("flatten", startAxis, x.ndim);
  const b = normAxis("flatten", endAxis, x.ndim);
  if (a > b) throw new ArgumentError(`flatten: startAxis ${startAxis} comes after endAxis ${endAxis}`);
  return reshape(x, [...x.shape.slice(0, a), sizeOf(x.shape.slice(a, b + 1)), ...x.shape.slice(b + 1)]);
}

/** Removes size-1 axes (all of them, or those given). */
export function squeeze(x: Tensor, axis?: number | readonly number[]): Tensor {
  const axes = axis === undefined ? x.shape.flatMap((d, i) => (d === 1 ? [i] : [])) : normAxes("squeeze", axis, x.ndim);
  for (const a of axes) if (x.shape[a] !== 1) throw new ShapeError(`squeeze: axis ${a} of shape ${fmtShape(x.shape)} has size ${x.shape[a]}, not 1`);
  return reshape(x, x.shape.filter((_, i) => !axes.includes(i)));
}

/** Inserts a size-1 axis at `axis` (of the result; negative counts from the end). */
export function unsqueeze(x: Tensor, axis: number): Tensor {
  const a = normAxis("unsqueeze", axis, x.ndim + 1);
  return reshape(x, [...x.shape.slice(0, a), 1, ...x.shape.slice(a)]);
}

/** Reorders the axes: result axis i is input axis `axes[i]`. */
export function permute(x: Tensor, axes: readonly number[]): Tensor {
  if (axes.length !== x.ndim) throw new ArgumentError(`permute: expected ${x.ndim} axes for shape ${fmtShape(x.shape)}, got [${axes.join(",")}]`);
  const norm = axes.map((a) => normAxis("permute", a, x.ndim));
  if (new Set(norm).size !== norm.length) throw new ArgumentError(`permute: axes [${axes.join(",")}] are not a permutation`);
  if (norm.every((a, i) => a === i)) return x;
  return run(V.permute, [x], { axes: norm });
}

/** Swaps two axes; by default the last two (the matrix transpose). */
export function transpose(x: Tensor, axis0?: number, axis1?: number): Tensor {
  if (x.ndim < 2 && axis0 === undefined) return x;
  const a = normAxis("transpose", axis0 ?? -2, x.ndim);
  const b = normAxis("transpose", axis1 ?? -1, x.ndim);
  const axes = [...Array(x.ndim).keys()];
  [axes[a], axes[b]] = [axes[b], axes[a]];
  return permute(x, axes);
}

/** A broadcast view of `x` with `shape` (NumPy's and PyTorch's `broadcast_to`). */
export function broadcastTo(x: Tensor, shape: readonly number[]): Tensor {
  if (shapesEqual(x.shape, shape)) return x;
  return run(V.expand, [x], { shape: [...shape] });
}

/**
 * PyTorch's `expand`: a broadcast view where −1 keeps that axis's size (new leading axes
 * cannot be −1). Otherwise the same as `broadcastTo`.
 * @example tg.zeros([3, 1]).expand([-1, 4]).shape // [3, 4]
 */
export function expand(x: Tensor, shape: readonly number[]): Tensor {
  const lead = shape.length - x.ndim;
  const full = shape.map((d, i) => {
    if (d !== -1) return d;
    if (i < lead) throw new ShapeError(`expand: -1 is not allowed for the new leading axis ${i} (expanding ${fmtShape(x.shape)} to ${fmtShape(shape)})`);
    return x.shape[i - lead];
  });
  return broadcastTo(x, full);
}

/**
 * One axis of a slice: an index (removes the axis), `null` (everything), or
 * `[start, stop, step]` with NumPy's meaning (each may be null; negatives count from the end).
 */
export type SliceSpec = number | null | undefined | readonly [(number | null)?, (number | null)?, (number | null)?];

/**
 * Slices with NumPy semantics, one spec per leading axis.
 * @example x.slice([1, 3], null, [null, null, -1]) // x[1:3, :, ::-1]
 */
export function slice(x: Tensor, ...specs: SliceSpec[]): Tensor {
  if (specs.length > x.ndim) throw new ArgumentError(`slice: ${specs.length} slice specs for a tensor of rank ${x.ndim}`);
  const starts: number[] = [];
  const counts: number[] = [];
  const steps: number[] = [];
  const drop: number[] = [];
  x.shape.forEach((n, i) => {
    const s = specs[i];
    if (typeof s === "number") {
      if (!Number.isInteger(s) || s < -n || s >= n) throw new ArgumentError(`slice: index ${s} is out of range for axis ${i} of size ${n}`);
      starts.push(s < 0 ? s + n : s);
      counts.push(1);
      steps.push(1);
      drop.push(i);
      return;
    }
    if (s != null && !Array.isArray(s))
      throw new ArgumentError(`slice: spec for axis ${i} must be an index, null or [start, stop, step], got ${JSON.stringify(s)}`);
    const [b, e, st] = s ?? [];
    for (const [what, v] of [["start", b], ["stop", e], ["step", st]] as const)
      if (v != null && !Number.isInteger(v))
        throw new ArgumentError(`slice: ${what} must be an integer or null, got ${typeof v === "number" ? v : JSON.stringify(v)} on axis ${i}`);
    const step = st ?? 1;
    if (!Number.isInteger(step) || step === 0) throw new ArgumentError(`slice: step must be a non-zero integer, got ${step} on axis ${i}`);
    let start: number;
    let stop: number;
    if (step > 0) {
      start = b == null ? 0 : clamp(b < 0 ? b + n : b, 0, n);
      stop = e == null ? n : clamp(e < 0 ? e + n : e, 0, n);
    } else {
      start = b == null ? n - 1 : clamp(b < 0 ? b + n : b, -1, n - 1);
      stop = e == null ? -1 : clamp(e < 0 ? e + n : e, -1, n - 1);
    }
    const count = Math.max(0, Math.ceil((stop - start) / step));
    starts.push(count ? start : 0);
    counts.push(count);
    steps.push(step);
  });
  const out = sliceRaw(x, starts, counts, steps);
  return drop.length ? reshape(out, out.shape.filter((_, i) => !drop.includes(i))) : out;
}

function clamp(v: number, lo: number, hi: number): number {
  return Math.min(hi, Math.max(lo, v));
}

/** Binds the slice primitive with normalised per-axis start, count and step. */
export function sliceRaw(x: Tensor, starts: readonly number[], counts: readonly number[], steps: readonly number[]): Tensor {
  if (counts.every((c, i) => c === x.shape[i] && starts[i] === 0 && steps[i] === 1)) return x;
  return run(V.slice, [x], { starts, counts, steps });
}

/**
 * Pads with a constant: `pads[i] = [before, after]` for axis i (one pair applies to all axes).
 * @example tg.pad(x, [[1, 1], [0, 2]])
 */
export function pad(x: Tensor, pads: readonly (readonly [number, number])[], value = 0): Tensor {
  const list = pads.length === 1 && x.ndim !== 1 ? x.shape.map(() => pads[0]) : pads;
  if (list.length !== x.ndim) throw new ArgumentError(`pad: expected ${x.ndim} [before, after] pairs for shape ${fmtShape(x.shape)}, got ${pads.length}`);
  for (const [b, a] of list)
    if (!Number.isInteger(b) || !Number.isInteger(a) || b < 0 || a < 0) throw new ArgumentError(`pad: pad widths must be non-negative integers, got [${b}, ${a}]`);
  if (list.every(([b, a]) => b === 0 && a === 0)) return x;
  return run(St.pad, [x], { before: list.map((p) => p[0]), after: list.map((p) => p[1]), value });
}

/** Joins tensors along an existing axis. */
export function concat(xs: readonly Tensor[], axis = 0): Tensor {
  if (xs.length === 0) throw new ArgumentError("concat: needs at least one tensor");
  const a = normAxis("concat", axis, xs[0].ndim);
  if (xs.length === 1) return xs[0];
  return run(St.concat, [...xs], { axis: a });
}

/** Joins tensors of one shape along a new axis. */
export function stack(xs: readonly Tensor[], axis = 0): Tensor {
  if (xs.length === 0) throw new ArgumentError("stack: needs at least one tensor");
  for (const x of xs)
    if (!shapesEqual(x.shape, xs[0].shape)) throw new ShapeError(`stack: shapes differ: ${xs.map((t) => fmtShape(t.shape)).join(", ")}`);
  const a = normAxis("stack", axis, xs[0].ndim + 1);
  return concat(xs.map((x) => unsqueeze(x, a)), a);
}

/**
 * Splits along `axis` into pieces of `sizes` (PyTorch's convention: a number is the size of
 * each piece, the last may be smaller; a list gives every size).
 */
export function split(x: Tensor, sizes: number | readonly number[], axis = 0): Tensor[] {
  const a = normAxis("split", axis, x.ndim);
  const n = x.shape[a];
  let list: number[];
  if (typeof sizes === "number") {
    if (!Number.isInteger(sizes) || sizes <= 0) throw new ArgumentError(`split: piece size must be a positive integer, got ${sizes}`);
    list = [];
    for (let at = 0; at < n; at += sizes) list.push(Math.min(sizes, n - at));
  } else {
    list = [...sizes];
    const total = list.reduce((s, v) => s + v, 0);
    if (total !== n || list.some((v) => !Number.isInteger(v) || v < 0))
      throw new ArgumentError(`split: sizes [${list.join(",")}] do not add up to ${n}, the size of axis ${axis} of ${fmtShape(x.shape)}`);
  }
  let at = 0;
  return list.map((len) => {
    const starts = x.shape.map((_, j) => (j === a ? at : 0));
    const counts = x.shape.map((d, j) => (j === a ? len : d));
    at += len;
    return sliceRaw(x, starts, counts, x.shape.map(() => 1));
  });
}
