// Recording a computation as a graph for people: nodes (operation, shape, dtype, value and
// gradient when small, the VJP rule), edges from arguments to results. The CLI renders it as
// DOT and SVG; the explorer animates it.

import { ArgumentError } from "../core/errors.js";
import { backwardPass, topoOrder, type Node } from "../autodiff/graph.js";
import { VjpTrace, withNewLevel } from "../autodiff/bind.js";
import { Tensor } from "../tensor/tensor.js";
import { onesLike } from "../tensor/creation.js";
import type { GraphData, GraphEdge, GraphNode } from "./types.js";

export type { GraphData, GraphEdge, GraphNode };

export interface TraceOpts {
  /** Largest tensor whose values are copied into the graph. Default 16. */
  maxValues?: number;
  /** Names of inputs that are parameters (drawn differently); by default those that require grad. */
  params?: readonly string[];
}

function small(t: Tensor, max: number): number[] | number | undefined {
  if (t.size > max) return undefined;
  const d = Array.from(t.data());
  return t.ndim === 0 ? d[0] : d;
}

/**
 * Runs `fn` on named inputs and returns its computation graph with every node's value and the
 * gradient of the (scalar) output with respect to it.
 * @example
 * const g = tg.trace(({ w, x, b, y }) => w.mul(x).add(b).sub(y).square(),
 *   { w: tg.tensor(0.5), x: tg.tensor(2), b: tg.tensor(0.1), y: tg.tensor(1) });
 * g.nodes.map((n) => n.label); // ["w", "x", "mul", "b", "add", "y", "sub", "mul"]
 */
export function trace<K extends string>(fn: (inputs: Record<K, Tensor>) => Tensor, inputs: Record<K, Tensor>, opts: TraceOpts = {}): GraphData {
  const max = opts.maxValues ?? 16;
  const names = Object.keys(inputs) as K[];
  for (const k of names) if (!(inputs[k] instanceof Tensor)) throw new ArgumentError(`trace: input '${k}' is not a tensor`);
  return withNewLevel((l) => new VjpTrace(l), (tr) => {
    const t = tr as VjpTrace;
    const boxes = {} as Record<K, Tensor>;
    const leafName = new Map<Node, K>();
    for (const k of names) {
      const b = t.leaf(inputs[k].detach());
      boxes[k] = b;
      leafName.set(b._node!, k);
    }
    const out = fn(boxes);
    if (!(out instanceof Tensor) || out._trace !== t) throw new ArgumentError("trace: the function must return a tensor computed from its inputs");
    const root = out._node!;
    const grads = new Map<Node, Tensor>();
    if (out.size === 1) backwardPass(root, onesLike(t.unbox(out)), false, (n, g) => grads.set(n, g));
    const order = topoOrder(root);
    const ids = new Map<Node, string>();
    const nodes: GraphNode[] = [];
    const edges: GraphEdge[] = [];
    let constCount = 0;
    for (const n of order) {
      const id = `n${ids.size}`;
      ids.set(n, id);
      const g = grads.get(n);
      if (!n.prim) {
        const name = leafName.get(n) ?? id;
        const v = inputs[name as K];
        const isParam = opts.params ? opts.params.includes(name) : v.requiresGrad;
        nodes.push({ id, kind: isParam ? "param" : "input", label: name, shape: [...v.shape], dtype: v.dtype, value: small(v, max), grad: g && small(g, max) });
        continue;
      }
      const value = n.out!;
      nodes.push({
        id,
        kind: n === root ? "output" : "op",
        label: n.prim.name,
        op: n.prim.name,
        shape: [...value.shape],
        dtype: value.dtype,
        value: small(value, max),
        grad: g && small(g, max),
        // the formula lives on the primitive (custom rules carry one too)
        formula: n.prim.formula.vjp,
      });
      n.parents.forEach((p, i) => {
        if (p) {
          edges.push({ from: ids.get(p)!, to: id, argIndex: i });
          return;
        }
        // constants (numbers and tensors that are not inputs) become nodes of their own
        const c = n.inputs![i];
        const cid = `c${constCount++}`;
        const cv = small(c, max);
        nodes.push({ id: cid, kind: "input", label: typeof cv === "number" ? String(+cv.toPrecision(4)) : "const", shape: [...c.shape], dtype: c.dtype, value: cv });
        edges.push({ from: cid, to: id, argIndex: i });
      });
    }
    return { nodes, edges };
  });
}
