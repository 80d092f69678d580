// The pre-norm transformer block of GPT-2 (x + attn(ln₁(x)), then + mlp(ln₂(x))), its
// position-wise feed-forward network, and fixed sinusoidal position encodings.

import type { DType } from "../core/dtype.js";
import { ArgumentError, ShapeError, fmtShape } from "../core/errors.js";
import type { Generator } from "../random/generator.js";
import { tensor } from "../tensor/creation.js";
import type { Tensor } from "../tensor/tensor.js";
import { add } from "../tensor/ops/arith.js";
import { gelu } from "../tensor/ops/activations.js";
import { CausalSelfAttention, type KVCache } from "./attention.js";
import { Dropout, LayerNorm, Linear, type LinearInit } from "./layers.js";
import { Module } from "./module.js";
import "../tensor/methods.js"; // Tensor's methods, used below

export interface TransformerBlockOpts {
  /** Dropout on attention weights, the attention output and the MLP output (training only). Default 0. */
  dropout?: number;
  /** Biases in the linear layers and LayerNorms. Default true. */
  bias?: boolean;
  /** Hidden width of the MLP as a multiple of the width. Default 4. */
  mlpRatio?: number;
  dtype?: DType;
  generator?: Generator;
  /** Initialization of the linear layers (default PyTorch's). */
  init?: LinearInit;
  /** Initialization of the two projections back into the residual stream (default `init`). */
  projInit?: LinearInit;
}

/**
 * The feed-forward half of a block: Linear(C → rC) → GELU → Linear(rC → C) → dropout, with
 * GPT-2's names `c_fc` and `c_proj`.
 * @example new tg.nn.FeedForward(16).call(tg.randn([2, 3, 16])).shape // [2, 3, 16]
 */
export class FeedForward extends Module {
  c_fc: Linear;
  c_proj: Linear;
  dropout: Dropout;

  constructor(width: number, opts: TransformerBlockOpts = {}) {
    super();
    const hidden = Math.round(width * (opts.mlpRatio ?? 4));
    const lin = { bias: opts.bias ?? true, dtype: opts.dtype, generator: opts.generator };
    this.c_fc = new Linear(width, hidden, { ...lin, init: opts.init });
    this.c_proj = new Linear(hidden, width, { ...lin, init: opts.projInit ?? opts.init });
    this.dropout = new Dropout(opts.dropout ?? 0, { generator: opts.generator });
  }

  forward(x: Tensor): Tensor {
    return this.dropout.forward(this.c_proj.forward(gelu(this.c_fc.forward(x))));
  }
}

/**
 * A pre-norm transformer block (GPT-2): x ← x + attn(ln_1(x)); x ← x + mlp(ln_2(x)), with causal
 * multi-head self-attention. Parameter names follow GPT-2: `ln_1`, `attn.c_attn`, `attn.c_proj`,
 * `ln_2`, `mlp.c_fc`, `mlp.c_proj`.
 * @example new tg.nn.TransformerBlock(32, 4).call(tg.randn([2, 8, 32])).shape // [2, 8, 32]
 */
export class TransformerBlock extends Module {
  ln_1: LayerNorm;
  attn: CausalSelfAttention;
  ln_2: LayerNorm;
  mlp: FeedForward;

  constructor(width: number, numHeads: number, opts: TransformerBlockOpts = {}) {
    super();
    const ln = { bias: opts.bias ?? true, dtype: opts.dtype };
    this.ln_1 = new LayerNorm(width, ln);
    this.attn = new CausalSelfAttention(width, numHeads, {
      dropout: opts.dropout, bias: opts.bias, dtype: opts.dtype, generator: opts.generator, init: opts.init, projInit: opts.projInit,
    });
    this.ln_2 = new LayerNorm(width, ln);
    this.mlp = new FeedForward(width, opts);
  }

  forward(x: Tensor): Tensor {
    const h = add(x, this.attn.forward(this.ln_1.forward(x)));
    return add(h, this.mlp.forward(this.ln_2.forward(h)));
  }

  /** The block over new positions x given the cached keys and values of the earlier ones. */
  forwardCached(x: Tensor, cache: KVCache | null): { y: Tensor; cache: KVCache } {
    const a = this.attn.forwardCached(this.ln_1.forward(x), cache);
    const h = add(x, a.y);
    return { y: add(h, this.mlp.forward(this.ln_2.forward(h))), cache: a.cache };
  }
}

/**
 * Fixed sinusoidal position encodings (Vaswani et al., 2017), added to x [B, T, C]:
 * PE[t, 2i] = sin(t / 10000^(2i/C)), PE[t, 2i+1] = cos(t / 10000^(2i/C)). The table is a
 * buffer (saved, never trained); `positions(T, offset)` gives the rows from `offset`.
 * @example new tg.nn.SinusoidalPositionalEncoding(16, 64).call(tg.zeros([1, 5, 16])).shape // [1, 5, 16]
 */
export class SinusoidalPositionalEncoding extends Module {
  declare pe: Tensor;
  readonly dim: number;
  readonly maxLen: number;

  constructor(dim: number, maxLen: number, opts: { dtype?: DType } = {}) {
    super();
    if (!Number.isInteger(dim) || dim <= 0 || !Number.isInteger(maxLen) || maxLen <= 0)
      throw new ArgumentError(`SinusoidalPositionalEncoding: dim and maxLen must be positive integers, got ${dim}, ${maxLen}`);
    this.dim = dim;
    this.maxLen = maxLen;
    const data = new Float64Array(maxLen * dim);
    for (let t = 0; t < maxLen; t++)
      for (let i = 0; i < dim; i++) {
        const angle = t / Math.pow(10000, (2 * Math.floor(i / 2)) / dim);
        data[t * dim + i] = i % 2 === 0 ? Math.sin(angle) : Math.cos(angle);
      }
    this.registerBuffer("pe", tensor(data, { dtype: opts.dtype ?? "float32", shape: [maxLen, dim] }));
  }

  /** The encodings of positions offset … offset + T − 1, [T, dim]. */
  positions(t: number, offset = 0): Tensor {
    if (offset + t > this.maxLen) throw new ShapeError(`SinusoidalPositionalEncoding: positions up to ${offset + t} exceed maxLen ${this.maxLen}`);
    return this.pe.slice([offset, offset + t]);
  }

  forward(x: Tensor): Tensor {
    if (x.ndim < 2 || x.shape[x.ndim - 1] !== this.dim)
      throw new ShapeError(`SinusoidalPositionalEncoding: input must be [..., T, ${this.dim}], got ${fmtShape(x.shape)}`);
    return add(x, this.positions(x.shape[x.ndim - 2]));
  }
}
