/**
 * A minimal WebAssembly binary emitter: enough of the module format
 * (types, one imported memory, functions, a function table, exports) and of
 * the instruction set (scalar i32/f32, 128-bit SIMD, relaxed SIMD FMA,
 * atomics) to generate the compute kernels at run time.
 *
 * Encoding reference: WebAssembly core spec §5 (binary format), SIMD
 * proposal opcode table (prefix 0xfd), threads proposal (prefix 0xfe),
 * relaxed SIMD proposal (0xfd 0x105 / 0x106).
 */

export const I32 = 0x7f;
export const F32 = 0x7d;
export const V128 = 0x7b;
export type ValType = typeof I32 | typeof F32 | typeof V128;

/** Growable byte buffer with LEB128 helpers. */
export class Bytes {
  readonly data: number[] = [];

  u8(x: number): this {
    this.data.push(x & 0xff);
    return this;
  }

  /** Unsigned LEB128: 7 bits per byte, high bit = continuation. */
  u32(x: number): this {
    let v = x >>> 0;
    do {
      let byte = v & 0x7f;
      v >>>= 7;
      if (v !== 0) byte |= 0x80;
      this.data.push(byte);
    } while (v !== 0);
    return this;
  }

  /** Signed LEB128 of a 32-bit integer (two's complement, sign-extended). */
  s32(x: number): this {
    let v = x | 0;
    for (;;) {
      const byte = v & 0x7f;
      v >>= 7;
      const done = (v === 0 && (byte & 0x40) === 0) || (v === -1 && (byte & 0x40) !== 0);
      this.data.push(done ? byte : byte | 0x80);
      if (done) return this;
    }
  }

  f32(x: number): this {
    const buf = new DataView(new ArrayBuffer(4));
    buf.setFloat32(0, x, true);
    for (let i = 0; i < 4; i++) this.data.push(buf.getUint8(i));
    return this;
  }

  bytes(b: ArrayLike<number>): this {
    for (let i = 0; i < b.length; i++) this.data.push(b[i] & 0xff);
    return this;
  }

  name(s: string): this {
    const enc = new TextEncoder().encode(s);
    return this.u32(enc.length).bytes(enc);
  }

  /** Appends `inner` prefixed with its byte length (sections, function bodies). */
  sized(inner: Bytes): this {
    return this.u32(inner.data.length).bytes(inner.data);
  }
}

// ---------------------------------------------------------------------------
// Opcode tables. Plain ops take no immediates; SIMD/atomic opcodes carry a
// prefix byte followed by the sub-opcode as an unsigned LEB128.

const SIMD = 0xfd;
const ATOMIC = 0xfe;

const PLAIN: Record<string, number> = {
  unreachable: 0x00, nop: 0x01, return: 0x0f, drop: 0x1a, select: 0x1b,
  'i32.eqz': 0x45, 'i32.eq': 0x46, 'i32.ne': 0x47, 'i32.lt_s': 0x48, 'i32.lt_u': 0x49,
  'i32.gt_s': 0x4a, 'i32.gt_u': 0x4b, 'i32.le_s': 0x4c, 'i32.le_u': 0x4d, 'i32.ge_s': 0x4e,
  'i32.ge_u': 0x4f,
  'f32.eq': 0x5b, 'f32.ne': 0x5c, 'f32.lt': 0x5d, 'f32.gt': 0x5e, 'f32.le': 0x5f, 'f32.ge': 0x60,
  'i32.add': 0x6a, 'i32.sub': 0x6b, 'i32.mul': 0x6c, 'i32.div_s': 0x6d, 'i32.div_u': 0x6e,
  'i32.rem_s': 0x6f, 'i32.rem_u': 0x70, 'i32.and': 0x71, 'i32.or': 0x72, 'i32.xor': 0x73,
  'i32.shl': 0x74, 'i32.shr_s': 0x75, 'i32.shr_u': 0x76,
  'f32.abs': 0x8b, 'f32.neg': 0x8c, 'f32.sqrt': 0x91, 'f32.add': 0x92, 'f32.sub': 0x93,
  'f32.mul': 0x94, 'f32.div': 0x95, 'f32.min': 0x96, 'f32.max': 0x97,
};

