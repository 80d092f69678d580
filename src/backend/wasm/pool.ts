/**
 * Worker threads sharing the kernel module's linear memory. None starts until
 * asked for (`resize`) or until a kernel first wants threads (`growNow`).
 *
 * Each worker instantiates the same compiled module on the same shared
 * `WebAssembly.Memory`. Coordination uses 64-byte control slots (one cache
 * line each, so no false sharing) at `controlBase`:
 *
 *   slot 0, the job:  [0] state  = generation·256 | CLOSED (128) | joined count
 *                     [1] number of joined participants that finished
 *                     [2] export index  [3] argument  [4] participant limit
 *                     [5] module id  [6] module bytes  [7] their length
 *                     [8] error flag    [9] main thread is blocked waiting
 *   slot w+1, worker w: [0] wake counter  [2] exit flag  [7] worker is blocked
 *
 * The slot after the last worker's stays unused, so a worker can always read
 * its successor's slot.
 *
 * A job runs `export(arg, tid)` on the main thread (tid 0) and on every worker
 * that *joins* it before the main thread finishes its own call. Joining is a
 * compare-and-swap on the state word, closing is an atomic OR of CLOSED, so
 * the main thread learns exactly how many workers it must wait for and never
 * waits for a worker that is still asleep: the kernels hand out their work
 * through shared counters, so a worker that wakes late simply finds less (or
 * nothing) to do, and a worker that finds the job closed goes back to waiting.
 *
 * A job runs either one of the kernel module's exports named at start-up or, with export index
 * −1, export `run_mt` of another module over the same memory (a fused kernel generated later):
 * its bytes lie in linear memory for the job's duration, and a worker that meets the module's id
 * for the first time compiles them there, after joining (so the bytes cannot change under it).
 *
 * Workers are Node's worker_threads, or in a browser page that is cross-origin isolated (the
 * condition for shared memory there) Web Workers started from a Blob URL of the same source.
 * A browser's main thread may not block in Atomics.wait, so there it spins until the job's
 * participants are done (a job lasts as long as the main thread's own share of it).
 *
 * Idle threads spin for `spinMs` before blocking in Atomics.wait, so jobs
 * issued back to back are picked up within a microsecond, while a blocked
 * worker costs a futex wake-up (tens of µs on a VM) that the main thread does
 * not wait for. Notifications are only sent to a thread that announced it is
 * blocking; with sequentially consistent atomics (announce, then re-check the
 * value inside Atomics.wait; publish, then read the announcement) no wake-up
 * is lost.
 */

import { loadNodeBuiltin, nodeBuiltin } from './node-builtins.js';

const SLOT_BYTES = 64;
const SLOT_INTS = SLOT_BYTES / 4;
export const MAX_WORKERS = 63;
export const CONTROL_BYTES = (MAX_WORKERS + 2) * SLOT_BYTES;

// Job slot fields.
const STATE = 0, FINISHED = 1, FN = 2, ARG = 3, LIMIT = 4, MOD_ID = 5, MOD_PTR = 6, MOD_LEN = 7, ERROR = 8, MAIN_SLEEPING = 9;
const CLOSED = 128, COUNT_MASK = 127;
/** Other modules' `run_mt` a worker keeps compiled. */
const MAX_MODULES = 256;
// Worker slot fields.
const WAKE = 0, EXIT = 2, SLEEPING = 7;

/**
 * The worker's loop, given `workerData` and `ready()` by the prelude of its kind (no file to
 * resolve at run time in either).
 */
