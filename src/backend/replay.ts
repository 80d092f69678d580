// Replayed schedules: an eager training loop realizes the same pending graph on every step — the
// same operations over the same shapes, reading new values. The scheduler's work for such a
// graph (fusing it into kernels, building their expressions, finding their programs) gives the
// same kernels each time, so the second realization of a graph records what it dispatched and
// later ones that match it, node for node, dispatch those kernels again over the new buffers.
//
// A graph is described node by node in the scheduler's dependency order: each pending buffer's
// operation (its expression by identity, shapes, strides, offsets, the number of its constants;
// a reduction's axes; another kernel's whole description), its dtype, size, backend, whether it
// is a target and whether an earlier realization fused it, and which buffers it reads — another
// node by position, or a realized buffer by the order in which the walk first meets it (so two
// reads of one buffer and reads of two buffers describe differently). The constants' values are
// not part of the description: a replay reads them from the new graph's nodes.
//
// Templates hold descriptions, kernels and programs, never a lazy buffer: a replay cache keeps
// no tensor's memory alive.

import { shapesEqual } from "../core/shape.js";
import type { Backend, Executable, Expr, Kernel } from "./kernel.js";
import type { LazyBuffer, PendingOp } from "./lazy.js";

/** What a template knows of one pending node (a class: every description has one shape of object). */
class NodeDesc {
  constructor(
    readonly kind: PendingOp["kind"],
    readonly dtype: LazyBuffer["dtype"],
    readonly size: number,
    readonly backend: Backend,
    readonly fused: boolean,
    readonly target: boolean,
    /** The buffers the node reads: a node's position (≥ 0) or ~(a realized buffer's slot). */
    readonly refs: readonly number[],
    // elementwise
    readonly expr: Expr | null,
    readonly shape: readonly number[] | null,
    readonly strides: readonly (readonly number[])[] | null,
    readonly offsets: readonly number[] | null,
    readonly consts: number,
    // reduce, or another kernel
    readonly reduce: { readonly op: string; readonly outer: number; readonly len: number; readonly inner: number } | null,
    readonly kernel: Kernel | null,
  ) {}
}

/** One kernel a recorded realization dispatched. */
export interface Step {
  /** The node it computes. */
  readonly node: number;
  readonly kernel: Kernel;
  readonly exe: Executable;
  /** Its input buffers: node positions (≥ 0) or ~(realized buffer slots). */
  readonly refs: readonly number[];
  /** Where each of the kernel's constants comes from: (node, constant index) pairs; empty when it has none. */
  readonly constFrom: readonly number[];
}

/** A recorded realization. */
export interface Template {
  readonly nodes: readonly NodeDesc[];
  /** The dtype and backend of each realized buffer read, by slot. */
  readonly leaves: readonly { readonly dtype: LazyBuffer["dtype"]; readonly backend: Backend }[];
  readonly steps: readonly Step[];
  /** Nodes inlined into their consumers (they stay pending, marked fused). */
  readonly fused: readonly number[];
  readonly backends: readonly Backend[];
  /** For a graph described under roots (see `describe`): each root's reference, else null. */
  readonly rootRefs: readonly number[] | null;
}

/** A template matched against a new graph: its nodes, the realized buffers by slot and the nodes' operations. */
export interface Match {
  readonly template: Template;
  readonly leaves: readonly LazyBuffer[];
  readonly ops: readonly PendingOp[];
}

/** Templates kept per quick key, and quick keys kept per backend (its table starts over beyond). */
const PER_KEY = 4;
/**
 * A key whose graphs keep differing (more shapes of graph than it keeps templates) stops
 * recording after this many records that no replay has paid for: recording is not free.
 */
const RECORDS_UNPAID = 8;
const MAX_KEYS = 512;

/** A key's templates and what it has paid: realizations seen, records made, replays served. */
export interface Entry<T> {
  /** Realizations seen with this key (replay.ts records the second one). */
  seen: number;
  records: number;
  replays: number;
  templates: T[];
}

/** The templates by the backend of a graph's last node (a backend dropped takes its programs with it), then by quick key. */
let tables = new WeakMap<Backend, Map<number, Entry<Template>>>();

