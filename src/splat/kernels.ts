// The rasteriser's host loops: front-to-back alpha compositing of 2-D Gaussians, its reverse-mode
// pull-back and its forward-mode push-forward. Two implementations of one definition:
//
//   reference — per pixel, every Gaussian in depth order; the loops the tests read (float64 inputs);
//   fast      — 16×16 tiles, each with its depth-sorted list of the Gaussians whose visible box
//               (the 3σ square cut down to where α can reach 1/255) meets it, typed scratch
//               arrays allocated once per call (float32 inputs); the forward pass keeps each
//               pixel's contributors, and the backward pass over the same inputs walks only those.
//
// Both compute in JavaScript doubles and decide the same things the same way, so they agree to
// rounding (test/splat-rasterize.test.ts). The definition, as in the original 3DGS rasteriser:
//
//   pixel (row i, column j) has its centre at p = (j + ½, i + ½); d = p − μ
//   Q = Σ′⁻¹ (Σ′ = [[a, b], [b, c]], already low-pass filtered by the caller)
//   power = −½ dᵀ Q d;    α = min(0.99, o·e^power)
//   a Gaussian is seen at p when |dx| ≤ r and |dy| ≤ r, r = ⌈3·√λmax(Σ′)⌉, and α ≥ 1/255
//   compositing front to back: C += c·α·T, T ← T·(1 − α), stopping before the Gaussian that
//   would bring T below 1e-4; the result is C + T·background.
//
// Derivatives (u = Q d):  ∂power/∂μ = u,  ∂power/∂(a, b, c) = (½u₀², u₀u₁, ½u₁²);
// ∂α/∂o = e^power and ∂α/∂power = α where α is not clamped (zero where it is);
// ∂C/∂cₖ = αₖTₖ,  ∂C/∂αₖ = cₖTₖ − Sₖ/(1 − αₖ) with Sₖ = Σ_{j>k} cⱼαⱼTⱼ + T_final·background.

import type { TypedArray } from "../core/dtype.js";

/** Shape of one rasterisation: N Gaussians with K colour channels onto an H×W image. */
export interface RasterDims {
  n: number;
  k: number;
  height: number;
  width: number;
  background: readonly number[];
}

export const TILE = 16;
export const ALPHA_MAX = 0.99;
export const ALPHA_MIN = 1 / 255;
export const T_MIN = 1e-4;

/** Per-Gaussian quantities both implementations derive from the inputs. */
interface Prepared {
  /** Conic (A, B, C) = Σ′⁻¹ entries, 3 per Gaussian. */
  conic: Float64Array;
  /** 3σ half-width in pixels; −1 for a Gaussian that is not drawn (degenerate or non-finite). */
  radius: Float64Array;
  /** ln(1/(255·o)): α < 1/255 exactly when power is below it (so e^power is only taken when needed). */
  cutoff: Float64Array;
  /**
   * Half-widths (x, y) of the box around μ outside which α < 1/255, 2 per Gaussian (−1: never
   * seen): the ellipse dᵀΣ′⁻¹d ≤ κ², κ² = 2·ln(255·o), reaches κ√Σxx along x and κ√Σyy along y;
   * no wider than the 3σ square. Only the tile and block lists use it, to skip candidates the
   * per-pixel test would reject anyway.
   */
  extent: Float64Array;
  /** Gaussian indices by increasing depth (ties by index). */
  order: Int32Array;
}

