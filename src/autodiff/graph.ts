// Reverse-mode graph nodes and the backward pass shared by PyTorch-style `backward()` (nodes on
// concrete tensors) and JAX-style `grad`/`vjp` (nodes on the boxes of one differentiation level).

import { TensorGradError, fmtShape } from "../core/errors.js";
import { shapesEqual } from "../core/shape.js";
import type { AnyPrimitive } from "../prims/define.js";
import type { Tensor } from "../tensor/tensor.js";
import { add as addTensors } from "../tensor/ops/arith.js";

/** A recorded application of a primitive, or a leaf (a differentiated input). */
export interface Node {
  prim: AnyPrimitive | null;
  params: unknown;
  /** Primal inputs and output, kept for the VJP rule; null once the graph is freed. */
  inputs: readonly Tensor[] | null;
  out: Tensor | null;
  parents: readonly (Node | null)[];
  /** For leaves: the tensor whose `.grad` receives the gradient (PyTorch style), if any. */
  leaf: Tensor | null;
}

export function leafNode(leaf: Tensor | null): Node {
  return { prim: null, params: null, inputs: null, out: null, parents: [], leaf };
}

/** Nodes reachable from `root`, ordered so that each node comes after all its parents. */
export function topoOrder(root: Node): Node[] {
  const order: Node[] = [];
  const seen = new Set<Node>();
  // iterative DFS (deep networks would overflow the call stack with recursion)
  const stack: [Node, number][] = [[root, 0]];
  seen.add(root);
  while (stack.length) {
    const top = stack[stack.length - 1];
    const [node, i] = top;
    if (i < node.parents.length) {
      top[1]++;
      const p = node.parents[i];
      if (p && !seen.has(p)) {
        seen.add(p);
        stack.push([p, 0]);
      }
    } else {
      order.push(node);
      stack.pop();
    }
  }
  return order;
}

/**
 * Propagates the cotangent `seed` of `root` back to every node; returns the cotangents of the
 * leaves. With `free`, each node's saved tensors are dropped once used.
 */
export function backwardPass(root: Node, seed: Tensor, free: boolean, onGrad?: (node: Node, g: Tensor) => void): Map<Node, Tensor> {
  const order = topoOrder(root);
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
    const gs = node.prim.vjp!(g, node.inputs, { out: node.out, params: node.params, needs });
    for (let i = 0; i < node.parents.length; i++) {
      const p = node.parents[i];
      const gi = gs[i];
      if (!p || !gi) continue;
      const want = node.inputs[i].shape;
      if (!shapesEqual(gi.shape, want))
        throw new TensorGradError(`${node.prim.name}: VJP rule gave a cotangent of shape ${fmtShape(gi.shape)} for an input of shape ${fmtShape(want)}`);
      const prev = grads.get(p);
      grads.set(p, prev ? addTensors(prev, gi) : gi);
    }
    if (free) {
      node.inputs = null;
      node.out = null;
    }
  }
  return leaves;
}
