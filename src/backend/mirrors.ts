// Mirrors: copies of large host arrays kept in a Wasm module's linear memory (wasm/resident.ts),
// and the one rule that keeps them true — a host array is only ever written as a kernel's output,
// and the host backends report each such write here before it happens. A homed array (a recycled
// result that is itself a view of linear memory) has a mirror that is not a copy but the array's
// own memory: it is never dropped while the array is in use, and goes back to its allocator when
// the recycling pool lets the array go (`discard`).

import type { Buf } from "./kernel.js";

/** Float32 host arrays of at least this many elements (64 KiB) are mirrored in linear memory. */
export const MIRROR_MIN = 16384;
/** Linear memory the mirrors of one module may hold; the least recently used go first beyond it. */
export const MIRROR_BUDGET = 32 * 2 ** 20;

/** A copy of a host array's contents in linear memory. */
export interface Mirror {
  readonly ptr: number;
  readonly bytes: number;
  readonly owner: {
    drop(m: Mirror): void;
  };
  /** Set once dropped: its block belongs to someone else (the array itself is not held). */
  dead: boolean;
  /** The kernel call that last used it (such a mirror is not evicted during that call). */
  call: number;
  /** The array is a view of this very block: the block is its memory, not a copy of it. */
  readonly home: boolean;
}

/** The mirror of each mirrored host array (one module's at a time). */
export const mirrors = new WeakMap<object, Mirror>();

/**
 * Large host arrays read once since they were last written: the second read makes a mirror
 * (most intermediates are read once). A write (a recycled array reused for a new result) starts
 * the count again.
 */
export const readOnce = new WeakSet<object>();

/**
 * Tells the mirrors that host buffer `buf` is about to be written (a kernel's output): its
 * mirror, if any, is dropped. Both host backends call it for every dispatch into a host array.
 */
export function hostWritten(buf: Buf): void {
  if (!((buf as { length?: number }).length! >= MIRROR_MIN)) return;
  readOnce.delete(buf);
  const m = mirrors.get(buf);
  if (m !== undefined && !m.dead && !m.home) m.owner.drop(m);
}

/** The block homed array `a` is a view of; undefined for every other array. */
export function homeOf(a: object): Mirror | undefined {
  const m = mirrors.get(a);
  return m !== undefined && m.home && !m.dead ? m : undefined;
}

/** Frees the memory of homed array `a` (no one uses it again); other arrays are left to the garbage collector. */
export function discard(a: object): void {
  const m = homeOf(a);
  if (m !== undefined) m.owner.drop(m);
}
