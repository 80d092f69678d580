// The one table of elementwise operations. Each unary and binary operation is written once here,
// in every source form a backend renders: a JavaScript expression (the reference backend's
// generated loops), a Wasm SIMD emitter (the Wasm backend's fused kernels) and a WGSL expression
// (GPU backends). Fused kernels are compositions of these snippets, so adding an elementwise
// operation means adding one entry below (plus its primitive).
//
// A snippet receives the names of already-evaluated locals, so it may use an argument more than
// once. JavaScript snippets compute in float64; the renderer rounds float32 results with
// Math.fround after every operation, so a fused kernel gives bit for bit what the unfused
// operations give. WGSL snippets see f32, i32 or (for bool) u32 values.
//
// Wasm forms work on float32 operands, four lanes at a time: `emit` receives the v128 locals
// holding the (already evaluated) arguments and leaves the f32x4 result on the stack; a
// comparison leaves a lane mask (all ones = true), which `where` and casts consume. `exact` says
// whether the form gives what the JavaScript rendering gives, bit for bit (NaN payloads aside):
// IEEE float32 add/sub/mul/div/sqrt are correctly rounded, as is Math.fround of the float64
// result, so those match, and so do floor/ceil/trunc/nearest; exp/log/tanh/sigmoid/erf (and
// exp2/log2/log10 built on exp and log) use the polynomial approximations of wasm/vecmath.ts (a
// few ulp from Math.*). Ops without a Wasm form are rendered to JavaScript.

import type { DType } from "../core/dtype.js";
import { V128, type Fn } from "./wasm/emitter.js";
import { emitErf, emitExp, emitGelu, emitLog, emitSigmoid, emitTanh } from "./wasm/vecmath.js";

export type UnaryOp =
  | "neg" | "abs" | "sign" | "exp" | "log" | "log1p" | "expm1" | "sqrt" | "rsqrt"
  | "sin" | "cos" | "tanh" | "sigmoid" | "erf" | "gelu" | "relu"
  | "tan" | "asin" | "acos" | "atan" | "sinh" | "cosh" | "asinh" | "acosh" | "atanh"
  | "log2" | "log10" | "exp2" | "floor" | "ceil" | "round" | "trunc" | "bitwiseNot";

export type BinaryOp =
  | "add" | "sub" | "mul" | "div" | "pow" | "maximum" | "minimum"
  | "eq" | "ne" | "lt" | "le" | "gt" | "ge"
  | "atan2" | "fmod" | "remainder" | "floorDivide" | "bitwiseAnd" | "bitwiseOr" | "bitwiseXor";

export type CompareOp = "eq" | "ne" | "lt" | "le" | "gt" | "ge";

/** A Wasm SIMD form: emits code that leaves op(args) on the stack, `args` being v128 locals. */
export interface WasmForm<Args extends string[]> {
  readonly emit: (f: Fn, ...args: { [K in keyof Args]: number }) => void;
  /** Bit for bit what the JavaScript rendering gives (up to NaN payloads). */
  readonly exact: boolean;
}

/** One operation's source forms. `jsInt` replaces `js` for int32 operands where wrapping matters. */
export interface OpForms<Args extends string[]> {
  /** JavaScript expression over float64 values (helpers available as `H.name`). */
  readonly js: (...args: Args) => string;
  /** JavaScript expression for int32 operands, when it differs (C-like wrapping). */
  readonly jsInt?: (...args: Args) => string;
  /** WGSL expression; absent where WGSL has no direct form (the backend then declares no support). */
  readonly wgsl?: (...args: Args) => string;
  /** WGSL expression for i32 operands, when it differs (WGSL does not convert 0.0 to i32). */
  readonly wgslInt?: (...args: Args) => string;
  /** Wasm SIMD form over float32 lanes; absent where there is none (the kernel renders to JavaScript). */
  readonly wasm?: WasmForm<Args>;
  /** Dtypes the operation is defined for (the front end promotes before it gets here). */
  readonly dtypes: readonly DType[];
}

