/**
 * 3-D surface z = f(x, y) drawn with an orthographic camera: grid cells become
 * shaded quads sorted back to front (painter's algorithm), lit with a fixed
 * directional light (Lambert's cosine law).
 */
import { el, num, text, group } from "./svg.js";
import { colormap, scaleColor, type Colormap, type ColormapName } from "./color.js";
import { COLORBAR_WIDTH, renderColorbar } from "./fields.js";
import { extent, linearTicks } from "./scale.js";
import { marker } from "./marks.js";
import { gridExtent, type Grid } from "./contour.js";
import type { Panel } from "./axes.js";
import type { Box } from "./types.js";

export interface Axes3DOptions {
  title?: string;
  xlabel?: string;
  ylabel?: string;
  zlabel?: string;
  /** Rotation of the scene about the vertical axis, degrees (default -55). */
  azimuth?: number;
  /** Camera height above the x-y plane, degrees (default 32). */
  elevation?: number;
  /** Height of the z range relative to the x/y extent (default 0.7). */
  zAspect?: number;
  fontSize?: number;
}

export interface SurfaceOptions {
  colormap?: ColormapName | Colormap;
  /** Outline each quad with a darker shade, showing the mesh (default true). */
  mesh?: boolean;
  /** A colour bar to the right mapping the surface's colours to z values (default false). */
  colorbar?: boolean;
  /** Text above the colour bar (default: the z label). */
  colorbarLabel?: string;
}

export interface Path3DOptions {
  label?: string;
  color?: string;
  width?: number;
  /** Hollow circle at the start, star at the end (default true). */
  endpoints?: boolean;
  /**
   * Follow the surface between iterates instead of drawing straight chords,
   * which would dip under convex surfaces and be hidden (default true).
   */
  drape?: boolean;
}

type V3 = [number, number, number];

interface Prim {
  depth: number;
  svg: string;
}

/**
 * Panel showing surfaces and 3-D paths. Create with `figure.axes3d()`.
 *
 * @example
 * const fig = new Figure({ width: 520, height: 420 });
 * const g = sampleGrid((x, y) => x * x + y * y, [-2, 2], [-2, 2], 30);
 * fig.axes3d({ title: "bowl" }).surface(g).path([2, 1, 0], [2, 1, 0], [8, 2, 0]);
 * fig.toSVG();
 */
export class Axes3D implements Panel {
  private surfaces: Array<{ grid: Grid; opts: SurfaceOptions }> = [];
  private paths: Array<{ xs: number[]; ys: number[]; zs: number[]; opts: Path3DOptions }> = [];

  constructor(readonly options: Axes3DOptions = {}) {}

  /** Adds a surface sampled on a grid (see `sampleGrid`). */
  surface(grid: Grid, opts: SurfaceOptions = {}): this {
    this.surfaces.push({ grid, opts });
    return this;
  }

  /**
   * Adds a polyline in 3-D, e.g. an optimizer trajectory with zs = f(xs, ys).
   * Without `zs` the heights are read off the first surface.
   */
  path(xs: number[], ys: number[], zs?: number[], opts: Path3DOptions = {}): this {
    const g = this.surfaces[0]?.grid;
    const z = zs ?? xs.map((x, i) => (g ? interpolate(g, x, ys[i]) : 0));
    this.paths.push({ xs, ys, zs: z, opts });
    return this;
  }

  /** Points along the path, subdivided to about half a grid cell so depth sorting works per piece. */
  private densify(p: { xs: number[]; ys: number[]; zs: number[]; opts: Path3DOptions }): V3[] {
    const g = this.surfaces[0]?.grid;
    const out: V3[] = [];
    const n = Math.min(p.xs.length, p.ys.length, p.zs.length);
    for (let i = 0; i < n; i++) {
      out.push([p.xs[i], p.ys[i], p.zs[i]]);
      if (i + 1 === n || !g || p.opts.drape === false) continue;
      const cx = (g.xs[g.xs.length - 1] - g.xs[0]) / (g.xs.length - 1 || 1);
      const cy = (g.ys[g.ys.length - 1] - g.ys[0]) / (g.ys.length - 1 || 1);
      const k = Math.min(400, Math.ceil(2 * Math.max(Math.abs(p.xs[i + 1] - p.xs[i]) / cx, Math.abs(p.ys[i + 1] - p.ys[i]) / cy)));
      // Keep the iterates' own heights and carry their offset from the surface
      // linearly, so user-supplied zs above or below the surface stay consistent.
      const offA = p.zs[i] - interpolate(g, p.xs[i], p.ys[i]);
      const offB = p.zs[i + 1] - interpolate(g, p.xs[i + 1], p.ys[i + 1]);
      for (let t = 1; t < k; t++) {
        const u = t / k;
        const x = p.xs[i] + (p.xs[i + 1] - p.xs[i]) * u;
        const y = p.ys[i] + (p.ys[i + 1] - p.ys[i]) * u;
        const off = (1 - u) * offA + u * offB;
        out.push([x, y, interpolate(g, x, y) + (Number.isFinite(off) ? off : 0)]);
      }
    }
    return out;
  }

