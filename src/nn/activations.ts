// Activation functions as modules (no parameters), for use inside Sequential and MLP.

import { ArgumentError } from "../core/errors.js";
import type { Tensor } from "../tensor/tensor.js";
import { relu, sigmoid, tanh } from "../tensor/ops/arith.js";
import { gelu, leakyRelu, silu, softplus } from "../tensor/ops/activations.js";
import * as Act from "../tensor/ops/activations.js";
import type { DType } from "../core/dtype.js";
import * as init from "./init.js";
import { Module } from "./module.js";

/** max(x, 0). @example new nn.ReLU().call(tg.tensor([-1, 2])) // [0, 2] */
export class ReLU extends Module {
  forward(x: Tensor): Tensor {
    return relu(x);
  }
}

/** x for x > 0, slope·x otherwise. @example new nn.LeakyReLU(0.1).call(tg.tensor([-1, 2])) // [-0.1, 2] */
export class LeakyReLU extends Module {
  constructor(readonly negativeSlope = 0.01) {
    super();
    if (typeof negativeSlope !== "number" || !Number.isFinite(negativeSlope))
      throw new ArgumentError(`LeakyReLU: negativeSlope must be a finite number, got ${String(negativeSlope)}`);
  }
  forward(x: Tensor): Tensor {
    return leakyRelu(x, this.negativeSlope);
  }
  override extraRepr(): string {
    return `negativeSlope=${this.negativeSlope}`;
  }
}

/** σ(x) = 1/(1 + e^(−x)). @example new nn.Sigmoid().call(tg.tensor([0])) // [0.5] */
export class Sigmoid extends Module {
  forward(x: Tensor): Tensor {
    return sigmoid(x);
  }
}

/** tanh(x). @example new nn.Tanh().call(tg.tensor([0])) // [0] */
export class Tanh extends Module {
  forward(x: Tensor): Tensor {
    return tanh(x);
  }
}

/** x·Φ(x), exact (erf) or with `approximate: "tanh"`. @example new nn.GELU({ approximate: "tanh" }) */
export class GELU extends Module {
  readonly approximate: "none" | "tanh";
  constructor(opts: { approximate?: "none" | "tanh" } = {}) {
    super();
    this.approximate = opts.approximate ?? "none";
  }
  forward(x: Tensor): Tensor {
    return gelu(x, { approximate: this.approximate });
  }
  override extraRepr(): string {
    return this.approximate === "none" ? "" : `approximate=${this.approximate}`;
  }
}

/** x·σ(x) (swish). @example new nn.SiLU().call(tg.tensor([0])) // [0] */
export class SiLU extends Module {
  forward(x: Tensor): Tensor {
    return silu(x);
  }
}

/** ln(1 + eˣ), overflow-free. @example new nn.Softplus().call(tg.tensor([0])) // [0.6931] */
export class Softplus extends Module {
  forward(x: Tensor): Tensor {
    return softplus(x);
  }
}

/** Returns its input. @example new nn.Identity().call(x) // x */
export class Identity extends Module {
  forward(x: Tensor): Tensor {
    return x;
  }
}

/** x for x > 0, α(eˣ − 1) otherwise. @example new nn.ELU().call(tg.tensor([-1, 2])) // [-0.6321, 2] */
export class ELU extends Module {
  constructor(readonly alpha = 1) {
    super();
  }
  forward(x: Tensor): Tensor {
    return Act.elu(x, this.alpha);
  }
  override extraRepr(): string {
    return `alpha=${this.alpha}`;
  }
}

/** x for x > 0, α(e^(x/α) − 1) otherwise. @example new nn.CELU(2).call(x) */
export class CELU extends Module {
  constructor(readonly alpha = 1) {
    super();
  }
  forward(x: Tensor): Tensor {
    return Act.celu(x, this.alpha);
  }
  override extraRepr(): string {
    return `alpha=${this.alpha}`;
  }
}

/** scale·elu(x, α), self-normalizing. @example new nn.SELU().call(x) */
export class SELU extends Module {
  forward(x: Tensor): Tensor {
    return Act.selu(x);
  }
}

/** min(max(x, 0), 6). @example new nn.ReLU6().call(tg.tensor([-1, 7])) // [0, 6] */
export class ReLU6 extends Module {
  forward(x: Tensor): Tensor {
    return Act.relu6(x);
  }
}

