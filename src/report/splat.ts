// Reports of the splatting experiments: the tutorial Gaussians (density, contour rings at 1σ, 2σ
// and 3σ, principal axes dashed), and the image fit (target, fit, error map, snapshots, the
// Gaussians drawn as ellipses over the fit, PSNR over time).

import type * as examples from "../examples/index.js";
import { Figure } from "../plot/index.js";
import { encodeAPNG, encodePNG } from "../splat/png.js";
import { reportFigure } from "./figure.js";
import type { Report, ReportFigure, ReportImage } from "./types.js";

function gaussianFigure(name: string, title: string, f: examples.GaussianField, caption: string): ReportFigure {
  const fig = new Figure({ width: 620, height: 560, title });
  const ax = fig.axes({ xlabel: "x", ylabel: "y", legend: "upper right" });
  ax.heatmap(f.grid, { colormap: "viridis" });
  ax.contour(f.grid, { levels: f.ringLevels, filled: false, lineColor: "#ffffff" });
  const [l1, l2] = f.eigenvalues;
  f.axes.forEach((v, i) => {
    const h = 3 * Math.sqrt(i === 0 ? l1 : l2);
    ax.line([f.mu[0] - h * v[0], f.mu[0] + h * v[0]], [f.mu[1] - h * v[1], f.mu[1] + h * v[1]], { color: i === 0 ? "#ff7f0e" : "#d62728", dash: "dashed", width: 2, label: `${i === 0 ? "major" : "minor"} axis (3√λ = ${h.toFixed(2)})` });
  });
  ax.scatter([f.mu[0]], [f.mu[1]], { color: "#ffffff", size: 5, label: `μ = (${f.mu.join(", ")})` });
  return reportFigure(name, title, caption, fig);
}

/**
 * The report of `tensorgrad run gaussians`.
 * @example const report = gaussiansReport(examples.gaussians());
 */
export function gaussiansReport(r: examples.GaussiansResult): Report {
  const iso = r.isotropic, an = r.anisotropic;
  return {
    experiment: "gaussians",
    title: "2-D Gaussians: isotropic and anisotropic",
    description: "The building block of Gaussian splatting: a 2-D Gaussian's density, its 1σ/2σ/3σ contour rings, and for a full covariance its principal axes (the eigenvectors of Σ, half-length 3√λ).",
    settings: { "mu x": iso.mu[0], "mu y": iso.mu[1], sigma: Math.sqrt(iso.cov[0]), "cov xx": an.cov[0], "cov xy": an.cov[1], "cov yy": an.cov[2] },
    status: { completed: true, stepsRun: 0, stepsRequested: 0 },
    results: { "lambda 1": an.eigenvalues[0], "lambda 2": an.eigenvalues[1] },
    summary: r.summary,
    figures: [
      gaussianFigure("isotropic", `Isotropic Gaussian, σ² = ${iso.cov[0]}`, iso, "Circular rings at 1σ, 2σ and 3σ: every direction has the same spread σ."),
      gaussianFigure("anisotropic", `Anisotropic Gaussian, Σ = [[${an.cov[0]}, ${an.cov[1]}], [${an.cov[1]}, ${an.cov[2]}]]`, an, "Elliptic rings; the dashed lines are the eigenvectors of Σ, each 3√λ long on both sides of μ."),
    ],
    tables: [],
  };
}

function errorMap(target: Float32Array, render: Float32Array): Float32Array {
  // |error| averaged over channels, ×4, in an inferno-like ramp (black → red → yellow → white)
  const out = new Float32Array(target.length);
  for (let p = 0; p < target.length / 3; p++) {
    let e = 0;
    for (let c = 0; c < 3; c++) e += Math.abs(target[3 * p + c] - render[3 * p + c]);
    const v = Math.min(1, (4 * e) / 3);
    out[3 * p] = Math.min(1, 3 * v);
    out[3 * p + 1] = Math.min(1, Math.max(0, 3 * v - 1));
    out[3 * p + 2] = Math.min(1, Math.max(0, 3 * v - 2));
  }
  return out;
}

function dataURI(png: Uint8Array): string {
  let s = "";
  for (let i = 0; i < png.length; i++) s += String.fromCharCode(png[i]);
  return `data:image/png;base64,${btoa(s)}`;
}