function prepare(means: TypedArray, covs: TypedArray, opac: TypedArray, depths: TypedArray, n: number): Prepared {
  const conic = new Float64Array(3 * n);
  const radius = new Float64Array(n);
  const cutoff = new Float64Array(n);
  const extent = new Float64Array(2 * n).fill(-1);
  for (let g = 0; g < n; g++) {
    const a = covs[3 * g], b = covs[3 * g + 1], c = covs[3 * g + 2];
    const det = a * c - b * b;
    const ok = det > 0 && a > 0 && Number.isFinite(det) && Number.isFinite(means[2 * g]) && Number.isFinite(means[2 * g + 1]) && opac[g] > 0;
    if (!ok) {
      radius[g] = -1;
      continue;
    }
    conic[3 * g] = c / det;
    conic[3 * g + 1] = -b / det;
    conic[3 * g + 2] = a / det;
    const mid = 0.5 * (a + c);
    const lmax = mid + Math.sqrt(Math.max(0.1, mid * mid - det));
    radius[g] = Math.ceil(3 * Math.sqrt(lmax));
    cutoff[g] = Math.log(ALPHA_MIN / opac[g]);
    const k2 = -2 * cutoff[g];
    if (k2 > 0) {
      // a margin of a thousandth of a pixel keeps rounding from dropping a pixel the test accepts
      extent[2 * g] = Math.min(radius[g], Math.sqrt(k2 * a) + 1e-3);
      extent[2 * g + 1] = Math.min(radius[g], Math.sqrt(k2 * c) + 1e-3);
    }
  }
  const order = Int32Array.from({ length: n }, (_, i) => i);
  order.sort((i, j) => depths[i] - depths[j] || i - j);
  return { conic, radius, cutoff, extent, order };
}

/** Fields of a packed candidate record: μx, μy, A, B, C, opacity, radius, cut-off, Gaussian index, extent x, extent y. */
const REC = 11;

/** Writes Gaussian g's record at slot q of `pk`. */
function packOne(pk: Float64Array, q: number, g: number, means: TypedArray, opac: TypedArray, pre: Prepared): void {
  const o = q * REC;
  pk[o] = means[2 * g];
  pk[o + 1] = means[2 * g + 1];
  pk[o + 2] = pre.conic[3 * g];
  pk[o + 3] = pre.conic[3 * g + 1];
  pk[o + 4] = pre.conic[3 * g + 2];
  pk[o + 5] = opac[g];
  pk[o + 6] = pre.radius[g];
  pk[o + 7] = pre.cutoff[g];
  pk[o + 8] = g;
  pk[o + 9] = pre.extent[2 * g];
  pk[o + 10] = pre.extent[2 * g + 1];
}

/** Every drawn Gaussian in depth order, packed: the reference path's one list. */
function packAll(means: TypedArray, opac: TypedArray, pre: Prepared): { pk: Float64Array; len: number } {
  const pk = new Float64Array(pre.order.length * REC);
  let len = 0;
  for (const g of pre.order) if (pre.radius[g] >= 0) packOne(pk, len++, g, means, opac, pre);
  return { pk, len };
}

/**
 * One pixel's front-to-back pass over the packed candidates at `slots[0..len)` (depth order). Records the
 * contributors' slots in `hit` from `hitAt` on when given and returns how many contributed; the
 * composited colour goes to `rgb` (K entries) and the final T to rgb[K].
 */
function compositePixel(
  px: number, py: number, pk: Float64Array, slots: Int32Array, len: number, colors: TypedArray,
  k: number, rgb: Float64Array, hit: Int32Array | null, hitAt: number,
): number {
  for (let ch = 0; ch < k; ch++) rgb[ch] = 0;
  let T = 1;
  let count = 0;
  for (let c = 0; c < len; c++) {
    const q = slots[c];
    const o = q * REC;
    const r = pk[o + 6];
    const dx = px - pk[o], dy = py - pk[o + 1];
    if (dx > r || dx < -r || dy > r || dy < -r) continue;
    const power = -0.5 * (pk[o + 2] * dx * dx + pk[o + 4] * dy * dy) - pk[o + 3] * dx * dy;
    if (power > 0 || power < pk[o + 7]) continue;
    const alpha = Math.min(ALPHA_MAX, pk[o + 5] * Math.exp(power));
    if (alpha < ALPHA_MIN) continue;
    const next = T * (1 - alpha);
    if (next < T_MIN) break;
    const w = alpha * T;
    const cg = k * pk[o + 8];
    for (let ch = 0; ch < k; ch++) rgb[ch] += colors[cg + ch] * w;
    if (hit) hit[hitAt + count] = q;
    count++;
    T = next;
  }
  rgb[k] = T;
  return count;
}

