/**
 * WebAssembly SIMD compute kernels: float32 GEMM (optionally multi-threaded),
 * elementwise maps with broadcasting, reductions, softmax and an Adam step,
 * all operating on float32 arrays that live in one linear memory.
 *
 * Pointers are byte offsets into `memory`; lengths and strides are counted in
 * float32 elements. Obtain memory with `alloc`, fill it through `f32(ptr, n)`.
 */
import { Allocator } from './allocator.js';
import {
  BINARY_OPS, GRAD_OPS, UNARY_OPS,
  type BinaryOp, type GradOp, type UnaryOp,
} from './elementwise-gen.js';
import { D, FLAG_ACCUMULATE, FLAG_PACK_A, KS, MC, NR, PG } from './gemm-gen.js';
import {
  MAX_PAGES, PAGE, compileKernels, compileKernelsSync, sharedMemoryAvailable, type CompiledKernels,
} from './module.js';
import { loadNodeBuiltin, nodeBuiltin } from './node-builtins.js';
import { CONTROL_BYTES, MAX_WORKERS, WorkerPool, workersAvailable, workersAvailableSync } from './pool.js';

export type { BinaryOp, GradOp, UnaryOp };
export { BINARY_OPS, GRAD_OPS, UNARY_OPS };

/** Parameters of `sgemm`. Element strides; pointers are byte offsets. */
export interface SgemmParams {
  /** Number of independent products (default 1). */
  batch?: number;
  m: number;
  n: number;
  k: number;
  /** A is [m, k] row-major, or [k, m] when transA (then op(A) = Aᵀ). */
  a: number;
  transA?: boolean;
  /** Row stride of the stored A (default: its column count, k or m). */
  lda?: number;
  /** Elements between consecutive batch entries of A; 0 broadcasts one A (default: one matrix). */
  aBatchStride?: number;
  /** B is [k, n] row-major, or [n, k] when transB. */
  b: number;
  transB?: boolean;
  ldb?: number;
  bBatchStride?: number;
  /** C is [m, n] row-major with row stride ldc (default n); must not overlap A or B. */
  c: number;
  ldc?: number;
  cBatchStride?: number;
  /** C += op(A)·op(B) instead of C = op(A)·op(B). */
  accumulate?: boolean;
}

/** A float32 operand of `binary2d`: element (i, j) at ptr + 4·(i·rowStride + j·colStride). */
export interface Operand2D {
  ptr: number;
  rowStride: number;
  /** 1 for a full row, 0 to broadcast one value per row. */
  colStride: 0 | 1;
}

export interface WasmKernelsOptions {
  /** Threads used by large GEMMs, main thread included (default: available cores, ≤ 8). */
  threads?: number;
  /**
   * Relaxed-SIMD fused multiply-add in the GEMM. Unset: used where the engine has it without
   * flags (current browsers, Node ≥ 22). `true`: on Node 20, V8's
   * `--experimental-wasm-relaxed-simd` is turned on for the compilation and back off (to its
   * default) right after. `false`: plain SIMD.
   */
  relaxedSimd?: boolean;
  /**
   * Compile with V8's `--no-liftoff`, restored to the default `--liftoff` right after, so
   * the first large GEMMs do not run in the baseline tier (see `bench/gemm.ts --no-liftoff`).
   */
  noLiftoff?: boolean;
  /**
   * Start worker threads when a GEMM first wants them instead of now (default false for
   * `createWasmKernels`; `createWasmKernelsSync` always starts them lazily).
   */
  lazyWorkers?: boolean;
  /**
   * Smallest batch·m·n·k for which a GEMM is split across threads while the
   * workers are awake (default 2^20 ≈ 40 µs of single-thread work). When they
   * are blocked, waking them costs tens of µs, so 4× this is required.
   */
  parallelThreshold?: number;
  /** How long idle workers spin before blocking, in ms (default 0.05). */
  spinMs?: number;
  /** Initial linear memory size in bytes (default 16 MiB). */
  initialMemory?: number;
  /**
   * Most bytes the kernels' heap may use (default: all that linear memory can address, 4 GiB; with
   * threads, the shared memory's maximum). A cap for memory-constrained pages, and for tests.
   */
  maxMemory?: number;
}

