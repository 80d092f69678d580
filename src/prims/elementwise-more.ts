// More elementwise primitives: the rest of the common unary math (inverse and hyperbolic trig,
// base-2 and base-10 logarithms, 2ˣ), rounding, the two-argument atan2/fmod/remainder/floorDivide
// and the bitwise operations on int32 and bool. Unary ones are defined by their derivative f'(x)
// (given x and y = f(x)), as in ./unary.ts; rounding and bitwise ones carry none.

import type { BinaryOp, UnaryOp } from "../backend/kernel.js";
import { bind } from "../autodiff/bind.js";
import { randUniform, tensor } from "../tensor/creation.js";
import type { Tensor } from "../tensor/tensor.js";
import { definePrimitive, erase, type Case, type ComputePrimitive, type Formula, type Primitive } from "./define.js";
import { elemArg, inferElementwise, sumTangents } from "./elementwise-util.js";
import * as T from "./exact.js";
import { rsqrt as rsqrtPrim } from "./unary.js";

type NoParams = Record<string, never>;
type Cases = readonly [Case<NoParams>, ...Case<NoParams>[]];
type Deriv = (x: Tensor, y: Tensor) => Tensor;

const NONE: NoParams = {};
const rsqrt = (x: Tensor): Tensor => bind(erase(rsqrtPrim), [x], NONE);
const one = (x: Tensor): Tensor => T.constLike(x, 1);
const sq = (x: Tensor): Tensor => T.mul(x, x);

function unary(op: UnaryOp, deriv: Deriv, formula: Formula, cases: Cases): Primitive<NoParams> {
  return definePrimitive({
    name: op,
    formula,
    kind: "compute",
    infer: ([x]) => ({ shape: x.shape, dtype: x.dtype }),
    kernel: (be, [x], _p, out) => be.unary(op, elemArg(x, out.shape), out.shape, out.dtype),
    vjp: (g, [x], { out }) => [T.mul(g, deriv(x, out))],
    jvp: ([x], [dx], { out }) => dx && T.mul(dx, deriv(x, out)),
    cases,
  });
}

/** A piecewise-constant unary operation: zero derivative wherever it has one (PyTorch's rule for rounding). */
function flat(op: UnaryOp, cases: Cases): Primitive<NoParams> {
  return definePrimitive({
    name: op,
    formula: { vjp: "x̄ = 0", jvp: "dy = 0" },
    kind: "compute",
    infer: ([x]) => ({ shape: x.shape, dtype: x.dtype }),
    kernel: (be, [x], _p, out) => be.unary(op, elemArg(x, out.shape), out.shape, out.dtype),
    vjp: () => [undefined],
    jvp: () => undefined,
    cases,
  });
}

const unbounded: Cases = [{ shapes: [[3, 4]] }, { shapes: [[]] }];
const unit: Cases = [{ shapes: [[3, 4]], domain: [-0.9, 0.9] }, { shapes: [[5]], domain: [-0.5, 0.5] }];
const positive: Cases = [{ shapes: [[3, 4]], domain: [0.2, 3] }];
// random inputs land within ε of a jump with negligible probability, so the central differences see
// 0 (hand-picked values stay off the jumps too; the reference tests cover the halfway cases)
const rounding: Cases = [
  { shapes: [[3, 4]], domain: [-3, 3], smooth: false },
  { make: () => [tensor([-2.5, -1.5, -0.5, 0.5, 1.5, 2.5, 0.25, -0.75], { dtype: "float64" })], smooth: false },
];

