// The differentiable front of the renderer, in ordinary tensor operations: 2-D covariances from
// log-scales and an angle, 3-D covariances from log-scales and a quaternion (Σ = R S Sᵀ Rᵀ),
// perspective projection of 3-D Gaussians (Σ′ = J W Σ Wᵀ Jᵀ), spherical-harmonic colour and the
// sigmoid opacity; then one call of the rasterisation primitive (../prims/rasterize.ts).

import { ArgumentError, DTypeError, ShapeError, fmtShape } from "../core/errors.js";
import { isFloat } from "../core/dtype.js";
import { bind } from "../autodiff/bind.js";
import { erase } from "../prims/define.js";
import { rasterize as rasterizePrim } from "../prims/rasterize.js";
import { tensor, zeros } from "../tensor/creation.js";
import type { Tensor } from "../tensor/tensor.js";
import { concat, stack } from "../tensor/ops/shape.js";
import { matmul } from "../tensor/ops/linalg.js";
import "../tensor/methods.js"; // Tensor's methods, used below

export interface RasterizeOpts {
  height: number;
  width: number;
  /** Colour behind the Gaussians, one value per channel. Default black. */
  background?: readonly number[];
  /** Added to the diagonal of every screen covariance (the 3DGS anti-aliasing low-pass). Default 0.3 px². */
  lowPass?: number;
}

/**
 * Composites N 2-D Gaussians front to back into an [H, W, K] image (16×16 tiles, 3σ extent,
 * α = o·exp(−½dᵀΣ′⁻¹d) clamped to 0.99, contributions under 1/255 skipped, stopping once the
 * transmittance would fall under 1e-4). `covs` holds (Σxx, Σxy, Σyy) per Gaussian in pixels²;
 * pixel (i, j) has its centre at (j + ½, i + ½). Differentiable in means, covs, colors and
 * opacities; depths only set the order (default: the index order).
 * @example const img = tg.splat.rasterize(means, covs, colors, opacities, null, { height: 64, width: 64 });
 */
export function rasterize(
  means: Tensor, covs: Tensor, colors: Tensor, opacities: Tensor, depths: Tensor | null, opts: RasterizeOpts,
): Tensor {
  const n = means.shape[0];
  if (means.ndim !== 2 || n === 0) throw new ShapeError(`rasterize: expected means [N,2] with N ≥ 1 Gaussians, got ${fmtShape(means.shape)}`);
  if (!isFloat(means.dtype)) throw new DTypeError(`rasterize: means must be floating point, got ${means.dtype}`);
  const k = colors.shape[1] ?? 0;
  const background = opts.background ?? new Array<number>(k).fill(0);
  if (!background.every(Number.isFinite)) throw new ArgumentError(`rasterize: background must be finite numbers, got [${background.join(", ")}]`);
  const lowPass = opts.lowPass ?? 0.3;
  if (!(lowPass >= 0 && Number.isFinite(lowPass))) throw new ArgumentError(`rasterize: lowPass must be a finite number ≥ 0, got ${lowPass}`);
  const d = depths ? (depths.dtype === means.dtype ? depths : depths.cast(means.dtype)) : tensor(Float64Array.from({ length: n }, (_, i) => i), { dtype: means.dtype });
  const filtered = lowPass > 0 ? covs.add(tensor([lowPass, 0, lowPass], { dtype: covs.dtype })) : covs;
  return bind(erase(rasterizePrim), [means, filtered, colors, opacities, d], { height: opts.height, width: opts.width, background: [...background] });
}

/**
 * Screen covariances (Σxx, Σxy, Σyy) [N, 3] of 2-D Gaussians with standard deviations e^s along
 * axes turned by θ: Σ = R(θ)·diag(e^{2s₁}, e^{2s₂})·R(θ)ᵀ.
 * @example const covs = tg.splat.covariance2d(logScales, angles); // [N,2], [N] → [N,3]
 */
