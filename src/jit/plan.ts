// A compiled plan: the kernels of one traced call, in order, with a static memory plan.
//
// Every value a kernel produces gets a slot. Slots of intermediates share buffers by liveness
// (a buffer is reused once the last kernel reading its value has run) and keep them across
// calls; results get fresh buffers each call, so returned tensors stay immutable (a compiled
// step's gradients excepted: they are rewritten in one resident block when nothing read the last
// call's, and the last call's moves to a host copy first when something did). Inputs are
// read where the caller's tensors hold them; donated inputs may serve as output buffers.
// Intermediates read only by their own backend come from `allocResident` where the backend has
// it (on the Wasm backend: linear memory, so a plan's kernels pass them on without copies).

import type { DType, TypedArray } from "../core/dtype.js";
import type { Backend, Buf, Executable, Kernel } from "../backend/kernel.js";
import { LazyBuffer } from "../backend/lazy.js";
import { contiguousStrides } from "../core/shape.js";
import { bufOn, schedule, scheduleStats } from "../backend/schedule.js";
import { allocAndDispatch } from "../backend/programs.js";
import { MemoryError } from "../core/errors.js";

/** Where a kernel input comes from. */
export type Ref =
  | { readonly kind: "arg"; readonly index: number }
  | { readonly kind: "const"; readonly lb: LazyBuffer }
  | { readonly kind: "slot"; readonly slot: number };

interface Step {
  readonly backend: Backend;
  readonly kernel: Kernel;
  readonly exe: Executable;
  readonly inputs: readonly Ref[];
  readonly out: number;
}

/** What a step does besides its kernel, worked out on the first run. */
interface StepFacts {
  /** The input its result may be written over, if any. */
  readonly inPlace: number | undefined;
  /** Donated inputs it reads for the last time, and the donor key (backend, dtype, size) of each. */
  readonly lastDonated: readonly number[];
  readonly donorKeys: readonly string[];
  /** The donor key of its result. */
  readonly resultKey: string;
  /** Its operands, filled in for each dispatch. */
  readonly bufs: Buf[];
  /** For each input that is a small constant of the plan, its copy in a resident block (see `residentConst`). */
  readonly consts: readonly (Buf | undefined)[];
  /**
   * Whether its operands and output are all blocks of the plan's own (intermediates, homes,
   * resident constants and input blocks), the same on every call while inputs are read from
   * their blocks, and it reads no donated input for the last time: bound, it needs no checks.
   */
  readonly fixed: boolean;
  /**
   * The step bound to its buffers (`Backend.bind`): tried on the second call when the operands
   * and output are those of the first, kept while they stay so. `seen` holds the first call's.
   */
  bind: BindState;
  seen: Buf[] | null;
  thunk: (() => void) | null;
}

/** Where a step is in being bound to fixed buffers: not yet seen, seen once, bound, or not bindable. */
const enum BindState {
  Unseen,
  SeenOnce,
  Bound,
  Never,
}

interface Slot {
  readonly backend: Backend;
  readonly dtype: DType;
  readonly size: number;
  /** Index of the last step reading this slot (−1: none). */
  lastUse: number;
  /** A function result: a fresh buffer each call (or its `home`). */
  result: boolean;
  /** The buffer reused across calls (intermediates only), assigned by the memory plan. */
  buf: Buf | null;
  /** Whether `buf` comes from `allocResident`: only this slot's backend ever reads it. */
  resident: boolean;
  /**
   * A result written into the same resident block on every call (see `Plan`'s `reusable`):
   * `owner` is the last call's result, which keeps a host copy of its values unless the caller
   * has marked it donated (nothing can read it any more) before the next call.
   */
  home?: ResultHome;
}

/** A resident block a result is written into on every call (see `Plan`'s `reusable`). */
interface ResultHome {
  readonly backend: Backend;
  readonly slot: Slot;
  /** The output this is. */
  readonly result: number;
  buf: Buf | null;
  owner: LazyBuffer | null;
}

