// `nn.functional`: the stateless forms of the layers (linear, dropout, layerNorm, embedding),
// the activations, and the losses. Layers in ./layers.ts call these with their parameters.

import { isFloat } from "../core/dtype.js";
import { ArgumentError, DTypeError, ShapeError, fmtShape } from "../core/errors.js";
import { shapesEqual } from "../core/shape.js";
import type { Generator } from "../random/generator.js";
import { rand } from "../tensor/creation.js";
import { Tensor } from "../tensor/tensor.js";
import { add, ge, mul, rsqrt, sub, where } from "../tensor/ops/arith.js";
import { mean } from "../tensor/ops/reduce.js";
import { matmul } from "../tensor/ops/linalg.js";
import { takeAlong } from "../tensor/ops/index-ops.js";
import { transpose } from "../tensor/ops/shape.js";

export { softmax, logSoftmax, logsumexp } from "../tensor/ops/reduce.js";
export { relu, sigmoid, tanh } from "../tensor/ops/arith.js";
export {
  leakyRelu, gelu, silu, softplus,
  elu, celu, selu, hardtanh, relu6, hardsigmoid, hardswish, mish, softsign, logsigmoid, glu, prelu,
} from "../tensor/ops/activations.js";
export {
  batchNorm, groupNorm, instanceNorm, rmsNorm, normalize,
  type BatchNormOpts, type GroupNormOpts, type RmsNormOpts, type NormalizeOpts,
} from "./norm.js";
export {
  mseLoss, l1Loss, nllLoss, crossEntropy, binaryCrossEntropyWithLogits,
  type Reduction, type LossOpts, type NllLossOpts, type CrossEntropyOpts, type BceWithLogitsOpts,
} from "./losses.js";
export {
  huberLoss, smoothL1Loss, klDiv, binaryCrossEntropy, cosineSimilarity,
  type HuberLossOpts, type SmoothL1LossOpts, type KlDivOpts, type BceOpts, type CosineSimilarityOpts,
} from "./losses.js";

/**
 * The affine map y = x·Wᵀ + b over the last axis: x [..., in], weight [out, in], bias [out].
 * @example nn.functional.linear(tg.tensor([[1, 2]]), tg.tensor([[3, 4]]), tg.tensor([5])) // [[16]]
 */
export function linear(x: Tensor, weight: Tensor, bias?: Tensor | null): Tensor {
  if (weight.ndim !== 2) throw new ShapeError(`linear: weight must be 2-D [out, in], got ${fmtShape(weight.shape)}`);
  const inFeatures = weight.shape[1];
  if (x.ndim === 0 || x.shape[x.ndim - 1] !== inFeatures)
    throw new ShapeError(`linear: input ${fmtShape(x.shape)} does not end with the weight's ${inFeatures} input features (weight ${fmtShape(weight.shape)})`);
  if (bias && !shapesEqual(bias.shape, [weight.shape[0]]))
    throw new ShapeError(`linear: bias ${fmtShape(bias.shape)} must have shape [${weight.shape[0]}] for weight ${fmtShape(weight.shape)}`);
  const y = matmul(x, transpose(weight));
  return bias ? add(y, bias) : y;
}

export interface DropoutOpts {
  /** Source of the random mask; the default generator when absent. */
  generator?: Generator;
  /** Drop only when true (default true); otherwise return x unchanged. */
  training?: boolean;
}

/**
 * Inverted dropout: each element is zeroed with probability p and the survivors are scaled by
 * 1/(1 − p), so the expected output equals x and evaluation needs no rescaling.
 * @example nn.functional.dropout(x, 0.5, { generator: tg.random.generator(0) })
 */
export function dropout(x: Tensor, p: number, opts: DropoutOpts = {}): Tensor {
  if (!(p >= 0 && p <= 1)) throw new ArgumentError(`dropout: probability must be in [0, 1], got ${p}`);
  if (!isFloat(x.dtype)) throw new DTypeError(`dropout: input must be float32 or float64, got ${x.dtype}${fmtShape(x.shape)}`);
  if (opts.training === false || p === 0) return x;
  if (p === 1) return mul(x, 0);
  const u = rand(x.shape, { dtype: x.dtype, generator: opts.generator });
  return where(ge(u, p), mul(x, 1 / (1 - p)), 0);
}

