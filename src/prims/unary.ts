// Elementwise unary primitives. Each is defined by its derivative f'(x) (given x and y = f(x)),
// from which both rules follow: JVP dy = f'(x)·dx and VJP x̄ = f'(x)·ȳ.

import type { UnaryOp } from "../backend/kernel.js";
import type { Tensor } from "../tensor/tensor.js";
import { definePrimitive, type Case, type Formula, type Primitive } from "./define.js";
import { elemArg } from "./elementwise-util.js";
import * as T from "./exact.js";

type Deriv = ((x: Tensor, y: Tensor) => Tensor) | null;

function unary(op: UnaryOp, deriv: Deriv, formula: Formula, cases: readonly [Case<Record<string, never>>, ...Case<Record<string, never>>[]]): Primitive<Record<string, never>> {
  return definePrimitive({
    name: op,
    formula,
    kind: "compute",
    infer: ([x]) => ({ shape: x.shape, dtype: x.dtype }),
    kernel: (be, [x], _p, out) => be.unary(op, elemArg(x, out.shape), out.shape, out.dtype),
    vjp: deriv && ((g, [x], { out }) => [T.mul(g, deriv(x, out))]),
    jvp: deriv && (([x], [dx], { out }) => dx && T.mul(dx, deriv(x, out))),
    cases,
  });
}

const unbounded: [Case<Record<string, never>>, ...Case<Record<string, never>>[]] = [{ shapes: [[3, 4]] }, { shapes: [[]] }];
const positive = [{ shapes: [[3, 4]], domain: [0.2, 3] }, { shapes: [[5]], domain: [0.5, 2] }] as const;
const kinked = [{ shapes: [[3, 4]], smooth: false }] as const;

