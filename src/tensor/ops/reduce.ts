// Reductions and the normalisations built on them. `axis` follows NumPy: a number, a list, or
// nothing for all axes; negative axes count from the end.

import { floatOf, isFloat } from "../../core/dtype.js";
import { ArgumentError, DTypeError, fmtShape } from "../../core/errors.js";
import { normAxes, normAxis, reducedShape, sizeOf } from "../../core/shape.js";
import { bind } from "../../autodiff/bind.js";
import { erase, type Primitive } from "../../prims/define.js";
import * as Rd from "../../prims/reduce.js";
import * as Sm from "../../prims/softmax.js";
import * as Ix from "../../prims/indexing.js";
import type { Tensor } from "../tensor.js";
import { abs, add, cast, div, eq, exp, gt, log, lt, mul, ne, pow, sqrt, sub, where } from "./arith.js";
import { reshape } from "./shape.js";

export interface ReduceOpts {
  /** Keep reduced axes with size 1 (so the result broadcasts against the input). */
  keepdims?: boolean;
}

export interface VarOpts extends ReduceOpts {
  /** Subtracted from the count in the divisor: 0 for the population variance, 1 (default) for the unbiased one, as in PyTorch. */
  correction?: number;
}

type Axis = number | readonly number[] | null | undefined;

function reduceWith(prim: Primitive<Rd.ReduceParams>, x: Tensor, axis: Axis, opts: ReduceOpts): Tensor {
  const axes = normAxes(prim.name, axis ?? undefined, x.ndim);
  return bind(erase(prim), [x], { axes, keepdims: !!opts.keepdims });
}

/** Sum over `axis` (all axes by default). Integers and bools sum as int32. @example tg.sum(x, 1, { keepdims: true }) */
export function sum(x: Tensor, axis?: Axis, opts: ReduceOpts = {}): Tensor {
  return reduceWith(Rd.sum, x.dtype === "bool" ? cast(x, "int32") : x, axis, opts);
}

/**
 * Maximum over `axis` (all axes by default), PyTorch's `amax`: where several entries tie for the
 * maximum the gradient is shared evenly among them.
 * @example tg.amax(tg.tensor([[1, 3], [4, 2]]), 1) // [3, 4]
 */
export function amax(x: Tensor, axis?: Axis, opts: ReduceOpts = {}): Tensor {
  emptyCheck("amax", x, axis);
  return reduceWith(Rd.max, x, axis, opts);
}

/** Minimum over `axis`, PyTorch's `amin`: ties share the gradient evenly. */
export function amin(x: Tensor, axis?: Axis, opts: ReduceOpts = {}): Tensor {
  emptyCheck("amin", x, axis);
  return reduceWith(Rd.min, x, axis, opts);
}

/**
 * PyTorch's `torch.max`. Without an axis: the maximum of all entries, a 0-d tensor (ties share
 * the gradient evenly, as torch.max(x) does). With an axis: `[values, indices]`, the maximum
 * along that axis and the (first) index where it occurs, int32; the gradient goes to that index
 * alone, as torch.max(x, dim) sends it. Use `amax` for several axes or an even split of ties.
 * @example const [values, indices] = tg.max(tg.tensor([[1, 3], [4, 2]]), 1) // [3, 4], [1, 0]
 */
export function max(x: Tensor): Tensor;
export function max(x: Tensor, axis: number, opts?: ReduceOpts): [Tensor, Tensor];
export function max(x: Tensor, axis?: number, opts: ReduceOpts = {}): Tensor | [Tensor, Tensor] {
  return axis === undefined ? amax(x) : extremumAlong(Rd.argmax, x, axis, opts);
}

/** PyTorch's `torch.min`: like `max`, with `[values, indices]` of the minimum along an axis. */
export function min(x: Tensor): Tensor;
export function min(x: Tensor, axis: number, opts?: ReduceOpts): [Tensor, Tensor];
export function min(x: Tensor, axis?: number, opts: ReduceOpts = {}): Tensor | [Tensor, Tensor] {
  return axis === undefined ? amin(x) : extremumAlong(Rd.argmin, x, axis, opts);
}

// values = gather(x, argmax(x)) along the axis: gather's rule scatters the gradient to the index
function extremumAlong(prim: Primitive<{ axis: number; keepdims: boolean }>, x: Tensor, axis: number, opts: ReduceOpts): [Tensor, Tensor] {
  const op = prim === Rd.argmax ? "max" : "min";
  if (typeof axis !== "number") throw new ArgumentError(`${op}: axis must be one number (use a${op} for several axes), got ${String(axis)}`);
  const a = normAxis(op, axis, Math.max(x.ndim, 1));
  // a 0-d tensor reduces over its one implicit axis, as in PyTorch
  const xs = x.ndim === 0 ? reshape(x, [1]) : x;
  emptyCheck(op, xs, a);
  const idx = bind(erase(prim), [xs], { axis: a, keepdims: true });
  const values = bind(erase(Ix.gather), [xs, idx], { axis: a });
  if (x.ndim === 0) return [reshape(values, []), reshape(idx, [])];
  if (opts.keepdims) return [values, idx];
  const shape = reducedShape(xs.shape, [a], false);
  return [reshape(values, shape), reshape(idx, shape)];
}