/** Counters for tests and benchmarks. */
export const replayStats = { replayed: 0, recorded: 0, backwardReplayed: 0, backwardRecorded: 0 };

/**
 * Templates of realizations recorded under roots (a backward pass's, autodiff/replay.ts), by the
 * default backend, then by the caller's key.
 */
let rootedTables = new WeakMap<Backend, Map<number, Entry<unknown>>>();

/** The entry of `key` in `tables` for backend `be` (made on first use; a backend's table starts over beyond MAX_KEYS). */
function entryOf<T>(tables: WeakMap<Backend, Map<number, Entry<T>>>, be: Backend, key: number): Entry<T> {
  let table = tables.get(be);
  if (!table) tables.set(be, (table = new Map()));
  let entry = table.get(key);
  if (!entry) {
    if (table.size >= MAX_KEYS) table.clear();
    table.set(key, (entry = { seen: 0, records: 0, replays: 0, templates: [] }));
  }
  return entry;
}

/** The entry of `key` for rooted work on backend `be`. */
export function rootedEntry<T>(be: Backend, key: number): Entry<T> {
  return entryOf(rootedTables, be, key) as Entry<T>;
}

/** Whether an entry should record now: seen `after` times before, and not recording without replays paying for it. */
export function shouldRecord(entry: Entry<unknown>, after: number): boolean {
  return entry.seen++ >= after && !(entry.records >= RECORDS_UNPAID && entry.replays < entry.records);
}

/** Keeps template `t` in `entry` (the oldest goes beyond PER_KEY). */
export function keepTemplate<T>(entry: Entry<T>, t: T): void {
  if (entry.templates.length >= PER_KEY) entry.templates.shift();
  entry.templates.push(t);
}

/** Forgets every template (tests; a backend's programs being dropped). */
export function clearReplays(): void {
  tables = new WeakMap();
  rootedTables = new WeakMap();
}

/** Structural equality of two kernel descriptions (plain data: numbers, strings, booleans, arrays, objects). */
export function sameData(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null) return false;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!sameData(a[i], b[i])) return false;
    return true;
  }
  if (Array.isArray(b)) return false;
  const ka = Object.keys(a);
  if (ka.length !== Object.keys(b).length) return false;
  for (const k of ka) if (!sameData((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k])) return false;
  return true;
}

/** Whether two pending kernels (not elementwise or reduce) have one description: the common ones field by field. */
function sameKernel(a: Kernel, b: Kernel): boolean {
  if (a.kind !== b.kind || a.dtype !== b.dtype) return false;
  if (a.kind === "matmul") {
    const o = b as typeof a;
    return (
      a.batch === o.batch && a.m === o.m && a.n === o.n && a.k === o.k && a.epilogue === undefined && o.epilogue === undefined &&
      a.a.offset === o.a.offset && a.a.batchStride === o.a.batchStride && a.a.trans === o.a.trans &&
      a.b.offset === o.b.offset && a.b.batchStride === o.b.batchStride && a.b.trans === o.b.trans
    );
  }
  if (a.kind === "softmax" || a.kind === "argReduce") {
    const o = b as typeof a;
    return a.op === o.op && a.outer === o.outer && a.len === o.len && a.inner === o.inner;
  }
  return sameData(a, b);
}

/** Each description or match numbers the buffers afresh: slots carry the number of the walk that gave them. */
let walks = 0;

/**
 * The reference to `s` from a node in walk `id`, kept in `s.slot`: its position when it is a node
 * (every node has one before any node reading it is met), else ~(its realized buffer's slot),
 * given on first meeting.
 */
function refOf(s: LazyBuffer, id: number, leaves: LazyBuffer[]): number {
  if (s.slotRun === id) return s.slot;
  s.slotRun = id;
  s.slot = ~leaves.length;
  leaves.push(s);
  return s.slot;
}

/** Starts a walk over `order`: each node gets its position. Returns the walk's number. */
function number(order: readonly LazyBuffer[]): number {
  const id = ++walks;
  for (let i = 0; i < order.length; i++) {
    order[i].slotRun = id;
    order[i].slot = i;
  }
  return id;
}

/**
 * `order`'s description (a buffer is a target of it when its `targetRun` is `run`), and the
 * realized buffers it reads; with `roots` (buffers the graph was collected from), each root's
 * reference too, the realized ones numbered after the nodes' reads.
 */
