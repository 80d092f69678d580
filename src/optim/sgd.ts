// Stochastic gradient descent with momentum, dampening, Nesterov momentum and L2 weight decay,
// with PyTorch's arithmetic step for step (torch.optim.SGD):
//
//   g ← ∓∇ (minus when maximizing) + λ·p
//   b ← g                      on the first step (no dampening)
//   b ← μ·b + (1 − τ)·g        afterwards
//   g ← g + μ·b  (Nesterov)  or  g ← b
//   p ← p − lr·g
//
// Note the momentum form: the buffer accumulates raw gradients and lr multiplies the whole
// buffer (unlike Sutskever et al., where lr enters the buffer); the two agree for a fixed lr.

import { Tensor } from "../tensor/tensor.js";
import { ArgumentError } from "../core/errors.js";
import { Optimizer, type ParamsInput } from "./optimizer.js";
import { checkBool, checkRange, defineRule, negLr } from "./rule.js";
import "../tensor/methods.js"; // Tensor's methods, used below

export interface SGDHyper {
  lr: number;
  /** Momentum factor μ (0 = plain SGD). */
  momentum: number;
  /** Dampening τ applied to new gradients in the momentum buffer. */
  dampening: number;
  /** Nesterov momentum (needs momentum > 0 and dampening = 0). */
  nesterov: boolean;
  /** L2 penalty λ added to the gradient. */
  weightDecay: number;
  /** Ascend instead of descend. */
  maximize: boolean;
}

export interface SGDState {
  [key: string]: Tensor | number | null;
  /** The momentum buffer, null until the first step (and always without momentum). */
  momentumBuffer: Tensor | null;
}

/**
 * The pure SGD rule. `lr` is required.
 * @example
 * let params = [tg.tensor([1, 2])];
 * let state = tg.optim.sgd.init(params);
 * ({ params, state } = tg.optim.sgd.update([tg.tensor([1, 1])], state, params, { lr: 0.1 })); // [0.9, 1.9]
 */
export const sgd = defineRule<SGDHyper, SGDState>({
  name: "SGD",
  defaults: { momentum: 0, dampening: 0, nesterov: false, weightDecay: 0, maximize: false },
  validate(hp) {
    checkRange("SGD", "momentum", hp.momentum, 0);
    checkRange("SGD", "dampening", hp.dampening, -Infinity);
    checkRange("SGD", "weightDecay", hp.weightDecay, 0);
    checkBool("SGD", "nesterov", hp.nesterov);
    checkBool("SGD", "maximize", hp.maximize);
    if (hp.nesterov && (hp.momentum <= 0 || hp.dampening !== 0))
      throw new ArgumentError(`SGD: Nesterov momentum needs momentum > 0 and dampening = 0, got momentum=${hp.momentum}, dampening=${hp.dampening}`);
  },
  initParam: () => ({ momentumBuffer: null }),
  updateParam(grad, p, s, hp) {
    let g = hp.maximize ? grad.neg() : grad;
    if (hp.weightDecay !== 0) g = g.add(p.mul(hp.weightDecay));
    let buf = s.momentumBuffer;
    if (hp.momentum !== 0) {
      buf = buf === null ? g : buf.mul(hp.momentum).add(g.mul(1 - hp.dampening));
      g = hp.nesterov ? g.add(buf.mul(hp.momentum)) : buf;
    }
    return { param: p.add(g.mul(negLr(hp, g.dtype))), state: { momentumBuffer: buf } };
  },
});

/**
 * Stochastic gradient descent (PyTorch's `torch.optim.SGD`, same defaults and arithmetic).
 * @example
 * const opt = new tg.optim.SGD(model.parameters(), { lr: 0.1, momentum: 0.9 });
 * opt.zeroGrad(); loss.backward(); opt.step();
 */
export class SGD extends Optimizer<SGDHyper, SGDState> {
  constructor(params: ParamsInput<SGDHyper>, opts: Partial<SGDHyper> = {}) {
    super(sgd, params, opts);
  }
}
