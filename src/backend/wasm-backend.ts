// The WebAssembly SIMD backend. Tensor data stays in ordinary (garbage-collected) typed arrays,
// so memory needs no manual release; a kernel copies its float32 operands into the module's
// linear memory, runs there, and copies the result out. The copies are O(n) against the
// kernel's O(n) to O(n³) work; GEMM (the bulk of training time) runs 20–50× faster than the
// reference loops. Everything the Wasm kernels do not cover (float64, int32, strided patterns
// without a fast path) falls through to the reference backend.

import type { DType } from "../core/dtype.js";
import { contiguousStrides, sizeOf } from "../core/shape.js";
import { CpuBackend } from "./cpu/index.js";
import type { BinaryOp, Buf, ElemArg, MatArg, ReduceOp, UnaryOp } from "./kernel.js";
import type { BinaryOp as WasmBinary, UnaryOp as WasmUnary, WasmKernels } from "./wasm/index.js";

const BINARY: Partial<Record<BinaryOp, WasmBinary>> = { add: "add", sub: "sub", mul: "mul", div: "div", maximum: "max", minimum: "min" };
const UNARY: Partial<Record<UnaryOp, WasmUnary>> = {
  exp: "exp", log: "log", tanh: "tanh", sigmoid: "sigmoid", relu: "relu", neg: "neg", abs: "abs", sqrt: "sqrt",
};

export interface WasmBackendOptions {
  /** Below this many multiply-adds the reference loop beats the copy-in/copy-out round trip. */
  minGemmWork?: number;
  /** Below this many elements elementwise work and reductions stay in plain loops. */
  minElements?: number;
}

type Layout = "contiguous" | "scalar" | "row" | "col" | null;

/** Classifies an operand's strides over `shape` into the layouts the kernels handle. */
function layout(strides: readonly number[], shape: readonly number[]): Layout {
  const c = contiguousStrides(shape);
  let contiguous = true;
  let zero = true;
  for (let i = 0; i < shape.length; i++) {
    if (shape[i] === 1) continue;
    if (strides[i] !== c[i]) contiguous = false;
    if (strides[i] !== 0) zero = false;
  }
  if (contiguous) return "contiguous";
  if (zero) return "scalar";
  const r = shape.length - 1;
  // [rows, cols] op [cols]: every dim but the last broadcast, the last contiguous
  let row = strides[r] === 1 || shape[r] === 1;
  for (let i = 0; i < r; i++) if (shape[i] !== 1 && strides[i] !== 0) row = false;
  if (row) return "row";
  // [rows, cols] op [rows, 1]: the last dim broadcast, the rest contiguous over rows
  if (strides[r] === 0) {
    let acc = 1;
    let col = true;
    for (let i = r - 1; i >= 0; i--) {
      if (shape[i] !== 1 && strides[i] !== acc) col = false;
      acc *= shape[i];
    }
    if (col) return "col";
  }
  return null;
}

export class WasmBackend extends CpuBackend {
  override readonly name: string = "wasm";

  private readonly minGemmWork: number;
  private readonly minElements: number;

  constructor(readonly kernels: WasmKernels, opts: WasmBackendOptions = {}) {
    super();
    this.minGemmWork = opts.minGemmWork ?? 2048;
    this.minElements = opts.minElements ?? 256;
  }

  // One reusable region of linear memory holds a kernel call's operands and result, laid out
  // back to back (64-byte aligned): kernels run one at a time, so nothing is allocated or freed
  // per call once the region has grown to the largest call seen.
  private arena = 0;
  private arenaBytes = 0;
  private cursor = 0;

  /** Starts a kernel call needing room for `floats` values in total across `slots` operands. */
  private begin(floats: number, slots: number): void {
    const bytes = floats * 4 + slots * 64;
    if (bytes > this.arenaBytes) {
      if (this.arena) this.kernels.free(this.arena);
      this.arenaBytes = Math.max(bytes, 2 * this.arenaBytes);
      this.arena = this.kernels.alloc(this.arenaBytes);
    }
    this.cursor = this.arena;
  }

  /** The next slot of `len` values in the current call's region. */
  private slot(len: number): number {
    const p = this.cursor;
    this.cursor += (Math.ceil((len * 4) / 64) || 1) * 64;
    return p;
  }

  /** Copies `len` float32 values of `src` from `offset` into the next slot. */
  private put(src: Float32Array, offset: number, len: number): number {
    const p = this.slot(len);
    this.kernels.f32(p, len).set(src.subarray(offset, offset + len));
    return p;
  }

