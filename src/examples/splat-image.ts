// Fitting an image with N 2-D Gaussians: positions μ, log-scales s and angles θ (Σ = R(θ)
// diag(e^{2s}) R(θ)ᵀ), colours and opacity logits, rendered by the splat rasteriser and fitted by
// Adam with one learning rate per parameter group on (1 − λ)·L1 + λ·MSE·… (see `loss`), until a
// step count or a wall-clock budget runs out. PSNR is recorded over time; snapshots of the
// render are kept for the report.

import * as tg from "../library.js";
import { ArgumentError, ShapeError, fmtShape } from "../core/errors.js";
import type { OnStep } from "./progress.js";

/** What the fit minimises: "l2" the mean squared error (PSNR's own measure), "l1", or "3dgs" = 0.8·L1 + 0.2·(1 − SSIM). */
export type SplatImageLoss = "l2" | "l1" | "3dgs";

export interface SplatImageOptions {
  /** Number of Gaussians. Default 5000. */
  gaussians?: number;
  /** Most Adam steps. Default 2000. */
  steps?: number;
  /** Wall-clock budget in seconds (stops at whichever of steps and seconds comes first). Default 60. */
  seconds?: number;
  /** Seed of the initial placement. Default 0. */
  seed?: number;
  /** Default "l2". */
  loss?: SplatImageLoss;
  /** Learning rates per group; defaults below. */
  lr?: Partial<Record<"means" | "scales" | "angles" | "colors" | "opacities", number>>;
  /** Record PSNR every this many steps. Default 10. */
  evalEvery?: number;
  /** Steps at which to keep a snapshot of the render (the final render is always kept). Default [0, 10, 50, 200, 1000]. */
  snapshotAt?: readonly number[];
  /** Called after every step with the loss; returning false stops the fit. */
  onStep?: OnStep;
  /**
   * What `seconds` and the curve count: "wall" clock time (default) or this process's "cpu" time
   * (Node only), which stays meaningful on a machine shared with other work.
   */
  clock?: "wall" | "cpu";
}

/** The fitted Gaussians as plain arrays (pixel units). */
export interface SplatGaussians2d {
  means: Float32Array;
  covs: Float32Array;
  colors: Float32Array;
  opacities: Float32Array;
}

export interface SplatImageResult {
  width: number;
  height: number;
  gaussians: number;
  steps: number;
  seconds: number;
  stoppedEarly: boolean;
  psnr: number;
  ssim: number;
  /** PSNR (dB) at recorded steps, with the wall-clock seconds since the start. */
  curve: { step: number; seconds: number; psnr: number }[];
  /** The target and the final render as flat [H, W, 3] values in [0, 1] (the render clamped). */
  target: Float32Array;
  render: Float32Array;
  snapshots: { step: number; seconds: number; psnr: number; render: Float32Array }[];
  final: SplatGaussians2d;
  summary: string;
}

const DEFAULT_LR = { means: 0.8, scales: 0.06, angles: 0.06, colors: 0.06, opacities: 0.15 };

function clampedData(t: tg.Tensor): Float32Array {
  return Float32Array.from(t.data(), (v) => Math.min(1, Math.max(0, v)));
}

/** The parts of {@link SplatImageOptions} that define the fit itself (not when it stops or what it records). */
export type SplatImageFitOptions = Pick<SplatImageOptions, "gaussians" | "seed" | "loss" | "lr">;

/** A fit in progress, one Adam step at a time (what `splatImage` runs, and what the explorer drives live). */
export interface SplatImageFit {
  readonly width: number;
  readonly height: number;
  readonly gaussians: number;
  /** The target as a float32 [H, W, 3] tensor. */
  readonly target: tg.Tensor;
  /** Adam steps taken so far. */
  readonly steps: number;
  /**
   * One Adam step on the loss of the current render; returns that loss (before the step).
   * `onRender` sees the render the loss was computed from, detached.
   */
  step(onRender?: (render: tg.Tensor) => void): number;
  /** The current render without gradients, clamped to [0, 1]. */
  render(): tg.Tensor;
  /** PSNR (dB) of a render (default: the current one) against the target. */
  psnr(render?: tg.Tensor): number;
  /** The current Gaussians as plain arrays (screen covariances with the rasteriser's 0.3 px² low-pass). */
  current(): SplatGaussians2d;
}

