// Elementwise binary primitives with NumPy broadcasting, `where`, and `cast`. Operands arrive
// with equal dtypes (the front end promotes). Rules give cotangents of the output's shape; the
// backward pass sums them back over the broadcast dims.

import { floatOf, isFloat, type DType } from "../core/dtype.js";
import { DTypeError, fmtShape } from "../core/errors.js";
import { broadcastShapes } from "../core/shape.js";
import type { BinaryOp } from "../backend/kernel.js";
import { definePrimitive, type Case } from "./define.js";
import { elemArg, inferElementwise, sumTangents } from "./elementwise-util.js";
import * as T from "./exact.js";
import { randUniform, tensor } from "../tensor/creation.js";
import type { Tensor } from "../tensor/tensor.js";

type NoParams = Record<string, never>;
type Cases = readonly [Case<NoParams>, ...Case<NoParams>[]];

const broadcastCases: Cases = [
  { shapes: [[3, 4], [3, 4]] },
  { shapes: [[2, 1], [1, 5]] },
  { shapes: [[4], [3, 4]] },
  { shapes: [[], [2, 3]] },
];

function binaryKernel(op: BinaryOp) {
  return (be: Parameters<import("./define.js").ComputePrimitive<NoParams>["kernel"]>[0], [a, b]: readonly Tensor[], _p: NoParams, out: { shape: number[]; dtype: DType }) =>
    be.binary(op, elemArg(a, out.shape), elemArg(b, out.shape), out.shape, a.dtype, out.dtype);
}

// d(a + b) = da + db
export const add = definePrimitive({
  name: "add",
  formula: { vjp: "ā = ḡ, b̄ = ḡ", jvp: "dy = da + db" },
  kind: "compute",
  infer: (xs) => inferElementwise("add", xs),
  kernel: binaryKernel("add"),
  vjp: (g) => [g, g],
  jvp: (_x, [da, db], { out }) => sumTangents(out.shape, da, db),
  cases: broadcastCases,
});

// d(a − b) = da − db
export const sub = definePrimitive({
  name: "sub",
  formula: { vjp: "ā = ḡ, b̄ = −ḡ", jvp: "dy = da − db" },
  kind: "compute",
  infer: (xs) => inferElementwise("sub", xs),
  kernel: binaryKernel("sub"),
  vjp: (g, _x, { needs }) => [g, needs[1] ? T.neg(g) : undefined],
  jvp: (_x, [da, db], { out }) => sumTangents(out.shape, da, db && T.neg(db)),
  cases: broadcastCases,
});

// d(a·b) = da·b + a·db
export const mul = definePrimitive({
  name: "mul",
  formula: { vjp: "ā = ḡ·b, b̄ = ḡ·a", jvp: "dy = da·b + a·db" },
  kind: "compute",
  infer: (xs) => inferElementwise("mul", xs),
  kernel: binaryKernel("mul"),
  vjp: (g, [a, b], { needs }) => [needs[0] ? T.mul(g, b) : undefined, needs[1] ? T.mul(g, a) : undefined],
  jvp: ([a, b], [da, db], { out }) => sumTangents(out.shape, da && T.mul(da, b), db && T.mul(a, db)),
  cases: broadcastCases,
});

// d(a/b) = da/b − (a/b)·db/b
export const div = definePrimitive({
  name: "div",
  formula: { vjp: "ā = ḡ / b, b̄ = −ḡ·y / b", jvp: "dy = da / b − y·db / b" },
  kind: "compute",
  infer: (xs) => inferElementwise("div", xs),
  kernel: binaryKernel("div"),
  vjp: (g, [, b], { out, needs }) => [needs[0] ? T.div(g, b) : undefined, needs[1] ? T.neg(T.div(T.mul(g, out), b)) : undefined],
  jvp: ([, b], [da, db], { out }) => sumTangents(out.shape, da && T.div(da, b), db && T.neg(T.div(T.mul(out, db), b))),
  cases: [{ shapes: [[3, 4], [3, 4]], domain: [0.5, 2] }, { shapes: [[2, 1], [1, 5]], domain: [0.5, 2] }],
});