/** Product over `axis`. */
export function prod(x: Tensor, axis?: Axis, opts: ReduceOpts = {}): Tensor {
  return reduceWith(Rd.prod, x, axis, opts);
}

function emptyCheck(op: string, x: Tensor, axis: Axis): void {
  const axes = normAxes(op, axis ?? undefined, x.ndim);
  if (axes.some((a) => x.shape[a] === 0) || (x.ndim === 0 && x.size === 0))
    throw new ArgumentError(`${op}: cannot reduce over an empty axis (shape [${x.shape.join(",")}])`);
}

function count(x: Tensor, axis: Axis): number {
  const axes = normAxes("mean", axis ?? undefined, x.ndim);
  return sizeOf(axes.map((a) => x.shape[a]));
}

/** Arithmetic mean over `axis` (floating point). */
export function mean(x: Tensor, axis?: Axis, opts: ReduceOpts = {}): Tensor {
  if (count(x, axis) === 0) throw new ArgumentError(`mean: cannot average over an empty axis (shape [${x.shape.join(",")}])`);
  const xf = isFloat(x.dtype) ? x : cast(x, floatOf(x.dtype));
  return div(sum(xf, axis, opts), count(x, axis));
}

/** Variance over `axis`, with PyTorch's default `correction: 1`. */
function variance(x: Tensor, axis?: Axis, opts: VarOpts = {}): Tensor {
  const xf = isFloat(x.dtype) ? x : cast(x, floatOf(x.dtype));
  const n = count(x, axis) - (opts.correction ?? 1);
  if (n <= 0)
    throw new ArgumentError(`var: ${count(x, axis)} elements over the reduced axes of shape [${x.shape.join(",")}] leave no degrees of freedom with correction ${opts.correction ?? 1}`);
  const centered = sub(xf, mean(xf, axis, { keepdims: true }));
  return div(sum(mul(centered, centered), axis, { keepdims: opts.keepdims }), n);
}

/**
 * Standard deviation over `axis` (√variance). Where the variance is 0 the gradient is 0, as
 * PyTorch masks it (std_backward), not the 0·∞ = NaN that √'s derivative 1/(2√v) would give:
 * y = where(v = 0, 0, √v̂) with v̂ = where(v = 0, 1, v), so neither branch's rule sees 1/0.
 */
export function std(x: Tensor, axis?: Axis, opts: VarOpts = {}): Tensor {
  const v = variance(x, axis, opts);
  const isZero = eq(v, 0);
  return where(isZero, 0, sqrt(where(isZero, 1, v)));
}

/**
 * log Σ exp(x) over `axis`, computed stably: m + log Σ exp(x − m) with m = max(x) held constant
 * (the result does not depend on m, so its derivative is not needed).
 */
export function logsumexp(x: Tensor, axis?: Axis, opts: ReduceOpts = {}): Tensor {
  const m = amax(x, axis, { keepdims: true }).detach();
  // an all −∞ slice has m = −∞; shifting by 0 instead keeps x − m from becoming NaN
  const safeM = where(lt(abs(m), Infinity), m, 0);
  const s = log(sum(exp(sub(x, safeM)), axis, { keepdims: true }));
  const out = add(s, safeM);
  return opts.keepdims ? out : reshape(out, reducedShape(x.shape, normAxes("logsumexp", axis ?? undefined, x.ndim), false));
}

/** softmax(x)ᵢ = exp(xᵢ − m) / Σⱼ exp(xⱼ − m) along one `axis`, the last by default (m the maximum, subtracted for stability). */
export function softmax(x: Tensor, axis = -1): Tensor {
  const a = normAxis("softmax", axis, x.ndim);
  return bind(erase(Sm.softmax), [isFloat(x.dtype) ? x : cast(x, floatOf(x.dtype))], { axis: a });
}

/** log softmax(x) = x − logsumexp(x) along one `axis` (the last by default), computed stably in one kernel. */
export function logSoftmax(x: Tensor, axis = -1): Tensor {
  const a = normAxis("logSoftmax", axis, x.ndim);
  return bind(erase(Sm.logSoftmax), [isFloat(x.dtype) ? x : cast(x, floatOf(x.dtype))], { axis: a });
}

