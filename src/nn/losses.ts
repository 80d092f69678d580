// Loss functions (exported through `nn.functional`). All are compositions of primitives, so their
// gradients, forward-mode derivatives and higher derivatives come from the primitives' rules.
// Losses that involve probabilities work from log-probabilities computed as x − logsumexp(x)
// (the maximum subtracted first), never from probabilities themselves, so huge logits give
// finite losses and gradients instead of log(0) = −∞ and 0·∞ = NaN.

import { isFloat, promoteTypes, type DType } from "../core/dtype.js";
import { ArgumentError, DTypeError, ShapeError, checkOpts, fmtShape } from "../core/errors.js";
import { broadcastShapes, normAxis, shapesEqual } from "../core/shape.js";
import { tensor } from "../tensor/creation.js";
import { Tensor } from "../tensor/tensor.js";
import { abs, add, cast, div, eq, exp, le, log, log1p, lt, mul, ne, neg, relu, sub, where } from "../tensor/ops/arith.js";
import { clamp } from "../tensor/ops/activations.js";
import { logSoftmax, mean, norm, sum } from "../tensor/ops/reduce.js";
import { gatherAlong, takeAlong } from "../tensor/ops/index-ops.js";
import type { IndexCaller } from "../prims/indexing.js";
import { runtime } from "../backend/runtime.js";
import { broadcastTo, reshape, squeeze, unsqueeze } from "../tensor/ops/shape.js";

/** How per-element losses are combined: averaged (default), summed, or returned as they are. */
export type Reduction = "mean" | "sum" | "none";

export interface LossOpts {
  reduction?: Reduction;
}

export interface NllLossOpts extends LossOpts {
  /** Target value whose rows contribute nothing (and are not counted by the mean). Default −100, as in PyTorch. */
  ignoreIndex?: number;
  /**
   * A weight per class [C]: entry n's loss is scaled by weight[target_n], and the mean divides by
   * the sum of the weights picked (over the counted entries), as in PyTorch.
   */
  weight?: Tensor | null;
}

export interface CrossEntropyOpts extends NllLossOpts {
  /**
   * ε in [0, 1]: the target distribution becomes (1 − ε)·target + ε/C, spreading ε of the mass
   * uniformly over the C classes. Default 0.
   */
  labelSmoothing?: number;
}

export interface BceWithLogitsOpts extends LossOpts {
  /** Weight p of the positive term, −p·y·log σ(x) (broadcast against the logits, e.g. one per class). */
  posWeight?: Tensor | number;
}

/** The class weights [C] checked and cast to `dtype`, or null. */
function classWeight(op: string, w: Tensor | null | undefined, numClasses: number, dtype: DType): Tensor | null {
  if (w === null || w === undefined) return null;
  checkFloat(op, "weight", w);
  if (!shapesEqual(w.shape, [numClasses])) throw new ShapeError(`${op}: weight ${fmtShape(w.shape)} must have shape [${numClasses}], one per class`);
  return w.dtype === dtype ? w : cast(w, dtype);
}

function reduce(op: string, loss: Tensor, reduction: Reduction | undefined): Tensor {
  switch (reduction ?? "mean") {
    case "mean":
      return mean(loss);
    case "sum":
      return sum(loss);
    case "none":
      return loss;
    default:
      throw new ArgumentError(`${op}: reduction must be "mean", "sum" or "none", got '${String(reduction)}'`);
  }
}

function checkFloat(op: string, what: string, x: Tensor): void {
  if (!(x instanceof Tensor)) throw new ArgumentError(`${op}: ${what} must be a tensor`);
  if (!isFloat(x.dtype)) throw new DTypeError(`${op}: ${what} must be float32 or float64, got ${x.dtype}${fmtShape(x.shape)}`);
}

