// Scaled dot-product attention as one primitive (PyTorch's F.scaled_dot_product_attention):
//
//   S = scale·Q Kᵀ (+ mask),   P = softmax(S) over the keys,   P̃ = P ⊙ keep/(1 − p),   O = P̃ V
//
// with Q [..., T, D], K [..., S, D], V [..., S, Dv] and O [..., T, Dv]. It is a primitive of kind
// "call": its forward pass runs existing kernels (two batched matmuls, the masking `where`, the
// softmax kernel), and its rules below are matmul-based too, so a transformer's backward pass is
// four batched products per layer rather than the graph of the composite. The forward saves P as
// the residual the VJP needs, so the backward never recomputes the softmax.
//
// Dropout is an input, not a draw: the caller passes the bool `keep` mask (drawn from a seeded
// generator), so the primitive is a pure function and its rules see the same mask as the forward.
//
// Rules, with c = 1/(1 − p) on kept entries (1 without dropout) and ⊙ elementwise:
//   VJP: V̄ = P̃ᵀ Ḡ;  P̄ = (Ḡ Vᵀ) ⊙ keep·c;  S̄ = P ⊙ (P̄ − Σₛ P ⊙ P̄);  Q̄ = scale·S̄ K;  K̄ = scale·S̄ᵀ Q;  M̄ = S̄
//   JVP: dS = scale·(dQ Kᵀ + Q dKᵀ) + dM;  dP = P ⊙ (dS − Σₛ P ⊙ dS);  dO = (dP ⊙ keep·c) V + P̃ dV

import { ShapeError, DTypeError, fmtShape } from "../core/errors.js";
import { isFloat, type DType } from "../core/dtype.js";
import { shapesEqual } from "../core/shape.js";
import { bind } from "../autodiff/bind.js";
import { rand, randn as normal, tensor } from "../tensor/creation.js";
import type { Tensor } from "../tensor/tensor.js";
import type { Generator } from "../random/generator.js";
import { definePrimitive, erase } from "./define.js";
import { softmax } from "./softmax.js";
import * as T from "./exact.js";

/** Parameters of the attention primitive. */
export interface AttentionParams {
  /** Multiplies Q Kᵀ (1/√D by default in the user-facing function). */
  scale: number;
  /** Query i sees keys j ≤ i only (top-left aligned, as PyTorch's is_causal). */
  causal: boolean;
  /** The fourth input: none, a bool mask (true = may attend) or a float mask added to the scores. */
  mask: "none" | "bool" | "float";
  /** Dropout probability on the attention weights; > 0 means the last input is the bool keep mask. */
  dropout: number;
}

interface Residuals {
  p: Tensor;
  pd: Tensor;
}

/** The [T, S] lower-triangular bool mask (query i may see key j ≤ i). */
export function causalMask(t: number, s: number): Tensor {
  const data = new Uint8Array(t * s);
  for (let i = 0; i < t; i++) for (let j = 0; j <= Math.min(i, s - 1); j++) data[i * s + j] = 1;
  return tensor(data, { dtype: "bool", shape: [t, s] });
}

/** The [T, S] additive causal mask: 0 where query i may see key j ≤ i, −∞ elsewhere. */
function causalBias(t: number, s: number, dtype: DType): Tensor {
  const data = dtype === "float64" ? new Float64Array(t * s) : new Float32Array(t * s);
  for (let i = 0; i < t; i++) for (let j = i + 1; j < s; j++) data[i * s + j] = -Infinity;
  return tensor(data, { dtype, shape: [t, s] });
}

function parts(inputs: readonly Tensor[], params: AttentionParams) {
  const [q, k, v] = inputs;
  let i = 3;
  const mask = params.mask === "none" ? undefined : inputs[i++];
  const keep = params.dropout > 0 ? inputs[i++] : undefined;
  return { q, k, v, mask, keep };
}

const softmaxLast = (s: Tensor): Tensor => bind(erase(softmax), [s], { axis: s.ndim - 1 });

