// Activation functions built from primitives (no rules of their own: their derivatives come
// from the primitives they are made of).

import { floatOf, isFloat } from "../../core/dtype.js";
import { ArgumentError } from "../../core/errors.js";
import type { Tensor } from "../tensor.js";
import { abs, add, cast, eq, erf, exp, gt, log1p, maximum, minimum, mul, relu, sigmoid, tanh, where } from "./arith.js";

const f = (x: Tensor) => (isFloat(x.dtype) ? x : cast(x, floatOf(x.dtype)));

/** x for x > 0, slope·x otherwise. */
export function leakyRelu(x: Tensor, slope = 0.01): Tensor {
  const xf = f(x);
  return where(gt(xf, 0), xf, mul(xf, slope));
}

/**
 * GELU: x·Φ(x) = ½x(1 + erf(x/√2)) exactly, or with `approximate: "tanh"`
 * ½x(1 + tanh(√(2/π)(x + 0.044715x³))).
 */
export function gelu(x: Tensor, opts: { approximate?: "none" | "tanh" } = {}): Tensor {
  const xf = f(x);
  let y: Tensor;
  if (opts.approximate === "tanh") {
    const inner = mul(add(xf, mul(mul(mul(xf, xf), xf), 0.044715)), Math.sqrt(2 / Math.PI));
    y = mul(mul(xf, 0.5), add(tanh(inner), 1));
  } else {
    if (opts.approximate !== undefined && opts.approximate !== "none")
      throw new ArgumentError(`gelu: approximate must be "none" or "tanh", got "${String(opts.approximate)}"`);
    y = mul(mul(xf, 0.5), add(erf(mul(xf, Math.SQRT1_2)), 1));
  }
  // at x = −∞ both forms are (−∞)·0 = NaN, but the limit x·Φ(x) → 0 (PyTorch gives 0 too)
  return where(eq(xf, -Infinity), 0, y);
}

/** SiLU (swish): x·σ(x). */
export function silu(x: Tensor): Tensor {
  const xf = f(x);
  return mul(xf, sigmoid(xf));
}

/** softplus(x) = ln(1 + eˣ), computed as max(x, 0) + ln(1 + e^(−|x|)) so it never overflows. */
export function softplus(x: Tensor): Tensor {
  const xf = f(x);
  return add(relu(xf), log1p(exp(mul(abs(xf), -1))));
}

/** Limits x to [min, max] (either bound may be omitted). */
export function clamp(x: Tensor, lo?: number | null, hi?: number | null): Tensor {
  if (lo != null && hi != null && lo > hi) throw new ArgumentError(`clamp: min ${lo} is greater than max ${hi}`);
  let out = x;
  if (lo != null) out = maximum(out, lo);
  if (hi != null) out = minimum(out, hi);
  return out;
}

export { relu, sigmoid, tanh };
