// The three convolution primitives. With cols = im2col(x) (prims/conv.ts) and groups of
// channels g (each group's filters see only its own input channels):
//
//   conv(x, W)           y[n, g]  = W[g] · cols[n, g]                 (the convolution)
//   convTranspose(ḡ, W)  x̄[n]     = col2im(W[g]ᵀ · ḡ[n, g])           (its adjoint in x)
//   convFilter(x, ḡ)     W̄[g]     = Σₙ ḡ[n, g] · cols[n, g]ᵀ          (its adjoint in W)
//
// All three are bilinear and are the three faces of one trilinear form ⟨conv(x, W), ḡ⟩, so each
// one's cotangents are the other two (as JAX's conv_general_dilated transposes to itself) and
// every order of derivative stays inside the family. Their kernels never hand the im2col matrix
// (kh·kw times the input) to the front end: the reference kernels below build it one image at
// a time, the Wasm backend in linear memory next to its GEMM (backend/wasm/conv.ts).

import { DTypeError, ShapeError, fmtShape } from "../core/errors.js";
import { isFloat } from "../core/dtype.js";
import { sizeOf } from "../core/shape.js";
import { bind } from "../autodiff/bind.js";
import { defineExternKernel } from "../backend/extern.js";
import type { Lowering } from "../backend/lazy.js";
import type { Tensor } from "../tensor/tensor.js";
import { col2imPlanes, im2colPlanes, type Window2d } from "./conv.js";
import { definePrimitive, erase, type Primitive } from "./define.js";
import { sumTangents } from "./elementwise-util.js";

/** A convolution's window and its channel groups (plain data: it keys the kernel cache). */
export type ConvParams = Window2d & { groups: number };

/** What the kernels are told: the window, the groups and the channel counts. */
export type ConvKernelParams = ConvParams & { n: number; cin: number; cout: number };

/** Channel counts per group and sizes: kg rows of the im2col matrix per group, L = oh·ow columns. */
function dims(p: ConvKernelParams) {
  const cg = p.cin / p.groups;
  const og = p.cout / p.groups;
  return { cg, og, kg: cg * p.kh * p.kw, L: p.oh * p.ow, hw: p.h * p.w };
}

// y[n, g·og + o, l] = Σ_r W[g·og + o, r] · cols[n, g][r, l]
defineExternKernel<ConvKernelParams>({
  name: "conv",
  host([x, w], out, p) {
    const { cg, og, kg, L, hw } = dims(p);
    const cols = new Float64Array(kg * L);
    const row = new Float64Array(L);
    for (let n = 0; n < p.n; n++)
      for (let g = 0; g < p.groups; g++) {
        im2colPlanes(x, (n * p.cin + g * cg) * hw, cg, p, cols, 0);
        for (let o = 0; o < og; o++) {
          row.fill(0);
          const wo = (g * og + o) * kg;
          for (let r = 0; r < kg; r++) {
            const a = w[wo + r];
            if (a === 0) continue;
            const c0 = r * L;
            for (let l = 0; l < L; l++) row[l] += a * cols[c0 + l];
          }
          out.set(row, (n * p.cout + g * og + o) * L);
        }
      }
  },
});

// x̄[n] = col2im over the groups of cols[r, l] = Σ_o W[g·og + o, r] · ḡ[n, g·og + o, l]
defineExternKernel<ConvKernelParams>({
  name: "convTranspose",
  host([gy, w], out, p) {
    const { cg, og, kg, L, hw } = dims(p);
    const cols = new Float64Array(kg * L);
    const image = new Float64Array(cg * hw);
    for (let n = 0; n < p.n; n++)
      for (let g = 0; g < p.groups; g++) {
        cols.fill(0);
        for (let o = 0; o < og; o++) {
          const wo = (g * og + o) * kg;
          const go = (n * p.cout + g * og + o) * L;
          for (let r = 0; r < kg; r++) {
            const a = w[wo + r];
            if (a === 0) continue;
            const c0 = r * L;
            for (let l = 0; l < L; l++) cols[c0 + l] += a * gy[go + l];
          }
        }
        image.fill(0);
        col2imPlanes(cols, 0, cg, p, image, 0);
        out.set(image, (n * p.cin + g * cg) * hw);
      }
  },
});

// W̄[g·og + o, r] = Σ_n Σ_l ḡ[n, g·og + o, l] · cols[n, g][r, l]
defineExternKernel<ConvKernelParams>({
  name: "convFilter",
  host([x, gy], out, p) {
    const { cg, og, kg, L, hw } = dims(p);
    const cols = new Float64Array(kg * L);
    const acc = new Float64Array(p.cout * kg);
    for (let n = 0; n < p.n; n++)
      for (let g = 0; g < p.groups; g++) {
        im2colPlanes(x, (n * p.cin + g * cg) * hw, cg, p, cols, 0);
        for (let o = 0; o < og; o++) {
          const go = (n * p.cout + g * og + o) * L;
          const ao = (g * og + o) * kg;
          for (let r = 0; r < kg; r++) {
            const c0 = r * L;
            let s = 0;
            for (let l = 0; l < L; l++) s += gy[go + l] * cols[c0 + l];
            acc[ao + r] += s;
          }
        }
      }
    out.set(acc);
  },
});

