// Tensor's method sugar: `x.add(y)` is `add(x, y)`, and so on. The methods are attached to
// Tensor.prototype here, in one place, rather than written in the class: the operations import
// `Tensor`, so a class that imported the operations would close an import cycle. Declaration
// merging gives the class these methods' exact types and doc comments. Loading this module is
// a side effect (package.json lists it under "sideEffects"); the package entry loads it first,
// and every module that calls a method loads it (test/import-cycles.test.ts checks both).

import type { DType } from "../core/dtype.js";
import { backward } from "../autodiff/graph.js";
import { Tensor, type Axis, type TensorLike } from "./tensor.js";
import * as A from "./ops/arith.js";
import * as R from "./ops/reduce.js";
import * as S from "./ops/shape.js";
import * as I from "./ops/index-ops.js";
import * as L from "./ops/linalg.js";
import * as F from "./ops/activations.js";
import * as Cs from "./ops/scan.js";
import * as So from "./ops/sort.js";
import * as Sm from "./ops/shape-more.js";
import * as Im from "./ops/index-more.js";
import { inspectCustom, inspectTensor } from "./inspect.js";

export { Tensor };

/** The methods of `Tensor` that are sugar over functions; merged into the class below. */
export class TensorMethods {
  /**
   * Backpropagates from this tensor, accumulating into `.grad` of every leaf it depends on.
   * A non-scalar tensor needs a seed gradient of its own shape.
   */
  backward(this: Tensor, seed?: TensorLike, opts: { retainGraph?: boolean; createGraph?: boolean } = {}): void { backward(this, seed, opts); }

  // ---- elementwise ----
  add(this: Tensor, b: A.Operand): Tensor { return A.add(this, b); }
  sub(this: Tensor, b: A.Operand): Tensor { return A.sub(this, b); }
  mul(this: Tensor, b: A.Operand): Tensor { return A.mul(this, b); }
  div(this: Tensor, b: A.Operand): Tensor { return A.div(this, b); }
  pow(this: Tensor, b: A.Operand): Tensor { return A.pow(this, b); }
  maximum(this: Tensor, b: A.Operand): Tensor { return A.maximum(this, b); }
  minimum(this: Tensor, b: A.Operand): Tensor { return A.minimum(this, b); }
  eq(this: Tensor, b: A.Operand): Tensor { return A.eq(this, b); }
  ne(this: Tensor, b: A.Operand): Tensor { return A.ne(this, b); }
  lt(this: Tensor, b: A.Operand): Tensor { return A.lt(this, b); }
  le(this: Tensor, b: A.Operand): Tensor { return A.le(this, b); }
  gt(this: Tensor, b: A.Operand): Tensor { return A.gt(this, b); }
  ge(this: Tensor, b: A.Operand): Tensor { return A.ge(this, b); }
  neg(this: Tensor): Tensor { return A.neg(this); }
  abs(this: Tensor): Tensor { return A.abs(this); }
  sign(this: Tensor): Tensor { return A.sign(this); }
  exp(this: Tensor): Tensor { return A.exp(this); }
  log(this: Tensor): Tensor { return A.log(this); }
  log1p(this: Tensor): Tensor { return A.log1p(this); }
  expm1(this: Tensor): Tensor { return A.expm1(this); }
  sqrt(this: Tensor): Tensor { return A.sqrt(this); }
  rsqrt(this: Tensor): Tensor { return A.rsqrt(this); }
  square(this: Tensor): Tensor { return A.square(this); }
  sin(this: Tensor): Tensor { return A.sin(this); }
  cos(this: Tensor): Tensor { return A.cos(this); }
  tanh(this: Tensor): Tensor { return A.tanh(this); }
  sigmoid(this: Tensor): Tensor { return A.sigmoid(this); }
  erf(this: Tensor): Tensor { return A.erf(this); }
  relu(this: Tensor): Tensor { return A.relu(this); }
  leakyRelu(this: Tensor, slope = 0.01): Tensor { return F.leakyRelu(this, slope); }
  gelu(this: Tensor, opts?: { approximate?: "none" | "tanh" }): Tensor { return F.gelu(this, opts); }
  silu(this: Tensor): Tensor { return F.silu(this); }
  softplus(this: Tensor): Tensor { return F.softplus(this); }
  clamp(this: Tensor, min?: number | null, max?: number | null): Tensor { return F.clamp(this, min, max); }
  cast(this: Tensor, dtype: DType): Tensor { return A.cast(this, dtype); }

