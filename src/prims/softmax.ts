// Softmax and log-softmax along one axis as primitives, so a classifier's loss costs one kernel
// forward and a few backward instead of the eight-operation stable composite.

import { DTypeError, fmtShape } from "../core/errors.js";
import { isFloat } from "../core/dtype.js";
import { sizeOf } from "../core/shape.js";
import { definePrimitive } from "./define.js";
import * as T from "./exact.js";

function kind(op: "softmax" | "logSoftmax") {
  return {
    infer: ([x]: readonly import("../tensor/tensor.js").Tensor[]) => {
      if (!isFloat(x.dtype)) throw new DTypeError(`${op}: expected a floating-point tensor, got ${x.dtype}${fmtShape(x.shape)}`);
      return { shape: x.shape, dtype: x.dtype };
    },
    kernel: (be: import("../backend/lazy.js").Lowering, [x]: readonly import("../tensor/tensor.js").Tensor[], { axis }: { axis: number }) => {
      const c = x._contiguous();
      return be.softmax(op, c._buf!, x.dtype, sizeOf(x.shape.slice(0, axis)), x.shape[axis], sizeOf(x.shape.slice(axis + 1)));
    },
  };
}

const cases = [
  { shapes: [[3, 4]], params: { axis: 1 } },
  { shapes: [[2, 3, 4]], params: { axis: 1 } },
] as const;

// y = softmax(x): x̄ = y ⊙ (ḡ − Σ y⊙ḡ);  dy = y ⊙ (dx − Σ y⊙dx)
export const softmax = definePrimitive<{ axis: number }>({
  name: "softmax",
  formula: { vjp: "x̄ = y ⊙ (ḡ − Σ y⊙ḡ)", jvp: "dy = y ⊙ (dx − Σ y⊙dx)" },
  kind: "compute",
  ...kind("softmax"),
  vjp: (g, _x, { out, params }) => [T.mul(out, T.sub(g, T.sum(T.mul(out, g), [params.axis], true)))],
  jvp: (_x, [dx], { out, params }) => dx && T.mul(out, T.sub(dx, T.sum(T.mul(out, dx), [params.axis], true))),
  cases,
});

// y = log softmax(x): x̄ = ḡ − eʸ Σ ḡ;  dy = dx − Σ eʸ⊙dx
export const logSoftmax = definePrimitive<{ axis: number }>({
  name: "logSoftmax",
  formula: { vjp: "x̄ = ḡ − eʸ·Σḡ", jvp: "dy = dx − Σ eʸ⊙dx" },
  kind: "compute",
  ...kind("logSoftmax"),
  vjp: (g, _x, { out, params }) => [T.sub(g, T.mul(T.exp(out), T.sum(g, [params.axis], true)))],
  jvp: (_x, [dx], { out, params }) => dx && T.sub(dx, T.sum(T.mul(T.exp(out), dx), [params.axis], true)),
  cases,
});

export const softmaxPrimitives = { softmax, logSoftmax };