function run(prim: Primitive<ConvParams>, inputs: readonly Tensor[], params: ConvParams): Tensor {
  return bind(erase(prim), inputs, params);
}

function checkFloats(op: string, a: Tensor, b: Tensor): void {
  if (!isFloat(a.dtype) || a.dtype !== b.dtype)
    throw new DTypeError(`${op}: expected two floating-point tensors of one dtype, got ${a.dtype}${fmtShape(a.shape)} and ${b.dtype}${fmtShape(b.shape)}`);
}

/** Checks a 4-D [N, C, rows, cols] operand against the size the window expects; returns [N, C]. */
function checkImage(op: string, what: string, t: Tensor, h: number, w: number): [number, number] {
  if (t.ndim !== 4 || t.shape[2] !== h || t.shape[3] !== w)
    throw new ShapeError(`${op}: expected a 4-D [N, C, ${h}, ${w}] ${what}, got ${fmtShape(t.shape)}`);
  return [t.shape[0], t.shape[1]];
}

/** Checks a [Cout, Cin/groups, kh, kw] filter against the window and groups; returns Cout. */
function checkFilter(op: string, w: Tensor, p: ConvParams): number {
  if (!Number.isInteger(p.groups) || p.groups < 1) throw new ShapeError(`${op}: groups must be a positive integer, got ${p.groups}`);
  if (w.ndim !== 4 || w.shape[2] !== p.kh || w.shape[3] !== p.kw || w.shape[0] % p.groups !== 0)
    throw new ShapeError(`${op}: expected a [Cout, Cin/${p.groups}, ${p.kh}, ${p.kw}] filter with Cout divisible by ${p.groups}, got ${fmtShape(w.shape)}`);
  return w.shape[0];
}

function lower(be: Lowering, name: string, inputs: readonly Tensor[], dtype: Tensor["dtype"], size: number, params: ConvKernelParams) {
  return be.extern(name, inputs.map((t) => t._contiguous()._buf!), inputs.map((t) => t.dtype), dtype, size, params);
}

// y = conv(x, W): x̄ = convTranspose(ḡ, W), W̄ = convFilter(x, ḡ);  dy = conv(dx, W) + conv(x, dW)
export const conv: Primitive<ConvParams> = definePrimitive<ConvParams>({
  name: "conv",
  formula: { vjp: "x̄ = convTranspose(ḡ, W);  W̄ = convFilter(x, ḡ)", jvp: "dy = conv(dx, W) + conv(x, dW)" },
  kind: "compute",
  infer: ([x, w], p) => {
    checkFloats("conv", x, w);
    const cout = checkFilter("conv", w, p);
    const [n, cin] = checkImage("conv", "input", x, p.h, p.w);
    if (w.shape[1] * p.groups !== cin)
      throw new ShapeError(`conv: input ${fmtShape(x.shape)} has ${cin} channels but filter ${fmtShape(w.shape)} with groups ${p.groups} expects ${w.shape[1] * p.groups}`);
    return { shape: [n, cout, p.oh, p.ow], dtype: x.dtype };
  },
  kernel: (be, [x, w], p, out) => lower(be, "conv", [x, w], out.dtype, sizeOf(out.shape), { ...p, n: x.shape[0], cin: x.shape[1], cout: w.shape[0] }),
  vjp: (g, [x, w], { params, needs }) => [needs[0] ? run(convTranspose, [g, w], params) : undefined, needs[1] ? run(convFilter, [x, g], params) : undefined],
  jvp: ([x, w], [dx, dw], { params, out }) => sumTangents(out.shape, dx && run(conv, [dx, w], params), dw && run(conv, [x, dw], params)),
  cases: [
    { shapes: [[2, 4, 5, 6], [6, 2, 3, 2]], params: convWin(5, 6, 3, 2, 2, 1, 1, 0, 1, 2, 2) },
    { shapes: [[1, 3, 5, 5], [2, 3, 3, 3]], params: convWin(5, 5, 3, 3, 1, 1, 1, 1, 1, 1, 1) },
  ],
});