/** What a plan needs to know about each traced input. */
export interface ArgInfo {
  readonly dtype: DType;
  readonly size: number;
  /** Handed over by the caller (`tg.jit`'s `donate`): may be overwritten, unreadable afterwards. */
  readonly donated: boolean;
  /**
   * State that the call replaces (a parameter or optimizer moment that `tg.compile` writes
   * back): may be updated in place in a resident block, its old values kept for any other reader.
   */
  readonly consumed?: boolean;
}

export class Plan {
  readonly steps: Step[] = [];
  readonly slots: Slot[] = [];
  /** How each result is produced. */
  readonly results: Ref[] = [];
  /**
   * Donated inputs that a kernel overwrites in place (its result replaces them: `p − lr·g`), kept
   * in a resident block of the plan's across calls: when the caller hands the last result back,
   * nothing is copied. `owner` is the result now living in the block.
   */
  private readonly homes = new Map<number, { readonly backend: Backend; readonly step: number; buf: Buf | null; owner: LazyBuffer | null }>();
  /** The results written into the same resident block on every call. */
  private readonly resultHomes: ResultHome[] = [];
  /** For each input, the index of the last step reading it (computed on the first run). */
  private argLast: Map<number, number> | undefined;
  /** Buffers the plan owns (reused across calls); freed by `release`. */
  private readonly owned: { backend: Backend; buf: Buf; size: number }[] = [];

  /**
   * Plans the computation of `outputs` from traced values; `args` describe the placeholders and
   * `sources` numbers the realized buffers that are to be read afresh on each call.
   */
  /** The traced inputs, then the state sources: both are inputs of a call. */
  readonly args: readonly ArgInfo[];

  constructor(
    outputs: readonly LazyBuffer[],
    args: readonly ArgInfo[],
    sources: ReadonlyMap<LazyBuffer, number> = new Map(),
    sourceInfos: readonly ArgInfo[] = [],
    /**
     * Indices of outputs that may live in a resident block of the plan's, written again by each
     * call (a compiled step's gradients): the caller marks the previous call's result donated
     * when nothing can read it any more, and otherwise it moves to a host copy first.
     */
    reusable: ReadonlySet<number> = new Set(),
  ) {
    this.args = [...args, ...sourceInfos];
    const slotOf = new Map<LazyBuffer, number>();
    const ref = (lb: LazyBuffer): Ref => {
      if (lb.argIndex >= 0) return { kind: "arg", index: lb.argIndex };
      const src = sources.get(lb);
      if (src !== undefined) return { kind: "arg", index: args.length + src };
      const s = slotOf.get(lb);
      if (s !== undefined) return { kind: "slot", slot: s };
      return { kind: "const", lb };
    };
    schedule(outputs, (lb, backend, kernel, exe, inputs) => {
      const step = this.steps.length;
      const refs = inputs.map(ref);
      for (const r of refs) {
        if (r.kind !== "slot") continue;
        const s = this.slots[r.slot];
        s.lastUse = step;
        // a value crossing to another backend stays a plain buffer, which that backend can read
        if (s.backend !== backend) s.resident = false;
      }
      const out = this.slots.length;
      this.slots.push({ backend, dtype: lb.dtype, size: lb.size, lastUse: -1, result: false, buf: null, resident: !!backend.allocResident });
      slotOf.set(lb, out);
      this.steps.push({ backend, kernel, exe, inputs: refs, out });
    });
    for (const lb of outputs) {
      const r = ref(lb);
      this.results.push(r);
      if (r.kind === "slot") this.slots[r.slot].result = true;
    }
    for (const i of reusable) {
      const r = this.results[i];
      if (r === undefined || r.kind !== "slot" || this.results.some((q, j) => j !== i && q.kind === "slot" && q.slot === r.slot)) continue;
      const s = this.slots[r.slot];
      if (s.resident && s.backend.allocResident) this.resultHomes.push((s.home = { backend: s.backend, slot: s, result: i, buf: null, owner: null }));
    }
    try {
      this.assignBuffers();
    } catch (e) {
      // what was allocated before memory ran out goes back; the caller may run the function eagerly
      this.release();
      if (e instanceof RangeError || (e instanceof WebAssembly.RuntimeError && /memory/i.test(e.message))) {
        const need = this.slots.reduce((n, s) => n + (s.result ? 0 : s.size * 4), 0);
        throw new MemoryError(`the plan's ${this.steps.length} kernels need up to ${(need / 2 ** 20).toFixed(1)} MiB for intermediates, which could not be allocated: ${e.message}`);
      }
      throw e;
    }
    this.findHomes();
  }

