// Lazy buffers: the storage under every concrete tensor. A lazy buffer is either realized (a
// backend buffer) or pending (the kernel that will compute it, over other lazy buffers).
// Primitives lower to pending buffers through `Lowering` (the methods a primitive's `kernel`
// calls); nothing runs until a value is needed — `data()`, `item()`, `backward()`, an optimizer
// step or `tg.realize` — when the scheduler (schedule.ts) fuses and runs the pending graph.

import type { DType, TypedArray } from "../core/dtype.js";
import { contiguousStrides } from "../core/shape.js";
import type { ArgReduceOp, Backend, BinaryOp, Buf, Expr, Kernel, KernelOp, ReduceOp, UnaryOp } from "./kernel.js";
import { isCompare } from "./ops.js";
import { realize } from "./schedule.js";
import { captureState, type Capture } from "./capture.js";
import type { ExternParams } from "./extern.js";
import { withdraw, type RecycleToken } from "./recycle.js";

/** A read of a lazy buffer through element strides over some shape, from `offset`. */
export interface View {
  readonly src: LazyBuffer;
  readonly strides: readonly number[];
  readonly offset: number;
}

/** How a pending buffer is computed. */
export type PendingOp =
  | {
      readonly kind: "elementwise";
      readonly shape: readonly number[];
      /** `input` nodes index `inputs`, `const` nodes index `consts`. */
      readonly expr: Expr;
      readonly inputs: readonly View[];
      readonly consts: readonly number[];
    }
  | { readonly kind: "reduce"; readonly op: ReduceOp; readonly outer: number; readonly len: number; readonly inner: number; readonly src: LazyBuffer }
  | {
      /** Any other kernel; its inputs are contiguous buffers (matmul carries offsets in its layouts). */
      readonly kind: "kernel";
      readonly kernel: Exclude<Kernel, { kind: "elementwise" | "reduce" }>;
      readonly inputs: readonly LazyBuffer[];
    };

/** The constants of an operation that has none (shared: pending operations never change theirs). */
const NO_CONSTS: readonly number[] = [];

/** Pending graphs deeper than this are realized as they are built, so memory and recursion stay bounded. */
export const MAX_PENDING_DEPTH = 48;

export class LazyBuffer {
  /** The realized buffer, or null while pending. */
  buf: Buf | null = null;
  /** How to compute this buffer while pending; dropped once realized, so its inputs can be collected. */
  op: PendingOp | null = null;
  /** Longest chain of pending buffers ending here (0 when realized). */
  depth = 0;
  /**
   * Set when a realization inlined this buffer into a consumer. A fused buffer that a later
   * realization meets again is evidently still held by a tensor, so it gets a buffer of its own
   * then instead of being recomputed each time.
   */
  fused = false;
  /** The trace that created this buffer (a value of a compiled function being traced), if any. */
  traced: Capture | null = null;
  /** Index of the traced function's input this buffer stands for (placeholders only), else −1. */
  argIndex = -1;
  /** Set when the buffer was handed over (donated) to a compiled call, which may overwrite it. */
  donated = false;
  /**
   * Set once anything besides the tensor that owns this buffer may read it: a view or a
   * `detach()`, a pending kernel, a state dict. A compiled step then keeps the old values for
   * those readers before it updates a parameter in place.
   */
  shared = false;

  /** The tie of an eager kernel's large host output to the pool it returns to once this is collected (recycle.ts). */
  recycle: RecycleToken | null = null;

  /** @internal the scheduler's bookkeeping, valid for the run whose number it carries (schedule.ts) */
  seenRun = 0;
  /** @internal */
  useRun = 0;
  /** @internal pending consumers counted by run `useRun` */
  uses = 0;
  /** @internal */
  targetRun = 0;
  /** @internal a replay's reference to this buffer in the graph walk numbered `slotRun`: a node's position, or ~(a realized buffer's slot) (replay.ts) */
  slotRun = 0;
  /** @internal */
  slot = 0;

  constructor(
    readonly backend: Backend,
    readonly dtype: DType,
    readonly size: number,
  ) {}

  static realized(backend: Backend, buf: Buf, dtype: DType, size: number): LazyBuffer {
    const lb = new LazyBuffer(backend, dtype, size);
    lb.adopt(buf);
    return lb;
  }

  /**
   * Takes `buf` as this buffer's memory. On a backend whose memory the garbage collector does
   * not reclaim (a GPU), the buffer is freed once this lazy buffer is collected — users never
   * call `dispose`.
   */
  adopt(buf: Buf): void {
    this.buf = buf;
    if (!this.backend.hostBuffers) collected.register(this, { backend: this.backend, buf }, this);
  }

