// The splat rasteriser: the tiled fast path against the reference loops, and both against the
// same image composited by ordinary tensor operations (values and gradients of every input).
// The primitive's JVP and VJP against central differences run in the table walk
// (test/primitives.test.ts, cases of src/prims/rasterize.ts).

import { test } from "node:test";
import assert from "node:assert/strict";
import * as tg from "../src/index.js";
import { rasterBackward, rasterForward, type RasterDims } from "../src/splat/kernels.js";

function scene(n: number, H: number, W: number, seed: number) {
  const gen = tg.random.generator(seed);
  const u = (lo: number, hi: number) => lo + (hi - lo) * gen.uniform();
  const means = new Float64Array(2 * n), covs = new Float64Array(3 * n), colors = new Float64Array(3 * n);
  const opac = new Float64Array(n), depths = new Float64Array(n);
  for (let g = 0; g < n; g++) {
    means[2 * g] = u(-4, W + 4);
    means[2 * g + 1] = u(-4, H + 4);
    const th = u(0, Math.PI), a = u(0.5, 6) ** 2, b = u(0.5, 4) ** 2, c = Math.cos(th), s = Math.sin(th);
    covs.set([c * c * a + s * s * b + 0.3, c * s * (a - b), s * s * a + c * c * b + 0.3], 3 * g);
    for (let k = 0; k < 3; k++) colors[3 * g + k] = u(0, 1);
    opac[g] = u(0.05, 1);
    depths[g] = u(0, 10);
  }
  return { means, covs, colors, opac, depths };
}

test("the tiled fast path and the reference loops agree (forward and backward)", () => {
  for (const [n, H, W, seed] of [[60, 37, 41, 1], [200, 32, 48, 2], [5, 16, 16, 3]] as const) {
    const s = scene(n, H, W, seed);
    const dims: RasterDims = { n, k: 3, height: H, width: W, background: [0.1, 0.2, 0.3] };
    const ref = new Float64Array(H * W * 3), fast = new Float64Array(H * W * 3);
    rasterForward(false, s.means, s.covs, s.colors, s.opac, s.depths, dims, ref);
    rasterForward(true, s.means, s.covs, s.colors, s.opac, s.depths, dims, fast);
    assert.ok(ref.some((v, i) => Math.abs(v - [0.1, 0.2, 0.3][i % 3]) > 0.05), "the scene draws something");
    for (let i = 0; i < ref.length; i++) assert.ok(Math.abs(ref[i] - fast[i]) < 1e-12, `forward ${i}: ${ref[i]} vs ${fast[i]}`);
    const gen = tg.random.generator(seed + 10);
    const gimg = Float64Array.from({ length: H * W * 3 }, () => gen.uniform() - 0.5);
    const gr = new Float64Array(n * 9), gf = new Float64Array(n * 9);
    rasterBackward(false, s.means, s.covs, s.colors, s.opac, s.depths, gimg, dims, gr);
    rasterBackward(true, s.means, s.covs, s.colors, s.opac, s.depths, gimg, dims, gf);
    assert.ok(gr.some((v) => Math.abs(v) > 1e-3));
    for (let i = 0; i < gr.length; i++) assert.ok(Math.abs(gr[i] - gf[i]) < 1e-9 * (1 + Math.abs(gr[i])), `backward ${i}: ${gr[i]} vs ${gf[i]}`);
    // the fast backward pass above reused the forward pass's contributor lists; after a forward
    // pass of other inputs (one opacity changed), it composites again and must agree as well
    const other = { ...s, opac: Float64Array.from(s.opac, (o, g) => (g === 0 ? o * 0.5 : o)) };
    rasterForward(true, other.means, other.covs, other.colors, other.opac, other.depths, dims, fast);
    const gc = new Float64Array(n * 9);
    rasterBackward(true, s.means, s.covs, s.colors, s.opac, s.depths, gimg, dims, gc);
    for (let i = 0; i < gr.length; i++) assert.ok(Math.abs(gr[i] - gc[i]) < 1e-9 * (1 + Math.abs(gr[i])), `backward without the forward's lists ${i}: ${gr[i]} vs ${gc[i]}`);
  }
});

test("tiles no Gaussian reaches show the background on both paths", () => {
  const n = 1, H = 40, W = 50;
  const dims: RasterDims = { n, k: 3, height: H, width: W, background: [0.2, 0.4, 0.6] };
  const args = [Float64Array.from([5, 5]), Float64Array.from([2, 0, 2]), Float64Array.from([1, 0, 0]), Float64Array.from([0.8]), Float64Array.from([1])] as const;
  for (const fast of [false, true]) {
    const out = new Float64Array(H * W * 3).fill(NaN);
    rasterForward(fast, ...args, dims, out);
    const far = ((H - 1) * W + (W - 1)) * 3;
    assert.deepEqual([out[far], out[far + 1], out[far + 2]], [0.2, 0.4, 0.6], `fast=${fast}`);
    assert.ok(out.every(Number.isFinite), `every pixel written (fast=${fast})`);
    assert.ok(out[(5 * W + 5) * 3] > 0.5);
  }
});

