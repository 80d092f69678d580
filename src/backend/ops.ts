// The one table of elementwise operations. Each unary and binary operation is written once here,
// in every source form a backend renders: a JavaScript expression (the reference backend's
// generated loops) and a WGSL expression (GPU backends). Fused kernels are compositions of these
// snippets, so adding an elementwise operation means adding one entry below (plus its primitive).
//
// A snippet receives the names of already-evaluated locals, so it may use an argument more than
// once. JavaScript snippets compute in float64; the renderer rounds float32 results with
// Math.fround after every operation, so a fused kernel gives bit for bit what the unfused
// operations give. WGSL snippets see f32, i32 or (for bool) u32 values.

import type { DType } from "../core/dtype.js";

export type UnaryOp =
  | "neg" | "abs" | "sign" | "exp" | "log" | "log1p" | "expm1" | "sqrt" | "rsqrt"
  | "sin" | "cos" | "tanh" | "sigmoid" | "erf" | "relu";

export type BinaryOp =
  | "add" | "sub" | "mul" | "div" | "pow" | "maximum" | "minimum"
  | "eq" | "ne" | "lt" | "le" | "gt" | "ge";

export type CompareOp = "eq" | "ne" | "lt" | "le" | "gt" | "ge";

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
  /** Dtypes the operation is defined for (the front end promotes before it gets here). */
  readonly dtypes: readonly DType[];
}

const FLOAT: readonly DType[] = ["float32", "float64"];
const NUMERIC: readonly DType[] = ["float32", "float64", "int32"];
const ALL: readonly DType[] = ["float32", "float64", "int32", "bool"];

export const UNARY_OPS: { readonly [K in UnaryOp]: OpForms<[string]> } = {
  neg: { js: (x) => `-${x}`, jsInt: (x) => `(-${x}) | 0`, wgsl: (x) => `-${x}`, dtypes: NUMERIC },
  abs: { js: (x) => `Math.abs(${x})`, jsInt: (x) => `Math.abs(${x}) | 0`, wgsl: (x) => `abs(${x})`, dtypes: NUMERIC },
  // sign(NaN) = NaN, sign(±0) = 0
  sign: { js: (x) => `(${x} > 0 ? 1 : ${x} < 0 ? -1 : ${x} === 0 ? 0 : NaN)`, wgsl: (x) => `sign(${x})`, dtypes: NUMERIC },
  exp: { js: (x) => `Math.exp(${x})`, wgsl: (x) => `exp(${x})`, dtypes: FLOAT },
  log: { js: (x) => `Math.log(${x})`, wgsl: (x) => `log(${x})`, dtypes: FLOAT },
  log1p: { js: (x) => `Math.log1p(${x})`, wgsl: (x) => `log(1.0 + ${x})`, dtypes: FLOAT },
  expm1: { js: (x) => `Math.expm1(${x})`, wgsl: (x) => `(exp(${x}) - 1.0)`, dtypes: FLOAT },
  sqrt: { js: (x) => `Math.sqrt(${x})`, wgsl: (x) => `sqrt(${x})`, dtypes: FLOAT },
  rsqrt: { js: (x) => `1 / Math.sqrt(${x})`, wgsl: (x) => `inverseSqrt(${x})`, dtypes: FLOAT },
  sin: { js: (x) => `Math.sin(${x})`, wgsl: (x) => `sin(${x})`, dtypes: FLOAT },
  cos: { js: (x) => `Math.cos(${x})`, wgsl: (x) => `cos(${x})`, dtypes: FLOAT },
  tanh: { js: (x) => `Math.tanh(${x})`, wgsl: (x) => `tanh(clamp(${x}, -15.0, 15.0))`, dtypes: FLOAT },
  // σ(x) = 1/(1+e^(−x)), in a form that never overflows e^(−x) for large negative x
  sigmoid: {
    js: (x) => `(${x} >= 0 ? 1 / (1 + Math.exp(-${x})) : Math.exp(${x}) / (1 + Math.exp(${x})))`,
    wgsl: (x) => `select(exp(${x}) / (1.0 + exp(${x})), 1.0 / (1.0 + exp(-${x})), ${x} >= 0.0)`,
    dtypes: FLOAT,
  },
  erf: { js: (x) => `H.erf(${x})`, wgsl: (x) => `tg_erf(${x})`, dtypes: FLOAT },
  // relu keeps NaN (NaN > 0 is false, so the NaN test comes second)
  relu: { js: (x) => `(${x} > 0 ? ${x} : ${x} !== ${x} ? ${x} : 0)`, wgsl: (x) => `select(0.0, ${x}, ${x} > 0.0 || ${x} != ${x})`, wgslInt: (x) => `max(${x}, 0i)`, dtypes: NUMERIC },
};

