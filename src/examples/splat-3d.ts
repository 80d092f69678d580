// 3-D Gaussian splatting on a scene with exact ground truth: 128×128 views of the procedural
// scene of ../splat/scene.ts from orbit cameras (40 to train on, 10 held out), Gaussians started
// from points sampled on the known surfaces, trained by Adam on (1 − λ)·L1 + λ·(1 − SSIM) with
// the schedule and the adaptive density control of 3DGS (Kerbl et al., 2023):
//   progress p ∈ [0, 1] is the larger of steps/`steps` and seconds/`seconds`, so a run cut by its
//   wall-clock budget still goes through its whole schedule;
//   the position learning rate decays log-linearly from lr₀ to lr₀/100 over p (3DGS's expon_lr);
//   every `densifyEvery` steps from `densifyFrom` while p ≤ `densifyUntil`: each Gaussian's
//   view-space positional gradient norm ‖∂L/∂μ′‖ (μ′ in normalised device coordinates, so pixel
//   gradients × W/2) is accumulated over the steps and averaged over the views where the Gaussian
//   reached a pixel; those above `gradThreshold` (3DGS's 0.0002) are cloned when small (max
//   scale ≤ 1% of the scene extent) and split in two (scales ÷ 1.6, positions drawn from the
//   Gaussian) when large, the highest gradients first while under `maxGaussians`; Gaussians with
//   opacity under 0.005 are pruned;
//   every `resetEvery` steps in that window opacities are capped at 0.01.
// Adam's moments carry over for the Gaussians that survive a densification (new ones start at
// zero, as in 3DGS); an opacity reset zeroes only the opacity moments.
//
// The regression variant replaces the ray-cast views by views of a known set of Gaussians and
// starts from a perturbed copy of them.

import * as tg from "../library.js";
import { ArgumentError } from "../core/errors.js";
import { defaultScene, orbitCamera, renderScene, sampleSurface, type Scene } from "../splat/scene.js";
import type { OnStep } from "./progress.js";

export interface Splat3dOptions {
  /** Image side in pixels. Default 128. */
  size?: number;
  /** Training and held-out views. Defaults 40 and 10. */
  trainViews?: number;
  testViews?: number;
  /** Initial Gaussians (points sampled on the surfaces). Default 6000. */
  gaussians?: number;
  /** Most Gaussians densification may reach. Default 20000. */
  maxGaussians?: number;
  /** Most Adam steps (one view each). Default 4000. */
  steps?: number;
  /** Wall-clock budget in seconds. Default 600. */
  seconds?: number;
  seed?: number;
  /** Weight of 1 − SSIM in the loss. Default 0.2. */
  lambda?: number;
  /** Densify every this many steps (default 100), from step `densifyFrom` (default 300) while progress ≤ `densifyUntil` (a fraction of the run, default 0.5). */
  densifyEvery?: number;
  densifyFrom?: number;
  densifyUntil?: number;
  /** Mean view-space positional gradient norm (NDC units) above which a Gaussian is densified. Default 0.0002 (3DGS). */
  gradThreshold?: number;
  /** Cap opacities every this many steps during densification. Default 3000 (3DGS). */
  resetEvery?: number;
  /** "scene" (ray-cast, default) or "gaussians" (the regression scene made of Gaussians). */
  target?: "scene" | "gaussians";
  /** Record held-out PSNR every this many steps. Default 100. */
  evalEvery?: number;
  /**
   * What `seconds`, the schedule and the curve count: "wall" clock time (default) or this
   * process's "cpu" time (Node only), which stays meaningful on a machine shared with other work.
   */
  clock?: "wall" | "cpu";
  /** Called with each point of the held-out curve as it is recorded. */
  onEval?: (point: Splat3dResult["curve"][number]) => void;
  /** Orbit frames for the animation. Default 24. */
  orbitFrames?: number;
  onStep?: OnStep;
}

export interface Splat3dResult {
  target: "scene" | "gaussians";
  size: number;
  steps: number;
  /** Seconds (of the chosen clock) from the start of the call (views rendered, training) to the end of training. */
  seconds: number;
  /** Seconds of the whole call, the final evaluation and orbit renders included. */
  totalSeconds: number;
  /** Densifications that ran, and how many Gaussians they cloned, split and pruned in all. */
  densified: { count: number; cloned: number; split: number; pruned: number };
  stoppedEarly: boolean;
  gaussiansStart: number;
  gaussiansEnd: number;
  /** Mean PSNR over the held-out views, and per view. */
  testPsnr: number;
  testPsnrs: number[];
  trainPsnr: number;
  /** Held-out views and their renders, flat [size, size, 3]. */
  testImages: Float32Array[];
  testRenders: Float32Array[];
  /** Renders along the orbit for the animation. */
  orbit: Float32Array[];
  /** Held-out PSNR during training: every `evalEvery` steps and at the end. */
  curve: { step: number; seconds: number; gaussians: number; testPsnr: number }[];
  summary: string;
}

