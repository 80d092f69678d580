// The WebAssembly SIMD backend. Buffers from `alloc` and `upload` are ordinary (garbage-collected)
// host typed arrays, so memory needs no manual release and moving a buffer to or from the
// reference backend costs nothing. A kernel with a SIMD implementation copies host operands into
// the module's linear memory, runs there and copies the result out; the copies are O(n) against
// the kernel's O(n) to O(n³) work. Compiled plans allocate their intermediates with
// `allocResident` instead: blocks of linear memory that SIMD kernels use in place, so the kernels
// of a plan pass values to each other without copies (wasm/resident.ts). Float32 GEMM and
// softmax use the prebuilt kernels; float32 elementwise kernels and reductions with an
// elementwise prologue — fused or single operations — are rendered to Wasm
// SIMD from the op table's `wasm` forms, one small module per kernel description. Every other
// float32, int32 or bool kernel (ops without a Wasm form, gathers) runs as JavaScript rendered
// from the op table, like the reference backend. The float32 convolution kernels (im2col, col2im,
// conv, convTranspose, convFilter, maxPoolIndices) run natively: im2col in Wasm SIMD next to the
// GEMM (wasm/conv.ts); other extern kernels run their host loops. float64 is not supported: the front end
// routes it to the reference backend.

import type { DType, TypedArray } from "../core/dtype.js";
import { CpuBackend, compileHost, type HostProgram } from "./cpu/index.js";
import { forEachPadRow, type IndexFlag } from "./cpu/kernels.js";
import { bareMatmul, epilogueKernel, epilogueOperands, type Backend, type Buf, type Executable, type Expr, type IndexErrorInfo, type Kernel, type KernelOp } from "./kernel.js";
import { Resident, Staging, type CopyStats } from "./wasm/resident.js";
import { hostWritten } from "./mirrors.js";
import { WasmConv } from "./wasm/conv.js";
import { wasmExact, wasmRenders } from "./wasm/fused-expr.js";
import {
  MT, buildElementwise, buildReduce, instantiateFused, planElementwise, planReduce, type ElementwisePlan, type FusedModule,
  type InputSpan,
} from "./wasm/fused-gen.js";
import type { WasmKernels } from "./wasm/index.js";

/** What a reused operand array holds between calls. */
const NONE: Buf = new Float32Array(0);

/** Fewest elements of an elementwise kernel one thread takes at a time when it is shared out. */
const MIN_CHUNK = 8192;

/** The longest sum (or product) a float32 SIMD accumulator runs over: its error stays near float32's ulp. */
const MAX_FLOAT32_ACCUMULATION = 1024;

export interface WasmBackendOptions {
  /** Below this many multiply-adds the reference loop beats the copy-in/copy-out round trip. */
  minGemmWork?: number;
  /** Below this many elements elementwise work and reductions stay in plain loops. */
  minElements?: number;
}

/** A compiled kernel of this backend: operands are host arrays or resident blocks. */
type WasmProgram = ((inputs: readonly Buf[], out: Buf, kernel: Kernel) => void) & {
  /** The program prepared for fixed resident operands (`Backend.bind`), where it has such a form. */
  bound?: Binder;
};
type Binder = (inputs: readonly Buf[], out: Buf, kernel: Kernel) => (() => void) | null;

