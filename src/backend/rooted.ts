// Realizations recorded under roots: the kernels a realization ran, described against the pending
// graph below a set of buffers known before the work that built the rest of it. A backward pass
// is such work: the gradients' graph is a function of the forward graph (autodiff/replay.ts
// keys the rest, the recorded tape), so a later pass whose forward graph matches runs the
// recorded kernels without building the gradients' operations at all.
//
// A template refers to three kinds of buffer: a node of the roots' graph by its position, a
// realized buffer by its slot (both as replay.ts numbers them), and a buffer the recorded work
// made, by an index after the graph's nodes. Only the last are made afresh by a replay.

import type { Backend, Buf, Kernel } from "./kernel.js";
import { elementBytes, type TypedArray } from "../core/dtype.js";
import { LazyBuffer, ruleConstants, type PendingOp } from "./lazy.js";
import { bufOn, dispatchInto, scheduleStats } from "./programs.js";
import { reclaim } from "./recycle.js";
import { describe, matches, replayStats, withConsts, type Match, type Step, type Template } from "./replay.js";
import { checkIndexErrors, collectRoots, watchReplays } from "./schedule.js";

/** A recorded realization under roots. */
export interface RootedTemplate {
  /** The roots' graph as it was before the recorded work (its steps are empty). */
  readonly graph: Template;
  /**
   * The buffers the recorded work made, by index after the graph's nodes: ones its kernels
   * computed, and the rules' realized constants (`value`: a copy, realized once for the template).
   */
  readonly made: readonly Made[];
  /**
   * The kernels in order: node and refs as above; `constFrom` pairs name a graph node and its
   * constant, or −1 and the constant's index for a constant of the recorded work's own (kept).
   */
  readonly steps: readonly Step[];
  /** Graph nodes inlined into their consumers. */
  readonly fused: readonly number[];
  readonly backends: readonly Backend[];
  /** The references of the buffers the recorded work hands back. */
  readonly outs: readonly number[];
  /** Each step's resident block (see SCRATCH_MAX_BYTES): undefined until first used, null for none. */
  readonly blocks: (Buf | null | undefined)[];
}

interface Made {
  readonly backend: Backend;
  readonly dtype: LazyBuffer["dtype"];
  readonly size: number;
  readonly value?: TypedArray;
  /** The constant realized, on first use. */
  realized?: LazyBuffer;
  /** Read only by the work's own kernels (neither handed back nor a constant): it stays in its block. */
  readonly internal: boolean;
}

/**
 * Buffers below this many bytes that a replay computes are computed in resident blocks kept per
 * template and read there by the kernels after them (larger ones are recycled, recycle.ts): an
 * internal buffer stays there; one the work hands back, or a node of the roots' graph, is copied
 * to a host array of its own once the replay's kernels have run.
 */
const SCRATCH_MAX_BYTES = 64 * 1024;
/** The most bytes all templates' blocks hold together. */
const SCRATCH_BUDGET = 32 * 2 ** 20;
let scratchBytes = 0;
/** A template's blocks go back to their backend once the template is dropped. */
const scratchFreed = new FinalizationRegistry<{ readonly backend: Backend; readonly buf: Buf; readonly bytes: number }>(({ backend, buf, bytes }) => {
  scratchBytes -= bytes;
  backend.free(buf);
});

/** Template `t`'s block for step `i` (computing `lb`), made on first use; null where there is none (the backend has no resident memory, the buffer is large, the budget is spent). */
function blockOf(t: RootedTemplate, i: number, lb: LazyBuffer): Buf | null {
  const have = t.blocks[i];
  if (have !== undefined) return have;
  const be = lb.backend;
  const bytes = lb.size * elementBytes(lb.dtype);
  let buf: Buf | null = null;
  if (be.allocResident !== undefined && be.isResident !== undefined && be.readResident !== undefined && bytes < SCRATCH_MAX_BYTES && scratchBytes + bytes <= SCRATCH_BUDGET) {
    const b = be.allocResident(lb.dtype, lb.size);
    if (be.isResident(b)) {
      buf = b;
      scratchBytes += bytes;
      scratchFreed.register(t, { backend: be, buf, bytes });
    }
  }
  t.blocks[i] = buf;
  return buf;
}

/** The rules' constants a template keeps a copy of are this small at most. */
const MAX_CONSTANT = 64;

/** The roots' graph of a rooted template, matched: its nodes, realized buffers and operations. */
export interface RootedMatch {
  readonly template: RootedTemplate;
  readonly order: readonly LazyBuffer[];
  readonly match: Match;
}

