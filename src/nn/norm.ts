// Normalization layers and their functional forms: batch norm (with running statistics updated
// in place, as PyTorch does), group norm, instance norm, RMS norm and `normalize`. Every form is a
// composition of primitives (its gradients come from theirs); the running statistics are updated
// with `assignParameter`, outside the graph, so they work eagerly and under `tg.compile` (a pure
// `tg.jit` refuses the side effect with a TraceError).

import { isFloat, type DType } from "../core/dtype.js";
import { ArgumentError, DTypeError, ShapeError, fmtShape } from "../core/errors.js";
import { shapesEqual, sizeOf } from "../core/shape.js";
import { noGrad } from "../autodiff/transforms.js";
import { TraceError, captureState, noteSource } from "../backend/capture.js";
import { scalar } from "../tensor/creation.js";
import { Tensor } from "../tensor/tensor.js";
import { add, cast, div, mul, rsqrt, sub } from "../tensor/ops/arith.js";
import { clamp } from "../tensor/ops/activations.js";
import { mean, norm } from "../tensor/ops/reduce.js";
import { reshape } from "../tensor/ops/shape.js";
import * as init from "./init.js";
import { Module } from "./module.js";
import { assignParameter } from "./parameter.js";

function checkInput(op: string, x: unknown, minRank: number): asserts x is Tensor {
  if (!(x instanceof Tensor)) throw new ArgumentError(`${op}: input must be a tensor`);
  if (!isFloat(x.dtype)) throw new DTypeError(`${op}: input must be float32 or float64, got ${x.dtype}${fmtShape(x.shape)}`);
  if (x.ndim < minRank) throw new ShapeError(`${op}: input must have at least ${minRank} axes, got shape ${fmtShape(x.shape)}`);
}

/** A per-channel tensor [C] checked and shaped to broadcast along axis 1 of x: [C, 1, …]. */
function perChannel(op: string, name: string, t: Tensor | null | undefined, x: Tensor): Tensor | null {
  if (t === null || t === undefined) return null;
  const c = x.shape[1];
  if (!(t instanceof Tensor)) throw new ArgumentError(`${op}: ${name} must be a tensor`);
  if (!shapesEqual(t.shape, [c])) throw new ShapeError(`${op}: ${name} ${fmtShape(t.shape)} must have shape [${c}] (the channels, axis 1 of input ${fmtShape(x.shape)})`);
  const r = reshape(t, [c, ...x.shape.slice(2).map(() => 1)]);
  return r.dtype === x.dtype ? r : cast(r, x.dtype);
}

function affine(y: Tensor, w: Tensor | null, b: Tensor | null): Tensor {
  const scaled = w ? mul(y, w) : y;
  return b ? add(scaled, b) : scaled;
}

export interface BatchNormOpts {
  /** Scale γ [C]. */
  weight?: Tensor | null;
  /** Shift β [C]. */
  bias?: Tensor | null;
  /** Normalize with the batch's statistics (and update the running ones) when true; with the running ones when false (the default, as in PyTorch). */
  training?: boolean;
  /** Weight of the new batch in the running averages: r ← (1 − m)·r + m·batch. Default 0.1. */
  momentum?: number;
  /** Added to the variance. Default 1e-5. */
  eps?: number;
}

/**
 * Batch normalization of x [N, C, …] per channel (axis 1): y = (x − μ)/√(σ² + ε)·γ + β.
 *
 * With `training: true`, μ and the biased σ² are the batch's (over every axis but 1), and the
 * running statistics given are updated in place, as PyTorch does: mean ← (1 − m)·mean + m·μ,
 * var ← (1 − m)·var + m·σ²·n/(n − 1) (the unbiased batch variance, n values per channel). They
 * may be null to use batch statistics without tracking. Otherwise (the default) the running
 * statistics normalize and nothing changes.
 * @example
 * const rm = tg.zeros([3]), rv = tg.ones([3]);
 * nn.functional.batchNorm(x, rm, rv, { training: true }); // rm and rv now hold 0.1 of the batch's statistics
 */
export function batchNorm(x: Tensor, runningMean: Tensor | null, runningVar: Tensor | null, opts: BatchNormOpts = {}): Tensor {
  return batchNormWith("batchNorm", x, runningMean, runningVar, opts, opts.momentum ?? 0.1);
}