/** The target as a tensor of `input`'s shape and dtype, for the elementwise losses. */
function matchTarget(op: string, input: Tensor, target: Tensor, inputName = "input"): Tensor {
  checkFloat(op, inputName, input);
  if (!(target instanceof Tensor)) throw new ArgumentError(`${op}: target must be a tensor`);
  if (!shapesEqual(input.shape, target.shape))
    throw new ShapeError(`${op}: ${inputName} shape ${fmtShape(input.shape)} and target shape ${fmtShape(target.shape)} differ`);
  return target.dtype === input.dtype ? target : cast(target, input.dtype);
}

/**
 * Mean squared error: mean of (input − target)² (or their sum, or each one).
 * @example nn.functional.mseLoss(tg.tensor([1, 2]), tg.tensor([0, 0])) // 2.5
 */
export function mseLoss(input: Tensor, target: Tensor, opts: LossOpts = {}): Tensor {
  checkOpts("mseLoss", opts, ["reduction"]);
  const t = matchTarget("mseLoss", input, target);
  const d = sub(input, t);
  return reduce("mseLoss", mul(d, d), opts.reduction);
}

/**
 * Mean absolute error: mean of |input − target|.
 * @example nn.functional.l1Loss(tg.tensor([1, -2]), tg.tensor([0, 0])) // 1.5
 */
export function l1Loss(input: Tensor, target: Tensor, opts: LossOpts = {}): Tensor {
  checkOpts("l1Loss", opts, ["reduction"]);
  const t = matchTarget("l1Loss", input, target);
  return reduce("l1Loss", abs(sub(input, t)), opts.reduction);
}

/** Class indices checked against the input layout [N, C, d₁, …] (or [C] with a 0-d target). */
interface ClassTargets {
  /** The input with a batch axis (an unbatched [C] input becomes [1, C]). */
  input: Tensor;
  /** 1 for counted entries, 0 for ignored ones, in the input's dtype, shaped like `input` without its class axis. */
  mask: Tensor;
  /** Number of counted entries, a 0-d tensor (the sum of `mask`), so nothing is read on the host. */
  count: Tensor;
  /** The loss's shape before reduction (the target's shape). */
  shape: readonly number[];
  /** −log p[n, target_n] picked along the class axis, 0 at ignored entries (shaped like `mask`). */
  picked: Tensor;
  /** The targets with ignored entries replaced by class 0 (shaped like `mask`). */
  safe: Tensor;
}

/**
 * The log-probabilities picked at the target classes, without reading the target on the host:
 * ignored entries are replaced by class 0 and masked out on the device, and the gather refuses
 * negative and out-of-range classes on the device too (PyTorch's rule: only ignoreIndex may lie
 * outside [0, C)), raising at the next sync point with the loss's name.
 */
function classTargets(op: string, inputName: string, input: Tensor, target: Tensor, ignoreIndex: number): ClassTargets {
  if (target.dtype !== "int32")
    throw new DTypeError(`${op}: class-index target must be int32, got ${target.dtype}${fmtShape(target.shape)}`);
  if (input.ndim === 0) throw new ShapeError(`${op}: input must have a class axis, got shape ${fmtShape(input.shape)}`);
  const unbatched = input.ndim === 1;
  const expected = unbatched ? [] : [input.shape[0], ...input.shape.slice(2)];
  if (!shapesEqual(target.shape, expected))
    throw new ShapeError(
      `${op}: target shape ${fmtShape(target.shape)} does not match input shape ${fmtShape(input.shape)} (expected target shape ${fmtShape(expected)})`,
    );
  const numClasses = unbatched ? input.shape[0] : input.shape[1];
  const shape = unbatched ? [1] : target.shape;
  const batched = unbatched ? reshape(input, [1, numClasses]) : input;
  const t = reshape(target, [...shape]);
  const ignored = eq(t, ignoreIndex);
  const safe = where(ignored, tensor(0, { dtype: "int32" }), t);
  const mask = cast(ne(t, ignoreIndex), input.dtype);
  const caller: IndexCaller = {
    op,
    axis: unbatched ? 0 : 1,
    shapes: `${inputName} ${fmtShape(input.shape)}, target ${fmtShape(target.shape)}`,
    negative: "error",
  };
  // gather along the class axis: picked[n, …] = logp[n, target[n, …], …]
  const picked = squeeze(gatherAlong(batched, unsqueeze(safe, 1), 1, caller), 1);
  return { input: batched, mask, count: sum(mask), shape: target.shape, picked, safe };
}