/** Byte addresses of resident operands at element offsets `lo`, or null when one is a host array (or freed). */
function residentPtrs(bufs: readonly Buf[], lo: readonly number[]): number[] | null {
  const out: number[] = [];
  for (let i = 0; i < bufs.length; i++) {
    const b = bufs[i];
    if (!(b instanceof Resident) || b.freed) return null;
    out.push(b.ptr + 4 * lo[i]);
  }
  return out;
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
  /** Elementwise kernel runs shared out across worker threads so far (tests and benchmarks read it). */
  sharedRuns = 0;
  private readonly staging: Staging;
  private readonly conv: WasmConv;

  constructor(
    readonly kernels: WasmKernels,
    opts: WasmBackendOptions = {},
  ) {
    this.minGemmWork = opts.minGemmWork ?? 2048;
    this.minElements = opts.minElements ?? 256;
    this.staging = new Staging(kernels);
    this.conv = new WasmConv(kernels, this.staging);
  }

  /** Bytes copied between host arrays and linear memory by kernels and reads, and operands used in place. */
  get copies(): CopyStats {
    return this.staging.copies;
  }
  /** Bytes of linear memory holding mirrors of host arrays now (at most MIRROR_BUDGET). */
  get mirroredBytes(): number {
    return this.staging.mirroredBytes;
  }

  supports(_op: KernelOp, dtype: DType): boolean {
    // float64 and the storage dtypes (uint8, float16, bfloat16) live on the reference backend
    return dtype === "float32" || dtype === "int32" || dtype === "bool";
  }

  alloc(dtype: DType, size: number): Buf {
    return this.host.alloc(dtype, size);
  }
  upload(data: TypedArray, dtype: DType): Buf {
    return this.host.upload(data, dtype);
  }
  /** A float32 result's array as a view of linear memory (wasm/resident.ts, homed arrays). */
  allocRecycled(dtype: DType, size: number): TypedArray | undefined {
    return dtype === "float32" ? this.staging.allocHome(size) : undefined;
  }
  /** Bytes of linear memory homed result arrays hold now, and the most they ever held. */
  get homedBytes(): number {
    return this.staging.homedBytes;
  }
  get homedPeakBytes(): number {
    return this.staging.homedPeakBytes;
  }
  /** A zero-filled block of linear memory, used in place by Wasm kernels; `free` releases it. */
  allocResident(dtype: DType, size: number): Buf {
    // float64 never runs here (the front end routes it to the reference backend)
    return dtype === "float32" || dtype === "int32" || dtype === "bool" ? this.staging.alloc(dtype, size) : this.host.alloc(dtype, size);
  }
  free(buf: Buf): void {
    if (buf instanceof Resident) this.staging.free(buf);
  }
  read(buf: Buf, dtype: DType, size: number): TypedArray {
    return buf instanceof Resident ? this.staging.read(buf, size) : this.host.read(buf, dtype, size);
  }
  readAsync(buf: Buf, dtype: DType, size: number): Promise<TypedArray> {
    return Promise.resolve(this.read(buf, dtype, size));
  }
  /** Whether `buf` lives in linear memory (from `allocResident`). */
  isResident(buf: Buf): boolean {
    return buf instanceof Resident;
  }
  writeResident(buf: Buf, data: TypedArray): void {
    this.staging.view(buf).set(data);
    this.staging.copies.inBytes += data.byteLength;
  }
  readResident(buf: Buf, out: TypedArray): void {
    out.set(this.staging.view(buf));
    this.staging.copies.outBytes += out.byteLength;
  }
  takeIndexError(): IndexErrorInfo | null {
    const e = this.flag.error;
    this.flag.error = null;
    return e;
  }

  compile(k: Kernel): Executable {
    if (k.kind === "matmul" && k.epilogue) return this.matmulEpilogue(k);
    const simd = this.simd(k);
    if (simd) return simd;
    const host = this.onHost(compileHost(k, this.flag));
    // Kernels below the size thresholds run as JavaScript on host arrays, where copying them into
    // linear memory would cost more than the work; over resident blocks nothing is copied, so
    // a plan's step bound to its blocks runs the SIMD form (built on first use) instead — where
    // that form gives the JavaScript's bits (exact operations; a max or min in any order), so
    // compiled and eager results stay the same.
    if (sameBitsInWasm(k)) {
      let small: WasmProgram | null | undefined;
      host.bound = (inputs, out, kernel) => {
        if (small === undefined) small = this.simd(k, true);
        return small?.bound?.(inputs, out, kernel) ?? null;
      };
    }
    return host;
  }

  dispatch(exe: Executable, kernel: Kernel, inputs: readonly Buf[], out: Buf): void {
    if (!(out instanceof Resident)) hostWritten(out);
    (exe as WasmProgram)(inputs, out, kernel);
  }

  /**
   * A SIMD kernel over resident operands only, with its pointers and constants worked out once:
   * what a compiled plan runs on each call for a step whose blocks stay the same. Kernels that
   * stage host operands, share work out across threads or run as JavaScript are not bound.
   */
  bind(exe: Executable, kernel: Kernel, inputs: readonly Buf[], out: Buf): (() => void) | null {
    const b = (exe as WasmProgram).bound;
    return b ? b(inputs, out, kernel) : null;
  }

  /** A JavaScript kernel: resident operands are seen through views made now (views go stale when memory grows). */
  private onHost(run: HostProgram): WasmProgram {
    // the views of one call's operands (an array reused from call to call; kernels do not keep it)
    const views: TypedArray[] = [];
    return (inputs, out, kernel) => {
      // eager work passes host arrays only: no views to make
      let resident = out instanceof Resident;
      for (let i = 0; i < inputs.length && !resident; i++) resident = inputs[i] instanceof Resident;
      if (!resident) {
        run(inputs as readonly TypedArray[], out as TypedArray, kernel);
        return;
      }
      // (a kernel's operand count is fixed: the length is set once; the views of linear memory
      // left in it hold nothing of the caller's)
      if (views.length !== inputs.length) views.length = inputs.length;
      for (let i = 0; i < inputs.length; i++) views[i] = this.staging.view(inputs[i]);
      run(views, this.staging.view(out), kernel);
    };
  }

  /** A SIMD program for `k`, or null when the kernel has no Wasm implementation here. */
  private simd(k: Kernel, anySize = false): WasmProgram | null {
    // the convolution kernels (wasm/conv.ts), max pooling's int32 argmax among them; other extern kernels run their host loops
    if (k.kind === "extern") return this.conv.program(k);
    if (k.dtype !== "float32") return null;
    switch (k.kind) {
      case "matmul":
        return this.matmul(k, anySize);
      case "elementwise":
        return this.elementwise(k, anySize);
      case "reduce":
        return this.reduce(k, anySize);
      case "softmax": {
        const { outer, len, inner, op } = k;
        const size = outer * len * inner;
        if (inner !== 1 || (size < this.minElements && !anySize) || len === 0) return null;
        const prog: WasmProgram = ([x], out) => {
          const [px, po] = this.staging.stage([{ buf: x, lo: 0, len: size }], out, size);
          if (op === "softmax") this.kernels.softmax(px, po, outer, len);
          else this.kernels.logSoftmax(px, po, outer, len);
          this.staging.finish(out, po, size);
        };
        prog.bound = ((inputs: readonly Buf[], out: Buf) => {
          const p = residentPtrs([inputs[0], out], [0, 0]);
          if (!p) return null;
          const [px, po] = p;
          const copies = this.staging.copies;
          const kernels = this.kernels;
          return op === "softmax"
            ? () => {
                copies.inPlace += 2;
                kernels.softmax(px, po, outer, len);
              }
            : () => {
                copies.inPlace += 2;
                kernels.logSoftmax(px, po, outer, len);
              };
        }) satisfies Binder;
        return prog;
      }
      case "pad":
        return this.pad(k);
      default:
        return null;
    }
  }

  /**
   * A float32 pad into a resident result: the pad value is written by the module's SIMD fill and
   * the rows copied with copyWithin (TypedArray.fill on shared memory goes element by element,
   * 6× slower). Host results take the JavaScript kernel.
   */
  private pad(k: Extract<Kernel, { kind: "pad" }>): WasmProgram {
    const host = this.onHost(compileHost(k, this.flag));
    let outSize = 1;
    k.shape.forEach((d, i) => (outSize *= d + k.before[i] + k.after[i]));
    return (inputs, out, kernel) => {
      const x = inputs[0];
      if (!(out instanceof Resident) || !(x instanceof Resident)) return host(inputs, out, kernel);
      const o = this.staging.view(out) as Float32Array;
      const src = this.staging.view(x) as Float32Array;
      this.kernels.fill(out.ptr, k.value, outSize);
      // the memory's current buffer (a view made before the memory grew covers only the old length)
      const heap = new Float32Array(this.kernels.memory.buffer);
      const so0 = x.ptr >> 2, do0 = out.ptr >> 2;
      forEachPadRow(k, (so, dO, len, ss, dss) => {
        if (ss === 1 && dss === 1) heap.copyWithin(do0 + dO, so0 + so, so0 + so + len);
        else for (let i = 0; i < len; i++) o[dO + i * dss] = src[so + i * ss];
      });
    };
  }

  private matmul(k: Extract<Kernel, { kind: "matmul" }>, anySize = false): WasmProgram | null {
    const { batch, m, n, k: depth, a, b } = k;
    if ((batch * m * n * depth < this.minGemmWork && !anySize) || depth === 0) return null;
    const aLen = (batch - 1) * a.batchStride + m * depth;
    const bLen = (batch - 1) * b.batchStride + depth * n;
    const cLen = batch * m * n;
    // operands and pointers reused by every call
    const ops = [{ buf: null as unknown as Buf, lo: a.offset, len: aLen }, { buf: null as unknown as Buf, lo: b.offset, len: bLen }];
    const ptrs = [0, 0, 0];
    const prog: WasmProgram = ([x, y], out) => {
      ops[0].buf = x;
      ops[1].buf = y;
      this.staging.stageInto(ops, out, cLen, ptrs);
      ops[0].buf = ops[1].buf = null as unknown as Buf;
      const [pa, pb, pc] = ptrs;
      this.kernels.sgemm({ batch, m, n, k: depth, a: pa, transA: a.trans, aBatchStride: a.batchStride, b: pb, transB: b.trans, bBatchStride: b.batchStride, c: pc });
      this.staging.finish(out, pc, cLen);
    };
    prog.bound = ((inputs: readonly Buf[], out: Buf) => {
      const p = residentPtrs([inputs[0], inputs[1], out], [a.offset, b.offset, 0]);
      if (!p) return null;
      const params = { batch, m, n, k: depth, a: p[0], transA: a.trans, aBatchStride: a.batchStride, b: p[1], transB: b.trans, bBatchStride: b.batchStride, c: p[2] };
      const copies = this.staging.copies;
      const kernels = this.kernels;
      return () => {
        copies.inPlace += 3;
        kernels.sgemm(params);
      };
    }) satisfies Binder;
    return prog;
  }

  /**
   * A matmul with an epilogue: the product's program, then the epilogue's elementwise program
   * over the result in place — each as this backend runs it alone (SIMD or JavaScript, staged or
   * resident), so the pair gives the bits of the two kernels one after the other. The result
   * never makes a round trip through a buffer of its own, and a homed or resident result is
   * computed where it lives.
   */
  private matmulEpilogue(k: Extract<Kernel, { kind: "matmul" }>): WasmProgram {
    const base = bareMatmul(k);
    const mm = this.compile(base) as WasmProgram;
    const epi = epilogueKernel(k);
    const ew = this.compile(epi) as WasmProgram;
    // operand arrays reused by every call, emptied after it (no call keeps a buffer alive)
    const pair: Buf[] = [NONE, NONE];
    const ins: Buf[] = new Array<Buf>(epi.inputs.length).fill(NONE);
    // the epilogue's description with the dispatched kernel's constants
    const run = { ...epi };
    const prog: WasmProgram = (inputs, out, kernel) => {
      pair[0] = inputs[0];
      pair[1] = inputs[1];
      mm(pair, out, base);
      (run as { consts: readonly number[] }).consts = (kernel as typeof k).epilogue!.consts;
      ew(epilogueOperands(k, inputs, out, ins), out, run);
      // reading the product may have mirrored it; the result replaced it
      if (!(out instanceof Resident)) hostWritten(out);
      pair.fill(NONE);
      ins.fill(NONE);
    };
    if (mm.bound && ew.bound)
      prog.bound = ((inputs: readonly Buf[], out: Buf, kernel: Kernel) => {
        const first = mm.bound!([inputs[0], inputs[1]], out, base);
        const then = first && ew.bound!(epilogueOperands(k, inputs, out, new Array<Buf>(epi.inputs.length)), out, { ...epi, consts: (kernel as typeof k).epilogue!.consts });
        if (!first || !then) return null;
        return () => {
          first();
          then();
        };
      }) satisfies Binder;
    return prog;
  }

  /**
   * A float32 elementwise kernel whose expression has Wasm forms throughout, as one generated
   * module (wasm/fused-gen.ts). Each input's span of reads is copied in, the result copied out.
   */
  private elementwise(k: Extract<Kernel, { kind: "elementwise" }>, anySize = false): WasmProgram | null {
    let size = 1;
    for (const d of k.shape) size *= d;
    if (size < this.minElements && !anySize) return null;
    const lifted = liftScalarCasts(k);
    if (!lifted || !wasmRenders(lifted.expr)) return null;
    const plan = planElementwise(k);
    if (!plan) return null;
    const bytes = buildElementwise(plan, lifted.expr, k.consts.length + lifted.inputs.length, this.kernels.threadsSupported);
    const mod = instantiateFused(bytes, this.kernels.memory);
    this.rendered.elementwise++;
    // large maps are shared out across the worker threads (each element's value does not depend on the split)
    const shared = mod.runMt && size >= 2 * MIN_CHUNK && plan.dims[0] > 1 ? { plan, id: this.kernels.registerShared(bytes) } : undefined;
    return this.fused(mod, plan.spans, size, lifted.inputs.map((j) => [j, k.inputs[j].offset]), shared);
  }

  /** A float32 reduction (sum, prod, max, min) of an elementwise prologue with Wasm forms, as one generated module. */
  private reduce(k: Extract<Kernel, { kind: "reduce" }>, anySize = false): WasmProgram | null {
    const { outer, len, inner } = k;
    const size = outer * len * inner;
    if ((size < this.minElements && !anySize) || len === 0 || !k.inputs.every((l) => l.dtype === "float32") || !wasmRenders(k.expr)) return null;
    // The SIMD kernels accumulate in float32, whose rounding error grows with the length summed
    // (a float32 mean of 10⁷ copies of 0.1 would be 1% off); long sums and products go to the
    // JavaScript rendering, which accumulates in float64.
    if ((k.op === "sum" || k.op === "prod") && len > MAX_FLOAT32_ACCUMULATION) return null;
    const spans = planReduce(k);
    if (!spans) return null;
    const mod = instantiateFused(buildReduce(k, this.kernels.threadsSupported), this.kernels.memory);
    this.rendered.reduce++;
    return this.fused(mod, spans, outer * inner);
  }

  /**
   * Runs a fused kernel: each input's span of reads staged (in place when resident), `outLen`
   * results, constants from the dispatched kernel. The module reads input j from its span's
   * pointer plus `first` elements. With `shared` (an elementwise kernel with `run_mt`), work
   * large enough for the threads is split along the plan's outermost dimension.
   */
  private fused(
    mod: FusedModule, spans: readonly InputSpan[], outLen: number, scalars: readonly (readonly [number, number])[] = [],
    shared?: { plan: ElementwisePlan; id: number },
  ): WasmProgram {
    const { run, runMt } = mod;
    // the spans' operands are filled in per call (this runs for every eager kernel: no arrays or closures made per call)
    const ops = spans.map((s) => ({ buf: null as unknown as Buf, lo: s.lo, len: s.hi - s.lo }));
    // the call's arguments (pointers, then constants), one array reused by every call; its
    // length is fixed by the kernel's expression, so the module is called with a fixed arity
    let args: number[] | undefined;
    let call: (a: readonly number[]) => void = () => undefined;
    const prog: WasmProgram = (inputs, out, kernel) => {
      const consts = kernel.kind === "elementwise" || kernel.kind === "reduce" ? kernel.consts : [];
      if (args === undefined || args.length !== spans.length + 1 + consts.length + scalars.length) {
        args = new Array<number>(spans.length + 1 + consts.length + scalars.length).fill(0);
        call = caller(run, args.length);
      }
      for (let j = 0; j < ops.length; j++) ops[j].buf = inputs[j];
      this.staging.stageInto(ops, out, outLen, args);
      for (let j = 0; j < ops.length; j++) {
        args[j] += 4 * spans[j].first;
        ops[j].buf = null as unknown as Buf;
      }
      const po = args[spans.length];
      let at = spans.length + 1;
      for (let c = 0; c < consts.length; c++) args[at++] = consts[c];
      // float64 scalars the expression rounds to float32 (a learning rate, a bias correction) arrive as constants
      for (const [j, offset] of scalars) args[at++] = Math.fround((inputs[j] as Float64Array)[offset]);
      const threads = shared && runMt ? this.kernels.sharedThreads(outLen) : 1;
      if (threads <= 1 || !this.runShared(shared!, runMt!, args, spans.length + 1, outLen, threads)) call(args);
      this.staging.finish(out, po, outLen);
    };
    // work large enough for the threads keeps the path above, which shares it out
    if (shared) return prog;
    prog.bound = ((inputs: readonly Buf[], out: Buf, kernel: Kernel) => {
      // float64 scalars lifted to constants are read from their host arrays on each call (the
      // module never reads through their pointers: the output's address stands in)
      const lifted = new Set(scalars.map(([j]) => j));
      const bufs = inputs.map((b, j) => (lifted.has(j) ? out : b));
      const p = residentPtrs([...bufs, out], [...spans.map((s, j) => (lifted.has(j) ? 0 : s.lo + s.first)), 0]);
      if (!p) return null;
      const consts = kernel.kind === "elementwise" || kernel.kind === "reduce" ? kernel.consts : [];
      const a = [...p, ...consts, ...scalars.map(() => 0)];
      const c = caller(run, a.length);
      const copies = this.staging.copies;
      const operands = p.length - lifted.size;
      if (!scalars.length)
        return () => {
          copies.inPlace += operands;
          c(a);
        };
      const at = p.length + consts.length;
      const hosts = scalars.map(([j, offset]) => [inputs[j] as Float64Array, offset] as const);
      return () => {
        copies.inPlace += operands;
        for (let i = 0; i < hosts.length; i++) a[at + i] = Math.fround(hosts[i][0][hosts[i][1]]);
        c(a);
      };
    }) satisfies Binder;
    return prog;
  }

  /**
   * One elementwise kernel on `threads` threads: chunks of its outermost dimension (a multiple of
   * four elements for a single row) of at least MIN_CHUNK elements, about four per thread, are
   * claimed in turn through the descriptor (fused-gen.ts, `MT`): pointers then constants.
   * False, having run nothing, when the work makes only one chunk.
   */
  private runShared(
    shared: { plan: ElementwisePlan; id: number }, runMt: (desc: number, tid: number) => void,
    args: readonly number[], nPtrs: number, outLen: number, threads: number,
  ): boolean {
    const { dims } = shared.plan;
    const inner = outLen / dims[0];
    let chunk = Math.ceil(Math.max(MIN_CHUNK, outLen / (4 * threads)) / inner);
    if (dims.length === 1) chunk = 4 * Math.ceil(chunk / 4);
    if (chunk >= dims[0]) return false;
    const desc = this.writeJob(args, nPtrs, chunk);
    this.kernels.runShared(shared.id, desc, threads, () => runMt(desc, 0));
    this.sharedRuns++;
    return true;
  }

  /** Writes a shared elementwise job's descriptor (counter 0, chunk, pointers, constants); returns its address. */
  private writeJob(args: readonly number[], nPtrs: number, chunk: number): number {
    const desc = this.kernels.jobArgs(4 * (MT.args + args.length));
    const words = new Int32Array(this.kernels.memory.buffer, desc, MT.args + args.length);
    const floats = new Float32Array(words.buffer, desc, MT.args + args.length);
    words[MT.counter] = 0;
    words[MT.chunk] = chunk;
    for (let i = 0; i < args.length; i++) {
      if (i < nPtrs) words[MT.args + i] = args[i];
      else floats[MT.args + i] = args[i];
    }
    return desc;
  }
}

