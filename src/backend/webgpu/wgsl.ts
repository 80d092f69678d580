// WGSL rendering shared by every shader: storage types per dtype, literals, casts, the shader
// skeleton (bindings, thread index, bounds check) and fused elementwise expressions rendered from
// the op table (../ops.ts). Shapes, strides and offsets are baked into the source — the front end
// compiles once per kernel description — while a kernel's constants arrive at run time in a small
// u32 buffer, each stored as the bits of the dtype it is read as.

import type { DType } from "../../core/dtype.js";
import { exprConsts, type Expr } from "../kernel.js";
import { BINARY_OPS, UNARY_OPS, WGSL_HELPERS, isCompare } from "../ops.js";

/** Threads per workgroup of every shader (one thread per output element or per reduced row). */
export const WORKGROUP = 64;

/**
 * The WGSL element type storing `dtype`. bool is one u32 (0 or 1) per element: WGSL has no bool
 * storage and no 8-bit integers. float64 is f32: this backend never produces float64 and narrows
 * float64 inputs arriving from another backend on upload (the one such kernel is a cast).
 */
export function wgslType(dtype: DType): "f32" | "i32" | "u32" {
  return dtype === "int32" ? "i32" : dtype === "bool" ? "u32" : "f32";
}

/** An exact literal of `value` in `dtype` (bit patterns, so ±∞, NaN and i32's minimum survive). */
export function literal(value: number, dtype: DType): string {
  switch (wgslType(dtype)) {
    case "f32": {
      const bits = new Uint32Array(new Float32Array([value]).buffer)[0];
      return Number.isFinite(Math.fround(value)) ? `bitcast<f32>(${bits}u)` : infinite(bits);
    }
    case "i32":
      return `bitcast<i32>(${(Math.trunc(value) | 0) >>> 0}u)`;
    case "u32":
      return value !== 0 ? "1u" : "0u";
  }
}

/**
 * A non-finite f32 from its bits. WGSL rejects constant expressions that evaluate to ±∞ or NaN,
 * and a call of a user function is never a constant expression, so the value is made at run time.
 */
export const infinite = (bits: number) => `tg_f32(${bits >>> 0}u)`;

export const zero = (dtype: DType) => ({ f32: "0.0", i32: "0i", u32: "0u" })[wgslType(dtype)];

/** Converts value `x` of dtype `from` to `to`, as jsCast does (float→int truncates; x→bool tests ≠ 0). */
export function wgslCast(x: string, from: DType, to: DType): string {
  const f = wgslType(from);
  const t = wgslType(to);
  if (to === "bool") return from === "bool" ? x : `select(0u, 1u, ${x} != ${zero(from)})`;
  if (f === t) return x;
  return `${t}(${x})`;
}

/** Renders `expr` as `let` statements; returns them and the name holding the result. */
export function renderExpr(expr: Expr, load: (index: number) => string): { code: string[]; result: string } {
  const code: string[] = [];
  let n = 0;
  const bind = (src: string): string => {
    code.push(`let t${n} = ${src};`);
    return `t${n++}`;
  };
  const walk = (e: Expr): string => {
    switch (e.op) {
      case "input":
        return load(e.index);
      case "const":
        return `c${e.index}`;
      case "unary": {
        const x = walk(e.x);
        const forms = UNARY_OPS[e.fn];
        const form = (e.x.dtype === "int32" && forms.wgslInt) || forms.wgsl;
        if (!form) throw new Error(`webgpu: ${e.fn} has no WGSL form`);
        return bind(form(x));
      }
      case "binary": {
        const a = walk(e.a);
        const b = walk(e.b);
        const forms = BINARY_OPS[e.fn];
        const form = (e.a.dtype === "int32" && forms.wgslInt) || forms.wgsl;
        if (!form) throw new Error(`webgpu: ${e.fn} has no WGSL form`);
        // comparisons give a WGSL bool; stored bools are u32
        return bind(isCompare(e.fn) ? `select(0u, 1u, ${form(a, b)})` : form(a, b));
      }
      case "where": {
        const c = walk(e.cond);
        return bind(`select(${walk(e.b)}, ${walk(e.a)}, ${c} != 0u)`);
      }
      case "cast":
        return bind(wgslCast(walk(e.x), e.x.dtype, e.dtype));
    }
  };
  const result = walk(expr);
  return { code, result };
}

/** The dtype each constant of `expr` is read as, by constant index. */
export function constTypes(expr: Expr, count: number): DType[] {
  const out: DType[] = new Array<DType>(count).fill("float32");
  for (const c of exprConsts(expr)) out[c.index] = c.dtype;
  return out;
}

/** What a rendered shader needs at dispatch time besides its source. */
export interface ShaderPlan {
  readonly code: string;
  /** Number of threads (0: nothing to run). */
  readonly threads: number;
  readonly groupsX: number;
  readonly groupsY: number;
  /** Dtypes of the runtime constants (bound after the output when non-empty). */
  readonly consts: readonly DType[];
  /** Number of input bindings. */
  readonly inputs: number;
}

export interface ShaderSpec {
  readonly inputs: readonly DType[];
  readonly out: DType;
  readonly threads: number;
  readonly consts?: readonly DType[];
  /** Statements run by thread `tid` (a u32 below `threads`); inputs are I0…, the output O, constants c0…. */
  readonly body: readonly string[];
}

/**
 * Wraps a body in the common skeleton: inputs at bindings 0…n−1, the output at n, constants at
 * n+1. Dispatches wider than the per-dimension workgroup limit spill into a second dimension.
 */
export function shader(spec: ShaderSpec, maxGroups: number): ShaderPlan {
  const n = spec.inputs.length;
  const consts = spec.consts ?? [];
  const groups = Math.ceil(spec.threads / WORKGROUP);
  const groupsX = Math.max(1, Math.min(groups, maxGroups));
  const groupsY = Math.max(1, Math.ceil(groups / groupsX));
  const lines = [
    WGSL_HELPERS,
    "fn tg_f32(bits: u32) -> f32 { return bitcast<f32>(bits); }",
    ...spec.inputs.map((d, j) => `@group(0) @binding(${j}) var<storage, read> I${j}: array<${wgslType(d)}>;`),
    `@group(0) @binding(${n}) var<storage, read_write> O: array<${wgslType(spec.out)}>;`,
    ...(consts.length ? [`@group(0) @binding(${n + 1}) var<storage, read> P: array<u32>;`] : []),
    `@compute @workgroup_size(${WORKGROUP})`,
    "fn main(@builtin(global_invocation_id) gid: vec3<u32>) {",
    `let tid = gid.x + gid.y * ${groupsX * WORKGROUP}u;`,
    `if (tid >= ${spec.threads}u) { return; }`,
    ...consts.map((d, i) => `let c${i} = bitcast<${wgslType(d)}>(P[${i}]);`),
    ...spec.body,
    "}",
  ];
  return { code: lines.join("\n"), threads: spec.threads, groupsX, groupsY, consts, inputs: n };
}
