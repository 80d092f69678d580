// The splat front end in tensor operations: rotations from quaternions, 3-D covariances,
// perspective projection (Σ′ = J W Σ Wᵀ Jᵀ), spherical-harmonic colour, and gradients through
// the whole 3-D → 2-D → image chain against finite differences.

import { test } from "node:test";
import assert from "node:assert/strict";
import * as tg from "../src/index.js";

const f64 = (v: number[], shape: number[]) => tg.tensor(v, { shape, dtype: "float64" });
const near = (a: number, b: number, tol: number, what: string) => assert.ok(Math.abs(a - b) <= tol, `${what}: ${a} vs ${b}`);

test("quaternionToRotation gives proper rotations (normalising first)", () => {
  const q = f64([1, 0, 0, 0, 2, 1, -1, 0.5, 0, 0, 0, 3], [3, 4]);
  const R = tg.splat.quaternionToRotation(q);
  const RtR = tg.matmul(R.mT, R).data();
  for (let n = 0; n < 3; n++) for (let i = 0; i < 3; i++) for (let j = 0; j < 3; j++) near(RtR[9 * n + 3 * i + j], i === j ? 1 : 0, 1e-12, `RᵀR[${n}]`);
  const r = R.data();
  // (0, 0, 0, 3) normalises to a half-turn about z: diag(−1, −1, 1)
  assert.deepEqual(Array.from(r.slice(18, 27), (v) => Math.round(v * 1e12) / 1e12), [-1, 0, 0, 0, -1, 0, 0, 0, 1]);
  // a quarter turn about z, (cos 45°, 0, 0, sin 45°), sends x to y
  const Rz = tg.splat.quaternionToRotation(f64([Math.SQRT1_2, 0, 0, Math.SQRT1_2], [1, 4])).data();
  near(Rz[3], 1, 1e-12, "R[1][0]");
  near(Rz[1], -1, 1e-12, "R[0][1]");
});

test("covariance3d is R·diag(e^{2s})·Rᵀ and covariance2d matches its 2-D formula", () => {
  const s = f64([0.1, -0.4, 0.7], [1, 3]);
  const q = f64([0.9, 0.2, -0.3, 0.1], [1, 4]);
  const R = tg.splat.quaternionToRotation(q).reshape([3, 3]);
  const expect = tg.matmul(tg.matmul(R, f64([Math.exp(0.2), 0, 0, 0, Math.exp(-0.8), 0, 0, 0, Math.exp(1.4)], [3, 3])), R.T).data();
  const got = tg.splat.covariance3d(s, q).data();
  for (let i = 0; i < 9; i++) near(got[i], expect[i], 1e-12, `Σ[${i}]`);
  const c2 = tg.splat.covariance2d(f64([Math.log(2), Math.log(0.5)], [1, 2]), f64([Math.PI / 2], [1])).data();
  near(c2[0], 0.25, 1e-12, "Σxx");
  near(c2[1], 0, 1e-12, "Σxy");
  near(c2[2], 4, 1e-12, "Σyy");
});

const camera: tg.splat.Camera = { rotation: [1, 0, 0, 0, 1, 0, 0, 0, 1], translation: [0.2, -0.1, 4], fx: 90, fy: 80, cx: 32, cy: 30, width: 64, height: 60 };

