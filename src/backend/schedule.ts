// The scheduler: turns a graph of pending lazy buffers into kernels and runs them.
//
// 1. Collect the pending buffers the targets depend on, in dependency order, counting how many
//    pending consumers read each one.
// 2. Fuse: an elementwise buffer read by exactly one consumer on the same backend, and not itself
//    a target, is inlined into that consumer's expression (an elementwise kernel, or the
//    prologue of a reduction), so it never gets a buffer. Inlining composes the two reads; where
//    the composition is not a strided view (a broadcast read of a broadcast read) the producer
//    is materialised instead. A matmul read by exactly one consumer, an elementwise kernel that
//    reads the product element for element, takes that kernel's expression as its epilogue.
// 3. Every other pending buffer becomes one kernel: compiled once per description (cached per
//    backend), given a fresh output buffer and dispatched in dependency order.
//
// A fused intermediate stays pending (its description is kept), so a tensor that still holds it
// can be realized later; a realized buffer drops its description, letting its inputs be freed.

import { ArgumentError } from "../core/errors.js";
import { shapesEqual, sizeOf } from "../core/shape.js";
import { indexErrorMessage } from "./index-error.js";
import type { Backend, Buf, Executable, Expr, InputLayout, Kernel } from "./kernel.js";
import type { LazyBuffer, PendingOp } from "./lazy.js";
import { reclaim } from "./recycle.js";
import { dispatchInto, bufOn, program, scheduleStats, single } from "./programs.js";
import { lookup, Recorder, replayStats, withConsts, type Match } from "./replay.js";

export { bufOn, scheduleStats } from "./programs.js";

type Layout = { readonly strides: readonly number[]; readonly offset: number };

function isZero(strides: readonly number[], shape: readonly number[]): boolean {
  for (let i = 0; i < shape.length; i++) if (shape[i] !== 1 && strides[i] !== 0) return false;
  return true;
}

function isFlat(strides: readonly number[], shape: readonly number[]): boolean {
  let acc = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    if (shape[i] !== 1 && strides[i] !== acc) return false;
    acc *= shape[i];
  }
  return true;
}

/**
 * The read of a producer's input `inner` (over the producer's shape `pShape`) seen from a consumer
 * that reads the producer through `outer` (over the consumer's shape `cShape`), or null when that
 * is not a strided view.
 */
function compose(outer: Layout, cShape: readonly number[], pShape: readonly number[], inner: Layout): Layout | null {
  if (isZero(inner.strides, pShape)) return { strides: cShape.map(() => 0), offset: inner.offset };
  if (isFlat(inner.strides, pShape)) return { strides: outer.strides, offset: outer.offset + inner.offset };
  if (outer.offset === 0 && shapesEqual(cShape, pShape) && isFlat(outer.strides, cShape)) return inner;
  return null;
}

/** Builds one kernel's expression, inputs and constants, inlining fusable producers. */
class ExprBuilder {
  readonly inputs: LazyBuffer[] = [];
  readonly layouts: InputLayout[] = [];
  readonly consts: number[] = [];
  /** While the run is recorded (replay.ts): where each constant comes from, as (node, constant index) pairs. */
  readonly constFrom: number[] = [];
  /** The pending matmul this expression became the epilogue of, and its input's index (−1: none). */
  productOp: MatmulOp | null = null;
  product = -1;

  constructor(
    private readonly run: Run,
    private readonly backend: Backend,
    /** The shape every input layout is expressed over. */
    private readonly shape: readonly number[],
    /** The dtype of an elementwise kernel's result (null for a reduction's prologue): a matmul of it may take the expression as its epilogue. */
    private readonly epilogueDtype: Kernel["dtype"] | null = null,
  ) {}