export function covariance2d(logScales: Tensor, angles: Tensor): Tensor {
  if (logScales.ndim !== 2 || logScales.shape[1] !== 2 || angles.ndim !== 1 || angles.shape[0] !== logScales.shape[0])
    throw new ShapeError(`covariance2d: expected logScales [N,2] and angles [N], got ${fmtShape(logScales.shape)} and ${fmtShape(angles.shape)}`);
  const v = logScales.mul(2).exp();
  const v1 = v.slice(null, 0), v2 = v.slice(null, 1);
  const c = angles.cos(), s = angles.sin();
  const cc = c.mul(c), ss = s.mul(s);
  return stack([cc.mul(v1).add(ss.mul(v2)), c.mul(s).mul(v1.sub(v2)), ss.mul(v1).add(cc.mul(v2))], 1);
}

/**
 * Rotation matrices [N, 3, 3] of quaternions (w, x, y, z) [N, 4], normalised first.
 * @example tg.splat.quaternionToRotation(tg.tensor([[1, 0, 0, 0]])) // identity
 */
export function quaternionToRotation(q: Tensor): Tensor {
  if (q.ndim !== 2 || q.shape[1] !== 4) throw new ShapeError(`quaternionToRotation: expected quaternions [N,4], got ${fmtShape(q.shape)}`);
  const u = q.div(q.square().sum(1, { keepdims: true }).sqrt());
  const [w, x, y, z] = [0, 1, 2, 3].map((i) => u.slice(null, i));
  const rows = [
    [y.mul(y).add(z.mul(z)).mul(-2).add(1), x.mul(y).sub(w.mul(z)).mul(2), x.mul(z).add(w.mul(y)).mul(2)],
    [x.mul(y).add(w.mul(z)).mul(2), x.mul(x).add(z.mul(z)).mul(-2).add(1), y.mul(z).sub(w.mul(x)).mul(2)],
    [x.mul(z).sub(w.mul(y)).mul(2), y.mul(z).add(w.mul(x)).mul(2), x.mul(x).add(y.mul(y)).mul(-2).add(1)],
  ];
  return stack(rows.map((r) => stack(r, 1)), 1);
}

/**
 * 3-D covariances [N, 3, 3] Σ = R S Sᵀ Rᵀ from log-scales [N, 3] (S = diag(e^s)) and quaternions [N, 4].
 * @example const cov = tg.splat.covariance3d(logScales, quats);
 */
export function covariance3d(logScales: Tensor, quats: Tensor): Tensor {
  if (logScales.ndim !== 2 || logScales.shape[1] !== 3 || quats.shape[0] !== logScales.shape[0])
    throw new ShapeError(`covariance3d: expected logScales [N,3] and quaternions [N,4], got ${fmtShape(logScales.shape)} and ${fmtShape(quats.shape)}`);
  const m = quaternionToRotation(quats).mul(logScales.exp().unsqueeze(1)); // R S
  return matmul(m, m.mT);
}

/** A pinhole camera: world → camera by x_c = R·x_w + t (camera looks along +z), pixels by focal lengths and centre. */
export interface Camera {
  /** Row-major 3×3 rotation, world → camera. */
  rotation: readonly number[];
  translation: readonly [number, number, number];
  fx: number;
  fy: number;
  cx: number;
  cy: number;
  width: number;
  height: number;
}

/** 2-D Gaussians of projected 3-D ones: pixel means [N,2], screen covariances [N,3], camera depths [N]. */
export interface Projected {
  means: Tensor;
  covs: Tensor;
  depths: Tensor;
}

/**
 * Projects 3-D Gaussians (means [N,3], covariances [N,3,3]) through a camera: μ′ = (fx·x/z + cx, fy·y/z + cy)
 * and Σ′ = J W Σ Wᵀ Jᵀ with W the camera rotation and J the Jacobian of the projection at the
 * mean. Gaussians behind the camera (z ≤ 0.01) should be culled by the caller (their depth shows it).
 * @example const { means, covs, depths } = tg.splat.projectGaussians(mu, cov, camera);
 */