/** The pending graph below some roots, collected once for the templates it is matched against. */
export type Collected = ReturnType<typeof collectRoots>;
export { collectRoots };

/** Whether the graph below `roots` (collected as `c`) matches template `t`'s roots' graph. */
export function matchRooted(t: RootedTemplate, c: Collected, roots: readonly LazyBuffer[]): RootedMatch | null {
  const m = matches(t.graph, c.order, c.run, roots);
  return m === null ? null : { template: t, order: c.order, match: m };
}

/** Runs a matched template's kernels; returns the buffers it hands back, realized (index errors are raised by `checkRooted`). */
export function replayRooted(rm: RootedMatch): LazyBuffer[] {
  const { template: t, order, match } = rm;
  // (a safe point, as for any realization: every buffer this reads is reachable from the roots)
  reclaim();
  scheduleStats.realizations++;
  replayStats.backwardReplayed++;
  const n = order.length;
  const made = new Array<LazyBuffer | undefined>(t.made.length);
  const at = (r: number): LazyBuffer => {
    if (r < 0) return match.leaves[~r];
    if (r < n) return order[r];
    let lb = made[r - n];
    if (lb === undefined) {
      const d = t.made[r - n];
      if (d.value === undefined) lb = new LazyBuffer(d.backend, d.dtype, d.size);
      else lb = d.realized ??= LazyBuffer.realized(d.backend, d.backend.upload(d.value.slice(), d.dtype), d.dtype, d.size);
      made[r - n] = lb;
    }
    return lb;
  };
  // the buffers computed in blocks that get host arrays of their own once the kernels have run
  const copied: LazyBuffer[] = [];
  try {
    for (let i = 0; i < t.steps.length; i++) {
      const st = t.steps[i];
      const lb = at(st.node);
      const be = lb.backend;
      const bufs: Buf[] = [];
      for (const r of st.refs) {
        const s = at(r);
        // (what the work's own kernels read is read by a pending kernel: see LazyBuffer.shared)
        if (st.node >= n) s.shared = true;
        bufs.push(bufOn(s, be));
      }
      const kernel = st.constFrom.length ? withConsts(st, match.ops) : st.kernel;
      const block = blockOf(t, i, lb);
      if (block === null) dispatchInto(lb, be, kernel, st.exe, bufs);
      else {
        // computed in place and read in place by the kernels after it: no copies in or out
        be.dispatch(st.exe, kernel, bufs, block);
        lb.buf = block;
        if (st.node < n || !t.made[st.node - n].internal) copied.push(lb);
      }
      scheduleStats.kernels++;
      lb.op = null;
      lb.depth = 0;
    }
  } finally {
    // (also when a kernel threw: no tensor is left over a block the next replay overwrites)
    for (const lb of copied) {
      const out = lb.backend.alloc(lb.dtype, lb.size) as TypedArray;
      lb.backend.readResident!(lb.buf!, out);
      lb.buf = null;
      lb.adopt(out);
    }
  }
  for (const i of t.fused) order[i].fused = true;
  return t.outs.map(at);
}

/** Raises the first index error a replay's kernels flagged (once the caller has applied its effects, as after a realization). */
export function checkRooted(rm: RootedMatch): void {
  checkIndexErrors(rm.template.backends);
}

/**
 * Runs `work` (which builds pending buffers over the graph below `roots` and realizes them, once)
 * and records it under the roots. A template comes back when the work's one realization was
 * itself a replay (its kernels known: replay.ts records a graph's second realization), read
 * nothing outside the roots' graph, and the buffers `work` returns are ones it realized or roots'
 * graph buffers; else null (the work ran all the same).
 */
export function recordRooted(roots: readonly LazyBuffer[], work: () => readonly LazyBuffer[]): { outs: readonly LazyBuffer[]; template: RootedTemplate | null } {
  const { order, run } = collectRoots(roots);
  const { nodes, leaves, rootRefs } = describe(order, run, roots);
  const graph: Template = { nodes, leaves: leaves.map((l) => ({ dtype: l.dtype, backend: l.backend })), steps: [], fused: [], backends: [], rootRefs };
  // the graph's buffers by reference (slots are overwritten by the work's own walks)
  const known = new Map<LazyBuffer, number>();
  order.forEach((lb, i) => known.set(lb, i));
  leaves.forEach((lb, k) => known.set(lb, ~k));
  const realizations = scheduleStats.realizations;
  let seen: { m: Match; order: readonly LazyBuffer[] } | null = null;
  let count = 0;
  const outs = watchReplays(
    (m, o) => {
      seen = { m, order: o };
      count++;
    },
    work,
  );
  if (seen === null || count !== 1 || scheduleStats.realizations !== realizations + 1) return { outs, template: null };
  const { m, order: c } = seen as { m: Match; order: readonly LazyBuffer[] };
  return { outs, template: translate(graph, order.length, known, m, c, outs) };
}

