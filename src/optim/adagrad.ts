// Adagrad (Duchi, Hazan & Singer, 2011), with PyTorch's arithmetic (torch.optim.Adagrad):
//
//   g ← ∓∇ + λ·p
//   η ← lr / (1 + (t − 1)·lrDecay)      (t counts this parameter's steps from 1)
//   s ← s + g²                          (s starts at initialAccumulatorValue)
//   p ← p − η·g/(√s + ε)

import { Tensor } from "../tensor/tensor.js";
import { fullLike, scalar } from "../tensor/creation.js";
import { add, div, mul, sub } from "../tensor/ops/arith.js";
import { Optimizer, type ParamsInput } from "./optimizer.js";
import { checkBool, checkRange, defineRule, lrOf } from "./rule.js";
import "../tensor/methods.js"; // Tensor's methods, used below

export interface AdagradHyper {
  lr: number;
  /** Learning-rate decay per step. */
  lrDecay: number;
  /** L2 penalty λ added to the gradient. */
  weightDecay: number;
  /** Starting value of the sum of squared gradients (used when the state is created). */
  initialAccumulatorValue: number;
  eps: number;
  /** Ascend instead of descend. */
  maximize: boolean;
}

export interface AdagradState {
  [key: string]: Tensor | number | null;
  /** Steps taken for this parameter: a float64 0-d tensor, as in PyTorch (see AdamState). */
  step: Tensor;
  /** Sum of squared gradients. */
  sum: Tensor;
}

/**
 * The pure Adagrad rule.
 * @example
 * let params = [tg.tensor([1])];
 * let state = tg.optim.adagrad.init(params);
 * ({ params, state } = tg.optim.adagrad.update([tg.tensor([2])], state, params, { lr: 0.1 })); // 1 − 0.1·2/2 = 0.9
 */
export const adagrad = defineRule<AdagradHyper, AdagradState>({
  name: "Adagrad",
  defaults: { lr: 1e-2, lrDecay: 0, weightDecay: 0, initialAccumulatorValue: 0, eps: 1e-10, maximize: false },
  validate(hp) {
    checkRange("Adagrad", "lrDecay", hp.lrDecay, 0);
    checkRange("Adagrad", "weightDecay", hp.weightDecay, 0);
    checkRange("Adagrad", "initialAccumulatorValue", hp.initialAccumulatorValue, 0);
    checkRange("Adagrad", "eps", hp.eps, 0);
    checkBool("Adagrad", "maximize", hp.maximize);
  },
  initParam: (p, hp) => ({ step: scalar(0, "float64"), sum: fullLike(p, hp.initialAccumulatorValue) }),
  updateParam(grad, p, s, hp) {
    const step = s.step.add(1);
    let g = hp.maximize ? grad.neg() : grad;
    if (hp.weightDecay !== 0) g = g.add(p.mul(hp.weightDecay));
    // in float64, as PyTorch's Python floats; rounded to the parameter's dtype where it meets it
    const clr = div(lrOf(hp), add(1, mul(sub(step, 1), hp.lrDecay)));
    const sum = s.sum.add(g.mul(g));
    const std = sum.sqrt().add(hp.eps);
    return { param: p.add(g.mul(clr.neg().cast(p.dtype)).div(std)), state: { step, sum } };
  },
});

/**
 * Adagrad (PyTorch's `torch.optim.Adagrad`: lr=1e-2, eps=1e-10).
 * @example const opt = new tg.optim.Adagrad(model.parameters(), { lr: 0.1 });
 */
export class Adagrad extends Optimizer<AdagradHyper, AdagradState> {
  constructor(params: ParamsInput<AdagradHyper>, opts: Partial<AdagradHyper> = {}) {
    super(adagrad, params, opts);
  }
}
