// RMSprop (Hinton's lecture 6e), with PyTorch's arithmetic (torch.optim.RMSprop):
//
//   g ← ∓∇ + λ·p
//   v ← α·v + (1 − α)·g²
//   a ← α·a + (1 − α)·g,  d ← √(v − a²) + ε     (centered: divide by an estimate of the variance)
//   d ← √v + ε                                  (otherwise)
//   b ← μ·b + g/d,  p ← p − lr·b               (with momentum μ > 0)
//   p ← p − lr·g/d                              (otherwise)
//
// ε is added outside the square root, as in PyTorch (TensorFlow adds it inside).

import { Tensor } from "../tensor/tensor.js";
import { scalar, zerosLike } from "../tensor/creation.js";
import { Optimizer, type ParamsInput } from "./optimizer.js";
import { checkBool, checkRange, defineRule, negLr } from "./rule.js";
import "../tensor/methods.js"; // Tensor's methods, used below

export interface RMSpropHyper {
  lr: number;
  /** Smoothing constant α of the squared-gradient average. */
  alpha: number;
  eps: number;
  /** L2 penalty λ added to the gradient. */
  weightDecay: number;
  /** Momentum factor μ. */
  momentum: number;
  /** Normalize by the estimated variance instead of the raw second moment. */
  centered: boolean;
  /** Ascend instead of descend. */
  maximize: boolean;
}

export interface RMSpropState {
  [key: string]: Tensor | number | null;
  /** Steps taken for this parameter: a float64 0-d tensor, as in PyTorch (see AdamState). */
  step: Tensor;
  /** Running average of g². */
  squareAvg: Tensor;
  /** Running average of g (centered only), null otherwise. */
  gradAvg: Tensor | null;
  /** Momentum buffer (momentum > 0 only), null otherwise. */
  momentumBuffer: Tensor | null;
}

/**
 * The pure RMSprop rule.
 * @example
 * let params = [tg.tensor([1])];
 * let state = tg.optim.rmsprop.init(params);
 * ({ params, state } = tg.optim.rmsprop.update([tg.tensor([2])], state, params, { lr: 0.01 })); // 1 − 0.01·2/√0.04 = 0.9
 */
export const rmsprop = defineRule<RMSpropHyper, RMSpropState>({
  name: "RMSprop",
  defaults: { lr: 1e-2, alpha: 0.99, eps: 1e-8, weightDecay: 0, momentum: 0, centered: false, maximize: false },
  validate(hp) {
    checkRange("RMSprop", "alpha", hp.alpha, 0);
    checkRange("RMSprop", "eps", hp.eps, 0);
    checkRange("RMSprop", "weightDecay", hp.weightDecay, 0);
    checkRange("RMSprop", "momentum", hp.momentum, 0);
    checkBool("RMSprop", "centered", hp.centered);
    checkBool("RMSprop", "maximize", hp.maximize);
  },
  initParam: (p, hp) => ({
    step: scalar(0, "float64"),
    squareAvg: zerosLike(p),
    gradAvg: hp.centered ? zerosLike(p) : null,
    momentumBuffer: hp.momentum > 0 ? zerosLike(p) : null,
  }),
  updateParam(grad, p, s, hp) {
    let g = hp.maximize ? grad.neg() : grad;
    if (hp.weightDecay !== 0) g = g.add(p.mul(hp.weightDecay));
    const squareAvg = s.squareAvg.mul(hp.alpha).add(g.mul(1 - hp.alpha).mul(g));
    let gradAvg: Tensor | null = null;
    let avg: Tensor;
    if (hp.centered) {
      gradAvg = (s.gradAvg ?? zerosLike(p)).mul(hp.alpha).add(g.mul(1 - hp.alpha));
      avg = squareAvg.sub(gradAvg.mul(gradAvg)).sqrt();
    } else avg = squareAvg.sqrt();
    avg = avg.add(hp.eps);
    let momentumBuffer: Tensor | null = null;
    let param: Tensor;
    if (hp.momentum > 0) {
      momentumBuffer = (s.momentumBuffer ?? zerosLike(p)).mul(hp.momentum).add(g.div(avg));
      param = p.add(momentumBuffer.mul(negLr(hp, p.dtype)));
    } else param = p.add(g.mul(negLr(hp, p.dtype)).div(avg));
    return { param, state: { step: s.step.add(1), squareAvg, gradAvg, momentumBuffer } };
  },
});

/**
 * RMSprop (PyTorch's `torch.optim.RMSprop`: lr=1e-2, alpha=0.99, eps=1e-8).
 * @example const opt = new tg.optim.RMSprop(model.parameters(), { lr: 1e-3, momentum: 0.9 });
 */
export class RMSprop extends Optimizer<RMSpropHyper, RMSpropState> {
  constructor(params: ParamsInput<RMSpropHyper>, opts: Partial<RMSpropHyper> = {}) {
    super(rmsprop, params, opts);
  }
}