export interface WasmKernels {
  /** The linear memory (shared when threads are supported). Views must be re-created after growth. */
  readonly memory: WebAssembly.Memory;
  /** Whether the GEMM micro-kernel uses f32x4.relaxed_madd. */
  readonly relaxedSimd: boolean;
  /** Whether memory is shared and worker threads can be used. */
  readonly threadsSupported: boolean;
  /** Most bytes the kernels' heap may use (`maxMemory`, or all that linear memory can address). */
  readonly memoryLimit: number;
  /** Current thread count for large GEMMs (main thread included). */
  readonly threads: number;

  /** Allocates `bytes` (64-byte aligned); may grow the memory. */
  alloc(bytes: number): number;
  /** Allocates room for `len` float32 values. */
  allocF32(len: number): number;
  free(ptr: number): void;
  /** Float32Array view of `len` values at `ptr` (invalidated when memory grows). */
  f32(ptr: number, len: number): Float32Array;

  /** C[bi] (+)= op(A[bi]) · op(B[bi]) for bi < batch; bit-identical for any thread count. */
  sgemm(p: SgemmParams): void;
  /**
   * Products of at most this many multiply-adds (B not transposed, n ≥ 4) skip packing and run
   * with A and B read in place; either way gives the same bits. Tests change it.
   */
  smallGemmWork: number;

  /** out[i] = a[i] op b[i]. */
  binary(op: BinaryOp, a: number, b: number, out: number, len: number): void;
  /** out[i] = a[i] op s, or s op a[i] when `scalarFirst`. */
  binaryScalar(op: BinaryOp, a: number, s: number, out: number, len: number, scalarFirst?: boolean): void;
  /** out[i, j] = a[i, j] op row[j] for a contiguous [rows, cols] a. */
  binaryRow(op: BinaryOp, a: number, row: number, out: number, rows: number, cols: number): void;
  /** out[i, j] = a[i, j] op col[i]. */
  binaryCol(op: BinaryOp, a: number, col: number, out: number, rows: number, cols: number): void;
  /** General 2-D form: out[i, j] (contiguous [rows, cols]) = a(i, j) op b(i, j). */
  binary2d(op: BinaryOp, rows: number, cols: number, a: Operand2D, b: Operand2D, out: number): void;
  /** out[i] = op(x[i]) for exp, log, tanh, sigmoid, relu, neg, abs, sqrt. */
  unary(op: UnaryOp, x: number, out: number, len: number): void;
  /**
   * Backward of an activation: relu_grad(x, dy) = dy·[x > 0], tanh_grad(y, dy) = dy·(1 − y²),
   * sigmoid_grad(y, dy) = dy·y·(1 − y), where y is the forward output.
   */
  grad(op: GradOp, xOrY: number, dy: number, out: number, len: number): void;
  fill(out: number, value: number, len: number): void;
  /** y += alpha · x */
  axpy(alpha: number, x: number, y: number, len: number): void;
  /** out[o, j] = Σ_r x[o, r, j] for x of shape [outer, r, inner] (inner defaults to 1). */
  sum(x: number, out: number, outer: number, r: number, inner?: number): void;
  /** out[o, j] = max_r x[o, r, j] (−inf for r = 0, NaN-propagating). */
  max(x: number, out: number, outer: number, r: number, inner?: number): void;
  /** Softmax over the last axis of a contiguous [rows, cols]. */
  softmax(x: number, out: number, rows: number, cols: number): void;
  logSoftmax(x: number, out: number, rows: number, cols: number): void;
  /**
   * One Adam step in place on p, m, v given gradient g; `step` is the 1-based
   * step count used for bias correction.
   */
  adam(p: number, g: number, m: number, v: number, len: number,
    h: { lr: number; beta1: number; beta2: number; eps: number; step: number }): void;

