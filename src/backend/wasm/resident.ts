// The two kinds of buffer the Wasm backend hands out, and how a kernel call reaches them.
//
// - Host buffers: ordinary typed arrays (what `alloc` and `upload` return). A Wasm kernel copies
//   their spans into one scratch region of linear memory and its result back out. A large
//   float32 host array read a second time (a weight matrix, a batch) gets a mirror: a copy in
//   linear memory that later kernels read in place instead of copying the array in again. A
//   mirror is dropped when its array is written again (every write of a host buffer is a
//   kernel's output, and both host backends report it through `hostWritten`), and the least
//   recently used go beyond MIRROR_BUDGET bytes, so no mirror outlives its array's contents and
//   their memory stays bounded. Arrays read once (most intermediates) never get one: their copy
//   goes through the scratch region, which stays in cache.
// - Homed arrays (`allocHome`): while results are recycled (`tg.init({ recycle: true })`), a large
//   float32 eager result is a host array that is itself a view of a block of shared linear
//   memory (a shared memory never detaches its views when it grows). Kernels write it and read
//   it in place, so it is never copied in or out, and the recycling pool hands it to the next
//   result of its length. Its block goes back to the allocator when the pool lets it go. At
//   most HOME_BUDGET bytes (and a quarter of the heap) are homed; results beyond it get ordinary arrays.
// - Resident buffers (`allocResident`): blocks of linear memory that compiled plans keep across
//   calls. Wasm kernels read and write them in place, so the kernels of a plan exchange
//   intermediates without copying; JavaScript kernels see them through typed-array views made
//   kept on the block and remade when the memory has grown (a pointer never goes stale).
//
// The scratch region and every resident block are separate blocks of the same allocator, so
// copies of host operands can never overwrite resident data.

import { allocArray, type DType, type TypedArray } from "../../core/dtype.js";
import type { Buf } from "../kernel.js";
import { MIRROR_BUDGET, MIRROR_MIN, mirrors, readOnce, type Mirror } from "../mirrors.js";
import type { WasmKernels } from "./index.js";
import { drainPool } from "../recycle.js";

/** Bytes of linear memory homed arrays (live or pooled) may hold at most. */
export const HOME_BUDGET = 256 * 2 ** 20;

/** A buffer living in linear memory: `size` elements of `dtype` from byte offset `ptr`. */
/** Bytes of the scratch region one operand of `len` float32 values takes (whole 64-byte lines, at least one). */
function room(len: number): number {
  return (Math.ceil((len * 4) / 64) || 1) * 64;
}

export class Resident {
  /** Set by `free`: the block may already belong to someone else. */
  freed = false;
  /**
   * The last view made of the block. Growing a non-shared memory detaches its buffer, which
   * leaves the view with length 0; a shared memory's old buffer stays valid for the bytes it
   * covers. So a view of the right length is still good.
   */
  cached: TypedArray | null = null;
  constructor(
    readonly ptr: number,
    readonly size: number,
    readonly dtype: "float32" | "int32" | "bool",
  ) {}
}

const BYTES: Record<Resident["dtype"], number> = { float32: 4, int32: 4, bool: 1 };

/** Bytes moved between host arrays and linear memory, and operands used in place (tests and benchmarks read them). */
export interface CopyStats {
  inBytes: number;
  outBytes: number;
  /** Operands (inputs and outputs) a Wasm kernel used where they were, without a copy. */
  inPlace: number;
  /** Host inputs read from their mirror instead of being copied in. */
  mirrored: number;
}


/** One operand of a Wasm kernel call: elements [lo, lo + len) of a float32 buffer. */
export interface Span {
  readonly buf: Buf;
  readonly lo: number;
  readonly len: number;
}

/** Resident blocks and the scratch region through which host operands pass. */
export class Staging {
  readonly copies: CopyStats = { inBytes: 0, outBytes: 0, inPlace: 0, mirrored: 0 };
  /** Mirrors by age of last use (a Map keeps insertion order: a use moves one to the end). */
  private readonly lru = new Map<Mirror, true>();
  private mirrorBytes = 0;
  private call = 0;
  // One reusable region holds a call's host operands back to back (64-byte aligned): kernels run
  // one at a time, so nothing is allocated or freed per call once the region has grown to the
  // largest call seen.
  private arena = 0;
  private arenaBytes = 0;
  private cursor = 0;
  private homeBytes = 0;
  private homePeak = 0;

  constructor(private readonly kernels: WasmKernels) {
    // when linear memory runs short, the mirrors the current call does not use make room
    // (and so do the homed arrays waiting in the recycling pool)
    kernels.onMemoryPressure(() => {
      const before = this.mirrorBytes;
      for (const m of [...this.lru.keys()]) if (m.call !== this.call) this.drop(m);
      const drained = drainPool((a) => mirrors.get(a)?.owner === this);
      return this.mirrorBytes < before || drained;
    });
  }

