// Indexing primitives and their transposes: gather ↔ scatterAdd (PyTorch's torch.gather along an
// axis) and indexSelect ↔ indexAdd (whole slices picked by a 1-D index, as in embeddings).
// Index tensors are int32 and carry no derivative. Indices are checked against the axis length
// before any kernel runs.

import { ArgumentError, DTypeError, ShapeError, fmtShape } from "../core/errors.js";
import { sizeOf } from "../core/shape.js";
import type { Tensor } from "../tensor/tensor.js";
import { definePrimitive } from "./define.js";
import * as T from "./exact.js";
import { tensor } from "../tensor/creation.js";

function checkIndex(op: string, idx: Tensor, bound: number, axis: number): void {
  if (idx.dtype !== "int32") throw new DTypeError(`${op}: index must be int32, got ${idx.dtype}${fmtShape(idx.shape)}`);
  const d = idx.data();
  for (let i = 0; i < d.length; i++)
    if (d[i] < 0 || d[i] >= bound)
      throw new ArgumentError(`${op}: index ${d[i]} is out of range for axis ${axis} of size ${bound}`);
}

const split3 = (shape: readonly number[], axis: number) => [sizeOf(shape.slice(0, axis)), sizeOf(shape.slice(axis + 1))] as const;

// gather: y[…, j, …] = x[…, idx[…, j, …], …];  x̄ = scatterAdd(ȳ, idx);  dy = gather(dx, idx)
export const gather = definePrimitive<{ axis: number }>({
  name: "gather",
  formula: { vjp: "x̄ = scatterAdd(ḡ, index)", jvp: "dy = gather(dx, index)" },
  kind: "compute",
  infer: ([x, idx], { axis }) => {
    if (idx.shape.length !== x.shape.length || idx.shape.some((d, i) => i !== axis && d !== x.shape[i]))
      throw new ShapeError(`gather: index shape ${fmtShape(idx.shape)} must match input shape ${fmtShape(x.shape)} except along axis ${axis}`);
    checkIndex("gather", idx, x.shape[axis], axis);
    return { shape: [...idx.shape], dtype: x.dtype };
  },
  kernel: (be, [x, idx], { axis }, out) => {
    const [outer, inner] = split3(x.shape, axis);
    return be.gather(x._contiguous()._buf!, idx._contiguous()._buf!, out.dtype, outer, x.shape[axis], idx.shape[axis], inner);
  },
  vjp: (g, [x, idx], { params }) => [T.scatterAdd(g, idx, params.axis, x.shape[params.axis]), undefined],
  jvp: ([, idx], [dx], { params }) => dx && T.gather(dx, idx, params.axis),
  cases: [{ make: (gen) => [randF64(gen, [3, 4]), randIdx(gen, [3, 5], 4)], params: { axis: 1 }, wrt: [0] }],
});

// scatterAdd: y = zeros(size along axis); y[…, idx[…, j, …], …] += src[…, j, …];  s̄rc = gather(ȳ, idx)
export const scatterAdd = definePrimitive<{ axis: number; size: number }>({
  name: "scatterAdd",
  formula: { vjp: "s̄ = gather(ḡ, index)", jvp: "dy = scatterAdd(ds, index)" },
  kind: "compute",
  infer: ([src, idx], { axis, size }) => {
    if (idx.shape.length !== src.shape.length || idx.shape.some((d, i) => d !== src.shape[i]))
      throw new ShapeError(`scatterAdd: index shape ${fmtShape(idx.shape)} must equal source shape ${fmtShape(src.shape)}`);
    checkIndex("scatterAdd", idx, size, axis);
    const shape = [...src.shape];
    shape[axis] = size;
    return { shape, dtype: src.dtype };
  },
  kernel: (be, [src, idx], { axis, size }, out) => {
    const [outer, inner] = split3(src.shape, axis);
    return be.scatterAdd(src._contiguous()._buf!, idx._contiguous()._buf!, out.dtype, outer, size, src.shape[axis], inner);
  },
  vjp: (g, [, idx], { params }) => [T.gather(g, idx, params.axis), undefined],
  jvp: ([, idx], [ds], { params }) => ds && T.scatterAdd(ds, idx, params.axis, params.size),
  cases: [{ make: (gen) => [randF64(gen, [3, 5]), randIdx(gen, [3, 5], 4)], params: { axis: 1, size: 4 }, wrt: [0] }],
});

