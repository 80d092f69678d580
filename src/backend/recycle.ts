// Recycled host arrays (`tg.init({ recycle: true })`, Node only): the large typed arrays that
// eager kernels write their results into go back to a pool once the lazy buffer that owns them
// has been garbage-collected, and later results of the same length are written into them instead
// of into fresh arrays. A fresh array of a megabyte costs its allocation, its zeroing and, when
// the C allocator has handed the pages back to the system in between, a page fault per 4 KiB,
// which together took about a sixth of a 512×512 product's time; a recycled one costs none.
//
// The pool learns of a collected buffer through a FinalizationRegistry. Its callbacks run only
// between tasks, and a training loop is usually one synchronous task — a registry whose callbacks
// cannot run would hold every array it was given until the loop ends. So recycling needs two V8
// helpers that Node 20 has behind flags, each installed into a private context with its flag set
// for that one moment and cleared again: `FinalizationRegistry.prototype.cleanupSome`, which runs
// the callbacks of collected buffers synchronously, and `gc`. V8 finds dead registered objects
// only in full collections, and lazy buffers are too small for the JavaScript heap to call for
// one often, so once the pool has run dry and RECLAIM_EVERY bytes have been handed out since the
// last collection, a full collection runs — unless the last one took more than 1/GC_SHARE of the
// time since (a large heap collects less often, not for longer). Both run only at the start of
// a realization (`reclaim`), never between a kernel's inputs and its output.
//
// An array is recycled only while its lazy buffer is its one owner. Anything that lets the array
// outlive the buffer — a compiled call taking over a donated buffer (`LazyBuffer.release`) —
// withdraws it first. Arrays never leave the library (reads copy), so no user holds one.
//
// A backend may make the arrays of recycled results itself (`Backend.allocRecycled`): the Wasm
// backend's are views of its linear memory, which its kernels read and write in place. Such an
// array's memory goes back to its allocator when the pool lets the array go (`discard`), or,
// withdrawn, once the array itself has been collected.

import type { DType, TypedArray } from "../core/dtype.js";
import { discard, homeOf, type Mirror } from "./mirrors.js";

/** Arrays of at least this many bytes are recycled (smaller ones are cheap, or carved from slabs). */
export const RECYCLE_MIN_BYTES = 64 * 1024;
/** Bytes the pool holds at most; arrays returned beyond it are left to the garbage collector. */
export const POOL_BUDGET = 128 * 2 ** 20;
/** Bytes of arrays handed out (recycled or fresh) between two forced collections at least. */
export const RECLAIM_EVERY = 16 * 2 ** 20;
/** A forced collection waits until this many times its last duration has passed since it ran. */
export const GC_SHARE = 20;

/** The tie between a lazy buffer and its array: `buf` is set to null when the array may outlive it. */
export interface RecycleToken {
  buf: TypedArray | null;
  readonly dtype: DType;
}

/** Arrays of one dtype and length, and how many were asked for since the last collection and in the cycle before. */
interface Pool {
  readonly arrays: TypedArray[];
  asked: number;
  askedBefore: number;
}

const pools = new Map<string, Pool>();
let pooledBytes = 0;
/** Counters for tests and benchmarks. */
export const recycleStats = {
  recycled: 0,
  fresh: 0,
  /** Fresh arrays the backend made itself (`Backend.allocRecycled`: on the Wasm backend, homed arrays). */
  homed: 0,
  returned: 0,
  dropped: 0,
  collections: 0,
  collectionMs: 0,
};

function keyOf(dtype: DType, length: number): string {
  return `${dtype}:${length}`;
}

function give(token: RecycleToken): void {
  const buf = token.buf;
  if (buf === null) return;
  token.buf = null;
  recycleStats.returned++;
  if (pooledBytes + buf.byteLength > POOL_BUDGET) {
    recycleStats.dropped++;
    discard(buf);
    return;
  }
  const key = keyOf(token.dtype, buf.length);
  let pool = pools.get(key);
  if (!pool) pools.set(key, (pool = { arrays: [], asked: 0, askedBefore: 0 }));
  pool.arrays.push(buf);
  pooledBytes += buf.byteLength;
}

type SyncRegistry<T> = FinalizationRegistry<T> & { cleanupSome(): void };
let registry: SyncRegistry<RecycleToken> | null = null;
/** Frees the memory of withdrawn homed arrays once they are collected: the record held, not the array. */
let strays: SyncRegistry<Mirror> | null = null;
let collect: (() => void) | null = null;
let sinceCollection = 0;
let lastCollection = 0;
let lastCollectionMs = 0;
/** Set when a result found no recycled array since the pool was last refilled. */
let missed = false;

let paused = false;

/** Whether eager results are recycled (`tg.init({ recycle: true })`). */
export function recycling(): boolean {
  return registry !== null && !paused;
}

/** Stops (or resumes) recycling once enabled, keeping the pool: for before/after measurements in one process. */
export function pauseRecycling(pause: boolean): void {
  paused = pause;
}

/**
 * Turns recycling on: `v8` is `node:v8`, `vm` is `node:vm`. Returns false (and changes nothing)
 * where the engine lacks either helper.
 */
