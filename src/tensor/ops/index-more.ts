// More indexing in PyTorch's vocabulary: scatter (out of place), maskedFill, maskedSelect,
// nonzero, and integer-tensor indexing with NumPy's advanced-indexing rules. maskedSelect and
// nonzero have results whose shape depends on the data, so they run eagerly and refuse to be
// traced; the others are lazy and differentiable through existing primitives.

import { ArgumentError, DTypeError, ShapeError, fmtShape } from "../../core/errors.js";
import type { TypedArray } from "../../core/dtype.js";
import { broadcastShapes, normAxis, sizeOf } from "../../core/shape.js";
import { captureState, dataDependentError } from "../../backend/capture.js";
import { bind } from "../../autodiff/bind.js";
import { erase } from "../../prims/define.js";
import * as Sc from "../../prims/scatter.js";
import { Tensor } from "../tensor.js";
import { full, scalar, tensor } from "../creation.js";
import { add, cast, ge, lt, mul, where } from "./arith.js";
import { broadcastTo, permute, reshape, slice, sliceRaw, type SliceSpec } from "./shape.js";
import { takeAlong } from "./index-ops.js";

function intIndex(op: string, what: string, t: Tensor): Tensor {
  if (!(t instanceof Tensor)) throw new ArgumentError(`${op}: ${what} must be an int32 tensor, got ${typeof t}`);
  if (t.dtype !== "int32") throw new DTypeError(`${op}: ${what} must be int32, got ${t.dtype}${fmtShape(t.shape)}`);
  return t;
}

/**
 * PyTorch's `scatter(x, axis, index, src)`, out of place: x with src[…j…] written at
 * x[…index[…j…]…] along `axis` (for axis 1: out[i][index[i][j]] = src[i][j]). `src` is a
 * tensor at least as large as index (only index's extent is read) or a number. Where an index
 * repeats, the last write in row-major order wins (PyTorch leaves it unspecified). Gradients:
 * x's is ḡ with the written positions zeroed, src's is ḡ read back at them (for the writes
 * that survive).
 * @example tg.scatter(tg.zeros([1, 3]), 1, tg.tensor([[2, 0]], { dtype: "int32" }), tg.tensor([[5, 7]])) // [[7, 0, 5]]
 */
export function scatter(x: Tensor, axis: number, index: Tensor, src: Tensor | number): Tensor {
  const a = normAxis("scatter", axis, x.ndim === 0 ? 1 : x.ndim);
  const idx = intIndex("scatter", "index", index);
  if (x.ndim === 0) return reshape(scatter(reshape(x, [1]), 0, reshape(idx, [-1]), typeof src === "number" ? src : reshape(src, [-1])), []);
  if (idx.ndim !== x.ndim) throw new ShapeError(`scatter: index ${fmtShape(idx.shape)} must have the rank of x ${fmtShape(x.shape)}`);
  for (let i = 0; i < x.ndim; i++)
    if (i !== a && idx.shape[i] > x.shape[i])
      throw new ShapeError(`scatter: index ${fmtShape(idx.shape)} exceeds x ${fmtShape(x.shape)} along axis ${i}`);
  let s: Tensor;
  if (typeof src === "number") s = full(idx.shape, src, x.dtype);
  else {
    if (src.dtype !== x.dtype) throw new DTypeError(`scatter: src is ${src.dtype}${fmtShape(src.shape)} but x is ${x.dtype}${fmtShape(x.shape)}`);
    if (src.ndim !== idx.ndim || src.shape.some((d, i) => d < idx.shape[i]))
      throw new ShapeError(`scatter: src ${fmtShape(src.shape)} must be at least as large as index ${fmtShape(idx.shape)} along every axis`);
    s = sliceRaw(src, src.shape.map(() => 0), idx.shape, src.shape.map(() => 1));
  }
  return bind(erase(Sc.scatter), [x, idx, s], { axis: a });
}