/** P (the softmax of the masked scores) and P̃ (after dropout). */
function probabilities(inputs: readonly Tensor[], params: AttentionParams): Residuals {
  const { q, k, mask, keep } = parts(inputs, params);
  let s = T.mul(T.matmul(q, T.transpose(k)), T.constLike(q, params.scale));
  const ninf = T.constLike(s, -Infinity);
  // causal: −∞ added above the diagonal (PyTorch's attention bias), a float operand that fuses
  // into the scores' kernel; equal to masking with where for every finite score
  if (params.causal) s = T.add(s, causalBias(q.shape[q.ndim - 2], k.shape[k.ndim - 2], s.dtype));
  if (mask && params.mask === "bool") s = T.where(mask, s, ninf);
  if (mask && params.mask === "float") s = T.add(s, mask);
  const p = softmaxLast(s);
  return { p, pd: dropped(p, keep, params) };
}

/** x ⊙ keep/(1 − p), or x without dropout. */
function dropped(x: Tensor, keep: Tensor | undefined, params: AttentionParams): Tensor {
  if (!keep) return x;
  return T.where(keep, T.mul(x, T.constLike(x, 1 / (1 - params.dropout))), T.zerosLike(x));
}

/** Σₛ P ⊙ X subtracted and multiplied back: the softmax's linear map applied to X. */
function softmaxLinear(p: Tensor, x: Tensor): Tensor {
  return T.mul(p, T.sub(x, T.sum(T.mul(p, x), [p.ndim - 1], true)));
}

function infer(inputs: readonly Tensor[], params: AttentionParams) {
  const { q, k, v } = parts(inputs, params);
  return { shape: [...q.shape.slice(0, -1), v.shape[v.ndim - 1]], dtype: q.dtype };
}

function boolMask(shape: readonly number[], gen: Generator): Tensor {
  return T.lt(rand(shape, { generator: gen, dtype: "float64" }), tensor(0.7, { dtype: "float64" }));
}

function randn(shape: readonly number[], gen: Generator): Tensor {
  return normal(shape, { generator: gen, dtype: "float64" });
}

