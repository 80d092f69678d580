// Cumulative operations along one axis (PyTorch's cumsum, cumprod, cummax, cummin,
// logcumsumexp). A 0-d tensor counts as one element along axis 0 or −1, as in PyTorch.

import { ArgumentError } from "../../core/errors.js";
import { normAxis } from "../../core/shape.js";
import { bind } from "../../autodiff/bind.js";
import { erase, type Primitive } from "../../prims/define.js";
import * as Sc from "../../prims/scan.js";
import type { Tensor } from "../tensor.js";
import { cast } from "./arith.js";
import { reshape } from "./shape.js";
import { gatherAlong } from "./index-ops.js";

function run<P>(prim: Primitive<P>, inputs: Tensor[], params: P): Tensor {
  return bind(erase(prim), inputs, params);
}

/** @internal Runs `f` on x along a normalised axis; a 0-d x is viewed as [1] and the result viewed back. */
export function alongAxis<R>(op: string, x: Tensor, axis: number, f: (x: Tensor, axis: number) => R, back: (r: R, shape: readonly number[]) => R): R {
  if (x.ndim === 0) {
    if (axis !== 0 && axis !== -1) throw new ArgumentError(`${op}: axis ${axis} is out of range for a 0-d tensor (use 0 or -1)`);
    return back(f(reshape(x, [1]), 0), []);
  }
  return f(x, normAxis(op, axis, x.ndim));
}

const backOne = (t: Tensor, shape: readonly number[]) => reshape(t, shape);
const backPair = ([a, b]: [Tensor, Tensor], shape: readonly number[]): [Tensor, Tensor] => [reshape(a, shape), reshape(b, shape)];

/**
 * Running sum along `axis` (PyTorch's cumsum): yⱼ = Σₖ≤ⱼ xₖ. Bool input counts as int32.
 * @example tg.cumsum(tg.tensor([1, 2, 3]), 0) // [1, 3, 6]
 */
export function cumsum(x: Tensor, axis: number): Tensor {
  const xs = x.dtype === "bool" ? cast(x, "int32") : x;
  return alongAxis("cumsum", xs, axis, (t, a) => run(Sc.cumsum, [t], { axis: a, reverse: false }), backOne);
}

/**
 * Running product along `axis` (PyTorch's cumprod). Its gradient is exact where x has zeros.
 * @example tg.cumprod(tg.tensor([1, 2, 3]), 0) // [1, 2, 6]
 */
export function cumprod(x: Tensor, axis: number): Tensor {
  const xs = x.dtype === "bool" ? cast(x, "int32") : x;
  return alongAxis("cumprod", xs, axis, (t, a) => run(Sc.cumprod, [t], { axis: a }), backOne);
}

/**
 * log Σₖ≤ⱼ exp(xₖ) along `axis`, computed without overflow or underflow (PyTorch's logcumsumexp).
 * @example tg.logcumsumexp(tg.tensor([0, 0]), 0) // [0, 0.6931]
 */
export function logcumsumexp(x: Tensor, axis: number): Tensor {
  return alongAxis("logcumsumexp", x, axis, (t, a) => run(Sc.logcumsumexp, [t], { axis: a, reverse: false }), backOne);
}

function cumExtreme(op: "cummax" | "cummin", x: Tensor, axis: number): [Tensor, Tensor] {
  return alongAxis(op, x, axis, (t, a): [Tensor, Tensor] => {
    const idx = run(Sc.cumExtremeIndex, [t], { axis: a, max: op === "cummax" });
    return [gatherAlong(t, idx, a, { op }), idx];
  }, backPair);
}

/**
 * Running maximum along `axis` and where it was reached: `[values, indices]` (int32), as
 * PyTorch's cummax (a tie moves the index to the later position; NaN propagates). The values'
 * gradient flows to the input at the indices.
 * @example const [v, i] = tg.cummax(tg.tensor([1, 3, 2]), 0) // v [1, 3, 3], i [0, 1, 1]
 */
export function cummax(x: Tensor, axis: number): [Tensor, Tensor] {
  return cumExtreme("cummax", x, axis);
}

/**
 * Running minimum along `axis` and where it was reached: `[values, indices]` (int32), as PyTorch's cummin.
 * @example const [v, i] = tg.cummin(tg.tensor([2, 1, 3]), 0) // v [2, 1, 1], i [0, 1, 1]
 */
export function cummin(x: Tensor, axis: number): [Tensor, Tensor] {
  return cumExtreme("cummin", x, axis);
}
