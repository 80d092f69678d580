// Primitives that build a new buffer from pieces: concatenation and constant padding.

import { DTypeError, ShapeError, fmtShape } from "../core/errors.js";
import { sizeOf } from "../core/shape.js";
import { definePrimitive } from "./define.js";
import * as T from "./exact.js";

// concat along `axis`: x̄ᵢ = the matching block of ȳ; dy = concat(dxᵢ) (zeros for missing tangents)
export const concat = definePrimitive<{ axis: number }>({
  name: "concat",
  formula: { vjp: "x̄ᵢ = block i of ḡ", jvp: "dy = concat(dxᵢ)" },
  kind: "compute",
  infer: (xs, { axis }) => {
    const first = xs[0];
    for (const x of xs) {
      if (x.dtype !== first.dtype)
        throw new DTypeError(`concat: dtypes differ: ${xs.map((t) => `${t.dtype}${fmtShape(t.shape)}`).join(", ")}`);
      if (x.shape.length !== first.shape.length || x.shape.some((d, i) => i !== axis && d !== first.shape[i]))
        throw new ShapeError(`concat: shapes ${xs.map((t) => fmtShape(t.shape)).join(", ")} differ outside axis ${axis}`);
    }
    const shape = [...first.shape];
    shape[axis] = xs.reduce((s, x) => s + x.shape[axis], 0);
    return { shape, dtype: first.dtype };
  },
  kernel: (be, xs, { axis }, out) => {
    const cs = xs.map((x) => x._contiguous());
    const outer = sizeOf(out.shape.slice(0, axis));
    const inner = sizeOf(out.shape.slice(axis + 1));
    return be.concat(cs.map((c) => c._buf!), out.dtype, outer, cs.map((c) => c.shape[axis]), inner);
  },
  vjp: (g, xs, { params: { axis }, needs }) => {
    let at = 0;
    return xs.map((x, i) => {
      const n = x.shape[axis];
      const start = at;
      at += n;
      if (!needs[i]) return undefined;
      const starts = x.shape.map((_, j) => (j === axis ? start : 0));
      return T.slice(g, starts, x.shape, x.shape.map(() => 1));
    });
  },
  jvp: (xs, dxs, { params: { axis } }) => {
    if (dxs.every((d) => !d)) return undefined;
    return T.concat(xs.map((x, i) => dxs[i] ?? T.zeros(x.shape, x.dtype)), axis);
  },
  cases: [
    { shapes: [[2, 3], [4, 3]], params: { axis: 0 } },
    { shapes: [[2, 1, 3], [2, 2, 3], [2, 1, 3]], params: { axis: 1 } },
  ],
});

export interface PadParams {
  before: readonly number[];
  after: readonly number[];
  value: number;
}

// constant pad: x̄ = the interior of ȳ; dy = pad(dx, 0)
export const pad = definePrimitive<PadParams>({
  name: "pad",
  formula: { vjp: "x̄ = interior of ḡ", jvp: "dy = pad(dx) with zeros" },
  kind: "compute",
  infer: ([x], { before, after }) => ({ shape: x.shape.map((d, i) => d + before[i] + after[i]), dtype: x.dtype }),
  kernel: (be, [x], { before, after, value }, out) => be.pad(x._contiguous()._buf!, out.dtype, x.shape, before, after, value),
  vjp: (g, [x], { params }) => [T.slice(g, params.before, x.shape, x.shape.map(() => 1))],
  jvp: (_x, [dx], { params }) => dx && T.pad(dx, params.before, params.after, 0),
  cases: [{ shapes: [[2, 3]], params: { before: [1, 0], after: [2, 1], value: 0.5 } }],
});

export const structurePrimitives = { concat, pad };