const WORKER_BODY = `
const { module, memory, control, slot, tid, names, spinMs } = workerData;
const inst = new WebAssembly.Instance(module, { env: { memory } });
const fns = names.map((n) => inst.exports[n]);
// run_mt of the other modules met so far, by id (at most ${MAX_MODULES}: past that the cache starts
// over, and a module met again is compiled again)
const extra = new Map();
const extraFn = (id, ptr, len) => {
  let fn = extra.get(id);
  if (!fn) {
    const bytes = new Uint8Array(memory.buffer, ptr, len).slice();
    fn = new WebAssembly.Instance(new WebAssembly.Module(bytes), { env: { memory } }).exports.run_mt;
    if (extra.size >= ${MAX_MODULES}) extra.clear();
    extra.set(id, fn);
  }
  return fn;
};
const J = new Int32Array(memory.buffer, control, ${SLOT_INTS});
const W = new Int32Array(memory.buffer, slot, ${SLOT_INTS});
const N = new Int32Array(memory.buffer, slot + ${SLOT_BYTES}, ${SLOT_INTS});
let last = Atomics.load(W, ${WAKE});
ready();
for (;;) {
  let s = Atomics.load(W, ${WAKE});
  if (s === last) {
    const until = performance.now() + spinMs;
    for (let i = 1; s === last; i++) {
      s = Atomics.load(W, ${WAKE});
      if ((i & 63) === 0 && performance.now() > until) break;
    }
    while (s === last) {
      Atomics.store(W, ${SLEEPING}, 1);
      Atomics.wait(W, ${WAKE}, last);
      Atomics.store(W, ${SLEEPING}, 0);
      s = Atomics.load(W, ${WAKE});
    }
  }
  last = s;
  if (Atomics.load(W, ${EXIT}) !== 0) break;
  // Pass the wake-up on: the main thread only notifies the first worker.
  if (tid + 1 < Atomics.load(J, ${LIMIT}) && Atomics.load(N, ${SLEEPING}) === 1) Atomics.notify(N, ${WAKE});
  for (;;) {
    const st = Atomics.load(J, ${STATE});
    if ((st & ${CLOSED}) !== 0 || tid >= Atomics.load(J, ${LIMIT})) break;
    if (Atomics.compareExchange(J, ${STATE}, st, st + 1) !== st) continue;
    try {
      const fi = J[${FN}];
      const fn = fi >= 0 ? fns[fi] : extraFn(J[${MOD_ID}], J[${MOD_PTR}], J[${MOD_LEN}]);
      fn(J[${ARG}], tid);
    } catch (e) {
      Atomics.store(J, ${ERROR}, 1);
    }
    Atomics.add(J, ${FINISHED}, 1);
    if (Atomics.load(J, ${MAIN_SLEEPING}) === 1) Atomics.notify(J, ${FINISHED});
    break;
  }
}
`;

/** Node's worker: a CommonJS script evaluated from source. */
const NODE_SOURCE = `
const { workerData, parentPort } = require('node:worker_threads');
const ready = () => parentPort.postMessage('ready');
${WORKER_BODY}`;

/** A Web Worker: the first message carries the worker data; the loop then never returns. */
const WEB_SOURCE = `
onmessage = (e) => {
  onmessage = null;
  const workerData = e.data;
  const ready = () => postMessage('ready');
  ${WORKER_BODY}
};`;

type WorkerLike = {
  unref(): void;
  terminate(): Promise<number>;
  once(ev: 'message' | 'error', cb: (x: unknown) => void): void;
};
type WorkerData = { module: WebAssembly.Module; memory: WebAssembly.Memory; control: number; slot: number; tid: number; names: readonly string[]; spinMs: number };
/** Starts one worker on `data`. */
type Spawn = (data: WorkerData) => WorkerLike;
type NodeWorkerCtor = new (src: string, opts: { eval: boolean; workerData: unknown }) => WorkerLike;
type WorkerThreads = { Worker?: NodeWorkerCtor };
interface WebWorker {
  postMessage(m: unknown): void;
  terminate(): void;
  addEventListener(ev: string, cb: (e: { data?: unknown; message?: string }) => void, opts: { once: boolean }): void;
}
type WebGlobals = {
  Worker?: new (url: string, opts?: { name?: string }) => WebWorker;
  crossOriginIsolated?: boolean;
  Blob?: new (parts: string[], opts: { type: string }) => unknown;
  URL?: { createObjectURL?(blob: unknown): string };
};

function nodeSpawn(Worker: NodeWorkerCtor | undefined): Spawn | undefined {
  return Worker && ((workerData) => new Worker(NODE_SOURCE, { eval: true, workerData }));
}

let webSourceURL: string | undefined;

