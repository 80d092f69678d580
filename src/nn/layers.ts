// Layers with parameters or state: Linear, Embedding, LayerNorm, Dropout. Each stores its
// parameters as plain tensor fields marked with setRequiresGrad() (see module.ts for how they are
// found and updated) and delegates the math to ./functional.ts.

import type { DType } from "../core/dtype.js";
import { ArgumentError } from "../core/errors.js";
import { defaultGenerator, type Generator } from "../random/generator.js";
import type { Tensor } from "../tensor/tensor.js";
import * as F from "./functional.js";
import * as init from "./init.js";
import { Module } from "./module.js";

/**
 * How Linear initializes its weight W [out, in] and bias b:
 * - "default" (PyTorch's): W ~ kaimingUniform with a = √5, i.e. U(−1/√in, 1/√in); b ~ U(−1/√in, 1/√in)
 * - "he": W ~ N(0, 2/in) (kaimingNormal for ReLU); "heUniform": U(−√(6/in), √(6/in)); b = 0
 * - "glorot": W ~ U(±√(6/(in+out))) (xavierUniform); "glorotNormal": N(0, 2/(in+out)); b = 0
 * - "lecun": W ~ N(0, 1/in); b = 0
 * - "zeros": W = 0, b = 0
 * - a function of the weight's shape and {generator, dtype} returning W; b = 0
 */
export type LinearInit =
  | "default" | "he" | "heUniform" | "glorot" | "glorotNormal" | "lecun" | "zeros"
  | ((shape: readonly number[], opts: { generator: Generator; dtype: DType }) => Tensor);

export interface LinearOpts {
  /** Learn an additive bias (default true). */
  bias?: boolean;
  /** float32 (default) or float64. */
  dtype?: DType;
  /** Source of the initial values; the default generator when absent. */
  generator?: Generator;
  /** Initialization scheme (default "default", as in PyTorch). */
  init?: LinearInit;
}

function checkSize(op: string, name: string, n: number): void {
  if (!Number.isInteger(n) || n < 0) throw new ArgumentError(`${op}: ${name} must be a non-negative integer, got ${n}`);
}

/**
 * A fully connected layer y = x·Wᵀ + b applied over the last axis: x [..., in] → y [..., out],
 * with `weight` W of shape [out, in] and `bias` b of shape [out] (null without bias).
 * @example
 * const lin = new nn.Linear(3, 2, { generator: tg.random.generator(0) });
 * lin.call(tg.randn([4, 3])).shape // [4, 2]
 */
export class Linear extends Module {
  weight: Tensor;
  bias: Tensor | null;
  readonly inFeatures: number;
  readonly outFeatures: number;

  constructor(inFeatures: number, outFeatures: number, opts: LinearOpts = {}) {
    super();
    checkSize("Linear", "inFeatures", inFeatures);
    checkSize("Linear", "outFeatures", outFeatures);
    this.inFeatures = inFeatures;
    this.outFeatures = outFeatures;
    const dtype = opts.dtype ?? "float32";
    const generator = opts.generator ?? defaultGenerator();
    const g = { generator, dtype };
    const wShape = [outFeatures, inFeatures];
    const scheme = opts.init ?? "default";
    let w: Tensor;
    let b: Tensor;
    if (scheme === "default") {
      // kaiming-uniform with a = √5: gain √(2/(1+5)) = √(1/3), bound = gain·√(3/in) = 1/√in
      const bound = inFeatures > 0 ? 1 / Math.sqrt(inFeatures) : 0;
      w = inFeatures > 0 ? init.kaimingUniform(wShape, { ...g, nonlinearity: "leakyRelu", a: Math.sqrt(5) }) : init.zeros(wShape, g);
      b = init.uniform([outFeatures], -bound, bound, g);
    } else {
      b = init.zeros([outFeatures], g);
      switch (scheme) {
        case "he":
          w = init.kaimingNormal(wShape, { ...g, nonlinearity: "relu" });
          break;
        case "heUniform":
          w = init.kaimingUniform(wShape, { ...g, nonlinearity: "relu" });
          break;
        case "glorot":
          w = init.xavierUniform(wShape, g);
          break;
        case "glorotNormal":
          w = init.xavierNormal(wShape, g);
          break;
        case "lecun":
          w = init.kaimingNormal(wShape, { ...g, nonlinearity: "linear" });
          break;
        case "zeros":
          w = init.zeros(wShape, g);
          break;
        default:
          if (typeof scheme !== "function") throw new ArgumentError(`Linear: unknown init '${String(scheme)}'`);
          w = scheme(wShape, g);
      }
    }
    this.weight = w.setRequiresGrad();
    this.bias = opts.bias === false ? null : b.setRequiresGrad();
  }

