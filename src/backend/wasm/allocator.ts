/**
 * Size-class allocator for the kernel module's linear memory, managed from
 * JavaScript (kernels never allocate).
 *
 * Requests are rounded up to a size class: multiples of 64 bytes up to 1 KiB,
 * then four classes per power of two (2^e · {1, 1.25, 1.5, 1.75}), so at most
 * 25% is wasted. Freed blocks go to a per-class free list and are reused by
 * the next request of the same class; fresh blocks come from a bump pointer,
 * growing the memory when needed. Blocks are never split or merged: a steady
 * loop that allocates and frees the same shapes reaches a fixed footprint.
 * Every block is 64-byte aligned (cache line; f32x4 needs 16).
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

export interface AllocatorStats {
  /** Bytes in live blocks (class sizes). */
  live: number;
  /** Bytes in blocks waiting on free lists. */
  cached: number;
  /** End of the heap (bump pointer). */
  top: number;
}

export class Allocator {
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
      ptr = this.topPtr;
      const end = ptr + cls;
      if (end > this.maxBytes) throw new RangeError(`wasm memory exhausted (${end} bytes requested)`);
      this.ensure(end);
      this.topPtr = end;
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