// d(aᵇ) = b·aᵇ⁻¹ da + aᵇ ln a db, with PyTorch's masks (pow_backward, pow_backward_exponent in
// derivatives.yaml) where the plain formulas give 0·∞ or ∞·0 at a = 0:
//   ∂y/∂a = 0 where b = 0           (aᵇ is the constant 1 there; 0·0⁻¹ would be NaN)
//   ∂y/∂b = 0 where a = 0 and b ≥ 0 (0ᵇ is 0 or 1 for b ≥ 0; 0·ln 0 would be NaN)
// Elsewhere the formulas stand, ±∞ included (∂y/∂a of 0^(−1) is −∞, as in PyTorch).
function powBaseDeriv(a: Tensor, b: Tensor): Tensor {
  const d = T.mul(b, T.pow(a, T.sub(b, T.constLike(b, 1))));
  return T.where(T.eq(b, T.constLike(b, 0)), T.zerosLike(d), d);
}
function powExponentDeriv(a: Tensor, b: Tensor, y: Tensor): Tensor {
  const d = T.mul(y, T.log(a));
  return T.where(T.eq(a, T.constLike(a, 0)), T.where(T.ge(b, T.constLike(b, 0)), T.zerosLike(d), d), d);
}

export const pow = definePrimitive({
  name: "pow",
  formula: {
    vjp: "ā = ḡ·b·a^(b−1) (0 where b = 0), b̄ = ḡ·y·ln a (0 where a = 0, b ≥ 0)",
    jvp: "dy = b·a^(b−1)·da + y·ln a·db (same masks)",
  },
  kind: "compute",
  infer: (xs) => inferElementwise("pow", xs),
  kernel: binaryKernel("pow"),
  vjp: (g, [a, b], { out, needs }) => [
    needs[0] ? T.mul(g, powBaseDeriv(a, b)) : undefined,
    needs[1] ? T.mul(g, powExponentDeriv(a, b, out)) : undefined,
  ],
  jvp: ([a, b], [da, db], { out }) => sumTangents(out.shape, da && T.mul(da, powBaseDeriv(a, b)), db && T.mul(db, powExponentDeriv(a, b, out))),
  cases: [
    { shapes: [[3, 4], [3, 4]], domain: [0.5, 2] },
    { shapes: [[3, 1], [4]], domain: [0.5, 2] },
    // a = 0 with b = 0, 1, 2 and a > 0 with b = 0: the masked entries (first order only, since
    // finite differences straddle the kink of 0ᵇ at b = 0)
    { make: () => [tensor([0, 0, 0, 1.5], { dtype: "float64" }), tensor([0, 1, 2, 0], { dtype: "float64" })], wrt: [0], smooth: false },
    // the exponent's derivative at a = 0, b > 0 (0ᵇ = 0 on both sides of b)
    { make: () => [tensor([0, 0, 2], { dtype: "float64" }), tensor([1, 2, 0.5], { dtype: "float64" })], wrt: [1], smooth: false },
  ],
});

// Where a = b the subgradient is split evenly, as in PyTorch: weight_a = [a > b] + ½[a = b].
function pickWeight(a: Tensor, b: Tensor, first: boolean): Tensor {
  const f = floatOf(a.dtype);
  const gt = T.cast(first ? T.gt(a, b) : T.lt(a, b), f);
  return T.add(gt, T.mul(T.cast(T.eq(a, b), f), T.constLike(gt, 0.5)));
}

function extremum(name: "maximum" | "minimum") {
  const first = name === "maximum";
  // d max(a, b) = w·da + (1 − w)·db with w = [a > b] + ½[a = b]
  return definePrimitive({
    name,
    formula: first
      ? { vjp: "ā = ḡ·[a > b], b̄ = ḡ·[b > a] (ties split)", jvp: "dy = [a > b]·da + [b > a]·db (ties split)" }
      : { vjp: "ā = ḡ·[a < b], b̄ = ḡ·[b < a] (ties split)", jvp: "dy = [a < b]·da + [b < a]·db (ties split)" },
    kind: "compute",
    infer: (xs) => inferElementwise(name, xs),
    kernel: binaryKernel(name),
    vjp: (g, [a, b], { needs }) => {
      const w = pickWeight(a, b, first);
      return [needs[0] ? T.mul(g, w) : undefined, needs[1] ? T.mul(g, T.sub(T.constLike(w, 1), w)) : undefined];
    },
    jvp: ([a, b], [da, db], { out }) => {
      const w = pickWeight(a, b, first);
      return sumTangents(out.shape, da && T.mul(da, w), db && T.mul(db, T.sub(T.constLike(w, 1), w)));
    },
    cases: [{ shapes: [[3, 4], [3, 4]], smooth: false }, { shapes: [[2, 1], [1, 5]], smooth: false }],
  });
}
export const maximum = extremum("maximum");
export const minimum = extremum("minimum");