const FLOAT: readonly DType[] = ["float32", "float64"];
const NUMERIC: readonly DType[] = ["float32", "float64", "int32"];
const ALL: readonly DType[] = ["float32", "float64", "int32", "bool"];
const INTEGER: readonly DType[] = ["int32", "bool"];

/** One f32x4 instruction applied to the argument: exact (IEEE float32 is what Math.fround gives). */
const simd1 = (op: string): WasmForm<[string]> => ({ emit: (f, x) => void f.get(x).op(op), exact: true });
/** One f32x4 instruction on (a, b); comparisons leave lane masks. */
const simd2 = (op: string): WasmForm<[string, string]> => ({ emit: (f, a, b) => void f.get(a).get(b).op(op), exact: true });
/** A vecmath approximation (a few ulp from Math.*). */
const approx = (emit: (f: Fn, x: number) => void): WasmForm<[string]> => ({ emit, exact: false });
/**
 * maximum/minimum: f32x4.max/min propagate NaN like the JS form, but order ±0 as −0 < +0 where
 * the JS form (`a > b ? a : b`) returns b on every tie; selecting b where a == b restores that.
 */
const tieToB = (op: string): WasmForm<[string, string]> => ({
  emit: (f, a, b) => void f.get(b).get(a).get(b).op(op).get(a).get(b).op("f32x4.eq").op("v128.bitselect"),
  exact: true,
});

/** sign: 1 where x > 0, −1 where x < 0, +0 for ±0 (both masks clear), and x itself where it is NaN. */
function emitSign(f: Fn, x: number): void {
  f.get(x);
  f.constF32x4(1).get(x).constF32x4(0).op("f32x4.gt").op("v128.and");
  f.constF32x4(-1).get(x).constF32x4(0).op("f32x4.lt").op("v128.and").op("v128.or");
  f.get(x).get(x).op("f32x4.ne").op("v128.bitselect");
}

/** log₂ x and log₁₀ x as ln x times a constant (vecmath's log, a few ulp). */
const scaledLog = (k: number): WasmForm<[string]> => approx((f, x) => {
  emitLog(f, x);
  f.constF32x4(k).op("f32x4.mul");
});
/** 2ˣ = e^(x ln 2) (vecmath's exp; the rounding of x·ln 2 adds up to |x|·2⁻²⁴ relative error). */
const EXP2: WasmForm<[string]> = approx((f, x) => {
  const t = f.local(V128);
  f.get(x).constF32x4(Math.LN2).op("f32x4.mul").set(t);
  emitExp(f, t);
});

// relu: f32x4.max(x, 0) keeps NaN and gives +0 for −0, as the JS form does
const RELU: WasmForm<[string]> = { emit: (f, x) => void f.get(x).constF32x4(0).op("f32x4.max"), exact: true };
// rsqrt: 1/sqrt rounds twice in float32 (JS rounds once from float64), so it may differ by 1 ulp
const RSQRT: WasmForm<[string]> = { emit: (f, x) => void f.constF32x4(1).get(x).op("f32x4.sqrt").op("f32x4.div"), exact: false };