/**
 * Starts fitting an [H, W, 3] image (values in [0, 1]) with 2-D Gaussians: uniform positions,
 * round Gaussians about as wide as their share of the image, the target's colour under each
 * centre, opacity ½; Adam with one learning rate per parameter group.
 * @example const fit = tg.examples.splatImageFit(target, { gaussians: 200 }); for (let i = 0; i < 50; i++) fit.step(); fit.psnr()
 */
export function splatImageFit(target: tg.Tensor, opts: SplatImageFitOptions = {}): SplatImageFit {
  const n = opts.gaussians ?? 5000;
  const lossKind = opts.loss ?? "l2";
  if (target.ndim !== 3 || target.shape[2] !== 3) throw new ShapeError(`splatImage: expected an [H, W, 3] target, got ${fmtShape(target.shape)}`);
  const [H, W] = target.shape;
  if (H < 4 || W < 4) throw new ShapeError(`splatImage: the target ${fmtShape(target.shape)} is too small (at least 4×4)`);
  if (!(Number.isInteger(n) && n >= 1)) throw new ArgumentError(`splatImage: gaussians must be a whole number ≥ 1, got ${n}`);
  const lr = { ...DEFAULT_LR, ...opts.lr };
  for (const [k, v] of Object.entries(lr)) if (!(v > 0 && Number.isFinite(v))) throw new ArgumentError(`splatImage: lr.${k} must be a positive number, got ${v}`);
  const tdata = target.cast("float32").data();
  for (let i = 0; i < tdata.length; i++)
    if (!Number.isFinite(tdata[i])) throw new ArgumentError(`splatImage: the target has a non-finite value at index ${i}`);
  const tgt = tg.tensor(Float32Array.from(tdata), { shape: [H, W, 3] });

  const gen = tg.random.generator(opts.seed ?? 0);
  const mu = new Float32Array(2 * n), col = new Float32Array(3 * n);
  for (let g = 0; g < n; g++) {
    const x = gen.uniform() * W, y = gen.uniform() * H;
    mu[2 * g] = x;
    mu[2 * g + 1] = y;
    const p = (Math.min(H - 1, Math.floor(y)) * W + Math.min(W - 1, Math.floor(x))) * 3;
    for (let ch = 0; ch < 3; ch++) col[3 * g + ch] = tdata[p + ch];
  }
  const s0 = Math.log(0.5 * Math.sqrt((H * W) / n));
  const means = tg.tensor(mu, { shape: [n, 2] }).setRequiresGrad();
  const logScales = tg.full([n, 2], s0).setRequiresGrad();
  const angles = tg.rand([n], { generator: gen }).mul(Math.PI).setRequiresGrad();
  const colors = tg.tensor(col, { shape: [n, 3] }).setRequiresGrad();
  const opacityLogits = tg.zeros([n]).setRequiresGrad();
  const opt = new tg.optim.Adam([
    { params: [means], lr: lr.means },
    { params: [logScales], lr: lr.scales },
    { params: [angles], lr: lr.angles },
    { params: [colors], lr: lr.colors },
    { params: [opacityLogits], lr: lr.opacities },
  ]);
  const draw = () => tg.splat.rasterize(means, tg.splat.covariance2d(logScales, angles), colors, opacityLogits.sigmoid(), null, { height: H, width: W });
  const lossOf = (img: tg.Tensor) =>
    lossKind === "l2" ? img.sub(tgt).square().mean() : lossKind === "l1" ? tg.splat.l1(img, tgt) : tg.splat.splatLoss(img, tgt, 0.2);
  let steps = 0;
  const fit: SplatImageFit = {
    width: W,
    height: H,
    gaussians: n,
    target: tgt,
    get steps() {
      return steps;
    },
    step(onRender) {
      const img = draw();
      if (onRender) onRender(tg.noGrad(() => img.detach()));
      const loss = lossOf(img);
      opt.zeroGrad();
      loss.backward();
      opt.step();
      steps++;
      const value = loss.item();
      if (!Number.isFinite(value)) throw new ArgumentError(`splatImage: the loss became ${value} at step ${steps - 1}`);
      return value;
    },
    render: () => tg.noGrad(() => draw().clamp(0, 1)),
    psnr: (img) => tg.splat.psnr((img ?? fit.render()).clamp(0, 1), tgt).item(),
    current: () =>
      tg.noGrad(() => ({
        means: Float32Array.from(means.data()),
        covs: Float32Array.from(tg.splat.covariance2d(logScales, angles).add(tg.tensor([0.3, 0, 0.3])).data()),
        colors: Float32Array.from(colors.data()),
        opacities: Float32Array.from(opacityLogits.sigmoid().data()),
      })),
  };
  return fit;
}

