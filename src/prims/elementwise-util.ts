// Shared pieces of elementwise primitives: operand descriptors for kernels and adding tangents
// that may be missing (a missing tangent is zero). Cotangents are un-broadcast by the backward
// pass itself (autodiff/graph.ts), not by each rule.

import { DTypeError, fmtShape } from "../core/errors.js";
import { broadcastShapes, broadcastStrides, shapesEqual, type Shape } from "../core/shape.js";
import type { ElemArg } from "../backend/lazy.js";
import type { Tensor } from "../tensor/tensor.js";
import type { OutInfo } from "./define.js";
import { add, broadcastTo } from "./exact.js";

/** The kernel operand for concrete `t` read over `shape` (broadcast by zero strides). */
export function elemArg(t: Tensor, shape: Shape): ElemArg {
  // an operand of the output's own shape (the common case) is read through its strides as they are
  const strides = t.shape === shape || shapesEqual(t.shape, shape) ? t._strides : broadcastStrides(t.shape, t._strides, shape);
  return { buf: t._buf!, offset: t._offset, strides };
}

/** Shape rule of n-ary elementwise primitives: broadcast shapes, equal dtypes (the front end promotes). */
export function inferElementwise(op: string, inputs: readonly Tensor[], outDtype?: Tensor["dtype"]): OutInfo {
  const d = inputs[0].dtype;
  for (const x of inputs)
    if (x.dtype !== d)
      throw new DTypeError(`${op}: dtypes differ: ${inputs.map((t) => `${t.dtype}${fmtShape(t.shape)}`).join(", ")}`);
  // operands of one shape (the common case) give that shape itself: frozen already, nothing to copy
  const s0 = inputs[0].shape;
  let same = true;
  for (let i = 1; i < inputs.length && same; i++) same = shapesEqual(inputs[i].shape, s0);
  return { shape: same ? s0 : broadcastShapes(op, ...inputs.map((x) => x.shape)), dtype: outDtype ?? d };
}

/** Sum of the tangents present, each broadcast to `shape`; undefined when none is. */
export function sumTangents(shape: Shape, ...ts: (Tensor | undefined)[]): Tensor | undefined {
  let acc: Tensor | undefined;
  for (const t of ts) if (t) acc = acc ? add(acc, t) : t;
  return acc && !shapesEqual(acc.shape, shape) ? broadcastTo(acc, shape) : acc;
}