/**
 * The pull-back of one pixel: given its contributors' slots (front to back, `count` of them at
 * `hit[hitAt…]`), its final transmittance and the cotangent of its colour `gpix` (K entries at
 * `go`), adds into `grad` ([N, 6 + K]: μ 2, Σ′ 3, colour K, opacity 1). Each α is recomputed by
 * the forward pass's own expression, so it is the very value composited.
 */
function pullPixel(
  px: number, py: number, count: number, hit: Int32Array, hitAt: number, finalT: number, pk: Float64Array,
  colors: TypedArray, dims: RasterDims, gpix: TypedArray, go: number, suffix: Float64Array, grad: Float64Array,
): void {
  const { k, background } = dims;
  const stride = 6 + k;
  for (let ch = 0; ch < k; ch++) suffix[ch] = finalT * background[ch];
  let T = finalT;
  for (let h = hitAt + count - 1; h >= hitAt; h--) {
    const o = hit[h] * REC;
    const g = pk[o + 8];
    const dx = px - pk[o], dy = py - pk[o + 1];
    const A = pk[o + 2], B = pk[o + 3], C = pk[o + 4];
    const power = -0.5 * (A * dx * dx + C * dy * dy) - B * dx * dy;
    const e = Math.exp(power);
    const alpha = Math.min(ALPHA_MAX, pk[o + 5] * e);
    T = T / (1 - alpha); // T before this Gaussian
    const w = alpha * T;
    let dAlpha = 0;
    const row = g * stride;
    for (let ch = 0; ch < k; ch++) {
      const c = colors[k * g + ch];
      const gc = gpix[go + ch];
      grad[row + 5 + ch] += w * gc;
      dAlpha += gc * (c * T - suffix[ch] / (1 - alpha));
      suffix[ch] += c * w;
    }
    if (pk[o + 5] * e >= ALPHA_MAX) continue; // clamped: α does not move
    grad[row + 5 + k] += dAlpha * e;
    const dPower = dAlpha * alpha;
    const u0 = A * dx + B * dy, u1 = B * dx + C * dy;
    grad[row] += dPower * u0;
    grad[row + 1] += dPower * u1;
    grad[row + 2] += dPower * 0.5 * u0 * u0;
    grad[row + 3] += dPower * u0 * u1;
    grad[row + 4] += dPower * 0.5 * u1 * u1;
  }
}

/** Tiles of the image and, per tile, its depth-sorted packed candidates (CSR layout). */
interface Bins {
  tilesX: number;
  tilesY: number;
  start: Int32Array;
  pk: Float64Array;
  maxLen: number;
}

function binTiles(means: TypedArray, opac: TypedArray, pre: Prepared, dims: RasterDims): Bins {
  const tilesX = Math.ceil(dims.width / TILE), tilesY = Math.ceil(dims.height / TILE);
  const nt = tilesX * tilesY;
  const count = new Int32Array(nt + 1);
  const { extent, order } = pre;
  // a Gaussian's box [μ − e, μ + e] in pixel-centre coordinates covers columns
  // ⌈μx − ex − ½⌉ … ⌊μx + ex − ½⌋; its tiles are those columns' tiles, clipped to the image
  const box = new Int32Array(4);
  const range = (g: number) => {
    const ex = extent[2 * g], ey = extent[2 * g + 1];
    const mx = means[2 * g], my = means[2 * g + 1];
    box[0] = Math.max(0, Math.floor(Math.ceil(mx - ex - 0.5) / TILE));
    box[1] = Math.min(tilesX - 1, Math.floor(Math.floor(mx + ex - 0.5) / TILE));
    box[2] = Math.max(0, Math.floor(Math.ceil(my - ey - 0.5) / TILE));
    box[3] = Math.min(tilesY - 1, Math.floor(Math.floor(my + ey - 0.5) / TILE));
  };
  for (let q = 0; q < order.length; q++) {
    const g = order[q];
    if (pre.radius[g] < 0 || extent[2 * g] < 0) continue;
    range(g);
    for (let ty = box[2]; ty <= box[3]; ty++) for (let tx = box[0]; tx <= box[1]; tx++) count[ty * tilesX + tx + 1]++;
  }
  let maxLen = 0;
  for (let t = 0; t < nt; t++) {
    maxLen = Math.max(maxLen, count[t + 1]);
    count[t + 1] += count[t];
  }
  const pk = new Float64Array(count[nt] * REC);
  const fill = count.slice(0, nt);
  for (let q = 0; q < order.length; q++) {
    const g = order[q];
    if (pre.radius[g] < 0 || extent[2 * g] < 0) continue;
    range(g);
    for (let ty = box[2]; ty <= box[3]; ty++) for (let tx = box[0]; tx <= box[1]; tx++) packOne(pk, fill[ty * tilesX + tx]++, g, means, opac, pre);
  }
  return { tilesX, tilesY, start: count, pk, maxLen };
}

