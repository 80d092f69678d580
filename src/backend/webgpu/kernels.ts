// One WGSL compute shader per kernel description. Every shader runs one thread per output element
// (elementwise, matmul, concat, pad) or per reduced row (reduce, softmax, argReduce), with
// indices in i32 so negative strides work. The loops mirror the reference kernels in
// ../cpu/kernels.ts and ../cpu/codegen.ts, which define the semantics (NaN rules included).
// Simple rather than fast: this backend proves the contract; tiling and vector loads come later.

import type { DType } from "../../core/dtype.js";
import { contiguousStrides } from "../../core/shape.js";
import { mergeDims } from "../cpu/codegen.js";
import type { Kernel, ReduceOp } from "../kernel.js";
import { constTypes, infinite, literal, renderExpr, shader, wgslCast, wgslType, type ShaderPlan } from "./wgsl.js";

type Of<K extends Kernel["kind"]> = Extract<Kernel, { kind: K }>;

const NEG_INF = infinite(0xff800000);

/** Statements splitting flat index `e` over `shape` into coordinates d0…; returns their names. */
function coords(e: string, shape: readonly number[], prefix = "d"): { code: string[]; names: string[] } {
  const code = [`var rem_${prefix} = ${e};`];
  const names = shape.map((_, i) => `${prefix}${i}`);
  for (let i = shape.length - 1; i >= 0; i--)
    code.push(`let ${names[i]} = rem_${prefix} % ${shape[i]};`, `rem_${prefix} = rem_${prefix} / ${shape[i]};`);
  return { code, names };
}

export function elementwise(k: Of<"elementwise">, maxGroups: number): ShaderPlan {
  const size = k.shape.reduce((a, b) => a * b, 1);
  const m = mergeDims(k.shape, k.inputs.map((l) => l.strides));
  const { code: split, names } = coords("i32(tid)", m.shape);
  const loads = k.inputs.map((l, j) => {
    const terms = names.map((d, i) => (m.strides[j][i] === 0 ? "" : ` + ${d} * ${m.strides[j][i]}`)).join("");
    return `let x${j} = I${j}[${l.offset}${terms}];`;
  });
  const { code, result } = renderExpr(k.expr, (j) => `x${j}`);
  return shader(
    {
      inputs: k.inputs.map((l) => l.dtype),
      out: k.dtype,
      threads: size,
      consts: constTypes(k.expr, k.consts.length),
      body: [...split, ...loads, ...code, `O[tid] = ${wgslCast(result, k.expr.dtype, k.dtype)};`],
    },
    maxGroups,
  );
}

function reduceInit(op: ReduceOp, dtype: DType): string {
  const t = wgslType(dtype);
  switch (op) {
    case "sum":
      return t === "f32" ? "0.0" : `0${t === "i32" ? "i" : "u"}`;
    case "prod":
      return t === "f32" ? "1.0" : `1${t === "i32" ? "i" : "u"}`;
    case "max":
      return t === "f32" ? NEG_INF : t === "i32" ? "bitcast<i32>(0x80000000u)" : "0u";
    case "min":
      return t === "f32" ? infinite(0x7f800000) : t === "i32" ? "2147483647i" : "0xffffffffu";
  }
}

function combine(op: ReduceOp): string {
  switch (op) {
    case "sum":
      return "acc = acc + v;";
    case "prod":
      return "acc = acc * v;";
    case "max":
      return "if (v > acc || v != v) { acc = v; }";
    case "min":
      return "if (v < acc || v != v) { acc = v; }";
  }
}

/** One thread per (outer, inner) pair walks the reduced axis; inputs are read at offset + f·stride. */
export function reduce(k: Of<"reduce">, maxGroups: number): ShaderPlan {
  const { outer, len, inner } = k;
  const loads = k.inputs.map((l, j) => `let x${j} = I${j}[${l.offset} + f * ${l.strides[0] ?? 0}];`);
  const { code, result } = renderExpr(k.expr, (j) => `x${j}`);
  return shader(
    {
      inputs: k.inputs.map((l) => l.dtype),
      out: k.dtype,
      threads: outer * inner,
      consts: constTypes(k.expr, k.consts.length),
      body: [
        `let o = i32(tid) / ${inner};`,
        `let i = i32(tid) % ${inner};`,
        `var acc: ${wgslType(k.dtype)} = ${reduceInit(k.op, k.dtype)};`,
        `for (var r = 0; r < ${len}; r++) {`,
        `let f = (o * ${len} + r) * ${inner} + i;`,
        ...loads,
        ...code,
        `let v = ${wgslCast(result, k.expr.dtype, k.dtype)};`,
        combine(k.op),
        "}",
        "O[tid] = acc;",
      ],
    },
    maxGroups,
  );
}