/** Index of the maximum along `axis` (of the flattened tensor when no axis is given), int32. */
export function argmax(x: Tensor, axis?: number, opts: ReduceOpts = {}): Tensor {
  return argReduce(Rd.argmax, x, axis, opts);
}

/** Index of the minimum along `axis`, int32. */
export function argmin(x: Tensor, axis?: number, opts: ReduceOpts = {}): Tensor {
  return argReduce(Rd.argmin, x, axis, opts);
}

function argReduce(prim: Primitive<{ axis: number; keepdims: boolean }>, x: Tensor, axis: number | undefined, opts: ReduceOpts): Tensor {
  if (x.size === 0) throw new ArgumentError(`${prim.name}: empty tensor`);
  if (axis === undefined) {
    const flat = reshape(x, [-1]);
    const r = bind(erase(prim), [flat], { axis: 0, keepdims: false });
    return opts.keepdims ? reshape(r, x.shape.map(() => 1)) : r;
  }
  const a = normAxis(prim.name, axis, x.ndim);
  return bind(erase(prim), [x], { axis: a, keepdims: !!opts.keepdims });
}

// `var` is a reserved word as a binding, so the function is declared as `variance` and exported
// under PyTorch's and NumPy's name (a named import reads `import { var as variance }`).
export { variance as var };

// ---- any, all, vector norms ----

/**
 * True where any entry over `axis` (all axes by default) is nonzero (NaN counts); false over an
 * empty axis. Bool result.
 * @example tg.any(tg.tensor([[0, 1], [0, 0]]), 1) // [true, false]
 */
export function any(x: Tensor, axis?: Axis, opts: ReduceOpts = {}): Tensor {
  const nonzero = x.dtype === "bool" ? x : ne(x, 0);
  return gt(sum(nonzero, axis, opts), 0);
}

/**
 * True where every entry over `axis` (all axes by default) is nonzero; true over an empty axis.
 * Bool result.
 * @example tg.all(tg.tensor([[1, 2], [0, 3]]), 1) // [true, false]
 */
export function all(x: Tensor, axis?: Axis, opts: ReduceOpts = {}): Tensor {
  const zero = x.dtype === "bool" ? eq(x, false) : eq(x, 0);
  return eq(sum(zero, axis, opts), 0);
}

/** Options of `norm`. */
export type NormOpts = ReduceOpts;

/**
 * The vector p-norm over `axis` (all axes, flattened, by default), PyTorch's
 * `torch.linalg.vector_norm`: (Σ|x|ᵖ)^(1/p) for `ord` p (default 2); `Infinity` max|x|,
 * `-Infinity` min|x|, 0 the count of nonzero entries. Gradients as PyTorch gives them: 0 where
 * the norm is 0 (p > 0), at zero entries for p < 1, and shared evenly among ties for ±∞.
 * @example tg.norm(tg.tensor([3, 4])) // 5
 */
export function norm(x: Tensor, ord = 2, axis?: Axis, opts: NormOpts = {}): Tensor {
  if (typeof ord !== "number" || Number.isNaN(ord)) throw new ArgumentError(`norm: ord must be a number (or ±Infinity), got ${String(ord)}`);
  if (!isFloat(x.dtype)) throw new DTypeError(`norm: input must be float32 or float64, got ${x.dtype}${fmtShape(x.shape)}`);
  const a = abs(x);
  if (ord === Infinity || ord === -Infinity) {
    if (x.size === 0) throw new ArgumentError(`norm: ord ${ord} of an empty tensor is undefined (shape ${fmtShape(x.shape)})`);
    return ord > 0 ? amax(a, axis, opts) : amin(a, axis, opts);
  }
  if (ord === 0) return sum(cast(ne(x, 0), x.dtype), axis, opts);
  if (ord === 1) return sum(a, axis, opts);
  if (ord === 2) {
    // √ with its derivative 1/(2√s) masked where s = 0 (std's trick: neither branch sees 1/0)
    const s = sum(mul(x, x), axis, opts);
    const zero = eq(s, 0);
    return where(zero, 0, sqrt(where(zero, 1, s)));
  }
  // |x|ᵖ with x = 0 masked: 0 for p > 0 (its derivative p|x|^(p−1) is ∞ there for p < 1), ∞ for
  // p < 0 (the sum is then ∞ and the norm 0, with gradient 0 as PyTorch gives); then s^(1/p)
  // with s = 0 masked
  const zx = eq(x, 0);
  const s = sum(where(zx, ord > 0 ? 0 : Infinity, pow(where(zx, 1, a), ord)), axis, opts);
  const zero = eq(s, 0);
  return where(zero, 0, pow(where(zero, 1, s), 1 / ord));
}