  /** The donated inputs to keep resident (see `homes`). */
  private findHomes(): void {
    const last = this.argLastUse();
    this.steps.forEach((step, i) => {
      const a = this.inPlaceArg(step, i, last);
      if (a === undefined) return;
      const be = step.backend;
      const readers = this.steps.filter((s) => s.inputs.some((r) => r.kind === "arg" && r.index === a));
      if (!be.allocResident || !be.writeResident || readers.some((s) => s.backend !== be) || !be.supports("elementwise", this.args[a].dtype)) return;
      this.homes.set(a, { backend: be, step: i, buf: null, owner: null });
    });
  }

  /** The static memory plan: intermediates share buffers of equal backend, kind, dtype and size by liveness. */
  private assignBuffers(): void {
    const free = new Map<string, Buf[]>();
    const keyOf = (s: Slot) => `${s.backend.name}:${s.resident ? "r" : "h"}:${s.dtype}:${s.size}`;
    this.steps.forEach((step, i) => {
      const slot = this.slots[step.out];
      if (!slot.result) {
        const pool = free.get(keyOf(slot));
        slot.buf = pool?.pop() ?? this.own(slot.backend, this.allocSlot(slot), slot.size);
      }
      // inputs read for the last time here hand their buffers back (after this step has run)
      for (const r of step.inputs) {
        if (r.kind !== "slot") continue;
        const s = this.slots[r.slot];
        if (s.lastUse === i && !s.result && s.buf) {
          const k = keyOf(s);
          (free.get(k) ?? free.set(k, []).get(k)!).push(s.buf);
        }
      }
      // a value nobody reads (not even the caller) frees its buffer at once
      if (!slot.result && slot.lastUse < 0 && slot.buf) (free.get(keyOf(slot)) ?? free.set(keyOf(slot), []).get(keyOf(slot))!).push(slot.buf);
    });
  }

  private allocSlot(s: Slot): Buf {
    const be = s.backend;
    return s.resident && be.allocResident ? be.allocResident(s.dtype, s.size) : be.alloc(s.dtype, s.size);
  }

  private own(backend: Backend, buf: Buf, size: number): Buf {
    this.owned.push({ backend, buf, size });
    return buf;
  }

  /** Whether output `i` lives in a block of the plan's (see `reusable`), rewritten by the next call. */
  reusesResult(i: number): boolean {
    const r = this.results[i];
    return r !== undefined && r.kind === "slot" && this.slots[r.slot].home !== undefined;
  }

  /** Elements held across calls by the plan's intermediate buffers (after reuse by liveness). */
  get residentElements(): number {
    return this.owned.reduce((n, o) => n + o.size, 0);
  }

  /** Elements all intermediates would take with a buffer each (what the memory plan saves against). */
  get unplannedElements(): number {
    return this.slots.reduce((n, s) => n + (s.result ? 0 : s.size), 0);
  }

