// Generates one small Wasm module per fused kernel description: an elementwise kernel over its
// merged loop nest, or a reduction with an elementwise prologue. Shapes, strides and the
// expression are baked into the code (the scheduler compiles each description once); the
// constants arrive at dispatch as f32 parameters. Every module imports the backend's linear
// memory (`env.memory`), so it reads and writes the same bytes as the prebuilt kernels.
//
// Rows run four elements at a time, then the 0–3 left over through the same vector code
// (splat-load, compute, store lane 0), so an element's value never depends on its position.

import type { Expr, InputLayout, Kernel, ReduceOp } from "../kernel.js";
import { mergeDims } from "../cpu/codegen.js";
import { F32, type Fn, I32, ModuleBuilder, V128, type ValType } from "./emitter.js";
import { constsOf, emitExpr, inputsOf } from "./fused-expr.js";

/** 64 KiB pages; a shared memory import must declare the maximum the memory was made with (module.ts). */
const MAX_PAGES = 65536;

/** Where one input's reads fall: elements [lo, hi) of its buffer are copied in; reads start at `first`. */
export interface InputSpan {
  readonly lo: number;
  readonly hi: number;
  readonly first: number;
}

/** An elementwise kernel's loop nest after merging dimensions: `dims`, and each input's element strides over them. */
export interface ElementwisePlan {
  readonly dims: readonly number[];
  readonly strides: readonly (readonly number[])[];
  readonly spans: readonly InputSpan[];
}

function span(offset: number, dims: readonly number[], strides: readonly number[]): InputSpan {
  let lo = offset;
  let hi = offset;
  dims.forEach((d, i) => {
    const reach = (d - 1) * strides[i];
    if (reach < 0) lo += reach;
    else hi += reach;
  });
  return { lo, hi: hi + 1, first: offset - lo };
}

/**
 * The loop nest of an elementwise kernel, or null when an input's innermost stride is negative
 * (rows are read forwards: contiguous, broadcast, or gathered at a positive stride).
 */
export function planElementwise(k: Extract<Kernel, { kind: "elementwise" }>): ElementwisePlan | null {
  const m = mergeDims(k.shape, k.inputs.map((l) => l.strides));
  // a 0-d (or all-ones) shape is one row of one element that every input broadcasts into
  const dims = m.shape.length ? m.shape : [1];
  const strides = m.shape.length ? m.strides : k.inputs.map(() => [0]);
  if (strides.some((s) => s[s.length - 1] < 0)) return null;
  return { dims, strides, spans: k.inputs.map((l, j) => span(l.offset, dims, strides[j])) };
}

/** A reduction reads each input at element f as I[offset + f·stride]; only stride 1 (streamed) or 0 (one value) render. */
export function planReduce(k: Extract<Kernel, { kind: "reduce" }>): InputSpan[] | null {
  const n = k.outer * k.len * k.inner;
  const spans: InputSpan[] = [];
  for (const l of k.inputs) {
    const s = l.strides[0] ?? 0;
    if (s !== 0 && s !== 1) return null;
    spans.push({ lo: l.offset, hi: l.offset + (s === 1 ? n : 1), first: 0 });
  }
  return spans;
}

function moduleBuilder(shared: boolean): ModuleBuilder {
  return new ModuleBuilder({ module: "env", name: "memory", initialPages: 1, maximumPages: shared ? MAX_PAGES : undefined, shared });
}

/** Parameters of every fused kernel: one byte pointer per input, the output pointer, then the constants as f32. */
function params(nInputs: number, nConsts: number): ValType[] {
  return [...Array<ValType>(nInputs + 1).fill(I32), ...Array<ValType>(nConsts).fill(F32)];
}

/** Splats the constants `expr` reads into v128 locals once, on entry. */
function splatConsts(f: Fn, expr: Expr, firstParam: number): Map<number, number> {
  const locals = new Map<number, number>();
  for (const c of constsOf(expr)) {
    const l = f.local(V128);
    f.get(firstParam + c).op("f32x4.splat").set(l);
    locals.set(c, l);
  }
  return locals;
}

/** How a row reads an input: a splat held for the whole kernel or row, or a pointer stepping `stride` elements. */
type RowRead = { kind: "splat"; local: number } | { kind: "step"; ptr: number; stride: number };

/**
 * Evaluates `expr` on one step of a row (four lanes, or one in the tail) and hands the result's
 * local to `use`, then advances the stepping pointers.
 */
