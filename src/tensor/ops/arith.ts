// Elementwise operations as user-facing functions: numbers become 0-d tensors of the other
// operand's dtype, mixed dtypes are promoted, then the primitive is bound.

import { floatOf, isDType, isFloat, promoteTypes, type DType } from "../../core/dtype.js";
import { ArgumentError, DTypeError, fmtShape } from "../../core/errors.js";
import { broadcastShapes } from "../../core/shape.js";
import { bind } from "../../autodiff/bind.js";
import { erase, type Primitive } from "../../prims/define.js";
import * as U from "../../prims/unary.js";
import * as B from "../../prims/binary.js";
import * as E from "../../prims/elementwise-more.js";
import { Tensor, type TensorLike } from "../tensor.js";
import { full, scalar, tensor, type NestedInput } from "../creation.js";

export { zeros, zerosLike, ones, onesLike, full, fullLike, randUniform } from "../creation.js";

type NoParams = Record<string, never>;
const NONE: NoParams = {};

function run<P>(prim: Primitive<P>, inputs: Tensor[], params: P): Tensor {
  return bind(erase(prim), inputs, params);
}

/**
 * What the binary operations accept beside a tensor: a tensor, a JS number, a JS boolean (a bool
 * scalar, as Python's `True` is in PyTorch), or nested arrays of numbers and booleans. Anything
 * else (a string, undefined, an object, a tensor from a second copy of the package) is refused:
 * silently turning it into a number would give NaN or a wrong value with no error.
 */
export type Operand = Tensor | NestedInput;

const INT32_MIN = -2147483648;
const INT32_MAX = 2147483647;

/**
 * The dtype a JS number takes next to a tensor of dtype `d`: `d`, unless a fraction meets an
 * integer type (float32, as before) or an integer that int32 cannot hold meets one (float64, so
 * `int32.gt(3e9)` compares exactly instead of comparing with a wrapped value).
 */
function scalarDtype(v: number, d: DType): DType {
  if (isFloat(d)) return d;
  if (!Number.isInteger(v)) return "float32";
  if (v < INT32_MIN || v > INT32_MAX) return "float64";
  return d === "bool" && v !== 0 && v !== 1 ? "int32" : d;
}

/** The dtype nested arrays take next to a tensor of dtype `d`: what each element alone would take, promoted. */
function arrayDtype(x: NestedInput, d: DType): DType {
  if (typeof x === "boolean") return d;
  if (typeof x === "number") return scalarDtype(x, d);
  // anything else is refused by tensor(), which names the bad element
  if (!Array.isArray(x)) return d;
  let out = d;
  for (const e of x) out = promoteTypes(out, arrayDtype(e, d));
  return out;
}

/** A short description of a refused operand, for error messages. */
function describe(x: unknown): string {
  if (x === null) return "null";
  if (typeof x === "string") return `the string ${JSON.stringify(x.length > 20 ? `${x.slice(0, 20)}…` : x)}`;
  if (typeof x === "object") {
    const name = (x as { constructor?: { name?: unknown } }).constructor?.name;
    if (name === "Tensor") return "a Tensor from another copy of tensorgrad (two copies of the package are loaded; tensors cannot cross between them)";
    return typeof name === "string" && name !== "Object" ? `a ${name}` : "an object";
  }
  return String(typeof x === "undefined" ? "undefined" : typeof x);
}

/** Converts one non-tensor operand (already known to be acceptable) to a tensor of dtype `d`. */
function operandTensor(op: string, x: NestedInput, d: DType | undefined): Tensor {
  if (typeof x === "boolean") return scalar(x ? 1 : 0, d ?? "bool");
  if (typeof x === "number") return d === undefined ? scalar(x) : scalar(x, scalarDtype(x, d));
  try {
    return tensor(x, d === undefined ? {} : { dtype: arrayDtype(x, d) });
  } catch (e) {
    // tensor() names itself; the user called `op`
    if (e instanceof ArgumentError) throw new DTypeError(`${op}: the array operand is not a tensor: ${e.message}`);
    throw e;
  }
}