  /**
   * Runs the plan on the inputs' buffers; returns one realized lazy buffer per result. Donated
   * inputs whose last reader has run may take a result's place (marked donated afterwards).
   */
  run(args: readonly LazyBuffer[], sources: readonly LazyBuffer[] = []): LazyBuffer[] {
    const argBlocks = (this.argBlocks ??= this.findArgBlocks());
    const per = (this.perStep ??= this.stepFacts());
    const given = sources.length ? [...args, ...sources] : args;
    // donated and replaced inputs that live in the plan's resident blocks are read there
    const inputs = this.homes.size ? this.bindHomes(given) : given;
    // the blocks of reused results are about to be written: a last result that may still be
    // read keeps a host copy of its values
    for (const h of this.resultHomes) {
      this.evict(h);
      h.buf ??= this.own(h.backend, h.backend.allocResident!(h.slot.dtype, h.slot.size), h.slot.size);
    }
    // small inputs are copied into their resident blocks, where the kernels read them in place
    // (an input that is a view of a larger buffer is read where it is)
    const argBufs = (this.argBufs ??= new Array<Buf | undefined>(argBlocks.length));
    /** Whether every input with a block is read from it this call (then `fixed` steps' operands are what they were). */
    let inBlocks = true;
    for (let i = 0; i < argBlocks.length; i++) {
      const b = argBlocks[i];
      const lb = inputs[i];
      if (b === undefined || lb.size !== b.size) {
        argBufs[i] = undefined;
        if (b !== undefined) inBlocks = false;
        continue;
      }
      const data = lb.backend.hostBuffers && !lb.backend.isResident?.(lb.buf!) ? (lb.buf as TypedArray) : lb.backend.read(lb.buf!, lb.dtype, lb.size);
      b.backend.writeResident!(b.buf, data.length === lb.size ? data : data.subarray(0, lb.size));
      argBufs[i] = b.buf;
    }
    const resultBufs: (Buf | undefined)[] = new Array(this.slots.length);
    /** Donated inputs read for the last time, free to hold a later result, by backend, dtype and size. */
    let donors: Map<string, LazyBuffer[]> | undefined;
    /** Inputs whose memory a result has taken (never handed out twice; a few at most). */
    let taken: LazyBuffer[] | undefined;
    const steps = this.steps;
    const slots = this.slots;
    for (let i = 0; i < steps.length; i++) {
      const step = steps[i];
      const facts = per[i];
      const be = step.backend;
      const slot = slots[step.out];
      // a bound step over the plan's own blocks only (which stay the same) runs at once
      if (facts.bind === BindState.Bound && facts.fixed && inBlocks) {
        facts.thunk!();
        if (slot.home !== undefined) resultBufs[step.out] = slot.home.buf!;
        continue;
      }
      // the operand array of each step is reused from call to call (kernels do not keep it)
      const bufs = facts.bufs;
      const refs = step.inputs;
      for (let j = 0; j < refs.length; j++) {
        const r = refs[j];
        bufs[j] = r.kind === "arg" ? (argBufs[r.index] ?? move(inputs[r.index], be)) : r.kind === "const" ? (facts.consts[j] ?? move(r.lb, be)) : slots[r.slot].result ? resultBufs[r.slot]! : slots[r.slot].buf!;
      }
      if (facts.bind !== BindState.Never && !(slot.result && slot.home === undefined)) {
        // a step whose operands and output are the same blocks on every call runs bound to them
        const out = slot.home !== undefined ? slot.home.buf! : slot.buf!;
        this.runBound(facts, be, step, bufs, out);
        if (slot.home !== undefined) resultBufs[step.out] = out;
      } else if (slot.home !== undefined) {
        be.dispatch(step.exe, step.kernel, bufs, slot.home.buf!);
        resultBufs[step.out] = slot.home.buf!;
      } else if (slot.result) {
        const d = (donors && donors.get(facts.resultKey)?.pop()) ?? this.inPlaceInput(facts.inPlace, inputs);
        let out: Buf;
        if (d) {
          out = d.buf!;
          d.release(); // the result owns this memory now
          (taken ??= []).push(d);
          // (a home block of a replaced input is the same memory on every call)
          if (facts.bind !== BindState.Never) this.runBound(facts, be, step, bufs, out);
          else be.dispatch(step.exe, step.kernel, bufs, out);
        } else out = allocAndDispatch(be, step.kernel, step.exe, bufs, slot.size, slot.dtype);
        resultBufs[step.out] = out;
      } else be.dispatch(step.exe, step.kernel, bufs, slot.buf!);
      for (let j = 0; j < bufs.length; j++) bufs[j] = null as unknown as Buf;
      // donated inputs read for the last time here may hold later results
      for (let j = 0; j < facts.lastDonated.length; j++) {
        const lb = inputs[facts.lastDonated[j]];
        if (taken?.includes(lb) || (lb.backend !== be && !(lb.backend.hostBuffers && be.hostBuffers))) continue;
        const k = facts.donorKeys[j];
        donors ??= new Map();
        (donors.get(k) ?? donors.set(k, []).get(k)!).push(lb);
      }
    }
    scheduleStats.kernels += steps.length;
    // the caller handed donated inputs over, whether or not their memory was taken
    for (const i of this.donatedNotReturned()) given[i].donated = true;
    const out = this.results.map((r) => {
      if (r.kind === "slot") {
        const s = this.slots[r.slot];
        return LazyBuffer.realized(s.backend, resultBufs[r.slot]!, s.dtype, s.size);
      }
      return r.kind === "arg" ? given[r.index] : r.lb;
    });
    // a result written into a home block now owns it
    for (const h of this.homes.values()) {
      const j = out.findIndex((lb) => lb.buf === h.buf);
      if (j >= 0) h.owner = out[j];
    }
    for (const h of this.resultHomes) h.owner = out[h.result];
    return out;
  }

