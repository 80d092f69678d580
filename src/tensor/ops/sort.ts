// Sorting along one axis: sort, argsort, topk, and the median and quantiles built on them.
// One primitive finds the sorting permutation (int32); values are the input gathered at it, so
// their gradient scatters back through the indices. NaN sorts as larger than every number (last
// ascending, first descending) and equal values keep their input order, as PyTorch's stable sort.

import { ArgumentError, DTypeError, fmtShape } from "../../core/errors.js";
import { isFloat } from "../../core/dtype.js";
import { bind } from "../../autodiff/bind.js";
import { erase } from "../../prims/define.js";
import * as So from "../../prims/sort.js";
import type { Tensor } from "../tensor.js";
import { tensor } from "../creation.js";
import { reshape, sliceRaw, squeeze, stack } from "./shape.js";
import { gatherAlong } from "./index-ops.js";
import { add, cast, gt, mul, ne, sub, where } from "./arith.js";
import { sum } from "./reduce.js";
import { alongAxis } from "./scan.js";

export interface SortOpts {
  /** Largest first; default false. */
  descending?: boolean;
  /** Keep equal values in input order. Sorting here is always stable, so this is accepted for PyTorch's signature. */
  stable?: boolean;
}

function indicesOf(x: Tensor, axis: number, descending: boolean): Tensor {
  return bind(erase(So.argsort), [x], { axis, descending });
}

const backPair = ([a, b]: [Tensor, Tensor], shape: readonly number[]): [Tensor, Tensor] => [reshape(a, shape), reshape(b, shape)];

/**
 * Sorts along `axis` (last by default): `[values, indices]`, indices int32 (PyTorch's sort;
 * stable, NaN last ascending). The values' gradient flows back through the indices.
 * @example const [v, i] = tg.sort(tg.tensor([3, 1, 2])) // v [1, 2, 3], i [1, 2, 0]
 */
export function sort(x: Tensor, axis = -1, opts: SortOpts = {}): [Tensor, Tensor] {
  return alongAxis("sort", x, axis, (t, a): [Tensor, Tensor] => {
    const idx = indicesOf(t, a, opts.descending ?? false);
    return [gatherAlong(t, idx, a, { op: "sort" }), idx];
  }, backPair);
}

/**
 * The int32 positions that sort x along `axis` (PyTorch's argsort; stable).
 * @example tg.argsort(tg.tensor([3, 1, 2]), -1, { descending: true }) // [0, 2, 1]
 */
export function argsort(x: Tensor, axis = -1, opts: SortOpts = {}): Tensor {
  return alongAxis("argsort", x, axis, (t, a) => indicesOf(t, a, opts.descending ?? false), (t, s) => reshape(t, s));
}

export interface TopkOpts {
  /** The k largest (default) or the k smallest. */
  largest?: boolean;
  /** Results in sorted order; always so here (PyTorch leaves the order open when false). */
  sorted?: boolean;
}

/**
 * The k largest (or smallest) entries along `axis` (last by default): `[values, indices]`,
 * sorted, indices int32 (PyTorch's topk; among equal values the earlier position comes first).
 * @example const [v, i] = tg.topk(tg.tensor([1, 5, 3, 4]), 2) // v [5, 4], i [1, 3]
 */
export function topk(x: Tensor, k: number, axis = -1, opts: TopkOpts = {}): [Tensor, Tensor] {
  return alongAxis("topk", x, axis, (t, a): [Tensor, Tensor] => {
    const n = t.shape[a];
    if (!Number.isInteger(k) || k < 0 || k > n)
      throw new ArgumentError(`topk: k = ${k} is out of range for axis ${axis} of size ${n} (input ${fmtShape(x.shape)}); k must be an integer in [0, ${n}]`);
    const idx = bind(erase(So.topkIndices), [t], { axis: a, k, largest: opts.largest ?? true });
    return [gatherAlong(t, idx, a, { op: "topk" }), idx];
  }, backPair);
}