function checkOperand(op: string, x: unknown, side: string): asserts x is Operand {
  if (x instanceof Tensor || typeof x === "number" || typeof x === "boolean" || Array.isArray(x)) return;
  throw new DTypeError(`${op}: the ${side} operand must be a tensor, a number, a boolean or nested arrays of them, got ${describe(x)}`);
}

/**
 * Converts a pair of operands to tensors of one dtype. A number, boolean or array beside a
 * tensor takes the tensor's dtype (see `scalarDtype` for when it cannot), then mixed dtypes are
 * promoted.
 */
export function coerce(op: string, a: Operand, b: Operand): [Tensor, Tensor] {
  checkOperand(op, a, "first");
  checkOperand(op, b, "second");
  let x: Tensor;
  let y: Tensor;
  if (a instanceof Tensor && b instanceof Tensor) [x, y] = [a, b];
  else if (a instanceof Tensor) [x, y] = [a, operandTensor(op, b as NestedInput, a.dtype)];
  else if (b instanceof Tensor) [x, y] = [operandTensor(op, a, b.dtype), b];
  else [x, y] = [operandTensor(op, a, undefined), operandTensor(op, b as NestedInput, undefined)];
  if (x.dtype !== y.dtype) {
    const d = promoteTypes(x.dtype, y.dtype);
    if (x.dtype !== d) x = cast(x, d);
    if (y.dtype !== d) y = cast(y, d);
  }
  return [x, y];
}

/** Converts a number to a tensor (float32), leaving tensors alone. */
export function asTensor(x: TensorLike, dtype: DType = "float32"): Tensor {
  if (x instanceof Tensor) return x;
  if (typeof x !== "number") throw new DTypeError(`expected a tensor or a number, got ${describe(x)}`);
  return scalar(x, dtype);
}

function toFloat(x: Tensor): Tensor {
  return isFloat(x.dtype) ? x : cast(x, floatOf(x.dtype));
}

function numeric(op: string, x: Tensor): Tensor {
  if (x.dtype === "bool") throw new DTypeError(`${op}: not defined for bool tensors (shape ${fmtShape(x.shape)}); cast first`);
  return x;
}

/** Converts to another dtype (float→int truncates toward zero; anything→bool tests ≠ 0). */
export function cast(x: TensorLike, dtype: DType): Tensor {
  if (!isDType(dtype)) throw new DTypeError(`cast: unknown dtype '${String(dtype)}'; expected float32, float64, int32 or bool`);
  const t = asTensor(x);
  if (t.dtype === dtype) return t;
  return run(B.cast, [t], { dtype });
}

const floatUnary = (p: Primitive<NoParams>) => (x: TensorLike) => run(p, [toFloat(asTensor(x))], NONE);
const numericUnary = (p: Primitive<NoParams>) => (x: TensorLike) => run(p, [numeric(p.name, asTensor(x))], NONE);

/** −x */
export const neg = numericUnary(U.neg);
/** |x| */
export const abs = numericUnary(U.abs);
/** −1, 0 or 1 by the sign of x. */
export const sign = numericUnary(U.sign);
/** max(x, 0) */
export const relu = numericUnary(U.relu);
/** eˣ */
export const exp = floatUnary(U.exp);
/** Natural logarithm. */
export const log = floatUnary(U.log);
/** ln(1 + x), accurate for small x. */
export const log1p = floatUnary(U.log1p);
/** eˣ − 1, accurate for small x. */
export const expm1 = floatUnary(U.expm1);
export const sqrt = floatUnary(U.sqrt);
/** 1/√x */
export const rsqrt = floatUnary(U.rsqrt);
export const sin = floatUnary(U.sin);
export const cos = floatUnary(U.cos);
export const tanh = floatUnary(U.tanh);
/** σ(x) = 1/(1 + e^(−x)) */
export const sigmoid = floatUnary(U.sigmoid);
/** The error function. */
export const erf = floatUnary(U.erf);
/** @internal exact GELU ½x(1 + erf(x/√2)) as one primitive (the public form is `gelu` in ./activations.ts) */
export const geluPrimitive = floatUnary(U.gelu);

