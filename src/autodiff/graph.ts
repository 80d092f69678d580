// The backward pass over reverse-mode graph nodes, shared by PyTorch-style `backward()` (nodes
// on concrete tensors) and JAX-style `grad`/`vjp` (nodes on the boxes of one differentiation
// level). It also un-broadcasts: a rule may give a cotangent of the output's broadcast shape,
// and it is summed down to its input's shape here, once, instead of in every rule.

import { ArgumentError, TensorGradError, fmtShape } from "../core/errors.js";
import { shapesEqual, unbroadcastAxes } from "../core/shape.js";
import { runtime } from "../backend/runtime.js";
import { captureState, noteSource, type GuardSource } from "../backend/capture.js";
import { realize, type Tensor, type TensorLike } from "../tensor/tensor.js";
import { full, onesLike } from "../tensor/creation.js";
import { add as addTensors, cast, unbroadcast } from "../prims/exact.js";
// The rules run here (and in forward mode, which transforms.ts starts after loading this module)
// call the exact wrappers, which find the primitives through the table: load it.
import "../prims/table.js";
import type { Node } from "./node.js";
import { replayedBackward } from "./replay.js";

export { leafNode, type Node } from "./node.js";

let walks = 0;

/**
 * Nodes reachable from `root`, ordered so that each node comes after all its parents. Each node
 * keeps its position in `pos` (valid until the next walk).
 */
export function topoOrder(root: Node): Node[] {
  const id = ++walks;
  const order: Node[] = [];
  // iterative DFS (deep networks would overflow the call stack with recursion): the nodes on the
  // path and, beside them, the next parent to visit of each
  const stack: Node[] = [root];
  const next: number[] = [0];
  root.walk = id;
  while (stack.length) {
    const top = stack.length - 1;
    const node = stack[top];
    const i = next[top];
    if (i < node.parents.length) {
      next[top] = i + 1;
      const p = node.parents[i];
      if (p && p.walk !== id) {
        p.walk = id;
        stack.push(p);
        next.push(0);
      }
    } else {
      node.pos = order.length;
      order.push(node);
      stack.pop();
      next.pop();
    }
  }
  return order;
}

/**
 * Propagates the cotangent `seed` of `root` back to every node; returns the cotangents of the
 * leaves. With `free`, each node's saved tensors are dropped once used.
 */
export function backwardPass(root: Node, seed: Tensor, free: boolean, onGrad?: (node: Node, g: Tensor) => void, order = topoOrder(root)): Map<Node, Tensor> {
  const grads = new Map<Node, Tensor>();
  const leaves = new Map<Node, Tensor>();
  grads.set(root, seed);
  for (let q = order.length - 1; q >= 0; q--) {
    const node = order[q];
    const g = grads.get(node);
    if (!g) continue;
    grads.delete(node);
    onGrad?.(node, g);
    if (!node.prim) {
      leaves.set(node, g);
      continue;
    }
    if (!node.inputs || !node.out)
      throw new TensorGradError(
        `backward: the graph through '${node.prim.name}' was already freed by an earlier backward(); pass {retainGraph: true} to the first call to backpropagate twice`,
      );
    const needs = node.parents.map((p) => p !== null);
    const gs = node.prim.vjp!(g, node.inputs, { out: node.out, params: node.params, needs, residuals: node.residuals });
    for (let i = 0; i < node.parents.length; i++) {
      const p = node.parents[i];
      let gi = gs[i];
      if (!p || !gi) continue;
      const want = node.inputs[i].shape;
      if (!shapesEqual(gi.shape, want)) {
        // an input broadcast in the forward pass gets the sum over the broadcast dims
        if (!unbroadcastAxes(gi.shape, want))
          throw new TensorGradError(`${node.prim.name}: VJP rule gave a cotangent of shape ${fmtShape(gi.shape)} for an input of shape ${fmtShape(want)}`);
        gi = unbroadcast(gi, want);
      }
      const prev = grads.get(p);
      grads.set(p, prev ? addTensors(prev, gi) : gi);
    }
    if (free) {
      node.inputs = null;
      node.out = null;
      node.residuals = undefined;
    }
  }
  return leaves;
}

