// Activation functions built from primitives (no rules of their own: their derivatives come
// from the primitives they are made of).

import { floatOf, isFloat } from "../../core/dtype.js";
import { ArgumentError } from "../../core/errors.js";
import type { Tensor } from "../tensor.js";
import { add, cast, eq, erf, exp, ge, gt, le, log1p, lt, mul, relu, sigmoid, tanh, where } from "./arith.js";

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

/**
 * softplus(x) = ln(1 + eˣ), computed as [x > 0]·x + ln(1 + e^(−|x|)) so it never overflows.
 * −|x| is written where(x > 0, −x, x) rather than with abs, whose derivative sign(0) = 0 would
 * make the gradient 0 at x = 0 instead of σ(0) = ½ (the two pieces' derivatives are 1 − σ(−x)
 * and σ(x), both σ(x), so at 0 the gradient is ½, as in PyTorch).
 */
export function softplus(x: Tensor): Tensor {
  const xf = f(x);
  const positive = gt(xf, 0);
  return add(where(positive, xf, 0), log1p(exp(where(positive, mul(xf, -1), xf))));
}

/**
 * Limits x to [min, max] (either bound may be omitted, not both). As in PyTorch the gradient is 1
 * on the closed interval min ≤ x ≤ max, bounds included, and 0 outside; NaN stays NaN, with
 * gradient 0. (Built from maximum/minimum the gradient would be ½ at a bound, their tie rule.)
 * @example tg.clamp(tg.tensor([-2, 0.5, 3]), 0, 1) // [0, 0.5, 1]
 */
export function clamp(x: Tensor, lo?: number | null, hi?: number | null): Tensor {
  // y = x inside; outside, the bound crossed; where x is NaN (neither inside nor past a bound)
  // x itself, detached so that it carries no gradient, as PyTorch's mask gives
  const nan = x.detach();
  if (lo == null) {
    if (hi == null) throw new ArgumentError("clamp: at least one of min or max must not be null");
    return where(le(x, hi), x, where(gt(x, hi), hi, nan));
  }
  if (hi == null) return where(ge(x, lo), x, where(lt(x, lo), lo, nan));
  if (lo > hi) throw new ArgumentError(`clamp: min ${lo} is greater than max ${hi}`);
  return where(ge(x, lo), where(le(x, hi), x, hi), where(lt(x, lo), lo, nan));
}

export { relu, sigmoid, tanh };