  render(box: Box, _idPrefix: string): string {
    const o = this.options;
    const fs = o.fontSize ?? 12;
    let xr = [0, 1] as [number, number], yr = [0, 1] as [number, number], zr: [number, number] | null = null;
    this.surfaces.forEach(({ grid }, k) => {
      const ex = extent(grid.xs) ?? [0, 1], ey = extent(grid.ys) ?? [0, 1];
      xr = k ? [Math.min(xr[0], ex[0]), Math.max(xr[1], ex[1])] : ex;
      yr = k ? [Math.min(yr[0], ey[0]), Math.max(yr[1], ey[1])] : ey;
      const ez = gridExtent(grid);
      zr = zr ? [Math.min(zr[0], ez[0]), Math.max(zr[1], ez[1])] : ez;
    });
    const zs = extent(this.paths.flatMap((p) => p.zs));
    if (!this.surfaces.length && this.paths.length) {
      xr = extent(this.paths.flatMap((p) => p.xs)) ?? xr;
      yr = extent(this.paths.flatMap((p) => p.ys)) ?? yr;
    }
    const zRange: [number, number] = zr && zs ? [Math.min(zr[0], zs[0]), Math.max(zr[1], zs[1])] : zr ?? zs ?? [0, 1];
    if (zRange[1] === zRange[0]) zRange[1] = zRange[0] + 1;
    const h = o.zAspect ?? 0.7;
    const az = ((o.azimuth ?? -55) * Math.PI) / 180;
    const elv = ((o.elevation ?? 32) * Math.PI) / 180;
    // Normalised world coordinates: x, y in [-1, 1], z in [-h, h].
    const world = (x: number, y: number, z: number): V3 => [
      (2 * (x - xr[0])) / (xr[1] - xr[0] || 1) - 1,
      (2 * (y - yr[0])) / (yr[1] - yr[0] || 1) - 1,
      h * ((2 * (z - zRange[0])) / (zRange[1] - zRange[0]) - 1),
    ];
    // Camera basis: right = (1,0,0), up = (0, sin e, cos e), towards viewer = (0, -cos e, sin e)
    // in the frame rotated by the azimuth about z.
    const view = ([x, y, z]: V3): V3 => {
      const xa = x * Math.cos(az) - y * Math.sin(az);
      const ya = x * Math.sin(az) + y * Math.cos(az);
      return [xa, ya * Math.sin(elv) + z * Math.cos(elv), -ya * Math.cos(elv) + z * Math.sin(elv)];
    };
    const top = box.y + (o.title ? fs * 1.35 + 12 : 8);
    const bar = this.surfaces.find((sf) => sf.opts.colorbar);
    const barW = bar ? COLORBAR_WIDTH : 0;
    const inner = { x: box.x + 3.2 * fs, y: top + fs, w: box.width - 6.4 * fs - barW, h: box.y + box.height - top - 3.4 * fs };
    const corners: V3[] = [];
    for (const a of [-1, 1]) for (const b of [-1, 1]) for (const c of [-h, h]) corners.push([a, b, c]);
    const proj = corners.map(view);
    const u0 = Math.min(...proj.map((p) => p[0])), u1 = Math.max(...proj.map((p) => p[0]));
    const v0 = Math.min(...proj.map((p) => p[1])), v1 = Math.max(...proj.map((p) => p[1]));
    const s = Math.min(inner.w / (u1 - u0), inner.h / (v1 - v0));
    const cx = inner.x + inner.w / 2 - (s * (u0 + u1)) / 2;
    const cy = inner.y + inner.h / 2 + (s * (v0 + v1)) / 2;
    const screen = (w: V3): [number, number, number] => {
      const [u, v, d] = view(w);
      return [cx + s * u, cy - s * v, d];
    };

    const out: string[] = [];
    const ticks = {
      x: linearTicks(xr[0], xr[1], 4).filter((t) => t.value >= xr[0] && t.value <= xr[1]),
      y: linearTicks(yr[0], yr[1], 4).filter((t) => t.value >= yr[0] && t.value <= yr[1]),
      z: linearTicks(zRange[0], zRange[1], 4).filter((t) => t.value >= zRange[0] && t.value <= zRange[1]),
    };
    const W = (x: number, y: number, z: number) => world(x, y, z);
    const depthAt = (p: V3) => view(p)[2];
    // Back panes: for x and y choose the wall farther from the camera.
    const backX = depthAt([-1, 0, 0]) < depthAt([1, 0, 0]) ? -1 : 1;
    const backY = depthAt([0, -1, 0]) < depthAt([0, 1, 0]) ? -1 : 1;
    const line3 = (a: V3, b: V3, attrs: Record<string, string | number>) => {
      const [x1, y1] = screen(a), [x2, y2] = screen(b);
      return el("line", { x1, y1, x2, y2, ...attrs });
    };
    const quad3 = (q: V3[], attrs: Record<string, string | number>) =>
      el("path", { d: q.map((p, k) => { const [x, y] = screen(p); return `${k ? "L" : "M"}${num(x)},${num(y)}`; }).join("") + "Z", ...attrs });
    const pane = { fill: "#f4f4f4", stroke: "#bbbbbb", "stroke-width": 0.8 };
    const gridAttrs = { stroke: "#dddddd", "stroke-width": 0.8 };
    out.push(quad3([[-1, -1, -h], [1, -1, -h], [1, 1, -h], [-1, 1, -h]], pane));
    out.push(quad3([[backX, -1, -h], [backX, 1, -h], [backX, 1, h], [backX, -1, h]], pane));
    out.push(quad3([[-1, backY, -h], [1, backY, -h], [1, backY, h], [-1, backY, h]], pane));
    const gl: string[] = [];
    for (const t of ticks.x) {
      const X = W(t.value, yr[0], 0)[0];
      gl.push(line3([X, -1, -h], [X, 1, -h], gridAttrs), line3([X, backY, -h], [X, backY, h], gridAttrs));
    }
    for (const t of ticks.y) {
      const Y = W(xr[0], t.value, 0)[1];
      gl.push(line3([-1, Y, -h], [1, Y, -h], gridAttrs), line3([backX, Y, -h], [backX, Y, h], gridAttrs));
    }
    for (const t of ticks.z) {
      const Z = W(xr[0], yr[0], t.value)[2];
      gl.push(line3([backX, -1, Z], [backX, 1, Z], gridAttrs), line3([-1, backY, Z], [1, backY, Z], gridAttrs));
    }
    out.push(group({ class: "panes" }, gl));

    const prims: Prim[] = [];
    const light = normalize([-0.45, -0.35, 0.82]);
    for (const { grid, opts } of this.surfaces) {
      const cmap = colormap(opts.colormap ?? "viridis");
      const [zlo, zhi] = gridExtent(grid);
      const mesh = opts.mesh ?? true;
      for (let j = 0; j + 1 < grid.ys.length; j++) {
        for (let i = 0; i + 1 < grid.xs.length; i++) {
          const zq = [grid.z[j][i], grid.z[j][i + 1], grid.z[j + 1][i + 1], grid.z[j + 1][i]];
          if (zq.some((z) => !Number.isFinite(z))) continue;
          const q: V3[] = [
            W(grid.xs[i], grid.ys[j], zq[0]), W(grid.xs[i + 1], grid.ys[j], zq[1]),
            W(grid.xs[i + 1], grid.ys[j + 1], zq[2]), W(grid.xs[i], grid.ys[j + 1], zq[3]),
          ];
          const n = normalize(cross(sub(q[2], q[0]), sub(q[3], q[1])));
          // Two-sided Lambert term plus ambient so faces turned away stay readable.
          const shade = 0.45 + 0.55 * Math.abs(dot(n, light));
          const t = ((zq[0] + zq[1] + zq[2] + zq[3]) / 4 - zlo) / (zhi - zlo || 1);
          const fill = scaleColor(cmap(t), shade);
          const pts = q.map(screen);
          prims.push({
            depth: pts.reduce((a, p) => a + p[2], 0) / 4,
            svg: el("path", {
              d: pts.map(([x, y], k) => `${k ? "L" : "M"}${num(x)},${num(y)}`).join("") + "Z",
              fill, stroke: mesh ? scaleColor(fill, 0.78) : fill, "stroke-width": mesh ? 0.4 : 0.5, "stroke-linejoin": "round",
            }),
          });
        }
      }
    }
    // Paths sit on the surface, so they get a small depth bias towards the
    // camera (about one grid cell) to win ties against the quads they lie on.
    const cells = Math.max(2, ...this.surfaces.map((sf) => Math.max(sf.grid.xs.length, sf.grid.ys.length)));
    const bias = 3 / cells;
    this.paths.forEach((p, k) => {
      const color = p.opts.color ?? ["#ff3b30", "#ffffff", "#ff9500", "#00c7be"][k % 4];
      const w = p.opts.width ?? 2.2;
      const pts = this.densify(p).map(([x, y, z]) => screen(W(x, y, z)));
      for (let i = 0; i + 1 < pts.length; i++) {
        const [x1, y1, d1] = pts[i], [x2, y2, d2] = pts[i + 1];
        prims.push({ depth: (d1 + d2) / 2 + bias, svg: el("line", { class: "path3d", x1, y1, x2, y2, stroke: color, "stroke-width": w, "stroke-linecap": "round" }) });
      }
      if ((p.opts.endpoints ?? true) && pts.length) {
        const [a, b] = [pts[0], pts[pts.length - 1]];
        prims.push({ depth: a[2] + 2 * bias, svg: el("circle", { class: "start", cx: a[0], cy: a[1], r: 4.5, fill: "#ffffff", stroke: color, "stroke-width": 2 }) });
        prims.push({ depth: b[2] + 2 * bias, svg: marker("star", b[0], b[1], 5, { class: "end", fill: color, stroke: "#222222", "stroke-width": 0.6 }) });
      }
    });
    prims.sort((a, b) => a.depth - b.depth);
    out.push(group({ class: "surface" }, prims.map((p) => p.svg)));
    out.push(this.axisLabels(ticks, screen, W, backX, backY, h, fs, xr, yr));
    if (o.title) out.push(text(box.x + box.width / 2, box.y + fs * 1.35, o.title, { class: "axes-title", "text-anchor": "middle", "font-size": fs * 1.15, "font-weight": "bold", fill: "#222222" }));
    if (bar) {
      const [lo, hi] = gridExtent(bar.grid);
      out.push(renderColorbar({ kind: "continuous", lo, hi, cmap: colormap(bar.opts.colormap ?? "viridis") }, { x: box.x + box.width - barW - 4, y: inner.y + inner.h * 0.1, width: barW, height: inner.h * 0.8 }, fs));
      const label = bar.opts.colorbarLabel ?? o.zlabel;
      if (label) out.push(text(box.x + box.width - barW - 4 + 19, inner.y + inner.h * 0.1 - 10, label, { "text-anchor": "middle", "font-size": fs * 0.92, fill: "#222222" }));
    }
    return group({ class: "axes3d" }, out);
  }