test("float32 tensors (fast path) and float64 tensors (reference) render the same image", () => {
  const n = 80, H = 40, W = 36;
  const s = scene(n, H, W, 7);
  const t = (v: Float64Array, shape: number[], dtype: "float32" | "float64") => tg.tensor(v, { shape, dtype });
  const render = (dtype: "float32" | "float64") =>
    tg.splat.rasterize(t(s.means, [n, 2], dtype), t(s.covs, [n, 3], dtype), t(s.colors, [n, 3], dtype), t(s.opac, [n], dtype), t(s.depths, [n], dtype), { height: H, width: W, lowPass: 0 });
  const a = render("float64").data(), b = render("float32").data();
  for (let i = 0; i < a.length; i++) assert.ok(Math.abs(a[i] - b[i]) < 1e-4, `${i}: ${a[i]} vs ${b[i]}`);
});

// The same compositing written with tensor operations, for Gaussians whose 3σ squares cover the
// whole (small) image and whose alphas stay inside (1/255, 0.99) and transmittance above 1e-4,
// so none of the rasteriser's cut-offs applies.
function composite(means: tg.Tensor, logScales: tg.Tensor, angles: tg.Tensor, colors: tg.Tensor, opac: tg.Tensor, H: number, W: number, lowPass: number): tg.Tensor {
  const covs = tg.splat.covariance2d(logScales, angles).add(tg.tensor([lowPass, 0, lowPass], { dtype: "float64" }));
  const n = means.shape[0];
  const px: number[] = [], py: number[] = [];
  for (let i = 0; i < H; i++) for (let j = 0; j < W; j++) (px.push(j + 0.5), py.push(i + 0.5));
  const X = tg.tensor(px, { dtype: "float64" }), Y = tg.tensor(py, { dtype: "float64" });
  let T: tg.Tensor = tg.ones([H * W], "float64");
  let C: tg.Tensor = tg.zeros([H * W, 3], "float64");
  for (let g = 0; g < n; g++) {
    const a = covs.slice(g, 0), b = covs.slice(g, 1), c = covs.slice(g, 2);
    const det = a.mul(c).sub(b.mul(b));
    const dx = X.sub(means.slice(g, 0)), dy = Y.sub(means.slice(g, 1));
    const power = dx.square().mul(c).add(dy.square().mul(a)).sub(dx.mul(dy).mul(b).mul(2)).div(det).mul(-0.5);
    const alpha = power.exp().mul(opac.slice(g));
    C = C.add(alpha.mul(T).unsqueeze(1).mul(colors.slice(g)));
    T = T.mul(alpha.neg().add(1));
  }
  return C.reshape([H, W, 3]);
}

test("rasterize equals compositing by tensor operations, values and gradients of every parameter", () => {
  const H = 8, W = 8;
  const f = (v: number[], shape: number[]) => tg.tensor(v, { shape, dtype: "float64" });
  const means = f([3.1, 4.2, 5.3, 2.7, 4.6, 5.9], [3, 2]);
  const logScales = f([Math.log(4), Math.log(3), Math.log(3.5), Math.log(4.5), Math.log(5), Math.log(3.2)], [3, 2]);
  const angles = f([0.3, 1.2, 2.5], [3]);
  const colors = f([0.9, 0.2, 0.1, 0.1, 0.8, 0.3, 0.2, 0.3, 0.9], [3, 3]);
  const opac = f([0.6, 0.5, 0.7], [3]);
  const viaPrim = (m: tg.Tensor, s: tg.Tensor, a: tg.Tensor, c: tg.Tensor, o: tg.Tensor) =>
    tg.splat.rasterize(m, tg.splat.covariance2d(s, a), c, o, null, { height: H, width: W });
  const viaOps = (m: tg.Tensor, s: tg.Tensor, a: tg.Tensor, c: tg.Tensor, o: tg.Tensor) => composite(m, s, a, c, o, H, W, 0.3);
  const args = [means, logScales, angles, colors, opac];
  const p = viaPrim(...(args as [tg.Tensor, tg.Tensor, tg.Tensor, tg.Tensor, tg.Tensor])).data();
  const q = viaOps(...(args as [tg.Tensor, tg.Tensor, tg.Tensor, tg.Tensor, tg.Tensor])).data();
  for (let i = 0; i < p.length; i++) assert.ok(Math.abs(p[i] - q[i]) < 1e-12, `value ${i}: ${p[i]} vs ${q[i]}`);
  const weights = tg.randn([H, W, 3], { generator: tg.random.generator(3), dtype: "float64" });
  const loss = (F: typeof viaPrim) => (...xs: tg.Tensor[]) => F(...(xs as [tg.Tensor, tg.Tensor, tg.Tensor, tg.Tensor, tg.Tensor])).mul(weights).sum();
  const all = { argnums: [0, 1, 2, 3, 4] };
  const gp = tg.grad(loss(viaPrim), all)(...args);
  const gq = tg.grad(loss(viaOps), all)(...args);
  ["means", "logScales", "angles", "colors", "opacities"].forEach((name, k) => {
    const a = gp[k].data(), b = gq[k].data();
    assert.ok(b.some((v) => Math.abs(v) > 1e-4), `${name}: a non-trivial gradient`);
    for (let i = 0; i < a.length; i++) assert.ok(Math.abs(a[i] - b[i]) < 1e-10 * (1 + Math.abs(b[i])), `${name}[${i}]: ${a[i]} vs ${b[i]}`);
  });
  // forward mode through the primitive's JVP rule agrees too
  const dirs = args.map((x, i) => tg.randn(x.shape, { generator: tg.random.generator(20 + i), dtype: "float64" }));
  const [, dp] = tg.jvp(viaPrim as (...xs: tg.Tensor[]) => tg.Tensor, args, dirs);
  const [, dq] = tg.jvp(viaOps as (...xs: tg.Tensor[]) => tg.Tensor, args, dirs);
  const a = dp.data(), b = dq.data();
  for (let i = 0; i < a.length; i++) assert.ok(Math.abs(a[i] - b[i]) < 1e-10 * (1 + Math.abs(b[i])), `jvp ${i}: ${a[i]} vs ${b[i]}`);
});

