// Compiled programs: the per-backend cache of kernel programs (keyed by the kernel's description
// without its constants' values), the fast path that runs one eager elementwise operation by
// its shared expression object, and moving a realized buffer to the backend that reads it.

import { ArgumentError, MemoryError } from "../core/errors.js";
import type { Backend, Buf, Executable, Expr, InputLayout, Kernel } from "./kernel.js";
import type { LazyBuffer, PendingOp, View } from "./lazy.js";
import { indexErrorMessage } from "./index-error.js";

const programs = new WeakMap<Backend, Map<string, Executable>>();
/** Programs kept per backend before the cache starts over (kernels compile in microseconds). */
const MAX_PROGRAMS = 4096;

/** Counters for tests and benchmarks: kernels dispatched and compiled since the process started. */
export const scheduleStats = { kernels: 0, compiled: 0, realizations: 0 };

/**
 * Runs `work` (a kernel's allocation and dispatch), turning the engine's out-of-memory errors
 * into a `MemoryError` that names the kernel and its size.
 */
export function run<T>(be: Backend, kernel: Kernel, work: () => T, size: number): T {
  try {
    return work();
  } catch (e) {
    if (e instanceof RangeError || (e instanceof WebAssembly.RuntimeError && /memory/i.test(e.message)))
      throw new MemoryError(`${kernel.kind} (${kernel.dtype}, ${size} elements) on ${be.name}: memory could not be allocated: ${e.message}`);
    throw e;
  }
}

/** `lb`'s realized buffer as backend `be` reads it: shared between host backends, else copied once. */
export function bufOn(lb: LazyBuffer, be: Backend): Buf {
  const buf = lb.buf!;
  if (lb.backend === be || (lb.backend.hostBuffers && be.hostBuffers && !lb.backend.isResident?.(buf))) return buf;
  return be.upload(lb.backend.read(buf, lb.dtype, lb.size), lb.dtype);
}

const DT = { float32: "f", float64: "d", int32: "i", bool: "b", uint8: "u", float16: "h", bfloat16: "g" } as const;

// Expressions are immutable and shared (single operations are interned, fused ones reuse their
// operands' subtrees), so each one's key is built once.
const exprKeys = new WeakMap<Expr, string>();

function exprKey(e: Expr): string {
  let k = exprKeys.get(e);
  if (k === undefined) exprKeys.set(e, (k = buildExprKey(e)));
  return k;
}

function buildExprKey(e: Expr): string {
  switch (e.op) {
    case "input":
      return `i${e.index}${DT[e.dtype]}`;
    case "const":
      return `c${e.index}${DT[e.dtype]}`;
    case "unary":
      return `${e.fn}${DT[e.dtype]}(${exprKey(e.x)})`;
    case "binary":
      return `${e.fn}${DT[e.dtype]}(${exprKey(e.a)},${exprKey(e.b)})`;
    case "where":
      return `where${DT[e.dtype]}(${exprKey(e.cond)},${exprKey(e.a)},${exprKey(e.b)})`;
    case "cast":
      return `cast${DT[e.dtype]}(${exprKey(e.x)})`;
  }
}

function layoutsKey(ls: readonly InputLayout[]): string {
  let s = "";
  for (const l of ls) s += `${DT[l.dtype]}${l.strides.join(",")}@${l.offset};`;
  return s;
}

/** The cache key of a kernel: its whole description except the values of its constants (built by hand: this runs for every kernel). */
function keyOf(k: Kernel): string {
  switch (k.kind) {
    case "elementwise":
      return `e${DT[k.dtype]}[${k.shape.join(",")}]${layoutsKey(k.inputs)}${exprKey(k.expr)}`;
    case "reduce":
      return `r${k.op}${DT[k.dtype]}${k.outer},${k.len},${k.inner}${layoutsKey(k.inputs)}${exprKey(k.expr)}`;
    case "matmul": {
      const m = (l: typeof k.a) => `${l.offset},${l.batchStride},${l.trans ? 1 : 0}`;
      return `m${DT[k.dtype]}${k.batch},${k.m},${k.n},${k.k};${m(k.a)};${m(k.b)}`;
    }
    case "softmax":
    case "argReduce":
      return `${k.kind}${k.op}${DT[k.dtype]}${k.outer},${k.len},${k.inner}`;
    case "gather":
    case "scatterAdd":
    case "indexSelect":
    case "indexAdd":
      // `negative` changes the program; `site` is only a label for errors (read at dispatch)
      return `${k.kind}${DT[k.dtype]}${k.outer},${k.xLen},${k.idxLen},${k.inner}${k.negative === "error" ? "n" : ""}`;
    case "concat":
      return `cat${DT[k.dtype]}${k.outer},${k.lens.join(",")},${k.inner}`;
    case "pad":
      return `pad${DT[k.dtype]}${k.shape.join(",")};${k.before.join(",")};${k.after.join(",")};${k.value}`;
    case "extern":
      return `x${k.name}${DT[k.dtype]}${k.inputs.map((d) => DT[d]).join("")}${k.size};${JSON.stringify(k.params)}`;
  }
}

