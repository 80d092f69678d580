// Image losses and metrics of Gaussian splatting, as differentiable tensor operations on
// [H, W, C] images with values in [0, 1]:
//
//   L1 = mean |x − y|          PSNR = −10·log₁₀ mean (x − y)²   (peak 1)
//   SSIM = mean over pixels and channels of
//          (2μₓμᵧ + C₁)(2σₓᵧ + C₂) / ((μₓ² + μᵧ² + C₁)(σₓ² + σᵧ² + C₂)),  C₁ = 0.01², C₂ = 0.03²
//          with μ, σ² and σₓᵧ local moments under an 11×11 Gaussian window (σ = 1.5), zero-padded
//          to the image's size ("same" filtering, as the 3DGS training code computes it)
//   D-SSIM = (1 − SSIM)/2;     the 3DGS loss = (1 − λ)·L1 + λ·(1 − SSIM), λ = 0.2 (its training
//   code weighs 1 − SSIM, twice D-SSIM)
//
// The window is separable, so each blur is two matmuls with banded [H, H] and [W, W] matrices.

import { ArgumentError, ShapeError, fmtShape } from "../core/errors.js";
import { isFloat } from "../core/dtype.js";
import { tensor } from "../tensor/creation.js";
import type { Tensor } from "../tensor/tensor.js";
import { matmul } from "../tensor/ops/linalg.js";
import { permute, stack } from "../tensor/ops/shape.js";
import { mean } from "../tensor/ops/reduce.js";
import "../tensor/methods.js"; // Tensor's methods, used below

export interface SsimOpts {
  /** Window side (odd). Default 11. */
  window?: number;
  /** Standard deviation of the Gaussian window, in pixels. Default 1.5. */
  sigma?: number;
}

function checkPair(op: string, x: Tensor, y: Tensor): void {
  if (!isFloat(x.dtype) || x.dtype !== y.dtype) throw new ArgumentError(`${op}: expected two float tensors of one dtype, got ${x.dtype}${fmtShape(x.shape)} and ${y.dtype}${fmtShape(y.shape)}`);
  if (x.ndim !== 3 || x.shape.join() !== y.shape.join())
    throw new ShapeError(`${op}: expected two [H, W, C] images of one shape, got ${fmtShape(x.shape)} and ${fmtShape(y.shape)}`);
}

/**
 * Mean absolute error of two images.
 * @example tg.splat.l1(render, target).item()
 */
export function l1(x: Tensor, y: Tensor): Tensor {
  checkPair("l1", x, y);
  return x.sub(y).abs().mean();
}

/**
 * Peak signal-to-noise ratio in dB for images in [0, 1]: −10·log₁₀(MSE). Differentiable.
 * @example tg.splat.psnr(render, target).item() // 31.2
 */
export function psnr(x: Tensor, y: Tensor): Tensor {
  checkPair("psnr", x, y);
  return x.sub(y).square().mean().log().mul(-10 / Math.LN10);
}

/** The normalised 1-D Gaussian window. */
export function gaussianWindow(size: number, sigma: number): number[] {
  const h = (size - 1) / 2;
  const w = Array.from({ length: size }, (_, i) => Math.exp(-((i - h) ** 2) / (2 * sigma * sigma)));
  const s = w.reduce((a, b) => a + b, 0);
  return w.map((v) => v / s);
}

/** The [n, n] matrix M with (M v)ᵢ = Σⱼ w[j − i + h]·vⱼ: "same" filtering with zero padding. */
function bandMatrix(n: number, w: readonly number[], dtype: Tensor["dtype"]): Tensor {
  const h = (w.length - 1) / 2;
  const m = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = Math.max(0, i - h); j <= Math.min(n - 1, i + h); j++) m[i * n + j] = w[j - i + h];
  return tensor(m, { shape: [n, n], dtype });
}

/**
 * Structural similarity of two [H, W, C] images (11×11 Gaussian window, σ = 1.5), averaged over
 * pixels and channels. Differentiable in both images.
 * @example tg.splat.ssim(img, img).item() // 1
 */
export function ssim(x: Tensor, y: Tensor, opts: SsimOpts = {}): Tensor {
  checkPair("ssim", x, y);
  const size = opts.window ?? 11;
  const sigma = opts.sigma ?? 1.5;
  if (!(Number.isInteger(size) && size >= 1 && size % 2 === 1)) throw new ArgumentError(`ssim: window must be an odd positive integer, got ${size}`);
  if (!(sigma > 0)) throw new ArgumentError(`ssim: sigma must be positive, got ${sigma}`);
  const [H, W] = x.shape;
  const w = gaussianWindow(size, sigma);
  const gh = bandMatrix(H, w, x.dtype);
  const gwT = bandMatrix(W, w, x.dtype).mT;
  // one batched blur of the five maps, channels first: [5·C, H, W]
  const xc = permute(x, [2, 0, 1]);
  const yc = permute(y, [2, 0, 1]);
  const maps = stack([xc, yc, xc.mul(xc), yc.mul(yc), xc.mul(yc)], 0).reshape([5 * x.shape[2], H, W]);
  const blurred = matmul(matmul(gh, maps), gwT).reshape([5, x.shape[2], H, W]);
  const part = (i: number) => blurred.slice(i);
  const mx = part(0), my = part(1);
  const mx2 = mx.mul(mx), my2 = my.mul(my), mxy = mx.mul(my);
  const vx = part(2).sub(mx2), vy = part(3).sub(my2), cxy = part(4).sub(mxy);
  const C1 = 0.01 ** 2, C2 = 0.03 ** 2;
  const num = mxy.mul(2).add(C1).mul(cxy.mul(2).add(C2));
  const den = mx2.add(my2).add(C1).mul(vx.add(vy).add(C2));
  return mean(num.div(den));
}

/**
 * D-SSIM = (1 − SSIM)/2, a loss in [0, 1].
 * @example tg.splat.dssim(render, target).item()
 */
export function dssim(x: Tensor, y: Tensor, opts: SsimOpts = {}): Tensor {
  return ssim(x, y, opts).neg().add(1).mul(0.5);
}

/**
 * The 3DGS training loss (1 − λ)·L1 + λ·(1 − SSIM) (λ = 0.2 by default; 1 − SSIM = 2·D-SSIM, as
 * the 3DGS training code weighs it).
 * @example const loss = tg.splat.splatLoss(render, target); loss.backward();
 */
export function splatLoss(x: Tensor, y: Tensor, lambda = 0.2): Tensor {
  if (!(lambda >= 0 && lambda <= 1)) throw new ArgumentError(`splatLoss: lambda must lie in [0, 1], got ${lambda}`);
  const a = l1(x, y);
  return lambda === 0 ? a : a.mul(1 - lambda).add(ssim(x, y).neg().add(1).mul(lambda));
}
