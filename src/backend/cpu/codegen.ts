// Renders elementwise and reduction kernels as JavaScript from the op table (../ops.ts): one
// function per kernel description, with the loop nest, strides and offsets baked in. Every
// float32 intermediate is rounded with Math.fround, so a fused expression gives bit for bit what
// the same operations give one at a time.

import type { DType, TypedArray } from "../../core/dtype.js";
import { erf } from "../../core/special.js";
import { bfloat16Bits, bfloat16Value, float16Bits, float16Value } from "../../core/half.js";
import { exprConsts, type Expr, type InputLayout, type Kernel, type ReduceOp } from "../kernel.js";
import { BINARY_OPS, UNARY_OPS, isCompare, jsCast } from "../ops.js";

/** A rendered kernel: reads `inputs`, writes `out`, with the kernel's runtime constants `consts`. */
export type KernelFn = (out: TypedArray, inputs: readonly TypedArray[], consts: readonly number[]) => void;

/** Helpers the snippets may call as `H.name`. */
const HELPERS = {
  erf,
  // the lowest finite value in place of −∞ gives ½·x·(1 + (−1)) = −0, the limit of x·Φ(x)
  gelu: (x: number) => {
    const xf = x < -Number.MAX_VALUE ? -Number.MAX_VALUE : x;
    return 0.5 * xf * (1 + erf(xf * Math.SQRT1_2));
  },
  // the 16-bit floats: a value is a number rounded to the format (`f16r`), stored as its bits
  f16r: (x: number) => float16Value(float16Bits(x)),
  bf16r: (x: number) => bfloat16Value(bfloat16Bits(x)),
  f16v: float16Value,
  bf16v: bfloat16Value,
  f16b: float16Bits,
  bf16b: bfloat16Bits,
};

/** Reads a stored element of `dtype` as its value (the 16-bit floats decode their bits). */
function loadAs(x: string, dtype: DType): string {
  return dtype === "float16" ? `H.f16v(${x})` : dtype === "bfloat16" ? `H.bf16v(${x})` : x;
}

/** The stored element for a value of `dtype` (the 16-bit floats encode to bits; uint8 wraps in its array). */
function storeAs(x: string, dtype: DType): string {
  return dtype === "float16" ? `H.f16b(${x})` : dtype === "bfloat16" ? `H.bf16b(${x})` : x;
}

/** Rounds a value of `dtype` the way its storage would. */
function store(x: string, dtype: DType): string {
  return dtype === "float32" ? `Math.fround(${x})` : x;
}

/** Renders `expr` as statements assigning locals; returns the statements and the result's name. */
function renderExpr(expr: Expr, load: (index: number) => string): { code: string[]; result: string } {
  const code: string[] = [];
  let n = 0;
  const walk = (e: Expr): string => {
    switch (e.op) {
      case "input":
        return load(e.index);
      case "const":
        return `c${e.index}`;
      case "unary": {
        const x = walk(e.x);
        const forms = UNARY_OPS[e.fn];
        const src = e.x.dtype === "int32" && forms.jsInt ? forms.jsInt(x) : forms.js(x);
        code.push(`const t${n} = ${store(src, e.dtype)};`);
        return `t${n++}`;
      }
      case "binary": {
        const a = walk(e.a);
        const b = walk(e.b);
        const forms = BINARY_OPS[e.fn];
        const src = e.a.dtype === "int32" && forms.jsInt ? forms.jsInt(a, b) : forms.js(a, b);
        code.push(`const t${n} = ${isCompare(e.fn) ? src : store(src, e.dtype)};`);
        return `t${n++}`;
      }
      case "where": {
        const c = walk(e.cond);
        const a = walk(e.a);
        const b = walk(e.b);
        code.push(`const t${n} = ${c} !== 0 ? ${a} : ${b};`);
        return `t${n++}`;
      }
      case "cast": {
        const x = walk(e.x);
        code.push(`const t${n} = ${jsCast(x, e.dtype)};`);
        return `t${n++}`;
      }
    }
  };
  const result = walk(expr);
  return { code, result };
}

/** Hoists the kernel's constants, converted to the dtype each is read as. */
function constDecls(expr: Expr): string[] {
  const out = new Map<number, string>();
  for (const e of exprConsts(expr))
    out.set(e.index, `const c${e.index} = ${e.dtype === "float64" ? `C[${e.index}]` : jsCast(`C[${e.index}]`, e.dtype)};`);
  return [...out.values()];
}

/** Merges adjacent dimensions that every operand steps through contiguously (fewer, longer loops). */
export function mergeDims(shape: readonly number[], strides: readonly (readonly number[])[]): { shape: number[]; strides: number[][] } {
  const dims: number[] = [];
  const st: number[][] = strides.map(() => []);
  for (let d = 0; d < shape.length; d++) {
    if (shape[d] === 1) continue;
    const last = dims.length - 1;
    if (last >= 0 && strides.every((s, j) => st[j][last] === s[d] * shape[d])) {
      dims[last] *= shape[d];
      strides.forEach((s, j) => (st[j][last] = s[d]));
      continue;
    }
    dims.push(shape[d]);
    strides.forEach((s, j) => st[j].push(s[d]));
  }
  return { shape: dims, strides: st };
}