  private axisLabels(
    ticks: Record<"x" | "y" | "z", Array<{ value: number; label: string }>>,
    screen: (w: V3) => [number, number, number],
    W: (x: number, y: number, z: number) => V3,
    backX: number, backY: number, h: number, fs: number,
    xr: [number, number], yr: [number, number],
  ): string {
    const o = this.options;
    const out: string[] = [];
    const fsT = fs * 0.85;
    // Tick labels sit on the front floor edges (opposite the back panes) and
    // are pushed outward perpendicular to their own edge, in screen space, so
    // labels of the two axes meeting at the front corner do not collide.
    const put = (p: V3, outward: V3, label: string, dist: number, cls: string) => {
      const [x, y] = screen(p);
      const [qx, qy] = screen([p[0] + outward[0], p[1] + outward[1], p[2] + outward[2]]);
      let dx = qx - x, dy = qy - y;
      const len = Math.hypot(dx, dy) || 1;
      dx /= len; dy /= len;
      const anchor = dx > 0.3 ? "start" : dx < -0.3 ? "end" : "middle";
      out.push(text(x + dx * dist, y + dy * dist + fsT * 0.35 + dy * fsT * 0.3, label, { class: cls, "text-anchor": anchor, "font-size": cls === "tick" ? fsT : fs, fill: "#333333" }));
    };
    const outX: V3 = [0, -backY, 0];
    const outY: V3 = [-backX, 0, 0];
    // z axis on the vertical edge that appears leftmost on screen.
    const edges: Array<[number, number]> = [[-1, -1], [-1, 1], [1, -1], [1, 1]];
    const [ex, ey] = edges.reduce((a, b) => (screen([b[0], b[1], 0])[0] < screen([a[0], a[1], 0])[0] ? b : a));
    // A floor tick at the foot of the z axis would print on top of the lowest z label.
    const atZAxis = (X: number, Y: number) => Math.abs(X - ex) < 1e-6 && Math.abs(Y - ey) < 1e-6;
    for (const t of ticks.x) {
      const X = W(t.value, yr[0], 0)[0];
      if (!atZAxis(X, -backY)) put([X, -backY, -h], outX, t.label, 8, "tick");
    }
    for (const t of ticks.y) {
      const Y = W(xr[0], t.value, 0)[1];
      if (!atZAxis(-backX, Y)) put([-backX, Y, -h], outY, t.label, 8, "tick");
    }
    if (o.xlabel) put([0, -backY, -h], outX, o.xlabel, 30, "xlabel");
    if (o.ylabel) put([-backX, 0, -h], outY, o.ylabel, 30, "ylabel");
    out.push(el("line", { x1: screen([ex, ey, -h])[0], y1: screen([ex, ey, -h])[1], x2: screen([ex, ey, h])[0], y2: screen([ex, ey, h])[1], stroke: "#888888", "stroke-width": 0.8 }));
    for (const t of ticks.z) {
      const [x, y] = screen([ex, ey, W(xr[0], yr[0], t.value)[2]]);
      out.push(text(x - 6, y + fsT * 0.35, t.label, { class: "tick", "text-anchor": "end", "font-size": fsT, fill: "#333333" }));
    }
    if (o.zlabel) {
      const [x, y] = screen([ex, ey, h]);
      out.push(text(x, y - 10, o.zlabel, { class: "zlabel", "text-anchor": "middle", "font-size": fs, fill: "#333333" }));
    }
    return group({ class: "axis-labels" }, out);
  }
}

