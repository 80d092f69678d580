// Reductions over any set of axes. The kernel sees a contiguous [outer, len, inner] block; when
// the reduced axes are not adjacent they are first permuted to the end (a view) and copied.

import { DTypeError, fmtShape } from "../core/errors.js";
import { reducedShape, sizeOf } from "../core/shape.js";
import { floatOf } from "../core/dtype.js";
import type { ArgReduceOp, ReduceOp } from "../backend/kernel.js";
import type { LazyBuffer, Lowering } from "../backend/lazy.js";
import type { Tensor } from "../tensor/tensor.js";
import { definePrimitive, type OutInfo } from "./define.js";
import * as T from "./exact.js";

export interface ReduceParams {
  axes: readonly number[];
  keepdims: boolean;
}

/** Runs a reduction kernel over `axes` of concrete `x`. */
function runReduce(x: Tensor, axes: readonly number[], fn: (buf: LazyBuffer, outer: number, len: number, inner: number) => LazyBuffer): LazyBuffer {
  const rank = x.shape.length;
  const adjacent = axes.every((a, i) => i === 0 || a === axes[i - 1] + 1);
  let src = x;
  let lo = axes[0] ?? rank;
  let hi = axes.length ? axes[axes.length - 1] + 1 : rank;
  if (!adjacent) {
    const keep = [...Array(rank).keys()].filter((i) => !axes.includes(i));
    src = T.permute(x, [...keep, ...axes]);
    lo = keep.length;
    hi = rank;
  }
  const c = src._contiguous();
  const outer = sizeOf(c.shape.slice(0, lo));
  const len = sizeOf(c.shape.slice(lo, hi));
  const inner = sizeOf(c.shape.slice(hi));
  return fn(c._buf!, outer, len, inner);
}

function inferReduce(x: Tensor, { axes, keepdims }: ReduceParams, dtype = x.dtype): OutInfo {
  return { shape: reducedShape(x.shape, axes, keepdims), dtype };
}

/** Reshapes a reduced cotangent so it broadcasts against the input (re-inserting size-1 axes). */
export function keepDimsOf(g: Tensor, x: Tensor, { axes, keepdims }: ReduceParams): Tensor {
  return keepdims ? g : T.reshape(g, reducedShape(x.shape, axes, true));
}

const reduceCases = [
  { shapes: [[3, 4]], params: { axes: [1], keepdims: false } },
  { shapes: [[3, 4]], params: { axes: [0], keepdims: true } },
  { shapes: [[2, 3, 4]], params: { axes: [0, 2], keepdims: false } },
  { shapes: [[2, 3]], params: { axes: [0, 1], keepdims: false } },
] as const;

function reduceKernel(op: ReduceOp) {
  return (be: Lowering, [x]: readonly Tensor[], p: ReduceParams, out: OutInfo) =>
    runReduce(x, p.axes, (buf, o, l, i) => be.reduce(op, buf, out.dtype, o, l, i));
}

// sum: x̄ = broadcast(ȳ); dy = sum(dx)
export const sum = definePrimitive<ReduceParams>({
  name: "sum",
  formula: { vjp: "x̄ = broadcast(ḡ)", jvp: "dy = sum(dx)" },
  kind: "compute",
  infer: ([x], p) => {
    if (x.dtype === "bool") throw new DTypeError(`sum: bool tensors cannot be summed; cast first (got bool${fmtShape(x.shape)})`);
    return inferReduce(x, p);
  },
  kernel: reduceKernel("sum"),
  vjp: (g, [x], { params }) => [T.broadcastTo(keepDimsOf(g, x, params), x.shape)],
  jvp: (_x, [dx], { params }) => dx && T.sum(dx, params.axes, params.keepdims),
  cases: reduceCases,
});

// max/min: the cotangent goes to the extremal entries, shared evenly among ties.
function extremum(name: "max" | "min") {
  const mask = (x: Tensor, out: Tensor, p: ReduceParams) => {
    const m = T.cast(T.eq(x, keepDimsOf(out, x, p)), floatOf(x.dtype));
    return T.div(m, T.sum(m, p.axes, true));
  };
  return definePrimitive<ReduceParams>({
    name,
    formula: { vjp: "x̄ = ḡ·[x = y] / #ties", jvp: "dy = Σ dx·[x = y] / #ties" },
    kind: "compute",
    infer: ([x], p) => inferReduce(x, p),
    kernel: reduceKernel(name),
    vjp: (g, [x], { out, params }) => [T.mul(T.broadcastTo(keepDimsOf(g, x, params), x.shape), mask(x, out, params))],
    jvp: ([x], [dx], { out, params }) => dx && T.sum(T.mul(dx, mask(x, out, params)), params.axes, params.keepdims),
    cases: [
      { shapes: [[3, 4]], params: { axes: [1], keepdims: false }, smooth: false },
      { shapes: [[2, 3, 4]], params: { axes: [0, 2], keepdims: true }, smooth: false },
    ],
  });
}
export const max = extremum("max");
export const min = extremum("min");

// prod: ∂y/∂xᵢ = y / xᵢ (defined for non-zero entries)
export const prod = definePrimitive<ReduceParams>({
  name: "prod",
  formula: { vjp: "x̄ = ḡ·y / x", jvp: "dy = Σ y·dx / x" },
  kind: "compute",
  infer: ([x], p) => inferReduce(x, p),
  kernel: reduceKernel("prod"),
  vjp: (g, [x], { out, params }) => [T.div(T.mul(T.broadcastTo(keepDimsOf(g, x, params), x.shape), keepDimsOf(out, x, params)), x)],
  jvp: ([x], [dx], { out, params }) => dx && T.sum(T.div(T.mul(dx, keepDimsOf(out, x, params)), x), params.axes, params.keepdims),
  cases: [
    { shapes: [[3, 4]], params: { axes: [1], keepdims: false }, domain: [0.5, 1.5] },
    { shapes: [[2, 3, 4]], params: { axes: [0, 2], keepdims: true }, domain: [0.5, 1.5] },
  ],
});

function argReduce(op: ArgReduceOp) {
  // Indices carry no derivative.
  return definePrimitive<{ axis: number; keepdims: boolean }>({
    name: op,
    formula: { vjp: "none (index)" },
    kind: "compute",
    infer: ([x], { axis, keepdims }) => ({ shape: reducedShape(x.shape, [axis], keepdims), dtype: "int32" }),
    kernel: (be, [x], { axis }) => runReduce(x, [axis], (buf, o, l, i) => be.argReduce(op, buf, x.dtype, o, l, i)),
    vjp: null,
    jvp: null,
    cases: [{ shapes: [[3, 4]], params: { axis: 1, keepdims: false } }, { shapes: [[3, 4]], params: { axis: 0, keepdims: true } }],
  });
}
export const argmax = argReduce("argmax");
export const argmin = argReduce("argmin");

export const reducePrimitives = { sum, max, min, prod, argmax, argmin };