  private take(p: number, len: number): Float32Array {
    return this.kernels.f32(p, len).slice();
  }

  override matmul(a: MatArg, b: MatArg, batch: number, m: number, n: number, k: number, dtype: DType): Buf {
    if (dtype !== "float32" || batch * m * n * k < this.minGemmWork || k === 0) return super.matmul(a, b, batch, m, n, k, dtype);
    const aLen = (batch - 1) * a.batchStride + m * k;
    const bLen = (batch - 1) * b.batchStride + k * n;
    const cLen = batch * m * n;
    this.begin(aLen + bLen + cLen, 3);
    const pa = this.put(a.buf as Float32Array, a.offset, aLen);
    const pb = this.put(b.buf as Float32Array, b.offset, bLen);
    const pc = this.slot(cLen);
    this.kernels.sgemm({ batch, m, n, k, a: pa, transA: a.trans, aBatchStride: a.batchStride, b: pb, transB: b.trans, bBatchStride: b.batchStride, c: pc });
    return this.take(pc, cLen);
  }

  override binary(op: BinaryOp, a: ElemArg, b: ElemArg, shape: readonly number[], dtype: DType, outDtype: DType): Buf {
    const wop = BINARY[op];
    const size = sizeOf(shape);
    if (!wop || dtype !== "float32" || outDtype !== "float32" || size < this.minElements) return super.binary(op, a, b, shape, dtype, outDtype);
    const la = layout(a.strides, shape);
    const lb = layout(b.strides, shape);
    const cols = shape.length ? shape[shape.length - 1] : 1;
    const rows = size / cols;
    const K = this.kernels;
    const A = a.buf as Float32Array;
    const B = b.buf as Float32Array;
    let run: ((out: number) => void) | null = null;
    if (la === "contiguous" && lb === "contiguous") run = (o) => K.binary(wop, this.put(A, a.offset, size), this.put(B, b.offset, size), o, size);
    else if (la === "contiguous" && lb === "scalar") run = (o) => K.binaryScalar(wop, this.put(A, a.offset, size), B[b.offset], o, size);
    else if (la === "scalar" && lb === "contiguous") run = (o) => K.binaryScalar(wop, this.put(B, b.offset, size), A[a.offset], o, size, true);
    else if (la === "contiguous" && lb === "row") run = (o) => K.binaryRow(wop, this.put(A, a.offset, size), this.put(B, b.offset, cols), o, rows, cols);
    else if (la === "contiguous" && lb === "col") run = (o) => K.binaryCol(wop, this.put(A, a.offset, size), this.put(B, b.offset, rows), o, rows, cols);
    if (!run) return super.binary(op, a, b, shape, dtype, outDtype);
    this.begin(3 * size, 3);
    const out = this.slot(size);
    run(out);
    return this.take(out, size);
  }

  override unary(op: UnaryOp, x: ElemArg, shape: readonly number[], dtype: DType): Buf {
    const wop = UNARY[op];
    const size = sizeOf(shape);
    if (!wop || dtype !== "float32" || size < this.minElements || layout(x.strides, shape) !== "contiguous") return super.unary(op, x, shape, dtype);
    this.begin(2 * size, 2);
    const px = this.put(x.buf as Float32Array, x.offset, size);
    const out = this.slot(size);
    this.kernels.unary(wop, px, out, size);
    return this.take(out, size);
  }

  override softmax(op: "softmax" | "logSoftmax", x: Buf, dtype: DType, outer: number, len: number, inner: number): Buf {
    const size = outer * len * inner;
    if (dtype !== "float32" || inner !== 1 || size < this.minElements || len === 0) return super.softmax(op, x, dtype, outer, len, inner);
    this.begin(2 * size, 2);
    const px = this.put(x as Float32Array, 0, size);
    const out = this.slot(size);
    if (op === "softmax") this.kernels.softmax(px, out, outer, len);
    else this.kernels.logSoftmax(px, out, outer, len);
    return this.take(out, size);
  }

  override reduce(op: ReduceOp, x: Buf, dtype: DType, outer: number, len: number, inner: number): Buf {
    const size = outer * len * inner;
    if (dtype !== "float32" || (op !== "sum" && op !== "max") || size < this.minElements || len === 0) return super.reduce(op, x, dtype, outer, len, inner);
    this.begin(size + outer * inner, 2);
    const px = this.put(x as Float32Array, 0, size);
    const out = this.slot(outer * inner);
    if (op === "sum") this.kernels.sum(px, out, outer, len, inner);
    else this.kernels.max(px, out, outer, len, inner);
    return this.take(out, outer * inner);
  }
}