export const UNARY_OPS: { readonly [K in UnaryOp]: OpForms<[string]> } = {
  neg: { js: (x) => `-${x}`, jsInt: (x) => `(-${x}) | 0`, wgsl: (x) => `-${x}`, wasm: simd1("f32x4.neg"), dtypes: NUMERIC },
  abs: { js: (x) => `Math.abs(${x})`, jsInt: (x) => `Math.abs(${x}) | 0`, wgsl: (x) => `abs(${x})`, wasm: simd1("f32x4.abs"), dtypes: NUMERIC },
  // sign(NaN) = NaN, sign(±0) = 0
  sign: { js: (x) => `(${x} > 0 ? 1 : ${x} < 0 ? -1 : ${x} === 0 ? 0 : NaN)`, wgsl: (x) => `sign(${x})`, wasm: { emit: emitSign, exact: true }, dtypes: NUMERIC },
  exp: { js: (x) => `Math.exp(${x})`, wgsl: (x) => `exp(${x})`, wasm: approx(emitExp), dtypes: FLOAT },
  log: { js: (x) => `Math.log(${x})`, wgsl: (x) => `log(${x})`, wasm: approx(emitLog), dtypes: FLOAT },
  log1p: { js: (x) => `Math.log1p(${x})`, wgsl: (x) => `log(1.0 + ${x})`, dtypes: FLOAT },
  expm1: { js: (x) => `Math.expm1(${x})`, wgsl: (x) => `(exp(${x}) - 1.0)`, dtypes: FLOAT },
  sqrt: { js: (x) => `Math.sqrt(${x})`, wgsl: (x) => `sqrt(${x})`, wasm: simd1("f32x4.sqrt"), dtypes: FLOAT },
  rsqrt: { js: (x) => `1 / Math.sqrt(${x})`, wgsl: (x) => `inverseSqrt(${x})`, wasm: RSQRT, dtypes: FLOAT },
  sin: { js: (x) => `Math.sin(${x})`, wgsl: (x) => `sin(${x})`, dtypes: FLOAT },
  cos: { js: (x) => `Math.cos(${x})`, wgsl: (x) => `cos(${x})`, dtypes: FLOAT },
  tanh: { js: (x) => `Math.tanh(${x})`, wgsl: (x) => `tanh(clamp(${x}, -15.0, 15.0))`, wasm: approx(emitTanh), dtypes: FLOAT },
  // σ(x) = 1/(1+e^(−x)), in a form that never overflows e^(−x) for large negative x
  sigmoid: {
    js: (x) => `(${x} >= 0 ? 1 / (1 + Math.exp(-${x})) : Math.exp(${x}) / (1 + Math.exp(${x})))`,
    wgsl: (x) => `select(exp(${x}) / (1.0 + exp(${x})), 1.0 / (1.0 + exp(-${x})), ${x} >= 0.0)`,
    wasm: approx(emitSigmoid),
    dtypes: FLOAT,
  },
  erf: { js: (x) => `H.erf(${x})`, wgsl: (x) => `tg_erf(${x})`, wasm: approx(emitErf), dtypes: FLOAT },
  // GELU x·Φ(x) = ½x(1 + erf(x/√2)), PyTorch's formula; x is first raised to the lowest finite
  // float32, so gelu(−∞) is −0 (the limit) rather than (−∞)·0 = NaN
  gelu: { js: (x) => `H.gelu(${x})`, wgsl: (x) => `tg_gelu(${x})`, wasm: approx(emitGelu), dtypes: FLOAT },
  // relu keeps NaN (NaN > 0 is false, so the NaN test comes second)
  relu: {
    js: (x) => `(${x} > 0 ? ${x} : ${x} !== ${x} ? ${x} : 0)`,
    wgsl: (x) => `select(0.0, ${x}, ${x} > 0.0 || ${x} != ${x})`,
    wgslInt: (x) => `max(${x}, 0i)`,
    wasm: RELU,
    dtypes: NUMERIC,
  },
  tan: { js: (x) => `Math.tan(${x})`, wgsl: (x) => `tan(${x})`, dtypes: FLOAT },
  asin: { js: (x) => `Math.asin(${x})`, wgsl: (x) => `asin(${x})`, dtypes: FLOAT },
  acos: { js: (x) => `Math.acos(${x})`, wgsl: (x) => `acos(${x})`, dtypes: FLOAT },
  atan: { js: (x) => `Math.atan(${x})`, wgsl: (x) => `atan(${x})`, dtypes: FLOAT },
  sinh: { js: (x) => `Math.sinh(${x})`, wgsl: (x) => `sinh(${x})`, dtypes: FLOAT },
  cosh: { js: (x) => `Math.cosh(${x})`, wgsl: (x) => `cosh(${x})`, dtypes: FLOAT },
  asinh: { js: (x) => `Math.asinh(${x})`, wgsl: (x) => `asinh(${x})`, dtypes: FLOAT },
  acosh: { js: (x) => `Math.acosh(${x})`, wgsl: (x) => `acosh(${x})`, dtypes: FLOAT },
  atanh: { js: (x) => `Math.atanh(${x})`, wgsl: (x) => `atanh(${x})`, dtypes: FLOAT },
  log2: { js: (x) => `Math.log2(${x})`, wgsl: (x) => `log2(${x})`, wasm: scaledLog(Math.LOG2E), dtypes: FLOAT },
  // WGSL has no log10: log₁₀ x = log₂ x · log₁₀ 2
  log10: { js: (x) => `Math.log10(${x})`, wgsl: (x) => `(log2(${x}) * 0.30102999566398120)`, wasm: scaledLog(Math.LOG10E), dtypes: FLOAT },
  exp2: { js: (x) => `Math.pow(2, ${x})`, wgsl: (x) => `exp2(${x})`, wasm: EXP2, dtypes: FLOAT },
  // the rounding instructions are exact in every form; f32x4.nearest and WGSL's round both round
  // half to even, as PyTorch's round does (Math.round rounds half up, so the JS form corrects
  // the halfway cases: 2·round(x/2) is the even neighbour there)
  floor: { js: (x) => `Math.floor(${x})`, wgsl: (x) => `floor(${x})`, wasm: simd1("f32x4.floor"), dtypes: FLOAT },
  ceil: { js: (x) => `Math.ceil(${x})`, wgsl: (x) => `ceil(${x})`, wasm: simd1("f32x4.ceil"), dtypes: FLOAT },
  trunc: { js: (x) => `Math.trunc(${x})`, wgsl: (x) => `trunc(${x})`, wasm: simd1("f32x4.trunc"), dtypes: FLOAT },
  round: {
    js: (x) => `(Math.abs(${x} - Math.trunc(${x})) === 0.5 ? 2 * Math.round(${x} / 2) : Math.round(${x}))`,
    wgsl: (x) => `round(${x})`,
    wasm: simd1("f32x4.nearest"),
    dtypes: FLOAT,
  },
  // bool operands are 0/1 (u32 in WGSL): not flips the low bit
  bitwiseNot: { js: (x) => `(${x} ^ 1)`, jsInt: (x) => `~${x}`, wgsl: (x) => `(${x} ^ 1u)`, wgslInt: (x) => `~${x}`, dtypes: INTEGER },
};