  /**
   * Registers a module over this memory whose export `run_mt(desc, tid)` shares out its work
   * through a counter in `desc` (a fused elementwise kernel); returns the id for `runShared`.
   */
  registerShared(bytes: Uint8Array): number;
  /**
   * Threads (this one included) worth waking now for `elements` of elementwise work: 1 when
   * the pool is off, the work small, or the workers asleep and the work not large enough to
   * pay for waking them.
   */
  sharedThreads(elements: number): number;
  /** A block of `bytes` for one shared job's descriptor, valid until the next call. */
  jobArgs(bytes: number): number;
  /**
   * Runs `main` (which calls the module's `run_mt(desc, 0)`) here while up to `threads − 1`
   * workers run `run_mt(desc, tid)` of module `id`; returns when all are done.
   */
  runShared(id: number, desc: number, threads: number, main: () => void): void;

  /** Changes the GEMM thread count (1 = main thread only); starts/stops workers. */
  setNumThreads(n: number): Promise<void>;
  /** Changes the thread count without starting workers now: the next large GEMM starts them. */
  setNumThreadsLazily(n: number): void;
  /** Stops all workers. The kernels stay usable single-threaded. */
  dispose(): Promise<void>;
  /**
   * Registers what to call when an allocation would pass the memory's limit: it frees blocks
   * the caller can do without (the Wasm backend's mirrors of host arrays) and returns whether it
   * freed any; the allocation is then tried again.
   */
  onMemoryPressure(spare: () => boolean): void;
}

type Exports = Record<string, (...args: number[]) => void>;

/** Largest product (multiply-adds) that skips packing: below it the unpacked kernel is faster. */
const SMALL_GEMM_WORK = 8192;

const NULL_GUARD = 64;
const CONTROL = NULL_GUARD;
const DESC = CONTROL + CONTROL_BYTES;
const SCALAR = DESC + 128;
const HEAP = SCALAR + 64;

/** Elements of elementwise work worth one wake-up of awake workers (4× when they are blocked). */
const SHARED_THRESHOLD = 2 ** 16;

/** Names (in this order) of the exports that worker threads may run. */
const WORKER_FNS = ['gemm_mt', 'softmax_mt'] as const;
const GEMM_MT = 0;
const SOFTMAX_MT = 1;

function checkCount(name: string, v: number): void {
  if (!Number.isInteger(v) || v < 0 || v > 0x7fffffff) throw new RangeError(`${name} must be a non-negative integer, got ${v}`);
}

type Os = { availableParallelism?: () => number; cpus(): unknown[] };

/** The default thread count: the cores, at most 8 (1 outside Node). */
function defaultThreads(os: Os | undefined): number {
  if (!os) return 1;
  try {
    const n = typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length;
    return Math.max(1, Math.min(8, n));
  } catch {
    return 1;
  }
}

class Kernels implements WasmKernels {
  readonly relaxedSimd: boolean;
  readonly threadsSupported: boolean;
  readonly memoryLimit: number;
  private readonly ex: Exports;
  private readonly heap: Allocator;
  private readonly pool: WorkerPool | undefined;
  private nThreads = 1;
  private readonly threshold: number;
  /** Products of at most this many multiply-adds run unpacked (`sgemm_small`); tests set it. */
  smallGemmWork = SMALL_GEMM_WORK;
  private lastMediumEnd = -Infinity;
  private packB = 0;
  private packBBytes = 0;
  private packA = 0;
  private packABytes = 0;
  private args = 0;
  private argsBytes = 0;
  private modBuf = 0;
  private modBufBytes = 0;
  private readonly modules: Uint8Array[] = [];
  private descView: Int32Array;
  private descBuffer: ArrayBufferLike;
  private readonly scalarView: Float32Array;

