// The vocabulary derivative rules are written in: one exact wrapper per primitive, binding it
// as is. Unlike the user-facing functions in tensor/ops, nothing here turns numbers into
// tensors, promotes dtypes or normalises axes: operands already share a dtype (the primitive's
// shape rule checks that), constants are made explicitly with `constLike`, and axes arrive
// normalised. Identity applications (a reshape to the same shape, …) return their input, as the
// user-facing functions do, so graphs stay the same size.
//
// Rules are mutually recursive across primitives (log's rule divides, div's rule negates, sum
// and expand are each other's transposes), so the primitive objects cannot be imported here:
// the definition modules import this one. The table hands them over at run time instead, once,
// when ./table.ts is evaluated; the drivers that run rules (autodiff/graph.ts, and forward mode
// through autodiff/transforms.ts, which imports it) load the table.

import { ArgumentError, ShapeError, fmtShape } from "../core/errors.js";
import { shapesEqual, unbroadcastAxes, type Shape } from "../core/shape.js";
import type { DType } from "../core/dtype.js";
import { bind } from "../autodiff/bind.js";
import { scalar } from "../tensor/creation.js";
import { ruleConstants } from "../backend/lazy.js";
import type { Tensor } from "../tensor/tensor.js";
import type { AnyPrimitive } from "./define.js";
import type { PrimitiveName } from "./table.js";
import type { IndexCaller } from "./indexing.js";

export { zeros, zerosLike } from "../tensor/creation.js";

let table: Readonly<Record<PrimitiveName, AnyPrimitive>> | undefined;

/** @internal called by ./table.ts, the one place that knows every primitive. */
export function linkPrimitives(primitives: Readonly<Record<PrimitiveName, AnyPrimitive>>): void {
  table = primitives;
}

const NONE = {};

function run(name: PrimitiveName, inputs: readonly Tensor[], params: unknown = NONE): Tensor {
  if (!table) throw new ArgumentError(`${name}: the primitive table is not loaded (rules run from autodiff/graph.ts or autodiff/transforms.ts, which load it)`);
  return bind(table[name], inputs, params);
}

/** A 0-d constant of x's dtype, broadcasting against x: `constLike(y, 1)` for the 1 in 1 − y. */
export function constLike(x: Tensor, value: number): Tensor {
  const c = scalar(value, x.dtype);
  ruleConstants.add(c._buf!);
  return c;
}

// ---- elementwise ----
export const neg = (x: Tensor): Tensor => run("neg", [x]);
export const sign = (x: Tensor): Tensor => run("sign", [x]);
export const exp = (x: Tensor): Tensor => run("exp", [x]);
export const erf = (x: Tensor): Tensor => run("erf", [x]);
export const log = (x: Tensor): Tensor => run("log", [x]);
export const sin = (x: Tensor): Tensor => run("sin", [x]);
export const cos = (x: Tensor): Tensor => run("cos", [x]);
export const add = (a: Tensor, b: Tensor): Tensor => run("add", [a, b]);
export const sub = (a: Tensor, b: Tensor): Tensor => run("sub", [a, b]);
export const mul = (a: Tensor, b: Tensor): Tensor => run("mul", [a, b]);
export const maximum = (a: Tensor, b: Tensor): Tensor => run("maximum", [a, b]);
export const div = (a: Tensor, b: Tensor): Tensor => run("div", [a, b]);
export const pow = (a: Tensor, b: Tensor): Tensor => run("pow", [a, b]);
export const eq = (a: Tensor, b: Tensor): Tensor => run("eq", [a, b]);
export const lt = (a: Tensor, b: Tensor): Tensor => run("lt", [a, b]);
export const gt = (a: Tensor, b: Tensor): Tensor => run("gt", [a, b]);
export const ge = (a: Tensor, b: Tensor): Tensor => run("ge", [a, b]);
export const where = (c: Tensor, a: Tensor, b: Tensor): Tensor => run("where", [c, a, b]);

