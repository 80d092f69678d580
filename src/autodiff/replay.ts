// Replayed backward passes. An eager training loop calls `loss.backward()` on the same tape every
// step: the same primitives with the same parameters over tensors of the same shapes, dtypes and
// layouts, wired the same way. The rules would build the same gradient operations, and the
// scheduler would fuse them into the same kernels, so from the third such pass on (once the
// realization itself has a replay, backend/replay.ts) the kernels are recorded against the
// forward graph below the tape's tensors (backend/rooted.ts), and a later pass whose tape and
// forward graph match runs them without calling a rule: the gradients come back as buffers,
// their tensors shaped as recorded.
//
// What a tape is compared by: each node's primitive (only the built-in table's, whose rules are
// functions of the tape alone), its parameters (plain data, compared by value), the dtype, shape,
// strides and offset of each input and of the output, which node each input comes from; for a
// leaf, whether it has a tensor and whether that tensor has a gradient yet (and that gradient's
// layout). The values and the pending graph under the tensors are the forward graph's part: the
// rooted match compares those, reading the constants afresh. Anything else (a custom rule, a
// parameter that is not plain data, residuals, a rule realizing something) is not replayed.

import type { DType } from "../core/dtype.js";
import { shapesEqual } from "../core/shape.js";
import type { Lowering, LazyBuffer } from "../backend/lazy.js";
import { runtime } from "../backend/runtime.js";
import { keepTemplate, rootedEntry, sameData, shouldRecord } from "../backend/replay.js";
import { checkRooted, collectRoots, matchRooted, recordRooted, replayRooted, type Collected, type RootedTemplate } from "../backend/rooted.js";
import { PRIMITIVES } from "../prims/table.js";
import type { AnyPrimitive } from "../prims/define.js";
import { Tensor } from "../tensor/tensor.js";
import type { Node } from "./node.js";

/** The built-in primitives, by a small number each (the tape's hash mixes them). */
const builtin = new Map<AnyPrimitive, number>(Object.values(PRIMITIVES).map((p, i) => [p, i + 1]));

/** What a template knows of one tape node. */
class TapeNode {
  constructor(
    readonly prim: AnyPrimitive | null,
    readonly params: unknown,
    /** Each input's node by position, −1 for none. */
    readonly parents: readonly number[],
    /** The node's tensors (`tensorsOf`), described. */
    readonly dtypes: readonly DType[],
    readonly shapes: readonly (readonly number[])[],
    readonly strides: readonly (readonly number[])[],
    readonly offsets: readonly number[],
  ) {}
}

interface TapeTemplate {
  readonly tape: readonly TapeNode[];
  readonly lowering: Lowering;
  readonly checkIndices: boolean;
  readonly rooted: RootedTemplate;
  /** Each leaf's new gradient: the leaf's position and the gradient's layout (its buffer is the rooted template's out of the same index). */
  readonly grads: readonly { readonly pos: number; readonly dtype: DType; readonly shape: readonly number[]; readonly strides: readonly number[]; readonly offset: number }[];
  /** The nodes whose saved tensors the pass dropped. */
  readonly freed: readonly number[];
}

/** Appends the tensors a node's part of the backward pass reads: a rule's inputs and output; a leaf's tensor and its gradient (when it has one). */
function tensorsOf(node: Node, out: Tensor[]): void {
  if (node.prim === null) {
    const t = node.leaf;
    if (t === null) return;
    out.push(t);
    if (t._grad !== null) out.push(t._grad);
  } else {
    for (const x of node.inputs!) out.push(x);
    out.push(node.out!);
  }
}

/** Whether the data in `p` is plain (numbers, strings, booleans, null, undefined, arrays and plain objects of them). */
function plain(p: unknown, depth = 0): boolean {
  if (p === null || p === undefined) return true;
  const t = typeof p;
  if (t === "number" || t === "string" || t === "boolean") return true;
  if (t !== "object" || depth > 8) return false;
  if (Array.isArray(p)) {
    for (const v of p) if (!plain(v, depth + 1)) return false;
    return true;
  }
  const proto = Object.getPrototypeOf(p);
  if (proto !== Object.prototype && proto !== null) return false;
  for (const v of Object.values(p as object)) if (!plain(v, depth + 1)) return false;
  return true;
}

/** A tape read for a replay (its nodes' positions are their `pos`, from `topoOrder`): the tensors they read, in order, and a hash. */
interface Read {
  readonly tensors: Tensor[];
  /** Where each node's tensors start in `tensors` (one more entry: the end). */
  readonly starts: number[];
  readonly hash: number;
}

/** `order` (a tape in dependency order) read for a replay, or null when it cannot be replayed. */
function read(order: readonly Node[]): Read | null {
  const tensors: Tensor[] = [];
  const starts: number[] = [];
  let h = Math.imul(2166136261 ^ order.length, 16777619);
  for (let i = 0; i < order.length; i++) {
    const node = order[i];
    starts.push(tensors.length);
    if (node.prim !== null) {
      const id = builtin.get(node.prim);
      if (id === undefined || node.prim.kind === "call" || node.inputs === null || node.out === null || node.residuals !== undefined) return null;
      h = Math.imul(h ^ id, 16777619);
      for (const p of node.parents) h = Math.imul(h ^ (p === null ? 0 : p.pos + 1), 16777619);
    }
    tensorsOf(node, tensors);
    h = Math.imul(h ^ (tensors.length - starts[i]), 16777619);
  }
  starts.push(tensors.length);
  for (const t of tensors) {
    if (t._buf === undefined || t._buf === null || t._trace !== undefined) return null;
    // (each minibatch slice of one tensor is a tape of its own: the offsets go into the hash)
    h = Math.imul(h ^ (t._buf.size * 31 + t._offset), 16777619);
  }
  return { tensors, starts, hash: h };
}

