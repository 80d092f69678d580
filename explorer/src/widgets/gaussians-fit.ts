// The image fit of `tensorgrad run splat-image`, live: N 2-D Gaussians (means, log-scales,
// angles, colours, opacities) rendered by tg.splat.rasterize and fitted to a 64×64 astronaut by
// Adam (src/examples' splatImageFit), one step per stage, computed in the page. The render, its
// Gaussians drawn as 1σ ellipses (principal axes from each screen covariance) and PSNR over the
// steps; every computed step is kept, so Back and Reset show earlier ones without recomputing.

import * as tg from "../../../src/index.js";
import { principalAxes, splatImageFit, type SplatGaussians2d, type SplatImageFit } from "../../../src/examples/index.js";
import astronaut from "../../../data/astronaut-64.png";
import { field, h, intParam, num, pause, s, stepper } from "../ui.js";

export interface FitState {
  seed: number;
  count: number;
  step: number;
  ellipses: boolean;
}

/** Adam steps a fit runs to. */
export const FIT_STEPS = 200;
const SCALE = 4; // screen pixels per image pixel

interface Snapshot {
  psnr: number;
  render: Float32Array;
  gaussians: SplatGaussians2d;
}

function paintImage(ctx: CanvasRenderingContext2D, rgb: ArrayLike<number>, w: number, hgt: number): void {
  const off = document.createElement("canvas");
  off.width = w;
  off.height = hgt;
  const octx = off.getContext("2d")!;
  const img = octx.createImageData(w, hgt);
  for (let p = 0; p < w * hgt; p++) {
    for (let c = 0; c < 3; c++) img.data[4 * p + c] = Math.round(Math.min(1, Math.max(0, rgb[3 * p + c])) * 255);
    img.data[4 * p + 3] = 255;
  }
  octx.putImageData(img, 0, 0);
  ctx.imageSmoothingEnabled = false;
  ctx.drawImage(off, 0, 0, w * SCALE, hgt * SCALE);
}

/** Each Gaussian's 1σ ellipse, its stroke about as opaque as the Gaussian. */
function paintEllipses(ctx: CanvasRenderingContext2D, g: SplatGaussians2d): void {
  const n = g.opacities.length;
  ctx.lineWidth = 1;
  for (let i = 0; i < n; i++) {
    const { eigenvalues: [l1, l2], axes: [v1] } = principalAxes([g.covs[3 * i], g.covs[3 * i + 1], g.covs[3 * i + 2]]);
    if (!(l2 > 0)) continue;
    ctx.strokeStyle = `rgba(53, 208, 224, ${(0.15 + 0.6 * g.opacities[i]).toFixed(2)})`;
    ctx.beginPath();
    ctx.ellipse(g.means[2 * i] * SCALE, g.means[2 * i + 1] * SCALE, Math.sqrt(l1) * SCALE, Math.sqrt(l2) * SCALE, Math.atan2(v1[1], v1[0]), 0, 2 * Math.PI);
    ctx.stroke();
  }
}