/** Whether `k`'s Wasm form (when it has one) computes exactly what its JavaScript rendering does. */
function sameBitsInWasm(k: Kernel): boolean {
  if (k.dtype !== "float32") return false;
  if (k.kind === "elementwise") {
    const lifted = liftScalarCasts(k);
    return lifted !== null && wasmExact(lifted.expr);
  }
  return k.kind === "reduce" && (k.op === "max" || k.op === "min") && wasmExact(k.expr);
}

/** Calls `run` with the first `n` entries of an array as its arguments (direct calls up to eight: no spread per call). */
function caller(run: (...a: number[]) => void, n: number): (a: readonly number[]) => void {
  switch (n) {
    case 1: return (a) => run(a[0]);
    case 2: return (a) => run(a[0], a[1]);
    case 3: return (a) => run(a[0], a[1], a[2]);
    case 4: return (a) => run(a[0], a[1], a[2], a[3]);
    case 5: return (a) => run(a[0], a[1], a[2], a[3], a[4]);
    case 6: return (a) => run(a[0], a[1], a[2], a[3], a[4], a[5]);
    case 7: return (a) => run(a[0], a[1], a[2], a[3], a[4], a[5], a[6]);
    case 8: return (a) => run(a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7]);
    default: return (a) => run(...a);
  }
}