function batchNormWith(
  op: string, x: Tensor, runningMean: Tensor | null, runningVar: Tensor | null, opts: BatchNormOpts, momentum: number | Tensor,
): Tensor {
  checkInput(op, x, 2);
  const eps = opts.eps ?? 1e-5;
  if (!(eps >= 0)) throw new ArgumentError(`${op}: eps must be a non-negative number, got ${eps}`);
  if (typeof momentum === "number" && !(momentum >= 0 && momentum <= 1)) throw new ArgumentError(`${op}: momentum must be in [0, 1], got ${momentum}`);
  if ((runningMean === null) !== (runningVar === null)) throw new ArgumentError(`${op}: give both running statistics or neither`);
  // under tg.compile the running statistics are state: read afresh on every call, not baked in
  for (const t of [runningMean, runningVar]) if (t instanceof Tensor) readState(t);
  const rm = perChannel(op, "runningMean", runningMean, x);
  const rv = perChannel(op, "runningVar", runningVar, x);
  const w = perChannel(op, "weight", opts.weight, x);
  const b = perChannel(op, "bias", opts.bias, x);
  const training = opts.training ?? false;
  if (!training) {
    if (!rm || !rv) throw new ArgumentError(`${op}: running statistics are needed when not training (training: false); pass them, or training: true`);
    return affine(mul(sub(x, rm), rsqrt(add(rv, eps))), w, b);
  }
  const axes = [0, ...x.shape.slice(2).map((_, i) => i + 2)];
  const n = sizeOf(axes.map((a) => x.shape[a]));
  if (n <= 1) throw new ArgumentError(`${op}: expected more than 1 value per channel when training, got input ${fmtShape(x.shape)}`);
  const mu = mean(x, axes, { keepdims: true });
  const centered = sub(x, mu);
  const variance = mean(mul(centered, centered), axes, { keepdims: true });
  if (runningMean && runningVar) {
    const c = x.shape[1];
    noGrad(() => {
      const m = typeof momentum === "number" ? momentum : cast(momentum, runningMean.dtype);
      const keep = typeof m === "number" ? 1 - m : sub(1, m);
      const batchMean = cast(reshape(mu.detach(), [c]), runningMean.dtype);
      const batchVar = cast(reshape(mul(variance.detach(), n / (n - 1)), [c]), runningVar.dtype);
      const newMean = add(mul(runningMean, keep), mul(batchMean, m));
      const newVar = add(mul(runningVar, keep), mul(batchVar, m));
      updateInPlace(op, runningMean, newMean);
      updateInPlace(op, runningVar, newVar);
    });
  }
  return affine(mul(centered, rsqrt(add(variance, eps))), w, b);
}

/** Marks state `t` for a compiled step to read on each call (a no-op outside tg.compile). */
function readState(t: Tensor): void {
  if (t._trace === undefined) noteSource(t, () => t, t);
}

function updateInPlace(op: string, t: Tensor, value: Tensor): void {
  if (t._trace !== undefined || !t._buf)
    throw new ArgumentError(`${op}: the running statistics ${fmtShape(t.shape)} must be concrete tensors (not values inside a transformation) to be updated in place`);
  const capture = captureState.active;
  if (capture && !capture.stateful)
    throw new TraceError(
      `${op}: updates its running statistics in place, a side effect ${capture.name} (a pure tg.jit function) cannot have; use tg.compile, evaluation mode (model.eval()), or trackRunningStats: false`,
    );
  assignParameter(t, value);
}

export interface BatchNormLayerOpts {
  /** Added to the variance. Default 1e-5. */
  eps?: number;
  /** Weight of each new batch in the running averages; null for the cumulative average over all batches seen. Default 0.1. */
  momentum?: number | null;
  /** Learnable γ (ones) and β (zeros) per channel. Default true. */
  affine?: boolean;
  /** Keep running statistics (used in evaluation mode). Default true; without them the batch's statistics are always used. */
  trackRunningStats?: boolean;
  dtype?: DType;
}

abstract class BatchNormBase extends Module {
  weight: Tensor | null;
  bias: Tensor | null;
  declare runningMean: Tensor | null;
  declare runningVar: Tensor | null;
  declare numBatchesTracked: Tensor | null;
  readonly eps: number;
  readonly momentum: number | null;
  protected abstract readonly ranks: readonly number[];