function sub(a: V3, b: V3): V3 {
  return [a[0] - b[0], a[1] - b[1], a[2] - b[2]];
}
function cross(a: V3, b: V3): V3 {
  return [a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0]];
}
function dot(a: V3, b: V3): number {
  return a[0] * b[0] + a[1] * b[1] + a[2] * b[2];
}
function normalize(a: V3): V3 {
  const n = Math.hypot(a[0], a[1], a[2]) || 1;
  return [a[0] / n, a[1] / n, a[2] / n];
}

function lowerIndex(v: number[], x: number): number {
  let lo = 0;
  let hi = v.length - 2;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (v[mid] <= x) lo = mid;
    else hi = mid - 1;
  }
  return Math.max(0, lo);
}

/** Bilinear interpolation of a grid at (x, y), clamped to the grid's extent. */
export function interpolate(g: Grid, x: number, y: number): number {
  if (g.xs.length < 2 || g.ys.length < 2) return g.z[0]?.[0] ?? 0;
  const cx = Math.min(Math.max(x, g.xs[0]), g.xs[g.xs.length - 1]);
  const cy = Math.min(Math.max(y, g.ys[0]), g.ys[g.ys.length - 1]);
  const i = lowerIndex(g.xs, cx);
  const j = lowerIndex(g.ys, cy);
  const u = (cx - g.xs[i]) / (g.xs[i + 1] - g.xs[i] || 1);
  const v = (cy - g.ys[j]) / (g.ys[j + 1] - g.ys[j] || 1);
  return (
    (1 - u) * (1 - v) * g.z[j][i] + u * (1 - v) * g.z[j][i + 1] +
    u * v * g.z[j + 1][i + 1] + (1 - u) * v * g.z[j + 1][i]
  );
}