  /** Hands this buffer's memory to someone else (a compiled call's result): it is no longer freed with this. */
  release(): void {
    if (!this.backend.hostBuffers) collected.unregister(this);
    if (this.recycle !== null) {
      withdraw(this.recycle);
      this.recycle = null;
    }
  }

  static pending(backend: Backend, dtype: DType, size: number, op: PendingOp): LazyBuffer {
    const lb = new LazyBuffer(backend, dtype, size);
    lb.op = op;
    // the deepest pending input, each input marked as read by someone else (no closure: this runs for every operation)
    let d = 0;
    if (op.kind === "reduce") {
      d = op.src.depth;
      op.src.shared = true;
    } else
      for (let i = 0; i < op.inputs.length; i++) {
        const s = op.kind === "elementwise" ? op.inputs[i].src : op.inputs[i];
        if (s.depth > d) d = s.depth;
        s.shared = true;
      }
    lb.depth = d + 1;
    lb.traced = captureState.active;
    return lb;
  }

  /** Stands for input `index` of the function being traced: no data, only a shape's worth of size. */
  static placeholder(backend: Backend, dtype: DType, size: number, capture: Capture, index: number): LazyBuffer {
    const lb = new LazyBuffer(backend, dtype, size);
    lb.traced = capture;
    lb.argIndex = index;
    return lb;
  }
}

/**
 * The realized constants the derivative rules make (`constLike`: the 1 in 1 − y²): numbers fixed by
 * the rule alone, which a recorded backward pass may keep a copy of (rooted.ts).
 */
export const ruleConstants = new WeakSet<LazyBuffer>();

/** How an indexing kernel treats negative indices, and whom its index errors name (see Kernel). */
export type IndexingHow = Pick<Extract<Kernel, { kind: "gather" | "scatterAdd" | "indexSelect" | "indexAdd" }>, "negative" | "site">;

/** An elementwise operand as primitives describe it: a lazy buffer read through strides over the output shape. */
export interface ElemArg {
  readonly buf: LazyBuffer;
  readonly offset: number;
  readonly strides: readonly number[];
}

/** One matmul operand: `batch` matrices in one lazy buffer, `batchStride` elements apart (0 = shared). */
export interface MatArg {
  readonly buf: LazyBuffer;
  readonly offset: number;
  readonly batchStride: number;
  /** Stored transposed: A is kept as [k, m] (or B as [n, k]) in row-major order. */
  readonly trans: boolean;
}

/**
 * What a primitive's kernel call sees: one method per kernel family, each returning a pending
 * lazy buffer on the device that runs it — the default backend when it supports the operation,
 * otherwise the reference backend (inputs then cross with one explicit copy at run time).
 */
export class Lowering {
  constructor(
    /** The default backend for new work. */
    readonly backend: Backend,
    /** Where work goes that the default backend does not support. */
    readonly fallback: Backend,
  ) {}

  private device(op: KernelOp, dtype: DType): Backend {
    return this.backend.supports(op, dtype) ? this.backend : this.fallback;
  }

  private make(be: Backend, dtype: DType, size: number, op: PendingOp): LazyBuffer {
    const lb = LazyBuffer.pending(be, dtype, size, op);
    if (lb.depth > MAX_PENDING_DEPTH && !captureState.active) realize([lb]);
    return lb;
  }

  /** New data lives on the default backend, or on the fallback when the default cannot hold its dtype. */
  upload(data: TypedArray, dtype: DType): LazyBuffer {
    const be = this.device("cast", dtype);
    return LazyBuffer.realized(be, be.upload(data, dtype), dtype, data.length);
  }

  /** A constant: a pending kernel with no inputs, so it fuses into whatever reads it. */
  fill(dtype: DType, size: number, value: number): LazyBuffer {
    // the shared expression: a replayed schedule matches operations by their expression's identity
    const expr = interned(FILL, "fill", dtype, dtype) ?? intern(FILL, "fill", dtype, dtype, { op: "const", index: 0, dtype });
    return this.make(this.device("elementwise", dtype), dtype, size, { kind: "elementwise", shape: [size], expr, inputs: [], consts: [value] });
  }

  private elementwise(op: KernelOp, dtype: DType, shape: readonly number[], args: readonly ElemArg[], expr: Expr): LazyBuffer {
    let size = 1;
    for (const d of shape) size *= d;
    const inputs = new Array<View>(args.length);
    for (let i = 0; i < args.length; i++) {
      const a = args[i];
      inputs[i] = { src: a.buf, strides: a.strides, offset: a.offset };
    }
    return this.make(this.device(op, dtype), expr.dtype, size, { kind: "elementwise", shape, expr, inputs, consts: NO_CONSTS });
  }

