// Indexing: torch.gather along an axis, NumPy's take, index selection, one-hot encoding.
// Every indexing function takes PyTorch's argument order, `(x, axis, index[, src])`, except
// `take`, which keeps NumPy's `(x, indices, axis)` since it is NumPy's function.

import { ArgumentError, DTypeError, ShapeError, fmtShape } from "../../core/errors.js";
import { normAxis } from "../../core/shape.js";
import { bind } from "../../autodiff/bind.js";
import { erase, type Primitive } from "../../prims/define.js";
import * as Ix from "../../prims/indexing.js";
import type { IndexCaller } from "../../prims/indexing.js";
import { Tensor } from "../tensor.js";
import { full, tensor } from "../creation.js";
import { reshape, sliceRaw, unsqueeze } from "./shape.js";
import { add } from "./arith.js";

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
 * has the rank of x and may be smaller than x along the other axes. Negative indices count from
 * the end, as in NumPy's take_along_axis (torch.gather refuses them); an index outside [−n, n)
 * raises an ArgumentError at the next sync point, or at the call under
 * `setDebug({ checkIndices: true })`.
 * @example tg.gather(tg.tensor([[1, 2], [3, 4]]), 1, tg.tensor([[1], [-2]], { dtype: "int32" })) // [[2], [3]]
 */