function emitStep(f: Fn, expr: Expr, reads: readonly RowRead[], consts: Map<number, number>, vec: boolean, use: (v: number) => void): void {
  const vals = new Map<number, number>();
  for (const j of inputsOf(expr)) {
    const r = reads[j];
    if (r.kind === "splat") {
      vals.set(j, r.local);
      continue;
    }
    const v = f.local(V128);
    f.get(r.ptr).mem(vec && r.stride === 1 ? "v128.load" : "v128.load32_splat").set(v);
    // a strided row is gathered lane by lane; the memarg offsets reach lanes 1–3
    if (vec && r.stride !== 1) {
      for (let lane = 1; lane < 4; lane++) f.get(r.ptr).get(v).memLane("v128.load32_lane", 4 * r.stride * lane, lane).set(v);
    }
    vals.set(j, v);
  }
  use(emitExpr(f, expr, (j) => vals.get(j)!, (c) => consts.get(c)!));
  for (const r of reads) if (r.kind === "step") f.addTo(r.ptr, (vec ? 16 : 4) * r.stride);
}

/** `count` steps of a row: vectors of four while they last, then single elements. */
function emitRow(f: Fn, count: number, body: (vec: boolean) => void): void {
  f.whileLoop(() => f.get(count).i32(4).op("i32.ge_s"), () => {
    body(true);
    f.addTo(count, -4);
  });
  f.whileLoop(() => f.get(count).i32(0).op("i32.gt_s"), () => {
    body(false);
    f.addTo(count, -1);
  });
}

/** Rows of at most this many elements, a length known when the module is built, are unrolled. */
const UNROLL_ROW = 32;

/**
 * A row of `n` steps (`n` known when the module is built): unrolled when short, so that rows of a
 * few vectors (a classifier's logits, a small hidden layer) pay no loop tests; the same steps in
 * the same order as `emitRow`.
 */
function emitRowOf(f: Fn, n: number, count: number, body: (vec: boolean) => void): void {
  if (n > UNROLL_ROW) {
    f.i32(n).set(count);
    emitRow(f, count, body);
    return;
  }
  for (let i = 0; i + 4 <= n; i += 4) body(true);
  for (let i = 0; i < n % 4; i++) body(false);
}

/** Stores the step's value at `ptr` (four lanes or lane 0) and advances it. */
function storeAt(f: Fn, ptr: number, vec: boolean, v: number): void {
  f.get(ptr).get(v);
  if (vec) f.mem("v128.store");
  else f.lane("f32x4.extract_lane", 0).mem("f32.store");
  f.addTo(ptr, vec ? 16 : 4);
}

/**
 * Word offsets of a shared elementwise job's descriptor (`run_mt`): the claim counter, the
 * positions of the outermost dimension each claim covers, then the input and output pointers
 * and the constants (as f32).
 */
export const MT = { counter: 0, chunk: 1, args: 2 } as const;

/**
 * out[i] = expr(inputs at i): outer loops over all merged dimensions but the last (each input's
 * pointer stepping by its stride there), and a row loop over the last, where an input is read
 * contiguously, gathered at its stride, or — stride 0 — splatted once per row (once per kernel
 * when it is a scalar).
 *
 * The body covers positions [start, end) of the outermost merged dimension (of the row itself
 * when there is one dimension); `run` takes all of it. With shared memory, `run_mt(desc, tid)`
 * claims chunks of it from the counter in `desc` (layout `MT`) until none are left, so any
 * number of threads may take part: each element is computed by the same code wherever the chunks
 * fall, so the result does not depend on the split.
 */