  unary(op: UnaryOp, x: ElemArg, shape: readonly number[], dtype: DType): LazyBuffer {
    const expr = interned(UNARY, op, dtype, dtype) ?? intern(UNARY, op, dtype, dtype, { op: "unary", fn: op, x: { op: "input", index: 0, dtype }, dtype });
    return this.elementwise(op, dtype, shape, [x], expr);
  }

  /** `dtype` is the compute dtype of both inputs; `outDtype` is `bool` for comparisons. */
  binary(op: BinaryOp, a: ElemArg, b: ElemArg, shape: readonly number[], dtype: DType, outDtype: DType): LazyBuffer {
    const out = isCompare(op) ? "bool" : outDtype;
    const expr =
      interned(BINARY, op, dtype, out) ??
      intern(BINARY, op, dtype, out, { op: "binary", fn: op, a: { op: "input", index: 0, dtype }, b: { op: "input", index: 1, dtype }, dtype: out });
    return this.elementwise(op, dtype, shape, [a, b], expr);
  }

  where(cond: ElemArg, a: ElemArg, b: ElemArg, shape: readonly number[], dtype: DType): LazyBuffer {
    const expr =
      interned(WHERE, "where", dtype, dtype) ??
      intern(WHERE, "where", dtype, dtype, {
        op: "where",
        cond: { op: "input", index: 0, dtype: "bool" },
        a: { op: "input", index: 1, dtype },
        b: { op: "input", index: 2, dtype },
        dtype,
      });
    return this.elementwise("where", dtype, shape, [cond, a, b], expr);
  }

  /** Converts (or, with `from === to`, copies a strided view into a contiguous buffer). */
  cast(x: ElemArg, shape: readonly number[], from: DType, to: DType): LazyBuffer {
    let expr = interned(CAST, "cast", from, to);
    if (expr === undefined) {
      const input: Expr = { op: "input", index: 0, dtype: from };
      expr = intern(CAST, "cast", from, to, from === to ? input : { op: "cast", x: input, dtype: to });
    }
    return this.elementwise("cast", to, shape, [x], expr);
  }

  reduce(op: ReduceOp, x: LazyBuffer, dtype: DType, outer: number, len: number, inner: number): LazyBuffer {
    return this.make(this.device("reduce", dtype), dtype, outer * inner, { kind: "reduce", op, outer, len, inner, src: x });
  }

  private kernel(kernel: Exclude<Kernel, { kind: "elementwise" | "reduce" }>, inputs: readonly LazyBuffer[], outDtype: DType, size: number): LazyBuffer {
    return this.make(this.device(kernel.kind, kernel.dtype), outDtype, size, { kind: "kernel", kernel, inputs });
  }

  softmax(op: "softmax" | "logSoftmax", x: LazyBuffer, dtype: DType, outer: number, len: number, inner: number): LazyBuffer {
    return this.kernel({ kind: "softmax", op, dtype, outer, len, inner }, [x], dtype, outer * len * inner);
  }

  /** Index (int32) of the first maximum / minimum along the middle axis. */
  argReduce(op: ArgReduceOp, x: LazyBuffer, dtype: DType, outer: number, len: number, inner: number): LazyBuffer {
    return this.kernel({ kind: "argReduce", op, dtype, outer, len, inner }, [x], "int32", outer * inner);
  }

  matmul(a: MatArg, b: MatArg, batch: number, m: number, n: number, k: number, dtype: DType): LazyBuffer {
    const layout = (x: MatArg) => ({ offset: x.offset, batchStride: x.batchStride, trans: x.trans });
    // (`epilogue` present from the start: the scheduler's fused form then has the same object shape)
    return this.kernel({ kind: "matmul", dtype, batch, m, n, k, a: layout(a), b: layout(b), epilogue: undefined }, [a.buf, b.buf], dtype, batch * m * n);
  }

  private indexing(kind: "gather" | "scatterAdd" | "indexSelect" | "indexAdd", x: LazyBuffer, idx: LazyBuffer, dtype: DType, outer: number, xLen: number, idxLen: number, inner: number, how: IndexingHow): LazyBuffer {
    const outLen = kind === "gather" || kind === "indexSelect" ? idxLen : xLen;
    return this.kernel({ kind, dtype, outer, xLen, idxLen, inner, ...how }, [x, idx], dtype, outer * outLen * inner);
  }

