// Gaussians, the start of splatting: an isotropic 2-D Gaussian (Σ = σ²I) beside an anisotropic
// one with a full covariance set by sliders (Σxx, Σyy and the correlation ρ), drawn as densities
// with their 1σ, 2σ and 3σ ellipses and principal axes (src/examples' gaussians and
// principalAxes); below them, the image fit of `tensorgrad run splat-image` running live in the
// page (./gaussians-fit.ts).

import { gaussians, principalAxes, type GaussianField } from "../../../src/examples/index.js";
import { field, h, num, numParam, writeHash } from "../ui.js";
import type { Widget } from "../widget.js";
import { mountImageFit, type FitState } from "./gaussians-fit.js";

const VIEW = 5; // both plots show [−VIEW, VIEW]²
const SIZE = 240;

/** The anisotropic covariance (Σxx, Σxy, Σyy) of the sliders: Σxy = ρ·√(Σxx·Σyy). */
export function covarianceOf(sxx: number, syy: number, rho: number): [number, number, number] {
  return [sxx, rho * Math.sqrt(sxx * syy), syy];
}

/** Density heat (dark blue → cyan → white), normalised to the peak. */
function heat(t: number): [number, number, number] {
  const u = Math.min(1, Math.max(0, t));
  return u < 0.6 ? [16 + 20 * (u / 0.6), 20 + 160 * (u / 0.6), 24 + 176 * (u / 0.6)] : [36 + 219 * ((u - 0.6) / 0.4), 180 + 75 * ((u - 0.6) / 0.4), 200 + 55 * ((u - 0.6) / 0.4)];
}

function drawField(canvas: HTMLCanvasElement, f: GaussianField): void {
  const ctx = canvas.getContext("2d")!;
  const W = canvas.width;
  const scale = W / (2 * VIEW);
  const sx = (x: number) => (x + VIEW) * scale;
  const sy = (y: number) => W - (y + VIEW) * scale;
  ctx.fillStyle = "rgb(16,20,24)";
  ctx.fillRect(0, 0, W, W);
  // the density grid (ys increase upwards, so its first row is the image's last)
  const { xs, ys, z } = f.grid;
  const n = xs.length;
  const peak = Math.max(...z.map((r) => Math.max(...r)));
  const off = document.createElement("canvas");
  off.width = n;
  off.height = n;
  const octx = off.getContext("2d")!;
  const img = octx.createImageData(n, n);
  for (let i = 0; i < n; i++)
    for (let j = 0; j < n; j++) {
      const [r, g, b] = heat(z[i][j] / peak);
      const o = 4 * ((n - 1 - i) * n + j);
      img.data[o] = r;
      img.data[o + 1] = g;
      img.data[o + 2] = b;
      img.data[o + 3] = 255;
    }
  octx.putImageData(img, 0, 0);
  const x0 = sx(xs[0]), x1 = sx(xs[n - 1]), y0 = sy(ys[n - 1]), y1 = sy(ys[0]);
  ctx.drawImage(off, x0, y0, x1 - x0, y1 - y0);
  // axes of the plane
  ctx.strokeStyle = "rgba(169,180,191,0.35)";
  ctx.lineWidth = 1;
  ctx.beginPath();
  ctx.moveTo(0, sy(0));
  ctx.lineTo(W, sy(0));
  ctx.moveTo(sx(0), 0);
  ctx.lineTo(sx(0), W);
  ctx.stroke();
  // the k·σ ellipses: half-axes k·√λᵢ along vᵢ (screen y points down, so the angle flips)
  const [l1, l2] = f.eigenvalues;
  const [v1, v2] = f.axes;
  const angle = -Math.atan2(v1[1], v1[0]);
  const cx = sx(f.mu[0]), cy = sy(f.mu[1]);
  ctx.strokeStyle = "#ffe066";
  for (const k of [1, 2, 3]) {
    ctx.lineWidth = k === 1 ? 2 : 1;
    ctx.setLineDash(k === 1 ? [] : [5, 4]);
    ctx.beginPath();
    ctx.ellipse(cx, cy, k * Math.sqrt(l1) * scale, k * Math.sqrt(l2) * scale, angle, 0, 2 * Math.PI);
    ctx.stroke();
  }
  ctx.setLineDash([]);
  // principal axes: √λᵢ·vᵢ from the centre
  const arrow = (v: [number, number], len: number, color: string, name: string) => {
    const ex = cx + v[0] * len * scale, ey = cy - v[1] * len * scale;
    ctx.strokeStyle = color;
    ctx.fillStyle = color;
    ctx.lineWidth = 2.5;
    ctx.beginPath();
    ctx.moveTo(cx, cy);
    ctx.lineTo(ex, ey);
    ctx.stroke();
    const a = Math.atan2(ey - cy, ex - cx);
    ctx.beginPath();
    ctx.moveTo(ex, ey);
    ctx.lineTo(ex - 9 * Math.cos(a - 0.4), ey - 9 * Math.sin(a - 0.4));
    ctx.lineTo(ex - 9 * Math.cos(a + 0.4), ey - 9 * Math.sin(a + 0.4));
    ctx.fill();
    ctx.font = "bold 14px system-ui, sans-serif";
    ctx.fillText(name, ex + 6 * Math.cos(a) - 5, ey + 6 * Math.sin(a) + 14 * Math.max(0, Math.sin(a)) + 4);
  };
  arrow(v1, Math.sqrt(l1), "#ff7b72", "v₁");
  arrow(v2, Math.sqrt(l2), "#5ee08a", "v₂");
}