  forward(x: Tensor): Tensor {
    return F.linear(x, this.weight, this.bias);
  }

  override extraRepr(): string {
    return `in=${this.inFeatures}, out=${this.outFeatures}, bias=${this.bias !== null}`;
  }
}

export interface EmbeddingOpts {
  dtype?: DType;
  generator?: Generator;
}

/**
 * A lookup table of `numEmbeddings` vectors of size `embeddingDim`, initialized N(0, 1) as in
 * PyTorch. int32 indices of any shape map to [...shape, embeddingDim]; gradients reach the rows
 * that were looked up.
 * @example
 * const emb = new nn.Embedding(10, 4);
 * emb.call(tg.tensor([[1, 2], [3, 1]], { dtype: "int32" })).shape // [2, 2, 4]
 */
export class Embedding extends Module {
  weight: Tensor;
  readonly numEmbeddings: number;
  readonly embeddingDim: number;

  constructor(numEmbeddings: number, embeddingDim: number, opts: EmbeddingOpts = {}) {
    super();
    checkSize("Embedding", "numEmbeddings", numEmbeddings);
    checkSize("Embedding", "embeddingDim", embeddingDim);
    this.numEmbeddings = numEmbeddings;
    this.embeddingDim = embeddingDim;
    this.weight = init.normal([numEmbeddings, embeddingDim], 0, 1, opts).setRequiresGrad();
  }

  forward(indices: Tensor): Tensor {
    return F.embedding(indices, this.weight);
  }

  override extraRepr(): string {
    return `${this.numEmbeddings}, ${this.embeddingDim}`;
  }
}

export interface LayerNormOpts {
  /** Added to the variance. Default 1e-5. */
  eps?: number;
  /** Learn a scale γ (init 1) and shift β (init 0). Default true. */
  elementwiseAffine?: boolean;
  /** Learn β (only with elementwiseAffine). Default true. */
  bias?: boolean;
  dtype?: DType;
}

/**
 * Layer normalization over the trailing `normalizedShape` axes:
 * y = (x − μ)/√(σ² + ε)·γ + β (biased variance, as in PyTorch).
 * @example new nn.LayerNorm(8).call(tg.randn([4, 8])) // each row: mean 0, variance ≈ 1
 */
export class LayerNorm extends Module {
  weight: Tensor | null;
  bias: Tensor | null;
  readonly normalizedShape: readonly number[];
  readonly eps: number;

  constructor(normalizedShape: number | readonly number[], opts: LayerNormOpts = {}) {
    super();
    this.normalizedShape = typeof normalizedShape === "number" ? [normalizedShape] : [...normalizedShape];
    this.normalizedShape.forEach((d) => checkSize("LayerNorm", "normalizedShape", d));
    this.eps = opts.eps ?? 1e-5;
    const affine = opts.elementwiseAffine ?? true;
    this.weight = affine ? init.ones(this.normalizedShape, opts).setRequiresGrad() : null;
    this.bias = affine && opts.bias !== false ? init.zeros(this.normalizedShape, opts).setRequiresGrad() : null;
  }

  forward(x: Tensor): Tensor {
    return F.layerNorm(x, this.normalizedShape, { weight: this.weight, bias: this.bias, eps: this.eps });
  }

  override extraRepr(): string {
    return `[${this.normalizedShape.join(",")}], eps=${this.eps}, affine=${this.weight !== null}`;
  }
}

/**
 * Inverted dropout in training mode (zero each element with probability p, scale the rest by
 * 1/(1 − p)); the identity after `eval()`. The mask comes from `generator` (the default
 * generator when absent), so a seeded generator makes it reproducible.
 * @example const drop = new nn.Dropout(0.1, { generator: tg.random.generator(0) });
 */
export class Dropout extends Module {
  readonly p: number;
  readonly generator: Generator | undefined;

  constructor(p = 0.5, opts: { generator?: Generator } = {}) {
    super();
    if (!(p >= 0 && p <= 1)) throw new ArgumentError(`Dropout: probability must be in [0, 1], got ${p}`);
    this.p = p;
    this.generator = opts.generator;
  }

  forward(x: Tensor): Tensor {
    return F.dropout(x, this.p, { generator: this.generator, training: this.training });
  }

  override extraRepr(): string {
    return `p=${this.p}`;
  }
}
