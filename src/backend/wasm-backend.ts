// The WebAssembly SIMD backend. Buffers are ordinary (garbage-collected) host typed arrays, so
// memory needs no manual release and moving a buffer to or from the reference backend costs
// nothing. A kernel with a SIMD implementation (float32 GEMM, the common elementwise layouts,
// sum/max reductions, softmax) copies its operands into the module's linear memory, runs there
// and copies the result out; the copies are O(n) against the kernel's O(n) to O(n³) work.
// Every other float32, int32 or bool kernel — fused elementwise expressions, gathers — runs as
// JavaScript rendered from the op table, like the reference backend. float64 is not supported:
// the front end routes it to the reference backend.

import type { DType, TypedArray } from "../core/dtype.js";
import { contiguousStrides } from "../core/shape.js";
import { CpuBackend, compileHost, type HostProgram } from "./cpu/index.js";
import type { IndexFlag } from "./cpu/kernels.js";
import type { Backend, BinaryOp, Buf, Executable, Expr, IndexErrorInfo, Kernel, KernelOp, UnaryOp } from "./kernel.js";
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

const isInput = (e: Expr, i: number) => e.op === "input" && e.index === i;

export class WasmBackend implements Backend {
  readonly name: string = "wasm";
  readonly hostBuffers = true;

  private readonly minGemmWork: number;
  private readonly minElements: number;
  private readonly host = new CpuBackend();
  private readonly flag: IndexFlag = { error: null };

  constructor(
    readonly kernels: WasmKernels,
    opts: WasmBackendOptions = {},
  ) {
    this.minGemmWork = opts.minGemmWork ?? 2048;
    this.minElements = opts.minElements ?? 256;
  }

  supports(_op: KernelOp, dtype: DType): boolean {
    return dtype !== "float64";
  }

  alloc(dtype: DType, size: number): Buf {
    return this.host.alloc(dtype, size);
  }
  upload(data: TypedArray, dtype: DType): Buf {
    return this.host.upload(data, dtype);
  }
  free(buf: Buf): void {
    this.host.free(buf);
  }
  read(buf: Buf, dtype: DType, size: number): TypedArray {
    return this.host.read(buf, dtype, size);
  }
  readAsync(buf: Buf, dtype: DType, size: number): Promise<TypedArray> {
    return this.host.readAsync(buf, dtype, size);
  }
  takeIndexError(): IndexErrorInfo | null {
    const e = this.flag.error;
    this.flag.error = null;
    return e;
  }

  compile(k: Kernel): Executable {
    return this.simd(k) ?? compileHost(k, this.flag);
  }