/** Whether tape `order` (read as `r`) is the one template `t` was recorded from. */
function sameTape(t: TapeTemplate, order: readonly Node[], r: Read): boolean {
  if (t.tape.length !== order.length || t.lowering !== runtime.lowering || t.checkIndices !== runtime.debug.checkIndices) return false;
  for (let i = 0; i < order.length; i++) {
    const d = t.tape[i];
    const node = order[i];
    if (d.prim !== node.prim) return false;
    const a = r.starts[i];
    if (r.starts[i + 1] - a !== d.dtypes.length) return false;
    if (node.prim !== null) {
      const ps = node.parents;
      if (ps.length !== d.parents.length) return false;
      for (let j = 0; j < ps.length; j++) if ((ps[j] === null ? -1 : ps[j]!.pos) !== d.parents[j]) return false;
      if (d.params !== node.params && !sameData(d.params, node.params)) return false;
    }
    for (let j = 0; j < d.dtypes.length; j++) {
      const x = r.tensors[a + j];
      if (x.dtype !== d.dtypes[j] || x._offset !== d.offsets[j] || !shapesEqual(x.shape, d.shapes[j]) || !shapesEqual(x._strides, d.strides[j])) return false;
    }
  }
  return true;
}

function describeTape(order: readonly Node[], r: Read): TapeNode[] | null {
  const nodes: TapeNode[] = [];
  for (let i = 0; i < order.length; i++) {
    const node = order[i];
    if (node.prim !== null && !plain(node.params)) return null;
    const xs = r.tensors.slice(r.starts[i], r.starts[i + 1]);
    nodes.push(
      new TapeNode(
        node.prim,
        node.params,
        node.parents.map((p) => (p === null ? -1 : p.pos)),
        xs.map((x) => x.dtype),
        xs.map((x) => x.shape),
        // (a tensor's strides never change: contiguous ones are shared arrays, compared by identity first)
        xs.map((x) => x._strides),
        xs.map((x) => x._offset),
      ),
    );
  }
  return nodes;
}

/**
 * A PyTorch-style `backward()` of tape `order` (no seed, graph freed): replayed when a recorded
 * pass matches, else run by `run` (which assigns the gradients, realizes them and returns the
 * leaves whose gradients it set) and recorded when its tape has been seen often enough.
 */
export function replayedBackward(order: readonly Node[], run: () => readonly Node[]): void {
  const r = read(order);
  if (r === null) {
    run();
    return;
  }
  const entry = rootedEntry<TapeTemplate>(runtime.backend, r.hash);
  const roots = new Array<LazyBuffer>(r.tensors.length);
  for (let i = 0; i < roots.length; i++) roots[i] = r.tensors[i]._buf!;
  let collected: Collected | null = null;
  for (const t of entry.templates) {
    if (!sameTape(t, order, r)) continue;
    // (the forward graph is collected once, for the templates whose tape matches)
    collected ??= collectRoots(roots);
    const m = matchRooted(t.rooted, collected, roots);
    if (m !== null) {
      entry.replays++;
      apply(t, order, replayRooted(m));
      checkRooted(m);
      return;
    }
  }
  if (!shouldRecord(entry, 2)) {
    run();
    return;
  }
  const tape = describeTape(order, r);
  if (tape === null) {
    run();
    return;
  }
  entry.records++;
  let leaves: readonly Node[] = [];
  const { template } = recordRooted(roots, () => {
    leaves = run();
    return leaves.map((n) => n.leaf!._grad!._buf!);
  });
  if (template === null) return;
  // (positions from the order itself: the pass may have walked other graphs meanwhile)
  const at = new Map<Node, number>();
  order.forEach((n, i) => at.set(n, i));
  const grads = leaves.map((n) => {
    const g = n.leaf!._grad!;
    return { pos: at.get(n)!, dtype: g.dtype, shape: g.shape, strides: g._strides, offset: g._offset };
  });
  const freed: number[] = [];
  for (let i = 0; i < order.length; i++) if (order[i].prim !== null && order[i].inputs === null) freed.push(i);
  keepTemplate(entry, { tape, lowering: runtime.lowering, checkIndices: runtime.debug.checkIndices, rooted: template, grads, freed });
}

/** A replayed pass's effects: each leaf's new gradient, and the saved tensors dropped. */
function apply(t: TapeTemplate, order: readonly Node[], outs: readonly LazyBuffer[]): void {
  for (let i = 0; i < t.grads.length; i++) {
    const g = t.grads[i];
    const leaf = order[g.pos].leaf!;
    // (the pass read the old gradient, as `leaf.grad` hands it out)
    if (leaf._grad !== null) leaf._grad._handedOut = true;
    const grad = Tensor._fromBuf(outs[i], g.shape, g.dtype, g.strides, g.offset);
    // (and handed the new one to the realization, as a fresh pass does)
    grad._handedOut = true;
    leaf.grad = grad;
  }
  for (const i of t.freed) {
    const n = order[i];
    n.inputs = null;
    n.out = null;
    n.residuals = undefined;
  }
}