export function describe(
  order: readonly LazyBuffer[],
  run: number,
  roots?: readonly LazyBuffer[],
): { nodes: NodeDesc[]; leaves: LazyBuffer[]; walk: number; rootRefs: number[] | null } {
  const id = number(order);
  const leaves: LazyBuffer[] = [];
  const nodes: NodeDesc[] = [];
  for (const lb of order) {
    const op = lb.op!;
    const target = lb.targetRun === run;
    if (op.kind === "elementwise") {
      const refs: number[] = [];
      const strides: (readonly number[])[] = [];
      const offsets: number[] = [];
      for (const v of op.inputs) {
        refs.push(refOf(v.src, id, leaves));
        strides.push(v.strides);
        offsets.push(v.offset);
      }
      nodes.push(new NodeDesc(op.kind, lb.dtype, lb.size, lb.backend, lb.fused, target, refs, op.expr, op.shape, strides, offsets, op.consts.length, null, null));
    } else if (op.kind === "reduce") {
      const reduce = { op: op.op, outer: op.outer, len: op.len, inner: op.inner };
      nodes.push(new NodeDesc(op.kind, lb.dtype, lb.size, lb.backend, lb.fused, target, [refOf(op.src, id, leaves)], null, null, null, null, 0, reduce, null));
    } else {
      const refs: number[] = [];
      for (const src of op.inputs) refs.push(refOf(src, id, leaves));
      nodes.push(new NodeDesc(op.kind, lb.dtype, lb.size, lb.backend, lb.fused, target, refs, null, null, null, null, 0, null, op.kernel));
    }
  }
  let rootRefs: number[] | null = null;
  if (roots) {
    rootRefs = [];
    for (const r of roots) rootRefs.push(refOf(r, id, leaves));
  }
  return { nodes, leaves, walk: id, rootRefs };
}

/**
 * Whether `order` (of run `run`) is the graph `t` was recorded from, up to its values; its
 * realized buffers and operations when it is. A template described under roots matches the
 * graph collected from `roots` only, each root in its place.
 */
export function matches(t: Template, order: readonly LazyBuffer[], run: number, roots?: readonly LazyBuffer[]): Match | null {
  const nodes = t.nodes;
  if (nodes.length !== order.length) return null;
  const id = number(order);
  const leaves: LazyBuffer[] = [];
  const ops: PendingOp[] = [];
  const ref = (s: LazyBuffer, want: number): boolean => {
    const r = refOf(s, id, leaves);
    if (r !== want) return false;
    if (r >= 0) return true;
    const l = t.leaves[~r];
    return l !== undefined && l.dtype === s.dtype && l.backend === s.backend;
  };
  for (let i = 0; i < order.length; i++) {
    const lb = order[i];
    const d = nodes[i];
    const op = lb.op!;
    if (op.kind !== d.kind || lb.dtype !== d.dtype || lb.size !== d.size || lb.backend !== d.backend || lb.fused !== d.fused || (lb.targetRun === run) !== d.target) return null;
    const refs = d.refs;
    if (op.kind === "elementwise") {
      if (op.expr !== d.expr || op.consts.length !== d.consts || op.inputs.length !== refs.length || !shapesEqual(op.shape, d.shape!)) return null;
      for (let j = 0; j < refs.length; j++) {
        const v = op.inputs[j];
        if (v.offset !== d.offsets![j] || !shapesEqual(v.strides, d.strides![j]) || !ref(v.src, refs[j])) return null;
      }
    } else if (op.kind === "reduce") {
      const r = d.reduce!;
      if (op.op !== r.op || op.outer !== r.outer || op.len !== r.len || op.inner !== r.inner || !ref(op.src, refs[0])) return null;
    } else {
      if (op.inputs.length !== refs.length || !sameKernel(op.kernel, d.kernel!)) return null;
      for (let j = 0; j < refs.length; j++) if (!ref(op.inputs[j], refs[j])) return null;
    }
    ops.push(op);
  }
  const rootRefs = t.rootRefs;
  if ((rootRefs === null) !== (roots === undefined)) return null;
  if (rootRefs !== null) {
    if (rootRefs.length !== roots!.length) return null;
    for (let j = 0; j < rootRefs.length; j++) if (!ref(roots![j], rootRefs[j])) return null;
  }
  if (leaves.length !== t.leaves.length) return null;
  return { template: t, leaves, ops };
}