/** Stable (log-)softmax along the middle axis, one thread per (outer, inner) pair. */
export function softmax(k: Of<"softmax">, maxGroups: number): ShaderPlan {
  const { outer, len, inner } = k;
  const at = `base + r * ${inner}`;
  const write =
    k.op === "logSoftmax"
      ? ["let lse = m + log(s);", `for (var r = 0; r < ${len}; r++) { O[${at}] = I0[${at}] - lse; }`]
      : [`for (var r = 0; r < ${len}; r++) { O[${at}] = exp(I0[${at}] - m) / s; }`];
  const body = [
    `let base = (i32(tid) / ${inner}) * ${len * inner} + i32(tid) % ${inner};`,
    `var m = ${NEG_INF};`,
    `for (var r = 0; r < ${len}; r++) { let x = I0[${at}]; if (x > m || x != x) { m = x; } }`,
    // an all −∞ slice: log softmax is −∞ − log 0 = NaN, as in PyTorch
    `if (m == ${NEG_INF}) { m = 0.0; }`,
    "var s = 0.0;",
    `for (var r = 0; r < ${len}; r++) { s = s + exp(I0[${at}] - m); }`,
    ...write,
  ];
  return shader({ inputs: [k.dtype], out: k.dtype, threads: outer * inner, body }, maxGroups);
}

/** Index of the first maximum / minimum; a NaN wins, as in NumPy. */
export function argReduce(k: Of<"argReduce">, maxGroups: number): ShaderPlan {
  const { outer, len, inner } = k;
  const cmp = k.op === "argmax" ? ">" : "<";
  const body = [
    `let base = (i32(tid) / ${inner}) * ${len * inner} + i32(tid) % ${inner};`,
    "var best = I0[base];",
    "var bi = 0i;",
    `for (var r = 1; r < ${len}; r++) {`,
    "if (best != best) { break; }",
    `let v = I0[base + r * ${inner}];`,
    `if (v ${cmp} best || v != v) { best = v; bi = r; }`,
    "}",
    "O[tid] = bi;",
  ];
  return shader({ inputs: [k.dtype], out: "int32", threads: len === 0 ? 0 : outer * inner, body }, maxGroups);
}

/** C[b] = op(A[b])·op(B[b]), one thread per element of C, accumulating in the output type. */
export function matmul(k: Of<"matmul">, maxGroups: number): ShaderPlan {
  const { batch, m, n, k: depth, a, b } = k;
  // element (i, p) of op(A) and (p, j) of op(B), row-major storage
  const [ais, aps] = a.trans ? [1, m] : [depth, 1];
  const [bps, bjs] = b.trans ? [1, depth] : [n, 1];
  const body = [
    "let e = i32(tid);",
    `let j = e % ${n};`,
    `let i = (e / ${n}) % ${m};`,
    `let t = e / ${m * n};`,
    `let ao = ${a.offset} + t * ${a.batchStride} + i * ${ais};`,
    `let bo = ${b.offset} + t * ${b.batchStride} + j * ${bjs};`,
    `var acc: ${wgslType(k.dtype)} = ${literal(0, k.dtype)};`,
    `for (var p = 0; p < ${depth}; p++) { acc = acc + I0[ao + p * ${aps}] * I1[bo + p * ${bps}]; }`,
    "O[tid] = acc;",
  ];
  return shader({ inputs: [k.dtype, k.dtype], out: k.dtype, threads: batch * m * n, body }, maxGroups);
}

/** Each output element finds its part by the running sum of lengths along the middle axis. */
export function concat(k: Of<"concat">, maxGroups: number): ShaderPlan {
  const { outer, lens, inner } = k;
  const total = lens.reduce((s, l) => s + l, 0);
  const branches: string[] = [];
  let start = 0;
  lens.forEach((l, q) => {
    if (l > 0) branches.push(`if (r < ${start + l}) { O[tid] = I${q}[(o * ${l} + r - ${start}) * ${inner} + i]; return; }`);
    start += l;
  });
  const body = [
    "let e = i32(tid);",
    `let o = e / ${total * inner};`,
    `let r = (e / ${inner}) % ${total};`,
    `let i = e % ${inner};`,
    ...branches,
  ];
  return shader({ inputs: lens.map(() => k.dtype), out: k.dtype, threads: outer * total * inner, body }, maxGroups);
}

/** Each output element reads its source element, or the pad value outside the source's box. */
export function pad(k: Of<"pad">, maxGroups: number): ShaderPlan {
  const { shape, before, after, value } = k;
  const outShape = shape.map((d, i) => d + before[i] + after[i]);
  const size = outShape.reduce((a, b) => a * b, 1);
  const st = contiguousStrides(shape);
  const { code, names } = coords("i32(tid)", outShape);
  const inside = names.map((d, i) => `${d} >= ${before[i]} && ${d} < ${before[i] + shape[i]}`).join(" && ") || "true";
  const src = names.map((d, i) => `(${d} - ${before[i]}) * ${st[i]}`).join(" + ") || "0";
  const body = [...code, `if (${inside}) { O[tid] = I0[${src}]; } else { O[tid] = ${literal(value, k.dtype)}; }`];
  return shader({ inputs: [k.dtype], out: k.dtype, threads: size, body }, maxGroups);
}