export const gaussiansWidget: Widget = {
  id: "gaussians",
  title: "Gaussians, and an image made of them",
  short: "Gaussians",
  mount(root, params) {
    let sigma = numParam(params, "sigma", 1, 0.3, 2.5);
    let sxx = numParam(params, "sxx", 2, 0.2, 4);
    let syy = numParam(params, "syy", 1, 0.2, 4);
    let rho = numParam(params, "rho", 0.85, -0.95, 0.95);
    let fit: FitState = { seed: 0, count: 200, step: 0, ellipses: true };
    const save = () => writeHash("gaussians", { sigma, sxx, syy, rho, seed: fit.seed, count: fit.count, step: fit.step, ell: fit.ellipses ? 1 : 0 });

    root.append(
      h("p", { class: "lede" }, "g(x) = exp(−½ (x − μ)ᵀ Σ⁻¹ (x − μ)) / (2π √det Σ). With Σ = σ²I the Gaussian is round; a full Σ stretches and turns it: its level sets are ellipses whose axes are Σ's eigenvectors vᵢ, with half-lengths k·√λᵢ at kσ. Splatting paints an image with many such ellipses and fits them by gradient descent."),
    );
    const slider = (min: number, max: number, step: number, value: number) => h("input", { type: "range", min: String(min), max: String(max), step: String(step), value: String(value) });
    const sigmaIn = slider(0.3, 2.5, 0.05, sigma);
    const sxxIn = slider(0.2, 4, 0.05, sxx);
    const syyIn = slider(0.2, 4, 0.05, syy);
    const rhoIn = slider(-0.95, 0.95, 0.05, rho);
    const outs = [sigmaIn, sxxIn, syyIn, rhoIn].map(() => h("output", { class: "stage" }));
    const isoCanvas = h("canvas", { width: SIZE, height: SIZE, role: "img", "aria-label": "isotropic Gaussian density with its 1σ, 2σ and 3σ circles" });
    const anisoCanvas = h("canvas", { width: SIZE, height: SIZE, role: "img", "aria-label": "anisotropic Gaussian density with its 1σ, 2σ and 3σ ellipses and principal axes" });
    const isoNums = h("div", { class: "math", style: "flex: 1 1 220px", "data-iso": "" });
    const anisoNums = h("div", { class: "math", style: "flex: 1 1 220px", "data-aniso": "" });
    root.append(
      h(
        "div",
        { class: "row" },
        h(
          "div",
          { class: "col panel" },
          h("h3", {}, "Isotropic: Σ = σ²I"),
          h("div", { class: "controls" }, field("σ", sigmaIn), outs[0]),
          h("div", { class: "row" }, isoCanvas, isoNums),
        ),
        h(
          "div",
          { class: "col panel" },
          h("h3", {}, "Anisotropic: a full covariance Σ"),
          h("div", { class: "controls" }, field("Σxx", sxxIn), outs[1], field("Σyy", syyIn), outs[2], field("correlation ρ", rhoIn), outs[3]),
          h("div", { class: "row" }, anisoCanvas, anisoNums),
        ),
      ),
      h("div", { class: "legend", style: "margin-top: 6px" }, h("span", {}, h("span", { class: "swatch", style: "background:#ffe066" }), "1σ, 2σ, 3σ level sets"), h("span", {}, h("span", { class: "swatch", style: "background:#ff7b72" }), "√λ₁·v₁ (major axis)"), h("span", {}, h("span", { class: "swatch", style: "background:#5ee08a" }), "√λ₂·v₂")),
    );

    const line = (label: string, key: string, value: string) => h("div", {}, `${label} `, h("span", { "data-k": key }, value));
    const vec = (v: [number, number]) => `(${num(v[0], 4)}, ${num(v[1], 4)})`;
    const draw = () => {
      const cov = covarianceOf(sxx, syy, rho);
      const r = gaussians({ sigma, cov, gridSize: 121 });
      drawField(isoCanvas, r.isotropic);
      drawField(anisoCanvas, r.anisotropic);
      outs[0].textContent = num(sigma, 2);
      outs[1].textContent = num(sxx, 2);
      outs[2].textContent = num(syy, 2);
      outs[3].textContent = num(rho, 2);
      const iso = r.isotropic;
      isoNums.replaceChildren(
        line("Σ =", "cov", `[[${num(iso.cov[0], 4)}, 0], [0, ${num(iso.cov[2], 4)}]]`),
        line("eigenvalues λ₁ = λ₂ =", "l", num(iso.eigenvalues[0], 4)),
        line("every direction is a principal axis; σ =", "s", num(Math.sqrt(iso.eigenvalues[0]), 4)),
      );
      const an = r.anisotropic;
      const [l1, l2] = an.eigenvalues;
      // the same decomposition by the helper the image fit's ellipses use
      const pa = principalAxes(cov);
      anisoNums.replaceChildren(
        line("Σ =", "cov", `[[${num(cov[0], 4)}, ${num(cov[1], 4)}], [${num(cov[1], 4)}, ${num(cov[2], 4)}]]`),
        line("eigenvalues λ₁, λ₂ =", "eig", `${num(l1, 4)}, ${num(l2, 4)}`),
        line("major axis v₁ =", "v1", vec(pa.axes[0])),
        line("minor axis v₂ =", "v2", vec(pa.axes[1])),
        line("σ along the axes √λ₁, √λ₂ =", "sd", `${num(Math.sqrt(l1), 4)}, ${num(Math.sqrt(l2), 4)}`),
        line("angle of v₁ =", "angle", `${num((Math.atan2(pa.axes[0][1], pa.axes[0][0]) * 180) / Math.PI, 2)}°`),
        line("det Σ = λ₁λ₂ =", "det", num(cov[0] * cov[2] - cov[1] * cov[1], 4)),
      );
      save();
    };
    const bind = (el: HTMLInputElement, set: (v: number) => void) =>
      el.addEventListener("input", () => {
        set(Number(el.value));
        draw();
      });
    bind(sigmaIn, (v) => (sigma = v));
    bind(sxxIn, (v) => (sxx = v));
    bind(syyIn, (v) => (syy = v));
    bind(rhoIn, (v) => (rho = v));

    const stop = mountImageFit(root, params, (state) => {
      fit = state;
      save();
    });
    draw();
    return stop;
  },
};