  constructor(
    readonly memory: WebAssembly.Memory,
    instance: WebAssembly.Instance,
    module: WebAssembly.Module,
    relaxed: boolean,
    shared: boolean,
    threshold: number,
    spinMs: number | undefined,
    maxMemory: number | undefined,
  ) {
    this.relaxedSimd = relaxed;
    this.threadsSupported = shared;
    this.ex = instance.exports as unknown as Exports;
    this.memoryLimit = Math.min(shared ? MAX_PAGES * PAGE : 2 ** 32, maxMemory ?? Infinity);
    this.heap = new Allocator(memory, HEAP, this.memoryLimit);
    this.threshold = threshold;
    this.descBuffer = memory.buffer;
    this.descView = new Int32Array(memory.buffer, DESC, D.size);
    // The scratch cell lives below the heap, so a view made now never goes stale.
    this.scalarView = new Float32Array(memory.buffer, SCALAR, 1);
    this.pool = shared ? new WorkerPool(module, memory, CONTROL, WORKER_FNS, { spinMs }) : undefined;
  }

  get threads(): number {
    return this.nThreads;
  }

  alloc(bytes: number): number {
    return this.heap.alloc(bytes);
  }

  allocF32(len: number): number {
    return this.heap.alloc(4 * len);
  }

  onMemoryPressure(spare: () => boolean): void {
    this.heap.spare = spare;
  }

  free(ptr: number): void {
    this.heap.free(ptr);
  }

  f32(ptr: number, len: number): Float32Array {
    return new Float32Array(this.memory.buffer, ptr, len);
  }

  /**
   * Sets the thread count without starting anything: workers start when a GEMM first wants
   * them. Falls back to 1 where they cannot be started synchronously.
   */
  setNumThreadsLazily(n: number): void {
    if (!Number.isInteger(n) || n < 1) throw new RangeError(`thread count must be ≥ 1, got ${n}`);
    this.nThreads = this.pool && workersAvailableSync() ? Math.min(n, MAX_WORKERS + 1) : 1;
  }

  async setNumThreads(n: number): Promise<void> {
    if (!Number.isInteger(n) || n < 1) throw new RangeError(`thread count must be ≥ 1, got ${n}`);
    const want = this.pool ? Math.min(n, MAX_WORKERS + 1) : 1;
    if (this.pool) {
      if (!(await workersAvailable())) {
        this.nThreads = 1;
        return;
      }
      await this.pool.resize(want - 1);
    }
    this.nThreads = want;
  }

  async dispose(): Promise<void> {
    if (this.pool) await this.pool.close();
    this.nThreads = 1;
  }