/** Side of the sub-blocks of a tile whose own candidate lists the pixel loops walk. */
const SUB = 4;

/**
 * Calls `pixel(i, j, slots, len)` for every pixel of the image, tile by tile; within a tile, each
 * SUB×SUB block of pixels walks only the tile's candidates whose visible box meets the block (in
 * depth order), so the per-pixel test runs over fewer candidates. The per-pixel test decides
 * alone which Gaussians a pixel sees; the block lists only skip ones it would reject.
 */
function forEachPixel(bins: Bins, dims: RasterDims, pixel: (i: number, j: number, slots: Int32Array, len: number) => void): void {
  const { height, width } = dims;
  const { pk } = bins;
  const slots = new Int32Array(bins.maxLen);
  for (let ty = 0; ty < bins.tilesY; ty++)
    for (let tx = 0; tx < bins.tilesX; tx++) {
      const t = ty * bins.tilesX + tx;
      const s = bins.start[t], e = bins.start[t + 1];
      const i1 = Math.min(height, (ty + 1) * TILE), j1 = Math.min(width, (tx + 1) * TILE);
      for (let bi = ty * TILE; bi < i1; bi += SUB)
        for (let bj = tx * TILE; bj < j1; bj += SUB) {
          const bi1 = Math.min(i1, bi + SUB), bj1 = Math.min(j1, bj + SUB);
          // pixel centres of the block span [bj + ½, bj1 − ½] × [bi + ½, bi1 − ½]
          const x0 = bj + 0.5, x1 = bj1 - 0.5, y0 = bi + 0.5, y1 = bi1 - 0.5;
          let len = 0;
          for (let q = s; q < e; q++) {
            const o = q * REC;
            const ex = pk[o + 9], ey = pk[o + 10], mx = pk[o], my = pk[o + 1];
            if (mx + ex < x0 || mx - ex > x1 || my + ey < y0 || my - ey > y1) continue;
            slots[len++] = q;
          }
          if (len === 0) {
            for (let i = bi; i < bi1; i++) for (let j = bj; j < bj1; j++) pixel(i, j, slots, 0);
            continue;
          }
          for (let i = bi; i < bi1; i++) for (let j = bj; j < bj1; j++) pixel(i, j, slots, len);
        }
    }
}

/**
 * What a fast forward pass leaves for the backward pass of the same rasterisation: copies of its
 * inputs and, per pixel, the slots of its contributors (front to back) in the packed records and
 * its final transmittance. The backward pass uses them only when its inputs equal these copies
 * element by element (the result is a function of the inputs alone), and skips compositing again.
 */
interface Composited {
  inputs: TypedArray[];
  height: number;
  width: number;
  background: readonly number[];
  bins: Bins;
  /** Pixel p's contributors are hits[start[p] … start[p] + count[p]). */
  start: Int32Array;
  count: Int32Array;
  hits: Int32Array;
  finalT: Float64Array;
}

/** The last fast forward pass (one entry: a training step renders, then pulls back, the same image). */
let lastComposited: Composited | null = null;