/** The fit with its Gaussians drawn as 2σ ellipses (the most opaque ones, at most `limit`). */
function ellipsesFigure(r: examples.SplatImageResult, fitPng: Uint8Array, limit = 2000): ReportFigure {
  const { width: W, height: H } = r;
  const scale = Math.max(1, Math.floor(720 / Math.max(W, H)));
  const f = r.final;
  const order = Array.from({ length: r.gaussians }, (_, i) => i).sort((a, b) => f.opacities[b] - f.opacities[a]).slice(0, limit);
  const shapes = order.map((g) => {
    const a = f.covs[3 * g], b = f.covs[3 * g + 1], c = f.covs[3 * g + 2];
    const mid = (a + c) / 2, rad = Math.sqrt(Math.max(0, mid * mid - (a * c - b * b)));
    const l1 = mid + rad, l2 = Math.max(1e-6, mid - rad);
    const ang = (Math.atan2(l1 - a, b || 1e-12) * 180) / Math.PI;
    const ax = Math.abs(b) > 1e-12 ? ang : a >= c ? 0 : 90;
    return `<ellipse cx="${(f.means[2 * g] * scale).toFixed(1)}" cy="${(f.means[2 * g + 1] * scale).toFixed(1)}" rx="${(2 * Math.sqrt(l1) * scale).toFixed(2)}" ry="${(2 * Math.sqrt(l2) * scale).toFixed(2)}" transform="rotate(${ax.toFixed(1)} ${(f.means[2 * g] * scale).toFixed(1)} ${(f.means[2 * g + 1] * scale).toFixed(1)})"/>`;
  });
  const w = W * scale, h = H * scale;
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="${h}" viewBox="0 0 ${w} ${h}"><image href="${dataURI(fitPng)}" width="${w}" height="${h}" style="image-rendering:pixelated" opacity="0.6"/><g fill="none" stroke="#00e5ff" stroke-width="0.7" stroke-opacity="0.8">${shapes.join("")}</g></svg>`;
  return { name: "ellipses", title: "The Gaussians as ellipses", caption: `The ${order.length} most opaque of the ${r.gaussians} Gaussians, each drawn as its 2σ ellipse over the fit.`, svg, width: w, height: h };
}

function snapshotsFigure(r: examples.SplatImageResult, pngs: Uint8Array[]): ReportFigure {
  const tile = 200, gap = 10, cols = pngs.length;
  const w = cols * tile + (cols + 1) * gap, h = tile + 40;
  const parts = r.snapshots.map((s, i) => {
    const x = gap + i * (tile + gap);
    return `<image href="${dataURI(pngs[i])}" x="${x}" y="${gap}" width="${tile}" height="${tile}" preserveAspectRatio="xMidYMid meet"/><text x="${x + tile / 2}" y="${tile + 30}" text-anchor="middle" font-family="sans-serif" font-size="13">step ${s.step}, ${s.seconds.toFixed(1)} s, ${s.psnr.toFixed(1)} dB</text>`;
  });
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="${h}" viewBox="0 0 ${w} ${h}"><rect width="${w}" height="${h}" fill="#ffffff"/>${parts.join("")}</svg>`;
  return { name: "snapshots", title: "Snapshots", caption: "The render at the recorded steps, from the initial placement to the end.", svg, width: w, height: h };
}

/**
 * The report of `tensorgrad run splat-image`: target.png, fit.png, error.png and snapshot PNGs
 * as written, and figures of the snapshots, the ellipses and PSNR over time.
 * @example const report = await splatImageReport(examples.splatImage(target));
 */
export async function splatImageReport(r: examples.SplatImageResult, opts: { source?: string; stepsRequested?: number; secondsRequested?: number } = {}): Promise<Report> {
  const shape = [r.height, r.width, 3] as const;
  const targetPng = await encodePNG(r.target, shape);
  const fitPng = await encodePNG(r.render, shape);
  const snapPngs = await Promise.all(r.snapshots.map((s) => encodePNG(s.render, shape)));
  const images: ReportImage[] = [
    { name: "target", png: targetPng },
    { name: "fit", png: fitPng },
    { name: "error", png: await encodePNG(errorMap(r.target, r.render), shape) },
    ...r.snapshots.map((s, i) => ({ name: `snapshot-${String(s.step).padStart(5, "0")}`, png: snapPngs[i] })),
  ];
  const curve = new Figure({ width: 720, height: 420, title: "PSNR over time" });
  curve.axes({ xlabel: "seconds", ylabel: "PSNR (dB)" }).line(r.curve.map((c) => c.seconds), r.curve.map((c) => c.psnr), { color: "#1f77b4", width: 2 });
  return {
    experiment: "splat-image",
    title: `Fitting an image with ${r.gaussians} 2-D Gaussians`,
    description: "2-D Gaussians (position, log-scales, angle, colour, opacity logit) rendered by the splat rasteriser and fitted by Adam with a learning rate per parameter group. target.png, fit.png and error.png (|error| ×4) lie beside this report.",
    settings: { image: opts.source ?? "(tensor)", width: r.width, height: r.height, gaussians: r.gaussians, "steps asked": opts.stepsRequested ?? r.steps, "seconds asked": opts.secondsRequested ?? r.seconds },
    status: { completed: !r.stoppedEarly, stepsRun: r.steps, stepsRequested: opts.stepsRequested ?? r.steps },
    results: { psnr: r.psnr, ssim: r.ssim, steps: r.steps, seconds: r.seconds, gaussians: r.gaussians },
    summary: r.summary,
    figures: [
      snapshotsFigure(r, snapPngs),
      ellipsesFigure(r, fitPng),
      reportFigure("psnr", "PSNR over time", "Peak signal-to-noise ratio of the render (clamped to [0, 1]) against the target, by wall-clock time.", curve),
    ],
    tables: [{ name: "psnr", title: "PSNR over time", columns: ["step", "seconds", "psnr"], rows: r.curve.map((c) => [c.step, c.seconds, c.psnr]) }],
    images,
  };
}