  sgemm(p: SgemmParams): void {
    const batch = p.batch ?? 1;
    const { m, n, k } = p;
    checkCount('batch', batch);
    checkCount('m', m);
    checkCount('n', n);
    checkCount('k', k);
    const transA = !!p.transA;
    const transB = !!p.transB;
    const lda = p.lda ?? (transA ? m : k);
    const ldb = p.ldb ?? (transB ? k : n);
    const ldc = p.ldc ?? n;
    const aBS = p.aBatchStride ?? (transA ? k : m) * lda;
    const bBS = p.bBatchStride ?? (transB ? n : k) * ldb;
    const cBS = p.cBatchStride ?? m * ldc;
    if (batch === 0 || m === 0 || n === 0) return;
    const accumulate = !!p.accumulate;
    if (k === 0) {
      // Empty reduction: C = 0 (or unchanged when accumulating).
      if (!accumulate) {
        for (let bi = 0; bi < batch; bi++) {
          for (let i = 0; i < m; i++) this.ex.fill(n, 0, p.c + 4 * (bi * cBS + i * ldc));
        }
      }
      return;
    }

    if (batch * m * n * k <= this.smallGemmWork && n >= 4) {
      // small products read A and B in place: packing and the job descriptor would cost more
      // than the arithmetic. B's rows must be contiguous: a transposed B (at most a few thousand
      // elements here) is first copied into the packing region as k rows of n.
      const rsA = transA ? 4 : 4 * lda, csA = transA ? 4 * lda : 4;
      let b = p.b, rsB = 4 * ldb, stepB = bBS;
      if (transB) {
        const items = bBS === 0 ? 1 : batch;
        this.ensurePackB(items * k * n * 4);
        const h = this.heapF32();
        for (let bi = 0; bi < items; bi++) {
          const src = (p.b >> 2) + bi * bBS, dst = (this.packB >> 2) + bi * k * n;
          for (let j = 0; j < n; j++) {
            const row = src + j * ldb;
            for (let q = 0; q < k; q++) h[dst + q * n + j] = h[row + q];
          }
        }
        b = this.packB;
        rsB = 4 * n;
        stepB = bBS === 0 ? 0 : k * n;
      }
      for (let bi = 0; bi < batch; bi++)
        this.ex.sgemm_small(m, n, k, p.a + 4 * bi * aBS, rsA, csA, b + 4 * bi * stepB, rsB, 4, p.c + 4 * bi * cBS, 4 * ldc, accumulate ? 1 : 0);
      return;
    }
    const npanels = Math.ceil(n / NR);
    const nbB = bBS === 0 ? 1 : batch;
    const panelsTotal = nbB * npanels;
    this.ensurePackB(panelsTotal * k * 4 * NR);
    const mchunks = Math.ceil(m / MC);
    const work = batch * m * n * k;
    const medium = this.isMedium(work, this.threshold);
    let threads = this.threadsFor(work, this.threshold);
    // Column chunks give the threads enough items when there are few row chunks.
    let nchunks = 1;
    if (threads > 1 && batch * mchunks < 8 * threads) {
      nchunks = Math.min(npanels, Math.ceil((8 * threads) / (batch * mchunks)));
      // Every column chunk packs its own copy of its A block: where half as many chunks
      // still hold 8 panels each, 4 items per thread balance well enough and pack A half as
      // often (the weight-gradient products Gᵀ·X, m = 128..512 and k = 768: 1.1× at 2 threads).
      const fewer = Math.min(npanels, Math.ceil((4 * threads) / (batch * mchunks)));
      if (Math.ceil(npanels / fewer) >= 8) nchunks = fewer;
    }
    const pchunk = Math.ceil(npanels / nchunks);
    nchunks = Math.ceil(npanels / pchunk);
    const items = batch * mchunks * nchunks;
    threads = Math.min(threads, items);
    // Packing A costs ≈ 0.1 ns per element and is repeated for every item, so
    // it pays off only when the block is reused across enough B panels
    // (overhead ≈ 0.6/pchunk of the item) and large enough for in-place
    // access to hurt (cache-set aliasing of rows at power-of-two strides; one
    // cache line per k when A is stored transposed).
    const packA = m * k >= (transA ? 2048 : 8192) && pchunk >= (transA ? 4 : 8);
    if (packA) this.ensurePackA(threads * MC * KS * 4);

    const d = this.desc();
    d[D.batch] = batch; d[D.m] = m; d[D.n] = n; d[D.k] = k;
    d[D.a] = p.a; d[D.aBS] = 4 * aBS;
    d[D.rsA] = transA ? 4 : 4 * lda; d[D.csA] = transA ? 4 * lda : 4;
    d[D.b] = p.b; d[D.bBS] = 4 * bBS;
    d[D.rsB] = transB ? 4 : 4 * ldb; d[D.csB] = transB ? 4 * ldb : 4;
    d[D.c] = p.c; d[D.cBS] = 4 * cBS; d[D.ldc] = 4 * ldc;
    d[D.flags] = (accumulate ? FLAG_ACCUMULATE : 0) | (packA ? FLAG_PACK_A : 0);
    d[D.pb] = this.packB; d[D.pbBS] = nbB === 1 ? 0 : npanels * k * 4 * NR;
    d[D.apack] = this.packA; d[D.apackBytes] = MC * KS * 4;
    d[D.counter] = 0; d[D.npanels] = npanels; d[D.mchunks] = mchunks; d[D.items] = items;
    d[D.panelsTotal] = panelsTotal; d[D.nchunks] = nchunks; d[D.pchunk] = pchunk;
    d[D.groups] = Math.ceil(npanels / PG); d[D.groupsTotal] = nbB * d[D.groups];

    if (threads <= 1 || !this.pool) {
      this.ex.sgemm(DESC);
    } else {
      d[D.pclaim] = 0;
      d[D.packed] = 0;
      d[D.errPtr] = this.pool.errorFlagAddress;
      const ex = this.ex;
      this.pool.run(GEMM_MT, DESC, threads - 1, () => ex.gemm_mt(DESC, 0));
    }
    if (medium) this.lastMediumEnd = performance.now();
  }