const SIMD_OPS: Record<string, number> = {
  'i8x16.swizzle': 0x0e, 'i32x4.splat': 0x11, 'f32x4.splat': 0x13,
  'f32x4.eq': 0x41, 'f32x4.ne': 0x42, 'f32x4.lt': 0x43, 'f32x4.gt': 0x44, 'f32x4.le': 0x45,
  'f32x4.ge': 0x46,
  'v128.not': 0x4d, 'v128.and': 0x4e, 'v128.andnot': 0x4f, 'v128.or': 0x50, 'v128.xor': 0x51,
  'v128.bitselect': 0x52, 'v128.any_true': 0x53,
  'f32x4.ceil': 0x67, 'f32x4.floor': 0x68, 'f32x4.trunc': 0x69, 'f32x4.nearest': 0x6a,
  'i32x4.shl': 0xab, 'i32x4.shr_s': 0xac, 'i32x4.shr_u': 0xad, 'i32x4.add': 0xae,
  'i32x4.sub': 0xb1, 'i32x4.mul': 0xb5, 'i32x4.gt_s': 0x3b, 'i32x4.eq': 0x37,
  'f32x4.abs': 0xe0, 'f32x4.neg': 0xe1, 'f32x4.sqrt': 0xe3, 'f32x4.add': 0xe4,
  'f32x4.sub': 0xe5, 'f32x4.mul': 0xe6, 'f32x4.div': 0xe7, 'f32x4.min': 0xe8,
  'f32x4.max': 0xe9, 'f32x4.pmin': 0xea, 'f32x4.pmax': 0xeb,
  'i32x4.trunc_sat_f32x4_s': 0xf8, 'f32x4.convert_i32x4_s': 0xfa,
  // Relaxed SIMD: fused or unfused a*b+c at the engine's choice.
  'f32x4.relaxed_madd': 0x105, 'f32x4.relaxed_nmadd': 0x106,
};

/** Memory instructions: opcode bytes and natural alignment (log2 bytes). */
const MEM_OPS: Record<string, { code: number[]; align: number }> = {
  'i32.load': { code: [0x28], align: 2 },
  'f32.load': { code: [0x2a], align: 2 },
  'i32.store': { code: [0x36], align: 2 },
  'f32.store': { code: [0x38], align: 2 },
  'v128.load': { code: [SIMD, 0x00], align: 4 },
  'v128.load32_splat': { code: [SIMD, 0x09], align: 2 },
  'v128.store': { code: [SIMD, 0x0b], align: 4 },
  'v128.load32_zero': { code: [SIMD, 0x5c], align: 2 },
  'i32.atomic.load': { code: [ATOMIC, 0x10], align: 2 },
  'i32.atomic.store': { code: [ATOMIC, 0x17], align: 2 },
  'i32.atomic.rmw.add': { code: [ATOMIC, 0x1e], align: 2 },
};

/** Memory instructions that also carry a lane index. */
const LANE_MEM_OPS: Record<string, number> = {
  'v128.load32_lane': 0x56,
  'v128.store32_lane': 0x5a,
};

const LANE_OPS: Record<string, number> = {
  'i32x4.extract_lane': 0x1b, 'i32x4.replace_lane': 0x1c,
  'f32x4.extract_lane': 0x1f, 'f32x4.replace_lane': 0x20,
};

export type PlainOp = keyof typeof PLAIN;

export interface Label {
  readonly depth: number;
}

/**
 * Builder for one function body. Instructions are appended in stack-machine
 * order; structured control takes callbacks so that branch depths are computed
 * from `Label` objects rather than counted by hand.
 */
export class Fn {
  readonly code = new Bytes();
  /** Code run once on entry, before `code` (hoisted constants). */
  private readonly prologue = new Bytes();
  private readonly constLocals = new Map<number, number>();
  private readonly extraLocals: ValType[] = [];
  private depth = 0;

  constructor(
    readonly index: number,
    readonly params: readonly ValType[],
    readonly results: readonly ValType[],
  ) {}

  /** Index of parameter `i` (parameters are the first locals). */
  param(i: number): number {
    if (i < 0 || i >= this.params.length) throw new RangeError(`no param ${i}`);
    return i;
  }

  local(t: ValType): number {
    this.extraLocals.push(t);
    return this.params.length + this.extraLocals.length - 1;
  }

  get(l: number): this {
    this.code.u8(0x20).u32(l);
    return this;
  }

  set(l: number): this {
    this.code.u8(0x21).u32(l);
    return this;
  }

  tee(l: number): this {
    this.code.u8(0x22).u32(l);
    return this;
  }

  i32(v: number): this {
    this.code.u8(0x41).s32(v);
    return this;
  }

  f32(v: number): this {
    this.code.u8(0x43).f32(v);
    return this;
  }

  /** v128.const from four f32 lanes. */
  f32x4(a: number, b = a, c = a, d = a): this {
    this.code.u8(SIMD).u32(0x0c);
    for (const x of [a, b, c, d]) this.code.f32(x);
    return this;
  }