// one object per leaf standing for its `.grad` (what a compiled step reads and writes back)
/** For a compiled step: whether each leaf has a gradient (read without handing the gradient out). */
const presences = new WeakMap<Tensor, GuardSource>();
function gradPresence(t: Tensor): GuardSource {
  let g = presences.get(t);
  if (!g) presences.set(t, (g = { guardValues: (out) => out.push(t._grad !== null) }));
  return g;
}

const gradCells = new WeakMap<Tensor, object>();
function gradCell(t: Tensor): object {
  let c = gradCells.get(t);
  if (!c) gradCells.set(t, (c = {}));
  return c;
}

/**
 * `out.backward(seed, opts)`: backpropagates from `out`, accumulating into `.grad` of every leaf
 * it depends on. A non-scalar `out` needs a seed gradient of its own shape.
 */
export function backward(out: Tensor, seed?: TensorLike, opts: { retainGraph?: boolean; createGraph?: boolean } = {}): void {
  const node = out._node;
  if (!node) throw new TensorGradError("backward: this tensor does not require grad (no input was marked with setRequiresGrad())");
  const capture = captureState.active;
  // the usual `loss.backward()` of an eager loop: replayed from the third identical pass (replay.ts)
  if (seed === undefined && out.size === 1 && !opts.retainGraph && !opts.createGraph && !capture && out._trace === undefined) {
    const order = topoOrder(node);
    replayedBackward(order, () => backwardRun(out, node, onesLike(out), opts, order));
    return;
  }
  let g: Tensor;
  if (seed === undefined) {
    if (out.size !== 1)
      throw new ArgumentError(`backward: a seed gradient is required for a non-scalar output of shape ${fmtShape(out.shape)}`);
    g = onesLike(out);
  } else {
    g = typeof seed === "number" ? full(out.shape, seed, out.dtype) : seed;
    if (g.shape.join() !== out.shape.join())
      throw new ArgumentError(`backward: seed gradient of shape ${fmtShape(g.shape)} does not match the output shape ${fmtShape(out.shape)}`);
    // the rules take operands of one dtype, so the seed takes the output's
    g = cast(g, out.dtype);
  }
  backwardRun(out, node, g, opts, topoOrder(node));
}

/** `backward` from `node` (of `out`) with seed `g`; returns the leaf nodes whose tensors' gradients it set. */
function backwardRun(out: Tensor, node: Node, g: Tensor, opts: { retainGraph?: boolean; createGraph?: boolean }, order: Node[]): Node[] {
  const prev = runtime.gradEnabled;
  runtime.gradEnabled = !!opts.createGraph;
  try {
    const leaves = backwardPass(node, g, !opts.retainGraph && !opts.createGraph, undefined, order);
    const done: Tensor[] = [out];
    const set: Node[] = [];
    const capture = captureState.active;
    for (const [leaf, lg] of leaves) {
      const t = leaf.leaf;
      if (!t) continue;
      set.push(leaf);
      if (capture) {
        // a compiled step: read the gradient it accumulates into, store the new one, on each call
        capture.sideEffect("backward");
        const old = t.grad;
        // unless the trace cleared it first, whether a gradient exists when the step is called
        // decides the plan: none yet, it writes the gradient; one, it adds to it
        if (!capture.gradWritten.has(t)) capture.guards.add(gradPresence(t));
        capture.gradWritten.add(t);
        if (old) noteSource(old, () => t.grad, gradCell(t));
        capture.restores.push(() => (t.grad = old));
      }
      t.grad = t.grad ? addTensors(t.grad, lg) : lg;
      if (capture) capture.writes.push({ value: t.grad, apply: (v) => (t.grad = v), cell: gradCell(t), asGrad: true });
      // the leaf too: a parameter still pending (`p − lr·g` written by hand) gets its buffer
      // now, instead of being inlined into this forward pass and computed again when the
      // next update reads it
      done.push(t.grad, t);
    }
    // the forward and backward passes run here, as one schedule
    realize(...done);
    return set;
  } finally {
    runtime.gradEnabled = prev;
  }
}