export function program(be: Backend, k: Kernel): Executable {
  let cache = programs.get(be);
  if (!cache) programs.set(be, (cache = new Map()));
  const key = keyOf(k);
  let exe = cache.get(key);
  if (!exe) {
    if (cache.size >= MAX_PROGRAMS) cache.clear();
    exe = be.compile(k);
    scheduleStats.compiled++;
    cache.set(key, exe);
  }
  return exe;
}

interface Single {
  readonly shape: readonly number[];
  readonly layouts: readonly InputLayout[];
  readonly kernel: Kernel;
  readonly exe: Executable;
}

/** Programs of single-operation kernels by backend, expression object and a hash of the layouts. */
const singles = new WeakMap<Backend, WeakMap<Expr, Map<number, Single[]>>>();
const DTYPE_CODE = { float32: 1, float64: 2, int32: 3, bool: 4, uint8: 5, float16: 6, bfloat16: 7 } as const;

function layoutHash(shape: readonly number[], inputs: readonly View[]): number {
  let h = 2166136261;
  const mix = (v: number) => (h = Math.imul(h ^ v, 16777619));
  for (const d of shape) mix(d);
  for (const v of inputs) {
    mix(DTYPE_CODE[v.src.dtype] * 7919 + v.offset);
    for (const st of v.strides) mix(st);
  }
  return h;
}

function sameLayouts(s: Single, shape: readonly number[], inputs: readonly View[]): boolean {
  if (s.shape.length !== shape.length || s.layouts.length !== inputs.length) return false;
  for (let i = 0; i < shape.length; i++) if (s.shape[i] !== shape[i]) return false;
  for (let j = 0; j < inputs.length; j++) {
    const l = s.layouts[j];
    const v = inputs[j];
    if (l.dtype !== v.src.dtype || l.offset !== v.offset || l.strides.length !== v.strides.length) return false;
    for (let i = 0; i < l.strides.length; i++) if (l.strides[i] !== v.strides[i]) return false;
  }
  return true;
}

/**
 * Runs one elementwise operation over realized inputs — the whole of eager code's per-operation
 * work — finding its program by the operation's shared expression object and a numeric hash of
 * its layouts, without building a kernel description's string key.
 */
export function single(lb: LazyBuffer, op: Extract<PendingOp, { kind: "elementwise" }>): void {
  const be = lb.backend;
  let byExpr = singles.get(be);
  if (!byExpr) singles.set(be, (byExpr = new WeakMap()));
  let byHash = byExpr.get(op.expr);
  if (!byHash) byExpr.set(op.expr, (byHash = new Map()));
  const h = layoutHash(op.shape, op.inputs);
  let list = byHash.get(h);
  let found: Single | undefined;
  if (list) for (const s of list) if (sameLayouts(s, op.shape, op.inputs)) found = s;
  if (!found) {
    const layouts = op.inputs.map((v) => ({ dtype: v.src.dtype, strides: v.strides, offset: v.offset }));
    const kernel: Kernel = { kind: "elementwise", dtype: lb.dtype, shape: op.shape, inputs: layouts, consts: [], expr: op.expr };
    found = { shape: op.shape, layouts, kernel, exe: program(be, kernel) };
    if (!list) byHash.set(h, (list = []));
    list.push(found);
  }
  const bufs: Buf[] = [];
  for (const v of op.inputs) bufs.push(bufOn(v.src, be));
  const out = run(be, found.kernel, () => {
    const o = be.alloc(lb.dtype, lb.size);
    be.dispatch(found.exe, found.kernel, bufs, o);
    return o;
  }, lb.size);
  scheduleStats.kernels++;
  lb.adopt(out);
  lb.op = null;
  lb.depth = 0;
  const err = be.takeIndexError();
  if (err) throw new ArgumentError(indexErrorMessage(err));
}