  /** The expression reading `src` through `layout` (over this kernel's shape). */
  read(src: LazyBuffer, layout: Layout): Expr {
    const op = src.op;
    if (op && op.kind === "elementwise" && this.run.fusable(src, this.backend)) {
      const e = this.inline(op, layout);
      if (e) {
        this.run.fused.push(src);
        return e;
      }
    }
    // a matmul read once, element for element, computes this expression as its epilogue
    if (op && this.epilogueDtype !== null && this.product < 0 && isMatmul(op) && src.dtype === this.epilogueDtype && this.run.epilogueOf(src, this.backend) && layout.offset === 0 && src.size === sizeOf(this.shape) && isFlat(layout.strides, this.shape)) {
      for (const s of op.inputs) if (s.op) this.run.materialize(s);
      this.run.fused.push(src);
      this.productOp = op;
      this.product = this.inputs.length;
      this.inputs.push(src);
      this.layouts.push({ dtype: src.dtype, strides: layout.strides, offset: 0 });
      return { op: "input", index: this.product, dtype: src.dtype };
    }
    if (src.op) this.run.materialize(src);
    for (let i = 0; i < this.inputs.length; i++) {
      const l = this.layouts[i];
      if (this.inputs[i] === src && l.offset === layout.offset && l.strides.every((s, j) => s === layout.strides[j]))
        return { op: "input", index: i, dtype: src.dtype };
    }
    this.inputs.push(src);
    this.layouts.push({ dtype: src.dtype, strides: layout.strides, offset: layout.offset });
    return { op: "input", index: this.inputs.length - 1, dtype: src.dtype };
  }

  /** `op`'s expression seen through `outer`, or null when one of its reads does not compose. */
  private inline(op: Extract<PendingOp, { kind: "elementwise" }>, outer: Layout): Expr | null {
    // inlining trades one input for the producer's own; stay within the backend's binding limit
    const limit = this.backend.maxKernelInputs;
    if (limit !== undefined && this.inputs.length + op.inputs.length > limit - 1) return null;
    const views: Layout[] = [];
    for (const v of op.inputs) {
      const c = compose(outer, this.shape, op.shape, v);
      if (!c) return null;
      views.push(c);
    }
    return this.translate(op.expr, op, views);
  }

  /** The expression of `op` itself (the kernel's root), its reads already expressed over this kernel's shape. */
  root(op: Extract<PendingOp, { kind: "elementwise" }>): Expr {
    return this.translate(op.expr, op, op.inputs);
  }

  /**
   * `e` (part of `op`'s expression) with input i read through `views[i]` and `op`'s constants
   * appended to this kernel's. (A method rather than a closure: it runs for every kernel.)
   */
  private translate(e: Expr, op: Extract<PendingOp, { kind: "elementwise" }>, views: readonly Layout[]): Expr {
    switch (e.op) {
      case "input":
        return this.read(op.inputs[e.index].src, views[e.index]);
      case "const":
        this.consts.push(op.consts[e.index]);
        if (this.run.recorder !== null) this.constFrom.push(this.run.recorder.nodeOf(op), e.index);
        return { op: "const", index: this.consts.length - 1, dtype: e.dtype };
      case "unary":
        return { op: "unary", fn: e.fn, x: this.translate(e.x, op, views), dtype: e.dtype };
      case "binary":
        return { op: "binary", fn: e.fn, a: this.translate(e.a, op, views), b: this.translate(e.b, op, views), dtype: e.dtype };
      case "where":
        return { op: "where", cond: this.translate(e.cond, op, views), a: this.translate(e.a, op, views), b: this.translate(e.b, op, views), dtype: e.dtype };
      case "cast":
        return { op: "cast", x: this.translate(e.x, op, views), dtype: e.dtype };
    }
  }
}

type MatmulOp = Extract<PendingOp, { kind: "kernel" }> & { readonly kernel: Extract<Kernel, { kind: "matmul" }> };

function isMatmul(op: PendingOp): op is MatmulOp {
  return op.kind === "kernel" && op.kernel.kind === "matmul" && op.kernel.epilogue === undefined;
}

/** What a run does with each kernel it forms: run it now (eager), or record it (a compiled plan). */
export type KernelSink = (lb: LazyBuffer, backend: Backend, kernel: Kernel, exe: Executable, inputs: readonly LazyBuffer[]) => void;

/** Runs a kernel now: a fresh output buffer, dispatched at once. */
const dispatchNow: KernelSink = (lb, be, kernel, exe, inputs) => {
  const bufs: Buf[] = [];
  for (const s of inputs) bufs.push(bufOn(s, be));
  dispatchInto(lb, be, kernel, exe, bufs);
  scheduleStats.kernels++;
};

let runs = 0;

