/**
 * Scalar fields sampled on a rectilinear grid, iso-lines by marching squares
 * and filled iso-bands by clipping each grid cell against the band.
 */
import { extent } from "./scale.js";

/**
 * A function sampled on a rectilinear grid: `z[j][i] = f(xs[i], ys[j])`
 * (rows follow y, columns follow x). `xs` and `ys` must be increasing.
 */
export interface Grid {
  xs: number[];
  ys: number[];
  z: number[][];
}

/**
 * Samples `f` on an `nx` by `ny` grid spanning the given ranges.
 *
 * @example
 * const g = sampleGrid((x, y) => x * x + y * y, [-2, 2], [-2, 2], 41);
 * g.z.length; // 41
 */
export function sampleGrid(
  f: (x: number, y: number) => number,
  xRange: [number, number],
  yRange: [number, number],
  nx = 60,
  ny = nx,
): Grid {
  const lin = (a: number, b: number, n: number) =>
    Array.from({ length: n }, (_, k) => (n === 1 ? a : a + ((b - a) * k) / (n - 1)));
  const xs = lin(xRange[0], xRange[1], nx);
  const ys = lin(yRange[0], yRange[1], ny);
  return { xs, ys, z: ys.map((y) => xs.map((x) => f(x, y))) };
}

/** Finite min/max of a grid's values. */
export function gridExtent(g: Grid): [number, number] {
  return extent(g.z.flat()) ?? [0, 1];
}

/** How automatically chosen levels are spaced. */
export type LevelSpacing = "linear" | "log";

/**
 * Picks about `n` contour levels strictly inside [lo, hi]. Log spacing suits
 * loss landscapes whose values span several orders of magnitude (e.g.
 * Rosenbrock), where linear levels would all crowd the walls.
 *
 * @example
 * contourLevels(0, 1, 4); // [0.2, 0.4, 0.6, 0.8]
 */
export function contourLevels(lo: number, hi: number, n = 10, spacing: LevelSpacing = "linear"): number[] {
  if (!(hi > lo)) return [lo];
  if (spacing === "log") {
    // Below ~4 decades under the maximum the bands would cover vanishing areas.
    const floor = Math.max(hi * 1e-4, Number.MIN_VALUE);
    const base = Math.max(lo, floor);
    const a = Math.log10(base);
    const b = Math.log10(hi);
    const out: number[] = [];
    for (let k = 1; k <= n; k++) {
      const v = Math.pow(10, a + ((b - a) * k) / (n + 1));
      out.push(Number(v.toPrecision(2)));
    }
    return [...new Set(out)];
  }
  // Pick the round step (1, 2, 2.5 or 5 times a power of ten) whose number of
  // interior levels is closest to n; rounding the step up alone can halve it.
  const raw = (hi - lo) / (n + 1);
  const p = Math.pow(10, Math.floor(Math.log10(raw)));
  let best: number[] = [];
  for (const m of [0.5, 1, 2, 2.5, 5, 10]) {
    const step = m * p;
    const out: number[] = [];
    for (let k = Math.floor(lo / step) + 1; k * step < hi; k++) if (k * step > lo) out.push(Number((k * step).toPrecision(12)));
    if (!best.length || Math.abs(out.length - n) < Math.abs(best.length - n)) best = out;
  }
  return best;
}

type Pt = [number, number];

/** One iso-line: connected polylines (data coordinates) at `level`. */
export interface IsoLine {
  level: number;
  lines: Pt[][];
}

/**
 * Marching squares. Crossing points are identified by the grid edge they lie
 * on, so segments from neighbouring cells join exactly into polylines.
 */
