// Gaussian-splat rasterisation as one primitive: N 2-D Gaussians (means μ [N,2], low-pass-filtered
// screen covariances Σ′ = (a, b, c) [N,3], colours [N,K], opacities [N], depths [N]) composited
// front to back onto an [H, W, K] image by the extern kernels of ../splat/kernels.ts (the
// definition and the derivatives are written out there). Its VJP is a second primitive that
// computes every cotangent in one pass, packed [N, 6 + K]; its JVP a third. Depths only order
// the Gaussians: they get no derivative. The two helpers are not differentiable themselves (no
// second order through the rasteriser).
//
// Kernels: float64 inputs run the reference loops (the table walk checks them against central
// differences), float32 inputs the tiled fast path (the backend walk checks it against float64).

import { ArgumentError, DTypeError, ShapeError, fmtShape } from "../core/errors.js";
import { isFloat } from "../core/dtype.js";
import { sizeOf } from "../core/shape.js";
import { defineExternKernel } from "../backend/extern.js";
import type { Lowering } from "../backend/lazy.js";
import { bind } from "../autodiff/bind.js";
import { tensor } from "../tensor/creation.js";
import type { Tensor } from "../tensor/tensor.js";
import { rasterBackward, rasterForward, rasterTangent, type RasterDims } from "../splat/kernels.js";
import { definePrimitive, erase, type Case } from "./define.js";
import * as T from "./exact.js";

/** Image size and the colour behind the Gaussians (one value per channel). */
export interface RasterParams {
  height: number;
  width: number;
  background: readonly number[];
}

type RP = { height: number; width: number; background: readonly number[] };

const dimsOf = (p: RP, n: number, k: number): RasterDims => ({ n, k, height: p.height, width: p.width, background: p.background });

defineExternKernel<RP>({
  name: "splatRasterize",
  host: ([m, s, c, o, d], out, p, dtypes) => rasterForward(dtypes[0] === "float32", m, s, c, o, d, dimsOf(p, o.length, p.background.length), out),
});
defineExternKernel<RP>({
  name: "splatRasterizeVjp",
  host: ([m, s, c, o, d, g], out, p, dtypes) => rasterBackward(dtypes[0] === "float32", m, s, c, o, d, g, dimsOf(p, o.length, p.background.length), out),
});
defineExternKernel<RP>({
  name: "splatRasterizeJvp",
  host: ([m, s, c, o, d, dm, ds, dc, dop], out, p) => rasterTangent(m, s, c, o, d, dm, ds, dc, dop, dimsOf(p, o.length, p.background.length), out),
});

const NAMES = ["means", "covs", "colors", "opacities", "depths"] as const;

/** Checks the five inputs against each other and the parameters; gives N and K. */
function checkInputs(op: string, inputs: readonly Tensor[], p: RP, extra: number): { n: number; k: number } {
  if (inputs.length !== 5 + extra) throw new ArgumentError(`${op}: expected ${5 + extra} inputs, got ${inputs.length}`);
  const dtype = inputs[0].dtype;
  inputs.forEach((x, i) => {
    if (!isFloat(x.dtype) || x.dtype !== dtype)
      throw new DTypeError(`${op}: every input must share one floating-point dtype; ${NAMES[i % 5] ?? `input ${i}`} is ${x.dtype}${fmtShape(x.shape)}, means ${dtype}`);
  });
  const [m, s, c, o, d] = inputs;
  const n = o.shape[0];
  const k = c.shape[1];
  const ok = m.ndim === 2 && m.shape[1] === 2 && m.shape[0] === n && s.ndim === 2 && s.shape[1] === 3 && s.shape[0] === n
    && c.ndim === 2 && c.shape[0] === n && o.ndim === 1 && d.ndim === 1 && d.shape[0] === n;
  if (!ok)
    throw new ShapeError(`${op}: expected means [N,2], covs [N,3], colors [N,K], opacities [N], depths [N]; got ${inputs.slice(0, 5).map((x) => fmtShape(x.shape)).join(", ")}`);
  if (k !== p.background.length) throw new ShapeError(`${op}: background has ${p.background.length} channels but colors ${fmtShape(c.shape)} have ${k}`);
  if (!(Number.isInteger(p.height) && p.height > 0 && Number.isInteger(p.width) && p.width > 0))
    throw new ArgumentError(`${op}: height and width must be positive integers, got ${p.height}×${p.width}`);
  return { n, k };
}

const flat = (x: Tensor) => x._contiguous()._buf!;

/** Random but well-conditioned inputs for the table walks: a few Gaussians on an 8×8 image. */
function makeCase(n: number, k: number) {
  return (gen: import("../random/generator.js").Generator): Tensor[] => {
    const u = (lo: number, hi: number, count: number) => Array.from({ length: count }, () => lo + (hi - lo) * gen.uniform());
    const means = u(1.5, 6.5, 2 * n);
    const ang = u(0, Math.PI, n), s1 = u(1.2, 2.5, n), s2 = u(0.8, 1.8, n);
    const covs: number[] = [];
    for (let g = 0; g < n; g++) {
      const cs = Math.cos(ang[g]), sn = Math.sin(ang[g]);
      const l1 = s1[g] ** 2, l2 = s2[g] ** 2;
      covs.push(cs * cs * l1 + sn * sn * l2, cs * sn * (l1 - l2), sn * sn * l1 + cs * cs * l2);
    }
    const f = (v: number[], shape: number[]) => tensor(v, { dtype: "float64", shape });
    return [f(means, [n, 2]), f(covs, [n, 3]), f(u(0, 1, n * k), [n, k]), f(u(0.2, 0.8, n), [n]), f(u(1, 5, n), [n])];
  };
}

