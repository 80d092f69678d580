// User functions with their own derivative rules. Each becomes a primitive of kind "call" whose
// forward pass runs the function's tensor operations with recording switched off, so the
// custom rule replaces whatever the operations inside would have given. A customVjp call that is
// differentiated runs `fwd` instead, once, in the forward pass; its residuals are kept on the
// graph node for `bwd` (as in JAX), so the backward pass never runs the forward again.

import { runtime } from "../backend/runtime.js";
import { ArgumentError } from "../core/errors.js";
import { Tensor } from "../tensor/tensor.js";
import { erase, type CallPrimitive } from "../prims/define.js";
import { zerosLike } from "../tensor/creation.js";
import { bind } from "./bind.js";
import { jvp, vjp } from "./transforms.js";

type Fn = (...xs: Tensor[]) => Tensor;

function quiet(fn: Fn, xs: readonly Tensor[]): Tensor {
  const prev = runtime.gradEnabled;
  runtime.gradEnabled = false;
  try {
    return fn(...xs);
  } finally {
    runtime.gradEnabled = prev;
  }
}

/**
 * A function with a custom reverse-mode rule (JAX's custom_vjp). `fwd` returns the output and
 * the residuals the backward rule needs; `bwd(residuals, g)` returns one cotangent per input.
 * Forward mode differentiates `fn` itself.
 * @example
 * const clipGrad = tg.customVjp((x) => x, (x) => [x, []], (_r, g) => [g.clamp(-1, 1)]);
 */
export function customVjp<R>(fn: Fn, fwd: (...xs: Tensor[]) => [Tensor, R], bwd: (residuals: R, g: Tensor) => (Tensor | undefined)[]): Fn {
  const prim: CallPrimitive<Record<string, never>> = {
    name: `customVjp(${fn.name || "fn"})`,
    formula: { vjp: "x̄ = bwd(residuals, ḡ) (user rule)", jvp: "dy = jvp of fn" },
    kind: "call",
    infer: (xs) => {
      const out = quiet(fn, xs);
      return { shape: [...out.shape], dtype: out.dtype };
    },
    call: (xs) => quiet(fn, xs),
    fwd: (xs) => {
      const r = fwd(...xs);
      if (!Array.isArray(r) || r.length !== 2 || !(r[0] instanceof Tensor))
        throw new ArgumentError("customVjp: the forward rule must return [output, residuals]");
      return r;
    },
    vjp: (g, xs, { residuals }) => {
      const gs = bwd(residuals as R, g);
      if (gs.length !== xs.length) throw new ArgumentError(`customVjp: the backward rule returned ${gs.length} cotangents for ${xs.length} inputs`);
      return gs;
    },
    jvp: (xs, dxs) => jvp(fn, xs, xs.map((x, i) => dxs[i] ?? zerosLike(x)))[1],
    cases: [{ shapes: [[1]] }],
  };
  const erased = erase(prim);
  return (...xs: Tensor[]) => bind(erased, xs, {});
}

/**
 * A function with a custom forward-mode rule (JAX's custom_jvp): `rule(primals, tangents)`
 * returns the output's tangent. Reverse mode transposes that linear rule (by differentiating it
 * with respect to the tangents), so `grad` uses the custom rule too.
 * @example
 * // log(1 + eˣ) whose derivative σ(x) stays finite for large x
 * const log1pexp = tg.customJvp((x) => x.exp().log1p(), ([x], [dx]) => dx.mul(x.sigmoid()));
 */
export function customJvp(fn: Fn, rule: (primals: Tensor[], tangents: Tensor[]) => Tensor): Fn {
  const prim: CallPrimitive<Record<string, never>> = {
    name: `customJvp(${fn.name || "fn"})`,
    formula: { vjp: "x̄ = transpose of the user's JVP rule at ḡ", jvp: "dy = rule(x, dx) (user rule)" },
    kind: "call",
    infer: (xs) => {
      const out = quiet(fn, xs);
      return { shape: [...out.shape], dtype: out.dtype };
    },
    call: (xs) => quiet(fn, xs),
    jvp: (xs, dxs) => rule([...xs], xs.map((x, i) => dxs[i] ?? zerosLike(x))),
    vjp: (g, xs) => {
      const [, pull] = vjp((...ts) => rule([...xs], ts), ...xs.map((x) => zerosLike(x)));
      return pull(g);
    },
    cases: [{ shapes: [[1]] }],
  };
  const erased = erase(prim);
  return (...xs: Tensor[]) => bind(erased, xs, {});
}