  /**
   * Pushes the splat constant (x, x, x, x) from a local initialised once on
   * function entry. V8 materialises an arbitrary v128.const with several
   * instructions at every use; a hoisted constant costs at most a spill
   * reload, which x64 folds into the arithmetic instruction.
   */
  constF32x4(x: number): this {
    return this.constI32x4(new Int32Array(new Float32Array([x]).buffer)[0]);
  }

  /** Hoisted splat constant from an i32 bit pattern (see constF32x4). */
  constI32x4(bits: number): this {
    let l = this.constLocals.get(bits | 0);
    if (l === undefined) {
      l = this.local(V128);
      this.constLocals.set(bits | 0, l);
      this.prologue.u8(0x41).s32(bits).u8(SIMD).u32(0x11).u8(0x21).u32(l);
    }
    return this.get(l);
  }

  /** v128.const from four i32 lanes. */
  i32x4(a: number, b = a, c = a, d = a): this {
    this.code.u8(SIMD).u32(0x0c);
    const dv = new DataView(new ArrayBuffer(16));
    [a, b, c, d].forEach((x, i) => dv.setInt32(4 * i, x, true));
    for (let i = 0; i < 16; i++) this.code.u8(dv.getUint8(i));
    return this;
  }

  op(name: string): this {
    const p = PLAIN[name];
    if (p !== undefined) {
      this.code.u8(p);
      return this;
    }
    const s = SIMD_OPS[name];
    if (s !== undefined) {
      this.code.u8(SIMD).u32(s);
      return this;
    }
    throw new Error(`unknown op ${name}`);
  }

  /** Load/store with a constant byte offset folded into the memarg. */
  mem(name: string, offset = 0): this {
    const m = MEM_OPS[name];
    if (!m) throw new Error(`unknown memory op ${name}`);
    // Sub-opcodes listed in MEM_OPS are all below 0x80, so one LEB128 byte each.
    this.code.bytes(m.code).u32(m.align).u32(offset);
    return this;
  }

  memLane(name: string, offset: number, lane: number): this {
    const c = LANE_MEM_OPS[name];
    if (c === undefined) throw new Error(`unknown lane memory op ${name}`);
    this.code.u8(SIMD).u32(c).u32(2).u32(offset).u8(lane);
    return this;
  }

  lane(name: string, lane: number): this {
    const c = LANE_OPS[name];
    if (c === undefined) throw new Error(`unknown lane op ${name}`);
    this.code.u8(SIMD).u32(c).u8(lane);
    return this;
  }

  /** i8x16.shuffle expressed on 32-bit lanes: lanes 0-3 from the first operand, 4-7 from the second. */
  shuffle32(l0: number, l1: number, l2: number, l3: number): this {
    this.code.u8(SIMD).u32(0x0d);
    for (const l of [l0, l1, l2, l3]) for (let b = 0; b < 4; b++) this.code.u8(l * 4 + b);
    return this;
  }

  memoryAtomicWait32(): this {
    this.code.u8(ATOMIC).u32(0x01).u32(2).u32(0);
    return this;
  }

  memoryAtomicNotify(): this {
    this.code.u8(ATOMIC).u32(0x00).u32(2).u32(0);
    return this;
  }

  call(fnIndex: number): this {
    this.code.u8(0x10).u32(fnIndex);
    return this;
  }

  callIndirect(typeIndex: number): this {
    this.code.u8(0x11).u32(typeIndex).u8(0);
    return this;
  }

  block(body: (l: Label) => void): this {
    return this.structured(0x02, body);
  }

  loop(body: (l: Label) => void): this {
    return this.structured(0x03, body);
  }

  /** `if` on the i32 on top of the stack, with optional `else`. */
  if(then: () => void, otherwise?: () => void): this {
    this.code.u8(0x04).u8(0x40);
    this.depth++;
    then();
    if (otherwise) {
      this.code.u8(0x05);
      otherwise();
    }
    this.depth--;
    this.code.u8(0x0b);
    return this;
  }

  br(l: Label): this {
    this.code.u8(0x0c).u32(this.depth - l.depth);
    return this;
  }

  brIf(l: Label): this {
    this.code.u8(0x0d).u32(this.depth - l.depth);
    return this;
  }

  // -- small conveniences ---------------------------------------------------

  /** local[l] += v (i32). */
  addTo(l: number, v: number | (() => void)): this {
    this.get(l);
    if (typeof v === 'number') this.i32(v);
    else v();
    return this.op('i32.add').set(l);
  }

  /**
   * `for (i = start; i < end; i += step) body()` over i32 counts (signed
   * comparison; counts never exceed 2^31). `end` is evaluated once per test.
   */
  forLoop(i: number, start: () => void, end: () => void, step: number, body: () => void): this {
    start();
    this.set(i);
    this.block((exit) => {
      this.loop((top) => {
        this.get(i);
        end();
        this.op('i32.ge_s').brIf(exit);
        body();
        this.addTo(i, step).br(top);
      });
    });
    return this;
  }