  /**
   * A float32 host array of `size` elements that is a view of a new block of linear memory
   * (its contents undefined), for a result the recycling pool will own; undefined when the
   * memory is not shared (growth would detach the view), HOME_BUDGET is reached or memory runs short.
   */
  allocHome(size: number): Float32Array | undefined {
    const bytes = 4 * size;
    // (a quarter of the heap at most, so that homed arrays never crowd out the scratch region and mirrors)
    if (!(this.kernels.memory.buffer instanceof SharedArrayBuffer) || this.homeBytes + bytes > Math.min(HOME_BUDGET, this.kernels.memoryLimit / 4)) return undefined;
    let ptr: number;
    try {
      ptr = this.kernels.alloc(bytes);
    } catch {
      return undefined;
    }
    const a = new Float32Array(this.kernels.memory.buffer, ptr, size);
    mirrors.set(a, { ptr, bytes, owner: this, dead: false, call: 0, home: true });
    this.homeBytes += bytes;
    if (this.homeBytes > this.homePeak) this.homePeak = this.homeBytes;
    return a;
  }

  /** Whether `a` is homed in this module's memory at `ptr`. */
  private homeAt(a: Buf, ptr: number): boolean {
    const m = mirrors.get(a);
    return m !== undefined && m.home && !m.dead && m.owner === this && m.ptr === ptr;
  }

  /** Bytes of linear memory homed arrays hold now, and the most they ever held (tests read them). */
  get homedBytes(): number {
    return this.homeBytes;
  }
  get homedPeakBytes(): number {
    return this.homePeak;
  }

  /** A zero-filled resident block (blocks are recycled, so the fill is needed). */
  alloc(dtype: Resident["dtype"], size: number): Resident {
    const r = new Resident(this.kernels.alloc(Math.max(1, size) * BYTES[dtype]), size, dtype);
    this.view(r).fill(0);
    return r;
  }

  free(r: Resident): void {
    if (r.freed) throw new Error("wasm backend: a resident buffer was freed twice");
    r.freed = true;
    this.kernels.free(r.ptr);
  }

  /** A typed-array view of a resident buffer, valid until the memory next grows; host arrays pass through. */
  view(buf: Buf): TypedArray {
    if (!(buf instanceof Resident)) return buf as TypedArray;
    if (buf.freed) throw new Error("wasm backend: a freed resident buffer was used");
    const c = buf.cached;
    if (c !== null && c.length === buf.size && buf.size > 0) return c;
    const mem = this.kernels.memory.buffer;
    let v: TypedArray;
    switch (buf.dtype) {
      case "float32":
        v = new Float32Array(mem, buf.ptr, buf.size);
        break;
      case "int32":
        v = new Int32Array(mem, buf.ptr, buf.size);
        break;
      case "bool":
        v = new Uint8Array(mem, buf.ptr, buf.size);
        break;
      default:
        throw new Error(`wasm backend: no resident ${buf.dtype as string} buffers`);
    }
    buf.cached = v;
    return v;
  }

  /** Copies `size` elements of a resident buffer to a fresh host array. */
  read(r: Resident, size: number): TypedArray {
    const out = allocArray(r.dtype, size);
    out.set(this.view(r).subarray(0, size));
    this.copies.outBytes += size * BYTES[r.dtype];
    return out;
  }

  /**
   * Byte pointers for one kernel call: each input span, then an output of `outLen` float32
   * values. Resident operands are used in place; host inputs are read from their mirror, or
   * copied into a new mirror (large arrays read whole, the second time) or into the scratch
   * region (grown first, so pointers computed here stay valid for the call); a host output gets
   * a slot in the scratch region, to be copied out by `finish`.
   */
  stage(inputs: readonly Span[], out: Buf, outLen: number): number[] {
    const ptrs: number[] = new Array(inputs.length + 1);
    this.stageInto(inputs, out, outLen, ptrs);
    return ptrs;
  }

  /** `stage` writing the pointers into `ptrs` (a caller's array, reused from call to call). */
  stageInto(inputs: readonly Span[], out: Buf, outLen: number, ptrs: number[]): void {
    const call = ++this.call;
    let bytes = 0;
    // first the operands that need no scratch: resident ones, mirrors (found or made)
    for (let i = 0; i < inputs.length; i++) {
      const s = inputs[i];
      const buf = s.buf;
      if (buf instanceof Resident) {
        this.copies.inPlace++;
        ptrs[i] = this.live(buf).ptr + 4 * s.lo;
        continue;
      }
      const m = (buf as TypedArray).length >= MIRROR_MIN && buf instanceof Float32Array ? this.mirror(buf, s.lo === 0 && s.len === buf.length, call) : null;
      if (m !== null) ptrs[i] = m.ptr + 4 * s.lo;
      else {
        ptrs[i] = -1;
        bytes += room(s.len);
      }
    }
    let outPtr = -1;
    if (out instanceof Resident) {
      this.copies.inPlace++;
      outPtr = this.live(out).ptr;
    } else if ((out as TypedArray).length >= MIRROR_MIN) {
      // a homed result is computed where it lives
      const m = mirrors.get(out);
      if (m !== undefined && m.home && m.owner === this && !m.dead) {
        this.copies.inPlace++;
        outPtr = m.ptr;
      }
    }
    if (outPtr < 0) bytes += room(outLen);
    this.begin(bytes);
    for (let i = 0; i < inputs.length; i++) {
      if (ptrs[i] >= 0) continue;
      const s = inputs[i];
      const p = this.cursor;
      this.cursor += room(s.len);
      const src = s.buf as Float32Array;
      this.heap(p, s.len).set(s.lo === 0 && s.len === src.length ? src : src.subarray(s.lo, s.lo + s.len), p >>> 2);
      this.copies.inBytes += 4 * s.len;
      ptrs[i] = p;
    }
    if (outPtr < 0) {
      outPtr = this.cursor;
      this.cursor += room(outLen);
    }
    ptrs[inputs.length] = outPtr;
  }