export function buildElementwise(plan: ElementwisePlan, expr: Expr, nConsts: number, shared: boolean): Uint8Array<ArrayBuffer> {
  const mb = moduleBuilder(shared);
  const nIn = plan.strides.length;
  const { dims, strides } = plan;
  const last = dims.length - 1;
  // elements of the output per step of the outermost dimension
  const inner = dims.slice(1).reduce((a, b) => a * b, 1);
  const coreParams: ValType[] = [...params(nIn, nConsts), I32, I32];
  const core = mb.func(coreParams, [], (f) => {
    const start = nIn + 1 + nConsts, end = start + 1;
    const consts = splatConsts(f, expr, nIn + 1);
    const out = nIn;
    const used = inputsOf(expr);
    const scalar = strides.map((s) => s.every((x) => x === 0));
    const entry = new Map<number, number>();
    for (const j of used) {
      if (!scalar[j]) continue;
      const l = f.local(V128);
      f.get(j).mem("v128.load32_splat").set(l);
      entry.set(j, l);
    }
    // move every stepping pointer (and the output) to position `start` of the outermost dimension
    strides.forEach((s, j) => {
      if (!scalar[j] && s[0] !== 0) f.addTo(j, () => f.get(start).i32(4 * s[0]).op("i32.mul"));
    });
    f.addTo(out, () => f.get(start).i32(4 * inner).op("i32.mul"));
    const count = f.local(I32);
    const ptrs = strides.map(() => f.local(I32));
    const rowSplat = strides.map(() => f.local(V128));
    // base[j] is input j's pointer at the start of the current outer iteration
    const nest = (level: number, base: readonly number[]): void => {
      if (level === last) {
        const reads: RowRead[] = strides.map((s, j): RowRead => {
          const e = entry.get(j);
          if (e !== undefined) return { kind: "splat", local: e };
          if (s[last] === 0) {
            if (used.has(j)) f.get(base[j]).mem("v128.load32_splat").set(rowSplat[j]);
            return { kind: "splat", local: rowSplat[j] };
          }
          f.get(base[j]).set(ptrs[j]);
          return { kind: "step", ptr: ptrs[j], stride: s[last] };
        });
        const step = (vec: boolean) => emitStep(f, expr, reads, consts, vec, (v) => storeAt(f, out, vec, v));
        if (level === 0) {
          f.get(end).get(start).op("i32.sub").set(count);
          emitRow(f, count, step);
        } else emitRowOf(f, dims[last], count, step);
        return;
      }
      const i = f.local(I32);
      const q = strides.map((_, j) => {
        const l = f.local(I32);
        f.get(base[j]).set(l);
        return l;
      });
      const from = () => (level === 0 ? f.get(start) : f.i32(0));
      const to = () => (level === 0 ? f.get(end) : f.i32(dims[level]));
      f.forLoop(i, from, to, 1, () => {
        nest(level + 1, q);
        strides.forEach((s, j) => {
          if (s[level] !== 0 && !scalar[j]) f.addTo(q[j], 4 * s[level]);
        });
      });
    };
    nest(0, strides.map((_, j) => j));
  });
  mb.func(params(nIn, nConsts), [], (f) => {
    for (let p = 0; p < nIn + 1 + nConsts; p++) f.get(p);
    f.i32(0).i32(dims[0]).call(core);
  }, "run");
  if (shared) {
    mb.func([I32, I32], [], (f) => {
      const desc = 0;
      const at = f.local(I32), stop = f.local(I32);
      f.block((done) => {
        f.loop((next) => {
          f.get(desc).i32(1).mem("i32.atomic.rmw.add", 4 * MT.counter);
          f.get(desc).mem("i32.load", 4 * MT.chunk).op("i32.mul").tee(at);
          f.i32(dims[0]).op("i32.ge_s").brIf(done);
          f.get(at).get(desc).mem("i32.load", 4 * MT.chunk).op("i32.add").set(stop);
          f.i32(dims[0]).get(stop).get(stop).i32(dims[0]).op("i32.gt_s").op("select").set(stop);
          for (let p = 0; p < nIn + 1; p++) f.get(desc).mem("i32.load", 4 * (MT.args + p));
          for (let c = 0; c < nConsts; c++) f.get(desc).mem("f32.load", 4 * (MT.args + nIn + 1 + c));
          f.get(at).get(stop).call(core);
          f.br(next);
        });
      });
    }, "run_mt");
  }
  return mb.build();
}

const INIT: Record<ReduceOp, number> = { sum: 0, prod: 1, max: -Infinity, min: Infinity };
const VEC: Record<ReduceOp, string> = { sum: "f32x4.add", prod: "f32x4.mul", max: "f32x4.max", min: "f32x4.min" };
const SCALAR: Record<ReduceOp, string> = { sum: "f32.add", prod: "f32.mul", max: "f32.max", min: "f32.min" };

/**
 * out[o, i] = reduce over r of expr(inputs at (o·len + r)·inner + i), accumulating in float32
 * (max/min propagate NaN, like the JS form). The streamed inputs are read in memory order
 * throughout, so their pointers only ever advance.
 *
 * inner = 1: one vector accumulator per output row, combined across lanes ((l0∘l1)∘(l2∘l3)),
 * then the row's last 0–3 elements in order. inner > 1: the output row is the accumulator,
 * updated four columns at a time for each r in order.
 */