test("the cut-offs: alpha clamps at 0.99, a tiny opacity draws nothing, compositing stops once T < 1e-4", () => {
  const f = (v: number[], shape: number[]) => tg.tensor(v, { shape, dtype: "float64" });
  const one = (o: number, bg = [0, 0, 0]) =>
    tg.splat.rasterize(f([2, 2], [1, 2]), f([100, 0, 100], [1, 3]), f([1, 1, 1], [1, 3]), f([o], [1]), null, { height: 4, width: 4, background: bg }).data();
  assert.ok(Math.abs(one(1)[0] - 0.99 * Math.exp(-0.5 * (2.25 / 100.3) * 2)) > 0, "sanity");
  assert.ok(Math.abs(one(1)[3 * 5] - 0.99) < 1e-3, "clamped near the centre");
  assert.deepEqual([...one(1 / 300, [0.5, 0.5, 0.5])].slice(0, 3), [0.5, 0.5, 0.5]);
  // 10 opaque layers: the 3rd would bring T to 1e-6 < 1e-4, so only two composite
  const n = 10;
  const img = tg.splat.rasterize(
    f(Array(2 * n).fill(2), [n, 2]), f(Array.from({ length: 3 * n }, (_, i) => (i % 3 === 1 ? 0 : 100)), [n, 3]),
    f(Array.from({ length: 3 * n }, (_, i) => (Math.floor(i / 3) === 1 ? 1 : 0)), [n, 3]), f(Array(n).fill(1), [n]), null,
    { height: 4, width: 4, background: [1, 1, 1] },
  ).data();
  const centre = 3 * (1 * 4 + 1);
  const a1 = Math.min(0.99, Math.exp(-0.5 * (0.25 + 0.25) / 100.3));
  // layer 0 is black, layer 1 white (weight α(1 − α)), then the background behind T = (1 − α)²
  assert.ok(Math.abs(img[centre] - (a1 * (1 - a1) + (1 - a1) ** 2)) < 1e-12, `${img[centre]}`);
});

test("bad inputs raise typed errors", () => {
  const f = (v: number[], shape: number[]) => tg.tensor(v, { shape, dtype: "float64" });
  assert.throws(() => tg.splat.rasterize(tg.zeros([0, 2], "float64"), tg.zeros([0, 3], "float64"), tg.zeros([0, 3], "float64"), tg.zeros([0], "float64"), null, { height: 4, width: 4 }), { name: "ShapeError", message: /N ≥ 1/ });
  assert.throws(() => tg.splat.rasterize(f([1, 1], [1, 2]), f([1, 0, 1], [1, 3]), f([1, 1], [1, 2]), f([1], [1]), null, { height: 4, width: 4, background: [0, 0, 0] }), { name: "ShapeError", message: /background/ });
  assert.throws(() => tg.splat.rasterize(f([1, 1], [1, 2]), f([1, 0, 1], [1, 3]), f([1, 1, 1], [1, 3]), f([1], [1]), null, { height: 0, width: 4 }), { name: "ArgumentError" });
  assert.throws(() => tg.splat.rasterize(f([1, 1], [1, 2]), f([1, 0, 1], [1, 3]), f([1, 1, 1], [1, 3]).cast("float32"), f([1], [1]), null, { height: 4, width: 4 }), { name: "DTypeError" });
  assert.throws(() => tg.splat.rasterize(f([1, 1, 2], [1, 3]), f([1, 0, 1], [1, 3]), f([1, 1, 1], [1, 3]), f([1], [1]), null, { height: 4, width: 4 }), { name: "ShapeError" });
  // a NaN Gaussian is not drawn: the image stays the background, never NaN
  const img = tg.splat.rasterize(f([NaN, 1], [1, 2]), f([1, 0, 1], [1, 3]), f([1, 1, 1], [1, 3]), f([1], [1]), null, { height: 4, width: 4, background: [0.25, 0.25, 0.25] }).data();
  assert.ok(img.every((v) => v === 0.25));
});
