// The two tutorial Gaussians splatting starts from: an isotropic 2-D Gaussian
//   g(x) = exp(−|x − μ|² / 2σ²) / (2πσ²)
// and an anisotropic one with a full covariance,
//   g(x) = exp(−½ (x − μ)ᵀ Σ⁻¹ (x − μ)) / (2π √det Σ),
// whose level sets are ellipses with axes along Σ's eigenvectors, half-lengths k·√λ at k σ.

import { ArgumentError } from "../core/errors.js";

export interface GaussiansOptions {
  /** Centre. Default [0, 0]. */
  mu?: readonly [number, number];
  /** Standard deviation of the isotropic Gaussian. Default 1. */
  sigma?: number;
  /** Covariance (Σxx, Σxy, Σyy) of the anisotropic Gaussian. Default [2, 1.2, 1]. */
  cov?: readonly [number, number, number];
  /** Grid points per axis. Default 121. */
  gridSize?: number;
}

export interface GaussianField {
  mu: [number, number];
  cov: [number, number, number];
  /** Eigenvalues (largest first) and unit eigenvectors of Σ. */
  eigenvalues: [number, number];
  axes: [[number, number], [number, number]];
  grid: { xs: number[]; ys: number[]; z: number[][] };
  /** Density values on the 1σ, 2σ and 3σ ellipses (the contour rings). */
  ringLevels: number[];
}

export interface GaussiansResult {
  isotropic: GaussianField;
  anisotropic: GaussianField;
  summary: string;
}

/** The eigen-decomposition of a 2×2 covariance: eigenvalues (largest first) and unit eigenvectors. */
export interface PrincipalAxes {
  eigenvalues: [number, number];
  axes: [[number, number], [number, number]];
}

/**
 * Eigenvalues and unit eigenvectors of Σ = [[a, b], [b, c]] in closed form:
 * λ = (a + c)/2 ± √(((a − c)/2)² + b²), v₁ ∝ (λ₁ − c, b), v₂ = v₁ turned by 90°.
 * @example tg.examples.principalAxes([2, 1.2, 1]).eigenvalues // [2.8, 0.2] (rounded)
 */
export function principalAxes(cov: readonly [number, number, number]): PrincipalAxes {
  const [a, b, c] = cov;
  const det = a * c - b * b;
  const mid = (a + c) / 2, rad = Math.sqrt(Math.max(0, mid * mid - det));
  const l1 = mid + rad, l2 = mid - rad;
  const v1: [number, number] = Math.abs(b) > 1e-12 ? norm([l1 - c, b]) : a >= c ? [1, 0] : [0, 1];
  return { eigenvalues: [l1, l2], axes: [v1, [-v1[1], v1[0]]] };
}

function field(mu: [number, number], cov: [number, number, number], n: number): GaussianField {
  const [a, b, c] = cov;
  const det = a * c - b * b;
  if (!(a > 0 && det > 0)) throw new ArgumentError(`gaussians: the covariance [${cov.join(", ")}] is not positive definite`);
  const { eigenvalues: [l1, l2], axes: [v1, v2] } = principalAxes(cov);
  const ext = 3.5 * Math.sqrt(l1);
  const xs = Array.from({ length: n }, (_, i) => mu[0] - ext + (2 * ext * i) / (n - 1));
  const ys = Array.from({ length: n }, (_, i) => mu[1] - ext + (2 * ext * i) / (n - 1));
  const norm0 = 1 / (2 * Math.PI * Math.sqrt(det));
  const dens = (dx: number, dy: number) => norm0 * Math.exp(-0.5 * (c * dx * dx - 2 * b * dx * dy + a * dy * dy) / det);
  const z = ys.map((y) => xs.map((x) => dens(x - mu[0], y - mu[1])));
  return { mu, cov, eigenvalues: [l1, l2], axes: [v1, v2], grid: { xs, ys, z }, ringLevels: [3, 2, 1].map((k) => norm0 * Math.exp(-0.5 * k * k)) };
}

function norm(v: [number, number]): [number, number] {
  const l = Math.hypot(v[0], v[1]);
  return [v[0] / l, v[1] / l];
}

/**
 * The isotropic and anisotropic Gaussians of the splatting tutorial, on grids for plotting.
 * @example const r = tg.examples.gaussians({ sigma: 1, cov: [2, 1.2, 1] }); r.anisotropic.eigenvalues
 */
export function gaussians(opts: GaussiansOptions = {}): GaussiansResult {
  const mu: [number, number] = [opts.mu?.[0] ?? 0, opts.mu?.[1] ?? 0];
  const sigma = opts.sigma ?? 1;
  const cov: [number, number, number] = [...(opts.cov ?? [2, 1.2, 1])] as [number, number, number];
  const n = opts.gridSize ?? 121;
  if (!mu.every(Number.isFinite)) throw new ArgumentError(`gaussians: mu must be two finite numbers, got [${mu.join(", ")}]`);
  if (!(sigma > 0 && Number.isFinite(sigma))) throw new ArgumentError(`gaussians: sigma must be a positive number, got ${sigma}`);
  if (cov.length !== 3 || !cov.every(Number.isFinite)) throw new ArgumentError(`gaussians: cov must be three finite numbers Σxx, Σxy, Σyy`);
  if (!(Number.isInteger(n) && n >= 3)) throw new ArgumentError(`gaussians: gridSize must be an integer ≥ 3, got ${n}`);
  const isotropic = field(mu, [sigma * sigma, 0, sigma * sigma], n);
  const anisotropic = field(mu, cov, n);
  const [l1, l2] = anisotropic.eigenvalues;
  const summary = [
    `isotropic: μ = (${mu.join(", ")}), σ = ${sigma}, σ² = ${sigma * sigma}`,
    `anisotropic: Σ = [[${cov[0]}, ${cov[1]}], [${cov[1]}, ${cov[2]}]], eigenvalues ${l1.toFixed(4)}, ${l2.toFixed(4)}; ` +
      `major axis (${anisotropic.axes[0].map((v) => v.toFixed(4)).join(", ")}), σ along the axes ${Math.sqrt(l1).toFixed(4)}, ${Math.sqrt(l2).toFixed(4)}`,
  ].join("\n");
  return { isotropic, anisotropic, summary };
}
