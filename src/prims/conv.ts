// Convolution and pooling primitives. A convolution is a GEMM over the im2col matrix: `im2col`
// copies every receptive field of an NCHW image into a column, so y = W · im2col(x) is one
// batched matmul (the fast SIMD GEMM on the Wasm backend) and both cotangents are GEMMs too —
// W̄ = ḡ · colsᵀ over the saved im2col matrix, x̄ = col2im(Wᵀ · ḡ). `im2col` and `col2im` are
// linear and each other's transposes, so their rules are each other and every order of
// derivative is again a GEMM plus one of the two. `maxPoolIndices` finds each window's argmax
// (int32, no derivative): values are gathered at it, so the gradient scatter-adds through it.
//
// The window geometry is explicit: image size [h, w], kernel, stride, dilation, the padding
// before each spatial axis, and the output grid size [oh, ow] (which then fixes the padding
// after, so "same" padding, PyTorch's ceil mode and transposed convolutions need no more).
// Positions outside the image read 0 (max pooling skips them).

import { DTypeError, ShapeError, fmtShape } from "../core/errors.js";
import { isFloat } from "../core/dtype.js";
import type { TypedArray } from "../core/dtype.js";
import { sizeOf } from "../core/shape.js";
import { bind } from "../autodiff/bind.js";
import { defineExternKernel } from "../backend/extern.js";
import type { Lowering } from "../backend/lazy.js";
import { tensor } from "../tensor/creation.js";
import type { Tensor } from "../tensor/tensor.js";
import type { Generator } from "../random/generator.js";
import { definePrimitive, erase, type Primitive } from "./define.js";

/** The window geometry shared by the primitives (plain data: it keys the kernel cache). */
export interface Window2d {
  readonly [key: string]: number;
  /** Image height and width. */
  h: number;
  w: number;
  /** Kernel height and width. */
  kh: number;
  kw: number;
  sh: number;
  sw: number;
  /** Padding before the first row / column. */
  ph: number;
  pw: number;
  dh: number;
  dw: number;
  /** Output grid height and width. */
  oh: number;
  ow: number;
}

/** For each output column index ow: the first and one-past-last ow whose input column lies inside [0, w). */
function validRange(n: number, size: number, stride: number, start: number): [number, number] {
  // input index = o·stride + start; valid when 0 ≤ index < size
  const lo = start >= 0 ? 0 : Math.ceil(-start / stride);
  const hi = start >= size ? 0 : Math.min(n, Math.floor((size - 1 - start) / stride) + 1);
  return [Math.min(lo, n), Math.max(Math.min(lo, n), hi)];
}

/**
 * Writes the im2col rows of `planes` consecutive image planes of `x` (from element `xOff`) to
 * `dst` from element `dOff`: row (c·kh + i)·kw + j, column oy·ow + ox holds
 * x[c, oy·sh − ph + i·dh, ox·sw − pw + j·dw] (0 outside the image). @internal
 */
export function im2colPlanes(x: ArrayLike<number>, xOff: number, planes: number, p: Window2d, dst: TypedArray | Float64Array, dOff: number): void {
  const { h: H, w: W, kh, kw, sh, sw, ph, pw, dh, dw, oh, ow } = p;
  let o = dOff;
  for (let c = 0; c < planes; c++) {
    const plane = xOff + c * H * W;
    for (let i = 0; i < kh; i++)
      for (let j = 0; j < kw; j++) {
        const x0 = j * dw - pw;
        const [lo, hi] = validRange(ow, W, sw, x0);
        for (let oy = 0; oy < oh; oy++) {
          const iy = oy * sh - ph + i * dh;
          if (iy < 0 || iy >= H || lo >= hi) {
            dst.fill(0, o, o + ow);
          } else {
            const row = plane + iy * W + x0;
            for (let ox = 0; ox < lo; ox++) dst[o + ox] = 0;
            if (sw === 1) for (let ox = lo; ox < hi; ox++) dst[o + ox] = x[row + ox];
            else for (let ox = lo; ox < hi; ox++) dst[o + ox] = x[row + ox * sw];
            for (let ox = hi; ox < ow; ox++) dst[o + ox] = 0;
          }
          o += ow;
        }
      }
  }
}

