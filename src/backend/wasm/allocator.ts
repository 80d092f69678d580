/**
 * Size-class allocator for the kernel module's linear memory, managed from
 * JavaScript (kernels never allocate).
 *
 * Requests are rounded up to a size class: multiples of 64 bytes up to 1 KiB,
 * then four classes per power of two (2^e · {1, 1.25, 1.5, 1.75}), so at most
 * 25% is wasted. Freed blocks go to a per-class free list and are reused by
 * the next request of the same class; fresh blocks come from a bump pointer,
 * growing the memory when needed. In normal operation blocks are never split
 * or merged: a steady loop that allocates and frees the same shapes reaches a
 * fixed footprint. Only when a request would pass the memory's limit are the
 * free blocks merged with their free neighbours (and those at the top handed
 * back to the bump pointer), then carved into the requested block and blocks
 * of the classes that tile the rest, so memory freed in one set of sizes
 * serves another. Every block is 64-byte aligned (cache line; f32x4 needs 16).
 */
import { PAGE } from './module.js';

export const ALIGN = 64;

/** Rounds a request up to its size class (bytes, ≥ 64). */
export function sizeClass(bytes: number): number {
  if (bytes <= 1024) return Math.max(ALIGN, Math.ceil(bytes / ALIGN) * ALIGN);
  const e = Math.floor(Math.log2(bytes));
  const quarter = 2 ** (e - 2);
  let c = 2 ** e;
  while (c < bytes) c += quarter;
  return c;
}

/** The largest size class not above `bytes` (≥ 64). */
export function largestClassWithin(bytes: number): number {
  if (bytes <= 1024) return Math.floor(bytes / ALIGN) * ALIGN;
  const e = Math.floor(Math.log2(bytes));
  const quarter = 2 ** (e - 2);
  let c = 2 ** e;
  while (c + quarter <= bytes && c + quarter < 2 ** (e + 1)) c += quarter;
  return c;
}

export interface AllocatorStats {
  /** Bytes in live blocks (class sizes). */
  live: number;
  /** Bytes in blocks waiting on free lists. */
  cached: number;
  /** End of the heap (bump pointer). */
  top: number;
}

export class Allocator {
  /**
   * Called when a request would pass the limit: frees blocks their owner can do without (caches)
   * and returns whether it freed any, in which case the request is tried again.
   */
  spare: (() => boolean) | null = null;
  private topPtr: number;
  private readonly freeLists = new Map<number, number[]>();
  private readonly liveSize = new Map<number, number>();
  private liveBytes = 0;
  private cachedBytes = 0;

  constructor(
    private readonly memory: WebAssembly.Memory,
    base: number,
    private readonly maxBytes: number,
  ) {
    this.topPtr = Math.ceil(base / ALIGN) * ALIGN;
  }

  alloc(bytes: number): number {
    if (!Number.isFinite(bytes) || bytes < 0) throw new RangeError(`alloc: bad size ${bytes}`);
    const cls = sizeClass(Math.max(1, bytes));
    const list = this.freeLists.get(cls);
    let ptr: number;
    if (list && list.length > 0) {
      ptr = list.pop()!;
      this.cachedBytes -= cls;
    } else {
      const merged = this.topPtr + cls > this.maxBytes ? this.reclaim(cls) : undefined;
      if (merged !== undefined) ptr = merged;
      else {
        ptr = this.topPtr;
        const end = ptr + cls;
        // memory the owner can spare (mirrors of host arrays) goes back first
        if (end > this.maxBytes && this.spare?.()) return this.alloc(bytes);
        if (end > this.maxBytes)
          throw new RangeError(`wasm memory exhausted: a block of ${cls} bytes does not fit (${this.liveBytes} bytes live, limit ${this.maxBytes})`);
        this.ensure(end);
        this.topPtr = end;
      }
    }
    this.liveSize.set(ptr, cls);
    this.liveBytes += cls;
    return ptr;
  }

  free(ptr: number): void {
    const cls = this.liveSize.get(ptr);
    if (cls === undefined) throw new Error(`free: ${ptr} is not a live allocation`);
    this.liveSize.delete(ptr);
    this.liveBytes -= cls;
    let list = this.freeLists.get(cls);
    if (!list) this.freeLists.set(cls, (list = []));
    list.push(ptr);
    this.cachedBytes += cls;
  }

  /**
   * Merges every free block with its free neighbours, returns the runs that end at the top to
   * the bump pointer, and carves the first run of at least `cls` bytes into a block of that
   * class (returned, not yet counted live); what remains is cut into blocks of the largest
   * classes that fit and put back on the free lists. Undefined when no run is large enough
   * (the caller then bumps from the lowered top, if that fits).
   */
  private reclaim(cls: number): number | undefined {
    const blocks: [number, number][] = [];
    for (const [c, list] of this.freeLists) for (const p of list) blocks.push([p, c]);
    if (!blocks.length) return undefined;
    blocks.sort((a, b) => a[0] - b[0]);
    this.freeLists.clear();
    this.cachedBytes = 0;
    const runs: [number, number][] = [];
    for (const [p, c] of blocks) {
      const last = runs[runs.length - 1];
      if (last && last[1] === p) last[1] = p + c;
      else runs.push([p, p + c]);
    }
    const top = runs[runs.length - 1];
    if (top[1] === this.topPtr) {
      this.topPtr = top[0];
      runs.pop();
    }
    let found: number | undefined;
    for (const run of runs) {
      let [start, end] = run;
      if (found === undefined && end - start >= cls) {
        found = start;
        start += cls;
      }
      this.carve(start, end);
    }
    return found;
  }

  /** Puts [start, end) (a multiple of 64 bytes) back on the free lists as blocks of the largest classes that fit. */
  private carve(start: number, end: number): void {
    while (end - start >= ALIGN) {
      const c = largestClassWithin(end - start);
      let list = this.freeLists.get(c);
      if (!list) this.freeLists.set(c, (list = []));
      list.push(start);
      this.cachedBytes += c;
      start += c;
    }
  }

  /** Usable size of a live block (its class size). */
  sizeOf(ptr: number): number {
    const cls = this.liveSize.get(ptr);
    if (cls === undefined) throw new Error(`sizeOf: ${ptr} is not a live allocation`);
    return cls;
  }

  stats(): AllocatorStats {
    return { live: this.liveBytes, cached: this.cachedBytes, top: this.topPtr };
  }

  /** Grows the memory so that byte offsets below `end` are valid. */
  private ensure(end: number): void {
    const have = this.memory.buffer.byteLength;
    if (end <= have) return;
    // Grow geometrically to keep the number of growths (and view re-creations) small.
    const want = Math.max(end, Math.min(this.maxBytes, have * 1.5));
    this.memory.grow(Math.ceil((want - have) / PAGE));
  }
}
