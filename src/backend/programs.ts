// Compiled programs: the per-backend cache of kernel programs (keyed by the kernel's description
// without its constants' values), the fast path that runs one eager elementwise operation by
// its shared expression object, and moving a realized buffer to the backend that reads it.

import { ArgumentError, MemoryError } from "../core/errors.js";
import type { Backend, Buf, Executable, Expr, InputLayout, Kernel } from "./kernel.js";
import type { LazyBuffer, PendingOp, View } from "./lazy.js";
import { indexErrorMessage } from "./index-error.js";
import { ProgramCache } from "./program-cache.js";
import { RECYCLE_MIN_BYTES, recycleStats, recycling, takeArray, track } from "./recycle.js";
import { elementBytes, type TypedArray } from "../core/dtype.js";
import { shapesEqual } from "../core/shape.js";

const programs = new WeakMap<Backend, ProgramCache>();
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
    throw memoryError(be, kernel, size, e);
  }
}

/** A fresh output of `size` elements of `dtype` with `exe` dispatched into it (a compiled plan's host results). */
export function allocAndDispatch(be: Backend, kernel: Kernel, exe: Executable, inputs: readonly Buf[], size: number, dtype: Kernel["dtype"]): Buf {
  try {
    const o = be.alloc(dtype, size);
    be.dispatch(exe, kernel, inputs, o);
    return o;
  } catch (e) {
    throw memoryError(be, kernel, size, e);
  }
}

/**
 * Gives pending `lb` a fresh output with `exe` dispatched into it: `run` without the closure
 * (eager code does this for every kernel). On a host backend a large output is a recycled array
 * where the pool has one of its length (recycle.ts), and is tracked to go back to the pool once
 * `lb` is collected.
 */
export function dispatchInto(lb: LazyBuffer, be: Backend, kernel: Kernel, exe: Executable, inputs: readonly Buf[]): void {
  const size = lb.size;
  try {
    // (fewer elements than RECYCLE_MIN_BYTES / 8 are never that many bytes: small eager work skips the lookup)
    const bytes = size >= RECYCLE_MIN_BYTES / 8 && be.hostBuffers ? size * elementBytes(lb.dtype) : 0;
    const o = bytes >= RECYCLE_MIN_BYTES ? recycledOutput(lb, be, bytes) : be.alloc(lb.dtype, size);
    be.dispatch(exe, kernel, inputs, o);
    lb.adopt(o);
  } catch (e) {
    throw memoryError(be, kernel, size, e);
  }
}

/**
 * A large host output for `lb`: while recycling, an array from the pool or one the backend makes
 * for it (`allocRecycled`), tracked before the kernel runs (should it throw, the array still
 * goes back to the pool with `lb`); otherwise a fresh one.
 */
function recycledOutput(lb: LazyBuffer, be: Backend, bytes: number): Buf {
  const size = lb.size;
  let o: Buf | undefined;
  if (recycling()) {
    // no zeroing: every kernel writes every element of its output (extern kernels by their
    // contract, extern.ts), as compiled plans, which reuse their blocks, rely on already
    o = takeArray(lb.dtype, size, bytes);
    if (o === undefined && (o = be.allocRecycled?.(lb.dtype, size)) !== undefined) recycleStats.homed++;
  }
  o ??= be.alloc(lb.dtype, size);
  lb.recycle = track(lb, o as TypedArray, lb.dtype);
  return o;
}

function memoryError(be: Backend, kernel: Kernel, size: number, e: unknown): unknown {
  if (e instanceof RangeError || (e instanceof WebAssembly.RuntimeError && /memory/i.test(e.message)))
    return new MemoryError(`${kernel.kind} (${kernel.dtype}, ${size} elements) on ${be.name}: memory could not be allocated: ${e.message}`);
  return e;
}

/** `lb`'s realized buffer as backend `be` reads it: shared between host backends, else copied once. */
export function bufOn(lb: LazyBuffer, be: Backend): Buf {
  const buf = lb.buf!;
  if (lb.backend === be || (lb.backend.hostBuffers && be.hostBuffers && !lb.backend.isResident?.(buf))) return buf;
  return be.upload(lb.backend.read(buf, lb.dtype, lb.size), lb.dtype);
}

/** The backend's compiled program for `k`, compiled on first use and cached by `k`'s description. */
export function program(be: Backend, k: Kernel): Executable {
  let cache = programs.get(be);
  if (!cache) programs.set(be, (cache = new ProgramCache(MAX_PROGRAMS)));
  let exe = cache.get(k);
  if (!exe) {
    exe = be.compile(k);
    scheduleStats.compiled++;
    cache.set(k, exe);
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
// Interned expressions live as long as the process, so a Map (faster than a WeakMap) holds them;
// the last backend's table is kept at hand, eager code running on one backend.
const singles = new WeakMap<Backend, Map<Expr, Singles>>();
let lastBackend: Backend | null = null;
let lastSingles: Map<Expr, Singles> | null = null;
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

// (shapes and contiguous strides are shared frozen arrays, core/shape.ts: `shapesEqual` compares them by identity first)
function sameLayouts(s: Single, shape: readonly number[], inputs: readonly View[]): boolean {
  if (s.layouts.length !== inputs.length || !shapesEqual(s.shape, shape)) return false;
  for (let j = 0; j < inputs.length; j++) {
    const l = s.layouts[j];
    const v = inputs[j];
    if (l.dtype !== v.src.dtype || l.offset !== v.offset || !shapesEqual(l.strides, v.strides)) return false;
  }
  return true;
}

/** The programs of one expression: the last one used (eager loops repeat an operation), then all by a hash of their layouts. */
interface Singles {
  last: Single | null;
  readonly byHash: Map<number, Single[]>;
}

/**
 * Runs one elementwise operation over realized inputs — the whole of eager code's per-operation
 * work — finding its program by the operation's shared expression object and a numeric hash of
 * its layouts, without building a kernel description's string key.
 */
export function single(lb: LazyBuffer, op: Extract<PendingOp, { kind: "elementwise" }>): void {
  const be = lb.backend;
  let byExpr = be === lastBackend ? lastSingles : singles.get(be);
  if (!byExpr) singles.set(be, (byExpr = new Map()));
  lastBackend = be;
  lastSingles = byExpr;
  let entry = byExpr.get(op.expr);
  if (!entry) byExpr.set(op.expr, (entry = { last: null, byHash: new Map() }));
  let found = entry.last !== null && sameLayouts(entry.last, op.shape, op.inputs) ? entry.last : undefined;
  if (!found) {
    const h = layoutHash(op.shape, op.inputs);
    let list = entry.byHash.get(h);
    if (list) for (const s of list) if (sameLayouts(s, op.shape, op.inputs)) found = s;
    if (!found) {
      const layouts = op.inputs.map((v) => ({ dtype: v.src.dtype, strides: v.strides, offset: v.offset }));
      const kernel: Kernel = { kind: "elementwise", dtype: lb.dtype, shape: op.shape, inputs: layouts, consts: [], expr: op.expr };
      found = { shape: op.shape, layouts, kernel, exe: program(be, kernel) };
      if (!list) entry.byHash.set(h, (list = []));
      list.push(found);
    }
    entry.last = found;
  }
  const bufs: Buf[] = [];
  for (const v of op.inputs) bufs.push(bufOn(v.src, be));
  dispatchInto(lb, be, found.kernel, found.exe, bufs);
  scheduleStats.kernels++;
  lb.op = null;
  lb.depth = 0;
  const err = be.takeIndexError();
  if (err) throw new ArgumentError(indexErrorMessage(err));
}