/** Web Workers where shared memory can be posted to them: a cross-origin-isolated page (or worker). */
function webSpawn(): Spawn | undefined {
  const g = globalThis as unknown as WebGlobals;
  const Web = g.Worker;
  const { Blob, URL } = g;
  if (typeof Web !== 'function' || g.crossOriginIsolated !== true || typeof Blob !== 'function' || typeof URL?.createObjectURL !== 'function') return undefined;
  return (data) => {
    webSourceURL ??= URL.createObjectURL!(new Blob([WEB_SOURCE], { type: 'text/javascript' }));
    const w = new Web(webSourceURL, { name: `tensorgrad wasm worker ${data.tid}` });
    w.postMessage(data);
    return {
      unref() {},
      terminate() {
        w.terminate();
        return Promise.resolve(0);
      },
      once(ev, cb) {
        w.addEventListener(ev, (e) => cb(ev === 'error' ? new Error(e.message || 'a wasm worker failed to start') : e.data), { once: true });
      },
    };
  };
}

/** How to start workers, without waiting (undefined where none can start, or on Node < 20.16). */
function spawnSync(): Spawn | undefined {
  return nodeSpawn(nodeBuiltin<WorkerThreads>('node:worker_threads')?.Worker) ?? webSpawn();
}

async function loadSpawn(): Promise<Spawn | undefined> {
  return nodeSpawn((await loadNodeBuiltin<WorkerThreads>('node:worker_threads'))?.Worker) ?? webSpawn();
}

export async function workersAvailable(): Promise<boolean> {
  return (await loadSpawn()) !== undefined;
}

export function workersAvailableSync(): boolean {
  return spawnSync() !== undefined;
}

/** Whether this thread may block in Atomics.wait (a browser's main thread may not). */
function canBlock(): boolean {
  try {
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 1, 0);
    return true;
  } catch {
    return false;
  }
}

interface Slot {
  worker: WorkerLike;
  view: Int32Array;
  /** Settles once the worker runs its loop (rejects if it failed to start). */
  ready: Promise<void>;
}

export interface PoolOptions {
  /** How long an idle thread spins before blocking (default 0.05 ms). */
  spinMs?: number;
}

export class WorkerPool {
  private readonly slots: Slot[] = [];
  private readonly spinMs: number;
  private readonly job: Int32Array;
  private readonly mayBlock = canBlock();
  private generation = 0;

  constructor(
    private readonly module: WebAssembly.Module,
    private readonly memory: WebAssembly.Memory,
    private readonly controlBase: number,
    private readonly names: readonly string[],
    opts: PoolOptions = {},
  ) {
    this.spinMs = opts.spinMs ?? 0.05;
    // The control block sits below the heap: views made now never go stale.
    this.job = new Int32Array(memory.buffer, controlBase, SLOT_INTS);
    this.job.fill(0);
    Atomics.store(this.job, STATE, CLOSED);
  }

  /** Byte address of the job's error word (non-zero once a participant failed). */
  get errorFlagAddress(): number {
    return this.controlBase + 4 * ERROR;
  }

  /** Whether workers 0..count-1 are all running or spinning (none blocked in Atomics.wait). */
  awake(count: number): boolean {
    for (let w = 0; w < count && w < this.slots.length; w++) {
      if (Atomics.load(this.slots[w].view, SLEEPING) === 1) return false;
    }
    return true;
  }

  /** Number of worker threads (the main thread is not counted). */
  get size(): number {
    return this.slots.length;
  }

  /** Starts or stops workers so that exactly `n` exist, and waits until all are running. */
  async resize(n: number): Promise<void> {
    if (n > MAX_WORKERS) throw new RangeError(`at most ${MAX_WORKERS} workers`);
    while (this.slots.length > n) await this.stopOne();
    if (this.slots.length < n) {
      const spawn = await loadSpawn();
      if (!spawn) throw new Error('no worker threads here (Node worker_threads, or Web Workers on a cross-origin-isolated page)');
      this.grow(n, spawn, true);
    }
    await Promise.all(this.slots.map((s) => s.ready));
  }

  /**
   * Starts workers up to `n` without waiting: a kernel calls this when it first wants threads,
   * and workers join jobs once they run (until then the main thread does all of the work, with
   * the same result). False where workers cannot be started synchronously.
   */
  growNow(n: number): boolean {
    if (this.slots.length >= n) return true;
    const spawn = spawnSync();
    if (!spawn) return false;
    this.grow(Math.min(n, MAX_WORKERS), spawn, false);
    return true;
  }