/** The trainable state as host arrays (rebuilt as tensors after each densification). */
interface Cloud {
  n: number;
  means: Float32Array;
  logScales: Float32Array;
  quats: Float32Array;
  colors: Float32Array;
  opacityLogits: Float32Array;
}

const C0 = 0.28209479177387814;
const logit = (p: number) => Math.log(p / (1 - p));

function params(c: Cloud) {
  return {
    means: tg.tensor(c.means, { shape: [c.n, 3] }).setRequiresGrad(),
    logScales: tg.tensor(c.logScales, { shape: [c.n, 3] }).setRequiresGrad(),
    quats: tg.tensor(c.quats, { shape: [c.n, 4] }).setRequiresGrad(),
    sh: tg.tensor(c.colors, { shape: [c.n, 1, 3] }).setRequiresGrad(),
    opacityLogits: tg.tensor(c.opacityLogits, { shape: [c.n] }).setRequiresGrad(),
  };
}
type Params = ReturnType<typeof params>;

function readBack(p: Params): Cloud {
  return {
    n: p.means.shape[0],
    means: Float32Array.from(p.means.data()),
    logScales: Float32Array.from(p.logScales.data()),
    quats: Float32Array.from(p.quats.data()),
    colors: Float32Array.from(p.sh.data()),
    opacityLogits: Float32Array.from(p.opacityLogits.data()),
  };
}

/** Initial learning rate of the positions (scene units per step); it decays to a hundredth. */
const meansLr = (extent: number) => 0.0016 * extent;

function optimizer(p: Params, extent: number) {
  return new tg.optim.Adam([
    { params: [p.means], lr: meansLr(extent) },
    { params: [p.logScales], lr: 0.005 },
    { params: [p.quats], lr: 0.001 },
    { params: [p.sh], lr: 0.0025 },
    { params: [p.opacityLogits], lr: 0.05 },
  ], { eps: 1e-15 });
}

function render(p: Params, cam: tg.splat.Camera, background: readonly number[], delta?: tg.Tensor): tg.Tensor {
  const proj = tg.splat.projectGaussians(p.means, tg.splat.covariance3d(p.logScales, p.quats), cam);
  const colors = tg.splat.shToColor(p.sh, tg.zeros([p.means.shape[0], 3]), 0);
  const means2d = delta ? proj.means.add(delta) : proj.means;
  return tg.splat.rasterize(means2d, proj.covs, colors, p.opacityLogits.sigmoid(), proj.depths, { height: cam.height, width: cam.width, background });
}

/**
 * Trains 3-D Gaussians on views of a procedural scene with known cameras and reports held-out PSNR.
 * @example const r = tg.examples.splat3d({ steps: 300, seconds: 60 }); r.testPsnr
 */