function sameInputs(c: Composited, inputs: readonly TypedArray[], dims: RasterDims): boolean {
  if (c.height !== dims.height || c.width !== dims.width || c.background.length !== dims.background.length) return false;
  for (let ch = 0; ch < dims.background.length; ch++) if (!Object.is(c.background[ch], dims.background[ch])) return false;
  for (let a = 0; a < inputs.length; a++) {
    const x = inputs[a], y = c.inputs[a];
    if (x.length !== y.length) return false;
    for (let i = 0; i < x.length; i++) if (!Object.is(x[i], y[i])) return false;
  }
  return true;
}

/** The rendered image [H, W, K] into `out`. */
export function rasterForward(
  fast: boolean, means: TypedArray, covs: TypedArray, colors: TypedArray, opac: TypedArray, depths: TypedArray,
  dims: RasterDims, out: TypedArray,
): void {
  const { n, k, height, width, background } = dims;
  const pre = prepare(means, covs, opac, depths, n);
  const rgb = new Float64Array(k + 1);
  if (!fast) {
    const all = packAll(means, opac, pre);
    const slots = Int32Array.from({ length: all.len }, (_, q) => q);
    for (let i = 0; i < height; i++)
      for (let j = 0; j < width; j++) {
        compositePixel(j + 0.5, i + 0.5, all.pk, slots, all.len, colors, k, rgb, null, 0);
        const o = (i * width + j) * k;
        for (let ch = 0; ch < k; ch++) out[o + ch] = rgb[ch] + rgb[k] * background[ch];
      }
    return;
  }
  const bins = binTiles(means, opac, pre, dims);
  const pixels = height * width;
  const start = new Int32Array(pixels), count = new Int32Array(pixels), finalT = new Float64Array(pixels);
  let hits = new Int32Array(Math.max(1024, 8 * pixels));
  let used = 0;
  forEachPixel(bins, dims, (i, j, slots, len) => {
    if (used + len > hits.length) {
      const grown = new Int32Array(Math.max(2 * hits.length, used + len));
      grown.set(hits.subarray(0, used));
      hits = grown;
    }
    const p = i * width + j;
    const c = compositePixel(j + 0.5, i + 0.5, bins.pk, slots, len, colors, k, rgb, hits, used);
    start[p] = used;
    count[p] = c;
    finalT[p] = rgb[k];
    used += c;
    const o = p * k;
    for (let ch = 0; ch < k; ch++) out[o + ch] = rgb[ch] + rgb[k] * background[ch];
  });
  lastComposited = {
    inputs: [means, covs, colors, opac, depths].map((x) => x.slice()), height, width, background: [...background],
    bins, start, count, hits, finalT,
  };
}

/** The cotangents of (μ, Σ′, colour, opacity) packed as [N, 6 + K] into `out`, given the image's cotangent `gimg`. */
export function rasterBackward(
  fast: boolean, means: TypedArray, covs: TypedArray, colors: TypedArray, opac: TypedArray, depths: TypedArray,
  gimg: TypedArray, dims: RasterDims, out: TypedArray,
): void {
  const { n, k, height, width } = dims;
  const grad = new Float64Array(n * (6 + k));
  const rgb = new Float64Array(k + 1);
  const suffix = new Float64Array(k);
  const c = fast ? lastComposited : null;
  if (c && sameInputs(c, [means, covs, colors, opac, depths], dims)) {
    // the forward pass's contributor lists: only the pull-back is left
    for (let i = 0; i < height; i++)
      for (let j = 0; j < width; j++) {
        const p = i * width + j;
        if (c.count[p] > 0) pullPixel(j + 0.5, i + 0.5, c.count[p], c.hits, c.start[p], c.finalT[p], c.bins.pk, colors, dims, gimg, p * k, suffix, grad);
      }
  } else {
    const pre = prepare(means, covs, opac, depths, n);
    let hit = new Int32Array(0);
    let pk: Float64Array = new Float64Array(0);
    const pixel = (i: number, j: number, slots: Int32Array, len: number) => {
      if (len === 0) return;
      const px = j + 0.5, py = i + 0.5;
      const count = compositePixel(px, py, pk, slots, len, colors, k, rgb, hit, 0);
      pullPixel(px, py, count, hit, 0, rgb[k], pk, colors, dims, gimg, (i * width + j) * k, suffix, grad);
    };
    if (!fast) {
      const all = packAll(means, opac, pre);
      pk = all.pk;
      hit = new Int32Array(all.len);
      const slots = Int32Array.from({ length: all.len }, (_, q) => q);
      for (let i = 0; i < height; i++) for (let j = 0; j < width; j++) pixel(i, j, slots, all.len);
    } else {
      const bins = binTiles(means, opac, pre, dims);
      pk = bins.pk;
      hit = new Int32Array(bins.maxLen);
      forEachPixel(bins, dims, pixel);
    }
  }
  for (let q = 0; q < grad.length; q++) out[q] = grad[q];
}