/**
 * x with `value` wherever the bool `mask` (broadcast to x's shape) is true (PyTorch's
 * masked_fill). `value` is a number or a 0-d tensor (which then receives the gradient of the
 * filled entries); the result keeps x's dtype.
 * @example const causal = tg.tril(tg.ones([4, 4], "bool")); tg.maskedFill(scores, causal.eq(false), -Infinity)
 */
export function maskedFill(x: Tensor, mask: Tensor, value: number | Tensor): Tensor {
  if (!(mask instanceof Tensor) || mask.dtype !== "bool")
    throw new DTypeError(`maskedFill: mask must be a bool tensor, got ${mask instanceof Tensor ? `${mask.dtype}${fmtShape(mask.shape)}` : typeof mask}`);
  // the mask broadcasts to x's shape; x itself never grows
  const off = x.ndim - mask.ndim;
  if (off < 0 || mask.shape.some((d, i) => d !== 1 && d !== x.shape[off + i]))
    throw new ShapeError(`maskedFill: mask ${fmtShape(mask.shape)} does not broadcast to input ${fmtShape(x.shape)}`);
  let v: Tensor;
  if (typeof value === "number") v = scalar(value, x.dtype);
  else {
    if (!(value instanceof Tensor) || value.ndim !== 0)
      throw new ShapeError(`maskedFill: value must be a number or a 0-d tensor, got ${value instanceof Tensor ? `shape ${fmtShape(value.shape)}` : typeof value}`);
    v = cast(value, x.dtype);
  }
  return where(mask, v, x);
}

/** @internal Reads `t` on the host for `op`, whose result's shape depends on the values: impossible while tracing. */
export function readEager(op: string, t: Tensor): TypedArray {
  const c = captureState.active;
  if (c && t._contiguous()._buf?.traced === c) throw dataDependentError(c, `${op} (its result's shape depends on the values it reads)`);
  return t.data();
}

/**
 * The entries of x where the bool mask is true, as a 1-D tensor in row-major order (PyTorch's
 * masked_select; x and mask broadcast together). Eager only: the result's length depends on
 * the mask's values, so inside `tg.jit` it raises a TraceError. The gradient flows back to the
 * selected entries.
 * @example tg.maskedSelect(tg.tensor([1, 2, 3]), tg.tensor([true, false, true])) // [1, 3]
 */
export function maskedSelect(x: Tensor, mask: Tensor): Tensor {
  if (!(mask instanceof Tensor) || mask.dtype !== "bool")
    throw new DTypeError(`maskedSelect: mask must be a bool tensor, got ${mask instanceof Tensor ? `${mask.dtype}${fmtShape(mask.shape)}` : typeof mask}`);
  const shape = broadcastShapes("maskedSelect", x.shape, mask.shape);
  const m = readEager("maskedSelect", broadcastTo(mask, shape));
  const at: number[] = [];
  for (let i = 0; i < m.length; i++) if (m[i]) at.push(i);
  const flat = reshape(broadcastTo(x, shape), [-1]);
  return takeAlong(flat, tensor(at, { dtype: "int32", shape: [at.length] }), 0, { op: "maskedSelect" });
}

/**
 * The int32 coordinates of the nonzero (true, or NaN) entries of x, one row per entry in
 * row-major order: shape [count, x.ndim] (PyTorch's nonzero). Eager only, as maskedSelect.
 * @example tg.nonzero(tg.tensor([[0, 1], [2, 0]])) // [[0, 1], [1, 0]]
 */
export function nonzero(x: Tensor): Tensor {
  const d = readEager("nonzero", x);
  const r = x.ndim;
  const rows: number[] = [];
  const pos = new Array<number>(r).fill(0);
  for (let f = 0; f < d.length; f++) {
    if (d[f] !== 0) rows.push(...pos);
    for (let i = r - 1; i >= 0; i--) {
      if (++pos[i] < x.shape[i]) break;
      pos[i] = 0;
    }
  }
  return tensor(Int32Array.from(rows), { dtype: "int32", shape: [r === 0 ? +(d[0] !== 0) : rows.length / r, r] });
}