/** x² */
export function square(x: TensorLike): Tensor {
  const t = asTensor(x);
  return mul(t, t);
}

/** 1/x */
export function reciprocal(x: TensorLike): Tensor {
  return div(1, x);
}

function binary(p: Primitive<NoParams>, needsFloat: boolean) {
  return (a: Operand, b: Operand): Tensor => {
    let [x, y] = coerce(p.name, a, b);
    if (x.dtype === "bool" && p.name !== "maximum" && p.name !== "minimum") [x, y] = [cast(x, "int32"), cast(y, "int32")];
    if (needsFloat) [x, y] = [toFloat(x), toFloat(y)];
    return run(p, [x, y], NONE);
  };
}

/** a + b, broadcasting. @example tg.add(tg.tensor([1, 2]), 10) // [11, 12] */
export const add = binary(B.add, false);
/** a − b, broadcasting. */
export const sub = binary(B.sub, false);
/** a · b elementwise, broadcasting. */
export const mul = binary(B.mul, false);
/** a / b (true division: integer operands give float32). */
export const div = binary(B.div, true);
const floatPow = binary(B.pow, true);

/**
 * aᵇ, broadcasting. Floating-point operands use the pow primitive. Integer (and bool) operands
 * stay int32 and exact, as in PyTorch (a float kernel rounds: 11⁷ in float32 is 19487172, not
 * 19487171), computed by repeated squaring with int32 products, which wrap as PyTorch's int32
 * pow does. A negative number as the exponent of an integer tensor is refused, as in PyTorch; a
 * negative entry of an integer exponent tensor gives 0 for bases other than ±1, as PyTorch's
 * kernel does (it does not check tensor exponents).
 * @example tg.pow(tg.tensor([11], { dtype: "int32" }), 7) // [19487171], int32
 */
export function pow(a: Operand, b: Operand): Tensor {
  const [x, y] = coerce("pow", a, b);
  if (isFloat(x.dtype)) return floatPow(x, y);
  if (typeof b === "number" && b < 0) throw new ArgumentError("pow: integers to negative integer powers are not allowed");
  return intPow(x.dtype === "bool" ? cast(x, "int32") : x, y.dtype === "bool" ? cast(y, "int32") : y, typeof b === "number" ? b : undefined);
}

/**
 * Integer aᵇ by binary exponentiation over the exponent's bits, most significant first:
 * r ← r², then r ← r·a where the bit is set. A known exponent uses only its own bits; a tensor
 * exponent walks all 31 bits of |b|, peeling them off by comparison (bit k is set where
 * rest ≥ 2ᵏ, then rest ← rest − 2ᵏ there). Negative tensor exponents give 1/aⁿ truncated, as
 * PyTorch's integer kernel does: 1 for a = 1, (−1)ⁿ for a = −1, 0 otherwise.
 */
function intPow(x: Tensor, e: Tensor, known: number | undefined): Tensor {
  if (known !== undefined) {
    // e is 0-d here, so the result has x's shape
    if (known === 0) return full(x.shape, 1, "int32");
    const bits = known.toString(2);
    let r = x;
    for (const bit of bits.slice(1)) {
      r = mul(r, r);
      if (bit === "1") r = mul(r, x);
    }
    return r;
  }
  const shape = broadcastShapes("pow", x.shape, e.shape);
  const negative = lt(e, 0);
  let rest = where(negative, neg(e), e);
  let r = full(shape, 1, "int32");
  let bit = ge(rest, 2 ** 30);
  for (let k = 30; ; k--) {
    const squared = mul(r, r);
    r = where(bit, mul(squared, x), squared);
    if (k === 0) break;
    rest = where(bit, sub(rest, 2 ** k), rest);
    bit = ge(rest, 2 ** (k - 1));
  }
  const odd = bit; // bit 0, the last one peeled
  const inverse = where(eq(x, 1), 1, where(eq(x, -1), where(odd, -1, 1), 0));
  return where(negative, inverse, r);
}

/** Elementwise maximum (NaN propagates). */
export const maximum = binary(B.maximum, false);
/** Elementwise minimum (NaN propagates). */
export const minimum = binary(B.minimum, false);