/** Adds the im2col rows of `planes` planes, read from `cols` at `cOff`, back into the image planes of `out` at `oOff` (im2colPlanes' transpose). @internal */
export function col2imPlanes(cols: ArrayLike<number>, cOff: number, planes: number, p: Window2d, out: TypedArray | Float64Array, oOff: number): void {
  const { h: H, w: W, kh, kw, sh, sw, ph, pw, dh, dw, oh, ow } = p;
  let o = cOff;
  for (let c = 0; c < planes; c++) {
    const plane = oOff + c * H * W;
    for (let i = 0; i < kh; i++)
      for (let j = 0; j < kw; j++) {
        const x0 = j * dw - pw;
        const [lo, hi] = validRange(ow, W, sw, x0);
        for (let oy = 0; oy < oh; oy++) {
          const iy = oy * sh - ph + i * dh;
          if (iy >= 0 && iy < H && lo < hi) {
            const row = plane + iy * W + x0;
            if (sw === 1) for (let ox = lo; ox < hi; ox++) out[row + ox] += cols[o + ox];
            else for (let ox = lo; ox < hi; ox++) out[row + ox * sw] += cols[o + ox];
          }
          o += ow;
        }
      }
  }
}

// cols[n, (c·kh + i)·kw + j, oy·ow + ox] = x[n, c, oy·sh − ph + i·dh, ox·sw − pw + j·dw]
defineExternKernel<Window2d & { n: number; c: number }>({
  name: "im2col",
  host([x], out, p) {
    im2colPlanes(x, 0, p.n * p.c, p, out, 0);
  },
});

// x[n, c, y, x] = Σ over the window positions that read it of cols[n, row, col] (im2col's transpose)
defineExternKernel<Window2d & { n: number; c: number }>({
  name: "col2im",
  host([cols], out, p) {
    out.fill(0);
    col2imPlanes(cols, 0, p.n * p.c, p, out, 0);
  },
});

// idx[n, c, oy, ox] = argmax over the window (flat y·w + x; padding never wins; first of ties; NaN wins)
defineExternKernel<Window2d & { n: number; c: number }>({
  name: "maxPoolIndices",
  host([x], out, p) {
    const { n: N, c: C, h: H, w: W, kh, kw, sh, sw, ph, pw, dh, dw, oh, ow } = p;
    let o = 0;
    for (let plane = 0; plane < N * C; plane++) {
      const base = plane * H * W;
      for (let oy = 0; oy < oh; oy++)
        for (let ox = 0; ox < ow; ox++) {
          let best = -1;
          let bv = -Infinity;
          for (let i = 0; i < kh; i++) {
            const iy = oy * sh - ph + i * dh;
            if (iy < 0 || iy >= H) continue;
            for (let j = 0; j < kw; j++) {
              const ix = ox * sw - pw + j * dw;
              if (ix < 0 || ix >= W) continue;
              const v = x[base + iy * W + ix];
              if (best < 0 || v > bv || (v !== v && bv === bv)) {
                best = iy * W + ix;
                bv = v;
              }
            }
          }
          // a window without any image position (only with dilation) reads position 0; PyTorch gives −∞
          out[o++] = best < 0 ? 0 : best;
        }
    }
  },
});

function run<P>(prim: Primitive<P>, inputs: readonly Tensor[], params: P): Tensor {
  return bind(erase(prim), inputs, params);
}

/** Checks an NCHW operand and the geometry; returns [N, C]. */
function checkImage(op: string, x: Tensor, p: Window2d): [number, number] {
  if (x.ndim !== 4) throw new ShapeError(`${op}: expected a 4-D [N, C, H, W] input, got ${fmtShape(x.shape)}`);
  if (x.shape[2] !== p.h || x.shape[3] !== p.w)
    throw new ShapeError(`${op}: input ${fmtShape(x.shape)} does not have the window's image size [${p.h}, ${p.w}]`);
  return [x.shape[0], x.shape[1]];
}

function checkFloat(op: string, x: Tensor): void {
  if (!isFloat(x.dtype)) throw new DTypeError(`${op}: expected a floating-point tensor, got ${x.dtype}${fmtShape(x.shape)}`);
}

function lowerExtern(be: Lowering, name: string, x: Tensor, dtype: Tensor["dtype"], size: number, params: Window2d & { n: number; c: number }) {
  return be.extern(name, [x._contiguous()._buf!], [x.dtype], dtype, size, params);
}

