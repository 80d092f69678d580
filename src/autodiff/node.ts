// What reverse mode records: one node per applied primitive, or a leaf (a differentiated input).
// Kept apart from the backward pass so that `Tensor` and `bind` can hold nodes without loading
// the operations the backward pass runs.

import type { AnyPrimitive } from "../prims/define.js";
import type { Tensor } from "../tensor/tensor.js";

/** A recorded application of a primitive, or a leaf (a differentiated input). */
export interface Node {
  prim: AnyPrimitive | null;
  params: unknown;
  /** Primal inputs and output, kept for the VJP rule; null once the graph is freed. */
  inputs: readonly Tensor[] | null;
  out: Tensor | null;
  /** What a call primitive's `fwd` saved in the forward pass for its VJP rule (custom_vjp's residuals). */
  residuals?: unknown;
  parents: readonly (Node | null)[];
  /** For leaves: the tensor whose `.grad` receives the gradient (PyTorch style), if any. */
  leaf: Tensor | null;
  /** @internal the number of the last walk over the graph that met this node (graph.ts `topoOrder`) */
  walk: number;
  /** @internal this node's position in that walk's order */
  pos: number;
}

export function leafNode(leaf: Tensor | null): Node {
  return { prim: null, params: null, inputs: null, out: null, residuals: undefined, parents: [], leaf, walk: 0, pos: 0 };
}