export function buildReduce(k: Extract<Kernel, { kind: "reduce" }>, shared: boolean): Uint8Array<ArrayBuffer> {
  const mb = moduleBuilder(shared);
  const { outer, len, inner, op, expr, inputs } = k;
  const nIn = inputs.length;
  mb.func(params(nIn, k.consts.length), [], (f) => {
    const consts = splatConsts(f, expr, nIn + 1);
    const out = nIn;
    const reads = inputs.map((l: InputLayout, j): RowRead => {
      if ((l.strides[0] ?? 0) === 1) return { kind: "step", ptr: j, stride: 1 };
      const s = f.local(V128);
      f.get(j).mem("v128.load32_splat").set(s);
      return { kind: "splat", local: s };
    });
    const o = f.local(I32), count = f.local(I32);
    if (inner === 1) {
      const acc = f.local(V128), s = f.local(F32);
      f.forLoop(o, () => f.i32(0), () => f.i32(outer), 1, () => {
        f.f32x4(INIT[op]).set(acc);
        f.f32(INIT[op]).set(s);
        const vector = () => emitStep(f, expr, reads, consts, true, (v) => void f.get(acc).get(v).op(VEC[op]).set(acc));
        const single = () => emitStep(f, expr, reads, consts, false, (v) => void f.get(s).get(v).lane("f32x4.extract_lane", 0).op(SCALAR[op]).set(s));
        const lanes = (a: number, b: number) => f.get(acc).lane("f32x4.extract_lane", a).get(acc).lane("f32x4.extract_lane", b).op(SCALAR[op]);
        const combine = () => {
          lanes(0, 1);
          lanes(2, 3);
          f.op(SCALAR[op]).set(s);
        };
        if (len <= UNROLL_ROW) {
          // a short row (known when the module is built): the same steps, unrolled
          for (let i = 0; i + 4 <= len; i += 4) vector();
          combine();
          for (let i = 0; i < len % 4; i++) single();
        } else {
          f.i32(len).set(count);
          f.whileLoop(() => f.get(count).i32(4).op("i32.ge_s"), () => {
            vector();
            f.addTo(count, -4);
          });
          combine();
          f.whileLoop(() => f.get(count).i32(0).op("i32.gt_s"), () => {
            single();
            f.addTo(count, -1);
          });
        }
        f.get(out).get(s).mem("f32.store");
        f.addTo(out, 4);
      });
    } else {
      const r = f.local(I32), po = f.local(I32), init = f.local(V128);
      f.f32x4(INIT[op]).set(init);
      f.forLoop(o, () => f.i32(0), () => f.i32(outer), 1, () => {
        f.get(out).set(po);
        emitRowOf(f, inner, count, (vec) => storeAt(f, po, vec, init));
        f.forLoop(r, () => f.i32(0), () => f.i32(len), 1, () => {
          f.get(out).set(po);
          emitRowOf(f, inner, count, (vec) => emitStep(f, expr, reads, consts, vec, (v) => {
            // a fresh local: `v` may be a splat that later steps still read
            const t = f.local(V128);
            f.get(po).mem(vec ? "v128.load" : "v128.load32_splat").get(v).op(VEC[op]).set(t);
            storeAt(f, po, vec, t);
          }));
        });
        f.addTo(out, 4 * inner);
      });
    }
  }, "run");
  return mb.build();
}

/** A compiled fused kernel: `run(...inputPointers, outPointer, ...consts)`. */
export type FusedRun = (...args: number[]) => void;

/** A compiled fused kernel and, for an elementwise one built with shared memory, its `run_mt(desc, tid)`. */
export interface FusedModule {
  run: FusedRun;
  runMt?: (desc: number, tid: number) => void;
}

/** Compiles and instantiates a fused kernel module on `memory` (synchronous: the modules are a few hundred bytes). */
export function instantiateFused(bytes: Uint8Array<ArrayBuffer>, memory: WebAssembly.Memory): FusedModule {
  const instance = new WebAssembly.Instance(new WebAssembly.Module(bytes), { env: { memory } });
  const ex = instance.exports as Record<string, (...args: number[]) => void>;
  return { run: ex.run, runMt: ex.run_mt };
}