  /** Completes a call staged by `stage`: a host output (float32, or int32 for index kernels) is copied out of its slot at `ptr`. */
  finish(out: Buf, ptr: number, outLen: number): void {
    if (out instanceof Resident) return;
    if (out instanceof Int32Array) out.set(new Int32Array(this.kernels.memory.buffer, ptr, outLen));
    else {
      // (a homed result was computed where it lives: `ptr` is its own block, never the scratch region)
      if ((out as TypedArray).length >= MIRROR_MIN && this.homeAt(out, ptr)) return;
      (out as Float32Array).set(this.heap(ptr, outLen).subarray(ptr >>> 2, (ptr >>> 2) + outLen));
    }
    this.copies.outBytes += 4 * outLen;
  }

  /** Drops mirror `m`: its block goes back to the allocator. */
  drop(m: Mirror): void {
    if (m.dead) return;
    m.dead = true;
    if (m.home) {
      this.homeBytes -= m.bytes;
      this.kernels.free(m.ptr);
      return;
    }
    this.lru.delete(m);
    this.mirrorBytes -= m.bytes;
    this.kernels.free(m.ptr);
  }

  /** Bytes of linear memory the mirrors hold now (tests read it). */
  get mirroredBytes(): number {
    return this.mirrorBytes;
  }

  /** The mirror of `a` (used by call `call`), made now when `make`; null when there is none. */
  private mirror(a: Float32Array, make: boolean, call: number): Mirror | null {
    const m = mirrors.get(a);
    if (m !== undefined && m.home) {
      // a homed array is read where it lives (another module's is copied through the scratch region)
      if (m.owner !== this || m.dead) return null;
      this.copies.inPlace++;
      return m;
    }
    if (m !== undefined && !m.dead && m.owner === this) {
      m.call = call;
      this.lru.delete(m);
      this.lru.set(m, true);
      this.copies.mirrored++;
      this.copies.inPlace++;
      return m;
    }
    if (!make) return null;
    if (!readOnce.has(a)) {
      readOnce.add(a);
      return null;
    }
    const ptr = this.block(4 * a.length);
    if (ptr === 0) return null;
    this.heap(ptr, a.length).set(a, ptr >>> 2);
    this.copies.inBytes += 4 * a.length;
    if (m !== undefined && !m.dead) m.owner.drop(m);
    return this.adopt(a, ptr, 4 * a.length, call);
  }

  private adopt(a: Float32Array, ptr: number, bytes: number, call: number): Mirror {
    const m: Mirror = { ptr, bytes, owner: this, dead: false, call, home: false };
    mirrors.set(a, m);
    this.lru.set(m, true);
    this.mirrorBytes += bytes;
    this.evict(call);
    return m;
  }

  /** A block of linear memory for a mirror, or 0 when memory runs short (the scratch region serves instead). */
  private block(bytes: number): number {
    if (bytes > MIRROR_BUDGET / 4) return 0;
    try {
      return this.kernels.alloc(bytes);
    } catch {
      return 0;
    }
  }

  /** Drops the least recently used mirrors beyond the budget (never one that call `call` uses). */
  private evict(call: number): void {
    if (this.mirrorBytes <= MIRROR_BUDGET) return;
    for (const m of this.lru.keys()) {
      if (this.mirrorBytes <= MIRROR_BUDGET) break;
      if (m.call !== call) this.drop(m);
    }
  }

  private heapView: Float32Array | null = null;

  /** A float32 view of the whole memory that covers `len` values at byte `ptr` (remade after growth). */
  private heap(ptr: number, len: number): Float32Array {
    let h = this.heapView;
    if (h === null || (ptr >>> 2) + len > h.length) h = this.heapView = new Float32Array(this.kernels.memory.buffer);
    return h;
  }

  private live(r: Resident): Resident {
    if (r.freed) throw new Error("wasm backend: a freed resident buffer was used");
    return r;
  }

  /** Makes the scratch region at least `bytes` long and starts filling it from the front. */
  private begin(bytes: number): void {
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
}