export function projectGaussians(means3d: Tensor, cov3d: Tensor, cam: Camera): Projected {
  if (means3d.ndim !== 2 || means3d.shape[1] !== 3 || cov3d.ndim !== 3 || cov3d.shape[0] !== means3d.shape[0])
    throw new ShapeError(`projectGaussians: expected means [N,3] and covariances [N,3,3], got ${fmtShape(means3d.shape)} and ${fmtShape(cov3d.shape)}`);
  const dt = means3d.dtype;
  const W = tensor(cam.rotation as number[], { dtype: dt, shape: [3, 3] });
  const pc = matmul(means3d, W.mT).add(tensor([...cam.translation], { dtype: dt }));
  const x = pc.slice(null, 0), y = pc.slice(null, 1), z = pc.slice(null, 2);
  const iz = z.pow(-1);
  const u = x.mul(iz).mul(cam.fx).add(cam.cx);
  const v = y.mul(iz).mul(cam.fy).add(cam.cy);
  const n = means3d.shape[0];
  const zero = zeros([n], dt);
  const J = stack([
    stack([iz.mul(cam.fx), zero, x.mul(iz.square()).mul(-cam.fx)], 1),
    stack([zero, iz.mul(cam.fy), y.mul(iz.square()).mul(-cam.fy)], 1),
  ], 1); // [N, 2, 3]
  const T = matmul(J, W); // J W
  const S = matmul(matmul(T, cov3d), T.mT); // [N, 2, 2]
  const covs = stack([S.slice(null, 0, 0), S.slice(null, 0, 1), S.slice(null, 1, 1)], 1);
  return { means: stack([u, v], 1), covs, depths: z };
}

const SH_C0 = 0.28209479177387814;
const SH_C1 = 0.4886025119029199;
const SH_C2 = [1.0925484305920792, -1.0925484305920792, 0.31539156525252005, -1.0925484305920792, 0.5462742152960396];
const SH_C3 = [-0.5900435899266435, 2.890611442640554, -0.4570457994644658, 0.3731763325901154, -0.4570457994644658, 1.445305721320277, -0.5900435899266435];

/**
 * Colours [N, 3] of spherical-harmonic coefficients [N, (d+1)², 3] (degree d ≤ 3, real SH in the
 * 3DGS ordering) seen along unit directions [N, 3]: c = max(0, Σ Yₗₘ(dir)·kₗₘ + ½).
 * @example const colors = tg.splat.shToColor(sh, dirs, 0);
 */
export function shToColor(sh: Tensor, dirs: Tensor, degree: number): Tensor {
  if (!(Number.isInteger(degree) && degree >= 0 && degree <= 3)) throw new ArgumentError(`shToColor: degree must be 0, 1, 2 or 3, got ${degree}`);
  const need = (degree + 1) ** 2;
  if (sh.ndim !== 3 || sh.shape[1] < need || sh.shape[2] !== 3 || dirs.shape.join() !== `${sh.shape[0]},3`)
    throw new ShapeError(`shToColor: degree ${degree} needs coefficients [N,≥${need},3] and directions [N,3], got ${fmtShape(sh.shape)} and ${fmtShape(dirs.shape)}`);
  const k = (i: number) => sh.slice(null, i);
  const basis: Tensor[] = [];
  const x = dirs.slice(null, [0, 1]), y = dirs.slice(null, [1, 2]), z = dirs.slice(null, [2, 3]);
  let c = k(0).mul(SH_C0);
  if (degree >= 1) basis.push(y.mul(-SH_C1), z.mul(SH_C1), x.mul(-SH_C1));
  if (degree >= 2) {
    const xx = x.mul(x), yy = y.mul(y), zz = z.mul(z);
    basis.push(x.mul(y).mul(SH_C2[0]), y.mul(z).mul(SH_C2[1]), zz.mul(2).sub(xx).sub(yy).mul(SH_C2[2]), x.mul(z).mul(SH_C2[3]), xx.sub(yy).mul(SH_C2[4]));
    if (degree >= 3)
      basis.push(
        y.mul(xx.mul(3).sub(yy)).mul(SH_C3[0]), x.mul(y).mul(z).mul(SH_C3[1]), y.mul(zz.mul(4).sub(xx).sub(yy)).mul(SH_C3[2]),
        z.mul(zz.mul(2).sub(xx.mul(3)).sub(yy.mul(3))).mul(SH_C3[3]), x.mul(zz.mul(4).sub(xx).sub(yy)).mul(SH_C3[4]),
        z.mul(xx.sub(yy)).mul(SH_C3[5]), x.mul(xx.sub(yy.mul(3))).mul(SH_C3[6]),
      );
  }
  if (basis.length) c = c.add(matmul(concat(basis, 1).unsqueeze(1), sh.slice(null, [1, need])).squeeze(1));
  return c.add(0.5).relu();
}
