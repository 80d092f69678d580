// Indexing primitives and their transposes: gather ↔ scatterAdd (PyTorch's torch.gather along an
// axis) and indexSelect ↔ indexAdd (whole slices picked by a 1-D index, as in embeddings).
// Index tensors are int32 and carry no derivative. Their dtype and shape are checked here, before
// any kernel runs; their values are not read on the host (that would realize the graph at every
// gather): the kernel counts negative indices from the end, skips out-of-range ones and raises
// the backend's index error flag, which the next sync point turns into an ArgumentError naming
// the operation. `setDebug({ checkIndices: true })` checks on the host at the call instead.

import { ArgumentError, DTypeError, ShapeError, fmtShape } from "../core/errors.js";
import { sizeOf } from "../core/shape.js";
import { indexErrorMessage } from "../backend/index-error.js";
import type { IndexingHow } from "../backend/lazy.js";
import { runtime } from "../backend/runtime.js";
import type { Tensor } from "../tensor/tensor.js";
import { definePrimitive } from "./define.js";
import * as T from "./exact.js";
import { tensor } from "../tensor/creation.js";

/**
 * The operation an indexing primitive works for when it is not called directly (take, embedding,
 * oneHot, the losses): named by index errors, with that operation's axis numbering and operand
 * names, and whether it refuses negative indices. Rules pass it on to the primitives they bind,
 * so the backward pass refuses and reports the same indices as the forward pass.
 */
export interface IndexCaller {
  readonly op: string;
  readonly axis?: number;
  readonly shapes?: string;
  /** "error" where the operation refuses negative indices (PyTorch's embedding, one_hot, loss targets). Default "wrap". */
  readonly negative?: "wrap" | "error";
}

/** How the kernel treats the index, and whom its errors name. */
function howOf(kind: string, axis: number, caller: IndexCaller | undefined, shapes: string): IndexingHow {
  return {
    negative: caller?.negative ?? "wrap",
    site: { op: caller?.op ?? kind, axis: caller?.axis ?? axis, shapes: caller?.shapes ?? shapes },
  };
}

function checkIndex(op: string, idx: Tensor): void {
  if (idx.dtype !== "int32") throw new DTypeError(`${op}: index must be int32, got ${idx.dtype}${fmtShape(idx.shape)}`);
}

/** The opt-in eager check (`setDebug({ checkIndices: true })`): reads the index and throws at the call, with the sync point's message. */
function debugCheck(kind: string, idx: Tensor, size: number, how: IndexingHow): void {
  if (!runtime.debug.checkIndices) return;
  const d = idx.data();
  for (let i = 0; i < d.length; i++) {
    const v = d[i];
    const r = v < 0 && how.negative !== "error" ? v + size : v;
    if (!(r >= 0 && r < size)) throw new ArgumentError(indexErrorMessage({ kind, index: v, size, position: i, ...(how.site && { site: how.site }) }));
  }
}

const split3 = (shape: readonly number[], axis: number) => [sizeOf(shape.slice(0, axis)), sizeOf(shape.slice(axis + 1))] as const;

// gather: y[…, j, …] = x[…, idx[…, j, …], …];  x̄ = scatterAdd(ȳ, idx);  dy = gather(dx, idx)
const gatherHow = (x: Tensor, idx: Tensor, axis: number, caller?: IndexCaller) =>
  howOf("gather", axis, caller, `input ${fmtShape(x.shape)}, index ${fmtShape(idx.shape)}`);

export const gather = definePrimitive<{ axis: number; caller?: IndexCaller }>({
  name: "gather",
  formula: { vjp: "x̄ = scatterAdd(ḡ, index)", jvp: "dy = gather(dx, index)" },
  kind: "compute",
  infer: ([x, idx], { axis, caller }) => {
    checkIndex("gather", idx);
    if (idx.shape.length !== x.shape.length || idx.shape.some((d, i) => i !== axis && d !== x.shape[i]))
      throw new ShapeError(`gather: index shape ${fmtShape(idx.shape)} must match input shape ${fmtShape(x.shape)} except along axis ${axis}`);
    debugCheck("gather", idx, x.shape[axis], gatherHow(x, idx, axis, caller));
    return { shape: [...idx.shape], dtype: x.dtype };
  },
  kernel: (be, [x, idx], { axis, caller }, out) => {
    const [outer, inner] = split3(x.shape, axis);
    const how = gatherHow(x, idx, axis, caller);
    return be.gather(x._contiguous()._buf!, idx._contiguous()._buf!, out.dtype, outer, x.shape[axis], idx.shape[axis], inner, how);
  },
  vjp: (g, [x, idx], { params }) => [T.scatterAdd(g, idx, params.axis, x.shape[params.axis], params.caller), undefined],
  jvp: ([, idx], [dx], { params }) => dx && T.gather(dx, idx, params.axis, params.caller),
  cases: [{ make: (gen) => [randF64(gen, [3, 4]), randIdx(gen, [3, 5], 4)], params: { axis: 1 }, wrt: [0] }],
});

// scatterAdd: y = zeros(size along axis); y[…, idx[…, j, …], …] += src[…, j, …];  s̄rc = gather(ȳ, idx)
const scatterHow = (src: Tensor, idx: Tensor, axis: number, size: number, caller?: IndexCaller) =>
  howOf("scatterAdd", axis, caller, `source ${fmtShape(src.shape)}, index ${fmtShape(idx.shape)}, size ${size}`);