/** Builds the image-fit panel inside `root`; `save` receives its state for the URL hash. Returns the cleanup. */
export function mountImageFit(root: HTMLElement, params: URLSearchParams, save: (s: FitState) => void): () => void {
  const state: FitState = {
    seed: intParam(params, "seed", 0, 0, 1e9),
    count: intParam(params, "count", 200, 1, 2000),
    step: intParam(params, "step", 0, 0, FIT_STEPS),
    ellipses: params.get("ell") !== "0",
  };
  let alive = true;
  const reload = (patch: Partial<FitState>) => {
    const p = new URLSearchParams(location.hash.replace(/^#[^?]*\??/, ""));
    for (const [k, v] of Object.entries({ ...patch, step: 0 })) p.set(k, String(v));
    location.hash = `#gaussians?${p.toString()}`;
  };

  const panel = h("div", { class: "panel", style: "margin-top: 12px", "data-fit": "" });
  root.append(panel);
  const countIn = h("input", { type: "number", min: "1", max: "2000", step: "1", value: String(state.count) });
  const seedIn = h("input", { type: "number", min: "0", step: "1", value: String(state.seed) });
  const ellIn = h("input", { type: "checkbox", checked: state.ellipses });
  countIn.addEventListener("change", () => {
    const n = Math.round(Number(countIn.value));
    if (Number.isFinite(n) && n >= 1 && n <= 2000) reload({ count: n });
  });
  seedIn.addEventListener("change", () => {
    const n = Math.round(Number(seedIn.value));
    if (Number.isFinite(n) && n >= 0) reload({ seed: n });
  });
  const status = h("p", { class: "status", "aria-live": "polite", "data-fit-status": "loading" }, "Decoding the target…");
  const timing = h("p", { class: "hint", "data-fit-timing": "" });
  const bar = stepper({ total: FIT_STEPS, start: state.step, label: "Adam steps of the image fit", intervalMs: 20, onStage: (k) => request(k) });
  const targetCanvas = h("canvas", { width: 64 * SCALE, height: 64 * SCALE, role: "img", "aria-label": "the 64×64 target image" });
  const fitCanvas = h("canvas", { width: 64 * SCALE, height: 64 * SCALE, role: "img", "aria-label": "the Gaussians' render at the current step, with their 1σ ellipses", "data-fit-canvas": "" });
  const W = 420, H = 256;
  const plot = s("svg", { class: "plot", viewBox: `0 0 ${W} ${H}`, width: W, height: H, role: "img", "aria-label": "PSNR in dB over the Adam steps" });
  panel.append(
    h("h3", {}, `Fitting a 64×64 image with 2-D Gaussians, live (Adam on the mean squared error, ${FIT_STEPS} steps)`),
    h("p", { class: "lede" }, "Each Gaussian has a position, a covariance Σ = R(θ)·diag(e²ˢ¹, e²ˢ²)·R(θ)ᵀ, a colour and an opacity; tg.splat.rasterize composites them front to back, and every step back-propagates the error to all of them. The ellipses are each Gaussian's 1σ level set, with axes along its covariance's eigenvectors."),
    h("div", { class: "controls" }, field("Gaussians", countIn), field("seed", seedIn), field("show ellipses", ellIn)),
    bar.el,
    status,
    h(
      "div",
      { class: "row" },
      h("div", { class: "layer" }, h("span", { class: "hint" }, "target"), targetCanvas),
      h("div", { class: "layer" }, h("span", { class: "hint" }, "render and ellipses"), fitCanvas),
      h("div", { class: "col" }, h("span", { class: "hint" }, "PSNR (dB) over steps"), plot),
    ),
    timing,
  );

  let fit: SplatImageFit | undefined;
  const history: Snapshot[] = [];
  let computeMs = 0;
  const snapshot = (f: SplatImageFit): Snapshot => {
    const img = f.render();
    return { psnr: f.psnr(img), render: Float32Array.from(img.data()), gaussians: f.current() };
  };
  const advance = (f: SplatImageFit) => {
    const t0 = performance.now();
    f.step();
    history.push(snapshot(f));
    computeMs += performance.now() - t0;
  };

  const lo = 5, hi = 35;
  const px = (k: number) => 40 + (k / FIT_STEPS) * (W - 70);
  const py = (db: number) => 10 + (1 - (Math.min(hi, Math.max(lo, db)) - lo) / (hi - lo)) * (H - 40);
  const show = (k: number) => {
    const snap = history[k];
    const ctx = fitCanvas.getContext("2d")!;
    paintImage(ctx, snap.render, 64, 64);
    if (state.ellipses) paintEllipses(ctx, snap.gaussians);
    plot.replaceChildren();
    for (let db = lo; db <= hi; db += 5)
      plot.append(s("line", { x1: 40, y1: py(db), x2: W - 30, y2: py(db), stroke: "#2a343e" }), s("text", { x: 6, y: py(db) + 4, fill: "#a9b4bf", "font-size": 11 }, String(db)));
    for (let t = 0; t <= FIT_STEPS; t += 50) plot.append(s("text", { x: px(t) - 8, y: H - 12, fill: "#a9b4bf", "font-size": 11 }, String(t)));
    let d = "";
    for (let t = 0; t < history.length; t++) d += `${t ? "L" : "M"}${px(t).toFixed(1)},${py(history[t].psnr).toFixed(1)}`;
    plot.append(s("path", { d, fill: "none", stroke: "#5ee08a", "stroke-width": 2, "data-psnr-curve": "" }));
    plot.append(s("circle", { cx: px(k), cy: py(snap.psnr), r: 4, fill: "#ffb02e" }));
    status.textContent = `step ${k}: PSNR ${num(snap.psnr, 2)} dB with ${state.count} Gaussians`;
    status.dataset.fitStatus = "shown";
    status.dataset.step = String(k);
    status.dataset.psnr = String(snap.psnr);
    const steps = history.length - 1;
    if (steps > 0) timing.textContent = `${steps} steps computed in this page, ${num((1000 * steps) / computeMs, 1)} steps/s`;
    state.step = k;
    save({ ...state });
  };

  // the stage asked for; steps past the computed ones run here (one at once, more with pauses)
  let want = state.step;
  let busy = false;
  const request = (k: number) => {
    want = k;
    if (!busy) void pump();
  };
  const pump = async () => {
    if (!fit || !alive) return;
    busy = true;
    try {
      while (alive && history.length <= want) {
        if (want - history.length >= 1) {
          status.textContent = `computing step ${history.length} / ${want}…`;
          status.dataset.fitStatus = "computing";
          await pause();
          if (!alive) return;
        }
        if (history.length <= want) advance(fit);
      }
    } catch (e) {
      bar.stop();
      status.textContent = `The fit stopped: ${e instanceof Error ? e.message : String(e)}`;
      status.dataset.fitStatus = "failed";
      return;
    } finally {
      busy = false;
    }
    if (alive) show(want);
  };

  ellIn.addEventListener("change", () => {
    state.ellipses = ellIn.checked;
    if (history.length > bar.stage) show(bar.stage);
  });

  void (async () => {
    try {
      const target = tg.splat.imageTensor(await tg.splat.decodePNG(astronaut));
      if (!alive) return;
      paintImage(targetCanvas.getContext("2d")!, target.data(), 64, 64);
      fit = splatImageFit(target, { gaussians: state.count, seed: state.seed });
      history.push(snapshot(fit));
      await pump();
    } catch (e) {
      status.textContent = `Could not start the fit: ${e instanceof Error ? e.message : String(e)}`;
      status.dataset.fitStatus = "failed";
    }
  })();

  return () => {
    alive = false;
    bar.stop();
  };
}