/**
 * Per-entry −w[target]·logp[target] (0 at ignored entries), shaped like the target, with the
 * counted entries. With class weights the mask becomes w[target] (0 where ignored), so its sum,
 * the mean's divisor, is the sum of the picked weights.
 */
function pickedNll(
  op: string, inputName: string, logProbs: Tensor, target: Tensor, ignoreIndex: number, weight: Tensor | null,
): { loss: Tensor; ct: ClassTargets; counted: Tensor } {
  const ct = classTargets(op, inputName, logProbs, target, ignoreIndex);
  const counted = ct.mask;
  if (weight) {
    const w = mul(takeAlong(weight, ct.safe, 0), ct.mask);
    Object.assign(ct, { mask: w, count: sum(w) });
  }
  return { loss: reshape(neg(mul(ct.picked, ct.mask)), ct.shape), ct, counted };
}

/**
 * Sum, mean over counted entries (PyTorch's rule with ignoreIndex), or the per-entry values. A
 * mean over no counted entry is 0/0 = NaN, as in PyTorch, when every target is ignored (known
 * only on the device); an empty batch is known from the shape and refused here, and under
 * `setDebug({ checkIndices: true })` so is an all-ignored batch.
 */
function reduceCounted(op: string, loss: Tensor, ct: ClassTargets, reduction: Reduction | undefined): Tensor {
  const r = reduction ?? "mean";
  if (r === "mean") {
    const empty = loss.size === 0 || (runtime.debug.checkIndices && ct.count.item() === 0);
    if (empty) throw new ArgumentError(`${op}: no target is counted (empty batch, or every target equals ignoreIndex), so the mean is undefined; use reduction "sum" or "none"`);
    return div(sum(loss), ct.count);
  }
  return reduce(op, loss, r);
}

/**
 * Negative log-likelihood of class indices given log-probabilities [N, C, d₁, …] (or [C]):
 * loss_n = −logProbs[n, target_n]. With `ignoreIndex`, matching entries are skipped and the
 * mean is over the others.
 * @example nn.functional.nllLoss(tg.tensor([[-0.1, -2.3]]), tg.tensor([0], { dtype: "int32" })) // 0.1
 */
export function nllLoss(logProbs: Tensor, target: Tensor, opts: NllLossOpts = {}): Tensor {
  checkOpts("nllLoss", opts, ["reduction", "ignoreIndex", "weight"]);
  checkFloat("nllLoss", "input", logProbs);
  if (logProbs.ndim === 0) throw new ShapeError(`nllLoss: input must have a class axis, got shape ${fmtShape(logProbs.shape)}`);
  const weight = classWeight("nllLoss", opts.weight, logProbs.shape[logProbs.ndim === 1 ? 0 : 1], logProbs.dtype);
  const { loss, ct } = pickedNll("nllLoss", "input", logProbs, target, opts.ignoreIndex ?? -100, weight);
  return reduceCounted("nllLoss", loss, ct, opts.reduction);
}

/**
 * Cross entropy between logits [N, C, d₁, …] (or [C]) and either int32 class indices
 * [N, d₁, …] or a float distribution (probabilities, one-hot) shaped like the logits.
 *
 * From log p = logSoftmax(x) along the class axis:
 *   indices:        loss_n = −(1 − ε)·log p[n, y_n] − (ε/C)·Σ_c log p[n, c]
 *   probabilities:  loss_n = −Σ_c ((1 − ε)·t[n, c] + ε/C)·log p[n, c]
 * The mean is over the counted (non-ignored) entries. For the mean over a batch of B rows with
 * ε = 0 the gradient is (softmax(x) − onehot(y))/B. Class weights w (`weight`, [C]) scale each
 * class's log-probabilities (log p[n, c] becomes w_c·log p[n, c] in both forms); with indices the
 * mean divides by Σ w[y_n] over the counted entries, with probabilities by the number of entries,
 * as in PyTorch.
 * @example
 * const logits = tg.tensor([[2, 0, -1], [0, 1, 0]]);
 * nn.functional.crossEntropy(logits, tg.tensor([0, 1], { dtype: "int32" }));
 */