let serial = 0;

function makeFn(body: string[]): KernelFn {
  // A unique name per kernel: V8 shares compiled code (and its type feedback) between functions
  // of identical source, so two kernels that differ only in their arrays' types would slow each
  // other down.
  const name = `kernel${++serial}`;
  const f = new Function("H", `return function ${name}(out, I, C) {\n${body.join("\n")}\n};`) as (h: typeof HELPERS) => KernelFn;
  return f(HELPERS);
}

/** An elementwise kernel: out[i] = expr(inputs read through their strides at element i). */
export function renderElementwise(k: Extract<Kernel, { kind: "elementwise" }>): KernelFn {
  const m = mergeDims(k.shape, k.inputs.map((l) => l.strides));
  const r = m.shape.length;
  const nIn = k.inputs.length;
  const body: string[] = [...constDecls(k.expr)];
  for (let j = 0; j < nIn; j++) body.push(`const I${j} = I[${j}];`);
  const { code, result } = renderExpr(k.expr, (j) => `x${j}`);
  const loads = k.inputs.map((l, j) => `const x${j} = ${loadAs(`I${j}[${r === 0 ? l.offset : `q${j}_${r - 1}`}]`, l.dtype)};`);
  const inner = [...loads, ...code, `out[o++] = ${storeAs(result, k.dtype)};`];
  const nest = (l: number): string[] => {
    if (l === r) return inner;
    const lines: string[] = [];
    for (let j = 0; j < nIn; j++) lines.push(`let q${j}_${l} = ${l === 0 ? k.inputs[j].offset : `q${j}_${l - 1}`};`);
    lines.push(`for (let i${l} = 0; i${l} < ${m.shape[l]}; i${l}++) {`);
    lines.push(...nest(l + 1));
    for (let j = 0; j < nIn; j++) if (m.strides[j][l] !== 0) lines.push(`q${j}_${l} += ${m.strides[j][l]};`);
    lines.push("}");
    return lines;
  };
  body.push("let o = 0;", ...nest(0));
  return makeFn(body);
}

const REDUCE_INIT: Record<ReduceOp, string> = { sum: "0", prod: "1", max: "-Infinity", min: "Infinity" };

function combine(op: ReduceOp, acc: string, v: string): string {
  switch (op) {
    case "sum":
      return `${acc} += ${v};`;
    case "prod":
      return `${acc} *= ${v};`;
    case "max":
      return `if (${v} > ${acc} || ${v} !== ${v}) ${acc} = ${v};`;
    case "min":
      return `if (${v} < ${acc} || ${v} !== ${v}) ${acc} = ${v};`;
  }
}

/**
 * A reduction over the middle axis of [outer, len, inner] of an elementwise expression whose
 * inputs are read at flat element f as I[offset + f·stride]. Accumulates in float64.
 */
export function renderReduce(k: Extract<Kernel, { kind: "reduce" }>): KernelFn {
  const { outer, len, inner } = k;
  const body: string[] = [...constDecls(k.expr)];
  k.inputs.forEach((_, j) => body.push(`const I${j} = I[${j}];`));
  const at = (l: InputLayout, j: number) => loadAs(`I${j}[${l.offset} + f * ${l.strides[0] ?? 0}]`, l.dtype);
  const { code, result } = renderExpr(k.expr, (j) => `x${j}`);
  const loads = k.inputs.map((l, j) => `const x${j} = ${at(l, j)};`);
  const value = [...loads, ...code];
  if (inner === 1) {
    body.push(
      `for (let o = 0; o < ${outer}; o++) {`,
      `let acc = ${REDUCE_INIT[k.op]};`,
      `for (let f = o * ${len}, e = f + ${len}; f < e; f++) {`,
      ...value,
      combine(k.op, "acc", result),
      "}",
      "out[o] = acc;",
      "}",
    );
  } else {
    body.push(
      `const acc = new Float64Array(${inner});`,
      `for (let o = 0; o < ${outer}; o++) {`,
      `acc.fill(${REDUCE_INIT[k.op]});`,
      `for (let r = 0; r < ${len}; r++) {`,
      `const base = (o * ${len} + r) * ${inner};`,
      `for (let i = 0; i < ${inner}; i++) {`,
      "const f = base + i;",
      ...value,
      combine(k.op, "acc[i]", result),
      "}",
      "}",
      `for (let i = 0; i < ${inner}; i++) out[o * ${inner} + i] = acc[i];`,
      "}",
    );
  }
  return makeFn(body);
}