export function gather(x: Tensor, axis: number, index: Tensor): Tensor {
  if (!(x instanceof Tensor) || typeof axis !== "number" || !(index instanceof Tensor))
    throw new ArgumentError("gather: expected (x: Tensor, axis: number, index: Tensor), PyTorch's order");
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

function checkAdd(op: string, x: Tensor, a: number, idx: Tensor, src: Tensor, oneD: boolean): void {
  if (x.dtype !== src.dtype) throw new DTypeError(`${op}: x is ${x.dtype}${fmtShape(x.shape)} but src is ${src.dtype}${fmtShape(src.shape)}`);
  if (src.ndim !== x.ndim) throw new ShapeError(`${op}: src ${fmtShape(src.shape)} must have the rank of x ${fmtShape(x.shape)}`);
  for (let i = 0; i < x.ndim; i++)
    if (i !== a && src.shape[i] !== x.shape[i])
      throw new ShapeError(`${op}: src ${fmtShape(src.shape)} and x ${fmtShape(x.shape)} differ along axis ${i} (only axis ${a} may differ)`);
  if (oneD ? idx.ndim !== 1 || idx.shape[0] !== src.shape[a] : idx.ndim !== src.ndim || idx.shape.some((d, i) => d !== src.shape[i]))
    throw new ShapeError(`${op}: index ${fmtShape(idx.shape)} does not match src ${fmtShape(src.shape)} along axis ${a}`);
}

/**
 * PyTorch's `scatter_add(x, axis, index, src)`, out of place: x with src[…j…] added at
 * x[…index[…j…]…] along `axis` (for axis 1: out[i][index[i][j]] += src[i][j]). index and src
 * have one shape; it equals x's except along `axis`. Negative indices count from the end.
 * @example tg.scatterAdd(tg.zeros([1, 3]), 1, tg.tensor([[0, 2, 2]], { dtype: "int32" }), tg.ones([1, 3])) // [[1, 0, 2]]
 */
export function scatterAdd(x: Tensor, axis: number, index: Tensor, src: Tensor): Tensor {
  const a = normAxis("scatterAdd", axis, x.ndim);
  const idx = asIndex("scatterAdd", index);
  checkAdd("scatterAdd", x, a, idx, src, false);
  return add(x, run(Ix.scatterAdd, [src, idx], { axis: a, size: x.shape[a] }));
}

/**
 * Slices of x along `axis` at the positions of a 1-D index (PyTorch's index_select). Negative
 * indices count from the end (index_select refuses them); out-of-range ones raise at the next
 * sync point.
 */
export function indexSelect(x: Tensor, axis: number, index: Tensor | readonly number[]): Tensor {
  const a = normAxis("indexSelect", axis, x.ndim);
  return run(Ix.indexSelect, [x, asIndex("indexSelect", index)], { axis: a });
}

/**
 * PyTorch's `index_add(x, axis, index, src)`, out of place: x with slice j of src added at
 * position index[j] along `axis` (repeated indices accumulate; negative ones count from the end).
 * @example tg.indexAdd(tg.zeros([3]), 0, [2, 2], tg.ones([2])) // [0, 0, 2]
 */
export function indexAdd(x: Tensor, axis: number, index: Tensor | readonly number[], src: Tensor): Tensor {
  const a = normAxis("indexAdd", axis, x.ndim);
  const idx = asIndex("indexAdd", index);
  checkAdd("indexAdd", x, a, idx, src, true);
  return add(x, run(Ix.indexAdd, [src, idx], { axis: a, size: x.shape[a] }));
}

/**
 * @internal indexSelect along `axis` at an int32 index of any shape, the index's shape taking
 * that axis's place (take, embedding); `caller` names the operation in index errors.
 */
export function takeAlong(x: Tensor, idx: Tensor, axis: number, caller?: IndexCaller): Tensor {
  const sel = run(Ix.indexSelect, [x, reshape(idx, [-1])], caller ? { axis, caller } : { axis });
  return reshape(sel, [...x.shape.slice(0, axis), ...idx.shape, ...x.shape.slice(axis + 1)]);
}

/** @internal gather (already-normalised axis, index within x's shape) for an operation built on it, named by `caller` in index errors. */
export function gatherAlong(x: Tensor, idx: Tensor, axis: number, caller: IndexCaller): Tensor {
  return run(Ix.gather, [x, idx], { axis, caller });
}

/**
 * NumPy's `take`: elements of x at `indices` along `axis`, the result's shape being
 * x.shape[:axis] + indices.shape + x.shape[axis+1:]. Without an axis, x is flattened first.
 * Negative indices count from the end (as in NumPy and torch.take). An index outside
 * [−n, n) raises an ArgumentError at the next sync point (`data()`, `item()`, …), or at the call
 * under `setDebug({ checkIndices: true })`; the values are never read here.
 * @example tg.take(tg.tensor([[1, 2], [3, 4]]), [0, -1], 1) // [[1, 2], [3, 4]]
 */
export function take(x: Tensor, indices: Tensor | readonly number[], axis?: number): Tensor {
  const idx = asIndex("take", indices);
  const src = axis === undefined ? reshape(x, [-1]) : x;
  const a = normAxis("take", axis ?? 0, src.ndim);
  const what = axis === undefined && x.ndim !== 1 ? `input ${fmtShape(x.shape)} flattened` : `input ${fmtShape(x.shape)}`;
  return takeAlong(src, idx, a, { op: "take", shapes: `${what}, indices ${fmtShape(idx.shape)}` });
}

/**
 * One-hot encoding of int32 class indices: shape [...indices.shape, numClasses], float32 unless
 * asked. Indices must lie in [0, numClasses): as in PyTorch's one_hot, negative ones are refused
 * rather than counted from the end. They are checked on the device (an ArgumentError at the
 * next sync point, or at the call under `setDebug({ checkIndices: true })`).
 * @example tg.oneHot(tg.tensor([2, 0], { dtype: "int32" }), 3) // [[0, 0, 1], [1, 0, 0]]
 */
export function oneHot(indices: Tensor, numClasses: number, opts: { dtype?: Tensor["dtype"] } = {}): Tensor {
  const idx = asIndex("oneHot", indices);
  if (!Number.isInteger(numClasses) || numClasses < 0)
    throw new ArgumentError(`oneHot: numClasses must be a non-negative integer, got ${numClasses}`);
  // scatter a 1 into each row of zeros: O(N·C) work and memory, no C×C identity to index into
  const at = unsqueeze(idx, -1);
  const one = full(at.shape, 1, opts.dtype ?? "float32");
  const caller: IndexCaller = { op: "oneHot", axis: idx.ndim, shapes: `indices ${fmtShape(idx.shape)}, numClasses ${numClasses}`, negative: "error" };
  return run(Ix.scatterAdd, [one, at], { axis: idx.ndim, size: numClasses, caller });
}