/**
 * One realization: the pending graph below some targets, and what has been done to it. The
 * bookkeeping per buffer (seen by the walk, pending consumers counted, a target) lives on the
 * buffers themselves, tagged with this run's number, rather than in maps: eager code runs this
 * for every step. A buffer tagged by another run counts as unseen, unused and no target.
 */
class Run {
  readonly id = ++runs;
  readonly fused: LazyBuffer[] = [];
  readonly backends = new Set<Backend>();
  /** Set while this run's kernels are recorded for later replays of the same graph (replay.ts). */
  recorder: Recorder | null = null;
  /** A hash of the collected graph's outline (each node's kind and size, the offsets of its reads): the key of its replays. */
  outline = 2166136261;

  constructor(
    readonly targets: readonly LazyBuffer[],
    readonly sink: KernelSink = dispatchNow,
  ) {
    for (const t of targets) t.targetRun = this.id;
  }

  /** How many pending consumers in this run's graph read `lb` (counted by `collect`). */
  uses(lb: LazyBuffer): number {
    return lb.useRun === this.id ? lb.uses : 0;
  }

  isTarget(lb: LazyBuffer): boolean {
    return lb.targetRun === this.id;
  }

  /** Whether pending elementwise `src` may be inlined into a consumer on `backend`. */
  fusable(src: LazyBuffer, backend: Backend): boolean {
    return src.backend === backend && !src.fused && this.uses(src) === 1 && !this.isTarget(src);
  }

  /**
   * Whether pending matmul `src` may take its one consumer, an elementwise kernel on `backend`, as
   * its epilogue (the consumer's builder then checks that it reads the product element for element).
   */
  epilogueOf(src: LazyBuffer, backend: Backend): boolean {
    return this.fusable(src, backend) && backend.supports("matmulEpilogue", src.dtype);
  }

  /** Collects the pending graph below the targets and counts each buffer's pending consumers. */
  collect(): LazyBuffer[] {
    const id = this.id;
    const order: LazyBuffer[] = [];
    // the buffers on the path and, beside them, the next source to visit of each
    const stack: LazyBuffer[] = [];
    const next: number[] = [];
    for (const t of this.targets) {
      if (!t.op || t.seenRun === id) continue;
      t.seenRun = id;
      stack.push(t);
      next.push(0);
      while (stack.length) {
        const top = stack.length - 1;
        const op = stack[top].op!;
        const i = next[top];
        if (i < sourceCount(op)) {
          next[top] = i + 1;
          const s = sourceAt(op, i);
          if (!s.op) continue;
          if (s.useRun === id) s.uses++;
          else {
            s.useRun = id;
            s.uses = 1;
          }
          if (s.seenRun !== id) {
            s.seenRun = id;
            stack.push(s);
            next.push(0);
          }
        } else {
          const lb = stack[top];
          order.push(lb);
          this.outline = outlineOf(this.outline, lb);
          stack.pop();
          next.pop();
        }
      }
    }
    return order;
  }

  /** Computes pending `lb` now (its pending inputs first, inlining what fuses). */
  materialize(lb: LazyBuffer): void {
    const op = lb.op;
    if (!op) return;
    const be = lb.backend;
    let kernel: Kernel;
    let inputs: readonly LazyBuffer[];
    let constFrom: readonly number[] = NONE;
    if (op.kind === "elementwise") {
      const b = new ExprBuilder(this, be, op.shape, lb.dtype);
      const expr = b.root(op);
      let mm = b.productOp;
      if (mm !== null && this.sink !== dispatchNow && b.inputs.some((s, i) => i !== b.product && s.argIndex >= 0 && s.size === lb.size)) {
        // A plan writes `p − lr·g` over a donated `p` in place (jit/plan.ts), which an epilogue
        // cannot do: the product is stored before the epilogue reads `p`. The product gets a
        // kernel of its own, read as an ordinary input.
        const product = b.inputs[b.product];
        this.fused.splice(this.fused.indexOf(product), 1);
        this.materialize(product);
        mm = null;
      }
      if (mm === null) {
        kernel = { kind: "elementwise", dtype: lb.dtype, shape: op.shape, inputs: b.layouts, consts: b.consts, expr };
        inputs = b.inputs;
      } else {
        const { dtype, batch, m, n, k, a, b: bl } = mm.kernel;
        kernel = { kind: "matmul", dtype, batch, m, n, k, a, b: bl, epilogue: { shape: op.shape, expr, inputs: b.layouts, product: b.product, consts: b.consts } };
        const rest = b.inputs.filter((_, i) => i !== b.product);
        inputs = [mm.inputs[0], mm.inputs[1], ...rest];
      }
      constFrom = b.constFrom;
    } else if (op.kind === "reduce") {
      const n = op.outer * op.len * op.inner;
      const b = new ExprBuilder(this, be, [n]);
      const expr = b.read(op.src, { strides: [1], offset: 0 });
      kernel = { kind: "reduce", op: op.op, dtype: lb.dtype, outer: op.outer, len: op.len, inner: op.inner, inputs: b.layouts, consts: b.consts, expr };
      inputs = b.inputs;
      constFrom = b.constFrom;
    } else {
      for (const s of op.inputs) if (s.op) this.materialize(s);
      kernel = op.kernel;
      inputs = op.inputs;
    }
    const exe = program(be, kernel);
    this.recorder?.kernel(lb, kernel, exe, inputs, constFrom);
    this.sink(lb, be, kernel, exe, inputs);
    this.backends.add(be);
    lb.op = null;
    lb.depth = 0;
  }
}

