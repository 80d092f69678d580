// Attention: the functional scaled dot-product attention over the one primitive
// (src/prims/attention.ts), and the multi-head self-attention layers built on it (batch-first,
// one fused query/key/value projection `c_attn`, output projection `c_proj`, as in GPT-2).

import { isFloat } from "../core/dtype.js";
import { ArgumentError, DTypeError, ShapeError, fmtShape } from "../core/errors.js";
import { bind } from "../autodiff/bind.js";
import { erase } from "../prims/define.js";
import { causalMask, scaledDotProductAttention as sdpaPrim, type AttentionParams } from "../prims/attention.js";
import type { Generator } from "../random/generator.js";
import type { DType } from "../core/dtype.js";
import { rand, tensor } from "../tensor/creation.js";
import { Tensor } from "../tensor/tensor.js";
import { add, ge, mul, where } from "../tensor/ops/arith.js";
import { matmul } from "../tensor/ops/linalg.js";
import { softmax } from "../tensor/ops/reduce.js";
import { concat, permute, reshape, transpose } from "../tensor/ops/shape.js";
import { Dropout, Linear, type LinearInit } from "./layers.js";
import { Module } from "./module.js";
import "../tensor/methods.js"; // Tensor's methods, used below

export interface AttentionOpts {
  /** Query i attends to keys j ≤ i only (top-left aligned, as PyTorch's is_causal). Default false. */
  causal?: boolean;
  /** A bool mask (true = may attend) or a float mask added to the scores, broadcasting to [..., T, S]. */
  mask?: Tensor | null;
  /** Dropout probability on the attention weights (applied whenever > 0, as in PyTorch). Default 0. */
  dropout?: number;
  /** Multiplies Q·Kᵀ; default 1/√D. */
  scale?: number;
  /** Source of the dropout mask; the default generator when absent. */
  generator?: Generator;
}

const PRIM = erase(sdpaPrim);

/**
 * softmax(scale·Q Kᵀ + mask) V with PyTorch's semantics: query [..., T, D], key [..., S, D], value
 * [..., S, Dv] → [..., T, Dv] (typically [batch, heads, T, headDim]). One primitive with its own
 * matmul-based derivative rules in both modes; the weights are never materialised twice.
 * @example
 * const q = tg.randn([1, 2, 4, 8]);
 * tg.nn.functional.scaledDotProductAttention(q, q, q, { causal: true }).shape // [1, 2, 4, 8]
 */
export function scaledDotProductAttention(query: Tensor, key: Tensor, value: Tensor, opts: AttentionOpts = {}): Tensor {
  const op = "scaledDotProductAttention";
  for (const [n, t] of [["query", query], ["key", key], ["value", value]] as const)
    if (!(t instanceof Tensor)) throw new ArgumentError(`${op}: ${n} must be a tensor`);
  if (!isFloat(query.dtype)) throw new DTypeError(`${op}: expected floating-point inputs, got query ${query.dtype}${fmtShape(query.shape)}`);
  if (query.ndim < 2) throw new ShapeError(`${op}: query must have rank ≥ 2 [..., T, D], got ${fmtShape(query.shape)}`);
  const p = opts.dropout ?? 0;
  if (!(p >= 0 && p < 1)) throw new ArgumentError(`${op}: dropout must be in [0, 1), got ${p}`);
  const d = query.shape[query.ndim - 1];
  const scale = opts.scale ?? 1 / Math.sqrt(d);
  if (!Number.isFinite(scale)) throw new ArgumentError(`${op}: scale must be a finite number, got ${scale}`);
  const mask = opts.mask ?? null;
  if (mask !== null && !(mask instanceof Tensor)) throw new ArgumentError(`${op}: mask must be a tensor or null`);
  const params: AttentionParams = {
    scale,
    causal: opts.causal ?? false,
    mask: mask === null ? "none" : mask.dtype === "bool" ? "bool" : "float",
    dropout: p,
  };
  const inputs = [query, key, value];
  if (mask) inputs.push(mask);
  if (p > 0) {
    const scores = [...query.shape.slice(0, -1), key.shape[key.ndim - 2]];
    inputs.push(ge(rand(scores, { generator: opts.generator, dtype: "float32" }), p));
  }
  // the shape rule runs first so that a wrong call fails here, naming the shapes
  sdpaPrim.infer(inputs, params);
  return bind(PRIM, inputs, params);
}