  // ---- reductions ----
  sum(this: Tensor, axis?: Axis | null, opts?: R.ReduceOpts): Tensor { return R.sum(this, axis, opts); }
  mean(this: Tensor, axis?: Axis | null, opts?: R.ReduceOpts): Tensor { return R.mean(this, axis, opts); }
  /** torch.max: the maximum of all entries; with an axis, `[values, indices]` (gradient to the index). See `amax`. */
  max(this: Tensor): Tensor;
  max(this: Tensor, axis: number, opts?: R.ReduceOpts): [Tensor, Tensor];
  max(this: Tensor, axis?: number, opts?: R.ReduceOpts): Tensor | [Tensor, Tensor] { return axis === undefined ? R.max(this) : R.max(this, axis, opts); }
  /** torch.min: the minimum of all entries; with an axis, `[values, indices]` (gradient to the index). See `amin`. */
  min(this: Tensor): Tensor;
  min(this: Tensor, axis: number, opts?: R.ReduceOpts): [Tensor, Tensor];
  min(this: Tensor, axis?: number, opts?: R.ReduceOpts): Tensor | [Tensor, Tensor] { return axis === undefined ? R.min(this) : R.min(this, axis, opts); }
  /** Maximum over `axis` (all by default); ties share the gradient evenly (torch.amax). */
  amax(this: Tensor, axis?: Axis | null, opts?: R.ReduceOpts): Tensor { return R.amax(this, axis, opts); }
  /** Minimum over `axis` (all by default); ties share the gradient evenly (torch.amin). */
  amin(this: Tensor, axis?: Axis | null, opts?: R.ReduceOpts): Tensor { return R.amin(this, axis, opts); }
  prod(this: Tensor, axis?: Axis | null, opts?: R.ReduceOpts): Tensor { return R.prod(this, axis, opts); }
  var(this: Tensor, axis?: Axis | null, opts?: R.VarOpts): Tensor { return R.var(this, axis, opts); }
  std(this: Tensor, axis?: Axis | null, opts?: R.VarOpts): Tensor { return R.std(this, axis, opts); }
  logsumexp(this: Tensor, axis?: Axis | null, opts?: R.ReduceOpts): Tensor { return R.logsumexp(this, axis, opts); }
  argmax(this: Tensor, axis?: number, opts?: R.ReduceOpts): Tensor { return R.argmax(this, axis, opts); }
  argmin(this: Tensor, axis?: number, opts?: R.ReduceOpts): Tensor { return R.argmin(this, axis, opts); }
  softmax(this: Tensor, axis = -1): Tensor { return R.softmax(this, axis); }
  logSoftmax(this: Tensor, axis = -1): Tensor { return R.logSoftmax(this, axis); }

  // ---- linear algebra ----
  matmul(this: Tensor, b: Tensor): Tensor { return L.matmul(this, b); }

  // ---- views and reshaping ----
  reshape(this: Tensor, shape: readonly number[]): Tensor { return S.reshape(this, shape); }
  flatten(this: Tensor, startAxis = 0, endAxis = -1): Tensor { return S.flatten(this, startAxis, endAxis); }
  squeeze(this: Tensor, axis?: Axis): Tensor { return S.squeeze(this, axis); }
  unsqueeze(this: Tensor, axis: number): Tensor { return S.unsqueeze(this, axis); }
  transpose(this: Tensor, axis0?: number, axis1?: number): Tensor { return S.transpose(this, axis0, axis1); }
  /** All axes reversed, as NumPy's and PyTorch's `.T` (the transpose of a matrix; a 0-d or 1-d tensor unchanged). */
  get T(): Tensor {
    const t = this as unknown as Tensor;
    return S.permute(t, t.shape.map((_, i) => t.shape.length - 1 - i));
  }
  /** The last two axes swapped (a batch of transposed matrices), as PyTorch's `.mT`. */
  get mT(): Tensor { return S.transpose(this as unknown as Tensor); }
  permute(this: Tensor, axes: readonly number[]): Tensor { return S.permute(this, axes); }
  /** PyTorch's `expand`: a broadcast view, −1 keeping an axis's size. */
  expand(this: Tensor, shape: readonly number[]): Tensor { return S.expand(this, shape); }
  broadcastTo(this: Tensor, shape: readonly number[]): Tensor { return S.broadcastTo(this, shape); }
  slice(this: Tensor, ...specs: S.SliceSpec[]): Tensor { return S.slice(this, ...specs); }
  split(this: Tensor, sizes: number | readonly number[], axis = 0): Tensor[] { return S.split(this, sizes, axis); }
  pad(this: Tensor, pads: readonly (readonly [number, number])[], value = 0): Tensor { return S.pad(this, pads, value); }