// d(−x) = −dx
export const neg = definePrimitive({
  name: "neg",
  formula: { vjp: "x̄ = −ḡ", jvp: "dy = −dx" },
  kind: "compute",
  infer: ([x]) => ({ shape: x.shape, dtype: x.dtype }),
  kernel: (be, [x], _p, out) => be.unary("neg", elemArg(x, out.shape), out.shape, out.dtype),
  vjp: (g) => [T.neg(g)],
  jvp: (_x, [dx]) => dx && T.neg(dx),
  cases: unbounded,
});
// d|x| = sign(x)·dx (kink at 0, where sign gives 0)
export const abs = unary("abs", (x) => T.sign(x), { vjp: "x̄ = ḡ·sign(x)", jvp: "dy = sign(x)·dx" }, kinked);
// sign is piecewise constant: zero derivative almost everywhere
export const sign = definePrimitive({
  name: "sign",
  formula: { vjp: "x̄ = 0", jvp: "dy = 0" },
  kind: "compute",
  infer: ([x]) => ({ shape: x.shape, dtype: x.dtype }),
  kernel: (be, [x], _p, out) => be.unary("sign", elemArg(x, out.shape), out.shape, out.dtype),
  vjp: () => [undefined],
  jvp: () => undefined,
  cases: kinked,
});
// d eˣ = eˣ dx
export const exp = unary("exp", (_x, y) => y, { vjp: "x̄ = ḡ·y", jvp: "dy = y·dx" }, unbounded);
// d ln x = dx / x
export const log = unary("log", (x) => T.reciprocal(x), { vjp: "x̄ = ḡ / x", jvp: "dy = dx / x" }, positive);
// d ln(1+x) = dx / (1+x)
export const log1p = unary("log1p", (x) => T.reciprocal(T.add(x, T.constLike(x, 1))), { vjp: "x̄ = ḡ / (1 + x)", jvp: "dy = dx / (1 + x)" }, [{ shapes: [[3, 4]], domain: [-0.5, 3] }]);
// d(eˣ − 1) = eˣ dx = (y + 1) dx
export const expm1 = unary("expm1", (_x, y) => T.add(y, T.constLike(y, 1)), { vjp: "x̄ = ḡ·(y + 1)", jvp: "dy = (y + 1)·dx" }, unbounded);
// d√x = dx / (2√x)
export const sqrt = unary("sqrt", (_x, y) => T.div(T.constLike(y, 0.5), y), { vjp: "x̄ = ḡ / (2y)", jvp: "dy = dx / (2y)" }, positive);
// d x^(−½) = −½ x^(−3/2) dx = −½ · y / x · dx
export const rsqrt = unary("rsqrt", (x, y) => T.mul(T.div(y, x), T.constLike(x, -0.5)), { vjp: "x̄ = −½ḡ·y / x", jvp: "dy = −½y·dx / x" }, positive);
// d sin x = cos x dx
export const sin = unary("sin", (x) => T.cos(x), { vjp: "x̄ = ḡ·cos x", jvp: "dy = cos x·dx" }, unbounded);
// d cos x = −sin x dx
export const cos = unary("cos", (x) => T.neg(T.sin(x)), { vjp: "x̄ = −ḡ·sin x", jvp: "dy = −sin x·dx" }, unbounded);
// d tanh x = (1 − tanh² x) dx
export const tanh = unary("tanh", (_x, y) => T.sub(T.constLike(y, 1), T.mul(y, y)), { vjp: "x̄ = ḡ·(1 − y²)", jvp: "dy = (1 − y²)·dx" }, unbounded);
// d σ(x) = σ(x)(1 − σ(x)) dx
export const sigmoid = unary("sigmoid", (_x, y) => T.mul(y, T.sub(T.constLike(y, 1), y)), { vjp: "x̄ = ḡ·y(1 − y)", jvp: "dy = y(1 − y)·dx" }, unbounded);
// d erf x = (2/√π) e^(−x²) dx
export const erf = unary("erf", (x) => T.mul(T.exp(T.neg(T.mul(x, x))), T.constLike(x, 2 / Math.sqrt(Math.PI))), { vjp: "x̄ = ḡ·(2/√π)e^(−x²)", jvp: "dy = (2/√π)e^(−x²)·dx" }, unbounded);
// d gelu x = (Φ(x) + x·φ(x)) dx with Φ(x) = ½(1 + erf(x/√2)), φ(x) = e^(−x²/2)/√(2π). The factor x
// of x·φ(x) is raised to the lowest finite value, so at −∞ it is (lowest)·0 = −0 and the
// derivative is 0, the limit (each use of x stays a plain read, so the rule fuses into one kernel)
const LOWEST = { float32: -3.4028234663852886e38, float64: -Number.MAX_VALUE } as Record<string, number>;
export const gelu = unary(
  "gelu",
  (x) => {
    const cdf = T.mul(T.add(T.erf(T.mul(x, T.constLike(x, Math.SQRT1_2))), T.constLike(x, 1)), T.constLike(x, 0.5));
    const pdf = T.mul(T.exp(T.mul(T.mul(x, x), T.constLike(x, -0.5))), T.constLike(x, 1 / Math.sqrt(2 * Math.PI)));
    return T.add(cdf, T.mul(T.maximum(x, T.constLike(x, LOWEST[x.dtype] ?? -Infinity)), pdf));
  },
  { vjp: "x̄ = ḡ·(Φ(x) + x·φ(x))", jvp: "dy = (Φ(x) + x·φ(x))·dx" },
  unbounded,
);
// d relu(x) = [x > 0] dx
// (written as sign(y): y = relu(x) ≥ 0, so sign(y) = [x > 0] — one operation, no bool mask)
export const relu = unary("relu", (_x, y) => T.sign(y), { vjp: "x̄ = ḡ·[x > 0]", jvp: "dy = [x > 0]·dx" }, kinked);

export const unaryPrimitives = { neg, abs, sign, exp, log, log1p, expm1, sqrt, rsqrt, sin, cos, tanh, sigmoid, erf, gelu, relu };
