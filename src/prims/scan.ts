// Scans along one axis: cumulative sum, product and log-sum-exp, and the index of the running
// maximum or minimum (the values are a gather at it, so their gradient is gather's). The scans
// run as extern host kernels (../backend/extern.ts). The rules of cumprod and logcumsumexp are
// written with the scan's Jacobian as a batch of n×n matrices built from tensor operations, so
// they are exact where a division-based formula fails (cumprod at zeros, logcumsumexp far below
// its running maximum) and are themselves differentiable:
//   cumprod:      ∂yⱼ/∂xₖ = Πᵢ≤ⱼ, ᵢ≠ₖ xᵢ  (k ≤ j)        — a cumprod of x with xₖ replaced by 1
//   logcumsumexp: ∂yⱼ/∂xₖ = exp(xₖ − yⱼ)    (k ≤ j)
// Their cost is O(n²) per row along the axis. Past LONG_SCAN elements, cumprod's rules switch to
// PyTorch's O(n) form, exact to first order at zeros (and to every order away from them):
//   before the first zero z of a row, x̄ₖ = (Σⱼ≥ₖ ḡⱼyⱼ) / xₖ;  at z, x̄_z = Σⱼ≥z ḡⱼ·y′ⱼ with y′ the
//   cumprod of x with x_z replaced by 1;  after z, 0;
// and logcumsumexp's to PyTorch's O(n) log-domain form (below), so long rows cost O(n) memory.

import { DTypeError, fmtShape } from "../core/errors.js";
import { isFloat, type DType, type TypedArray } from "../core/dtype.js";
import { sizeOf } from "../core/shape.js";
import { defineExternKernel } from "../backend/extern.js";
import { bind } from "../autodiff/bind.js";
import { tensor } from "../tensor/creation.js";
import type { Tensor } from "../tensor/tensor.js";
import { definePrimitive, erase, type OutInfo } from "./define.js";
import * as T from "./exact.js";

/** The layout of a scan: `outer` rows of `n` elements `inner` apart. */
interface ScanGeom {
  readonly [key: string]: number | boolean;
  outer: number;
  n: number;
  inner: number;
}

function geom(shape: readonly number[], axis: number): ScanGeom {
  return { outer: sizeOf(shape.slice(0, axis)), n: shape[axis], inner: sizeOf(shape.slice(axis + 1)) };
}

/** Runs `step` along every row: `step(acc, x)` gives the new accumulator, written to the output. */
function scanRows(x: TypedArray, out: TypedArray, g: ScanGeom, reverse: boolean, init: number, step: (acc: number, v: number) => number): void {
  const { outer, n, inner } = g;
  for (let o = 0; o < outer; o++)
    for (let i = 0; i < inner; i++) {
      const base = o * n * inner + i;
      let acc = init;
      for (let t = 0; t < n; t++) {
        const at = base + (reverse ? n - 1 - t : t) * inner;
        acc = step(acc, x[at]);
        out[at] = acc;
      }
    }
}

defineExternKernel<ScanGeom & { reverse: boolean; int: boolean }>({
  name: "cumsum",
  // integers accumulate modulo 2³² as int32 arithmetic does
  host: ([x], out, p) => scanRows(x, out, p, p.reverse, 0, p.int ? (a, v) => (a + v) | 0 : (a, v) => a + v),
});

defineExternKernel<ScanGeom & { int: boolean }>({
  name: "cumprod",
  host: ([x], out, p) => scanRows(x, out, p, false, 1, p.int ? (a, v) => Math.imul(a, v) : (a, v) => a * v),
});

// log(eᵃ + eᵛ) = max + log1p(e^(min − max)), with −∞ + −∞ = −∞ and NaN kept
function logAddExp(a: number, v: number): number {
  const hi = a > v ? a : v;
  const lo = a > v ? v : a;
  if (hi === -Infinity) return -Infinity;
  if (hi === Infinity) return lo !== lo ? NaN : Infinity;
  return hi + Math.log1p(Math.exp(lo - hi));
}