export interface LayerNormOpts {
  /** Scale γ, shaped like the normalized shape. */
  weight?: Tensor | null;
  /** Shift β, shaped like the normalized shape. */
  bias?: Tensor | null;
  /** Added to the variance for stability. Default 1e-5. */
  eps?: number;
}

/**
 * Layer normalization over the trailing `normalizedShape` axes:
 * y = (x − μ)/√(σ² + ε)·γ + β, with μ and the (biased) variance σ² taken over those axes.
 * @example nn.functional.layerNorm(tg.tensor([[1, 2, 3]]), 3) // ≈ [[-1.2247, 0, 1.2247]]
 */
export function layerNorm(x: Tensor, normalizedShape: number | readonly number[], opts: LayerNormOpts = {}): Tensor {
  const shape = typeof normalizedShape === "number" ? [normalizedShape] : [...normalizedShape];
  const k = shape.length;
  if (!isFloat(x.dtype)) throw new DTypeError(`layerNorm: input must be float32 or float64, got ${x.dtype}${fmtShape(x.shape)}`);
  if (k === 0 || x.ndim < k || !shapesEqual(x.shape.slice(x.ndim - k), shape))
    throw new ShapeError(`layerNorm: input ${fmtShape(x.shape)} does not end with the normalized shape ${fmtShape(shape)}`);
  for (const [name, t] of [["weight", opts.weight], ["bias", opts.bias]] as const)
    if (t && !shapesEqual(t.shape, shape))
      throw new ShapeError(`layerNorm: ${name} ${fmtShape(t.shape)} must have the normalized shape ${fmtShape(shape)}`);
  const axes = shape.map((_, i) => x.ndim - k + i);
  const centered = sub(x, mean(x, axes, { keepdims: true }));
  const variance = mean(mul(centered, centered), axes, { keepdims: true });
  let y = mul(centered, rsqrt(add(variance, opts.eps ?? 1e-5)));
  if (opts.weight) y = mul(y, opts.weight);
  if (opts.bias) y = add(y, opts.bias);
  return y;
}

/**
 * Rows of an embedding table: weight [num, dim] looked up at int32 `indices` of any shape gives
 * [...indices.shape, dim]. The gradient flows to the selected rows of the table (summed over
 * repeats). Indices must lie in [0, num): as in PyTorch, negative ones are refused, not counted
 * from the end. The lookup stays lazy — indices are checked on the device, and a bad one raises
 * an ArgumentError at the next sync point (`item()`, `backward()`, …), or at the call under
 * `setDebug({ checkIndices: true })`.
 * @example nn.functional.embedding(tg.tensor([2, 0], { dtype: "int32" }), table) // rows 2 and 0
 */
export function embedding(indices: Tensor, weight: Tensor): Tensor {
  if (indices.dtype !== "int32") throw new DTypeError(`embedding: indices must be int32, got ${indices.dtype}${fmtShape(indices.shape)}`);
  if (weight.ndim !== 2) throw new ShapeError(`embedding: weight must be 2-D [num, dim], got ${fmtShape(weight.shape)}`);
  return takeAlong(weight, indices, 0, {
    op: "embedding",
    shapes: `weight ${fmtShape(weight.shape)}, indices ${fmtShape(indices.shape)}`,
    negative: "error",
  });
}

// ---- convolution and pooling ----
export { conv1d, conv2d, convTranspose2d, type ConvOpts, type ConvTransposeOpts, type Padding, type Size } from "./conv.js";
export { maxPool1d, maxPool2d, avgPool2d, adaptiveAvgPool2d, interpolate, type MaxPoolOpts, type AvgPoolOpts, type InterpolateOpts } from "./pool.js";
// (scaledDotProductAttention joins this namespace in ./functional-all.ts: attention.ts builds on layers.ts, which uses this module)