  /** Whether `work` is above `threshold` but below the size that always pays for waking blocked workers. */
  private isMedium(work: number, threshold: number): boolean {
    return work >= threshold && work < 4 * threshold;
  }

  /**
   * Threads for `work` units, `threshold` of which are worth one wake-up of awake workers.
   * Waking a blocked worker costs the main thread ≈ 20 µs (and the worker ≈ 60 µs to start),
   * which only pays off for large jobs, or for a stream of medium ones (after the first, the
   * workers stay awake). Workers start on the first job that wants them; until they run, the
   * main thread simply finds all of the work left to itself.
   */
  private threadsFor(work: number, threshold: number): number {
    if (!this.pool || this.nThreads <= 1 || work < threshold) return 1;
    if (this.pool.size < this.nThreads - 1 && !this.pool.growNow(this.nThreads - 1)) this.nThreads = 1;
    const worthWaking = !this.isMedium(work, threshold) || performance.now() - this.lastMediumEnd < 1;
    return worthWaking || this.pool.awake(this.nThreads - 1) ? this.nThreads : 1;
  }

  registerShared(bytes: Uint8Array): number {
    this.modules.push(bytes.slice());
    return this.modules.length - 1;
  }

  sharedThreads(elements: number): number {
    return this.threadsFor(elements, SHARED_THRESHOLD);
  }

  jobArgs(bytes: number): number {
    if (bytes > this.argsBytes) {
      if (this.args) this.heap.free(this.args);
      this.args = this.heap.alloc(bytes);
      this.argsBytes = this.heap.sizeOf(this.args);
    }
    return this.args;
  }

  runShared(id: number, desc: number, threads: number, main: () => void): void {
    const bytes = this.modules[id];
    if (!bytes) throw new RangeError(`runShared: no module ${id}`);
    if (threads <= 1 || !this.pool) {
      main();
      return;
    }
    if (bytes.length > this.modBufBytes) {
      if (this.modBuf) this.heap.free(this.modBuf);
      this.modBuf = this.heap.alloc(bytes.length);
      this.modBufBytes = this.heap.sizeOf(this.modBuf);
    }
    new Uint8Array(this.memory.buffer, this.modBuf, bytes.length).set(bytes);
    this.pool.run(0, desc, threads - 1, main, { id, ptr: this.modBuf, len: bytes.length });
    // the workers have just run: they stay awake a while for the next medium job
    this.lastMediumEnd = performance.now();
  }

  binary(op: BinaryOp, a: number, b: number, out: number, len: number): void {
    this.fn(`bin_${op}_11`)(1, len, a, 0, b, 0, out);
  }

  binaryScalar(op: BinaryOp, a: number, s: number, out: number, len: number, scalarFirst = false): void {
    this.scalarView[0] = s;
    if (scalarFirst) this.fn(`bin_${op}_01`)(1, len, SCALAR, 0, a, 0, out);
    else this.fn(`bin_${op}_10`)(1, len, a, 0, SCALAR, 0, out);
  }

