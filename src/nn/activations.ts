// Activation functions as modules (no parameters), for use inside Sequential and MLP.

import { ArgumentError } from "../core/errors.js";
import type { Tensor } from "../tensor/tensor.js";
import { relu, sigmoid, tanh } from "../tensor/ops/arith.js";
import { gelu, leakyRelu, silu, softplus } from "../tensor/ops/activations.js";
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

/** Activations that can be named by a string. */
export type ActivationName = "relu" | "leakyRelu" | "sigmoid" | "tanh" | "gelu" | "silu" | "softplus" | "identity";

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
    default:
      throw new ArgumentError(`activation: unknown activation '${String(name)}'`);
  }
}