/**
 * The attention weights softmax(scale·Q Kᵀ + mask) themselves ([..., T, S]), for inspection
 * (attention maps); `scaledDotProductAttention` never returns them.
 * @example tg.nn.attentionWeights(q, k, { causal: true }) // rows sum to 1
 */
export function attentionWeights(query: Tensor, key: Tensor, opts: Omit<AttentionOpts, "dropout" | "generator"> = {}): Tensor {
  const scale = opts.scale ?? 1 / Math.sqrt(query.shape[query.ndim - 1]);
  let s = mul(matmul(query, transpose(key, -2, -1)), scale);
  if (opts.causal) s = where(causalMask(query.shape[query.ndim - 2], key.shape[key.ndim - 2]), s, -Infinity);
  const m = opts.mask;
  if (m) s = m.dtype === "bool" ? where(m, s, -Infinity) : add(s, m);
  return softmax(s, -1);
}

/** Cached keys and values of one attention layer, [B, heads, S, headDim] each. */
export interface KVCache {
  k: Tensor;
  v: Tensor;
}

export interface MultiheadAttentionOpts {
  /** Dropout on the attention weights and on the output (training mode only). Default 0. */
  dropout?: number;
  /** Biases in the projections. Default true. */
  bias?: boolean;
  /** Causal self-attention (each position sees itself and the past). Default false. */
  causal?: boolean;
  dtype?: DType;
  generator?: Generator;
  /** Initialization of the input projection (default: PyTorch's Linear default). */
  init?: LinearInit;
  /** Initialization of the output projection (default: `init`). */
  projInit?: LinearInit;
}

/**
 * Batch-first multi-head self-attention: x [B, T, C] → [B, T, C]. One fused projection
 * `c_attn` (C → 3C) gives queries, keys and values, split into `numHeads` heads of C/numHeads
 * computed together by one batched attention; `c_proj` maps the joined heads back.
 * @example
 * const mha = new tg.nn.MultiheadAttention(16, 4, { causal: true });
 * mha.call(tg.randn([2, 5, 16])).shape // [2, 5, 16]
 */
export class MultiheadAttention extends Module {
  c_attn: Linear;
  c_proj: Linear;
  resid_dropout: Dropout;
  readonly embedDim: number;
  readonly numHeads: number;
  readonly dropout: number;
  readonly causal: boolean;
  readonly generator: Generator | undefined;
  /** When true, `forward` keeps the last attention weights [B, heads, T, S] in `lastWeights`. */
  recordWeights = false;
  lastWeights: Tensor | null = null;

  constructor(embedDim: number, numHeads: number, opts: MultiheadAttentionOpts = {}) {
    super();
    if (!Number.isInteger(numHeads) || numHeads <= 0 || !Number.isInteger(embedDim) || embedDim <= 0 || embedDim % numHeads !== 0)
      throw new ArgumentError(`${new.target.name}: embedDim (${embedDim}) must be a positive multiple of numHeads (${numHeads})`);
    const p = opts.dropout ?? 0;
    if (!(p >= 0 && p < 1)) throw new ArgumentError(`${new.target.name}: dropout must be in [0, 1), got ${p}`);
    const lin = { bias: opts.bias ?? true, dtype: opts.dtype, generator: opts.generator };
    this.c_attn = new Linear(embedDim, 3 * embedDim, { ...lin, init: opts.init });
    this.c_proj = new Linear(embedDim, embedDim, { ...lin, init: opts.projInit ?? opts.init });
    this.resid_dropout = new Dropout(p, { generator: opts.generator });
    this.embedDim = embedDim;
    this.numHeads = numHeads;
    this.dropout = p;
    this.causal = opts.causal ?? false;
    this.generator = opts.generator;
  }