/**
 * What a run over `order` should do: replay a template (the match), record one (a recorder), or
 * neither (the first time its outline is seen). `key` hashes the graph's outline (the scheduler
 * computes it while it collects the graph: each node's kind and size, the offsets of its reads,
 * the number of targets); the templates under it are compared node by node.
 */
export function lookup(order: readonly LazyBuffer[], key: number, run: number): Match | Recorder | null {
  const entry = entryOf(tables, order[order.length - 1].backend, key);
  for (const t of entry.templates) {
    const m = matches(t, order, run);
    if (m) {
      entry.replays++;
      return m;
    }
  }
  if (!shouldRecord(entry, 1)) return null;
  entry.records++;
  return new Recorder(entry, order, run);
}

/** Records the kernels one run dispatches into a template, kept once the run completes. */
export class Recorder {
  private readonly nodes: NodeDesc[];
  private readonly leaves: Template["leaves"];
  private readonly steps: Step[] = [];
  /** Each node's operation, to find where a kernel's constants come from. */
  private readonly opIndex = new Map<PendingOp, number>();
  /** The description's walk: the slots it gave. */
  private readonly walk: number;

  constructor(
    private readonly entry: Entry<Template>,
    order: readonly LazyBuffer[],
    run: number,
  ) {
    const { nodes, leaves, walk } = describe(order, run);
    this.walk = walk;
    this.nodes = nodes;
    this.leaves = leaves.map((l) => ({ dtype: l.dtype, backend: l.backend }));
    for (let i = 0; i < order.length; i++) this.opIndex.set(order[i].op!, i);
  }

  /** The node position of operation `op` (for a constant's source). */
  nodeOf(op: PendingOp): number {
    return this.opIndex.get(op)!;
  }

  /** A kernel the run dispatched for node `lb`, over `inputs`, its constants from `constFrom`. */
  kernel(lb: LazyBuffer, kernel: Kernel, exe: Executable, inputs: readonly LazyBuffer[], constFrom: readonly number[]): void {
    const refs: number[] = [];
    for (const s of inputs) {
      // every buffer a kernel reads is a node or a realized buffer the description met
      if (s.slotRun !== this.walk) throw new Error("replay: a kernel read a buffer outside the realized graph");
      refs.push(s.slot);
    }
    this.steps.push({ node: lb.slot, kernel, exe, refs, constFrom });
  }

  /** Keeps the template (the run completed); `fused` are the nodes it inlined. */
  finish(fused: readonly LazyBuffer[], backends: Iterable<Backend>): void {
    const t: Template = { nodes: this.nodes, leaves: this.leaves, steps: this.steps, fused: fused.map((lb) => lb.slot), backends: [...backends], rootRefs: null };
    keepTemplate(this.entry, t);
    replayStats.recorded++;
  }
}

/**
 * Recorded kernel `st` with the constants it reads from the graph being replayed (`ops`: its
 * nodes' operations, by the positions in `constFrom`; a position of −1 keeps the recorded
 * constant). Itself when they are the same.
 */
export function withConsts(st: Step, ops: readonly PendingOp[]): Kernel {
  const k = st.kernel;
  const old = k.kind === "matmul" ? k.epilogue!.consts : (k as Extract<Kernel, { kind: "elementwise" | "reduce" }>).consts;
  const from = st.constFrom;
  const at = (c: number) => (from[2 * c] < 0 ? old[c] : (ops[from[2 * c]] as Extract<PendingOp, { kind: "elementwise" }>).consts[from[2 * c + 1]]);
  let same = true;
  // (Object.is: −0 and 0 are different constants)
  for (let c = 0; c < old.length && same; c++) same = Object.is(at(c), old[c]);
  if (same) return k;
  const consts = old.map((_, c) => at(c));
  return k.kind === "matmul" ? { ...k, epilogue: { ...k.epilogue!, consts } } : { ...(k as Extract<Kernel, { kind: "elementwise" | "reduce" }>), consts };
}