  /**
   * Runs a step whose output is a fixed block: bound to its buffers once they are seen twice in
   * a row (`Backend.bind`), dispatched as usual otherwise; a step whose buffers change from call
   * to call, or that the backend does not bind, stops trying.
   */
  private runBound(facts: StepFacts, be: Backend, step: Step, bufs: Buf[], out: Buf): void {
    const seen = facts.seen;
    if (facts.bind === BindState.Bound) {
      if (sameBufs(seen!, bufs, out)) return facts.thunk!();
      facts.bind = BindState.Never;
      facts.thunk = facts.seen = null;
    } else if (facts.bind === BindState.SeenOnce) {
      const thunk = seen && sameBufs(seen, bufs, out) && be.bind ? be.bind(step.exe, step.kernel, bufs, out) : null;
      if (thunk) {
        facts.bind = BindState.Bound;
        facts.thunk = thunk;
        return thunk();
      }
      facts.bind = BindState.Never;
      facts.seen = null;
    } else if (facts.bind === BindState.Unseen) {
      facts.bind = be.bind ? BindState.SeenOnce : BindState.Never;
      if (be.bind) facts.seen = [...bufs, out];
    }
    be.dispatch(step.exe, step.kernel, bufs, out);
  }

  /** What each step does besides its kernel, worked out once (see `stepFacts`). */
  private perStep: StepFacts[] | undefined;
  private donated: number[] | undefined;

  private stepFacts(): StepFacts[] {
    const last = (this.argLast ??= this.argLastUse());
    const key = (be: Backend, dtype: DType, size: number) => `${be.name}:${dtype}:${size}`;
    return this.steps.map((step, i) => {
      const a = this.inPlaceArg(step, i, last);
      // state the call replaces is only updated in place in a home block (whose old values are kept for other readers)
      const inPlace = a !== undefined && (this.args[a].donated || this.homes.has(a)) ? a : undefined;
      const lastDonated = [...last].filter(([k, l]) => l === i && this.args[k].donated).map(([k]) => k);
      const slot = this.slots[step.out];
      const consts = step.inputs.map((r) => (r.kind === "const" ? this.residentConst(r.lb, step.backend) : undefined));
      const fixed =
        lastDonated.length === 0 &&
        (slot.home !== undefined || !slot.result) &&
        step.inputs.every((r, j) =>
          r.kind === "const" ? consts[j] !== undefined : r.kind === "arg" ? this.homes.has(r.index) || this.argBlocks?.[r.index] !== undefined : !this.slots[r.slot].result || this.slots[r.slot].home !== undefined,
        );
      return {
        inPlace,
        lastDonated,
        donorKeys: lastDonated.map((k) => key(step.backend, this.args[k].dtype, this.args[k].size)),
        resultKey: key(step.backend, slot.dtype, slot.size),
        bufs: new Array<Buf>(step.inputs.length),
        consts,
        fixed,
        bind: BindState.Unseen,
        seen: null,
        thunk: null,
      };
    });
  }

