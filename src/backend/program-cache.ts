// The per-backend cache of compiled programs, looked up by kernel description. Eager code forms
// a fresh kernel description for every kernel it runs (a fused expression is new each time), so
// the lookup must not build anything: it hashes the description's fields to a 32-bit number and
// compares the candidates under that hash field by field. Two descriptions match when they agree
// on everything but the values of their constants (and an indexing kernel's `site`, a label for
// errors).

import type { Epilogue, Executable, Expr, InputLayout, Kernel, MatLayout } from "./kernel.js";
import { shapesEqual } from "../core/shape.js";

// Names (kinds, dtypes, reduce ops, unary and binary functions) enter the hash through their
// length and first and last characters: O(1) on V8's constant strings, and enough to tell apart
// the names that meet in one kernel (add/sub/mul/div, float32/int32/bool, …). Names that agree
// on all three only share a bucket; the comparison tells them apart.
function nameCode(s: string): number {
  const n = s.length;
  return n === 0 ? 0 : (n << 16) ^ (s.charCodeAt(0) << 8) ^ s.charCodeAt(n - 1);
}

/** FNV-1a step over one 32-bit word. */
function mix(h: number, v: number): number {
  return Math.imul(h ^ v, 16777619);
}

function mixNumbers(h: number, xs: readonly number[]): number {
  h = mix(h, xs.length);
  for (let i = 0; i < xs.length; i++) h = mix(h, xs[i] | 0);
  return h;
}

function hashExpr(h: number, e: Expr): number {
  h = mix(mix(h, nameCode(e.op)), nameCode(e.dtype));
  switch (e.op) {
    case "input":
    case "const":
      return mix(h, e.index);
    case "unary":
      return hashExpr(mix(h, nameCode(e.fn)), e.x);
    case "binary":
      return hashExpr(hashExpr(mix(h, nameCode(e.fn)), e.a), e.b);
    case "where":
      return hashExpr(hashExpr(hashExpr(h, e.cond), e.a), e.b);
    case "cast":
      return hashExpr(h, e.x);
  }
}

function hashLayouts(h: number, ls: readonly InputLayout[]): number {
  h = mix(h, ls.length);
  for (const l of ls) h = mixNumbers(mix(mix(h, nameCode(l.dtype)), l.offset | 0), l.strides);
  return h;
}

function hashMat(h: number, l: MatLayout): number {
  return mix(mix(mix(h, l.offset | 0), l.batchStride | 0), l.trans ? 1 : 0);
}

/** A 32-bit hash of the fields that identify `k`'s program (an extern kernel's parameters are left to the comparison). */
function hashKernel(k: Kernel): number {
  let h = mix(mix(2166136261, nameCode(k.kind)), nameCode(k.dtype));
  switch (k.kind) {
    case "elementwise":
      return hashExpr(hashLayouts(mixNumbers(h, k.shape), k.inputs), k.expr);
    case "reduce":
      h = mix(mix(mix(mix(h, nameCode(k.op)), k.outer), k.len), k.inner);
      return hashExpr(hashLayouts(h, k.inputs), k.expr);
    case "matmul": {
      h = hashMat(hashMat(mix(mix(mix(mix(h, k.batch), k.m), k.n), k.k), k.a), k.b);
      const e = k.epilogue;
      return e ? hashExpr(hashLayouts(mix(mixNumbers(h, e.shape), e.product), e.inputs), e.expr) : h;
    }
    case "softmax":
    case "argReduce":
      return mix(mix(mix(mix(h, nameCode(k.op)), k.outer), k.len), k.inner);
    case "gather":
    case "scatterAdd":
    case "indexSelect":
    case "indexAdd":
      return mix(mix(mix(mix(mix(h, k.outer), k.xLen), k.idxLen), k.inner), k.negative === "error" ? 1 : 0);
    case "concat":
      return mix(mixNumbers(mix(h, k.outer), k.lens), k.inner);
    case "pad":
      return mixNumbers(mixNumbers(mixNumbers(h, k.shape), k.before), k.after);
    case "extern":
      return mix(mix(h, nameCode(k.name)), k.size);
  }
}


function sameExpr(a: Expr, b: Expr): boolean {
  if (a === b) return true;
  if (a.op !== b.op || a.dtype !== b.dtype) return false;
  switch (a.op) {
    case "input":
    case "const":
      return a.index === (b as typeof a).index;
    case "unary": {
      const o = b as typeof a;
      return a.fn === o.fn && sameExpr(a.x, o.x);
    }
    case "binary": {
      const o = b as typeof a;
      return a.fn === o.fn && sameExpr(a.a, o.a) && sameExpr(a.b, o.b);
    }
    case "where": {
      const o = b as typeof a;
      return sameExpr(a.cond, o.cond) && sameExpr(a.a, o.a) && sameExpr(a.b, o.b);
    }
    case "cast":
      return sameExpr(a.x, (b as typeof a).x);
  }
}