// d tan x = (1 + tan² x) dx
export const tan = unary("tan", (_x, y) => T.add(one(y), sq(y)), { vjp: "x̄ = ḡ·(1 + y²)", jvp: "dy = (1 + y²)·dx" }, [{ shapes: [[3, 4]], domain: [-1.2, 1.2] }]);
// d asin x = dx / √(1 − x²)
export const asin = unary("asin", (x) => rsqrt(T.sub(one(x), sq(x))), { vjp: "x̄ = ḡ / √(1 − x²)", jvp: "dy = dx / √(1 − x²)" }, unit);
// d acos x = −dx / √(1 − x²)
export const acos = unary("acos", (x) => T.neg(rsqrt(T.sub(one(x), sq(x)))), { vjp: "x̄ = −ḡ / √(1 − x²)", jvp: "dy = −dx / √(1 − x²)" }, unit);
// d atan x = dx / (1 + x²)
export const atan = unary("atan", (x) => T.reciprocal(T.add(one(x), sq(x))), { vjp: "x̄ = ḡ / (1 + x²)", jvp: "dy = dx / (1 + x²)" }, unbounded);
// d sinh x = cosh x dx, d cosh x = sinh x dx (the other primitive, so both are defined below before use)
export const sinh: Primitive<NoParams> = unary("sinh", (x) => bind(erase(cosh), [x], NONE), { vjp: "x̄ = ḡ·cosh x", jvp: "dy = cosh x·dx" }, unbounded);
export const cosh: Primitive<NoParams> = unary("cosh", (x) => bind(erase(sinh), [x], NONE), { vjp: "x̄ = ḡ·sinh x", jvp: "dy = sinh x·dx" }, unbounded);
// d asinh x = dx / √(x² + 1)
export const asinh = unary("asinh", (x) => rsqrt(T.add(sq(x), one(x))), { vjp: "x̄ = ḡ / √(x² + 1)", jvp: "dy = dx / √(x² + 1)" }, unbounded);
// d acosh x = dx / √(x² − 1)
export const acosh = unary("acosh", (x) => rsqrt(T.sub(sq(x), one(x))), { vjp: "x̄ = ḡ / √(x² − 1)", jvp: "dy = dx / √(x² − 1)" }, [{ shapes: [[3, 4]], domain: [1.2, 3] }]);
// d atanh x = dx / (1 − x²)
export const atanh = unary("atanh", (x) => T.reciprocal(T.sub(one(x), sq(x))), { vjp: "x̄ = ḡ / (1 − x²)", jvp: "dy = dx / (1 − x²)" }, unit);
// d log₂ x = dx / (x ln 2)
export const log2 = unary("log2", (x) => T.reciprocal(T.mul(x, T.constLike(x, Math.LN2))), { vjp: "x̄ = ḡ / (x ln 2)", jvp: "dy = dx / (x ln 2)" }, positive);
// d log₁₀ x = dx / (x ln 10)
export const log10 = unary("log10", (x) => T.reciprocal(T.mul(x, T.constLike(x, Math.LN10))), { vjp: "x̄ = ḡ / (x ln 10)", jvp: "dy = dx / (x ln 10)" }, positive);
// d 2ˣ = 2ˣ ln 2 dx
export const exp2 = unary("exp2", (_x, y) => T.mul(y, T.constLike(y, Math.LN2)), { vjp: "x̄ = ḡ·y ln 2", jvp: "dy = y ln 2·dx" }, unbounded);
export const floor = flat("floor", rounding);
export const ceil = flat("ceil", rounding);
/** Rounds half to even, as PyTorch does. */
export const round = flat("round", [rounding[0], { make: () => [tensor([-2.4, -1.6, -0.4, 0.6, 1.4, 2.6], { dtype: "float64" })], smooth: false }]);
export const trunc = flat("trunc", rounding);

// ---- binary ----

function binaryKernel(op: BinaryOp): ComputePrimitive<NoParams>["kernel"] {
  return (be, [a, b], _p, out) => be.binary(op, elemArg(a, out.shape), elemArg(b, out.shape), out.shape, a.dtype, out.dtype);
}

// atan2(a, b) = arg(b + ia): d = (b·da − a·db) / (a² + b²)
export const atan2 = definePrimitive({
  name: "atan2",
  formula: { vjp: "ā = ḡ·b / (a² + b²), b̄ = −ḡ·a / (a² + b²)", jvp: "dy = (b·da − a·db) / (a² + b²)" },
  kind: "compute",
  infer: (xs) => inferElementwise("atan2", xs),
  kernel: binaryKernel("atan2"),
  vjp: (g, [a, b], { needs }) => {
    const r = T.div(g, T.add(sq(a), sq(b)));
    return [needs[0] ? T.mul(r, b) : undefined, needs[1] ? T.neg(T.mul(r, a)) : undefined];
  },
  jvp: ([a, b], [da, db], { out }) => {
    const r = T.reciprocal(T.add(sq(a), sq(b)));
    return sumTangents(out.shape, da && T.mul(da, T.mul(b, r)), db && T.neg(T.mul(db, T.mul(a, r))));
  },
  cases: [{ shapes: [[3, 4], [3, 4]] }, { shapes: [[2, 1], [1, 5]] }],
});