  /** For each input, the resident block it is copied into on each call, if any (see `findArgBlocks`). */
  private argBlocks: ({ backend: Backend; buf: Buf; size: number } | undefined)[] | undefined;
  /** This call's operand for each input copied into its block (see `run`). */
  private argBufs: (Buf | undefined)[] | undefined;

  /**
   * Resident blocks for the small inputs that are neither donated nor kept in a home block and
   * that only kernels of one backend with resident blocks read (a batch and its targets): copied
   * in once per call, they are read in place by every kernel, whose steps can then be bound.
   * Larger inputs keep the backend's own staging (on the Wasm backend, a mirror read in place
   * while the caller's array is unchanged).
   */
  private findArgBlocks(): ({ backend: Backend; buf: Buf; size: number } | undefined)[] {
    return this.args.map((info, a) => {
      if (info.donated || info.consumed || this.homes.has(a) || info.size > MAX_RESIDENT_CONST || info.dtype === "float64") return undefined;
      const readers = this.steps.filter((s) => s.inputs.some((r) => r.kind === "arg" && r.index === a));
      const be = readers[0]?.backend;
      if (!be || readers.some((s) => s.backend !== be) || !be.allocResident || !be.writeResident || !be.isResident || !be.supports("elementwise", info.dtype)) return undefined;
      const buf = be.allocResident(info.dtype, info.size);
      if (!be.isResident(buf)) return undefined;
      this.own(be, buf, info.size);
      return { backend: be, buf, size: info.size };
    });
  }

  /** Resident copies of small constants, by backend (see `residentConst`). */
  private readonly constBlocks = new Map<Backend, Map<LazyBuffer, Buf>>();

  /**
   * A copy of constant `lb` (a tensor the traced function read from its closure, or a number it
   * made a tensor of) in a resident block of `be`'s, made once, so that kernels read it in place
   * and their steps can be bound; undefined for large constants (they keep the host array, which
   * the backend stages as it does any other) and where `be` has no resident blocks for its dtype.
   */
  private residentConst(lb: LazyBuffer, be: Backend): Buf | undefined {
    if (!lb.buf || lb.size > MAX_RESIDENT_CONST || lb.dtype === "float64" || !be.allocResident || !be.writeResident || !be.isResident) return undefined;
    if (!be.supports("elementwise", lb.dtype)) return undefined;
    let blocks = this.constBlocks.get(be);
    if (!blocks) this.constBlocks.set(be, (blocks = new Map()));
    let buf = blocks.get(lb);
    if (buf === undefined) {
      buf = be.allocResident(lb.dtype, lb.size);
      if (!be.isResident(buf)) return undefined;
      be.writeResident(buf, lb.backend.read(lb.buf, lb.dtype, lb.size));
      this.own(be, buf, lb.size);
      blocks.set(lb, buf);
    }
    return buf;
  }

  private donatedNotReturned(): number[] {
    return (this.donated ??= this.args.flatMap((a, i) => (a.donated && !this.results.some((r) => r.kind === "arg" && r.index === i) ? [i] : [])));
  }

  /** The input a result may be written over, if its step has one and it can be. */
  private inPlaceInput(a: number | undefined, inputs: readonly LazyBuffer[]): LazyBuffer | undefined {
    if (a === undefined) return undefined;
    const lb = inputs[a];
    return !lb.donated && lb.backend.hostBuffers ? lb : undefined;
  }