defineExternKernel<ScanGeom & { reverse: boolean }>({
  name: "logcumsumexp",
  host: ([x], out, p) => scanRows(x, out, p, p.reverse, -Infinity, logAddExp),
});

// torch.cummax: a later value equal to the running maximum takes over its index (ties give the
// last position); a NaN becomes the maximum and only a later NaN replaces it
defineExternKernel<ScanGeom & { max: boolean }>({
  name: "cumExtremeIndex",
  host: ([x], out, { outer, n, inner, max }) => {
    for (let o = 0; o < outer; o++)
      for (let i = 0; i < inner; i++) {
        const base = o * n * inner + i;
        let best = NaN;
        let at = -1;
        for (let t = 0; t < n; t++) {
          const v = x[base + t * inner];
          const take = at < 0 || (best !== best ? v !== v : v !== v || (max ? v >= best : v <= best));
          if (take) {
            best = v;
            at = t;
          }
          out[base + t * inner] = at;
        }
      }
  },
});

function sameDtype(op: string, floatOnly: boolean) {
  return ([x]: readonly Tensor[]): OutInfo => {
    if (x.dtype === "bool" || (floatOnly && !isFloat(x.dtype)))
      throw new DTypeError(`${op}: expected a ${floatOnly ? "floating-point" : "numeric"} tensor, got ${x.dtype}${fmtShape(x.shape)}`);
    return { shape: x.shape, dtype: x.dtype };
  };
}

// bound here rather than through ./exact.ts: the scans' rules call the scans themselves
const cumsumOf = (x: Tensor, axis: number, reverse: boolean): Tensor => bind(erase(cumsum), [x], { axis, reverse });
const cumprodOf = (x: Tensor, axis: number): Tensor => bind(erase(cumprod), [x], { axis });
const logcumsumexpOf = (x: Tensor, axis: number, reverse: boolean): Tensor => bind(erase(logcumsumexp), [x], { axis, reverse });

/** Masks [n, n] over (k, j): `j ≥ k`, `j = k` (diagonalOnly), or `j ≤ k` (reverse). */
function pairMask(n: number, diagonalOnly: boolean, reverse = false): Tensor {
  const m = new Uint8Array(n * n);
  for (let k = 0; k < n; k++) for (let j = 0; j < n; j++) m[k * n + j] = +(diagonalOnly ? j === k : reverse ? j <= k : j >= k);
  return tensor(m, { dtype: "bool", shape: [n, n] });
}

/** x with `axis` moved last, and the permutation that undoes it. */
function axisLast(x: Tensor, axis: number): [Tensor, number[]] {
  const r = x.shape.length;
  const order = [...Array(r).keys()].filter((i) => i !== axis).concat(axis);
  const inv = new Array<number>(r);
  order.forEach((a, i) => (inv[a] = i));
  return [T.permute(x, order), inv];
}

/**
 * Applies a scan's Jacobian, given as W[…, k, j] = ∂yⱼ/∂xₖ over the axis moved last:
 * forward, dyⱼ = Σₖ dxₖ W[k, j]; transposed, x̄ₖ = Σⱼ W[k, j] ḡⱼ. Both are one batched matmul.
 */
function applyJacobian(W: Tensor, v: Tensor, axis: number, transpose: boolean): Tensor {
  const [vt, inv] = axisLast(v, axis);
  const r = vt.shape.length;
  const res = transpose
    ? T.reshape(T.matmul(W, T.reshape(vt, [...vt.shape, 1])), vt.shape)
    : T.reshape(T.matmul(T.reshape(vt, [...vt.shape.slice(0, r - 1), 1, vt.shape[r - 1]]), W), vt.shape);
  return T.permute(res, inv);
}