// y = a − q·b with q = trunc(a/b) (fmod) or floor(a/b) (remainder), constant between jumps:
// dy = da − q·db, PyTorch's rule for both.
function remainderLike(name: "fmod" | "remainder", quotient: Primitive<NoParams>) {
  const q = (a: Tensor, b: Tensor): Tensor => bind(erase(quotient), [T.div(a, b)], NONE);
  return definePrimitive({
    name,
    formula: { vjp: `ā = ḡ, b̄ = −ḡ·${quotient.name}(a/b)`, jvp: `dy = da − ${quotient.name}(a/b)·db` },
    kind: "compute",
    infer: (xs) => inferElementwise(name, xs),
    kernel: binaryKernel(name),
    vjp: (g, [a, b], { needs }) => [needs[0] ? g : undefined, needs[1] ? T.neg(T.mul(g, q(a, b))) : undefined],
    jvp: ([a, b], [da, db], { out }) => sumTangents(out.shape, da, db && T.neg(T.mul(db, q(a, b)))),
    cases: [
      // random a against b = ±1.1…1.7: a/b lands within ε of an integer with negligible probability
      { make: (gen) => [T.sub(T.mul(randUniform([3, 4], gen, "float64"), scalar64(4)), scalar64(2)), tensor([1.3, -1.3, 1.1, -1.7], { dtype: "float64" })] },
      { make: () => [tensor([5.5, -5.5, 5.5, -5.5, 0.3], { dtype: "float64" }), tensor([2, 2, -2, -2, 0.7], { dtype: "float64" })] },
    ],
  });
}
function scalar64(v: number): Tensor {
  return tensor(v, { dtype: "float64" });
}
export const fmod = remainderLike("fmod", trunc);
export const remainder = remainderLike("remainder", floor);

/** floor(a/b): piecewise constant, zero derivative (PyTorch's rule). */
export const floorDivide = definePrimitive({
  name: "floorDivide",
  formula: { vjp: "ā = 0, b̄ = 0", jvp: "dy = 0" },
  kind: "compute",
  infer: (xs) => inferElementwise("floorDivide", xs),
  kernel: binaryKernel("floorDivide"),
  vjp: () => [undefined, undefined],
  jvp: () => undefined,
  cases: [
    { make: () => [tensor([7, -7, 7, -7, 1.05, 0.5], { dtype: "float64" }), tensor([2, 2, -2, -2, 0.1, 3], { dtype: "float64" })], smooth: false },
    { make: () => [tensor([7, -7, 7, -7, 9], { dtype: "int32" }), tensor([2, 2, -2, -2, 3], { dtype: "int32" })] },
  ],
});

function bitwise(name: "bitwiseAnd" | "bitwiseOr" | "bitwiseXor") {
  // integer and bool results carry no derivative
  return definePrimitive({
    name,
    formula: { vjp: "none (integer)" },
    kind: "compute",
    infer: (xs) => inferElementwise(name, xs),
    kernel: binaryKernel(name),
    vjp: null,
    jvp: null,
    cases: [
      { make: () => [tensor([12, -1, 0, 5, 2147483647], { dtype: "int32" }), tensor([10, 7, -3, 5, -2147483648], { dtype: "int32" })] },
      { make: () => [tensor([true, true, false, false]), tensor([true, false, true, false])] },
    ],
  });
}
export const bitwiseAnd = bitwise("bitwiseAnd");
export const bitwiseOr = bitwise("bitwiseOr");
export const bitwiseXor = bitwise("bitwiseXor");

export const bitwiseNot = definePrimitive({
  name: "bitwiseNot",
  formula: { vjp: "none (integer)" },
  kind: "compute",
  infer: ([x]) => ({ shape: x.shape, dtype: x.dtype }),
  kernel: (be, [x], _p, out) => be.unary("bitwiseNot", elemArg(x, out.shape), out.shape, out.dtype),
  vjp: null,
  jvp: null,
  cases: [{ make: () => [tensor([0, -1, 5, 2147483647], { dtype: "int32" })] }, { make: () => [tensor([true, false])] }],
});

export const elementwiseMorePrimitives = {
  tan, asin, acos, atan, sinh, cosh, asinh, acosh, atanh, log2, log10, exp2, floor, ceil, round, trunc,
  atan2, fmod, remainder, floorDivide, bitwiseAnd, bitwiseOr, bitwiseXor, bitwiseNot,
};
