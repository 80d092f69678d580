// Activation functions built from primitives (no rules of their own: their derivatives come
// from the primitives they are made of). Exact GELU, the transformer's activation, is itself a
// primitive (prims/unary.ts), so a training step runs it as one kernel each way.

import { floatOf, isFloat } from "../../core/dtype.js";
import { ArgumentError, DTypeError, ShapeError, fmtShape } from "../../core/errors.js";
import { normAxis } from "../../core/shape.js";
import { Tensor } from "../tensor.js";
import { abs, add, cast, div, eq, exp, expm1, ge, geluPrimitive, gt, le, log1p, lt, mul, neg, relu, sigmoid, tanh, where } from "./arith.js";
import { reshape, split } from "./shape.js";

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
  const x0 = f(x);
  if (opts.approximate === "tanh") {
    const inner = mul(add(x0, mul(mul(mul(x0, x0), x0), 0.044715)), Math.sqrt(2 / Math.PI));
    // at x = −∞ the product is (−∞)·0 = NaN, but the limit x·Φ(x) is 0
    return where(eq(x0, -Infinity), 0, mul(mul(x0, 0.5), add(tanh(inner), 1)));
  }
  if (opts.approximate !== undefined && opts.approximate !== "none")
    throw new ArgumentError(`gelu: approximate must be "none" or "tanh", got "${String(opts.approximate)}"`);
  // one primitive (prims/unary.ts): one kernel forward and one backward, keeping only x for the
  // backward pass; gelu(−∞) is −0, the limit of x·Φ(x), with gradient 0 there
  return geluPrimitive(x0);
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

/** A finite number option, checked. */
function num(op: string, name: string, v: number): number {
  if (typeof v !== "number" || Number.isNaN(v)) throw new ArgumentError(`${op}: ${name} must be a number, got ${String(v)}`);
  return v;
}

/**
 * ELU: x for x > 0, α(eˣ − 1) otherwise (gradient α at 0, as PyTorch's).
 * @example tg.elu(tg.tensor([-1, 2])) // [-0.6321, 2]
 */
export function elu(x: Tensor, alpha = 1): Tensor {
  return eluScaled("elu", x, num("elu", "alpha", alpha), 1);
}

/**
 * α(e^(x·s) − 1) where x ≤ 0, x elsewhere (NaN included, as PyTorch's x ≤ 0 test sends it). The
 * exponential sees 0 where x > 0, so its derivative there (∞ at x = +∞) never meets where's zero
 * cotangent as 0·∞ = NaN.
 */
function eluScaled(op: string, x: Tensor, alpha: number, inputScale: number): Tensor {
  const xf = f(x);
  const negative = le(xf, 0);
  const safe = where(negative, xf, 0);
  return where(negative, mul(expm1(inputScale === 1 ? safe : mul(safe, inputScale)), alpha), xf);
}

/** CELU: x for x > 0, α(e^(x/α) − 1) otherwise. @example tg.celu(tg.tensor([-1, 2]), 2) */
export function celu(x: Tensor, alpha = 1): Tensor {
  if (num("celu", "alpha", alpha) === 0) throw new ArgumentError("celu: alpha must not be 0");
  return eluScaled("celu", x, alpha, 1 / alpha);
}

const SELU_ALPHA = 1.6732632423543772848170429916717;
const SELU_SCALE = 1.0507009873554804934193349852946;
/** SELU: scale·elu(x, α) with the self-normalizing constants α ≈ 1.6733, scale ≈ 1.0507. @example tg.selu(tg.tensor([1])) // [1.0507] */
export function selu(x: Tensor): Tensor {
  return mul(elu(x, SELU_ALPHA), SELU_SCALE);
}

/**
 * hardtanh: x clamped to [min, max]. As in PyTorch the gradient is 1 strictly inside and 0 at
 * and beyond the bounds; NaN stays NaN.
 * @example tg.hardtanh(tg.tensor([-2, 0.5, 3])) // [-1, 0.5, 1]
 */
export function hardtanh(x: Tensor, min = -1, max = 1): Tensor {
  if (!(num("hardtanh", "min", min) <= num("hardtanh", "max", max))) throw new ArgumentError(`hardtanh: min ${min} is greater than max ${max}`);
  const xf = f(x);
  return where(le(xf, min), min, where(ge(xf, max), max, xf));
}

/** min(max(x, 0), 6). @example tg.relu6(tg.tensor([-1, 3, 7])) // [0, 3, 6] */
export function relu6(x: Tensor): Tensor {
  return hardtanh(x, 0, 6);
}