/**
 * The push-forward [H, W, K] into `out` of tangents (dμ, dΣ′, dc, do) (the JVP). One
 * implementation: the forward-mode tests run in float64 and the training loops never need it.
 */
export function rasterTangent(
  means: TypedArray, covs: TypedArray, colors: TypedArray, opac: TypedArray, depths: TypedArray,
  dm: TypedArray, dcov: TypedArray, dcol: TypedArray, dop: TypedArray, dims: RasterDims, out: TypedArray,
): void {
  const { n, k, height, width, background } = dims;
  const pre = prepare(means, covs, opac, depths, n);
  const { conic, radius, cutoff, order } = pre;
  const dC = new Float64Array(k);
  for (let i = 0; i < height; i++)
    for (let j = 0; j < width; j++) {
      const px = j + 0.5, py = i + 0.5;
      let T = 1, dT = 0;
      dC.fill(0);
      for (let q = 0; q < n; q++) {
        const g = order[q];
        const r = radius[g];
        const dx = px - means[2 * g], dy = py - means[2 * g + 1];
        if (r < 0 || dx > r || dx < -r || dy > r || dy < -r) continue;
        const A = conic[3 * g], B = conic[3 * g + 1], C = conic[3 * g + 2];
        const power = -0.5 * (A * dx * dx + C * dy * dy) - B * dx * dy;
        if (power > 0 || power < cutoff[g]) continue;
        const e = Math.exp(power);
        const raw = opac[g] * e;
        const alpha = Math.min(ALPHA_MAX, raw);
        if (alpha < ALPHA_MIN) continue;
        const next = T * (1 - alpha);
        if (next < T_MIN) break;
        let dAlpha = 0;
        if (raw < ALPHA_MAX) {
          const u0 = A * dx + B * dy, u1 = B * dx + C * dy;
          const dPower = u0 * dm[2 * g] + u1 * dm[2 * g + 1]
            + 0.5 * u0 * u0 * dcov[3 * g] + u0 * u1 * dcov[3 * g + 1] + 0.5 * u1 * u1 * dcov[3 * g + 2];
          dAlpha = e * dop[g] + alpha * dPower;
        }
        for (let ch = 0; ch < k; ch++) {
          const c = colors[k * g + ch];
          dC[ch] += dcol[k * g + ch] * alpha * T + c * dAlpha * T + c * alpha * dT;
        }
        dT = dT * (1 - alpha) - T * dAlpha;
        T = next;
      }
      const o = (i * width + j) * k;
      for (let ch = 0; ch < k; ch++) out[o + ch] = dC[ch] + dT * background[ch];
    }
}

/** Per-pixel counts of the Gaussians tested (candidates of the pixel's 4×4 block) and composited, for the bench. */
export function rasterStats(means: TypedArray, covs: TypedArray, colors: TypedArray, opac: TypedArray, depths: TypedArray, dims: RasterDims): { evaluated: number; composited: number } {
  const pre = prepare(means, covs, opac, depths, dims.n);
  const bins = binTiles(means, opac, pre, dims);
  const rgb = new Float64Array(dims.k + 1);
  let evaluated = 0, composited = 0;
  forEachPixel(bins, dims, (i, j, slots, len) => {
    evaluated += len;
    composited += compositePixel(j + 0.5, i + 0.5, bins.pk, slots, len, colors, dims.k, rgb, null, 0);
  });
  const pixels = dims.height * dims.width;
  return { evaluated: evaluated / pixels, composited: composited / pixels };
}