/**
 * Fits an [H, W, 3] image (values in [0, 1]) with 2-D Gaussians.
 * @example const r = tg.examples.splatImage(target, { gaussians: 500, steps: 200 }); r.psnr // ≈ 28 dB on a 64×64 image
 */
export function splatImage(target: tg.Tensor, opts: SplatImageOptions = {}): SplatImageResult {
  const maxSteps = opts.steps ?? 2000;
  const budget = opts.seconds ?? 60;
  const evalEvery = opts.evalEvery ?? 10;
  const lossKind = opts.loss ?? "l2";
  const snapshotAt = new Set(opts.snapshotAt ?? [0, 10, 50, 200, 1000]);
  if (!(Number.isInteger(maxSteps) && maxSteps >= 0)) throw new ArgumentError(`splatImage: steps must be a whole number ≥ 0, got ${maxSteps}`);
  if (!(budget > 0)) throw new ArgumentError(`splatImage: seconds must be positive, got ${budget}`);
  const fit = splatImageFit(target, opts);
  const { width: W, height: H, gaussians: n, target: tgt } = fit;

  const curve: SplatImageResult["curve"] = [];
  const snapshots: SplatImageResult["snapshots"] = [];
  const now = opts.clock === "cpu" && typeof process !== "undefined"
    ? () => { const u = process.cpuUsage(); return (u.user + u.system) / 1000; }
    : () => performance.now();
  const t0 = now();
  const elapsed = () => (now() - t0) / 1000;
  const record = (step: number, img: tg.Tensor) => {
    const psnr = fit.psnr(img);
    const seconds = elapsed();
    curve.push({ step, seconds, psnr });
    if (snapshotAt.has(step)) snapshots.push({ step, seconds, psnr, render: clampedData(img) });
    return psnr;
  };
  let step = 0;
  let stoppedEarly = false;
  for (; step < maxSteps; step++) {
    const observe = step % evalEvery === 0 || snapshotAt.has(step);
    const at = step;
    const value = fit.step(observe ? (img) => record(at, img) : undefined);
    if (opts.onStep && opts.onStep({ step: step + 1, total: maxSteps, loss: value }) === false) {
      stoppedEarly = true;
      step++;
      break;
    }
    if (elapsed() >= budget) {
      step++;
      break;
    }
  }
  const seconds = elapsed();
  const finalImg = fit.render();
  const psnr = fit.psnr(finalImg);
  const ssim = tg.splat.ssim(finalImg, tgt).item();
  curve.push({ step, seconds, psnr });
  const renderData = Float32Array.from(finalImg.data());
  if (!snapshots.some((s) => s.step === step)) snapshots.push({ step, seconds, psnr, render: renderData });
  const final = fit.current();
  const summary = [
    `Fitted a ${W}×${H} image with ${n} Gaussians: ${step} Adam steps in ${seconds.toFixed(1)} s (${(step / seconds).toFixed(1)} steps/s)`,
    `PSNR ${psnr.toFixed(2)} dB, SSIM ${ssim.toFixed(4)} (loss ${lossKind})`,
  ].join("\n");
  return { width: W, height: H, gaussians: n, steps: step, seconds, stoppedEarly, psnr, ssim, curve, target: Float32Array.from(fit.target.data()), render: renderData, snapshots, final, summary };
}