/**
 * relu6(x + 3)/6: 0 at and below −3, 1 at and above 3, x/6 + ½ between; the gradient is 1/6
 * strictly inside and 0 elsewhere, NaN included, as PyTorch's.
 * @example tg.hardsigmoid(tg.tensor([0])) // [0.5]
 */
export function hardsigmoid(x: Tensor): Tensor {
  const xf = f(x);
  // NaN fails every test: it comes out as itself, detached (no gradient)
  return where(gt(xf, -3), where(lt(xf, 3), add(div(xf, 6), 0.5), where(ge(xf, 3), 1, xf.detach())), where(le(xf, -3), 0, xf.detach()));
}

/**
 * x·relu6(x + 3)/6. Piecewise as PyTorch differentiates it: 0 below −3, x(x + 3)/6 on [−3, 3]
 * (so the gradient is −½ at −3 and 3/2 at 3), x above (NaN included). The polynomial sees 0
 * outside [−3, 3], so an infinite x gives no 0·∞ = NaN in its gradient.
 * @example tg.hardswish(tg.tensor([-4, 1, 4])) // [0, 0.6667, 4]
 */
export function hardswish(x: Tensor): Tensor {
  const xf = f(x);
  const below = lt(xf, -3);
  const inside = where(below, false, le(xf, 3));
  const m = where(inside, xf, 0);
  return where(below, 0, where(inside, div(mul(m, add(m, 3)), 6), xf));
}

/** Mish: x·tanh(softplus(x)). @example tg.mish(tg.tensor([1])) // [0.8651] */
export function mish(x: Tensor): Tensor {
  const xf = f(x);
  return mul(xf, tanh(softplus(xf)));
}

/** x/(1 + |x|). @example tg.softsign(tg.tensor([1])) // [0.5] */
export function softsign(x: Tensor): Tensor {
  const xf = f(x);
  return div(xf, add(abs(xf), 1));
}

/** log σ(x) = −softplus(−x), finite for every finite x. @example tg.logsigmoid(tg.tensor([0])) // [-0.6931] */
export function logsigmoid(x: Tensor): Tensor {
  return neg(softplus(neg(f(x))));
}

/**
 * Gated linear unit: the `axis` (default −1) is halved into a and b, giving a·σ(b). The axis
 * must have even size.
 * @example tg.glu(tg.tensor([1, 2, 0, 0])) // [0.5, 1]
 */
export function glu(x: Tensor, axis = -1): Tensor {
  if (!(x instanceof Tensor)) throw new ArgumentError("glu: input must be a tensor");
  if (x.ndim === 0) throw new ShapeError("glu: input must have at least one axis, got shape []");
  const a = normAxis("glu", axis, x.ndim);
  const n = x.shape[a];
  if (n % 2 !== 0) throw new ShapeError(`glu: axis ${axis} of input ${fmtShape(x.shape)} has odd size ${n}; it must halve evenly`);
  const [first, second] = split(f(x), n / 2, a);
  return mul(first, sigmoid(second));
}

/**
 * PReLU: x for x > 0, w·x otherwise, with one learnable slope (weight of size 1) or one per
 * channel (axis 1 of x; weight of size C). Inputs of rank < 2 have one channel.
 * @example tg.prelu(tg.tensor([[-1, 2]]), tg.tensor([0.25])) // [[-0.25, 2]]
 */
export function prelu(x: Tensor, weight: Tensor): Tensor {
  if (!(x instanceof Tensor) || !(weight instanceof Tensor)) throw new ArgumentError("prelu: input and weight must be tensors");
  if (!isFloat(x.dtype) || !isFloat(weight.dtype))
    throw new DTypeError(`prelu: input and weight must be float32 or float64, got ${x.dtype}${fmtShape(x.shape)} and ${weight.dtype}${fmtShape(weight.shape)}`);
  const channels = x.ndim >= 2 ? x.shape[1] : 1;
  if (weight.ndim > 1 || (weight.size !== 1 && weight.size !== channels))
    throw new ShapeError(
      `prelu: weight ${fmtShape(weight.shape)} must hold 1 or ${channels} values (the channels, axis 1 of input ${fmtShape(x.shape)})`,
    );
  const w = weight.size === 1 || x.ndim < 2 ? reshape(weight, []) : reshape(weight, [channels, ...x.shape.slice(2).map(() => 1)]);
  return where(gt(x, 0), x, mul(w, x));
}

export { relu, sigmoid, tanh };