/**
 * WGSL functions the snippets above may call (WGSL has no erf; GELU is built on it). erf follows Abramowitz & Stegun
 * 7.1.26: erf x ≈ sign(x)·(1 − t·(a₁ + t·(a₂ + … + t·a₅))·e^(−x²)), t = 1/(1 + p|x|), with an
 * absolute error below 1.5e-7 — under float32's half-ulp at 1.
 */
export const WGSL_HELPERS = `fn tg_erf(x: f32) -> f32 {
  let t = 1.0 / (1.0 + 0.3275911 * abs(x));
  let p = t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))));
  return sign(x) * (1.0 - p * exp(-x * x));
}
fn tg_gelu(x: f32) -> f32 {
  let xf = max(x, -0x1.fffffep+127f);
  return 0.5 * xf * (1.0 + tg_erf(xf * 0.70710678));
}
`;

// maximum/minimum propagate NaN, as in NumPy and PyTorch
export const BINARY_OPS: { readonly [K in BinaryOp]: OpForms<[string, string]> } = {
  add: { js: (a, b) => `${a} + ${b}`, jsInt: (a, b) => `(${a} + ${b}) | 0`, wgsl: (a, b) => `${a} + ${b}`, wasm: simd2("f32x4.add"), dtypes: NUMERIC },
  sub: { js: (a, b) => `${a} - ${b}`, jsInt: (a, b) => `(${a} - ${b}) | 0`, wgsl: (a, b) => `${a} - ${b}`, wasm: simd2("f32x4.sub"), dtypes: NUMERIC },
  mul: { js: (a, b) => `${a} * ${b}`, jsInt: (a, b) => `Math.imul(${a}, ${b})`, wgsl: (a, b) => `${a} * ${b}`, wasm: simd2("f32x4.mul"), dtypes: NUMERIC },
  div: { js: (a, b) => `${a} / ${b}`, wgsl: (a, b) => `${a} / ${b}`, wasm: simd2("f32x4.div"), dtypes: FLOAT },
  pow: { js: (a, b) => `Math.pow(${a}, ${b})`, wgsl: (a, b) => `pow(${a}, ${b})`, dtypes: FLOAT },
  maximum: {
    js: (a, b) => `(${a} !== ${a} || ${b} !== ${b} ? NaN : ${a} > ${b} ? ${a} : ${b})`,
    wgsl: (a, b) => `select(max(${a}, ${b}), ${a} + ${b}, ${a} != ${a} || ${b} != ${b})`,
    wasm: tieToB("f32x4.max"),
    dtypes: NUMERIC,
  },
  minimum: {
    js: (a, b) => `(${a} !== ${a} || ${b} !== ${b} ? NaN : ${a} < ${b} ? ${a} : ${b})`,
    wgsl: (a, b) => `select(min(${a}, ${b}), ${a} + ${b}, ${a} != ${a} || ${b} != ${b})`,
    wasm: tieToB("f32x4.min"),
    dtypes: NUMERIC,
  },
  eq: { js: (a, b) => `(${a} === ${b} ? 1 : 0)`, wgsl: (a, b) => `${a} == ${b}`, wasm: simd2("f32x4.eq"), dtypes: ALL },
  ne: { js: (a, b) => `(${a} !== ${b} ? 1 : 0)`, wgsl: (a, b) => `${a} != ${b}`, wasm: simd2("f32x4.ne"), dtypes: ALL },
  lt: { js: (a, b) => `(${a} < ${b} ? 1 : 0)`, wgsl: (a, b) => `${a} < ${b}`, wasm: simd2("f32x4.lt"), dtypes: ALL },
  le: { js: (a, b) => `(${a} <= ${b} ? 1 : 0)`, wgsl: (a, b) => `${a} <= ${b}`, wasm: simd2("f32x4.le"), dtypes: ALL },
  gt: { js: (a, b) => `(${a} > ${b} ? 1 : 0)`, wgsl: (a, b) => `${a} > ${b}`, wasm: simd2("f32x4.gt"), dtypes: ALL },
  ge: { js: (a, b) => `(${a} >= ${b} ? 1 : 0)`, wgsl: (a, b) => `${a} >= ${b}`, wasm: simd2("f32x4.ge"), dtypes: ALL },
  atan2: { js: (a, b) => `Math.atan2(${a}, ${b})`, wgsl: (a, b) => `atan2(${a}, ${b})`, dtypes: FLOAT },
  // C's fmod: the remainder of truncated division, with the dividend's sign (JS % is exactly that).
  // An int32 division by zero gives 0 (PyTorch raises; the device cannot).
  fmod: { js: (a, b) => `${a} % ${b}`, jsInt: (a, b) => `(${a} % ${b}) | 0`, wgsl: (a, b) => `${a} % ${b}`, wgslInt: (a, b) => `select(${a} % ${b}, 0i, ${b} == 0i)`, dtypes: NUMERIC },
  // Python's %: the remainder of floor division, with the divisor's sign (fmod, moved by b where the signs differ)
  remainder: {
    js: (a, b) => `(${a} % ${b} !== 0 && (${a} % ${b} < 0) !== (${b} < 0) ? ${a} % ${b} + ${b} : ${a} % ${b})`,
    jsInt: (a, b) => `(${a} % ${b} !== 0 && (${a} % ${b} < 0) !== (${b} < 0) ? ${a} % ${b} + ${b} : ${a} % ${b}) | 0`,
    wgsl: (a, b) => `select(${a} % ${b}, ${a} % ${b} + ${b}, ${a} % ${b} != 0.0 && (${a} % ${b} < 0.0) != (${b} < 0.0))`,
    wgslInt: (a, b) => `select(select(${a} % ${b}, ${a} % ${b} + ${b}, ${a} % ${b} != 0i && (${a} % ${b} < 0i) != (${b} < 0i)), 0i, ${b} == 0i)`,
    dtypes: NUMERIC,
  },
  // floor(a / b) as PyTorch computes it for floats: from the exact remainder m = fmod(a, b), the
  // quotient (a − m)/b is an integer up to rounding, stepped down where the signs differ and then
  // rounded to the nearest integer, so 1 // 0.1 is 9 (floor of the rounded 1/0.1 would be 10);
  // b = 0 gives a/b (±∞ or NaN). In WGSL, floor(a / b): WGSL's float % is a − b·trunc(a/b) in
  // float32, not an exact fmod, so the correction cannot be made there (and fmod/remainder may
  // differ from the exact remainder by a rounding).
  floorDivide: {
    js: (a, b) => {
      const m = `(${a} % ${b})`;
      const d = `(${m} !== 0 && (${b} < 0) !== (${m} < 0) ? (${a} - ${m}) / ${b} - 1 : (${a} - ${m}) / ${b})`;
      return `(${b} === 0 ? ${a} / ${b} : ${d} !== 0 ? (${d} - Math.floor(${d}) > 0.5 ? Math.floor(${d}) + 1 : Math.floor(${d})) : (${a} / ${b} < 0 ? -0 : 0))`;
    },
    jsInt: (a, b) => `Math.floor(${a} / ${b}) | 0`,
    wgsl: (a, b) => `floor(${a} / ${b})`,
    wgslInt: (a, b) => `select(select(${a} / ${b}, ${a} / ${b} - 1i, ${a} % ${b} != 0i && (${a} % ${b} < 0i) != (${b} < 0i)), 0i, ${b} == 0i)`,
    dtypes: NUMERIC,
  },
  bitwiseAnd: { js: (a, b) => `(${a} & ${b})`, wgsl: (a, b) => `(${a} & ${b})`, dtypes: INTEGER },
  bitwiseOr: { js: (a, b) => `(${a} | ${b})`, wgsl: (a, b) => `(${a} | ${b})`, dtypes: INTEGER },
  bitwiseXor: { js: (a, b) => `(${a} ^ ${b})`, wgsl: (a, b) => `(${a} ^ ${b})`, dtypes: INTEGER },
};

export function isCompare(op: BinaryOp): op is CompareOp {
  return op === "eq" || op === "ne" || op === "lt" || op === "le" || op === "gt" || op === "ge";
}

/** The JavaScript conversion of a value of any dtype to dtype `to` (float→int truncates; x→bool tests ≠ 0). */
export function jsCast(x: string, to: DType): string {
  switch (to) {
    case "int32":
      return `(Math.trunc(${x}) | 0)`;
    case "bool":
      return `(${x} !== 0 ? 1 : 0)`;
    case "float32":
      return `Math.fround(${x})`;
    case "float64":
      return x;
    case "uint8":
      return `(Math.trunc(${x}) & 255)`;
    // a value of a 16-bit float dtype is its rounded number; storage encodes it
    case "float16":
      return `H.f16r(${x})`;
    case "bfloat16":
      return `H.bf16r(${x})`;
  }
}