export function enableRecycling(v8: { setFlagsFromString(f: string): void }, vm: { runInNewContext(code: string): unknown }): boolean {
  if (registry !== null) return true;
  const grab = (flag: string, code: string): unknown => {
    v8.setFlagsFromString(`--${flag}`);
    try {
      return vm.runInNewContext(code);
    } finally {
      v8.setFlagsFromString(`--no-${flag}`);
    }
  };
  const Registry = grab("harmony-weak-refs-with-cleanup-some", "FinalizationRegistry") as typeof FinalizationRegistry | undefined;
  const gc = grab("expose-gc", "typeof gc === 'function' ? gc : undefined") as (() => void) | undefined;
  if (typeof (Registry?.prototype as { cleanupSome?: unknown } | undefined)?.cleanupSome !== "function" || typeof gc !== "function") return false;
  registry = new Registry!(give) as SyncRegistry<RecycleToken>;
  strays = new Registry!((m: Mirror) => m.owner.drop(m)) as SyncRegistry<Mirror>;
  collect = gc;
  return true;
}

/**
 * Runs a full collection and the callbacks of what it found, then trims each pool to what was
 * asked of it in the last two cycles between collections (a length nobody asked for goes): the
 * pool holds about what the loop uses, not every array it ever made.
 */
function collectNow(now: number): void {
  sinceCollection = 0;
  missed = false;
  recycleStats.collections++;
  collect!();
  registry!.cleanupSome();
  strays!.cleanupSome();
  for (const [key, pool] of pools) {
    const keep = Math.max(pool.asked, pool.askedBefore);
    while (pool.arrays.length > keep) {
      const a = pool.arrays.pop()!;
      pooledBytes -= a.byteLength;
      recycleStats.dropped++;
      discard(a);
    }
    if (keep === 0) pools.delete(key);
    pool.askedBefore = pool.asked;
    pool.asked = 0;
  }
  lastCollection = performance.now();
  lastCollectionMs = lastCollection - now;
  recycleStats.collectionMs += lastCollectionMs;
}

/**
 * Refills the pool from the buffers collected so far, after a result found it empty: runs their
 * callbacks and, when RECLAIM_EVERY bytes have been handed out since the last full collection
 * and the time since is at least GC_SHARE times that collection's, a full collection first.
 * The scheduler calls this at the start of a realization only: every buffer the realization
 * reads is then reachable from the pending graph, while inside it the last reference to an input
 * may already be gone and its array must not become the output of the kernel that reads it.
 */
export function reclaim(): void {
  if (!missed) return;
  missed = false;
  if (sinceCollection >= RECLAIM_EVERY) {
    const now = performance.now();
    if (now - lastCollection >= GC_SHARE * lastCollectionMs) {
      collectNow(now);
      return;
    }
  }
  registry!.cleanupSome();
  strays!.cleanupSome();
}

/**
 * A recycled array of `size` elements of `dtype` (`bytes` long) for an eager kernel's result,
 * holding an earlier result's values (every kernel writes every element of its output);
 * undefined when recycling is off or none is at hand (the caller allocates one).
 */
export function takeArray(dtype: DType, size: number, bytes: number): TypedArray | undefined {
  if (registry === null || paused) return undefined;
  sinceCollection += bytes;
  const key = keyOf(dtype, size);
  const pool = pools.get(key);
  const buf = pool?.arrays.pop();
  if (pool) pool.asked++;
  else pools.set(key, { arrays: [], asked: 1, askedBefore: 0 });
  if (buf === undefined) {
    missed = true;
    recycleStats.fresh++;
    return undefined;
  }
  pooledBytes -= buf.byteLength;
  recycleStats.recycled++;
  return buf;
}

/** Ties `buf` to `owner` when recycling is on: once `owner` is collected, `buf` goes back to the pool. */
export function track(owner: object, buf: TypedArray, dtype: DType): RecycleToken | null {
  if (registry === null || paused) return null;
  const token: RecycleToken = { buf, dtype };
  registry.register(owner, token);
  return token;
}

/** Withdraws a tracked array: it may outlive its owner, so it is never recycled. */
export function withdraw(token: RecycleToken): void {
  const buf = token.buf;
  token.buf = null;
  // a homed array's memory is then freed once the array itself is gone (the record held does not hold the array)
  const home = buf === null ? undefined : homeOf(buf);
  if (home !== undefined) strays!.register(buf!, home);
}

/**
 * Lets go of the pooled arrays `mine` accepts (the homed arrays of a Wasm module whose linear
 * memory runs short), freeing their memory; true when there were any.
 */
export function drainPool(mine: (a: TypedArray) => boolean): boolean {
  let any = false;
  for (const pool of pools.values()) {
    const keep = pool.arrays.filter((a) => !mine(a));
    if (keep.length === pool.arrays.length) continue;
    for (const a of pool.arrays)
      if (mine(a)) {
        pooledBytes -= a.byteLength;
        discard(a);
      }
    pool.arrays.length = 0;
    pool.arrays.push(...keep);
    any = true;
  }
  return any;
}

/** Bytes of arrays waiting in the pool now. */
export function pooled(): number {
  return pooledBytes;
}