export function crossEntropy(logits: Tensor, target: Tensor, opts: CrossEntropyOpts = {}): Tensor {
  const op = "crossEntropy";
  checkOpts(op, opts, ["reduction", "ignoreIndex", "weight", "labelSmoothing"]);
  checkFloat(op, "logits", logits);
  if (!(target instanceof Tensor)) throw new ArgumentError(`${op}: target must be a tensor`);
  const eps = opts.labelSmoothing ?? 0;
  if (!(eps >= 0 && eps <= 1)) throw new ArgumentError(`${op}: labelSmoothing must be in [0, 1], got ${eps}`);
  if (logits.ndim === 0) throw new ShapeError(`${op}: logits must have a class axis, got shape ${fmtShape(logits.shape)}`);
  const classAxis = logits.ndim === 1 ? 0 : 1;
  const numClasses = logits.shape[classAxis];
  const logp = logSoftmax(logits, classAxis);
  const weight = classWeight(op, opts.weight, numClasses, logits.dtype);
  // w_c·log p[n, c]: the weights broadcast along the class axis
  const weighted = weight ? mul(logp, reshape(weight, [numClasses, ...logits.shape.slice(classAxis + 1).map(() => 1)])) : logp;

  if (isFloat(target.dtype)) {
    const indexShape = classAxis === 0 ? [] : [logits.shape[0], ...logits.shape.slice(2)];
    if (shapesEqual(target.shape, indexShape))
      throw new DTypeError(`${op}: class-index target must be int32, got ${target.dtype}${fmtShape(target.shape)} (a float target must be a distribution shaped like the logits ${fmtShape(logits.shape)})`);
    if (!shapesEqual(target.shape, logits.shape))
      throw new ShapeError(`${op}: probability target shape ${fmtShape(target.shape)} must equal logits shape ${fmtShape(logits.shape)}`);
    let t = target.dtype === logits.dtype ? target : cast(target, logits.dtype);
    if (opts.ignoreIndex !== undefined) throw new ArgumentError(`${op}: ignoreIndex applies to class-index targets only, not to a probability target`);
    if (eps > 0) t = add(mul(t, 1 - eps), eps / numClasses);
    return reduce(op, neg(sum(mul(t, weighted), classAxis)), opts.reduction);
  }

  const { loss: nll, ct, counted } = pickedNll(op, "logits", logp, target, opts.ignoreIndex ?? -100, weight);
  let loss = nll;
  if (eps > 0) {
    // −Σ_c w_c·log p[n, c] at counted entries: the cross entropy against the uniform distribution, times C
    const w = weighted.ndim === 1 ? reshape(weighted, [1, numClasses]) : weighted;
    const smooth = reshape(neg(mul(sum(w, 1), counted)), ct.shape);
    loss = add(mul(nll, 1 - eps), mul(smooth, eps / numClasses));
  }
  return reduceCounted(op, loss, ct, opts.reduction);
}

/**
 * Binary cross entropy of logits x against targets y in [0, 1], without forming σ(x):
 *   loss = max(x, 0) − x·y + log(1 + e^(−|x|))                        (= −y·log σ(x) − (1−y)·log(1−σ(x)))
 * and with a positive weight p:
 *   loss = (1 − y)·x + (1 + (p − 1)·y)·(log(1 + e^(−|x|)) + max(−x, 0))  (= −p·y·log σ(x) − (1−y)·log(1−σ(x)))
 * @example nn.functional.binaryCrossEntropyWithLogits(tg.tensor([0]), tg.tensor([1])) // ln 2
 */