// W[k, j] = Πᵢ≤ⱼ, ᵢ≠ₖ xᵢ for j ≥ k, else 0: a cumprod along i of x with xₖ replaced by 1
function cumprodJacobian(x: Tensor, axis: number): Tensor {
  const [xt] = axisLast(x, axis);
  const n = x.shape[axis];
  const rows = T.where(pairMask(n, true), T.constLike(x, 1), T.reshape(xt, [...xt.shape.slice(0, -1), 1, n]));
  return T.where(pairMask(n, false), cumprodOf(rows, rows.shape.length - 1), T.constLike(x, 0));
}

// W[k, j] = exp(xₖ − yⱼ) for j ≥ k (j ≤ k reversed), else 0 (the exponent is masked first, so nothing overflows)
function logcumsumexpJacobian(x: Tensor, y: Tensor, axis: number, reverse: boolean): Tensor {
  const [xt] = axisLast(x, axis);
  const [yt] = axisLast(finiteBelow(y), axis);
  const n = x.shape[axis];
  const diff = T.sub(T.reshape(xt, [...xt.shape, 1]), T.reshape(yt, [...yt.shape.slice(0, -1), 1, n]));
  return T.exp(T.where(pairMask(n, false, reverse), diff, T.constLike(x, -Infinity)));
}

/** Axis length past which cumprod's rules take the O(n) form. */
const LONG_SCAN = 64;

/** Per row: where no zero has been reached yet, where the first zero is, x made safe to divide by there, and y′. */
function zeroSplit(x: Tensor, axis: number) {
  const isZero = T.eq(x, T.constLike(x, 0));
  const count = cumsumOf(T.cast(isZero, "int32"), axis, false);
  const before = T.eq(count, T.zeros([], "int32"));
  const first = T.where(isZero, T.eq(count, T.constLike(count, 1)), T.constLike(isZero, 0));
  const one = T.constLike(x, 1);
  return { before, first, xSafe: T.where(before, x, one), yPrime: cumprodOf(T.where(first, one, x), axis) };
}

function cumprodVjpLong(g: Tensor, x: Tensor, y: Tensor, axis: number): Tensor {
  const { before, first, xSafe, yPrime } = zeroSplit(x, axis);
  const atFirst = T.where(first, cumsumOf(T.mul(g, yPrime), axis, true), T.constLike(x, 0));
  return T.where(before, T.div(cumsumOf(T.mul(g, y), axis, true), xSafe), atFirst);
}

function cumprodJvpLong(dx: Tensor, x: Tensor, y: Tensor, axis: number): Tensor {
  const { before, first, xSafe, yPrime } = zeroSplit(x, axis);
  const dz = T.sum(T.where(first, dx, T.constLike(dx, 0)), [axis], true);
  return T.where(before, T.mul(y, cumsumOf(T.div(dx, xSafe), axis, false)), T.mul(dz, yPrime));
}

const scanCases = [
  { shapes: [[5]], params: { axis: 0 } },
  { shapes: [[3, 4]], params: { axis: 1 } },
  { shapes: [[2, 3, 2]], params: { axis: 1 } },
] as const;

// y = cumsum(x): x̄ = reversed cumsum of ḡ;  dy = cumsum(dx)
export const cumsum = definePrimitive<{ axis: number; reverse: boolean }>({
  name: "cumsum",
  formula: { vjp: "x̄ = reversed cumsum(ḡ)", jvp: "dy = cumsum(dx)" },
  kind: "compute",
  infer: sameDtype("cumsum", false),
  kernel: (be, [x], { axis, reverse }, out) =>
    be.extern("cumsum", [x._contiguous()._buf!], [x.dtype], out.dtype, sizeOf(out.shape), { ...geom(x.shape, axis), reverse, int: !isFloat(x.dtype) }),
  vjp: (g, _x, { params }) => [cumsumOf(g, params.axis, !params.reverse)],
  jvp: (_x, [dx], { params }) => dx && cumsumOf(dx, params.axis, params.reverse),
  cases: [
    { shapes: [[5]], params: { axis: 0, reverse: false } },
    { shapes: [[3, 4]], params: { axis: 1, reverse: false } },
    { shapes: [[3, 4]], params: { axis: 0, reverse: true } },
  ],
});