  constructor(readonly numFeatures: number, opts: BatchNormLayerOpts = {}) {
    super();
    const name = this.constructor.name;
    if (!Number.isInteger(numFeatures) || numFeatures <= 0) throw new ArgumentError(`${name}: numFeatures must be a positive integer, got ${numFeatures}`);
    this.eps = opts.eps ?? 1e-5;
    this.momentum = opts.momentum === undefined ? 0.1 : opts.momentum;
    if (this.momentum !== null && !(this.momentum >= 0 && this.momentum <= 1)) throw new ArgumentError(`${name}: momentum must be in [0, 1] or null, got ${this.momentum}`);
    const dtype = { dtype: opts.dtype };
    const isAffine = opts.affine ?? true;
    this.weight = isAffine ? init.ones([numFeatures], dtype).setRequiresGrad() : null;
    this.bias = isAffine ? init.zeros([numFeatures], dtype).setRequiresGrad() : null;
    if (opts.trackRunningStats ?? true) {
      this.registerBuffer("runningMean", init.zeros([numFeatures], dtype));
      this.registerBuffer("runningVar", init.ones([numFeatures], dtype));
      this.registerBuffer("numBatchesTracked", scalar(0, "int32"));
    } else {
      this.runningMean = null;
      this.runningVar = null;
      this.numBatchesTracked = null;
    }
  }

  forward(x: Tensor): Tensor {
    const name = this.constructor.name;
    if (!(x instanceof Tensor)) throw new ArgumentError(`${name}: input must be a tensor`);
    if (!this.ranks.includes(x.ndim))
      throw new ShapeError(`${name}: input must have ${this.ranks.join(" or ")} axes ([N, C${this.ranks[0] === 2 ? "] or [N, C, L]" : ", H, W]"}), got ${fmtShape(x.shape)}`);
    if (x.shape[1] !== this.numFeatures) throw new ShapeError(`${name}: input ${fmtShape(x.shape)} has ${x.shape[1]} channels (axis 1), expected ${this.numFeatures}`);
    const opts = { weight: this.weight, bias: this.bias, eps: this.eps };
    const tracking = this.runningMean !== null && this.runningVar !== null;
    if (!this.training && tracking) return batchNormWith(name, x, this.runningMean, this.runningVar, { ...opts, training: false }, 0);
    if (!this.training || !tracking) return batchNormWith(name, x, null, null, { ...opts, training: true }, 0);
    let momentum: number | Tensor = this.momentum ?? 0;
    const nbt = this.numBatchesTracked!;
    readState(nbt);
    const next = noGrad(() => add(nbt, 1));
    updateInPlace(name, nbt, next);
    // the cumulative average weighs the k-th batch by 1/k
    if (this.momentum === null) momentum = noGrad(() => div(1, cast(next, "float64")));
    return batchNormWith(name, x, this.runningMean, this.runningVar, { ...opts, training: true }, momentum);
  }

  override extraRepr(): string {
    return `${this.numFeatures}, eps=${this.eps}, momentum=${this.momentum}, affine=${this.weight !== null}, trackRunningStats=${this.runningMean !== null}`;
  }
}

/**
 * Batch normalization over [N, C] or [N, C, L] inputs, per channel. In training mode (the
 * default) it normalizes with the batch's statistics and updates `runningMean`/`runningVar`
 * (buffers, saved in the state dict); after `eval()` it normalizes with them.
 * @example const bn = new nn.BatchNorm1d(4); bn.call(x); bn.eval();
 */
export class BatchNorm1d extends BatchNormBase {
  protected readonly ranks = [2, 3];
}

/**
 * Batch normalization over [N, C, H, W] inputs, per channel; see BatchNorm1d.
 * @example const bn = new nn.BatchNorm2d(8); bn.call(images);
 */
export class BatchNorm2d extends BatchNormBase {
  protected readonly ranks = [4];
}

export interface GroupNormOpts {
  /** Scale γ [C]. */
  weight?: Tensor | null;
  /** Shift β [C]. */
  bias?: Tensor | null;
  /** Default 1e-5. */
  eps?: number;
}

/**
 * Group normalization: the C channels of x [N, C, …] are split into `numGroups` groups, each
 * normalized (per sample, over its channels and all spatial positions, biased variance), then
 * scaled and shifted per channel.
 * @example nn.functional.groupNorm(x, 2, { weight, bias })
 */
export function groupNorm(x: Tensor, numGroups: number, opts: GroupNormOpts = {}): Tensor {
  checkInput("groupNorm", x, 2);
  const c = x.shape[1];
  if (!Number.isInteger(numGroups) || numGroups <= 0 || c % numGroups !== 0)
    throw new ArgumentError(`groupNorm: numGroups ${numGroups} must be a positive integer dividing the ${c} channels of input ${fmtShape(x.shape)}`);
  const w = perChannel("groupNorm", "weight", opts.weight, x);
  const b = perChannel("groupNorm", "bias", opts.bias, x);
  const grouped = reshape(x, [x.shape[0], numGroups, -1]);
  const y = reshape(standardize(grouped, [2], opts.eps ?? 1e-5), x.shape);
  return affine(y, w, b);
}