export function splat3d(opts: Splat3dOptions = {}): Splat3dResult {
  const size = opts.size ?? 128;
  const nTrain = opts.trainViews ?? 40, nTest = opts.testViews ?? 10;
  const maxSteps = opts.steps ?? 4000;
  const budget = opts.seconds ?? 600;
  const lambda = opts.lambda ?? 0.2;
  const targetKind = opts.target ?? "scene";
  const densifyEvery = opts.densifyEvery ?? 100;
  const densifyFrom = opts.densifyFrom ?? 300;
  const densifyUntil = opts.densifyUntil ?? 0.5;
  const gradThreshold = opts.gradThreshold ?? 0.0002;
  const resetEvery = opts.resetEvery ?? 3000;
  const maxN = opts.maxGaussians ?? 20000;
  const evalEvery = opts.evalEvery ?? 100;
  if (!(densifyUntil >= 0 && densifyUntil <= 1)) throw new ArgumentError(`splat3d: densifyUntil is a fraction of the run in [0, 1], got ${densifyUntil}`);
  if (!(gradThreshold > 0)) throw new ArgumentError(`splat3d: gradThreshold must be positive, got ${gradThreshold}`);
  const now = opts.clock === "cpu" && typeof process !== "undefined"
    ? () => { const c = process.cpuUsage(); return (c.user + c.system) / 1000; }
    : () => performance.now();
  const t0 = now();
  const elapsed = () => (now() - t0) / 1000;
  if (!(Number.isInteger(size) && size >= 16)) throw new ArgumentError(`splat3d: size must be a whole number ≥ 16, got ${size}`);
  if (!(nTrain >= 1 && nTest >= 1)) throw new ArgumentError(`splat3d: need at least one training and one held-out view`);
  const gen = tg.random.generator(opts.seed ?? 0);
  const u = () => gen.uniform();
  const scene: Scene = defaultScene();
  const background = targetKind === "scene" ? scene.sky : [0, 0, 0];

  // cameras: training views on a jittered spiral of elevations, held-out views in between
  const trainCams = Array.from({ length: nTrain }, (_, i) => orbitCamera((2 * Math.PI * i) / nTrain, 0.25 + 0.5 * ((i * 0.618) % 1), 4.5, size));
  const testCams = Array.from({ length: nTest }, (_, i) => orbitCamera((2 * Math.PI * (i + 0.5)) / nTest + 0.07, 0.3 + 0.4 * ((i * 0.382) % 1), 4.5, size));

  // initial cloud (and for the regression scene, the true Gaussians the views are made of)
  const n0 = opts.gaussians ?? (targetKind === "scene" ? 6000 : 1500);
  const spacing = Math.sqrt(30 / n0);
  const { points, colours } = sampleSurface(scene, n0, u);
  const cloud: Cloud = {
    n: n0,
    means: points,
    logScales: new Float32Array(3 * n0).fill(Math.log(0.6 * spacing)),
    quats: Float32Array.from({ length: 4 * n0 }, (_, i) => (i % 4 === 0 ? 1 : 0)),
    colors: Float32Array.from(colours, (c) => (c - 0.5) / C0),
    opacityLogits: new Float32Array(n0).fill(logit(0.5)),
  };
  let truthViews: (cam: tg.splat.Camera) => Float32Array;
  if (targetKind === "gaussians") {
    const truth = params({ ...cloud, logScales: Float32Array.from(cloud.logScales, () => Math.log(spacing * (0.5 + 0.6 * u()))), quats: Float32Array.from({ length: 4 * n0 }, () => u() - 0.5), opacityLogits: new Float32Array(n0).fill(logit(0.9)) });
    truthViews = (cam) => Float32Array.from(tg.noGrad(() => render(truth, cam, background)).data());
    // start from a perturbed copy
    const t = readBack(truth);
    cloud.means = Float32Array.from(t.means, (v) => v + 0.03 * (u() - 0.5));
    cloud.logScales = Float32Array.from(t.logScales, (v) => v + 0.2 * (u() - 0.5));
    cloud.quats = Float32Array.from(t.quats, (v) => v + 0.1 * (u() - 0.5));
    cloud.colors = Float32Array.from(t.colors, (v) => v + 0.3 * (u() - 0.5));
    cloud.opacityLogits = new Float32Array(n0).fill(logit(0.6));
  } else truthViews = (cam) => renderScene(scene, cam, 2);
  const trainImgs = trainCams.map((c) => tg.tensor(truthViews(c), { shape: [size, size, 3] }));
  const testImages = testCams.map(truthViews);

  const extent = 3;
  let p = params(cloud);
  let opt = optimizer(p, extent);
  let gradAcc = new Float32Array(cloud.n), gradCount = new Float32Array(cloud.n);
  const testPsnrOf = (): number[] =>
    tg.noGrad(() => testCams.map((cam, i) => tg.splat.psnr(render(p, cam, background).clamp(0, 1), tg.tensor(testImages[i], { shape: [size, size, 3] })).item()));

  const curve: Splat3dResult["curve"] = [];
  const densified = { count: 0, cloned: 0, split: 0, pruned: 0 };
  let step = 0;
  let stoppedEarly = false;
  const order: number[] = [];
  for (; step < maxSteps; step++) {
    if (order.length === 0) for (let i = 0; i < nTrain; i++) order.splice(Math.floor(u() * (order.length + 1)), 0, i);
    const v = order.pop()!;
    const progress = Math.min(1, Math.max(step / maxSteps, elapsed() / budget));
    opt.paramGroups[0].lr = meansLr(extent) * 0.01 ** progress;
    const n = p.means.shape[0];
    const delta = tg.zeros([n, 2]).setRequiresGrad();
    const img = render(p, trainCams[v], background, delta);
    const loss = lambda > 0 ? tg.splat.splatLoss(img, trainImgs[v], lambda) : tg.splat.l1(img, trainImgs[v]);
    opt.zeroGrad();
    loss.backward();
    opt.step();
    const value = loss.item();
    if (!Number.isFinite(value)) throw new ArgumentError(`splat3d: the loss became ${value} at step ${step}`);
    // view-space positional gradient in NDC (x_ndc = 2x/W − 1), counted where the Gaussian reached a pixel
    const g = delta.grad!.data();
    for (let i = 0; i < n; i++) {
      const m = Math.hypot(g[2 * i], g[2 * i + 1]);
      if (m > 0) {
        gradAcc[i] += m * (size / 2);
        gradCount[i] += 1;
      }
    }
    const s = step + 1;
    const densifying = progress <= densifyUntil;
    if (densifying && s >= densifyFrom && s % densifyEvery === 0) {
      const d = densify(readBack(p), gradAcc, gradCount, gradThreshold, 0.01 * extent, maxN, u);
      densified.count++;
      densified.cloned += d.cloned;
      densified.split += d.split;
      densified.pruned += d.pruned;
      const before = opt;
      p = params(d.cloud);
      opt = optimizer(p, extent);
      carryMoments(before, opt, d.source, null);
      gradAcc = new Float32Array(d.cloud.n);
      gradCount = new Float32Array(d.cloud.n);
    } else if (densifying && s % resetEvery === 0) {
      const c = readBack(p);
      c.opacityLogits = Float32Array.from(c.opacityLogits, (o) => Math.min(o, logit(0.01)));
      const before = opt;
      p = params(c);
      opt = optimizer(p, extent);
      carryMoments(before, opt, Int32Array.from({ length: c.n }, (_, i) => i), 4);
    }
    if (s % evalEvery === 0) {
      curve.push({ step: s, seconds: elapsed(), gaussians: p.means.shape[0], testPsnr: mean(testPsnrOf()) });
      opts.onEval?.(curve[curve.length - 1]);
    }
    if (opts.onStep && opts.onStep({ step: s, total: maxSteps, loss: value }) === false) {
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
  const testPsnrs = testPsnrOf();
  const testPsnr = mean(testPsnrs);
  if (curve[curve.length - 1]?.step !== step) curve.push({ step, seconds, gaussians: p.means.shape[0], testPsnr });
  const testRenders = tg.noGrad(() => testCams.map((cam) => Float32Array.from(render(p, cam, background).clamp(0, 1).data())));
  const trainPsnr = mean(tg.noGrad(() => trainCams.slice(0, 10).map((cam, i) => tg.splat.psnr(render(p, cam, background).clamp(0, 1), trainImgs[i]).item())));
  const frames = opts.orbitFrames ?? 24;
  const orbit = tg.noGrad(() => Array.from({ length: frames }, (_, i) => Float32Array.from(render(p, orbitCamera((2 * Math.PI * i) / frames, 0.45, 4.5, size), background).clamp(0, 1).data())));
  const totalSeconds = elapsed();
  const summary = [
    `${targetKind === "scene" ? "Ray-cast scene" : "Scene of Gaussians"}: ${nTrain} training and ${nTest} held-out ${size}×${size} views`,
    `${step} steps in ${seconds.toFixed(1)} s (${opts.clock === "cpu" ? "CPU" : "wall-clock"} time of the views' rendering and training; ${totalSeconds.toFixed(1)} s with the final renders); Gaussians ${n0} → ${p.means.shape[0]} (${densified.count} densifications: ${densified.cloned} cloned, ${densified.split} split, ${densified.pruned} pruned)`,
    `held-out PSNR ${testPsnr.toFixed(2)} dB (per view ${testPsnrs.map((x) => x.toFixed(1)).join(", ")}); training PSNR ${trainPsnr.toFixed(2)} dB`,
  ].join("\n");
  return { target: targetKind, size, steps: step, seconds, totalSeconds, densified, stoppedEarly, gaussiansStart: n0, gaussiansEnd: p.means.shape[0], testPsnr, testPsnrs, trainPsnr, testImages, testRenders, orbit, curve, summary };
}

function mean(xs: number[]): number {
  return xs.reduce((a, b) => a + b, 0) / xs.length;
}

/** Adaptive density control on host arrays: clone small, split large high-gradient Gaussians; prune transparent ones. */
/** Moves the Adam moments of the surviving Gaussians (row r of the new cloud came from `source[r]`, −1 for a new one: zero moments) to the new optimizer; `zeroGroup` names a group whose moments restart. */
function carryMoments(from: tg.optim.Adam, to: tg.optim.Adam, source: Int32Array, zeroGroup: number | null): void {
  const old = from.stateDict();
  const fresh = to.stateDict();
  const rows = source.length;
  from.paramGroups.forEach((g, gi) => {
    const prev = old.state[gi];
    const width = g.params[0].size / g.params[0].shape[0];
    const move = (t: tg.Tensor): tg.Tensor => {
      const src = t.data();
      const out = new Float32Array(rows * width);
      if (gi !== zeroGroup)
        for (let r = 0; r < rows; r++) if (source[r] >= 0) out.set(src.subarray(source[r] * width, source[r] * width + width), r * width);
      return tg.tensor(out, { shape: to.paramGroups[gi].params[0].shape });
    };
    fresh.state[gi] = { ...prev, expAvg: move(prev.expAvg), expAvgSq: move(prev.expAvgSq) };
  });
  to.loadStateDict(fresh);
}

interface Densified {
  cloud: Cloud;
  /** The Gaussian of the old cloud each row continues, −1 for the new ones. */
  source: Int32Array;
  cloned: number;
  split: number;
  pruned: number;
}

function densify(c: Cloud, acc: Float32Array, cnt: Float32Array, threshold: number, splitScale: number, maxN: number, u: () => number): Densified {
  const keep: number[] = [];
  const clones: number[] = [];
  const splits: number[] = [];
  const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));
  for (let i = 0; i < c.n; i++) {
    if (sigmoid(c.opacityLogits[i]) < 0.005) continue;
    keep.push(i);
    const g = cnt[i] > 0 ? acc[i] / cnt[i] : 0;
    if (g <= threshold) continue;
    const maxScale = Math.exp(Math.max(c.logScales[3 * i], c.logScales[3 * i + 1], c.logScales[3 * i + 2]));
    (maxScale <= splitScale ? clones : splits).push(i);
  }
  // within the budget, the highest gradients first
  const room = Math.max(0, maxN - keep.length);
  const grow = [...clones.map((i) => [i, 0]), ...splits.map((i) => [i, 1])]
    .sort((a, b) => acc[b[0]] / cnt[b[0]] - acc[a[0]] / cnt[a[0]])
    .slice(0, room);
  const splitSet = new Set(grow.filter(([, s]) => s === 1).map(([i]) => i));
  const out: Cloud = { n: 0, means: new Float32Array(0), logScales: new Float32Array(0), quats: new Float32Array(0), colors: new Float32Array(0), opacityLogits: new Float32Array(0) };
  const rows: { m: number[]; s: number[]; q: number[]; c: number[]; o: number; from: number }[] = [];
  const row = (i: number) => ({
    m: Array.from(c.means.subarray(3 * i, 3 * i + 3)), s: Array.from(c.logScales.subarray(3 * i, 3 * i + 3)),
    q: Array.from(c.quats.subarray(4 * i, 4 * i + 4)), c: Array.from(c.colors.subarray(3 * i, 3 * i + 3)), o: c.opacityLogits[i], from: i,
  });
  const normal = () => Math.sqrt(-2 * Math.log(Math.max(1e-12, u()))) * Math.cos(2 * Math.PI * u());
  // a sample of the Gaussian: μ + R·diag(e^s)·z
  const sampleFrom = (r: ReturnType<typeof row>): number[] => {
    const [w, x, y, z] = (() => { const l = Math.hypot(...r.q); return r.q.map((v) => v / l); })();
    const R = [
      1 - 2 * (y * y + z * z), 2 * (x * y - w * z), 2 * (x * z + w * y),
      2 * (x * y + w * z), 1 - 2 * (x * x + z * z), 2 * (y * z - w * x),
      2 * (x * z - w * y), 2 * (y * z + w * x), 1 - 2 * (x * x + y * y),
    ];
    const e = r.s.map((v) => Math.exp(v) * normal());
    return [0, 1, 2].map((a) => r.m[a] + R[3 * a] * e[0] + R[3 * a + 1] * e[1] + R[3 * a + 2] * e[2]);
  };
  for (const i of keep) {
    const r = row(i);
    if (splitSet.has(i)) {
      const s = r.s.map((v) => v - Math.log(1.6));
      rows.push({ ...r, m: sampleFrom(r), s, from: -1 }, { ...r, m: sampleFrom(r), s, from: -1 });
    } else rows.push(r);
  }
  for (const [i, s] of grow) if (s === 0) rows.push({ ...row(i), from: -1 });
  const n = rows.length;
  out.n = n;
  out.means = Float32Array.from(rows.flatMap((r) => r.m));
  out.logScales = Float32Array.from(rows.flatMap((r) => r.s));
  out.quats = Float32Array.from(rows.flatMap((r) => r.q));
  out.colors = Float32Array.from(rows.flatMap((r) => r.c));
  out.opacityLogits = Float32Array.from(rows.map((r) => r.o));
  return { cloud: out, source: Int32Array.from(rows, (r) => r.from), cloned: grow.length - splitSet.size, split: splitSet.size, pruned: c.n - keep.length };
}
