// Modules made of modules: Sequential (a chain), MLP (Linear layers with an activation between
// them) and Residual (x + f(x)).

import type { DType } from "../core/dtype.js";
import { ArgumentError, ShapeError, fmtShape } from "../core/errors.js";
import { shapesEqual } from "../core/shape.js";
import type { Generator } from "../random/generator.js";
import type { Tensor } from "../tensor/tensor.js";
import { add } from "../tensor/ops/arith.js";
import { activation as makeActivation, type ActivationName } from "./activations.js";
import { Linear, type LinearInit } from "./layers.js";
import { Module } from "./module.js";

/**
 * Applies its modules in order, each to the previous one's output. The layers are named `0`,
 * `1`, … (parameters `0.weight`, `1.bias`, …), as in PyTorch.
 * @example
 * const net = new nn.Sequential(new nn.Linear(2, 8), new nn.Tanh(), new nn.Linear(8, 1));
 * net.call(tg.randn([5, 2])).shape // [5, 1]
 */
export class Sequential extends Module {
  readonly layers: Module[];

  constructor(...modules: Module[]) {
    super();
    modules.forEach((m, i) => {
      if (!(m instanceof Module)) throw new ArgumentError(`Sequential: argument ${i} is not a Module`);
    });
    this.layers = modules;
  }

  protected override ownEntries(): [string, unknown][] {
    return this.layers.map((m, i) => [String(i), m]);
  }

  /** Adds a module at the end; returns this. */
  append(m: Module): this {
    if (!(m instanceof Module)) throw new ArgumentError("Sequential.append: argument is not a Module");
    this.layers.push(m);
    return this;
  }

  /** Number of layers. */
  get length(): number {
    return this.layers.length;
  }

  /** The layer at `i` (negative counts from the end). */
  at(i: number): Module | undefined {
    return this.layers.at(i);
  }

  forward(x: Tensor): Tensor {
    let y = x;
    for (const m of this.layers) y = m.forward(y);
    return y;
  }
}

export interface MLPOpts {
  /** Activation between layers (none after the last): a name or a module. Default "relu". */
  activation?: ActivationName | Module;
  /** Initialization of every Linear layer (see LinearInit). Default "default". */
  init?: LinearInit;
  dtype?: DType;
  /** Source of the initial values, drawn layer by layer; the default generator when absent. */
  generator?: Generator;
  /** Give each Linear layer a bias (default true). */
  bias?: boolean;
}

/**
 * A multilayer perceptron: Linear(sizes[0] → sizes[1]), activation, …, Linear(… → sizes[n−1]),
 * with no activation after the last layer. Parameters are named `layers.<i>.weight` and
 * `layers.<i>.bias`.
 * @example
 * const mlp = new nn.MLP([2, 16, 4], { activation: "tanh", generator: tg.random.generator(0) });
 * mlp.numParameters() // (2·16 + 16) + (16·4 + 4) = 116
 */
export class MLP extends Module {
  readonly layers: Linear[];
  readonly activation: Module;

  constructor(sizes: readonly number[], opts: MLPOpts = {}) {
    super();
    if (!Array.isArray(sizes) || sizes.length < 2)
      throw new ArgumentError(`MLP: sizes must list at least an input and an output size, got [${String(sizes)}]`);
    const bad = sizes.findIndex((n) => !Number.isInteger(n) || n < 0);
    if (bad >= 0) throw new ArgumentError(`MLP: layer sizes must be non-negative integers, got ${String(sizes[bad])} at position ${bad} of [${sizes.join(", ")}]`);
    const layerOpts = { bias: opts.bias, dtype: opts.dtype, generator: opts.generator, init: opts.init };
    this.layers = [];
    for (let i = 0; i + 1 < sizes.length; i++) this.layers.push(new Linear(sizes[i], sizes[i + 1], layerOpts));
    const act = opts.activation ?? "relu";
    this.activation = act instanceof Module ? act : makeActivation(act);
  }

  forward(x: Tensor): Tensor {
    let y = x;
    this.layers.forEach((layer, i) => {
      y = layer.forward(y);
      if (i < this.layers.length - 1) y = this.activation.forward(y);
    });
    return y;
  }
}

/**
 * A skip connection: y = x + body(x). The body must preserve the shape.
 * @example new nn.Residual(new nn.Sequential(new nn.Linear(8, 8), new nn.ReLU()))
 */
export class Residual extends Module {
  readonly body: Module;

  constructor(body: Module) {
    super();
    if (!(body instanceof Module)) throw new ArgumentError("Residual: argument is not a Module");
    this.body = body;
  }

  forward(x: Tensor): Tensor {
    const fx = this.body.forward(x);
    if (!shapesEqual(fx.shape, x.shape))
      throw new ShapeError(`Residual: the body maps ${fmtShape(x.shape)} to ${fmtShape(fx.shape)}; a residual needs the same shape`);
    return add(x, fx);
  }
}
