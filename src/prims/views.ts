// View primitives: the output shares the input's buffer under new strides and offset, so no
// kernel runs and backends never see them. Each rule is the inverse layout change.

import { ShapeError, fmtShape } from "../core/errors.js";
import { broadcastStrides, contiguousStrides, sizeOf } from "../core/shape.js";
import type { Tensor } from "../tensor/tensor.js";
import { definePrimitive } from "./define.js";
import * as T from "./exact.js";

/** True when the view is row-major (any offset), ignoring size-1 dims. */
function rowMajor(t: Tensor): boolean {
  let acc = 1;
  for (let i = t.shape.length - 1; i >= 0; i--) {
    if (t.shape[i] !== 1 && t._strides[i] !== acc) return false;
    acc *= t.shape[i];
  }
  return true;
}

// reshape: x̄ = reshape(ȳ, shape(x)); dy = reshape(dx)
export const reshape = definePrimitive<{ shape: readonly number[] }>({
  name: "reshape",
  formula: { vjp: "x̄ = reshape(ḡ, shape(x))", jvp: "dy = reshape(dx)" },
  kind: "view",
  infer: ([x], { shape }) => {
    if (sizeOf(shape) !== x.size)
      throw new ShapeError(`reshape: cannot reshape a tensor of shape ${fmtShape(x.shape)} (${x.size} elements) to ${fmtShape(shape)} (${sizeOf(shape)} elements)`);
    return { shape: [...shape], dtype: x.dtype };
  },
  view: (x, _p, out) => (rowMajor(x) ? { strides: contiguousStrides(out.shape), offset: x._offset } : null),
  vjp: (g, [x]) => [T.reshape(g, x.shape)],
  jvp: (_x, [dx], { params }) => dx && T.reshape(dx, params.shape),
  cases: [{ shapes: [[3, 4]], params: { shape: [2, 6] } }, { shapes: [[2, 3, 2]], params: { shape: [12] } }],
});

// permute: x̄ = permute(ȳ, axes⁻¹)
export const permute = definePrimitive<{ axes: readonly number[] }>({
  name: "permute",
  formula: { vjp: "x̄ = permute(ḡ, axes⁻¹)", jvp: "dy = permute(dx, axes)" },
  kind: "view",
  infer: ([x], { axes }) => ({ shape: axes.map((a) => x.shape[a]), dtype: x.dtype }),
  view: (x, { axes }) => ({ strides: axes.map((a) => x._strides[a]), offset: x._offset }),
  vjp: (g, _x, { params }) => {
    const inv = new Array<number>(params.axes.length);
    params.axes.forEach((a, i) => (inv[a] = i));
    return [T.permute(g, inv)];
  },
  jvp: (_x, [dx], { params }) => dx && T.permute(dx, params.axes),
  cases: [{ shapes: [[3, 4]], params: { axes: [1, 0] } }, { shapes: [[2, 3, 4]], params: { axes: [2, 0, 1] } }],
});

// expand (broadcastTo): x̄ = sum of ȳ over the broadcast dims
export const expand = definePrimitive<{ shape: readonly number[] }>({
  name: "expand",
  formula: { vjp: "x̄ = sum of ḡ over broadcast axes", jvp: "dy = expand(dx)" },
  kind: "view",
  infer: ([x], { shape }) => {
    const off = shape.length - x.shape.length;
    const bad = off < 0 || x.shape.some((d, i) => d !== 1 && d !== shape[off + i]);
    if (bad) throw new ShapeError(`broadcastTo: cannot broadcast a tensor of shape ${fmtShape(x.shape)} to ${fmtShape(shape)}`);
    return { shape: [...shape], dtype: x.dtype };
  },
  view: (x, _p, out) => ({ strides: broadcastStrides(x.shape, x._strides, out.shape), offset: x._offset }),
  vjp: (g, [x]) => [T.unbroadcast(g, x.shape)],
  jvp: (_x, [dx], { params }) => dx && T.broadcastTo(dx, params.shape),
  cases: [{ shapes: [[3, 1]], params: { shape: [3, 4] } }, { shapes: [[4]], params: { shape: [2, 3, 4] } }],
});

export interface SliceParams {
  /** Per axis: first index, number of elements taken, and step (may be negative). */
  starts: readonly number[];
  counts: readonly number[];
  steps: readonly number[];
}

// slice: x̄ = ȳ scattered back into zeros at the sliced positions; dy = slice(dx)
export const slice = definePrimitive<SliceParams>({
  name: "slice",
  formula: { vjp: "x̄ = ḡ placed in zeros at the slice", jvp: "dy = slice(dx)" },
  kind: "view",
  infer: ([x], { counts }) => ({ shape: [...counts], dtype: x.dtype }),
  view: (x, { starts, steps }) => {
    let offset = x._offset;
    for (let i = 0; i < starts.length; i++) offset += starts[i] * x._strides[i];
    return { strides: x._strides.map((s, i) => s * steps[i]), offset };
  },
  vjp: (g, [x], { params }) => [sliceGrad(g, x.shape, params)],
  jvp: (_x, [dx], { params }) => dx && T.slice(dx, params.starts, params.counts, params.steps),
  cases: [
    { shapes: [[5, 4]], params: { starts: [1, 0], counts: [3, 4], steps: [1, 1] } },
    { shapes: [[6, 5]], params: { starts: [0, 4], counts: [3, 3], steps: [2, -2] } },
  ],
});

/**
 * The cotangent of a slice: `g` placed at the sliced positions of zeros(xShape). Built from
 * pad, reshape and slice (so it is itself differentiable): along an axis with step s, each
 * element is followed by s − 1 zeros, then the block is shifted to its start.
 */
function sliceGrad(g: Tensor, xShape: readonly number[], p: SliceParams): Tensor {
  let out = g;
  for (let i = 0; i < xShape.length; i++) {
    const n = p.counts[i];
    const size = xShape[i];
    let step = p.steps[i];
    let start = p.starts[i];
    if (n === size && step === 1) continue;
    if (n === 0) return T.zeros(xShape, g.dtype);
    if (step < 0) {
      // reverse the axis so the step is positive, starting from the lowest index taken
      out = T.slice(out, out.shape.map((_, j) => (j === i ? n - 1 : 0)), out.shape, out.shape.map((_, j) => (j === i ? -1 : 1)));
      start = start + (n - 1) * step;
      step = -step;
    }
    if (step > 1) {
      const sh = out.shape;
      // a new axis after i, padded with step − 1 zeros, then merged into axis i
      const spread = T.pad(T.reshape(out, [...sh.slice(0, i + 1), 1, ...sh.slice(i + 1)]), [...sh, 1].map(() => 0), [...sh, 1].map((_, j) => (j === i + 1 ? step - 1 : 0)));
      const merged = T.reshape(spread, [...sh.slice(0, i), n * step, ...sh.slice(i + 1)]);
      out = T.slice(merged, merged.shape.map(() => 0), merged.shape.map((d, j) => (j === i ? (n - 1) * step + 1 : d)), merged.shape.map(() => 1));
    }
    const span = (n - 1) * step + 1;
    out = T.pad(out, out.shape.map((_, j) => (j === i ? start : 0)), out.shape.map((_, j) => (j === i ? size - start - span : 0)));
  }
  return out;
}

export const viewPrimitives = { reshape, permute, expand, slice };