function comparison(p: Primitive<NoParams>) {
  return (a: Operand, b: Operand): Tensor => run(p, coerce(p.name, a, b), NONE);
}
/** a == b (bool) */
export const eq = comparison(B.eq);
/** a != b (bool) */
export const ne = comparison(B.ne);
/** a < b (bool) */
export const lt = comparison(B.lt);
/** a <= b (bool) */
export const le = comparison(B.le);
/** a > b (bool) */
export const gt = comparison(B.gt);
/** a >= b (bool) */
export const ge = comparison(B.ge);

/**
 * Picks from `a` where `cond` is true and from `b` elsewhere, broadcasting all three.
 * @example tg.where(x.gt(0), x, 0) // relu
 */
export function where(cond: Tensor, a: Operand, b: Operand): Tensor {
  if (!(cond instanceof Tensor) || cond.dtype !== "bool")
    throw new DTypeError(`where: condition must be a bool tensor, got ${cond instanceof Tensor ? `${cond.dtype}${fmtShape(cond.shape)}` : typeof cond}`);
  // two integer numbers give an integer tensor, as PyTorch's where(c, 1, 3) does (int64 there)
  const both = typeof a === "number" && typeof b === "number" && Number.isInteger(a) && Number.isInteger(b);
  const [x, y] = both ? [scalar(a, "int32"), scalar(b, "int32")] : coerce("where", a, b);
  return run(B.where, [cond, x, y], NONE);
}

// ---- more elementwise math ----
// (the primitives are in prims/elementwise-more.ts; the compositions below have no rules of their own)

/** tan x. @example tg.tan(tg.tensor([0])) // [0] */
export const tan = floatUnary(E.tan);
/** arcsin x (NaN outside [−1, 1]). @example tg.asin(tg.tensor([1])) // [1.5708] */
export const asin = floatUnary(E.asin);
/** arccos x (NaN outside [−1, 1]). @example tg.acos(tg.tensor([1])) // [0] */
export const acos = floatUnary(E.acos);
/** arctan x. @example tg.atan(tg.tensor([1])) // [0.7854] */
export const atan = floatUnary(E.atan);
/** sinh x. @example tg.sinh(tg.tensor([0])) // [0] */
export const sinh = floatUnary(E.sinh);
/** cosh x. @example tg.cosh(tg.tensor([0])) // [1] */
export const cosh = floatUnary(E.cosh);
/** arsinh x. @example tg.asinh(tg.tensor([0])) // [0] */
export const asinh = floatUnary(E.asinh);
/** arcosh x (NaN below 1). @example tg.acosh(tg.tensor([1])) // [0] */
export const acosh = floatUnary(E.acosh);
/** artanh x (±∞ at ±1, NaN outside). @example tg.atanh(tg.tensor([0.5])) // [0.5493] */
export const atanh = floatUnary(E.atanh);
/** log₂ x. @example tg.log2(tg.tensor([8])) // [3] */
export const log2 = floatUnary(E.log2);
/** log₁₀ x. @example tg.log10(tg.tensor([1000])) // [3] */
export const log10 = floatUnary(E.log10);
/** 2ˣ. @example tg.exp2(tg.tensor([3])) // [8] */
export const exp2 = floatUnary(E.exp2);

function rounding(p: Primitive<NoParams>) {
  // integers are already whole: returned as they are, as PyTorch returns them unchanged
  return (x: TensorLike): Tensor => {
    const t = asTensor(x);
    if (t.dtype === "bool") throw new DTypeError(`${p.name}: not defined for bool tensors (shape ${fmtShape(t.shape)})`);
    return isFloat(t.dtype) ? run(p, [t], NONE) : t;
  };
}
/** Largest integer ≤ x (zero gradient). @example tg.floor(tg.tensor([-1.5, 1.5])) // [-2, 1] */
export const floor = rounding(E.floor);
/** Smallest integer ≥ x (zero gradient). @example tg.ceil(tg.tensor([-1.5, 1.5])) // [-1, 2] */
export const ceil = rounding(E.ceil);
/** Nearest integer, halves to even as in PyTorch (zero gradient). @example tg.round(tg.tensor([0.5, 1.5, 2.5])) // [0, 2, 2] */
export const round = rounding(E.round);
/** x rounded toward zero (zero gradient). @example tg.trunc(tg.tensor([-1.5, 1.5])) // [-1, 1] */
export const trunc = rounding(E.trunc);