  // ---- indexing ----
  gather(this: Tensor, axis: number, index: Tensor): Tensor { return I.gather(this, axis, index); }
  scatterAdd(this: Tensor, axis: number, index: Tensor, src: Tensor): Tensor { return I.scatterAdd(this, axis, index, src); }
  indexAdd(this: Tensor, axis: number, index: Tensor | readonly number[], src: Tensor): Tensor { return I.indexAdd(this, axis, index, src); }
  take(this: Tensor, indices: Tensor | readonly number[], axis?: number): Tensor { return I.take(this, indices, axis); }
  indexSelect(this: Tensor, axis: number, index: Tensor | readonly number[]): Tensor { return I.indexSelect(this, axis, index); }

  // ---- operator coverage: elementwise math, logic, bitwise, activations, any/all/norm ----
  tan(this: Tensor): Tensor { return A.tan(this); }
  asin(this: Tensor): Tensor { return A.asin(this); }
  acos(this: Tensor): Tensor { return A.acos(this); }
  atan(this: Tensor): Tensor { return A.atan(this); }
  sinh(this: Tensor): Tensor { return A.sinh(this); }
  cosh(this: Tensor): Tensor { return A.cosh(this); }
  asinh(this: Tensor): Tensor { return A.asinh(this); }
  acosh(this: Tensor): Tensor { return A.acosh(this); }
  atanh(this: Tensor): Tensor { return A.atanh(this); }
  log2(this: Tensor): Tensor { return A.log2(this); }
  log10(this: Tensor): Tensor { return A.log10(this); }
  exp2(this: Tensor): Tensor { return A.exp2(this); }
  floor(this: Tensor): Tensor { return A.floor(this); }
  ceil(this: Tensor): Tensor { return A.ceil(this); }
  /** Rounds half to even, as PyTorch. */
  round(this: Tensor): Tensor { return A.round(this); }
  trunc(this: Tensor): Tensor { return A.trunc(this); }
  frac(this: Tensor): Tensor { return A.frac(this); }
  atan2(this: Tensor, b: A.Operand): Tensor { return A.atan2(this, b); }
  fmod(this: Tensor, b: A.Operand): Tensor { return A.fmod(this, b); }
  remainder(this: Tensor, b: A.Operand): Tensor { return A.remainder(this, b); }
  floorDivide(this: Tensor, b: A.Operand): Tensor { return A.floorDivide(this, b); }
  hypot(this: Tensor, b: A.Operand): Tensor { return A.hypot(this, b); }
  lerp(this: Tensor, end: A.Operand, weight: A.Operand): Tensor { return A.lerp(this, end, weight); }
  isnan(this: Tensor): Tensor { return A.isnan(this); }
  isinf(this: Tensor): Tensor { return A.isinf(this); }
  isfinite(this: Tensor): Tensor { return A.isfinite(this); }
  logicalNot(this: Tensor): Tensor { return A.logicalNot(this); }
  logicalAnd(this: Tensor, b: A.Operand): Tensor { return A.logicalAnd(this, b); }
  logicalOr(this: Tensor, b: A.Operand): Tensor { return A.logicalOr(this, b); }
  logicalXor(this: Tensor, b: A.Operand): Tensor { return A.logicalXor(this, b); }
  bitwiseNot(this: Tensor): Tensor { return A.bitwiseNot(this); }
  bitwiseAnd(this: Tensor, b: A.Operand): Tensor { return A.bitwiseAnd(this, b); }
  bitwiseOr(this: Tensor, b: A.Operand): Tensor { return A.bitwiseOr(this, b); }
  bitwiseXor(this: Tensor, b: A.Operand): Tensor { return A.bitwiseXor(this, b); }
  elu(this: Tensor, alpha = 1): Tensor { return F.elu(this, alpha); }
  celu(this: Tensor, alpha = 1): Tensor { return F.celu(this, alpha); }
  selu(this: Tensor): Tensor { return F.selu(this); }
  hardtanh(this: Tensor, min = -1, max = 1): Tensor { return F.hardtanh(this, min, max); }
  relu6(this: Tensor): Tensor { return F.relu6(this); }
  hardsigmoid(this: Tensor): Tensor { return F.hardsigmoid(this); }
  hardswish(this: Tensor): Tensor { return F.hardswish(this); }
  mish(this: Tensor): Tensor { return F.mish(this); }
  softsign(this: Tensor): Tensor { return F.softsign(this); }
  logsigmoid(this: Tensor): Tensor { return F.logsigmoid(this); }
  glu(this: Tensor, axis = -1): Tensor { return F.glu(this, axis); }
  prelu(this: Tensor, weight: Tensor): Tensor { return F.prelu(this, weight); }
  /** True where any entry over `axis` is nonzero (bool). */
  any(this: Tensor, axis?: Axis | null, opts?: R.ReduceOpts): Tensor { return R.any(this, axis, opts); }
  /** True where every entry over `axis` is nonzero (bool). */
  all(this: Tensor, axis?: Axis | null, opts?: R.ReduceOpts): Tensor { return R.all(this, axis, opts); }
  /** The vector `ord`-norm over `axis` (torch.linalg.vector_norm). */
  norm(this: Tensor, ord = 2, axis?: Axis | null, opts?: R.NormOpts): Tensor { return R.norm(this, ord, axis, opts); }
  // ---- scans, sorting, more shape and indexing operations ----
  cumsum(this: Tensor, axis: number): Tensor { return Cs.cumsum(this, axis); }
  cumprod(this: Tensor, axis: number): Tensor { return Cs.cumprod(this, axis); }
  logcumsumexp(this: Tensor, axis: number): Tensor { return Cs.logcumsumexp(this, axis); }
  /** Running maximum and its int32 positions, `[values, indices]` (torch.cummax). */
  cummax(this: Tensor, axis: number): [Tensor, Tensor] { return Cs.cummax(this, axis); }
  /** Running minimum and its int32 positions, `[values, indices]` (torch.cummin). */
  cummin(this: Tensor, axis: number): [Tensor, Tensor] { return Cs.cummin(this, axis); }
  /** Sorted values and int32 indices along `axis` (stable; NaN last ascending). */
  sort(this: Tensor, axis = -1, opts?: So.SortOpts): [Tensor, Tensor] { return So.sort(this, axis, opts); }
  argsort(this: Tensor, axis = -1, opts?: So.SortOpts): Tensor { return So.argsort(this, axis, opts); }
  /** The k largest (or smallest) entries and their int32 indices, `[values, indices]`. */
  topk(this: Tensor, k: number, axis = -1, opts?: So.TopkOpts): [Tensor, Tensor] { return So.topk(this, k, axis, opts); }
  tril(this: Tensor, k = 0): Tensor { return Sm.tril(this, k); }
  triu(this: Tensor, k = 0): Tensor { return Sm.triu(this, k); }
  diag(this: Tensor, k = 0): Tensor { return Sm.diag(this, k); }
  diagonal(this: Tensor, opts?: Sm.DiagonalOpts): Tensor { return Sm.diagonal(this, opts); }
  roll(this: Tensor, shifts: number | readonly number[], axis?: number | readonly number[]): Tensor { return Sm.roll(this, shifts, axis); }
  flip(this: Tensor, axes: number | readonly number[]): Tensor { return Sm.flip(this, axes); }
  tile(this: Tensor, reps: readonly number[]): Tensor { return Sm.tile(this, reps); }
  /** PyTorch's `Tensor.repeat` (tile with at least one count per axis). */
  repeat(this: Tensor, sizes: readonly number[]): Tensor { return Sm.repeat(this, sizes); }
  repeatInterleave(this: Tensor, repeats: number | readonly number[] | Tensor, axis?: number): Tensor { return Sm.repeatInterleave(this, repeats, axis); }
  chunk(this: Tensor, chunks: number, axis = 0): Tensor[] { return Sm.chunk(this, chunks, axis); }
  unbind(this: Tensor, axis = 0): Tensor[] { return Sm.unbind(this, axis); }
  movedim(this: Tensor, source: number | readonly number[], destination: number | readonly number[]): Tensor { return Sm.movedim(this, source, destination); }
  scatter(this: Tensor, axis: number, index: Tensor, src: Tensor | number): Tensor { return Im.scatter(this, axis, index, src); }
  maskedFill(this: Tensor, mask: Tensor, value: number | Tensor): Tensor { return Im.maskedFill(this, mask, value); }
  maskedSelect(this: Tensor, mask: Tensor): Tensor { return Im.maskedSelect(this, mask); }
  nonzero(this: Tensor): Tensor { return Im.nonzero(this); }
  /** Integer indexing with NumPy's advanced-indexing rules: `x.index([i, null, 2])` is x[i, :, 2]. */
  index(this: Tensor, indices: readonly Im.IndexItem[]): Tensor { return Im.index(this, indices); }

  // ---- printing ----
  /**
   * What `console.log(t)` shows in Node: the values (summarised when large), shape, dtype, and
   * `requiresGrad=true` on a leaf or `gradFn=<prim>` on a result that has a graph node.
   * @example console.log(tg.tensor([1, 2]).setRequiresGrad()); // tensor([1., 2.], shape=[2], dtype=float32, requiresGrad=true)
   */
  [inspectCustom](this: Tensor): string { return inspectTensor(this); }
}

declare module "./tensor.js" {
  interface Tensor extends TensorMethods {}
}

// every own key, symbols included (the inspect method)
for (const key of Reflect.ownKeys(TensorMethods.prototype)) {
  if (key === "constructor") continue;
  Object.defineProperty(Tensor.prototype, key, Object.getOwnPropertyDescriptor(TensorMethods.prototype, key)!);
}
