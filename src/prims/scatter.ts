// PyTorch's scatter (out of place): x with src written at the positions an index names along
// one axis. Written as one primitive over (x, index, src) with an extern host kernel; where an
// index repeats, the last write in row-major order wins (deterministic, where PyTorch leaves
// the choice open). The rule is PyTorch's: x̄ is ḡ with the written positions zeroed, s̄rc is ḡ
// read back at them (a gather), and the map is linear in (x, src) jointly. Where an index
// repeats, only the write that survives gets a gradient (PyTorch's formula would credit every
// duplicate, which disagrees with its own forward map): the survivors are found by scattering
// each source position's number and reading back which one stayed.

import { ArgumentError, DTypeError, ShapeError, fmtShape } from "../core/errors.js";
import { sizeOf } from "../core/shape.js";
import { defineExternKernel } from "../backend/extern.js";
import { bind } from "../autodiff/bind.js";
import { tensor } from "../tensor/creation.js";
import type { Tensor } from "../tensor/tensor.js";
import { definePrimitive, erase } from "./define.js";
import * as T from "./exact.js";

defineExternKernel<{ xShape: readonly number[]; idxShape: readonly number[]; axis: number }>({
  name: "scatter",
  host: ([x, idx, src], out, { xShape, idxShape, axis }) => {
    out.set(x);
    const r = xShape.length;
    const xStrides = new Array<number>(r);
    for (let i = r - 1, s = 1; i >= 0; i--) (xStrides[i] = s), (s *= xShape[i]);
    const pos = new Array<number>(r).fill(0);
    const n = xShape[axis];
    for (let f = 0; f < idx.length; f++) {
      let v = idx[f];
      if (v < 0) v += n;
      if (!(v >= 0 && v < n))
        throw new ArgumentError(`scatter: index ${idx[f]} is out of range for size ${n} along axis ${axis} (input ${fmtShape(xShape)}, index ${fmtShape(idxShape)})`);
      let at = 0;
      for (let i = 0; i < r; i++) at += (i === axis ? v : pos[i]) * xStrides[i];
      out[at] = src[f];
      for (let i = r - 1; i >= 0; i--) {
        if (++pos[i] < idxShape[i]) break;
        pos[i] = 0;
      }
    }
  },
});

const scatterOf = (x: Tensor, idx: Tensor, src: Tensor, axis: number): Tensor => bind(erase(scatter), [x, idx, src], { axis });

/** ḡ read at the written positions: a gather over the part of ḡ the index covers. */
function readBack(g: Tensor, idx: Tensor, axis: number): Tensor {
  const part = T.slice(g, g.shape.map(() => 0), g.shape.map((d, i) => (i === axis ? d : idx.shape[i])), g.shape.map(() => 1));
  return T.gather(part, idx, axis, { op: "scatter" });
}

/** Which source positions' writes survive (the last one to each target, in row-major order). */
function survivors(idx: Tensor, axis: number, shape: readonly number[]): Tensor {
  const ids = tensor(Int32Array.from({ length: sizeOf(idx.shape) }, (_, i) => i), { dtype: "int32", shape: [...idx.shape] });
  const written = scatterOf(T.zeros(shape, "int32"), idx, ids, axis);
  return T.eq(readBack(written, idx, axis), ids);
}

// y = scatter(x, index, src):  x̄ = scatter(ḡ, index, 0);  s̄rc = gather(ḡ, index);  dy = scatter(dx, index, dsrc)
export const scatter = definePrimitive<{ axis: number }>({
  name: "scatter",
  formula: { vjp: "x̄ = ḡ with the written positions zeroed;  s̄rc = gather(ḡ, index) where the write survives", jvp: "dy = scatter(dx, index, dsrc)" },
  kind: "compute",
  infer: ([x, idx, src], { axis }) => {
    if (idx.dtype !== "int32") throw new DTypeError(`scatter: index must be int32, got ${idx.dtype}${fmtShape(idx.shape)}`);
    if (src.dtype !== x.dtype) throw new DTypeError(`scatter: src is ${src.dtype}${fmtShape(src.shape)} but x is ${x.dtype}${fmtShape(x.shape)}`);
    const bad = idx.shape.length !== x.shape.length || src.shape.length !== idx.shape.length ||
      idx.shape.some((d, i) => d !== src.shape[i] || (i !== axis && d > x.shape[i]));
    if (bad) throw new ShapeError(`scatter: index ${fmtShape(idx.shape)} and src ${fmtShape(src.shape)} must have one shape, within x ${fmtShape(x.shape)} outside axis ${axis}`);
    return { shape: x.shape, dtype: x.dtype };
  },
  kernel: (be, [x, idx, src], { axis }, out) =>
    be.extern("scatter", [x, idx, src].map((t) => t._contiguous()._buf!), [x.dtype, "int32", src.dtype], out.dtype, sizeOf(out.shape), {
      xShape: [...x.shape],
      idxShape: [...idx.shape],
      axis,
    }),
  vjp: (g, [, idx, src], { params, needs }) => [
    needs[0] ? scatterOf(g, idx, T.zeros(src.shape, g.dtype), params.axis) : undefined,
    undefined,
    needs[2] ? T.where(survivors(idx, params.axis, g.shape), readBack(g, idx, params.axis), T.constLike(g, 0)) : undefined,
  ],
  jvp: ([x, idx, src], [dx, , ds], { params }) => {
    if (!dx && !ds) return undefined;
    return scatterOf(dx ?? T.zeros(x.shape, x.dtype), idx, ds ?? T.zeros(src.shape, src.dtype), params.axis);
  },
  cases: [
    {
      make: (gen) => [
        tensor(new Float64Array(12).map(() => gen.uniform() * 4 - 2), { dtype: "float64", shape: [3, 4] }),
        tensor([3, 0, 1, 2, 2, 0], { dtype: "int32", shape: [3, 2] }),
        tensor(new Float64Array(6).map(() => gen.uniform() * 4 - 2), { dtype: "float64", shape: [3, 2] }),
      ],
      params: { axis: 1 },
      wrt: [0, 2],
    },
    {
      // repeated targets along axis 0
      make: (gen) => [
        tensor(new Float64Array(6).map(() => gen.uniform() * 4 - 2), { dtype: "float64", shape: [3, 2] }),
        tensor([1, 0, 1, 0, 2, 0], { dtype: "int32", shape: [3, 2] }),
        tensor(new Float64Array(6).map(() => gen.uniform() * 4 - 2), { dtype: "float64", shape: [3, 2] }),
      ],
      params: { axis: 0 },
      wrt: [0, 2],
    },
  ],
});

export const scatterPrimitives = { scatter };