  /** Queries, keys and values [B, heads, T, headDim] from x [B, T, C]. */
  #heads(x: Tensor): [Tensor, Tensor, Tensor] {
    if (x.ndim !== 3 || x.shape[2] !== this.embedDim)
      throw new ShapeError(`${this.constructor.name}: input must be [batch, time, ${this.embedDim}], got ${fmtShape(x.shape)}`);
    const [b, t] = x.shape;
    const h = this.numHeads;
    // [B, T, 3C] → [3, B, heads, T, headDim], then one view per part
    const qkv = permute(reshape(this.c_attn.forward(x), [b, t, 3, h, this.embedDim / h]), [2, 0, 3, 1, 4]);
    return [qkv.slice(0), qkv.slice(1), qkv.slice(2)];
  }

  /** Joins heads [B, heads, T, headDim] into [B, T, C] and projects. */
  #out(y: Tensor): Tensor {
    const [b, , t] = y.shape;
    return this.resid_dropout.forward(this.c_proj.forward(reshape(permute(y, [0, 2, 1, 3]), [b, t, this.embedDim])));
  }

  #attend(q: Tensor, k: Tensor, v: Tensor, mask: Tensor | null, causal: boolean): Tensor {
    if (this.recordWeights) this.lastWeights = attentionWeights(q, k, { causal, mask }).detach();
    const dropout = this.training ? this.dropout : 0;
    return scaledDotProductAttention(q, k, v, { causal, mask, dropout, generator: this.generator });
  }

  /** x [B, T, C] → [B, T, C]; `mask` (bool or additive, broadcasting to [B, heads, T, T]) restricts the keys. */
  forward(x: Tensor, mask?: Tensor): Tensor {
    const [q, k, v] = this.#heads(x);
    return this.#out(this.#attend(q, k, v, mask ?? null, this.causal));
  }

  /**
   * Incremental decoding: x [B, T, C] holds the next T positions; `cache` the keys and values of
   * the positions before them (null at the start). Returns the output and the grown cache, so each
   * new token costs attention over the context once instead of recomputing the whole prefix.
   */
  forwardCached(x: Tensor, cache: KVCache | null): { y: Tensor; cache: KVCache } {
    const [q, kNew, vNew] = this.#heads(x);
    const k = cache ? concat([cache.k, kNew], 2) : kNew;
    const v = cache ? concat([cache.v, vNew], 2) : vNew;
    const t = q.shape[2];
    const s = k.shape[2];
    // query i sits at position s − t + i and may see keys j ≤ s − t + i (bottom-right aligned)
    let mask: Tensor | null = null;
    if (this.causal && t > 1) mask = shiftedCausal(t, s);
    return { y: this.#out(this.#attend(q, k, v, mask, false)), cache: { k, v } };
  }

  override extraRepr(): string {
    return `embed=${this.embedDim}, heads=${this.numHeads}, causal=${this.causal}, dropout=${this.dropout}`;
  }
}

/** The [T, S] bool mask letting query i (at position S − T + i) see keys j ≤ S − T + i. */
function shiftedCausal(t: number, s: number): Tensor {
  if (t === s) return causalMask(t, s);
  const data = new Uint8Array(t * s);
  for (let i = 0; i < t; i++) for (let j = 0; j <= s - t + i; j++) data[i * s + j] = 1;
  return tensor(data, { dtype: "bool", shape: [t, s] });
}

/**
 * Causal multi-head self-attention (GPT's `attn`): `MultiheadAttention` with `causal: true`.
 * @example
 * const attn = new tg.nn.CausalSelfAttention(32, 4, { dropout: 0.1 });
 * attn.call(tg.randn([2, 8, 32])).shape // [2, 8, 32]
 */
export class CausalSelfAttention extends MultiheadAttention {
  constructor(embedDim: number, numHeads: number, opts: Omit<MultiheadAttentionOpts, "causal"> = {}) {
    super(embedDim, numHeads, { ...opts, causal: true });
  }
}