export function binaryCrossEntropyWithLogits(logits: Tensor, target: Tensor, opts: BceWithLogitsOpts = {}): Tensor {
  const op = "binaryCrossEntropyWithLogits";
  checkOpts(op, opts, ["reduction", "posWeight"]);
  const y = matchTarget(op, logits, target, "logits");
  const x = logits;
  // log(1 + e^(−|x|)) never overflows: the exponent is ≤ 0
  const tail = log1p(exp(neg(abs(x))));
  let loss: Tensor;
  if (opts.posWeight === undefined) {
    loss = add(sub(relu(x), mul(x, y)), tail);
  } else {
    const p = asWeight(op, opts.posWeight, x.dtype);
    const negLogSigmoid = add(tail, relu(neg(x))); // −log σ(x)
    loss = add(mul(sub(1, y), x), mul(add(mul(sub(p, 1), y), 1), negLogSigmoid));
  }
  return reduce(op, loss, opts.reduction);
}

function asWeight(op: string, w: Tensor | number, dtype: DType): Tensor {
  if (typeof w === "number") return tensor(w, { dtype });
  checkFloat(op, "posWeight", w);
  return w.dtype === dtype ? w : cast(w, dtype);
}

export interface HuberLossOpts extends LossOpts {
  /** Where the loss turns from quadratic to linear. Default 1; must be positive. */
  delta?: number;
}

/**
 * Huber loss of d = input − target: ½d² where |d| < δ, δ(|d| − ½δ) elsewhere.
 * @example nn.functional.huberLoss(tg.tensor([0.5, 3]), tg.tensor([0, 0])) // (0.125 + 2.5)/2
 */
export function huberLoss(input: Tensor, target: Tensor, opts: HuberLossOpts = {}): Tensor {
  const op = "huberLoss";
  checkOpts(op, opts, ["reduction", "delta"]);
  const delta = opts.delta ?? 1;
  if (!(delta > 0)) throw new ArgumentError(`${op}: delta must be positive, got ${delta}`);
  const d = sub(input, matchTarget(op, input, target));
  const a = abs(d);
  return reduce(op, where(lt(a, delta), mul(mul(d, d), 0.5), mul(sub(a, 0.5 * delta), delta)), opts.reduction);
}

export interface SmoothL1LossOpts extends LossOpts {
  /** Where the loss turns from quadratic to linear. Default 1; 0 gives the L1 loss. */
  beta?: number;
}

/**
 * Smooth L1 loss of d = input − target: ½d²/β where |d| < β, |d| − ½β elsewhere (Huber/β).
 * @example nn.functional.smoothL1Loss(tg.tensor([0.5, 3]), tg.tensor([0, 0])) // (0.125 + 2.5)/2
 */
export function smoothL1Loss(input: Tensor, target: Tensor, opts: SmoothL1LossOpts = {}): Tensor {
  const op = "smoothL1Loss";
  checkOpts(op, opts, ["reduction", "beta"]);
  const beta = opts.beta ?? 1;
  if (!(beta >= 0)) throw new ArgumentError(`${op}: beta must be non-negative, got ${beta}`);
  const d = sub(input, matchTarget(op, input, target));
  const a = abs(d);
  if (beta === 0) return reduce(op, a, opts.reduction);
  return reduce(op, where(lt(a, beta), mul(mul(d, d), 0.5 / beta), sub(a, 0.5 * beta)), opts.reduction);
}

export interface KlDivOpts {
  /** "mean" (default: over every element, as PyTorch's default), "batchmean" (the sum over the batch size, the true KL divergence per sample), "sum" or "none". */
  reduction?: Reduction | "batchmean";
  /** The target is given as log-probabilities. Default false. */
  logTarget?: boolean;
}

/**
 * Kullback–Leibler divergence with `input` given as log-probabilities, PyTorch's `kl_div`:
 * pointwise t·(log t − input) (0 where t = 0), or eᵗ·(t − input) with `logTarget`.
 * @example nn.functional.klDiv(logq, p, { reduction: "batchmean" })
 */