function sameLayouts(a: readonly InputLayout[], b: readonly InputLayout[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) {
    const x = a[i];
    const y = b[i];
    if (x.dtype !== y.dtype || x.offset !== y.offset || !shapesEqual(x.strides, y.strides)) return false;
  }
  return true;
}

function sameMat(a: MatLayout, b: MatLayout): boolean {
  return a.offset === b.offset && a.batchStride === b.batchStride && a.trans === b.trans;
}

function sameEpilogue(a: Epilogue | undefined, b: Epilogue | undefined): boolean {
  if (a === undefined || b === undefined) return a === b;
  return a.product === b.product && shapesEqual(a.shape, b.shape) && sameLayouts(a.inputs, b.inputs) && sameExpr(a.expr, b.expr);
}

/** Whether kernels `a` and `b` (of equal kind and dtype) run the same program. */
function sameProgram(a: Kernel, b: Kernel): boolean {
  if (a.kind !== b.kind || a.dtype !== b.dtype) return false;
  switch (a.kind) {
    case "elementwise": {
      const o = b as typeof a;
      return shapesEqual(a.shape, o.shape) && sameLayouts(a.inputs, o.inputs) && sameExpr(a.expr, o.expr);
    }
    case "reduce": {
      const o = b as typeof a;
      return a.op === o.op && a.outer === o.outer && a.len === o.len && a.inner === o.inner && sameLayouts(a.inputs, o.inputs) && sameExpr(a.expr, o.expr);
    }
    case "matmul": {
      const o = b as typeof a;
      return a.batch === o.batch && a.m === o.m && a.n === o.n && a.k === o.k && sameMat(a.a, o.a) && sameMat(a.b, o.b) && sameEpilogue(a.epilogue, o.epilogue);
    }
    case "softmax":
    case "argReduce": {
      const o = b as typeof a;
      return a.op === o.op && a.outer === o.outer && a.len === o.len && a.inner === o.inner;
    }
    case "gather":
    case "scatterAdd":
    case "indexSelect":
    case "indexAdd": {
      const o = b as typeof a;
      return a.kind === o.kind && a.outer === o.outer && a.xLen === o.xLen && a.idxLen === o.idxLen && a.inner === o.inner && (a.negative === "error") === (o.negative === "error");
    }
    case "concat": {
      const o = b as typeof a;
      return a.outer === o.outer && a.inner === o.inner && shapesEqual(a.lens, o.lens);
    }
    case "pad": {
      const o = b as typeof a;
      return shapesEqual(a.shape, o.shape) && shapesEqual(a.before, o.before) && shapesEqual(a.after, o.after) && Object.is(a.value, o.value);
    }
    case "extern": {
      const o = b as typeof a;
      return a.name === o.name && a.size === o.size && a.inputs.length === o.inputs.length && a.inputs.every((d, i) => d === o.inputs[i]) && externParamsKey(a) === externParamsKey(o);
    }
  }
}

// An extern kernel's parameters are plain data, compared through their JSON text (made once per description object).
const paramsKeys = new WeakMap<object, string>();
function externParamsKey(k: Extract<Kernel, { kind: "extern" }>): string {
  let s = paramsKeys.get(k);
  if (s === undefined) paramsKeys.set(k, (s = JSON.stringify(k.params)));
  return s;
}

interface Entry {
  readonly kernel: Kernel;
  readonly exe: Executable;
}

/** Compiled programs of one backend by kernel description; starts over past `capacity` programs. */
export class ProgramCache {
  private readonly byHash = new Map<number, Entry[]>();
  private count = 0;

  constructor(private readonly capacity: number) {}

  get(k: Kernel): Executable | undefined {
    const list = this.byHash.get(hashKernel(k));
    if (list) for (const e of list) if (sameProgram(e.kernel, k)) return e.exe;
    return undefined;
  }

  set(k: Kernel, exe: Executable): void {
    if (this.count >= this.capacity) {
      this.byHash.clear();
      this.count = 0;
    }
    const h = hashKernel(k);
    let list = this.byHash.get(h);
    if (!list) this.byHash.set(h, (list = []));
    list.push({ kernel: k, exe });
    this.count++;
  }
}