  /** `while (cond) body()` with the condition tested first. */
  whileLoop(cond: () => void, body: () => void): this {
    this.block((exit) => {
      this.loop((top) => {
        cond();
        this.op('i32.eqz').brIf(exit);
        body();
        this.br(top);
      });
    });
    return this;
  }

  encode(): Bytes {
    const body = new Bytes();
    // Locals are run-length encoded by type.
    const groups: [number, ValType][] = [];
    for (const t of this.extraLocals) {
      const last = groups[groups.length - 1];
      if (last && last[1] === t) last[0]++;
      else groups.push([1, t]);
    }
    body.u32(groups.length);
    for (const [n, t] of groups) body.u32(n).u8(t);
    body.bytes(this.prologue.data).bytes(this.code.data).u8(0x0b);
    if (this.depth !== 0) throw new Error('unbalanced control structure');
    return body;
  }

  private structured(opcode: number, body: (l: Label) => void): this {
    this.code.u8(opcode).u8(0x40);
    this.depth++;
    body({ depth: this.depth });
    this.depth--;
    this.code.u8(0x0b);
    return this;
  }
}

export interface MemoryImport {
  module: string;
  name: string;
  initialPages: number;
  maximumPages?: number;
  shared: boolean;
}

/**
 * Module under construction. Functions are numbered in creation order (no
 * function imports), so a function can call any function created before it.
 */
export class ModuleBuilder {
  private readonly types: string[] = [];
  private readonly typeSigs: [readonly ValType[], readonly ValType[]][] = [];
  private readonly funcs: Fn[] = [];
  private readonly exports: [string, number][] = [];
  private table: number[] = [];

  constructor(private readonly memory: MemoryImport) {}

  typeIndex(params: readonly ValType[], results: readonly ValType[]): number {
    const key = `${params.join(',')}->${results.join(',')}`;
    let i = this.types.indexOf(key);
    if (i < 0) {
      i = this.types.length;
      this.types.push(key);
      this.typeSigs.push([params, results]);
    }
    return i;
  }

  /** Creates a function, fills its body with `build`, optionally exports it. */
  func(
    params: readonly ValType[],
    results: readonly ValType[],
    build: (f: Fn) => void,
    exportName?: string,
  ): number {
    const f = new Fn(this.funcs.length, params, results);
    this.typeIndex(params, results);
    this.funcs.push(f);
    build(f);
    if (exportName) this.exports.push([exportName, f.index]);
    return f.index;
  }

  /** Puts functions in table 0 (for call_indirect); returns their slots. */
  setTable(fns: number[]): void {
    this.table = fns.slice();
  }

  build(): Uint8Array<ArrayBuffer> {
    const out = new Bytes().bytes([0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00]);
    const section = (id: number, fill: (b: Bytes) => void) => {
      const b = new Bytes();
      fill(b);
      out.u8(id).sized(b);
    };
    section(1, (b) => {
      b.u32(this.typeSigs.length);
      for (const [p, r] of this.typeSigs) {
        b.u8(0x60).u32(p.length).bytes(p).u32(r.length).bytes(r);
      }
    });
    section(2, (b) => {
      const m = this.memory;
      b.u32(1).name(m.module).name(m.name).u8(0x02);
      if (m.shared) {
        if (m.maximumPages === undefined) throw new Error('shared memory needs a maximum');
        b.u8(0x03).u32(m.initialPages).u32(m.maximumPages);
      } else if (m.maximumPages !== undefined) {
        b.u8(0x01).u32(m.initialPages).u32(m.maximumPages);
      } else {
        b.u8(0x00).u32(m.initialPages);
      }
    });
    section(3, (b) => {
      b.u32(this.funcs.length);
      for (const f of this.funcs) b.u32(this.typeIndex(f.params, f.results));
    });
    if (this.table.length > 0) {
      section(4, (b) => {
        b.u32(1).u8(0x70).u8(0x00).u32(this.table.length);
      });
    }
    section(7, (b) => {
      b.u32(this.exports.length);
      for (const [name, idx] of this.exports) b.name(name).u8(0x00).u32(idx);
    });
    if (this.table.length > 0) {
      section(9, (b) => {
        // Active segment for table 0 at offset 0: flags 0, i32.const 0 end, vec(funcidx).
        b.u32(1).u8(0x00).u8(0x41).s32(0).u8(0x0b).u32(this.table.length);
        for (const f of this.table) b.u32(f);
      });
    }
    section(10, (b) => {
      b.u32(this.funcs.length);
      for (const f of this.funcs) b.sized(f.encode());
    });
    return new Uint8Array(out.data);
  }
}