// x̄ = convTranspose(ḡ, W), linear in each: ḡ̄ = conv(c̄, W), W̄ = convFilter(c̄, ḡ);  dy = convTranspose(dḡ, W) + convTranspose(ḡ, dW)
export const convTranspose: Primitive<ConvParams> = definePrimitive<ConvParams>({
  name: "convTranspose",
  formula: { vjp: "ḡ_in = conv(ḡ, W);  W̄ = convFilter(ḡ, g_in)", jvp: "dy = convTranspose(dg, W) + convTranspose(g, dW)" },
  kind: "compute",
  infer: ([gy, w], p) => {
    checkFloats("convTranspose", gy, w);
    const cout = checkFilter("convTranspose", w, p);
    const [n, c] = checkImage("convTranspose", "input", gy, p.oh, p.ow);
    if (c !== cout) throw new ShapeError(`convTranspose: input ${fmtShape(gy.shape)} has ${c} channels but filter ${fmtShape(w.shape)} expects ${cout}`);
    return { shape: [n, w.shape[1] * p.groups, p.h, p.w], dtype: gy.dtype };
  },
  kernel: (be, [gy, w], p, out) =>
    lower(be, "convTranspose", [gy, w], out.dtype, sizeOf(out.shape), { ...p, n: gy.shape[0], cin: w.shape[1] * p.groups, cout: w.shape[0] }),
  vjp: (g, [gy, w], { params, needs }) => [needs[0] ? run(conv, [g, w], params) : undefined, needs[1] ? run(convFilter, [g, gy], params) : undefined],
  jvp: ([gy, w], [dg, dw], { params, out }) => sumTangents(out.shape, dg && run(convTranspose, [dg, w], params), dw && run(convTranspose, [gy, dw], params)),
  cases: [
    { shapes: [[2, 6, 3, 4], [6, 2, 3, 2]], params: convWin(5, 6, 3, 2, 2, 1, 1, 0, 1, 2, 2) },
    { shapes: [[1, 2, 5, 5], [2, 3, 3, 3]], params: convWin(5, 5, 3, 3, 1, 1, 1, 1, 1, 1, 1) },
  ],
});

// W̄ = convFilter(x, ḡ), linear in each: x̄ = convTranspose(ḡ, V̄), ḡ̄ = conv(x, V̄);  dy = convFilter(dx, ḡ) + convFilter(x, dḡ)
export const convFilter: Primitive<ConvParams> = definePrimitive<ConvParams>({
  name: "convFilter",
  formula: { vjp: "x̄ = convTranspose(g_in, ḡ);  ḡ_in = conv(x, ḡ)", jvp: "dy = convFilter(dx, g) + convFilter(x, dg)" },
  kind: "compute",
  infer: ([x, gy], p) => {
    checkFloats("convFilter", x, gy);
    const [n, cin] = checkImage("convFilter", "input", x, p.h, p.w);
    const [ng, cout] = checkImage("convFilter", "cotangent", gy, p.oh, p.ow);
    if (!Number.isInteger(p.groups) || p.groups < 1 || n !== ng || cin % p.groups !== 0 || cout % p.groups !== 0)
      throw new ShapeError(`convFilter: input ${fmtShape(x.shape)} and cotangent ${fmtShape(gy.shape)} need one batch size and channels divisible by groups ${p.groups}`);
    return { shape: [cout, cin / p.groups, p.kh, p.kw], dtype: x.dtype };
  },
  kernel: (be, [x, gy], p, out) => lower(be, "convFilter", [x, gy], out.dtype, sizeOf(out.shape), { ...p, n: x.shape[0], cin: x.shape[1], cout: gy.shape[1] }),
  vjp: (g, [x, gy], { params, needs }) => [needs[0] ? run(convTranspose, [gy, g], params) : undefined, needs[1] ? run(conv, [x, g], params) : undefined],
  jvp: ([x, gy], [dx, dg], { params, out }) => sumTangents(out.shape, dx && run(convFilter, [dx, gy], params), dg && run(convFilter, [x, dg], params)),
  cases: [
    { shapes: [[2, 4, 5, 6], [2, 6, 3, 4]], params: convWin(5, 6, 3, 2, 2, 1, 1, 0, 1, 2, 2) },
    { shapes: [[1, 3, 5, 5], [1, 2, 5, 5]], params: convWin(5, 5, 3, 3, 1, 1, 1, 1, 1, 1, 1) },
  ],
});

/** A window over an h×w image with `groups` channel groups (the grid size from the padding on both sides). */
function convWin(h: number, w: number, kh: number, kw: number, sh: number, sw: number, ph: number, pw: number, dh: number, dw: number, groups: number): ConvParams {
  return {
    h, w, kh, kw, sh, sw, ph, pw, dh, dw, groups,
    oh: Math.floor((h + 2 * ph - dh * (kh - 1) - 1) / sh) + 1,
    ow: Math.floor((w + 2 * pw - dw * (kw - 1) - 1) / sw) + 1,
  };
}

export const convolvePrimitives = { conv, convTranspose, convFilter };