  /**
   * The donated input that step `i` may overwrite while reading it: an elementwise kernel reading
   * it for the last time, only element for element (the layout of the output itself), into a
   * result of its dtype and size — `p − lr·g` into `p`'s memory. Each element is read before it
   * is written, and by nothing else.
   */
  private inPlaceArg(step: Step, i: number, argLast: ReadonlyMap<number, number>): number | undefined {
    const k = step.kernel;
    const slot = this.slots[step.out];
    if (k.kind !== "elementwise" || !slot.result || !step.backend.hostBuffers) return undefined;
    const identity = contiguousStrides(k.shape);
    for (const r of step.inputs) {
      const info = r.kind === "arg" ? this.args[r.index] : undefined;
      if (r.kind !== "arg" || !info || !(info.donated || info.consumed) || argLast.get(r.index) !== i) continue;
      if (info.dtype !== slot.dtype || info.size !== slot.size) continue;
      // every read of this input in the kernel must be the element-for-element one
      const only = step.inputs.every((q, m) => {
        if (q.kind !== "arg" || q.index !== r.index) return true;
        const l = k.inputs[m];
        return l.offset === 0 && l.strides.every((st, d) => st === identity[d] || k.shape[d] === 1);
      });
      if (only) return r.index;
    }
    return undefined;
  }

  /** For each input, the index of the last step that reads it. */
  private argLastUse(): Map<number, number> {
    const last = new Map<number, number>();
    this.steps.forEach((s, i) => {
      for (const r of s.inputs) if (r.kind === "arg") last.set(r.index, i);
    });
    for (const r of this.results) if (r.kind === "arg") last.set(r.index, Infinity);
    return last;
  }

  /**
   * The inputs with each donated input that has a home read from its block: nothing is copied
   * when the caller hands back the result the block holds; otherwise that earlier result (which
   * someone may still read) moves to a host copy and the new input is copied in.
   */
  private bindHomes(inputs: readonly LazyBuffer[]): LazyBuffer[] {
    const bound = [...inputs];
    for (const [a, h] of this.homes) {
      const lb = inputs[a];
      const be = h.backend;
      h.buf ??= this.own(be, be.allocResident!(lb.dtype, lb.size), lb.size);
      if (lb.buf !== h.buf) {
        this.evict(h);
        be.writeResident!(h.buf, lb.backend.read(lb.buf!, lb.dtype, lb.size));
      } else if (lb.shared && !this.args[a].donated) this.evict(h); // its old values stay with whoever else reads them
      bound[a] = LazyBuffer.realized(be, h.buf, lb.dtype, lb.size);
    }
    return bound;
  }

  /** Gives the result living in a home block a host copy of its values (the block is about to change). */
  private evict(h: { backend: Backend; buf: Buf | null; owner: LazyBuffer | null }): void {
    const o = h.owner;
    if (o && o.buf === h.buf && !o.donated) o.buf = h.backend.read(h.buf!, o.dtype, o.size);
    h.owner = null;
  }

  /** Frees the buffers the plan owns (on backends whose memory is not garbage-collected). */
  release(): void {
    this.argBlocks = this.argBufs = undefined;
    this.constBlocks.clear();
    this.perStep = undefined;
    for (const h of this.homes.values()) this.evict(h);
    for (const h of this.resultHomes) {
      this.evict(h);
      h.buf = null;
    }
    for (const o of this.owned) o.backend.free(o.buf);
    this.owned.length = 0;
    for (const s of this.slots) s.buf = null;
  }
}

/** Elements of the largest constant or input a plan copies into a resident block (see `residentConst`, `findArgBlocks`). */
const MAX_RESIDENT_CONST = 4096;

/** Whether `seen` lists exactly `bufs`, then `out`. */
function sameBufs(seen: readonly Buf[], bufs: readonly Buf[], out: Buf): boolean {
  const n = bufs.length;
  if (seen.length !== n + 1 || seen[n] !== out) return false;
  for (let i = 0; i < n; i++) if (seen[i] !== bufs[i]) return false;
  return true;
}

/** A realized buffer as backend `be` reads it (shared between host backends, else copied). */
const move = bufOn;