// y = cumprod(x): x̄ = W ḡ, dy = Wᵀ dx with W[k, j] = Πᵢ≤ⱼ, ᵢ≠ₖ xᵢ (exact at zeros)
export const cumprod = definePrimitive<{ axis: number }>({
  name: "cumprod",
  formula: { vjp: "x̄ₖ = Σⱼ≥ₖ ḡⱼ·Πᵢ≤ⱼ,ᵢ≠ₖ xᵢ", jvp: "dyⱼ = Σₖ≤ⱼ dxₖ·Πᵢ≤ⱼ,ᵢ≠ₖ xᵢ" },
  kind: "compute",
  infer: sameDtype("cumprod", false),
  kernel: (be, [x], { axis }, out) =>
    be.extern("cumprod", [x._contiguous()._buf!], [x.dtype], out.dtype, sizeOf(out.shape), { ...geom(x.shape, axis), int: !isFloat(x.dtype) }),
  vjp: (g, [x], { out, params: { axis } }) => [
    x.shape[axis] > LONG_SCAN ? cumprodVjpLong(g, x, out, axis) : applyJacobian(cumprodJacobian(x, axis), g, axis, true),
  ],
  jvp: ([x], [dx], { out, params: { axis } }) =>
    dx && (x.shape[axis] > LONG_SCAN ? cumprodJvpLong(dx, x, out, axis) : applyJacobian(cumprodJacobian(x, axis), dx, axis, false)),
  cases: [
    ...scanCases,
    // zeros inside the row: the division formula would give NaN here
    { make: () => [tensor([1.5, 0, -2, 0.5, 0, 3], { dtype: "float64", shape: [2, 3] })], params: { axis: 1 } },
    // long rows take the O(n) rules: smooth away from zeros, first-order exact at them
    { shapes: [[2, LONG_SCAN + 9]], params: { axis: 1 }, domain: [0.6, 1.4] },
    {
      make: (gen) => {
        const n = LONG_SCAN + 6;
        const d = new Float64Array(3 * n).map(() => 0.6 + 0.8 * gen.uniform());
        for (const at of [5, 2 * n + 3, 2 * n + 40]) d[at] = 0; // one zero in row 0, none in row 1, two in row 2
        return [tensor(d, { dtype: "float64", shape: [3, n] })];
      },
      params: { axis: 1 },
      smooth: false,
    },
  ],
});

/** log v where v > 0, −∞ elsewhere, with a derivative free of NaN (the log never sees v ≤ 0). */
function safeLog(v: Tensor): Tensor {
  const pos = T.gt(v, T.constLike(v, 0));
  return T.where(pos, T.log(T.where(pos, v, T.constLike(v, 1))), T.constLike(v, -Infinity));
}

// Long axes, in O(n) and still in the log domain (PyTorch's form), with v = v⁺ − v⁻:
//   Σⱼ≥ₖ vⱼ·exp(xₖ − yⱼ) = exp(xₖ + LCSE←(log v⁺ − y))ₖ − (the same with v⁻)    (x̄, scanned backwards)
//   Σₖ≤ⱼ exp(xₖ − yⱼ)·vₖ = exp(LCSE→(x + log v⁺) − y)ⱼ − (the same with v⁻)    (dy, scanned forwards)
// (yⱼ = −∞ only where every xₖ it sums is −∞; those weights are 0, so yⱼ is read as 0 there to
// keep −∞ − (−∞) out of the rules)
function finiteBelow(y: Tensor): Tensor {
  return T.where(T.eq(y, T.constLike(y, -Infinity)), T.constLike(y, 0), y);
}