/** x − trunc(x), the fractional part with x's sign (gradient 1). @example tg.frac(tg.tensor([-1.25, 2.5])) // [-0.25, 0.5] */
export function frac(x: TensorLike): Tensor {
  const t = asTensor(x);
  if (!isFloat(t.dtype)) throw new DTypeError(`frac: not defined for ${t.dtype} tensors (shape ${fmtShape(t.shape)}); it needs float32 or float64`);
  return sub(t, trunc(t));
}

/** atan2(a, b): the angle of the point (b, a), in (−π, π]. @example tg.atan2(tg.tensor([1]), tg.tensor([-1])) // [2.3562] */
export const atan2 = binary(E.atan2, true);
/** C's fmod: a − trunc(a/b)·b, with a's sign. @example tg.fmod(tg.tensor([-7]), 3) // [-1] */
export const fmod = binary(E.fmod, false);
/** Python's %: a − floor(a/b)·b, with b's sign. @example tg.remainder(tg.tensor([-7]), 3) // [2] */
export const remainder = binary(E.remainder, false);
/**
 * floor(a / b), PyTorch's `floor_divide` (zero gradient). Integers stay int32 (an int32 division
 * by zero gives 0, where PyTorch raises).
 * @example tg.floorDivide(tg.tensor([-7]), 2) // [-4]
 */
export const floorDivide = binary(E.floorDivide, false);

/**
 * √(a² + b²), broadcasting, without overflow or underflow in the squares: computed as
 * m·√((a/m)² + (b/m)²) with m = max(|a|, |b|) held constant (the result does not depend on m, so
 * its derivative is not needed: ∂/∂a = a/hypot). 0 where both are 0, ∞ where either is infinite.
 * @example tg.hypot(tg.tensor([3]), 4) // [5]
 */
export function hypot(a: Operand, b: Operand): Tensor {
  const [x, y] = coerce("hypot", a, b).map(toFloat);
  const m = maximum(abs(x), abs(y)).detach();
  const safe = where(eq(m, 0), 1, where(eq(m, Infinity), 1, m));
  const [u, v] = [div(x, safe), div(y, safe)];
  const h = mul(sqrt(add(mul(u, u), mul(v, v))), safe);
  // both 0: h is 0 already (u = v = 0), but √'s derivative there is ∞: mask it
  const zero = eq(m, 0);
  return where(eq(m, Infinity), Infinity, where(zero, 0, where(zero, 1, h)));
}

/**
 * Linear interpolation a + w·(b − a), broadcasting, computed as PyTorch does: from b's side,
 * b − (b − a)·(1 − w), where |w| ≥ ½, so w = 1 gives b exactly.
 * @example tg.lerp(tg.tensor([0]), tg.tensor([10]), 0.3) // [3]
 */
export function lerp(a: Operand, b: Operand, weight: Operand): Tensor {
  let [x, y] = coerce("lerp", a, b).map(toFloat);
  const [xw, w0] = coerce("lerp", x, weight);
  const w = toFloat(w0);
  // a float64 weight promotes a float32 pair
  if (w.dtype !== x.dtype) [x, y] = [cast(xw, w.dtype), cast(y, w.dtype)];
  // a + w·d where |w| < ½, b + (w − 1)·d elsewhere (d = b − a): one path to each input, so an
  // infinite d in the branch not taken cannot turn into 0·∞ = NaN
  const d = sub(y, x);
  const small = lt(abs(w), 0.5);
  return add(where(small, x, y), mul(where(small, w, sub(w, 1)), d));
}