/** `h` mixed with pending `lb`'s kind, size and the offsets it reads at (a graph of minibatch slices differs in those). */
function outlineOf(h: number, lb: LazyBuffer): number {
  const op = lb.op!;
  if (op.kind === "elementwise") {
    h = Math.imul(h ^ (lb.size * 4 + 1), 16777619);
    for (let i = 0; i < op.inputs.length; i++) h = Math.imul(h ^ op.inputs[i].offset, 16777619);
    return h;
  }
  if (op.kind === "reduce") return Math.imul(h ^ (lb.size * 4 + 2), 16777619);
  h = Math.imul(h ^ (lb.size * 4 + 3), 16777619);
  const k = op.kernel;
  return k.kind === "matmul" ? Math.imul(h ^ (k.a.offset * 31 + k.b.offset), 16777619) : h;
}

function sources(op: PendingOp): readonly LazyBuffer[] {
  return op.kind === "elementwise" ? op.inputs.map((v) => v.src) : op.kind === "reduce" ? [op.src] : op.inputs;
}

function allRealized(op: PendingOp): boolean {
  for (let i = 0, n = sourceCount(op); i < n; i++) if (sourceAt(op, i).op) return false;
  return true;
}

// `sources(op).length` and `sources(op)[i]` without building the array (the collection walk asks for every input)
function sourceCount(op: PendingOp): number {
  return op.kind === "reduce" ? 1 : op.inputs.length;
}
function sourceAt(op: PendingOp, i: number): LazyBuffer {
  return op.kind === "elementwise" ? op.inputs[i].src : op.kind === "reduce" ? op.src : op.inputs[i];
}

/**
 * Realizes `targets`: runs every kernel they depend on, fusing what can be fused. Afterwards each
 * target holds a buffer. Index errors raised on a device surface here, naming the operation.
 */
export function realize(targets: readonly LazyBuffer[]): void {
  // values of a function being traced are left pending: its compiled plan computes them
  const pending = targets.length === 1 ? (targets[0].op && !targets[0].traced ? targets : []) : targets.filter((t) => t.op && !t.traced);
  if (!pending.length) return;
  scheduleStats.realizations++;
  runSchedule(pending, dispatchNow);
}

/**
 * Forms the kernels that compute `targets` and hands each to `sink` in dependency order
 * (fusing as `realize` does). `tg.jit` records them into a plan instead of running them.
 */
export function schedule(targets: readonly LazyBuffer[], sink: KernelSink): void {
  // Pending values made outside the trace (a closure's `x.mul(2)` not yet computed) belong to
  // tensors that outlive the plan: compute them now, so they keep their values and the plan reads
  // them as constants instead of recomputing them on every call.
  const outside = untracedPending(targets);
  if (outside.length) realize(outside);
  runSchedule(targets.filter((t) => t.op), sink);
}