/** 1/x */
export function reciprocal(x: Tensor): Tensor {
  return div(constLike(x, 1), x);
}

export function cast(x: Tensor, dtype: DType): Tensor {
  return x.dtype === dtype ? x : run("cast", [x], { dtype });
}

// ---- reductions and products ----
export function sum(x: Tensor, axes: readonly number[], keepdims = false): Tensor {
  return run("sum", [x], { axes, keepdims });
}

export function prod(x: Tensor, axes: readonly number[], keepdims = false): Tensor {
  return run("prod", [x], { axes, keepdims });
}

/** Batched matrix product of operands of rank ≥ 2. */
export const matmul = (a: Tensor, b: Tensor): Tensor => run("matmul", [a, b]);

// ---- views ----
export function reshape(x: Tensor, shape: Shape): Tensor {
  return shapeIs(x, shape) ? x : run("reshape", [x], { shape: [...shape] });
}

export function permute(x: Tensor, axes: readonly number[]): Tensor {
  return axes.every((a, i) => a === i) ? x : run("permute", [x], { axes });
}

/** Swaps the last two axes (rank ≥ 2). */
export function transpose(x: Tensor): Tensor {
  const axes = [...x.shape.keys()];
  const r = axes.length;
  [axes[r - 2], axes[r - 1]] = [axes[r - 1], axes[r - 2]];
  return permute(x, axes);
}

export function broadcastTo(x: Tensor, shape: Shape): Tensor {
  return shapeIs(x, shape) ? x : run("expand", [x], { shape: [...shape] });
}

/** Per axis: first index, number of elements taken, step. */
export function slice(x: Tensor, starts: readonly number[], counts: readonly number[], steps: readonly number[]): Tensor {
  if (counts.every((c, i) => c === x.shape[i] && starts[i] === 0 && steps[i] === 1)) return x;
  return run("slice", [x], { starts, counts, steps });
}

// ---- building buffers ----
export function pad(x: Tensor, before: readonly number[], after: readonly number[], value = 0): Tensor {
  if (before.every((b, i) => b === 0 && after[i] === 0)) return x;
  return run("pad", [x], { before, after, value });
}

export function concat(xs: readonly Tensor[], axis: number): Tensor {
  return xs.length === 1 ? xs[0] : run("concat", xs, { axis });
}

// ---- indexing ----
// the caller (take, embedding, a loss) travels with the index so errors name it (prims/indexing.ts)
export const gather = (x: Tensor, idx: Tensor, axis: number, caller?: IndexCaller): Tensor => run("gather", [x, idx], withCaller({ axis }, caller));
export const scatterAdd = (src: Tensor, idx: Tensor, axis: number, size: number, caller?: IndexCaller): Tensor =>
  run("scatterAdd", [src, idx], withCaller({ axis, size }, caller));
export const indexSelect = (x: Tensor, axis: number, idx: Tensor, caller?: IndexCaller): Tensor => run("indexSelect", [x, idx], withCaller({ axis }, caller));
export const indexAdd = (src: Tensor, idx: Tensor, axis: number, size: number, caller?: IndexCaller): Tensor =>
  run("indexAdd", [src, idx], withCaller({ axis, size }, caller));
function withCaller<P extends object>(params: P, caller: IndexCaller | undefined): P & { caller?: IndexCaller } {
  return caller ? { ...params, caller } : params;
}

// ---- broadcasting ----
/** Sums `g` over the axes along which a tensor of `shape` was broadcast to g's shape. */
export function unbroadcast(g: Tensor, shape: Shape): Tensor {
  if (shapeIs(g, shape)) return g;
  const axes = unbroadcastAxes(g.shape, shape);
  if (!axes) throw new ShapeError(`unbroadcast: shape ${fmtShape(shape)} does not broadcast to ${fmtShape(g.shape)}`);
  return reshape(axes.length ? sum(g, axes, true) : g, shape);
}

function shapeIs(x: Tensor, shape: Shape): boolean {
  return shapesEqual(x.shape, shape);
}
