// Reductions over any set of axes. The kernel sees a contiguous [outer, len, inner] block; when
// the reduced axes are not adjacent they are first permuted to the end (a view) and copied.

import { DTypeError, fmtShape } from "../core/errors.js";
import { reducedShape } from "../core/shape.js";
import { floatOf } from "../core/dtype.js";
import type { ArgReduceOp, ReduceOp } from "../backend/kernel.js";
import type { LazyBuffer, Lowering } from "../backend/lazy.js";
import type { Tensor } from "../tensor/tensor.js";
import { definePrimitive, type OutInfo } from "./define.js";
import * as T from "./exact.js";
import { tensor } from "../tensor/creation.js";

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
  let outer = 1;
  let len = 1;
  let inner = 1;
  for (let i = 0; i < c.shape.length; i++) {
    if (i < lo) outer *= c.shape[i];
    else if (i < hi) len *= c.shape[i];
    else inner *= c.shape[i];
  }
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

// prod: ∂y/∂xᵢ = Πⱼ≠ᵢ xⱼ, the product of the other entries of xᵢ's slice. Dividing y by xᵢ
// gives that only where no entry is 0, so the rule counts the zeros z of each slice and takes
// the product p of its non-zero entries (zeros replaced by 1), as PyTorch's prod_backward does:
//   z = 0:  ∂y/∂xᵢ = p / xᵢ
//   z = 1:  ∂y/∂xᵢ = p at the zero, and 0 elsewhere
//   z ≥ 2:  ∂y/∂xᵢ = 0
// The rule is itself built from differentiable operations so second derivatives follow. With one
// zero x₀, the 0 at a non-zero entry is written (p / xᵢ)·x₀ rather than a constant so that its
// derivative along x₀ is Πⱼ≠ᵢ,₀ xⱼ, as it should be; with two or more zeros the first derivatives
// are constant 0 and so are the second (the pairs of zeros' mixed derivatives are not recovered).
function prodDeriv(x: Tensor, { axes }: ReduceParams): Tensor {
  const isZero = T.eq(x, T.constLike(x, 0));
  const zeros = T.sum(T.cast(isZero, x.dtype), axes, true);
  const nonzero = T.where(isZero, T.constLike(x, 1), x);
  const p = T.prod(nonzero, axes, true);
  const one = T.eq(zeros, T.constLike(zeros, 1));
  const none = T.eq(zeros, T.constLike(zeros, 0));
  const zero = T.zerosLike(x);
  // the zero entry of a one-zero slice (value 0), kept as a function of x for second order
  const theZero = T.sum(T.where(isZero, x, zero), axes, true);
  const others = T.div(p, nonzero);
  const atNonzero = T.where(none, others, T.where(one, T.mul(others, theZero), zero));
  return T.where(isZero, T.where(one, T.broadcastTo(p, x.shape), zero), atNonzero);
}

export const prod = definePrimitive<ReduceParams>({
  name: "prod",
  formula: {
    vjp: "x̄ = ḡ·Πⱼ≠ᵢ xⱼ (y / x without zeros; with one zero, the others' product at it; with two, 0)",
    jvp: "dy = Σᵢ dxᵢ·Πⱼ≠ᵢ xⱼ",
  },
  kind: "compute",
  infer: ([x], p) => inferReduce(x, p),
  kernel: reduceKernel("prod"),
  vjp: (g, [x], { params }) => [T.mul(T.broadcastTo(keepDimsOf(g, x, params), x.shape), prodDeriv(x, params))],
  jvp: ([x], [dx], { params }) => dx && T.sum(T.mul(dx, prodDeriv(x, params)), params.axes, params.keepdims),
  cases: [
    { shapes: [[3, 4]], params: { axes: [1], keepdims: false }, domain: [0.5, 1.5] },
    { shapes: [[2, 3, 4]], params: { axes: [0, 2], keepdims: true }, domain: [0.5, 1.5] },
    // slices with no zero, one zero and two zeros: first and second order at the zeros
    {
      make: () => [tensor([[0.5, 0, 2, 1.5], [0, 1.25, 0, 2], [1.5, 0.75, 2, 0.5]], { dtype: "float64" })],
      params: { axes: [1], keepdims: false },
      smooth: false,
    },
    { make: () => [tensor([[0.5, 0], [2, 1.5], [1.25, 0.75]], { dtype: "float64" })], params: { axes: [0], keepdims: true } },
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