  dispatch(exe: Executable, kernel: Kernel, inputs: readonly Buf[], out: Buf): void {
    (exe as HostProgram)(inputs as readonly TypedArray[], out as TypedArray, kernel);
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
      const grown = Math.max(bytes, 2 * this.arenaBytes);
      // allocate before freeing: a failed allocation leaves the old region in place
      const next = this.kernels.alloc(grown);
      if (this.arena) this.kernels.free(this.arena);
      this.arena = next;
      this.arenaBytes = grown;
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
  private put(src: TypedArray, offset: number, len: number): number {
    const p = this.slot(len);
    this.kernels.f32(p, len).set(src.subarray(offset, offset + len));
    return p;
  }

  private takeInto(p: number, len: number, out: TypedArray): void {
    out.set(this.kernels.f32(p, len));
  }

  /** A SIMD program for `k`, or null when the kernel has no Wasm implementation here. */
  private simd(k: Kernel): HostProgram | null {
    if (k.dtype !== "float32") return null;
    switch (k.kind) {
      case "matmul":
        return this.matmul(k);
      case "elementwise":
        return this.elementwise(k);
      case "reduce":
        return this.reduce(k);
      case "softmax": {
        const { outer, len, inner, op } = k;
        const size = outer * len * inner;
        if (inner !== 1 || size < this.minElements || len === 0) return null;
        return ([x], out) => {
          this.begin(2 * size, 2);
          const px = this.put(x, 0, size);
          const po = this.slot(size);
          if (op === "softmax") this.kernels.softmax(px, po, outer, len);
          else this.kernels.logSoftmax(px, po, outer, len);
          this.takeInto(po, size, out);
        };
      }
      default:
        return null;
    }
  }

  private matmul(k: Extract<Kernel, { kind: "matmul" }>): HostProgram | null {
    const { batch, m, n, k: depth, a, b } = k;
    if (batch * m * n * depth < this.minGemmWork || depth === 0) return null;
    const aLen = (batch - 1) * a.batchStride + m * depth;
    const bLen = (batch - 1) * b.batchStride + depth * n;
    const cLen = batch * m * n;
    return ([x, y], out) => {
      this.begin(aLen + bLen + cLen, 3);
      const pa = this.put(x, a.offset, aLen);
      const pb = this.put(y, b.offset, bLen);
      const pc = this.slot(cLen);
      this.kernels.sgemm({ batch, m, n, k: depth, a: pa, transA: a.trans, aBatchStride: a.batchStride, b: pb, transB: b.trans, bBatchStride: b.batchStride, c: pc });
      this.takeInto(pc, cLen, out);
    };
  }

  /** Single-operation kernels over the layouts the SIMD kernels cover; fused expressions render to JS. */
  private elementwise(k: Extract<Kernel, { kind: "elementwise" }>): HostProgram | null {
    const { shape, expr, inputs } = k;
    let size = 1;
    for (const d of shape) size *= d;
    if (size < this.minElements) return null;
    const K = this.kernels;
    if (expr.op === "unary" && isInput(expr.x, 0) && inputs.length === 1 && inputs[0].dtype === "float32") {
      const wop = UNARY[expr.fn];
      if (!wop || layout(inputs[0].strides, shape) !== "contiguous") return null;
      const off = inputs[0].offset;
      return ([x], out) => {
        this.begin(2 * size, 2);
        const px = this.put(x, off, size);
        const po = this.slot(size);
        K.unary(wop, px, po, size);
        this.takeInto(po, size, out);
      };
    }
    if (expr.op !== "binary" || inputs.length !== 2 || !isInput(expr.a, 0) || !isInput(expr.b, 1)) return null;
    if (inputs[0].dtype !== "float32") return null;
    const wop = BINARY[expr.fn];
    if (!wop) return null;
    const [a, b] = inputs;
    const la = layout(a.strides, shape);
    const lb = layout(b.strides, shape);
    const cols = shape.length ? shape[shape.length - 1] : 1;
    const rows = size / cols;
    type Run = (A: TypedArray, B: TypedArray, o: number) => void;
    let run: Run | null = null;
    if (la === "contiguous" && lb === "contiguous") run = (A, B, o) => K.binary(wop, this.put(A, a.offset, size), this.put(B, b.offset, size), o, size);
    else if (la === "contiguous" && lb === "scalar") run = (A, B, o) => K.binaryScalar(wop, this.put(A, a.offset, size), B[b.offset], o, size);
    else if (la === "scalar" && lb === "contiguous") run = (A, B, o) => K.binaryScalar(wop, this.put(B, b.offset, size), A[a.offset], o, size, true);
    else if (la === "contiguous" && lb === "row") run = (A, B, o) => K.binaryRow(wop, this.put(A, a.offset, size), this.put(B, b.offset, cols), o, rows, cols);
    else if (la === "contiguous" && lb === "col") run = (A, B, o) => K.binaryCol(wop, this.put(A, a.offset, size), this.put(B, b.offset, rows), o, rows, cols);
    if (!run) return null;
    const go = run;
    return ([x, y], out) => {
      this.begin(3 * size, 3);
      const po = this.slot(size);
      go(x, y, po);
      this.takeInto(po, size, out);
    };
  }

  private reduce(k: Extract<Kernel, { kind: "reduce" }>): HostProgram | null {
    const { outer, len, inner, op, expr, inputs } = k;
    const size = outer * len * inner;
    if ((op !== "sum" && op !== "max") || size < this.minElements || len === 0) return null;
    if (!isInput(expr, 0) || inputs.length !== 1 || inputs[0].dtype !== "float32" || inputs[0].strides[0] !== 1) return null;
    const off = inputs[0].offset;
    return ([x], out) => {
      this.begin(size + outer * inner, 2);
      const px = this.put(x, off, size);
      const po = this.slot(outer * inner);
      if (op === "sum") this.kernels.sum(px, po, outer, len, inner);
      else this.kernels.max(px, po, outer, len, inner);
      this.takeInto(po, outer * inner, out);
    };
  }
}