  /**
   * `awaited`: someone waits for the start-up handshake, which must then keep the process
   * alive (unref'd once running); otherwise the worker is unref'd at once, since nothing
   * waits for it and an idle pool must never keep the process alive.
   */
  private grow(n: number, spawn: Spawn, awaited: boolean): void {
    for (let w = this.slots.length; w < n; w++) {
      const slotPtr = this.controlBase + (w + 1) * SLOT_BYTES;
      const view = new Int32Array(this.memory.buffer, slotPtr, SLOT_INTS);
      view.fill(0);
      const worker = spawn({
        module: this.module, memory: this.memory, control: this.controlBase, slot: slotPtr,
        tid: w + 1, names: this.names, spinMs: this.spinMs,
      });
      if (!awaited) worker.unref();
      const ready = new Promise<void>((resolve, reject) => {
        worker.once('message', () => {
          worker.unref();
          resolve();
        });
        worker.once('error', (e) => reject(e));
      });
      // A worker that fails to start never joins a job, so nothing else depends on it.
      if (!awaited) ready.catch(() => undefined);
      this.slots.push({ worker, view, ready });
    }
  }

  /**
   * Runs export `fn`(arg, tid) on the main thread (tid 0) and on up to
   * `workers` workers (tids 1..workers) that join in time; returns when every
   * participant is done. The export must share out its work dynamically.
   * With `module`, fn is ignored and workers run export `run_mt` of the module whose
   * `len` bytes lie at `ptr` (left unchanged until this returns); `id` names it for good.
   */
  run(fn: number, arg: number, workers: number, main: () => void, module?: { id: number; ptr: number; len: number }): void {
    const J = this.job;
    workers = Math.min(workers, this.slots.length);
    J[FN] = module ? -1 : fn;
    if (module) {
      J[MOD_ID] = module.id;
      J[MOD_PTR] = module.ptr;
      J[MOD_LEN] = module.len;
    }
    J[ARG] = arg;
    J[LIMIT] = workers + 1;
    Atomics.store(J, FINISHED, 0);
    Atomics.store(J, ERROR, 0);
    this.generation = (this.generation + 1) & 0x7fffff;
    Atomics.store(J, STATE, this.generation * 256);
    // Every worker gets its wake counter bumped (spinning ones start at
    // once); a blocked first worker is notified here and then notifies the
    // next one itself, so the main thread pays for at most one futex wake
    // (≈ 20 µs on a VM) before starting its own share.
    for (let w = 0; w < workers; w++) Atomics.add(this.slots[w].view, WAKE, 1);
    if (workers > 0 && Atomics.load(this.slots[0].view, SLEEPING) === 1) Atomics.notify(this.slots[0].view, WAKE);
    try {
      main();
    } catch (e) {
      // Let workers blocked on this participant's share see the failure.
      Atomics.store(J, ERROR, 1);
      throw e;
    } finally {
      const joined = Atomics.or(J, STATE, CLOSED) & COUNT_MASK;
      this.waitFinished(joined);
    }
    if (Atomics.load(J, ERROR) !== 0) throw new Error('a wasm worker failed while running a kernel');
  }

  async close(): Promise<void> {
    while (this.slots.length > 0) await this.stopOne();
  }

  private waitFinished(joined: number): void {
    const J = this.job;
    if (Atomics.load(J, FINISHED) === joined) return;
    const until = performance.now() + this.spinMs;
    for (let i = 1; Atomics.load(J, FINISHED) !== joined; i++) {
      if (this.mayBlock && (i & 63) === 0 && performance.now() > until) {
        let d: number;
        while ((d = Atomics.load(J, FINISHED)) !== joined) {
          Atomics.store(J, MAIN_SLEEPING, 1);
          Atomics.wait(J, FINISHED, d);
          Atomics.store(J, MAIN_SLEEPING, 0);
        }
        return;
      }
    }
  }

  private async stopOne(): Promise<void> {
    const s = this.slots.pop()!;
    Atomics.store(s.view, EXIT, 1);
    Atomics.add(s.view, WAKE, 1);
    Atomics.notify(s.view, WAKE);
    await s.worker.terminate();
  }
}
