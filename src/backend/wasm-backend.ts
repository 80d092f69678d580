// The WebAssembly SIMD backend. Buffers are ordinary (garbage-collected) host typed arrays, so
// memory needs no manual release and moving a buffer to or from the reference backend costs
// nothing. A kernel with a SIMD implementation copies its operands into the module's linear
// memory, runs there and copies the result out; the copies are O(n) against the kernel's O(n) to
// O(n³) work. Float32 GEMM and softmax use the prebuilt kernels; float32 elementwise kernels and
// reductions with an elementwise prologue — fused or single operations — are rendered to Wasm
// SIMD from the op table's `wasm` forms, one small module per kernel description. Every other
// float32, int32 or bool kernel (ops without a Wasm form, gathers) runs as JavaScript rendered
// from the op table, like the reference backend. float64 is not supported: the front end
// routes it to the reference backend.

import type { DType, TypedArray } from "../core/dtype.js";
import { CpuBackend, compileHost, type HostProgram } from "./cpu/index.js";
import type { IndexFlag } from "./cpu/kernels.js";
import type { Backend, Buf, Executable, IndexErrorInfo, Kernel, KernelOp } from "./kernel.js";
import { wasmRenders } from "./wasm/fused-expr.js";
import {
  buildElementwise, buildReduce, instantiateFused, planElementwise, planReduce, type FusedRun, type InputSpan,
} from "./wasm/fused-gen.js";
import type { WasmKernels } from "./wasm/index.js";

export interface WasmBackendOptions {
  /** Below this many multiply-adds the reference loop beats the copy-in/copy-out round trip. */
  minGemmWork?: number;
  /** Below this many elements elementwise work and reductions stay in plain loops. */
  minElements?: number;
}

export class WasmBackend implements Backend {
  readonly name: string = "wasm";
  readonly hostBuffers = true;

  private readonly minGemmWork: number;
  private readonly minElements: number;
  private readonly host = new CpuBackend();
  private readonly flag: IndexFlag = { error: null };
  /** Kernel descriptions compiled to Wasm from the op table so far (tests and benchmarks read it). */
  readonly rendered = { elementwise: 0, reduce: 0 };

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

  /**
   * A float32 elementwise kernel whose expression has Wasm forms throughout, as one generated
   * module (wasm/fused-gen.ts). Each input's span of reads is copied in, the result copied out.
   */
  private elementwise(k: Extract<Kernel, { kind: "elementwise" }>): HostProgram | null {
    let size = 1;
    for (const d of k.shape) size *= d;
    if (size < this.minElements || !k.inputs.every((l) => l.dtype === "float32") || !wasmRenders(k.expr)) return null;
    const plan = planElementwise(k);
    if (!plan) return null;
    const run = instantiateFused(buildElementwise(plan, k.expr, k.consts.length, this.kernels.threadsSupported), this.kernels.memory);
    this.rendered.elementwise++;
    return this.fused(run, plan.spans, size);
  }

  /** A float32 reduction (sum, prod, max, min) of an elementwise prologue with Wasm forms, as one generated module. */
  private reduce(k: Extract<Kernel, { kind: "reduce" }>): HostProgram | null {
    const { outer, len, inner } = k;
    const size = outer * len * inner;
    if (size < this.minElements || len === 0 || !k.inputs.every((l) => l.dtype === "float32") || !wasmRenders(k.expr)) return null;
    const spans = planReduce(k);
    if (!spans) return null;
    const run = instantiateFused(buildReduce(k, this.kernels.threadsSupported), this.kernels.memory);
    this.rendered.reduce++;
    return this.fused(run, spans, outer * inner);
  }

  /** Runs a fused kernel: inputs copied in by span, `outLen` results copied out, constants from the dispatched kernel. */
  private fused(run: FusedRun, spans: readonly InputSpan[], outLen: number): HostProgram {
    let floats = outLen;
    for (const s of spans) floats += s.hi - s.lo;
    const slots = spans.length + 1;
    return (inputs, out, kernel) => {
      this.begin(floats, slots);
      const args: number[] = [];
      spans.forEach((s, j) => args.push(this.put(inputs[j], s.lo, s.hi - s.lo) + 4 * s.first));
      const po = this.slot(outLen);
      args.push(po);
      if (kernel.kind === "elementwise" || kernel.kind === "reduce") args.push(...kernel.consts);
      run(...args);
      this.takeInto(po, outLen, out);
    };
  }
}