function comparison(op: "eq" | "ne" | "lt" | "le" | "gt" | "ge") {
  // Comparisons return bool and carry no derivative.
  return definePrimitive({
    name: op,
    formula: { vjp: "none (bool)" },
    kind: "compute",
    infer: (xs) => inferElementwise(op, xs, "bool"),
    kernel: binaryKernel(op),
    vjp: null,
    jvp: null,
    cases: [{ shapes: [[3, 4], [3, 4]] }, { shapes: [[2, 1], [1, 5]] }],
  });
}
export const eq = comparison("eq");
export const ne = comparison("ne");
export const lt = comparison("lt");
export const le = comparison("le");
export const gt = comparison("gt");
export const ge = comparison("ge");

// where(c, a, b): d = where(c, da, db); the condition has no derivative.
export const where = definePrimitive({
  name: "where",
  formula: { vjp: "ā = where(c, ḡ, 0), b̄ = where(c, 0, ḡ)", jvp: "dy = where(c, da, db)" },
  kind: "compute",
  infer: ([c, a, b]) => {
    if (c.dtype !== "bool") throw new DTypeError(`where: condition must be bool, got ${c.dtype}${fmtShape(c.shape)}`);
    if (a.dtype !== b.dtype) throw new DTypeError(`where: dtypes differ: ${a.dtype}${fmtShape(a.shape)}, ${b.dtype}${fmtShape(b.shape)}`);
    return { shape: broadcastShapes("where", c.shape, a.shape, b.shape), dtype: a.dtype };
  },
  kernel: (be, [c, a, b], _p, out) => be.where(elemArg(c, out.shape), elemArg(a, out.shape), elemArg(b, out.shape), out.shape, out.dtype),
  vjp: (g, [c], { needs }) => {
    const zero = T.zerosLike(g);
    return [undefined, needs[1] ? T.where(c, g, zero) : undefined, needs[2] ? T.where(c, zero, g) : undefined];
  },
  jvp: ([c], [, da, db], { out }) => {
    if (!da && !db) return undefined;
    const zero = T.zeros(out.shape, out.dtype);
    return T.where(c, da ?? zero, db ?? zero);
  },
  cases: [
    {
      make: (gen) => {
        const u = randUniform([3, 4], gen);
        return [T.lt(u, T.constLike(u, 0.5)), randUniform([3, 4], gen, "float64"), randUniform([1, 4], gen, "float64")];
      },
      wrt: [1, 2],
    },
  ],
});

// cast: the identity on values; derivatives flow between floating dtypes only.
export const cast = definePrimitive<{ dtype: DType }>({
  name: "cast",
  formula: { vjp: "x̄ = cast(ḡ)", jvp: "dy = cast(dx)" },
  kind: "compute",
  infer: ([x], { dtype }) => ({ shape: x.shape, dtype }),
  kernel: (be, [x], { dtype }, out) => be.cast(elemArg(x, out.shape), out.shape, x.dtype, dtype),
  vjp: (g, [x]) => [isFloat(x.dtype) && isFloat(g.dtype) ? T.cast(g, x.dtype) : undefined],
  jvp: (_x, [dx], { params }) => (dx && isFloat(params.dtype) ? T.cast(dx, params.dtype) : undefined),
  cases: [{ shapes: [[3, 4]], params: { dtype: "float64" } }, { shapes: [[2, 3]], params: { dtype: "int32" }, smooth: false }],
});

export const binaryPrimitives = { add, sub, mul, div, pow, maximum, minimum, eq, ne, lt, le, gt, ge, where, cast };