/** x clamped to [min, max] (default [−1, 1]). @example new nn.Hardtanh(-2, 2).call(x) */
export class Hardtanh extends Module {
  constructor(readonly min = -1, readonly max = 1) {
    super();
    if (!(min <= max)) throw new ArgumentError(`Hardtanh: min ${min} is greater than max ${max}`);
  }
  forward(x: Tensor): Tensor {
    return Act.hardtanh(x, this.min, this.max);
  }
  override extraRepr(): string {
    return `min=${this.min}, max=${this.max}`;
  }
}

/** relu6(x + 3)/6. @example new nn.Hardsigmoid().call(tg.tensor([0])) // [0.5] */
export class Hardsigmoid extends Module {
  forward(x: Tensor): Tensor {
    return Act.hardsigmoid(x);
  }
}

/** x·relu6(x + 3)/6. @example new nn.Hardswish().call(x) */
export class Hardswish extends Module {
  forward(x: Tensor): Tensor {
    return Act.hardswish(x);
  }
}

/** x·tanh(softplus(x)). @example new nn.Mish().call(x) */
export class Mish extends Module {
  forward(x: Tensor): Tensor {
    return Act.mish(x);
  }
}

/** x/(1 + |x|). @example new nn.Softsign().call(tg.tensor([1])) // [0.5] */
export class Softsign extends Module {
  forward(x: Tensor): Tensor {
    return Act.softsign(x);
  }
}

/** log σ(x). @example new nn.LogSigmoid().call(tg.tensor([0])) // [-0.6931] */
export class LogSigmoid extends Module {
  forward(x: Tensor): Tensor {
    return Act.logsigmoid(x);
  }
}

/** Gated linear unit along `axis` (default −1): a·σ(b) of the two halves. @example new nn.GLU().call(tg.tensor([1, 2, 0, 0])) // [0.5, 1] */
export class GLU extends Module {
  constructor(readonly axis = -1) {
    super();
  }
  forward(x: Tensor): Tensor {
    return Act.glu(x, this.axis);
  }
  override extraRepr(): string {
    return `axis=${this.axis}`;
  }
}

export interface PReLUOpts {
  /** Number of learnable slopes: 1 (shared) or the channels C (axis 1 of the input). Default 1. */
  numParameters?: number;
  /** Initial slope. Default 0.25, as in PyTorch. */
  init?: number;
  dtype?: DType;
}

/**
 * PReLU with a learnable negative slope (one shared, or one per channel).
 * @example const act = new nn.PReLU({ numParameters: 3 }); act.call(x) // x [N, 3, …]
 */
export class PReLU extends Module {
  weight: Tensor;
  constructor(opts: PReLUOpts = {}) {
    super();
    const n = opts.numParameters ?? 1;
    if (!Number.isInteger(n) || n <= 0) throw new ArgumentError(`PReLU: numParameters must be a positive integer, got ${n}`);
    this.weight = init.constant([n], opts.init ?? 0.25, { dtype: opts.dtype }).setRequiresGrad();
  }
  forward(x: Tensor): Tensor {
    return Act.prelu(x, this.weight);
  }
  override extraRepr(): string {
    return `numParameters=${this.weight.size}`;
  }
}

/** Activations that can be named by a string. */
export type ActivationName =
  | "relu" | "leakyRelu" | "sigmoid" | "tanh" | "gelu" | "silu" | "softplus" | "identity"
  | "elu" | "celu" | "selu" | "relu6" | "hardtanh" | "hardsigmoid" | "hardswish" | "mish" | "softsign" | "logsigmoid";

/**
 * The activation module for a name.
 * @example activation("tanh") // new Tanh()
 */
export function activation(name: ActivationName): Module {
  switch (name) {
    case "relu":
      return new ReLU();
    case "leakyRelu":
      return new LeakyReLU();
    case "sigmoid":
      return new Sigmoid();
    case "tanh":
      return new Tanh();
    case "gelu":
      return new GELU();
    case "silu":
      return new SiLU();
    case "softplus":
      return new Softplus();
    case "identity":
      return new Identity();
    case "elu":
      return new ELU();
    case "celu":
      return new CELU();
    case "selu":
      return new SELU();
    case "relu6":
      return new ReLU6();
    case "hardtanh":
      return new Hardtanh();
    case "hardsigmoid":
      return new Hardsigmoid();
    case "hardswish":
      return new Hardswish();
    case "mish":
      return new Mish();
    case "softsign":
      return new Softsign();
    case "logsigmoid":
      return new LogSigmoid();
    default:
      throw new ArgumentError(`activation: unknown activation '${String(name)}'`);
  }
}