/** One entry of an index list: an int32 tensor or a number (advanced), or null (the whole axis). */
export type IndexItem = Tensor | number | null;

/**
 * Integer indexing with NumPy's rules, x[i0, i1, …]: each entry an int32 tensor, a number, or
 * null for a whole axis (axes past the list are whole too). Numbers alone index as basic
 * indices (each removes its axis). With any tensor, the tensors and numbers are advanced
 * indices: they broadcast together, and their common shape replaces the indexed axes where
 * they stand if they are adjacent, else it comes first. Negative indices count from the end.
 * The gradient is a scatter-add (indexAdd) back to the indexed entries.
 * @example x.index([tg.tensor([0, 2], { dtype: "int32" }), null]) // rows 0 and 2
 */
export function index(x: Tensor, indices: readonly IndexItem[]): Tensor {
  if (!Array.isArray(indices)) throw new ArgumentError("index: expected a list of int32 tensors, numbers or nulls");
  if (indices.length > x.ndim) throw new ArgumentError(`index: ${indices.length} indices for a tensor of rank ${x.ndim} (shape ${fmtShape(x.shape)})`);
  indices.forEach((v, i) => {
    if (v instanceof Tensor) {
      if (v.dtype !== "int32") throw new DTypeError(`index: index ${i} must be an int32 tensor, got ${v.dtype}${fmtShape(v.shape)}${v.dtype === "bool" ? " (use maskedSelect for bool masks)" : ""}`);
    } else if (v !== null && !(typeof v === "number" && Number.isInteger(v)))
      throw new ArgumentError(`index: index ${i} must be an int32 tensor, an integer or null, got ${typeof v === "number" ? v : typeof v}`);
  });
  if (!indices.some((v) => v instanceof Tensor)) return slice(x, ...(indices as SliceSpec[]));
  const adv = indices.flatMap((v, i) => (v === null ? [] : [i]));
  const rest = x.shape.map((_, i) => i).filter((i) => !adv.includes(i));
  const idx = adv.map((i) => (indices[i] instanceof Tensor ? (indices[i] as Tensor) : scalar(indices[i] as number, "int32")));
  const bshape = broadcastShapes("index", ...idx.map((t) => t.shape));
  const sizes = adv.map((i) => x.shape[i]);
  const total = sizeOf(sizes);
  // one flat index into the advanced axes moved first: Σ idxᵢ·strideᵢ, each idxᵢ wrapped from
  // the end; an out-of-range one makes the flat index `total` so the kernel reports it
  let flat: Tensor | null = null;
  idx.forEach((t, k) => {
    const n = sizes[k];
    const stride = sizeOf(sizes.slice(k + 1));
    const wrapped = where(lt(t, 0), add(t, n), t);
    const ok = where(ge(t, -n), lt(t, n), false);
    const term = mul(wrapped, stride);
    flat = flat === null ? where(ok, term, total) : where(ok, add(flat, term), total);
  });
  const moved = reshape(permute(x, [...adv, ...rest]), [total, ...rest.map((i) => x.shape[i])]);
  const combined = adv.length > 1 ? `, combined into one flat index over sizes ${fmtShape(sizes)}; an index outside its axis's range makes it ${total}` : "";
  const shapes = `input ${fmtShape(x.shape)}, indices ${idx.map((t) => fmtShape(t.shape)).join(", ")} on axes ${adv.join(",")}${combined}`;
  const out = takeAlong(moved, broadcastTo(flat!, bshape), 0, { op: "index", shapes });
  const adjacent = adv.every((a, k) => k === 0 || a === adv[k - 1] + 1);
  if (!adjacent || adv[0] === 0) return out;
  // adjacent advanced indices keep their place: the rest axes before them come first again
  const b = bshape.length;
  const before = adv[0];
  const order = [...Array(before).keys()].map((i) => b + i).concat([...Array(b).keys()], [...Array(rest.length - before).keys()].map((i) => b + before + i));
  return permute(out, order);
}