function floatInput(op: string, x: Tensor): void {
  if (!isFloat(x.dtype)) throw new DTypeError(`${op}: expected a floating-point tensor, got ${x.dtype}${fmtShape(x.shape)}`);
}

/**
 * The lower median along `axis` and its position: `[values, indices]` (PyTorch's median with a
 * dim: of an even count, the smaller of the two middle values). Without an axis, the lower
 * median of all entries as a 0-d tensor.
 * @example tg.median(tg.tensor([3, 1, 4, 2])) // 2
 */
export function median(x: Tensor): Tensor;
export function median(x: Tensor, axis: number, opts?: { keepdims?: boolean }): [Tensor, Tensor];
export function median(x: Tensor, axis?: number, opts: { keepdims?: boolean } = {}): Tensor | [Tensor, Tensor] {
  if (axis === undefined) {
    const flat = reshape(x, [-1]);
    if (flat.shape[0] === 0) throw new ArgumentError(`median: the input ${fmtShape(x.shape)} is empty`);
    const [v] = median(flat, 0);
    return v;
  }
  return alongAxis("median", x, axis, (t, a): [Tensor, Tensor] => {
    const n = t.shape[a];
    if (n === 0) throw new ArgumentError(`median: axis ${axis} of input ${fmtShape(x.shape)} is empty`);
    const all = indicesOf(t, a, false);
    // a row with NaNs has the first of them as its median (they sort last, in input order)
    const nans = sum(cast(ne(t, t), "int32"), a, { keepdims: true });
    const pos = where(gt(nans, 0), sub(n, nans), (n - 1) >> 1);
    const pick = gatherAlong(all, pos, a, { op: "median" });
    const v = gatherAlong(t, pick, a, { op: "median" });
    return opts.keepdims ? [v, pick] : [squeeze(v, a), squeeze(pick, a)];
  }, (r, shape) => (opts.keepdims ? backPair(r, shape) : r));
}

/**
 * Quantiles along `axis` (all entries when absent) by linear interpolation between the sorted
 * values (PyTorch's quantile with interpolation="linear"). `q` is a number in [0, 1] (the axis
 * is removed) or a list (a new leading axis of that length).
 * @example tg.quantile(tg.tensor([1, 2, 3, 4]), 0.5) // 2.5
 */
export function quantile(x: Tensor, q: number | readonly number[], axis?: number, opts: { keepdims?: boolean } = {}): Tensor {
  floatInput("quantile", x);
  const qs = typeof q === "number" ? [q] : [...q];
  for (const v of qs) if (!(v >= 0 && v <= 1)) throw new ArgumentError(`quantile: q must lie in [0, 1], got ${v}`);
  const src = axis === undefined ? reshape(x, [-1]) : x;
  const res = alongAxis("quantile", src, axis ?? 0, (t, a) => {
    const n = t.shape[a];
    if (n === 0) throw new ArgumentError(`quantile: axis ${axis ?? 0} of input ${fmtShape(x.shape)} is empty`);
    const [sorted] = sort(t, a);
    const parts = qs.map((p) => {
      const pos = p * (n - 1);
      const lo = Math.floor(pos);
      const hi = Math.min(lo + 1, n - 1);
      const at = (i: number) => sliceRaw(sorted, t.shape.map((_, j) => (j === a ? i : 0)), t.shape.map((d, j) => (j === a ? 1 : d)), t.shape.map(() => 1));
      const frac = pos - lo;
      const v = frac === 0 ? at(lo) : add(at(lo), mul(sub(at(hi), at(lo)), tensor(frac, { dtype: t.dtype })));
      // any NaN in the row makes every quantile NaN, as in PyTorch
      const nan = where(gt(sum(cast(ne(t, t), "int32"), a, { keepdims: true }), 0), NaN, v);
      return opts.keepdims && axis !== undefined ? nan : squeeze(nan, a);
    });
    return typeof q === "number" ? parts[0] : stack(parts, 0);
  }, (t) => t);
  if (axis === undefined && opts.keepdims) return reshape(res, [...(typeof q === "number" ? [] : [qs.length]), ...x.shape.map(() => 1)]);
  return res;
}