  /** out[o, j, i] = x[o, idx[o, j, i], i]; x is [outer, xLen, inner], idx [outer, idxLen, inner]. */
  gather(x: LazyBuffer, idx: LazyBuffer, dtype: DType, outer: number, xLen: number, idxLen: number, inner: number, how: IndexingHow = {}): LazyBuffer {
    return this.indexing("gather", x, idx, dtype, outer, xLen, idxLen, inner, how);
  }
  /** The transpose of `gather`: out (zeros [outer, xLen, inner]) gets out[o, idx[o,j,i], i] += src[o, j, i]. */
  scatterAdd(src: LazyBuffer, idx: LazyBuffer, dtype: DType, outer: number, xLen: number, idxLen: number, inner: number, how: IndexingHow = {}): LazyBuffer {
    return this.indexing("scatterAdd", src, idx, dtype, outer, xLen, idxLen, inner, how);
  }
  /** out[o, j, i] = x[o, idx[j], i] with a 1-D idx of length nIdx. */
  indexSelect(x: LazyBuffer, idx: LazyBuffer, dtype: DType, outer: number, xLen: number, nIdx: number, inner: number, how: IndexingHow = {}): LazyBuffer {
    return this.indexing("indexSelect", x, idx, dtype, outer, xLen, nIdx, inner, how);
  }
  /** The transpose of `indexSelect`: out[o, idx[j], i] += src[o, j, i]. */
  indexAdd(src: LazyBuffer, idx: LazyBuffer, dtype: DType, outer: number, xLen: number, nIdx: number, inner: number, how: IndexingHow = {}): LazyBuffer {
    return this.indexing("indexAdd", src, idx, dtype, outer, xLen, nIdx, inner, how);
  }

  /** Concatenates contiguous blocks [outer, lens[p], inner] along the middle axis. */
  concat(parts: readonly LazyBuffer[], dtype: DType, outer: number, lens: readonly number[], inner: number): LazyBuffer {
    const total = lens.reduce((s, l) => s + l, 0);
    return this.kernel({ kind: "concat", dtype, outer, lens: [...lens], inner }, parts, dtype, outer * total * inner);
  }

  /**
   * A registered extern kernel (./extern.ts) over contiguous inputs: `size` elements of `dtype`.
   * Its parameters must be plain data; they are part of the program's cache key.
   */
  extern(name: string, inputs: readonly LazyBuffer[], inputDtypes: readonly DType[], dtype: DType, size: number, params: ExternParams = {}): LazyBuffer {
    return this.kernel({ kind: "extern", name, dtype, inputs: [...inputDtypes], size, params }, inputs, dtype, size);
  }

  /** Pads a contiguous tensor with a constant. */
  pad(x: LazyBuffer, dtype: DType, shape: readonly number[], before: readonly number[], after: readonly number[], value: number): LazyBuffer {
    let size = 1;
    for (let i = 0; i < shape.length; i++) size *= shape[i] + before[i] + after[i];
    return this.kernel({ kind: "pad", dtype, shape: [...shape], before: [...before], after: [...after], value }, [x], dtype, size);
  }
}

/**
 * One shared expression object per single-operation kernel shape (`binary add float32`, …), so
 * the scheduler can look up an eager kernel's program by the expression's identity instead of
 * building a string key for every operation.
 */
type Interned = Map<string, (Expr | undefined)[]>;
const UNARY: Interned = new Map();
const BINARY: Interned = new Map();
const WHERE: Interned = new Map();
const CAST: Interned = new Map();
const FILL: Interned = new Map();
const DTYPE_INDEX: Record<DType, number> = { float32: 0, float64: 1, int32: 2, bool: 3, uint8: 4, float16: 5, bfloat16: 6 };

// one map per kind keyed by the (constant, hash-cached) names, then an array by the two dtypes:
// no string is built, and no expression or closure is made, per operation
function interned(table: Interned, fn: string, dtype: DType, out: DType): Expr | undefined {
  return table.get(fn)?.[DTYPE_INDEX[dtype] * 8 + DTYPE_INDEX[out]];
}

/** Keeps `e` as the shared expression of its kind, name and dtypes; returns it. */
function intern(table: Interned, fn: string, dtype: DType, out: DType, e: Expr): Expr {
  let byDtypes = table.get(fn);
  if (!byDtypes) table.set(fn, (byDtypes = new Array<Expr | undefined>(56)));
  return (byDtypes[DTYPE_INDEX[dtype] * 8 + DTYPE_INDEX[out]] = e);
}

// GPU buffers of collected lazy buffers go back to their backend
const collected = new FinalizationRegistry<{ backend: Backend; buf: Buf }>(({ backend, buf }) => backend.free(buf));

/** A contiguous view of all of `lb` read as `shape`. */
export function fullView(lb: LazyBuffer, shape: readonly number[]): View {
  return { src: lb, strides: contiguousStrides(shape), offset: 0 };
}
