// Indexing: torch.gather along an axis, NumPy's take, index selection, one-hot encoding.

import { DTypeError, ShapeError, fmtShape } from "../../core/errors.js";
import { normAxis } from "../../core/shape.js";
import { bind } from "../../autodiff/bind.js";
import { erase, type Primitive } from "../../prims/define.js";
import * as Ix from "../../prims/indexing.js";
import { Tensor } from "../tensor.js";
import { arange, tensor } from "../creation.js";
import { cast, eq } from "./arith.js";
import { reshape, sliceRaw, unsqueeze } from "./shape.js";

function run<P>(prim: Primitive<P>, inputs: Tensor[], params: P): Tensor {
  return bind(erase(prim), inputs, params);
}

function asIndex(op: string, idx: Tensor | readonly number[]): Tensor {
  const t = idx instanceof Tensor ? idx : tensor(idx as number[], { dtype: "int32" });
  if (t.dtype !== "int32") throw new DTypeError(`${op}: index must be int32, got ${t.dtype}${fmtShape(t.shape)}`);
  return t;
}

/**
 * PyTorch's `torch.gather(x, axis, index)`: out[i][j] = x[i][index[i][j]] for axis 1. The index
 * has the rank of x and may be smaller than x along the other axes.
 */
export function gather(x: Tensor, index: Tensor, axis: number): Tensor {
  const a = normAxis("gather", axis, x.ndim);
  const idx = asIndex("gather", index);
  if (idx.ndim !== x.ndim) throw new ShapeError(`gather: index of shape ${fmtShape(idx.shape)} must have the rank of input ${fmtShape(x.shape)}`);
  for (let i = 0; i < x.ndim; i++)
    if (i !== a && idx.shape[i] > x.shape[i])
      throw new ShapeError(`gather: index shape ${fmtShape(idx.shape)} exceeds input shape ${fmtShape(x.shape)} along axis ${i}`);
  // read only the part of x the index covers on the other axes
  const xs = sliceRaw(x, x.shape.map(() => 0), x.shape.map((d, i) => (i === a ? d : idx.shape[i])), x.shape.map(() => 1));
  return run(Ix.gather, [xs, idx], { axis: a });
}

/** The transpose of gather: zeros with `size` along `axis`, then out[…idx…] += src. */
export function scatterAdd(src: Tensor, index: Tensor, axis: number, size: number): Tensor {
  const a = normAxis("scatterAdd", axis, src.ndim);
  return run(Ix.scatterAdd, [src, asIndex("scatterAdd", index)], { axis: a, size });
}

/** Slices of x along `axis` at the positions of a 1-D index (PyTorch's index_select). */
export function indexSelect(x: Tensor, axis: number, index: Tensor | readonly number[]): Tensor {
  const a = normAxis("indexSelect", axis, x.ndim);
  return run(Ix.indexSelect, [x, asIndex("indexSelect", index)], { axis: a });
}

/** The transpose of indexSelect: zeros with `size` along `axis`, then out[idx[j]] += src[j]. */
export function indexAdd(src: Tensor, index: Tensor, axis: number, size: number): Tensor {
  const a = normAxis("indexAdd", axis, src.ndim);
  return run(Ix.indexAdd, [src, asIndex("indexAdd", index)], { axis: a, size });
}

/**
 * NumPy's `take`: elements of x at `indices` along `axis`, the result's shape being
 * x.shape[:axis] + indices.shape + x.shape[axis+1:]. Without an axis, x is flattened first.
 * Negative indices count from the end.
 */
export function take(x: Tensor, indices: Tensor | readonly number[], axis?: number): Tensor {
  const idx = asIndex("take", indices);
  const src = axis === undefined ? reshape(x, [-1]) : x;
  const a = normAxis("take", axis ?? 0, src.ndim);
  const n = src.shape[a];
  const flat = idx.data();
  const fixed = new Int32Array(flat.length);
  for (let i = 0; i < flat.length; i++) fixed[i] = flat[i] < 0 && flat[i] >= -n ? flat[i] + n : flat[i];
  const sel = indexSelect(src, a, tensor(fixed, { dtype: "int32" }));
  return reshape(sel, [...src.shape.slice(0, a), ...idx.shape, ...src.shape.slice(a + 1)]);
}

/** One-hot encoding of int32 class indices: shape [...indices.shape, numClasses], float32 unless asked. */
export function oneHot(indices: Tensor, numClasses: number, opts: { dtype?: Tensor["dtype"] } = {}): Tensor {
  const idx = asIndex("oneHot", indices);
  const d = idx.data();
  for (let i = 0; i < d.length; i++)
    if (d[i] < 0 || d[i] >= numClasses) throw new ShapeError(`oneHot: class index ${d[i]} is out of range for ${numClasses} classes`);
  return cast(eq(unsqueeze(idx, -1), arange(numClasses)), opts.dtype ?? "float32");
}