  binaryRow(op: BinaryOp, a: number, row: number, out: number, rows: number, cols: number): void {
    this.fn(`bin_${op}_11`)(rows, cols, a, 4 * cols, row, 0, out);
  }

  binaryCol(op: BinaryOp, a: number, col: number, out: number, rows: number, cols: number): void {
    this.fn(`bin_${op}_10`)(rows, cols, a, 4 * cols, col, 4, out);
  }

  binary2d(op: BinaryOp, rows: number, cols: number, a: Operand2D, b: Operand2D, out: number): void {
    this.fn(`bin_${op}_${a.colStride}${b.colStride}`)(rows, cols, a.ptr, 4 * a.rowStride, b.ptr, 4 * b.rowStride, out);
  }

  unary(op: UnaryOp, x: number, out: number, len: number): void {
    this.fn(`un_${op}`)(len, x, out);
  }

  grad(op: GradOp, xOrY: number, dy: number, out: number, len: number): void {
    this.fn(op)(len, xOrY, dy, out);
  }

  fill(out: number, value: number, len: number): void {
    this.ex.fill(len, value, out);
  }

  axpy(alpha: number, x: number, y: number, len: number): void {
    this.ex.axpy(len, alpha, x, y);
  }

  sum(x: number, out: number, outer: number, r: number, inner = 1): void {
    if (inner === 1) this.ex.reduce_last_sum(outer, r, x, out);
    else this.ex.reduce_mid_sum(outer, r, inner, x, out);
  }

  max(x: number, out: number, outer: number, r: number, inner = 1): void {
    if (inner === 1) this.ex.reduce_last_max(outer, r, x, out);
    else this.ex.reduce_mid_max(outer, r, inner, x, out);
  }

  softmax(x: number, out: number, rows: number, cols: number): void {
    if (!this.softmaxShared(x, out, rows, cols, 0)) this.ex.softmax(rows, cols, x, out);
  }

  logSoftmax(x: number, out: number, rows: number, cols: number): void {
    if (!this.softmaxShared(x, out, rows, cols, 1)) this.ex.log_softmax(rows, cols, x, out);
  }

  /**
   * A large softmax shared out across the worker threads in chunks of whole rows (about four
   * per thread, claimed through a counter), so 1 and 2 threads give the same bits. False when
   * it runs on one thread.
   */
  private softmaxShared(x: number, out: number, rows: number, cols: number, log: 0 | 1): boolean {
    const threads = rows >= 2 ? this.threadsFor(rows * cols, SHARED_THRESHOLD) : 1;
    if (threads <= 1 || !this.pool) return false;
    const chunk = Math.max(1, Math.ceil(rows / (4 * threads)));
    const a = this.jobArgs(32);
    const w = new Int32Array(this.memory.buffer, a, 8);
    w[0] = rows; w[1] = cols; w[2] = x; w[3] = out; w[4] = chunk; w[5] = 0; w[6] = log; w[7] = Math.ceil(rows / chunk);
    const ex = this.ex;
    this.pool.run(SOFTMAX_MT, a, threads - 1, () => ex.softmax_mt(a, 0));
    this.lastMediumEnd = performance.now();
    return true;
  }

  adam(p: number, g: number, m: number, v: number, len: number,
    h: { lr: number; beta1: number; beta2: number; eps: number; step: number }): void {
    const c1 = 1 / (1 - h.beta1 ** h.step);
    const c2 = 1 / (1 - h.beta2 ** h.step);
    this.ex.adam(len, p, g, m, v, h.lr, h.beta1, h.beta2, h.eps, c1, c2);
  }

  private fn(name: string): (...args: number[]) => void {
    const f = this.ex[name];
    if (!f) throw new Error(`unknown kernel ${name}`);
    return f;
  }

  private desc(): Int32Array {
    if (this.descBuffer !== this.memory.buffer) {
      this.descBuffer = this.memory.buffer;
      this.descView = new Int32Array(this.descBuffer, DESC, D.size);
    }
    return this.descView;
  }