export function isolines(g: Grid, level: number): IsoLine {
  const { xs, ys, z } = g;
  const pos = new Map<string, Pt>();
  const adj = new Map<string, string[]>();
  const link = (a: string, b: string) => {
    (adj.get(a) ?? adj.set(a, []).get(a)!).push(b);
    (adj.get(b) ?? adj.set(b, []).get(b)!).push(a);
  };
  const cross = (id: string, x0: number, y0: number, v0: number, x1: number, y1: number, v1: number): string => {
    if (!pos.has(id)) {
      const t = (level - v0) / (v1 - v0);
      pos.set(id, [x0 + (x1 - x0) * t, y0 + (y1 - y0) * t]);
    }
    return id;
  };
  for (let j = 0; j + 1 < ys.length; j++) {
    for (let i = 0; i + 1 < xs.length; i++) {
      // Corners counter-clockwise: (i,j) (i+1,j) (i+1,j+1) (i,j+1).
      const v = [z[j][i], z[j][i + 1], z[j + 1][i + 1], z[j + 1][i]];
      if (v.some((x) => !Number.isFinite(x))) continue;
      const above = v.map((x) => x >= level);
      const px = [xs[i], xs[i + 1], xs[i + 1], xs[i]];
      const py = [ys[j], ys[j], ys[j + 1], ys[j + 1]];
      const edgeIds = [`h${i},${j}`, `v${i + 1},${j}`, `h${i},${j + 1}`, `v${i},${j}`];
      const crossed: number[] = [];
      for (let e = 0; e < 4; e++) if (above[e] !== above[(e + 1) % 4]) crossed.push(e);
      if (crossed.length === 0) continue;
      const pt = (e: number) =>
        cross(edgeIds[e], px[e], py[e], v[e], px[(e + 1) % 4], py[(e + 1) % 4], v[(e + 1) % 4]);
      if (crossed.length === 2) {
        link(pt(crossed[0]), pt(crossed[1]));
      } else {
        // Saddle: the centre value decides which diagonal pair is connected;
        // corners on the other side of the centre are cut off individually.
        const centre = (v[0] + v[1] + v[2] + v[3]) / 4 >= level;
        for (let c = 0; c < 4; c++) if (above[c] !== centre) link(pt((c + 3) % 4), pt(c));
      }
    }
  }
  const seen = new Set<string>();
  const lines: Pt[][] = [];
  const walk = (start: string) => {
    const chain = [start];
    seen.add(start);
    let cur = start;
    for (;;) {
      const next = (adj.get(cur) ?? []).find((n) => !seen.has(n));
      if (next === undefined) break;
      seen.add(next);
      chain.push(next);
      cur = next;
    }
    return chain;
  };
  // Open chains first (start at degree-1 ends), then closed loops.
  for (const [id, nbrs] of adj) if (nbrs.length === 1 && !seen.has(id)) lines.push(walk(id).map((k) => pos.get(k)!));
  for (const id of adj.keys()) {
    if (seen.has(id)) continue;
    const chain = walk(id);
    chain.push(chain[0]);
    lines.push(chain.map((k) => pos.get(k)!));
  }
  return { level, lines };
}

/** A filled band lo <= z < hi as polygons in data coordinates. */
export interface Band {
  lo: number;
  hi: number;
  polygons: Pt[][];
}

type VPt = [number, number, number];

// Sutherland-Hodgman against the half-space sign*(value - level) >= 0, with
// new vertices linearly interpolated along each cell edge.
function clip(poly: VPt[], level: number, sign: 1 | -1): VPt[] {
  const out: VPt[] = [];
  for (let k = 0; k < poly.length; k++) {
    const p = poly[k];
    const q = poly[(k + 1) % poly.length];
    const pin = sign * (p[2] - level) >= 0;
    const qin = sign * (q[2] - level) >= 0;
    if (pin) out.push(p);
    if (pin !== qin) {
      const t = (level - p[2]) / (q[2] - p[2]);
      out.push([p[0] + (q[0] - p[0]) * t, p[1] + (q[1] - p[1]) * t, level]);
    }
  }
  return out;
}

/**
 * Filled bands between consecutive levels, plus the open bands below the first
 * and above the last level, so the bands tile the whole grid. Runs of cells
 * lying entirely inside a band are merged into single rectangles.
 */
export function isobands(g: Grid, levels: number[]): Band[] {
  const { xs, ys, z } = g;
  const bounds = [-Infinity, ...levels, Infinity];
  const bands: Band[] = [];
  for (let b = 0; b + 1 < bounds.length; b++) {
    const lo = bounds[b];
    const hi = bounds[b + 1];
    const polygons: Pt[][] = [];
    const isIn = (v: number) => v >= lo && (v < hi || hi === Infinity);
    for (let j = 0; j + 1 < ys.length; j++) {
      let runStart = -1;
      const flush = (end: number) => {
        if (runStart < 0) return;
        const [x0, x1, y0, y1] = [xs[runStart], xs[end], ys[j], ys[j + 1]];
        polygons.push([[x0, y0], [x1, y0], [x1, y1], [x0, y1]]);
        runStart = -1;
      };
      for (let i = 0; i + 1 < xs.length; i++) {
        const v = [z[j][i], z[j][i + 1], z[j + 1][i + 1], z[j + 1][i]];
        if (v.some((x) => !Number.isFinite(x))) {
          flush(i);
          continue;
        }
        if (v.every(isIn)) {
          if (runStart < 0) runStart = i;
          continue;
        }
        flush(i);
        let poly: VPt[] = [
          [xs[i], ys[j], v[0]], [xs[i + 1], ys[j], v[1]],
          [xs[i + 1], ys[j + 1], v[2]], [xs[i], ys[j + 1], v[3]],
        ];
        if (lo !== -Infinity) poly = clip(poly, lo, 1);
        if (hi !== Infinity && poly.length) poly = clip(poly, hi, -1);
        if (poly.length >= 3) polygons.push(poly.map(([x, y]) => [x, y] as Pt));
      }
      flush(xs.length - 1);
    }
    bands.push({ lo, hi, polygons });
  }
  return bands;
}