const cases: [Case<RP>, ...Case<RP>[]] = [
  { make: makeCase(3, 3), params: { height: 8, width: 8, background: [0, 0, 0] }, wrt: [0, 1, 2, 3], smooth: false },
  { make: makeCase(4, 3), params: { height: 8, width: 6, background: [0.2, 0.5, 1] }, wrt: [0, 1, 2, 3], smooth: false },
  { make: makeCase(2, 1), params: { height: 5, width: 7, background: [0.3] }, wrt: [0, 1, 2, 3], smooth: false },
];

// ḡ ↦ (μ̄, Σ̄′, c̄, ō) in one pass, packed [N, 6 + K]
export const rasterizeVjp = definePrimitive<RP>({
  name: "rasterizeVjp",
  formula: { vjp: "none (the rasteriser's pull-back; no second order)" },
  kind: "compute",
  infer: (inputs, p) => {
    const { n, k } = checkInputs("rasterizeVjp", inputs, p, 1);
    const g = inputs[5];
    if (g.ndim !== 3 || g.shape[0] !== p.height || g.shape[1] !== p.width || g.shape[2] !== k)
      throw new ShapeError(`rasterizeVjp: cotangent ${fmtShape(g.shape)} is not the image's [${p.height},${p.width},${k}]`);
    return { shape: [n, 6 + k], dtype: inputs[0].dtype };
  },
  kernel: (be: Lowering, inputs, p, out) =>
    be.extern("splatRasterizeVjp", inputs.map(flat), inputs.map((t) => t.dtype), out.dtype, sizeOf(out.shape), { height: p.height, width: p.width, background: [...p.background] }),
  vjp: null,
  jvp: null,
  cases: [{ make: (gen) => [...makeCase(3, 3)(gen), tensor(Array.from({ length: 8 * 8 * 3 }, () => gen.uniform() - 0.5), { dtype: "float64", shape: [8, 8, 3] })], params: { height: 8, width: 8, background: [0, 0, 0] } }],
});

// (dμ, dΣ′, dc, do) ↦ dC
export const rasterizeJvp = definePrimitive<RP>({
  name: "rasterizeJvp",
  formula: { vjp: "none (the rasteriser's push-forward; no second order)" },
  kind: "compute",
  infer: (inputs, p) => {
    const { k } = checkInputs("rasterizeJvp", inputs, p, 4);
    for (let i = 0; i < 4; i++)
      if (inputs[5 + i].shape.join() !== inputs[i].shape.join())
        throw new ShapeError(`rasterizeJvp: tangent ${fmtShape(inputs[5 + i].shape)} does not match ${NAMES[i]} ${fmtShape(inputs[i].shape)}`);
    return { shape: [p.height, p.width, k], dtype: inputs[0].dtype };
  },
  kernel: (be: Lowering, inputs, p, out) =>
    be.extern("splatRasterizeJvp", inputs.map(flat), inputs.map((t) => t.dtype), out.dtype, sizeOf(out.shape), { height: p.height, width: p.width, background: [...p.background] }),
  vjp: null,
  jvp: null,
  cases: [{ make: (gen) => { const xs = makeCase(3, 3)(gen); return [...xs, ...xs.slice(0, 4).map((x) => tensor(Float64Array.from(x.data(), (v) => 0.1 * v), { dtype: "float64", shape: x.shape }))]; }, params: { height: 8, width: 8, background: [0, 0, 0] } }],
});

// C = composite(μ, Σ′, c, o; depth order);  (μ̄, Σ̄′, c̄, ō) = rasterizeVjp(…, ḡ);  dC = rasterizeJvp(…, dμ, dΣ′, dc, do)
export const rasterize = definePrimitive<RP>({
  name: "rasterize",
  formula: {
    vjp: "(μ̄, Σ̄′, c̄, ō) = Σ_pixels ḡ·∂C/∂(μ, Σ′, c, o), back to front (depths: none)",
    jvp: "dC = Σ_pixels ∂C/∂(μ, Σ′, c, o)·(dμ, dΣ′, dc, do), front to back",
  },
  kind: "compute",
  infer: (inputs, p) => {
    const { k } = checkInputs("rasterize", inputs, p, 0);
    return { shape: [p.height, p.width, k], dtype: inputs[0].dtype };
  },
  kernel: (be: Lowering, inputs, p, out) =>
    be.extern("splatRasterize", inputs.map(flat), inputs.map((t) => t.dtype), out.dtype, sizeOf(out.shape), { height: p.height, width: p.width, background: [...p.background] }),
  vjp: (g, inputs, { params }) => {
    const k = inputs[2].shape[1];
    const n = inputs[3].shape[0];
    const packed = bind(erase(rasterizeVjp), [...inputs, g], params);
    const col = (start: number, count: number) => T.slice(packed, [0, start], [n, count], [1, 1]);
    return [col(0, 2), col(2, 3), col(5, k), T.reshape(col(5 + k, 1), [n]), undefined];
  },
  jvp: (inputs, tangents, { params }) => {
    if (!tangents.slice(0, 4).some((t) => t)) return undefined;
    const ts = inputs.slice(0, 4).map((x, i) => tangents[i] ?? T.zerosLike(x));
    return bind(erase(rasterizeJvp), [...inputs, ...ts], params);
  },
  cases,
});

export const rasterizePrimitives = { rasterize, rasterizeVjp, rasterizeJvp };