/**
 * WGSL functions the snippets above may call (WGSL has no erf). erf follows Abramowitz & Stegun
 * 7.1.26: erf x ≈ sign(x)·(1 − t·(a₁ + t·(a₂ + … + t·a₅))·e^(−x²)), t = 1/(1 + p|x|), with an
 * absolute error below 1.5e-7 — under float32's half-ulp at 1.
 */
export const WGSL_HELPERS = `fn tg_erf(x: f32) -> f32 {
  let t = 1.0 / (1.0 + 0.3275911 * abs(x));
  let p = t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))));
  return sign(x) * (1.0 - p * exp(-x * x));
}
`;

// maximum/minimum propagate NaN, as in NumPy and PyTorch
export const BINARY_OPS: { readonly [K in BinaryOp]: OpForms<[string, string]> } = {
  add: { js: (a, b) => `${a} + ${b}`, jsInt: (a, b) => `(${a} + ${b}) | 0`, wgsl: (a, b) => `${a} + ${b}`, dtypes: NUMERIC },
  sub: { js: (a, b) => `${a} - ${b}`, jsInt: (a, b) => `(${a} - ${b}) | 0`, wgsl: (a, b) => `${a} - ${b}`, dtypes: NUMERIC },
  mul: { js: (a, b) => `${a} * ${b}`, jsInt: (a, b) => `Math.imul(${a}, ${b})`, wgsl: (a, b) => `${a} * ${b}`, dtypes: NUMERIC },
  div: { js: (a, b) => `${a} / ${b}`, wgsl: (a, b) => `${a} / ${b}`, dtypes: FLOAT },
  pow: { js: (a, b) => `Math.pow(${a}, ${b})`, wgsl: (a, b) => `pow(${a}, ${b})`, dtypes: FLOAT },
  maximum: {
    js: (a, b) => `(${a} !== ${a} || ${b} !== ${b} ? NaN : ${a} > ${b} ? ${a} : ${b})`,
    wgsl: (a, b) => `select(max(${a}, ${b}), ${a} + ${b}, ${a} != ${a} || ${b} != ${b})`,
    dtypes: NUMERIC,
  },
  minimum: {
    js: (a, b) => `(${a} !== ${a} || ${b} !== ${b} ? NaN : ${a} < ${b} ? ${a} : ${b})`,
    wgsl: (a, b) => `select(min(${a}, ${b}), ${a} + ${b}, ${a} != ${a} || ${b} != ${b})`,
    dtypes: NUMERIC,
  },
  eq: { js: (a, b) => `(${a} === ${b} ? 1 : 0)`, wgsl: (a, b) => `${a} == ${b}`, dtypes: ALL },
  ne: { js: (a, b) => `(${a} !== ${b} ? 1 : 0)`, wgsl: (a, b) => `${a} != ${b}`, dtypes: ALL },
  lt: { js: (a, b) => `(${a} < ${b} ? 1 : 0)`, wgsl: (a, b) => `${a} < ${b}`, dtypes: ALL },
  le: { js: (a, b) => `(${a} <= ${b} ? 1 : 0)`, wgsl: (a, b) => `${a} <= ${b}`, dtypes: ALL },
  gt: { js: (a, b) => `(${a} > ${b} ? 1 : 0)`, wgsl: (a, b) => `${a} > ${b}`, dtypes: ALL },
  ge: { js: (a, b) => `(${a} >= ${b} ? 1 : 0)`, wgsl: (a, b) => `${a} >= ${b}`, dtypes: ALL },
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
  }
}