/** (x − μ)/√(σ² + ε) over `axes` (biased variance). */
function standardize(x: Tensor, axes: number[], eps: number): Tensor {
  const centered = sub(x, mean(x, axes, { keepdims: true }));
  const variance = mean(mul(centered, centered), axes, { keepdims: true });
  return mul(centered, rsqrt(add(variance, eps)));
}

/**
 * Instance normalization: each channel of each sample of x [N, C, …] normalized over its
 * spatial positions, then scaled and shifted per channel.
 * @example nn.functional.instanceNorm(images)
 */
export function instanceNorm(x: Tensor, opts: GroupNormOpts = {}): Tensor {
  checkInput("instanceNorm", x, 3);
  const w = perChannel("instanceNorm", "weight", opts.weight, x);
  const b = perChannel("instanceNorm", "bias", opts.bias, x);
  return affine(standardize(x, x.shape.slice(2).map((_, i) => i + 2), opts.eps ?? 1e-5), w, b);
}

export interface RmsNormOpts {
  /** Scale, shaped like the normalized shape. */
  weight?: Tensor | null;
  /** Added to the mean square; default the machine epsilon of x's dtype, as in PyTorch. */
  eps?: number;
}

/**
 * RMS normalization over the trailing `normalizedShape` axes: y = x/√(mean(x²) + ε)·γ.
 * @example nn.functional.rmsNorm(tg.tensor([[3, 4]]), 2) // ≈ [[0.8485, 1.1314]]
 */
export function rmsNorm(x: Tensor, normalizedShape: number | readonly number[], opts: RmsNormOpts = {}): Tensor {
  const shape = typeof normalizedShape === "number" ? [normalizedShape] : [...normalizedShape];
  checkInput("rmsNorm", x, 0);
  const k = shape.length;
  if (k === 0 || x.ndim < k || !shapesEqual(x.shape.slice(x.ndim - k), shape))
    throw new ShapeError(`rmsNorm: input ${fmtShape(x.shape)} does not end with the normalized shape ${fmtShape(shape)}`);
  if (opts.weight && !shapesEqual(opts.weight.shape, shape))
    throw new ShapeError(`rmsNorm: weight ${fmtShape(opts.weight.shape)} must have the normalized shape ${fmtShape(shape)}`);
  const eps = opts.eps ?? (x.dtype === "float64" ? 2.220446049250313e-16 : 1.1920928955078125e-7);
  const axes = shape.map((_, i) => x.ndim - k + i);
  const y = mul(x, rsqrt(add(mean(mul(x, x), axes, { keepdims: true }), eps)));
  return opts.weight ? mul(y, opts.weight) : y;
}

export interface NormalizeOpts {
  /** The norm's order (see `tg.norm`). Default 2. */
  p?: number;
  /** Default 1, as in PyTorch. */
  axis?: number;
  /** Lower bound of the divisor. Default 1e-12. */
  eps?: number;
}

/**
 * x divided by its p-norm along `axis`, the norm bounded below by ε: x / max(‖x‖ₚ, ε).
 * @example nn.functional.normalize(tg.tensor([[3, 4]])) // [[0.6, 0.8]]
 */
export function normalize(x: Tensor, opts: NormalizeOpts = {}): Tensor {
  checkInput("normalize", x, 1);
  const n = norm(x, opts.p ?? 2, opts.axis ?? 1, { keepdims: true });
  return div(x, clamp(n, opts.eps ?? 1e-12));
}

export interface GroupNormLayerOpts {
  eps?: number;
  /** Learnable per-channel γ (ones) and β (zeros). Default true. */
  affine?: boolean;
  dtype?: DType;
}

/**
 * Group normalization layer (see `nn.functional.groupNorm`).
 * @example new nn.GroupNorm(2, 8).call(x) // x [N, 8, …]
 */
