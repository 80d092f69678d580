// Applying a primitive. Every operation ends here: `bind` finds the innermost differentiation
// level among the inputs and lets that level's trace handle it; at level 0 the primitive runs its
// kernel (recording a node for PyTorch-style `backward()` when an input requires grad).
//
// A transformation at level L (jvp, grad, vjp) wraps its inputs in boxes tagged with its trace.
// Boxes of level L hold a primal of a lower level plus a tangent (forward mode) or a graph node
// (reverse mode). Because each level only unwraps its own boxes, nested transformations never
// confuse their perturbations: d/dx [x · d/dy (x + y)] is 1, not 2.

import { runtime } from "../backend/runtime.js";
import type { AnyPrimitive } from "../prims/define.js";
import { Tensor } from "../tensor/tensor.js";
import { leafNode, type Node } from "./node.js";

/** One active transformation. */
export abstract class Trace {
  constructor(readonly level: number) {}
  abstract process(prim: AnyPrimitive, inputs: readonly Tensor[], params: unknown): Tensor;
  unbox(x: Tensor): Tensor {
    return x._trace === this ? x._primal! : x;
  }
}

/** Forward mode: tangents travel with values. */
export class JvpTrace extends Trace {
  process(prim: AnyPrimitive, inputs: readonly Tensor[], params: unknown): Tensor {
    const primals = inputs.map((x) => this.unbox(x));
    const out = bind(prim, primals, params);
    if (!prim.jvp) return out;
    const tangents = inputs.map((x) => (x._trace === this ? x._tangent : undefined));
    const dout = prim.jvp(primals, tangents, { out, params, needs: tangents.map((t) => t !== undefined) });
    return dout ? this.box(out, dout) : out;
  }
  box(primal: Tensor, tangent: Tensor): Tensor {
    const b = Tensor._box(primal, this);
    b._tangent = tangent;
    return b;
  }
}

/** Reverse mode: each operation on this level's boxes is recorded as a node. */
export class VjpTrace extends Trace {
  process(prim: AnyPrimitive, inputs: readonly Tensor[], params: unknown): Tensor {
    const primals = inputs.map((x) => this.unbox(x));
    if (!prim.vjp || this.level <= runtime.noGradLevel) return bind(prim, primals, params);
    const parents = inputs.map((x) => (x._trace === this ? x._node! : null));
    // a custom_vjp call runs its `fwd` on this level's primals, once, and keeps the residuals
    if (prim.kind === "call" && prim.fwd) {
      const [out, residuals] = prim.fwd(primals, params);
      return this.box(out, { prim, params, inputs: primals, out, residuals, parents, leaf: null, walk: 0, pos: 0 });
    }
    const out = bind(prim, primals, params);
    return this.box(out, { prim, params, inputs: primals, out, residuals: undefined, parents, leaf: null, walk: 0, pos: 0 });
  }
  box(primal: Tensor, node: Node): Tensor {
    const b = Tensor._box(primal, this);
    b._node = node;
    return b;
  }
  leaf(primal: Tensor): Tensor {
    return this.box(primal, leafNode(null));
  }
}

/** Runs `prim` on `inputs`: the entry point of every operation. */
export function bind(prim: AnyPrimitive, inputs: readonly Tensor[], params: unknown): Tensor {
  let top: Trace | undefined;
  for (const x of inputs) if (x._trace && (!top || x._trace.level > top.level)) top = x._trace;
  if (top) return top.process(prim, inputs, params);
  let parents: (Node | null)[] | undefined;
  if (runtime.gradEnabled && prim.vjp)
    for (let i = 0; i < inputs.length; i++) {
      const n = inputs[i]._node;
      if (n) (parents ??= new Array<Node | null>(inputs.length).fill(null))[i] = n;
    }
  if (parents && prim.kind === "call" && prim.fwd) {
    // custom_vjp, PyTorch style: `fwd` runs once here (recorded, so that residuals computed from
    // the inputs stay differentiable for a double backward); the output is a fresh tensor whose
    // node is this call, even when `fwd` returns one of its inputs.
    const [y, residuals] = prim.fwd(inputs, params);
    const out = y.detach();
    out._node = { prim, params, inputs, out, residuals, parents, leaf: null, walk: 0, pos: 0 };
    return out;
  }
  const out = Tensor._evaluate(prim, inputs, params);
  if (parents) out._node = { prim, params, inputs, out, residuals: undefined, parents, leaf: null, walk: 0, pos: 0 };
  return out;
}

/** Runs `fn` one level above the current one, with a trace made by `make`. */
export function withNewLevel<T>(make: (level: number) => Trace, fn: (trace: Trace) => T): T {
  const trace = make(++runtime.level);
  try {
    return fn(trace);
  } finally {
    runtime.level--;
  }
}