/**
 * The expression of a float32 elementwise kernel with each float64 broadcast scalar it rounds
 * to float32 (`cast(input j)`: a learning rate or bias correction computed in float64) turned
 * into an extra constant, read from its buffer at dispatch; `inputs` lists those inputs in
 * constant order. Null when an input is not float32 and cannot be lifted (a bool or int32
 * operand, a float64 tensor that varies, or a float64 scalar used other than through the cast).
 * Math.fround of the float64 value is the cast, so the result is the same.
 */
function liftScalarCasts(k: Extract<Kernel, { kind: "elementwise" }>): { expr: Expr; inputs: number[] } | null {
  const lift = new Map<number, number>();
  for (let j = 0; j < k.inputs.length; j++) {
    const l = k.inputs[j];
    if (l.dtype === "float32") continue;
    if (l.dtype !== "float64" || !l.strides.every((s) => s === 0)) return null;
    lift.set(j, k.consts.length + lift.size);
  }
  if (lift.size === 0) return { expr: k.expr, inputs: [] };
  let ok = true;
  const walk = (e: Expr): Expr => {
    switch (e.op) {
      case "input":
        if (lift.has(e.index)) ok = false;
        return e;
      case "const":
        return e;
      case "cast":
        if (e.x.op === "input" && lift.has(e.x.index) && e.dtype === "float32") return { op: "const", index: lift.get(e.x.index)!, dtype: "float32" };
        return { ...e, x: walk(e.x) };
      case "unary":
        return { ...e, x: walk(e.x) };
      case "binary":
        return { ...e, a: walk(e.a), b: walk(e.b) };
      case "where":
        return { ...e, cond: walk(e.cond), a: walk(e.a), b: walk(e.b) };
    }
  };
  const expr = walk(k.expr);
  return ok ? { expr, inputs: [...lift.keys()] } : null;
}