function logcumsumexpVjpLong(g: Tensor, x: Tensor, y0: Tensor, axis: number, reverse: boolean): Tensor {
  const y = finiteBelow(y0);
  const part = (v: Tensor) => T.exp(T.add(x, logcumsumexpOf(T.sub(safeLog(v), y), axis, !reverse)));
  return T.sub(part(g), part(T.neg(g)));
}

function logcumsumexpJvpLong(dx: Tensor, x: Tensor, y0: Tensor, axis: number, reverse: boolean): Tensor {
  const y = finiteBelow(y0);
  const part = (v: Tensor) => T.exp(T.sub(logcumsumexpOf(T.add(x, safeLog(v)), axis, reverse), y));
  return T.sub(part(dx), part(T.neg(dx)));
}

// y = logcumsumexp(x): x̄ₖ = Σⱼ≥ₖ ḡⱼ·exp(xₖ − yⱼ);  dyⱼ = Σₖ≤ⱼ exp(xₖ − yⱼ)·dxₖ (reverse: the sums run the other way)
export const logcumsumexp = definePrimitive<{ axis: number; reverse: boolean }>({
  name: "logcumsumexp",
  formula: { vjp: "x̄ₖ = Σⱼ≥ₖ ḡⱼ·exp(xₖ − yⱼ)", jvp: "dyⱼ = Σₖ≤ⱼ exp(xₖ − yⱼ)·dxₖ" },
  kind: "compute",
  infer: sameDtype("logcumsumexp", true),
  kernel: (be, [x], { axis, reverse }, out) =>
    be.extern("logcumsumexp", [x._contiguous()._buf!], [x.dtype], out.dtype, sizeOf(out.shape), { ...geom(x.shape, axis), reverse }),
  vjp: (g, [x], { out, params: { axis, reverse } }) => [
    x.shape[axis] > LONG_SCAN
      ? logcumsumexpVjpLong(g, x, out, axis, reverse)
      : applyJacobian(logcumsumexpJacobian(x, out, axis, reverse), g, axis, true),
  ],
  jvp: ([x], [dx], { out, params: { axis, reverse } }) =>
    dx &&
    (x.shape[axis] > LONG_SCAN
      ? logcumsumexpJvpLong(dx, x, out, axis, reverse)
      : applyJacobian(logcumsumexpJacobian(x, out, axis, reverse), dx, axis, false)),
  cases: [
    { shapes: [[5]], params: { axis: 0, reverse: false } },
    { shapes: [[3, 4]], params: { axis: 1, reverse: false } },
    { shapes: [[2, 3, 2]], params: { axis: 1, reverse: false } },
    { shapes: [[3, 4]], params: { axis: 0, reverse: true } },
    // long axes take the O(n) log-domain rules, both directions
    { shapes: [[LONG_SCAN + 5, 2]], params: { axis: 0, reverse: false } },
    { shapes: [[2, LONG_SCAN + 3]], params: { axis: 1, reverse: true } },
  ],
});

// the position of the running maximum (max = true) or minimum along the axis; int32, no derivative
export const cumExtremeIndex = definePrimitive<{ axis: number; max: boolean }>({
  name: "cumExtremeIndex",
  formula: { vjp: "none (integer output)" },
  kind: "compute",
  infer: ([x]) => {
    if (x.dtype === "bool") throw new DTypeError(`cummax/cummin: expected a numeric tensor, got ${x.dtype}${fmtShape(x.shape)}`);
    return { shape: x.shape, dtype: "int32" as DType };
  },
  kernel: (be, [x], { axis, max }, out) =>
    be.extern("cumExtremeIndex", [x._contiguous()._buf!], [x.dtype], out.dtype, sizeOf(out.shape), { ...geom(x.shape, axis), max }),
  vjp: null,
  jvp: null,
  cases: [{ shapes: [[3, 5]], params: { axis: 1, max: true } }, { shapes: [[4, 2]], params: { axis: 0, max: false } }],
});

export const scanPrimitives = { cumsum, cumprod, logcumsumexp, cumExtremeIndex };
