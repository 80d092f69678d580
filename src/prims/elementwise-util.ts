// Shared pieces of elementwise primitives: operand descriptors for kernels, un-broadcasting of
// cotangents, and adding tangents that may be missing (a missing tangent is zero).

import { DTypeError, fmtShape } from "../core/errors.js";
import { broadcastShapes, broadcastStrides, shapesEqual, type Shape } from "../core/shape.js";
import type { ElemArg } from "../backend/lazy.js";
import type { Tensor } from "../tensor/tensor.js";
import type { OutInfo } from "./define.js";
import { add } from "../tensor/ops/arith.js";
import { broadcastTo, reshape } from "../tensor/ops/shape.js";
import { sum } from "../tensor/ops/reduce.js";

/** The kernel operand for concrete `t` read over `shape` (broadcast by zero strides). */
export function elemArg(t: Tensor, shape: Shape): ElemArg {
  return { buf: t._buf!, offset: t._offset, strides: broadcastStrides(t.shape, t._strides, shape) };
}

/** Shape rule of n-ary elementwise primitives: broadcast shapes, equal dtypes (the front end promotes). */
export function inferElementwise(op: string, inputs: readonly Tensor[], outDtype?: Tensor["dtype"]): OutInfo {
  const d = inputs[0].dtype;
  for (const x of inputs)
    if (x.dtype !== d)
      throw new DTypeError(`${op}: dtypes differ: ${inputs.map((t) => `${t.dtype}${fmtShape(t.shape)}`).join(", ")}`);
  return { shape: broadcastShapes(op, ...inputs.map((x) => x.shape)), dtype: outDtype ?? d };
}

/** Sums a cotangent over the dimensions along which an operand of `shape` was broadcast. */
export function unbroadcast(g: Tensor, shape: Shape): Tensor {
  if (shapesEqual(g.shape, shape)) return g;
  const lead = g.shape.length - shape.length;
  const axes: number[] = [];
  for (let i = 0; i < g.shape.length; i++) if (i < lead || (shape[i - lead] === 1 && g.shape[i] !== 1)) axes.push(i);
  const s = axes.length ? sum(g, axes, { keepdims: true }) : g;
  return reshape(s, shape);
}

/** Sum of the tangents present, each broadcast to `shape`; undefined when none is. */
export function sumTangents(shape: Shape, ...ts: (Tensor | undefined)[]): Tensor | undefined {
  let acc: Tensor | undefined;
  for (const t of ts) if (t) acc = acc ? add(acc, t) : t;
  return acc && !shapesEqual(acc.shape, shape) ? broadcastTo(acc, shape) : acc;
}
