// Sorting along one axis as one primitive with an integer output: the permutation that sorts
// each row (argsort). Sorted values, top-k and the like gather the input at it, so their
// gradient is gather's (scattered back through the indices) with no rule of their own.
// The order is PyTorch's: NaN counts as larger than every number (last ascending, first
// descending), and equal values keep their input order (a stable sort).

import { DTypeError, fmtShape } from "../core/errors.js";
import type { DType } from "../core/dtype.js";
import { sizeOf } from "../core/shape.js";
import { defineExternKernel } from "../backend/extern.js";
import { definePrimitive } from "./define.js";

defineExternKernel<{ outer: number; n: number; inner: number; descending: boolean }>({
  name: "argsort",
  host: ([x], out, { outer, n, inner, descending }) => {
    const idx = new Array<number>(n);
    const vals = new Float64Array(n);
    // a NaN compares above everything, and equal keys keep their order (Array.prototype.sort is stable)
    const up = (a: number, b: number) => {
      const va = vals[a];
      const vb = vals[b];
      if (va !== va) return vb !== vb ? 0 : 1;
      if (vb !== vb) return -1;
      return va < vb ? -1 : va > vb ? 1 : 0;
    };
    const cmp = descending ? (a: number, b: number) => up(b, a) : up;
    for (let o = 0; o < outer; o++)
      for (let i = 0; i < inner; i++) {
        const base = o * n * inner + i;
        for (let t = 0; t < n; t++) {
          idx[t] = t;
          vals[t] = x[base + t * inner];
        }
        idx.sort(cmp);
        for (let t = 0; t < n; t++) out[base + t * inner] = idx[t];
      }
  },
});

// the permutation that sorts x along `axis` (int32); no derivative (the values are a gather)
export const argsort = definePrimitive<{ axis: number; descending: boolean }>({
  name: "argsort",
  formula: { vjp: "none (integer output; sorted values are gather(x, indices))" },
  kind: "compute",
  infer: ([x]) => {
    if (x.dtype === "bool") throw new DTypeError(`sort: expected a numeric tensor, got ${x.dtype}${fmtShape(x.shape)}`);
    return { shape: x.shape, dtype: "int32" as DType };
  },
  kernel: (be, [x], { axis, descending }, out) =>
    be.extern("argsort", [x._contiguous()._buf!], [x.dtype], "int32", sizeOf(out.shape), {
      outer: sizeOf(x.shape.slice(0, axis)),
      n: x.shape[axis],
      inner: sizeOf(x.shape.slice(axis + 1)),
      descending,
    }),
  vjp: null,
  jvp: null,
  cases: [{ shapes: [[3, 6]], params: { axis: 1, descending: false } }, { shapes: [[5, 2]], params: { axis: 0, descending: true } }],
});

export const sortPrimitives = { argsort };