export class GroupNorm extends Module {
  weight: Tensor | null;
  bias: Tensor | null;
  readonly eps: number;
  constructor(readonly numGroups: number, readonly numChannels: number, opts: GroupNormLayerOpts = {}) {
    super();
    if (!Number.isInteger(numChannels) || numChannels <= 0) throw new ArgumentError(`GroupNorm: numChannels must be a positive integer, got ${numChannels}`);
    if (!Number.isInteger(numGroups) || numGroups <= 0 || numChannels % numGroups !== 0)
      throw new ArgumentError(`GroupNorm: numGroups ${numGroups} must be a positive integer dividing numChannels ${numChannels}`);
    this.eps = opts.eps ?? 1e-5;
    const isAffine = opts.affine ?? true;
    this.weight = isAffine ? init.ones([numChannels], { dtype: opts.dtype }).setRequiresGrad() : null;
    this.bias = isAffine ? init.zeros([numChannels], { dtype: opts.dtype }).setRequiresGrad() : null;
  }
  forward(x: Tensor): Tensor {
    return groupNorm(x, this.numGroups, { weight: this.weight, bias: this.bias, eps: this.eps });
  }
  override extraRepr(): string {
    return `${this.numGroups}, ${this.numChannels}, eps=${this.eps}, affine=${this.weight !== null}`;
  }
}

export interface InstanceNormLayerOpts {
  eps?: number;
  /** Learnable per-channel γ and β. Default false, as in PyTorch. */
  affine?: boolean;
  /** Running statistics are not supported: only false (the default) is accepted. */
  trackRunningStats?: boolean;
  dtype?: DType;
}

/**
 * Instance normalization over [N, C, H, W] (or unbatched [C, H, W]) inputs.
 * @example new nn.InstanceNorm2d(3).call(images)
 */
export class InstanceNorm2d extends Module {
  weight: Tensor | null;
  bias: Tensor | null;
  readonly eps: number;
  constructor(readonly numFeatures: number, opts: InstanceNormLayerOpts = {}) {
    super();
    if (!Number.isInteger(numFeatures) || numFeatures <= 0) throw new ArgumentError(`InstanceNorm2d: numFeatures must be a positive integer, got ${numFeatures}`);
    if (opts.trackRunningStats) throw new ArgumentError("InstanceNorm2d: trackRunningStats: true is not supported");
    this.eps = opts.eps ?? 1e-5;
    const isAffine = opts.affine ?? false;
    this.weight = isAffine ? init.ones([numFeatures], { dtype: opts.dtype }).setRequiresGrad() : null;
    this.bias = isAffine ? init.zeros([numFeatures], { dtype: opts.dtype }).setRequiresGrad() : null;
  }
  forward(x: Tensor): Tensor {
    if (!(x instanceof Tensor) || (x.ndim !== 3 && x.ndim !== 4))
      throw new ShapeError(`InstanceNorm2d: input must be [N, C, H, W] or [C, H, W], got ${x instanceof Tensor ? fmtShape(x.shape) : typeof x}`);
    const batched = x.ndim === 4 ? x : reshape(x, [1, ...x.shape]);
    if (batched.shape[1] !== this.numFeatures)
      throw new ShapeError(`InstanceNorm2d: input ${fmtShape(x.shape)} has ${batched.shape[1]} channels, expected ${this.numFeatures}`);
    const y = instanceNorm(batched, { weight: this.weight, bias: this.bias, eps: this.eps });
    return x.ndim === 4 ? y : reshape(y, x.shape);
  }
  override extraRepr(): string {
    return `${this.numFeatures}, eps=${this.eps}, affine=${this.weight !== null}`;
  }
}

export interface RMSNormLayerOpts {
  /** Default: the machine epsilon of the input's dtype. */
  eps?: number;
  /** A learnable scale (ones) of the normalized shape. Default true. */
  elementwiseAffine?: boolean;
  dtype?: DType;
}

/**
 * RMS normalization layer over the trailing `normalizedShape` axes.
 * @example new nn.RMSNorm(16).call(x) // x [..., 16]
 */
export class RMSNorm extends Module {
  weight: Tensor | null;
  readonly normalizedShape: readonly number[];
  readonly eps: number | undefined;
  constructor(normalizedShape: number | readonly number[], opts: RMSNormLayerOpts = {}) {
    super();
    this.normalizedShape = typeof normalizedShape === "number" ? [normalizedShape] : [...normalizedShape];
    if (this.normalizedShape.some((d) => !Number.isInteger(d) || d < 0))
      throw new ArgumentError(`RMSNorm: normalizedShape must hold non-negative integers, got [${this.normalizedShape.join(",")}]`);
    this.eps = opts.eps;
    this.weight = opts.elementwiseAffine ?? true ? init.ones(this.normalizedShape, { dtype: opts.dtype }).setRequiresGrad() : null;
  }
  forward(x: Tensor): Tensor {
    return rmsNorm(x, this.normalizedShape, { weight: this.weight, eps: this.eps });
  }
  override extraRepr(): string {
    return `[${this.normalizedShape.join(",")}], eps=${this.eps ?? "machine epsilon"}, affine=${this.weight !== null}`;
  }
}