export const scatterAdd = definePrimitive<{ axis: number; size: number; caller?: IndexCaller }>({
  name: "scatterAdd",
  formula: { vjp: "s̄ = gather(ḡ, index)", jvp: "dy = scatterAdd(ds, index)" },
  kind: "compute",
  infer: ([src, idx], { axis, size, caller }) => {
    checkIndex("scatterAdd", idx);
    if (idx.shape.length !== src.shape.length || idx.shape.some((d, i) => d !== src.shape[i]))
      throw new ShapeError(`scatterAdd: index shape ${fmtShape(idx.shape)} must equal source shape ${fmtShape(src.shape)}`);
    debugCheck("scatterAdd", idx, size, scatterHow(src, idx, axis, size, caller));
    const shape = [...src.shape];
    shape[axis] = size;
    return { shape, dtype: src.dtype };
  },
  kernel: (be, [src, idx], { axis, size, caller }, out) => {
    const [outer, inner] = split3(src.shape, axis);
    const how = scatterHow(src, idx, axis, size, caller);
    return be.scatterAdd(src._contiguous()._buf!, idx._contiguous()._buf!, out.dtype, outer, size, src.shape[axis], inner, how);
  },
  vjp: (g, [, idx], { params }) => [T.gather(g, idx, params.axis, params.caller), undefined],
  jvp: ([, idx], [ds], { params }) => ds && T.scatterAdd(ds, idx, params.axis, params.size, params.caller),
  cases: [{ make: (gen) => [randF64(gen, [3, 5]), randIdx(gen, [3, 5], 4)], params: { axis: 1, size: 4 }, wrt: [0] }],
});

// indexSelect: y[…, j, …] = x[…, idx[j], …];  x̄ = indexAdd(ȳ, idx)
const selectHow = (x: Tensor, idx: Tensor, axis: number, caller?: IndexCaller) =>
  howOf("indexSelect", axis, caller, `input ${fmtShape(x.shape)}, index ${fmtShape(idx.shape)}`);

export const indexSelect = definePrimitive<{ axis: number; caller?: IndexCaller }>({
  name: "indexSelect",
  formula: { vjp: "x̄ = indexAdd(ḡ, index)", jvp: "dy = indexSelect(dx, index)" },
  kind: "compute",
  infer: ([x, idx], { axis, caller }) => {
    checkIndex("indexSelect", idx);
    if (idx.shape.length !== 1) throw new ShapeError(`indexSelect: index must be 1-D, got shape ${fmtShape(idx.shape)}`);
    debugCheck("indexSelect", idx, x.shape[axis], selectHow(x, idx, axis, caller));
    const shape = [...x.shape];
    shape[axis] = idx.shape[0];
    return { shape, dtype: x.dtype };
  },
  kernel: (be, [x, idx], { axis, caller }, out) => {
    const [outer, inner] = split3(x.shape, axis);
    const how = selectHow(x, idx, axis, caller);
    return be.indexSelect(x._contiguous()._buf!, idx._contiguous()._buf!, out.dtype, outer, x.shape[axis], idx.shape[0], inner, how);
  },
  vjp: (g, [x, idx], { params }) => [T.indexAdd(g, idx, params.axis, x.shape[params.axis], params.caller), undefined],
  jvp: ([, idx], [dx], { params }) => dx && T.indexSelect(dx, params.axis, idx, params.caller),
  cases: [{ make: (gen) => [randF64(gen, [5, 3]), randIdx(gen, [7], 5)], params: { axis: 0 }, wrt: [0] }],
});

// indexAdd: y = zeros(size along axis); y[…, idx[j], …] += src[…, j, …];  s̄rc = indexSelect(ȳ, idx)
const addHow = (src: Tensor, idx: Tensor, axis: number, size: number, caller?: IndexCaller) =>
  howOf("indexAdd", axis, caller, `source ${fmtShape(src.shape)}, index ${fmtShape(idx.shape)}, size ${size}`);

export const indexAdd = definePrimitive<{ axis: number; size: number; caller?: IndexCaller }>({
  name: "indexAdd",
  formula: { vjp: "s̄ = indexSelect(ḡ, index)", jvp: "dy = indexAdd(ds, index)" },
  kind: "compute",
  infer: ([src, idx], { axis, size, caller }) => {
    checkIndex("indexAdd", idx);
    if (idx.shape.length !== 1 || idx.shape[0] !== src.shape[axis])
      throw new ShapeError(`indexAdd: index shape ${fmtShape(idx.shape)} must be [${src.shape[axis]}] for source shape ${fmtShape(src.shape)} along axis ${axis}`);
    debugCheck("indexAdd", idx, size, addHow(src, idx, axis, size, caller));
    const shape = [...src.shape];
    shape[axis] = size;
    return { shape, dtype: src.dtype };
  },
  kernel: (be, [src, idx], { axis, size, caller }, out) => {
    const [outer, inner] = split3(src.shape, axis);
    const how = addHow(src, idx, axis, size, caller);
    return be.indexAdd(src._contiguous()._buf!, idx._contiguous()._buf!, out.dtype, outer, size, idx.shape[0], inner, how);
  },
  vjp: (g, [, idx], { params }) => [T.indexSelect(g, params.axis, idx, params.caller), undefined],
  jvp: ([, idx], [ds], { params }) => ds && T.indexAdd(ds, idx, params.axis, params.size, params.caller),
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