  /** A float32 view of the whole linear memory (made again after the memory grows). */
  private heapF32(): Float32Array {
    const buf = this.memory.buffer;
    if (this.heapView === null || this.heapView.buffer !== buf) this.heapView = new Float32Array(buf);
    return this.heapView;
  }
  private heapView: Float32Array | null = null;

  private ensurePackB(bytes: number): void {
    if (bytes <= this.packBBytes) return;
    if (this.packB) this.heap.free(this.packB);
    this.packB = this.heap.alloc(bytes);
    this.packBBytes = this.heap.sizeOf(this.packB);
  }

  private ensurePackA(bytes: number): void {
    if (bytes <= this.packABytes) return;
    if (this.packA) this.heap.free(this.packA);
    this.packA = this.heap.alloc(bytes);
    this.packABytes = this.heap.sizeOf(this.packA);
  }
}

function instantiate(c: CompiledKernels, opts: WasmKernelsOptions): Kernels {
  if (opts.maxMemory !== undefined && !(opts.maxMemory > 0)) throw new RangeError(`createWasmKernels: maxMemory must be a positive number of bytes, got ${opts.maxMemory}`);
  const initialPages = Math.max(1, Math.ceil((Math.min(opts.initialMemory ?? 16 * 2 ** 20, opts.maxMemory ?? Infinity)) / PAGE));
  const memory = new WebAssembly.Memory(
    c.shared
      ? ({ initial: initialPages, maximum: MAX_PAGES, shared: true } as WebAssembly.MemoryDescriptor)
      : { initial: initialPages },
  );
  const instance = new WebAssembly.Instance(c.module, { env: { memory } });
  return new Kernels(memory, instance, c.module, c.relaxed, c.shared, opts.parallelThreshold ?? 2 ** 20, opts.spinMs, opts.maxMemory);
}

type V8 = { setFlagsFromString(flags: string): void };

/**
 * Builds, compiles and instantiates the kernel module. With shared memory and worker_threads
 * available, `threads − 1` workers are started now (or, with `lazyWorkers`, by the first GEMM
 * that wants them); they are unref'd so they never keep the process alive.
 */
export async function createWasmKernels(opts: WasmKernelsOptions = {}): Promise<WasmKernels> {
  const shared = sharedMemoryAvailable() && (await workersAvailable());
  const flags = opts.relaxedSimd === true || opts.noLiftoff === true;
  const v8 = flags ? await loadNodeBuiltin<V8>('node:v8') : undefined;
  const compiled = await compileKernels({ relaxedSimd: opts.relaxedSimd, noLiftoff: opts.noLiftoff, shared }, v8);
  const kernels = instantiate(compiled, opts);
  const threads = opts.threads ?? defaultThreads(await loadNodeBuiltin<Os>('node:os'));
  if (opts.lazyWorkers) kernels.setNumThreadsLazily(threads);
  else await kernels.setNumThreads(threads);
  return kernels;
}

/**
 * The same, synchronously (Node, where a module of this size compiles in milliseconds; a
 * browser's main thread refuses it). Worker threads start with the first GEMM that wants them.
 */
export function createWasmKernelsSync(opts: WasmKernelsOptions = {}): WasmKernels {
  const shared = sharedMemoryAvailable() && workersAvailableSync();
  const flags = opts.relaxedSimd === true || opts.noLiftoff === true;
  const v8 = flags ? nodeBuiltin<V8>('node:v8') : undefined;
  const compiled = compileKernelsSync({ relaxedSimd: opts.relaxedSimd, noLiftoff: opts.noLiftoff, shared }, v8);
  const kernels = instantiate(compiled, opts);
  kernels.setNumThreadsLazily(opts.threads ?? defaultThreads(nodeBuiltin<Os>('node:os')));
  return kernels;
}

export { buildKernelModule } from './module.js';