test("projectGaussians: means by the pinhole model, covariances by the projection's Jacobian", () => {
  const mu = f64([0.5, 0.3, 1, -0.4, 0.2, 0.5], [2, 3]);
  const cov = tg.splat.covariance3d(f64([-1, -1.5, -1.2, -1.3, -1, -1.6], [2, 3]), f64([1, 0.2, 0.1, 0, 0.8, -0.3, 0.2, 0.4], [2, 4]));
  const p = tg.splat.projectGaussians(mu, cov, camera);
  const m = mu.data(), c = cov.data(), pm = p.means.data(), pc = p.covs.data(), d = p.depths.data();
  const proj = (x: number, y: number, z: number) => {
    const X = x + 0.2, Y = y - 0.1, Z = z + 4;
    return [90 * X / Z + 32, 80 * Y / Z + 30];
  };
  for (let g = 0; g < 2; g++) {
    const [x, y, z] = [m[3 * g], m[3 * g + 1], m[3 * g + 2]];
    const [u, v] = proj(x, y, z);
    near(pm[2 * g], u, 1e-12, "u");
    near(pm[2 * g + 1], v, 1e-12, "v");
    near(d[g], z + 4, 1e-12, "depth");
    // J by central differences, then J Σ Jᵀ
    const h = 1e-6;
    const J = [0, 1, 2].map((k) => {
      const e = [0, 0, 0];
      e[k] = h;
      const a = proj(x + e[0], y + e[1], z + e[2]), b = proj(x - e[0], y - e[1], z - e[2]);
      return [(a[0] - b[0]) / (2 * h), (a[1] - b[1]) / (2 * h)];
    });
    const S = (i: number, j: number) => c[9 * g + 3 * i + j];
    const JSJ = (r: number, s: number) => { let t = 0; for (let i = 0; i < 3; i++) for (let j = 0; j < 3; j++) t += J[i][r] * S(i, j) * J[j][s]; return t; };
    near(pc[3 * g], JSJ(0, 0), 1e-5, "Σ′xx");
    near(pc[3 * g + 1], JSJ(0, 1), 1e-5, "Σ′xy");
    near(pc[3 * g + 2], JSJ(1, 1), 1e-5, "Σ′yy");
  }
});

test("shToColor: degree 0 is C₀·k + ½, degree 1 along +z adds C₁·k₂, higher degrees are differentiable", () => {
  const sh = tg.randn([2, 16, 3], { generator: tg.random.generator(1), dtype: "float64" }).mul(0.2);
  const dirs = f64([0, 0, 1, 0.6, 0, 0.8], [2, 3]);
  const c0 = tg.splat.shToColor(sh, dirs, 0).data();
  const c1 = tg.splat.shToColor(sh, dirs, 1).data();
  const k = sh.data();
  for (let ch = 0; ch < 3; ch++) {
    near(c0[ch], Math.max(0, 0.28209479177387814 * k[ch] + 0.5), 1e-12, "degree 0");
    near(c1[ch], Math.max(0, 0.28209479177387814 * k[ch] + 0.4886025119029199 * k[2 * 3 + ch] + 0.5), 1e-12, "degree 1 along +z");
  }
  const r = tg.gradcheck((s: tg.Tensor) => tg.splat.shToColor(s, dirs, 3), [sh]);
  assert.ok(r.passed, JSON.stringify(r));
  assert.throws(() => tg.splat.shToColor(sh, dirs, 4), { name: "ArgumentError" });
  assert.throws(() => tg.splat.shToColor(sh.slice(null, [0, 4]), dirs, 2), { name: "ShapeError" });
});

test("gradients through projection and rasterisation match finite differences", () => {
  const H = 10, W = 12;
  const cam: tg.splat.Camera = { ...camera, fx: 12, fy: 12, cx: 6, cy: 5, width: W, height: H };
  const w = tg.randn([H, W, 3], { generator: tg.random.generator(2), dtype: "float64" });
  const f = (mu: tg.Tensor, s: tg.Tensor, q: tg.Tensor, sh: tg.Tensor, o: tg.Tensor) => {
    const p = tg.splat.projectGaussians(mu, tg.splat.covariance3d(s, q), cam);
    const dirs = mu.add(f64([0.2, -0.1, 4], [3])).div(mu.add(f64([0.2, -0.1, 4], [3])).square().sum(1, { keepdims: true }).sqrt());
    const img = tg.splat.rasterize(p.means, p.covs, tg.splat.shToColor(sh, dirs, 1), o.sigmoid(), p.depths, { height: H, width: W });
    return img.mul(w).sum();
  };
  const inputs = [
    f64([0.3, 0.1, 0.5, -0.6, 0.2, 0.2, 0.1, -0.5, 1], [3, 3]),
    f64([-1, -1.3, -1.1, -0.9, -1.2, -1, -1.1, -1, -1.4], [3, 3]),
    f64([1, 0.1, 0.2, 0, 0.9, -0.2, 0.1, 0.3, 1, 0, 0, 0.2], [3, 4]),
    tg.randn([3, 4, 3], { generator: tg.random.generator(3), dtype: "float64" }).mul(0.3),
    f64([0.5, -0.2, 1], [3]),
  ];
  const r = tg.gradcheck(f, inputs);
  assert.ok(r.passed, JSON.stringify(r));
});