/** The recorded realization `m` of graph `c` in terms of the roots' graph (`known`, `n` nodes), or null. */
function translate(graph: Template, n: number, known: Map<LazyBuffer, number>, m: Match, c: readonly LazyBuffer[], outs: readonly LazyBuffer[]): RootedTemplate | null {
  const made: Made[] = [];
  const madeAt = new Map<number, number>();
  const computed = new Set<number>();
  const leafRefs: number[] = [];
  const constants = new Set<number>();
  for (const lb of m.leaves) {
    const k = known.get(lb);
    if (k === undefined && ruleConstants.has(lb) && lb.size <= MAX_CONSTANT && lb.backend.hostBuffers) {
      // a rule's constant: kept as a copy, read by the replays' kernels (never handed back)
      const r = n + made.length;
      made.push({ backend: lb.backend, dtype: lb.dtype, size: lb.size, value: lb.backend.read(lb.buf!, lb.dtype, lb.size).slice(), internal: false });
      computed.add(r);
      constants.add(r);
      leafRefs.push(r);
      continue;
    }
    // another realized buffer outside the roots' graph (or one of its nodes computed meanwhile): not recordable
    if (k === undefined || k >= 0) return null;
    leafRefs.push(k);
  }
  const nodeRef = (i: number): number => {
    const k = known.get(c[i]);
    if (k !== undefined) return k < 0 ? NaN : k;
    let j = madeAt.get(i);
    if (j === undefined) {
      madeAt.set(i, (j = n + made.length));
      made.push({ backend: c[i].backend, dtype: c[i].dtype, size: c[i].size, internal: true });
    }
    return j;
  };
  const ref = (r: number): number => (r >= 0 ? nodeRef(r) : leafRefs[~r]);
  const steps: Step[] = [];
  for (const st of m.template.steps) {
    const refs = st.refs.map(ref);
    // a kernel reads only buffers computed before it (or the graph's)
    for (const r of refs) if (Number.isNaN(r) || (r >= n && !computed.has(r))) return null;
    const node = nodeRef(st.node);
    if (Number.isNaN(node)) return null;
    computed.add(node);
    const k = st.kernel;
    const consts = st.constFrom.length === 0 ? [] : k.kind === "matmul" ? k.epilogue!.consts : (k as Extract<Kernel, { kind: "elementwise" | "reduce" }>).consts;
    const constFrom: number[] = [];
    for (let q = 0; q < st.constFrom.length; q += 2) {
      const at = nodeRef(st.constFrom[q]);
      if (at < n) constFrom.push(at, st.constFrom[q + 1]);
      else {
        // the work's own constant is kept as recorded: it must be the value this run computed
        const op = m.ops[st.constFrom[q]] as Extract<PendingOp, { kind: "elementwise" }>;
        if (!Object.is(op.consts[st.constFrom[q + 1]], consts[q / 2])) return null;
        constFrom.push(-1, st.constFrom[q + 1]);
      }
    }
    steps.push({ node, kernel: k, exe: st.exe, refs, constFrom });
  }
  const fused: number[] = [];
  for (const i of m.template.fused) {
    const k = known.get(c[i]);
    if (k !== undefined && k >= 0) fused.push(k);
  }
  const cAt = new Map<LazyBuffer, number>();
  c.forEach((lb, i) => cAt.set(lb, i));
  const outRefs: number[] = [];
  for (const lb of outs) {
    const i = cAt.get(lb);
    const r = i !== undefined ? nodeRef(i) : known.get(lb);
    if (r === undefined || Number.isNaN(r) || (r >= n && !computed.has(r)) || constants.has(r)) return null;
    outRefs.push(r);
  }
  // what is handed back is no internal buffer
  const internal = made.map((d, j) => d.internal && !outRefs.includes(n + j));
  replayStats.backwardRecorded++;
  return { graph, made: made.map((d, j) => (internal[j] ? d : { ...d, internal: false })), steps, fused, backends: m.template.backends, outs: outRefs, blocks: [] };
}