// indexSelect: y[…, j, …] = x[…, idx[j], …];  x̄ = indexAdd(ȳ, idx)
export const indexSelect = definePrimitive<{ axis: number }>({
  name: "indexSelect",
  formula: { vjp: "x̄ = indexAdd(ḡ, index)", jvp: "dy = indexSelect(dx, index)" },
  kind: "compute",
  infer: ([x, idx], { axis }) => {
    if (idx.shape.length !== 1) throw new ShapeError(`indexSelect: index must be 1-D, got shape ${fmtShape(idx.shape)}`);
    checkIndex("indexSelect", idx, x.shape[axis], axis);
    const shape = [...x.shape];
    shape[axis] = idx.shape[0];
    return { shape, dtype: x.dtype };
  },
  kernel: (be, [x, idx], { axis }, out) => {
    const [outer, inner] = split3(x.shape, axis);
    return be.indexSelect(x._contiguous()._buf!, idx._contiguous()._buf!, out.dtype, outer, x.shape[axis], idx.shape[0], inner);
  },
  vjp: (g, [x, idx], { params }) => [T.indexAdd(g, idx, params.axis, x.shape[params.axis]), undefined],
  jvp: ([, idx], [dx], { params }) => dx && T.indexSelect(dx, params.axis, idx),
  cases: [{ make: (gen) => [randF64(gen, [5, 3]), randIdx(gen, [7], 5)], params: { axis: 0 }, wrt: [0] }],
});

// indexAdd: y = zeros(size along axis); y[…, idx[j], …] += src[…, j, …];  s̄rc = indexSelect(ȳ, idx)
export const indexAdd = definePrimitive<{ axis: number; size: number }>({
  name: "indexAdd",
  formula: { vjp: "s̄ = indexSelect(ḡ, index)", jvp: "dy = indexAdd(ds, index)" },
  kind: "compute",
  infer: ([src, idx], { axis, size }) => {
    if (idx.shape.length !== 1 || idx.shape[0] !== src.shape[axis])
      throw new ShapeError(`indexAdd: index shape ${fmtShape(idx.shape)} must be [${src.shape[axis]}] for source shape ${fmtShape(src.shape)} along axis ${axis}`);
    checkIndex("indexAdd", idx, size, axis);
    const shape = [...src.shape];
    shape[axis] = size;
    return { shape, dtype: src.dtype };
  },
  kernel: (be, [src, idx], { axis, size }, out) => {
    const [outer, inner] = split3(src.shape, axis);
    return be.indexAdd(src._contiguous()._buf!, idx._contiguous()._buf!, out.dtype, outer, size, idx.shape[0], inner);
  },
  vjp: (g, [, idx], { params }) => [T.indexSelect(g, params.axis, idx), undefined],
  jvp: ([, idx], [ds], { params }) => ds && T.indexAdd(ds, idx, params.axis, params.size),
  cases: [{ make: (gen) => [randF64(gen, [7, 3]), randIdx(gen, [7], 5)], params: { axis: 0, size: 5 }, wrt: [0] }],
});

function randF64(gen: import("../random/generator.js").Generator, shape: number[]): Tensor {
  const d = new Float64Array(sizeOf(shape)).map(() => gen.uniform() * 4 - 2);
  return tensor(d, { dtype: "float64", shape });
}
function randIdx(gen: import("../random/generator.js").Generator, shape: number[], bound: number): Tensor {
  return tensor(new Int32Array(sizeOf(shape)).map(() => gen.integer(0, bound)), { dtype: "int32", shape });
}

export const indexingPrimitives = { gather, scatterAdd, indexSelect, indexAdd };