export const scaledDotProductAttention = definePrimitive<AttentionParams>({
  name: "scaledDotProductAttention",
  formula: {
    vjp: "V̄ = P̃ᵀḡ, S̄ = P ⊙ (P̄ − Σ P⊙P̄) with P̄ = ḡVᵀ⊙keep·c, Q̄ = scale·S̄K, K̄ = scale·S̄ᵀQ, M̄ = S̄",
    jvp: "dS = scale·(dQKᵀ + QdKᵀ) + dM, dy = (P⊙(dS − Σ P⊙dS))⊙keep·c·V + P̃·dV",
  },
  kind: "call",
  infer: (inputs, params) => {
    const { q, k, v, mask, keep } = parts(inputs, params);
    for (const [n, t] of [["key", k], ["value", v]] as const)
      if (t.dtype !== q.dtype) throw new DTypeError(`scaledDotProductAttention: query is ${q.dtype}${fmtShape(q.shape)} but ${n} is ${t.dtype}${fmtShape(t.shape)}`);
    if (!isFloat(q.dtype)) throw new DTypeError(`scaledDotProductAttention: expected floating-point inputs, got ${q.dtype}${fmtShape(q.shape)}`);
    if (q.ndim < 2 || k.ndim !== q.ndim || v.ndim !== q.ndim)
      throw new ShapeError(`scaledDotProductAttention: query ${fmtShape(q.shape)}, key ${fmtShape(k.shape)} and value ${fmtShape(v.shape)} must have the same rank ≥ 2`);
    const lead = q.shape.slice(0, -2);
    const d = q.shape[q.ndim - 1];
    const s = k.shape[k.ndim - 2];
    if (!shapesEqual(k.shape.slice(0, -2), lead) || !shapesEqual(v.shape.slice(0, -2), lead) || k.shape[k.ndim - 1] !== d || v.shape[v.ndim - 2] !== s)
      throw new ShapeError(
        `scaledDotProductAttention: query ${fmtShape(q.shape)}, key ${fmtShape(k.shape)} and value ${fmtShape(v.shape)} do not fit [..., T, D], [..., S, D], [..., S, Dv]`,
      );
    const scores = [...lead, q.shape[q.ndim - 2], s];
    for (const [n, t] of [["mask", mask], ["dropout mask", keep]] as const) {
      if (!t) continue;
      if (t.ndim > scores.length || t.shape.some((e, i) => e !== 1 && e !== scores[scores.length - t.ndim + i]))
        throw new ShapeError(`scaledDotProductAttention: ${n} ${fmtShape(t.shape)} does not broadcast to the scores ${fmtShape(scores)}`);
    }
    if (mask && params.mask === "bool" && mask.dtype !== "bool") throw new DTypeError(`scaledDotProductAttention: bool mask expected, got ${mask.dtype}`);
    if (mask && params.mask === "float" && mask.dtype !== q.dtype)
      throw new DTypeError(`scaledDotProductAttention: a float mask must have the query's dtype ${q.dtype}, got ${mask.dtype}`);
    if (keep && keep.dtype !== "bool") throw new DTypeError(`scaledDotProductAttention: the dropout mask must be bool, got ${keep.dtype}`);
    return infer(inputs, params);
  },
  call: (inputs, params) => T.matmul(probabilities(inputs, params).pd, inputs[2]),
  fwd: (inputs, params) => {
    const r = probabilities(inputs, params);
    return [T.matmul(r.pd, inputs[2]), r];
  },
  vjp: (g, inputs, { params, residuals, needs }) => {
    const { q, k, v, mask, keep } = parts(inputs, params);
    const { p, pd } = (residuals as Residuals | undefined) ?? probabilities(inputs, params);
    const dv = needs[2] ? T.matmul(T.transpose(pd), g) : undefined;
    const needS = needs[0] || needs[1] || (params.mask === "float" && needs[3]);
    if (!needS) return [undefined, undefined, dv, undefined, undefined].slice(0, inputs.length);
    const ds = softmaxLinear(p, dropped(T.matmul(g, T.transpose(v)), keep, params));
    const scale = T.constLike(q, params.scale);
    const out: (Tensor | undefined)[] = [
      needs[0] ? T.mul(T.matmul(ds, k), scale) : undefined,
      needs[1] ? T.mul(T.matmul(T.transpose(ds), q), scale) : undefined,
      dv,
    ];
    if (mask) out.push(params.mask === "float" && needs[3] ? T.unbroadcast(ds, mask.shape) : undefined);
    if (keep) out.push(undefined);
    return out;
  },
  jvp: (inputs, tangents, { params }) => {
    const { q, k, v } = parts(inputs, params);
    const [dq, dk, dv] = tangents;
    const dm = params.mask === "float" ? tangents[3] : undefined;
    const { p, pd } = probabilities(inputs, params);
    const keep = parts(inputs, params).keep;
    const scale = T.constLike(q, params.scale);
    let ds: Tensor | undefined;
    const add = (a: Tensor | undefined, b: Tensor | undefined) => (a && b ? T.add(a, b) : (a ?? b));
    if (dq) ds = T.matmul(dq, T.transpose(k));
    if (dk) ds = add(ds, T.matmul(q, T.transpose(dk)));
    if (ds) ds = T.mul(ds, scale);
    if (dm) ds = add(ds, T.broadcastTo(dm, p.shape));
    const fromS = ds && T.matmul(dropped(softmaxLinear(p, ds), keep, params), v);
    return add(fromS, dv && T.matmul(pd, dv));
  },
  cases: [
    { shapes: [[2, 3, 4], [2, 5, 4], [2, 5, 3]], params: { scale: 0.5, causal: false, mask: "none", dropout: 0 } },
    { shapes: [[1, 2, 4, 3], [1, 2, 4, 3], [1, 2, 4, 2]], params: { scale: 0.7, causal: true, mask: "none", dropout: 0 } },
    {
      // a bool mask broadcast over the batch; every row keeps at least its first key
      make: (gen) => {
        const m = boolMask([3, 4], gen);
        const first = tensor([1, 0, 0, 0], { dtype: "bool" });
        return [randn([2, 3, 2], gen), randn([2, 4, 2], gen), randn([2, 4, 3], gen), T.where(first, first, m)];
      },
      params: { scale: 0.6, causal: false, mask: "bool", dropout: 0 },
    },
    { shapes: [[2, 3, 2], [2, 3, 2], [2, 3, 2], [1, 3, 3]], params: { scale: 0.5, causal: true, mask: "float", dropout: 0 } },
    {
      make: (gen) => [randn([2, 3, 2], gen), randn([2, 4, 2], gen), randn([2, 4, 2], gen), boolMask([2, 3, 4], gen)],
      params: { scale: 0.5, causal: false, mask: "none", dropout: 0.25 },
      wrt: [0, 1, 2],
    },
  ],
});

export const attentionPrimitives = { scaledDotProductAttention };