/** Held-out views (top row) beside their renders (bottom row), as one figure. */
function pairsFigure(r: examples.Splat3dResult, truth: Uint8Array[], renders: Uint8Array[]): ReportFigure {
  const tile = 128, gap = 8, cols = truth.length;
  const w = cols * tile + (cols + 1) * gap, h = 2 * tile + 3 * gap + 22;
  const cells: string[] = [];
  for (let i = 0; i < cols; i++) {
    const x = gap + i * (tile + gap);
    cells.push(`<image href="${dataURI(truth[i])}" x="${x}" y="${gap}" width="${tile}" height="${tile}" style="image-rendering:pixelated"/>`);
    cells.push(`<image href="${dataURI(renders[i])}" x="${x}" y="${2 * gap + tile}" width="${tile}" height="${tile}" style="image-rendering:pixelated"/>`);
    cells.push(`<text x="${x + tile / 2}" y="${2 * tile + 2 * gap + 20}" text-anchor="middle" font-family="sans-serif" font-size="12">${r.testPsnrs[i].toFixed(1)} dB</text>`);
  }
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="${h}" viewBox="0 0 ${w} ${h}"><rect width="${w}" height="${h}" fill="#ffffff"/>${cells.join("")}</svg>`;
  return { name: "held-out", title: "Held-out views and renders", caption: "Top: the exact held-out views; bottom: the trained Gaussians rendered from the same cameras, with each view's PSNR.", svg, width: w, height: h };
}

/**
 * The report of `tensorgrad run splat-3d`: held-out views beside renders, PSNR over training,
 * the orbit as an animated PNG (orbit.png), each held-out pair as PNGs.
 * @example const report = await splat3dReport(examples.splat3d({ steps: 300 }));
 */
export async function splat3dReport(r: examples.Splat3dResult, opts: { stepsRequested?: number; secondsRequested?: number } = {}): Promise<Report> {
  const shape = [r.size, r.size, 3] as const;
  const truth = await Promise.all(r.testImages.map((x) => encodePNG(x, shape)));
  const renders = await Promise.all(r.testRenders.map((x) => encodePNG(x, shape)));
  const images: ReportImage[] = [
    { name: "orbit", png: await encodeAPNG(r.orbit, r.size, r.size, 80) },
    ...truth.map((png, i) => ({ name: `held-out-${i}-view`, png })),
    ...renders.map((png, i) => ({ name: `held-out-${i}-render`, png })),
  ];
  const curve = new Figure({ width: 720, height: 420, title: "Held-out PSNR during training" });
  curve.axes({ xlabel: "wall-clock seconds", ylabel: "held-out PSNR (dB)" }).line(r.curve.map((c) => c.seconds), r.curve.map((c) => c.testPsnr), { color: "#1f77b4", width: 2, marker: "circle" });
  return {
    experiment: "splat-3d",
    title: r.target === "scene" ? "3-D Gaussian splatting on a ray-cast scene" : "3-D Gaussian splatting on a scene made of Gaussians",
    description: "Gaussians initialised from points on the scene's known surfaces, trained by Adam on 0.8·L1 + 0.2·(1 − SSIM) over the training views with adaptive density control; PSNR is measured on held-out cameras. orbit.png is an animated PNG (APNG) of renders around the scene.",
    settings: { size: r.size, "steps asked": opts.stepsRequested ?? r.steps, "seconds asked": opts.secondsRequested ?? r.seconds, "gaussians at start": r.gaussiansStart },
    status: { completed: !r.stoppedEarly, stepsRun: r.steps, stepsRequested: opts.stepsRequested ?? r.steps },
    results: { "held-out psnr": r.testPsnr, "training psnr": r.trainPsnr, steps: r.steps, seconds: r.seconds, "total seconds": r.totalSeconds, gaussians: r.gaussiansEnd, densifications: r.densified.count, cloned: r.densified.cloned, split: r.densified.split, pruned: r.densified.pruned },
    summary: r.summary,
    figures: [pairsFigure(r, truth, renders), reportFigure("psnr", "Held-out PSNR", "Mean PSNR over the held-out views as training proceeds.", curve)],
    tables: [{ name: "held-out", title: "Held-out PSNR during training", columns: ["step", "seconds", "gaussians", "held_out_psnr"], rows: r.curve.map((c) => [c.step, c.seconds, c.gaussians, c.testPsnr]) }],
    images,
  };
}