// cols = im2col(x): x̄ = col2im(ḡ);  dcols = im2col(dx)
export const im2col: Primitive<Window2d> = definePrimitive<Window2d>({
  name: "im2col",
  formula: { vjp: "x̄ = col2im(ḡ)", jvp: "dy = im2col(dx)" },
  kind: "compute",
  infer: ([x], p) => {
    checkFloat("im2col", x);
    const [n, c] = checkImage("im2col", x, p);
    return { shape: [n, c * p.kh * p.kw, p.oh * p.ow], dtype: x.dtype };
  },
  kernel: (be, [x], p, out) => lowerExtern(be, "im2col", x, out.dtype, sizeOf(out.shape), { ...p, n: x.shape[0], c: x.shape[1] }),
  vjp: (g, _x, { params }) => [run(col2im, [g], params)],
  jvp: (_x, [dx], { params }) => dx && run(im2col, [dx], params),
  cases: [
    { shapes: [[2, 2, 4, 5]], params: win(4, 5, 3, 2, 1, 1, 1, 0, 1, 1) },
    { shapes: [[1, 3, 5, 5]], params: win(5, 5, 3, 3, 2, 2, 1, 1, 2, 1) },
  ],
});

// x = col2im(cols): c̄ols = im2col(ḡ);  dx = col2im(dcols)
export const col2im: Primitive<Window2d> = definePrimitive<Window2d>({
  name: "col2im",
  formula: { vjp: "c̄ols = im2col(ḡ)", jvp: "dy = col2im(dcols)" },
  kind: "compute",
  infer: ([cols], p) => {
    checkFloat("col2im", cols);
    const k = p.kh * p.kw;
    if (cols.ndim !== 3 || cols.shape[1] % k !== 0 || cols.shape[2] !== p.oh * p.ow)
      throw new ShapeError(`col2im: expected [N, C·${k}, ${p.oh * p.ow}] columns, got ${fmtShape(cols.shape)}`);
    return { shape: [cols.shape[0], cols.shape[1] / k, p.h, p.w], dtype: cols.dtype };
  },
  kernel: (be, [cols], p, out) =>
    lowerExtern(be, "col2im", cols, out.dtype, sizeOf(out.shape), { ...p, n: cols.shape[0], c: cols.shape[1] / (p.kh * p.kw) }),
  vjp: (g, _c, { params }) => [run(im2col, [g], params)],
  jvp: (_c, [dc], { params }) => dc && run(col2im, [dc], params),
  cases: [
    { shapes: [[2, 2 * 6, 4 * 4]], params: win(4, 5, 3, 2, 1, 1, 1, 0, 1, 1) },
    { shapes: [[1, 3 * 9, 2 * 3]], params: win(5, 5, 3, 3, 2, 2, 1, 1, 2, 1) },
  ],
});

// idx = argmax of each window (int32 flat positions y·w + x); indices carry no derivative
export const maxPoolIndices = definePrimitive<Window2d>({
  name: "maxPoolIndices",
  formula: { vjp: "none (index)" },
  kind: "compute",
  infer: ([x], p) => {
    if (x.dtype === "bool") throw new DTypeError(`maxPoolIndices: bool input is not supported: ${fmtShape(x.shape)}`);
    const [n, c] = checkImage("maxPoolIndices", x, p);
    return { shape: [n, c, p.oh, p.ow], dtype: "int32" };
  },
  kernel: (be, [x], p, out) => lowerExtern(be, "maxPoolIndices", x, "int32", sizeOf(out.shape), { ...p, n: x.shape[0], c: x.shape[1] }),
  vjp: null,
  jvp: null,
  cases: [{ make: (gen) => [randF64(gen, [2, 2, 5, 5])], params: win(5, 5, 2, 2, 2, 2, 0, 0, 1, 1, 3, 3) }],
});

/** A window over an h×w image; the grid size defaults to the one the padding (both sides) gives. */
function win(h: number, w: number, kh: number, kw: number, sh: number, sw: number, ph: number, pw: number, dh: number, dw: number, oh?: number, ow?: number): Window2d {
  return {
    h, w, kh, kw, sh, sw, ph, pw, dh, dw,
    oh: oh ?? Math.floor((h + 2 * ph - dh * (kh - 1) - 1) / sh) + 1,
    ow: ow ?? Math.floor((w + 2 * pw - dw * (kw - 1) - 1) / sw) + 1,
  };
}

function randF64(gen: Generator, shape: number[]): Tensor {
  const d = new Float64Array(sizeOf(shape)).map(() => gen.uniform() * 4 - 2);
  return tensor(d as TypedArray, { dtype: "float64", shape });
}

export const convPrimitives = { im2col, col2im, maxPoolIndices };