export function klDiv(input: Tensor, target: Tensor, opts: KlDivOpts = {}): Tensor {
  const op = "klDiv";
  checkOpts(op, opts, ["reduction", "logTarget"]);
  const t = matchTarget(op, input, target);
  let loss: Tensor;
  if (opts.logTarget) loss = mul(exp(t), sub(t, input));
  else {
    // xlogy(t, t) − t·input: t·log t taken as 0 at t = 0, with log's argument kept away from 0 there
    const zero = eq(t, 0);
    loss = sub(where(zero, 0, mul(t, log(where(zero, 1, t)))), mul(t, input));
  }
  if (opts.reduction === "batchmean") {
    const batch = input.ndim === 0 ? 1 : input.shape[0];
    return div(sum(loss), batch);
  }
  return reduce(op, loss, opts.reduction);
}

export interface BceOpts extends LossOpts {
  /** Rescales each element's loss (broadcast against the input). */
  weight?: Tensor | null;
}

/**
 * Binary cross entropy of probabilities p in [0, 1] against targets y:
 * −w·(y·log p + (1 − y)·log(1 − p)), each log bounded below by −100 as in PyTorch (so p = 0 or 1
 * gives a finite loss). Prefer binaryCrossEntropyWithLogits for logits. Probabilities outside
 * [0, 1] give NaN (PyTorch raises; the check would need the values on the host).
 * @example nn.functional.binaryCrossEntropy(tg.tensor([0.5]), tg.tensor([1])) // ln 2
 */
export function binaryCrossEntropy(input: Tensor, target: Tensor, opts: BceOpts = {}): Tensor {
  const op = "binaryCrossEntropy";
  checkOpts(op, opts, ["reduction", "weight"]);
  const y = matchTarget(op, input, target);
  const logP = clampedLog(input);
  const log1mP = clampedLog(sub(1, input));
  let loss = neg(add(mul(y, logP), mul(sub(1, y), log1mP)));
  if (opts.weight) {
    checkFloat(op, "weight", opts.weight);
    loss = mul(loss, opts.weight.dtype === loss.dtype ? opts.weight : cast(opts.weight, loss.dtype));
  }
  return reduce(op, loss, opts.reduction);
}

/**
 * max(log x, −100), with log's argument kept away from 0 where the bound holds (so p = 0 gives a
 * zero gradient there, not 0·∞ = NaN).
 */
function clampedLog(x: Tensor): Tensor {
  const low = le(x, Math.exp(-100));
  return where(low, -100, log(where(low, 1, x)));
}

export interface CosineSimilarityOpts {
  /** The axis holding the vectors. Default 1, as in PyTorch. */
  axis?: number;
  /** Lower bound of each norm. Default 1e-8. */
  eps?: number;
}

/**
 * Cosine similarity a·b / (max(‖a‖, ε)·max(‖b‖, ε)) along `axis`, broadcasting a against b.
 * @example nn.functional.cosineSimilarity(tg.tensor([[1, 0]]), tg.tensor([[1, 1]])) // [0.7071]
 */
export function cosineSimilarity(a: Tensor, b: Tensor, opts: CosineSimilarityOpts = {}): Tensor {
  const op = "cosineSimilarity";
  checkOpts(op, opts, ["axis", "eps"]);
  checkFloat(op, "the first input", a);
  checkFloat(op, "the second input", b);
  const shape = broadcastShapes(op, a.shape, b.shape);
  if (shape.length === 0) throw new ShapeError(`${op}: inputs must have at least one axis, got ${fmtShape(a.shape)} and ${fmtShape(b.shape)}`);
  const axis = normAxis(op, opts.axis ?? 1, shape.length);
  const eps = opts.eps ?? 1e-8;
  const d = promoteTypes(a.dtype, b.dtype);
  const x = broadcastTo(cast(a, d), shape);
  const y = broadcastTo(cast(b, d), shape);
  return div(sum(mul(x, y), axis), mul(clamp(norm(x, 2, axis), eps), clamp(norm(y, 2, axis), eps)));
}
