// Batched matrix product of operands of rank ≥ 2 with broadcast batch dims (the front end maps
// 1-D operands onto this). Transposed views reach the kernel as a flag, never as a copy, so the
// backward pass (which multiplies by transposes) runs at full speed.

import { DTypeError, ShapeError, fmtShape } from "../core/errors.js";
import { broadcastShapes, sizeOf } from "../core/shape.js";
import type { MatArg } from "../backend/lazy.js";
import type { Tensor } from "../tensor/tensor.js";
import { definePrimitive } from "./define.js";
import { sumTangents } from "./elementwise-util.js";
import { broadcastTo, matmul as mm, transpose } from "./exact.js";

/** Describes concrete `t` ([...batch, r, c]) as a kernel operand over `batchShape`, copying only when its layout needs it. */
function matArg(t: Tensor, batchShape: readonly number[]): MatArg {
  const r = t.shape.length;
  const rows = t.shape[r - 2];
  const cols = t.shape[r - 1];
  const s = t._strides;
  const rs = rows === 1 ? cols : s[r - 2];
  const cs = cols === 1 ? 1 : s[r - 1];
  let trans: boolean | null = null;
  if (cs === 1 && rs === cols) trans = false;
  else if (rs === 1 && cs === rows) trans = true;
  // The batch dims must collapse to one stride: all broadcast (stride 0) or row-major contiguous.
  const lead = batchShape.length - (r - 2);
  let batchStride: number | null = rows * cols;
  const bs: number[] = [];
  for (let i = 0; i < batchShape.length; i++) bs.push(i < lead || t.shape[i - lead] === 1 ? 0 : s[i - lead]);
  if (bs.every((x) => x === 0)) batchStride = 0;
  else {
    let acc = rows * cols;
    for (let i = batchShape.length - 1; i >= 0; i--) {
      if (batchShape[i] !== 1 && bs[i] !== acc) batchStride = null;
      acc *= batchShape[i];
    }
  }
  if (trans === null || batchStride === null) {
    const c = broadcastTo(t, [...batchShape, rows, cols])._contiguous();
    return { buf: c._buf!, offset: 0, batchStride: sizeOf(batchShape) > 1 ? rows * cols : 0, trans: false };
  }
  return { buf: t._buf!, offset: t._offset, batchStride, trans };
}

/** True when the matrix part of `t` is stored column-major (a transposed view). */
function columnMajor(t: Tensor): boolean {
  const c = t._concrete();
  const r = c.shape.length;
  return r >= 2 && c.shape[r - 1] > 1 && c.shape[r - 2] > 1 && c._strides[r - 2] === 1 && c._strides[r - 1] === c.shape[r - 2];
}

// d(A·B) = dA·B + A·dB;  Ā = Ḡ·Bᵀ, B̄ = Aᵀ·Ḡ (the backward pass sums them over broadcast batch dims)
export const matmul = definePrimitive({
  name: "matmul",
  formula: { vjp: "Ā = ḡ·Bᵀ, B̄ = Aᵀ·ḡ", jvp: "dY = dA·B + A·dB" },
  kind: "compute",
  infer: ([a, b]) => {
    if (a.dtype !== b.dtype) throw new DTypeError(`matmul: dtypes differ: ${a.dtype}${fmtShape(a.shape)} @ ${b.dtype}${fmtShape(b.shape)}`);
    if (a.dtype === "bool") throw new DTypeError(`matmul: bool operands are not supported: ${fmtShape(a.shape)} @ ${fmtShape(b.shape)}`);
    const ra = a.shape.length;
    const rb = b.shape.length;
    if (a.shape[ra - 1] !== b.shape[rb - 2])
      throw new ShapeError(`matmul: inner dimensions differ: ${fmtShape(a.shape)} @ ${fmtShape(b.shape)}`);
    // (two matrices, the common case: no batch dims to broadcast)
    if (ra === 2 && rb === 2) return { shape: [a.shape[0], b.shape[1]], dtype: a.dtype };
    const batch = broadcastShapes("matmul", a.shape.slice(0, -2), b.shape.slice(0, -2));
    return { shape: [...batch, a.shape[ra - 2], b.shape[rb - 1]], dtype: a.dtype };
  },
  kernel: (be, [a, b], _p, out) => {
    const batchShape = out.shape.slice(0, -2);
    const m = a.shape[a.shape.length - 2];
    const k = a.shape[a.shape.length - 1];
    const n = b.shape[b.shape.length - 1];
    return be.matmul(matArg(a, batchShape), matArg(b, batchShape), sizeOf(batchShape), m, n, k, out.dtype);
  },
  // Each cotangent is computed in the memory layout of its input: for a transposed input
  // (Linear's Wᵀ), (Ḡᵀ·A)ᵀ instead of Aᵀ·Ḡ, so the gradient that reaches the weight after the
  // transpose's own rule is row-major again and later elementwise work stays on fast paths.
  vjp: (g, [a, b], { needs }) => [
    needs[0] ? (columnMajor(a) ? transpose(mm(b, transpose(g))) : mm(g, transpose(b))) : undefined,
    needs[1] ? (columnMajor(b) ? transpose(mm(transpose(g), a)) : mm(transpose(a), g)) : undefined,
  ],
  jvp: ([a, b], [da, db], { out }) => sumTangents(out.shape, da && mm(da, b), db && mm(a, db)),
  cases: [
    { shapes: [[3, 4], [4, 2]] },
    { shapes: [[2, 3, 4], [2, 4, 5]] },
    { shapes: [[2, 1, 3, 4], [3, 4, 2]] },
    { shapes: [[1, 1], [1, 3]] },
  ],
});