/** True where x is NaN. @example tg.isnan(tg.tensor([1, NaN])) // [false, true] */
export function isnan(x: TensorLike): Tensor {
  const t = asTensor(x);
  return isFloat(t.dtype) ? ne(t, t) : full(t.shape, 0, "bool");
}
/** True where x is +∞ or −∞. @example tg.isinf(tg.tensor([1, Infinity])) // [false, true] */
export function isinf(x: TensorLike): Tensor {
  const t = asTensor(x);
  return isFloat(t.dtype) ? eq(abs(t), Infinity) : full(t.shape, 0, "bool");
}
/** True where x is neither ±∞ nor NaN. @example tg.isfinite(tg.tensor([1, NaN])) // [true, false] */
export function isfinite(x: TensorLike): Tensor {
  const t = asTensor(x);
  // NaN < ∞ is false
  return isFloat(t.dtype) ? lt(abs(t), Infinity) : full(t.shape, 1, "bool");
}

/** x as a truth value: x ≠ 0 (NaN counts as true, as in PyTorch). */
function truth(op: string, x: Operand, side: string): Tensor {
  checkOperand(op, x, side);
  const t = x instanceof Tensor ? x : operandTensor(op, x, undefined);
  return t.dtype === "bool" ? t : ne(t, 0);
}
/** Logical not (bool): x == 0. @example tg.logicalNot(tg.tensor([0, 2])) // [true, false] */
export function logicalNot(x: Operand): Tensor {
  const t = truth("logicalNot", x, "first");
  return eq(t, false);
}
/** Logical and of truth values (bool), broadcasting. @example tg.logicalAnd(tg.tensor([1, 0]), true) // [true, false] */
export function logicalAnd(a: Operand, b: Operand): Tensor {
  const x = truth("logicalAnd", a, "first");
  const y = truth("logicalAnd", b, "second");
  return where(x, y, false);
}
/** Logical or of truth values (bool), broadcasting. @example tg.logicalOr(tg.tensor([1, 0]), false) // [true, false] */
export function logicalOr(a: Operand, b: Operand): Tensor {
  const x = truth("logicalOr", a, "first");
  const y = truth("logicalOr", b, "second");
  return where(x, true, y);
}
/** Logical exclusive or of truth values (bool), broadcasting. @example tg.logicalXor(tg.tensor([1, 0]), true) // [false, true] */
export function logicalXor(a: Operand, b: Operand): Tensor {
  return ne(truth("logicalXor", a, "first"), truth("logicalXor", b, "second"));
}

function integerOnly(op: string, x: Tensor): void {
  if (isFloat(x.dtype)) throw new DTypeError(`${op}: defined for integer and bool tensors only, got ${x.dtype}${fmtShape(x.shape)}`);
}
function bitwise(p: Primitive<NoParams>) {
  return (a: Operand, b: Operand): Tensor => {
    // a fractional number next to an integer tensor would promote it to float32: refused below
    const [x, y] = coerce(p.name, a, b);
    integerOnly(p.name, x);
    return run(p, [x, y], NONE);
  };
}
/** Bitwise and of int32 (two's complement) or bool tensors. @example tg.bitwiseAnd(tg.tensor([12], { dtype: "int32" }), 10) // [8] */
export const bitwiseAnd = bitwise(E.bitwiseAnd);
/** Bitwise or of int32 or bool tensors. @example tg.bitwiseOr(tg.tensor([12], { dtype: "int32" }), 3) // [15] */
export const bitwiseOr = bitwise(E.bitwiseOr);
/** Bitwise exclusive or of int32 or bool tensors. @example tg.bitwiseXor(tg.tensor([12], { dtype: "int32" }), 10) // [6] */
export const bitwiseXor = bitwise(E.bitwiseXor);
/** Bitwise not: ~x for int32, logical not for bool. @example tg.bitwiseNot(tg.tensor([0], { dtype: "int32" })) // [-1] */
export function bitwiseNot(x: Tensor): Tensor {
  if (!(x instanceof Tensor)) throw new DTypeError(`bitwiseNot: expected a tensor, got ${describe(x)}`);
  integerOnly("bitwiseNot", x);
  return run(E.bitwiseNot, [x], NONE);
}