/** The pending buffers not made by a trace that the pending graph below `targets` reaches first. */
function untracedPending(targets: readonly LazyBuffer[]): LazyBuffer[] {
  const out: LazyBuffer[] = [];
  const seen = new Set<LazyBuffer>();
  const stack = targets.filter((t) => t.op);
  while (stack.length) {
    const lb = stack.pop()!;
    if (seen.has(lb)) continue;
    seen.add(lb);
    if (!lb.traced) {
      out.push(lb);
      continue;
    }
    for (const s of sources(lb.op!)) if (s.op && !seen.has(s)) stack.push(s);
  }
  return out;
}

function runSchedule(pending: readonly LazyBuffer[], sink: KernelSink): void {
  if (!pending.length) return;
  // (a safe point: every buffer this run reads is reachable from `pending`)
  reclaim();
  // one elementwise operation over realized inputs (eager code, an operation at a time)
  const first = pending[0].op!;
  if (pending.length === 1 && sink === dispatchNow && first.kind === "elementwise" && first.consts.length === 0 && first.inputs.every((v) => !v.src.op)) {
    single(pending[0], first);
    return;
  }
  const run = new Run(pending, sink);
  // one kernel over realized inputs: nothing to order or fuse
  if (pending.length === 1 && allRealized(first)) {
    const lb = pending[0];
    run.materialize(lb);
    checkIndexErrors(run.backends);
    return;
  }
  const order = run.collect();
  // an eager loop's graph seen before: its kernels again, over the new buffers (replay.ts)
  if (sink === dispatchNow) {
    const found = lookup(order, Math.imul(run.outline ^ pending.length, 16777619), run.id);
    if (found instanceof Recorder) run.recorder = found;
    else if (found !== null) {
      replay(found, order);
      replayWatch?.(found, order);
      return;
    }
  }
  for (const lb of order) {
    if (!lb.op) continue;
    // a fusable elementwise buffer waits for its one consumer, which inlines it (or materialises
    // it); so does a matmul that may take its consumer as its epilogue
    if (lb.op.kind === "elementwise" ? !lb.fused && run.uses(lb) === 1 && !run.isTarget(lb) : isMatmul(lb.op) && run.epilogueOf(lb, lb.backend)) continue;
    run.materialize(lb);
  }
  for (const lb of run.fused) lb.fused = true;
  run.recorder?.finish(run.fused, run.backends);
  checkIndexErrors(run.backends);
}

const NONE: readonly number[] = [];

/** Told of each replayed realization (its match and graph) while a backward pass is being recorded (rooted.ts). */
let replayWatch: ((m: Match, order: readonly LazyBuffer[]) => void) | null = null;

/** Runs `body` with `watch` told of every replayed realization in it. */
export function watchReplays<T>(watch: (m: Match, order: readonly LazyBuffer[]) => void, body: () => T): T {
  const before = replayWatch;
  replayWatch = watch;
  try {
    return body();
  } finally {
    replayWatch = before;
  }
}

/**
 * The pending graph below `roots`, collected as a realization of them would collect it (the roots
 * pending are its targets), with the run's number: what a rooted template is matched against.
 */
export function collectRoots(roots: readonly LazyBuffer[]): { order: LazyBuffer[]; run: number } {
  const pending: LazyBuffer[] = [];
  for (const r of roots) if (r.op) pending.push(r);
  const run = new Run(pending);
  return { order: run.collect(), run: run.id };
}

/** Runs the kernels of a recorded realization over the nodes and realized buffers of a graph that matches it. */
function replay(m: Match, order: readonly LazyBuffer[]): void {
  const { template: t, leaves, ops } = m;
  replayStats.replayed++;
  for (const st of t.steps) {
    const lb = order[st.node];
    const be = lb.backend;
    const bufs: Buf[] = [];
    for (const r of st.refs) bufs.push(bufOn(r >= 0 ? order[r] : leaves[~r], be));
    dispatchInto(lb, be, st.constFrom.length ? withConsts(st, ops) : st.kernel, st.exe, bufs);
    scheduleStats.kernels++;
    lb.op = null;
    lb.depth = 0;
  }
  for (const i of t.fused) order[i].fused = true;
  checkIndexErrors(t.backends);
}

/** Raises the first index error a backend flagged during a run. */
export function checkIndexErrors(backends: Iterable<Backend>): void {
  for (const be of backends) {
    const err = be.takeIndexError();
    if (err) throw new ArgumentError(indexErrorMessage(err));
  }
}
