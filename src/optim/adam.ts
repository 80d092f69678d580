// Adam (Kingma & Ba, 2015) and AdamW (Loshchilov & Hutter, 2019), with PyTorch's arithmetic
// (torch.optim.Adam / AdamW, single-tensor path). With t counting this parameter's steps:
//
//   g ← ∓∇ (+ λ·p for Adam's L2 decay)          p ← p·(1 − lr·λ) first, for AdamW
//   m ← β₁·m + (1 − β₁)·g
//   v ← β₂·v + (1 − β₂)·g²
//   v̂max ← max(v̂max, v)                         (AMSGrad only; then v̂max replaces v below)
//   p ← p − (lr / (1 − β₁ᵗ)) · m / (√v / √(1 − β₂ᵗ) + ε)
//
// The bias corrections divide out the zero initialisation of m and v. Note where ε sits: added to
// the bias-corrected √v̂, as PyTorch does (the paper's Algorithm 1 too), so on the first step each
// coordinate moves by lr·g/(|g| + ε) ≈ lr·sign(g).

import { Tensor } from "../tensor/tensor.js";
import { scalar, zerosLike } from "../tensor/creation.js";
import { div, maximum, pow, sub } from "../tensor/ops/arith.js";
import { ArgumentError } from "../core/errors.js";
import { Optimizer, type ParamsInput } from "./optimizer.js";
import { checkBool, checkRange, defineRule, lrOf, oneMinusLrTimes, type OptimizerRule } from "./rule.js";
import "../tensor/methods.js"; // Tensor's methods, used below

export interface AdamHyper {
  lr: number;
  /** Decay rates (β₁, β₂) of the first and second moment averages. */
  betas: readonly [number, number];
  /** Added to the denominator for numerical stability. */
  eps: number;
  /** λ: L2 penalty added to the gradient (Adam) or decoupled decay of the weights (AdamW). */
  weightDecay: number;
  /** Use the running maximum of the second moment (Reddi et al., 2018). */
  amsgrad: boolean;
  /** Ascend instead of descend. */
  maximize: boolean;
}

export interface AdamState {
  [key: string]: Tensor | number | null;
  /**
   * Steps taken for this parameter: a float64 0-d tensor, as in PyTorch, so that the bias
   * corrections are computed by kernels and a compiled step (`tg.compile`) stays one plan.
   */
  step: Tensor;
  /** First moment m. */
  expAvg: Tensor;
  /** Second moment v. */
  expAvgSq: Tensor;
  /** Running maximum of v (AMSGrad), null otherwise. */
  maxExpAvgSq: Tensor | null;
}

function validate(name: string) {
  return (hp: AdamHyper): void => {
    const b = hp.betas;
    if (!Array.isArray(b) || b.length !== 2) throw new ArgumentError(`${name}: betas must be a pair [β₁, β₂], got ${String(b)}`);
    checkRange(name, "betas[0]", b[0], 0, 1);
    checkRange(name, "betas[1]", b[1], 0, 1);
    checkRange(name, "eps", hp.eps, 0);
    checkRange(name, "weightDecay", hp.weightDecay, 0);
    checkBool(name, "amsgrad", hp.amsgrad);
    checkBool(name, "maximize", hp.maximize);
  };
}

function adamStep(decoupled: boolean) {
  return (grad: Tensor, param: Tensor, s: AdamState, hp: AdamHyper): { param: Tensor; state: AdamState } => {
    const [beta1, beta2] = hp.betas;
    let g = hp.maximize ? grad.neg() : grad;
    let p = param;
    const step = s.step.add(1);
    if (decoupled) p = p.mul(oneMinusLrTimes(hp, hp.weightDecay, p.dtype));
    else if (hp.weightDecay !== 0) g = g.add(p.mul(hp.weightDecay));
    const expAvg = s.expAvg.mul(beta1).add(g.mul(1 - beta1));
    const expAvgSq = s.expAvgSq.mul(beta2).add(g.mul(1 - beta2).mul(g));
    // in float64, as PyTorch's Python floats; rounded to the parameter's dtype where they meet it
    const bc1 = sub(1, pow(beta1, step));
    const bc2 = sub(1, pow(beta2, step));
    const stepSize = div(lrOf(hp), bc1);
    let maxExpAvgSq: Tensor | null = null;
    let second = expAvgSq;
    if (hp.amsgrad) {
      maxExpAvgSq = maximum(s.maxExpAvgSq ?? zerosLike(expAvgSq), expAvgSq);
      second = maxExpAvgSq;
    }
    const denom = second.sqrt().div(bc2.sqrt().cast(param.dtype)).add(hp.eps);
    return { param: p.add(expAvg.mul(stepSize.neg().cast(param.dtype)).div(denom)), state: { step, expAvg, expAvgSq, maxExpAvgSq } };
  };
}

function adamInit(p: Tensor, hp: AdamHyper): AdamState {
  return { step: scalar(0, "float64"), expAvg: zerosLike(p), expAvgSq: zerosLike(p), maxExpAvgSq: hp.amsgrad ? zerosLike(p) : null };
}

/**
 * The pure Adam rule (L2 weight decay added to the gradient).
 * @example
 * let params = [tg.tensor([1, -1])];
 * let state = tg.optim.adam.init(params);
 * ({ params, state } = tg.optim.adam.update([tg.tensor([3, -5])], state, params, { lr: 0.1 })); // ≈ [0.9, -0.9]
 */
export const adam: OptimizerRule<AdamHyper, AdamState> = defineRule<AdamHyper, AdamState>({
  name: "Adam",
  defaults: { lr: 1e-3, betas: [0.9, 0.999], eps: 1e-8, weightDecay: 0, amsgrad: false, maximize: false },
  validate: validate("Adam"),
  initParam: adamInit,
  updateParam: adamStep(false),
});

/**
 * The pure AdamW rule: Adam with decoupled weight decay p ← p·(1 − lr·λ), default λ = 0.01.
 * @example
 * let params = [tg.tensor([1, -1])];
 * let state = tg.optim.adamw.init(params);
 * ({ params, state } = tg.optim.adamw.update([tg.tensor([3, -5])], state, params, { lr: 0.1 }));
 */
export const adamw: OptimizerRule<AdamHyper, AdamState> = defineRule<AdamHyper, AdamState>({
  name: "AdamW",
  defaults: { lr: 1e-3, betas: [0.9, 0.999], eps: 1e-8, weightDecay: 1e-2, amsgrad: false, maximize: false },
  validate: validate("AdamW"),
  initParam: adamInit,
  updateParam: adamStep(true),
});

/**
 * Adam (PyTorch's `torch.optim.Adam`: same defaults lr=1e-3, betas=[0.9, 0.999], eps=1e-8).
 * @example const opt = new tg.optim.Adam(model.parameters(), { lr: 1e-3 });
 */
export class Adam extends Optimizer<AdamHyper, AdamState> {
  constructor(params: ParamsInput<AdamHyper>, opts: Partial<AdamHyper> = {}) {
    super(adam, params, opts);
  }
}

/**
 * AdamW: Adam with decoupled weight decay (PyTorch's `torch.optim.AdamW`, weightDecay 1e-2).
 * @example const opt = new tg.optim.AdamW(model.parameters(), { lr: 1e-3, weightDecay: 0.1 });
 */
export class AdamW extends Optimizer<AdamHyper, AdamState> {
  constructor(params: ParamsInput<AdamHyper>, opts: Partial<AdamHyper> = {}) {
    super(adamw, params, opts);
  }
}
