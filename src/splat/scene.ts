// A procedural scene with exact ground truth: coloured spheres and boxes over a checkered floor,
// lit by one directional light (Lambert shading plus ambient, so colours do not depend on the
// view), ray-cast exactly from pinhole cameras on an orbit. Also surface sampling (points with
// their true colours and normals) for initialising Gaussians, and the orbit cameras.

import type { Camera } from "./render.js";

type V3 = [number, number, number];

export interface Sphere {
  kind: "sphere";
  centre: V3;
  radius: number;
  albedo: V3;
}

export interface Box {
  kind: "box";
  centre: V3;
  half: V3;
  albedo: V3;
}

/** The scene: its objects, a square floor at y = 0 with a checker pattern, the light and the sky colour. */
export interface Scene {
  objects: (Sphere | Box)[];
  floorHalf: number;
  checker: number;
  floorColours: [V3, V3];
  light: V3;
  sky: V3;
}

const sub = (a: V3, b: V3): V3 => [a[0] - b[0], a[1] - b[1], a[2] - b[2]];
const dot = (a: V3, b: V3) => a[0] * b[0] + a[1] * b[1] + a[2] * b[2];
const cross = (a: V3, b: V3): V3 => [a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0]];
const normalize = (a: V3): V3 => {
  const l = Math.hypot(a[0], a[1], a[2]);
  return [a[0] / l, a[1] / l, a[2] / l];
};

/** The default scene: two spheres and two boxes on a 5×5 checkered floor. */
export function defaultScene(): Scene {
  return {
    objects: [
      { kind: "sphere", centre: [-0.7, 0.5, 0.2], radius: 0.5, albedo: [0.85, 0.2, 0.15] },
      { kind: "sphere", centre: [0.8, 0.35, -0.45], radius: 0.35, albedo: [0.2, 0.35, 0.9] },
      { kind: "box", centre: [0.35, 0.3, 0.9], half: [0.3, 0.3, 0.3], albedo: [0.2, 0.75, 0.3] },
      { kind: "box", centre: [-0.3, 0.2, -1.0], half: [0.35, 0.2, 0.25], albedo: [0.95, 0.8, 0.2] },
    ],
    floorHalf: 2.5,
    checker: 0.5,
    floorColours: [[0.9, 0.9, 0.88], [0.35, 0.35, 0.4]],
    light: normalize([0.4, 1, 0.3]),
    sky: [0.55, 0.7, 0.9],
  };
}

function shade(scene: Scene, albedo: V3, n: V3): V3 {
  const l = 0.35 + 0.65 * Math.max(0, dot(n, scene.light));
  return [albedo[0] * l, albedo[1] * l, albedo[2] * l];
}

function floorAlbedo(scene: Scene, x: number, z: number): V3 {
  const k = Math.floor(x / scene.checker) + Math.floor(z / scene.checker);
  return scene.floorColours[((k % 2) + 2) % 2];
}

/** The nearest hit along o + t·d (t > 0): distance, point colour; null for the sky. */
function trace(scene: Scene, o: V3, d: V3): { t: number; colour: V3 } | null {
  let best = Infinity;
  let colour: V3 | null = null;
  for (const ob of scene.objects) {
    if (ob.kind === "sphere") {
      const oc = sub(o, ob.centre);
      const b = dot(oc, d), c = dot(oc, oc) - ob.radius * ob.radius;
      const disc = b * b - c;
      if (disc < 0) continue;
      const t = -b - Math.sqrt(disc);
      if (t > 1e-6 && t < best) {
        best = t;
        const p: V3 = [o[0] + t * d[0], o[1] + t * d[1], o[2] + t * d[2]];
        colour = shade(scene, ob.albedo, normalize(sub(p, ob.centre)));
      }
    } else {
      let t0 = -Infinity, t1 = Infinity, axis = 0, sign = 1;
      for (let a = 0; a < 3; a++) {
        const lo = ob.centre[a] - ob.half[a], hi = ob.centre[a] + ob.half[a];
        if (Math.abs(d[a]) < 1e-12) {
          if (o[a] < lo || o[a] > hi) t0 = Infinity;
          continue;
        }
        let ta = (lo - o[a]) / d[a], tb = (hi - o[a]) / d[a];
        let s = -1;
        if (ta > tb) [ta, tb, s] = [tb, ta, 1];
        if (ta > t0) [t0, axis, sign] = [ta, a, s];
        t1 = Math.min(t1, tb);
      }
      if (t0 <= t1 && t0 > 1e-6 && t0 < best) {
        best = t0;
        const n: V3 = [0, 0, 0];
        n[axis] = sign;
        colour = shade(scene, ob.albedo, n);
      }
    }
  }
  if (d[1] < 0) {
    const t = -o[1] / d[1];
    const x = o[0] + t * d[0], z = o[2] + t * d[2];
    if (t > 1e-6 && t < best && Math.abs(x) <= scene.floorHalf && Math.abs(z) <= scene.floorHalf) {
      best = t;
      colour = shade(scene, floorAlbedo(scene, x, z), [0, 1, 0]);
    }
  }
  return colour ? { t: best, colour } : null;
}

/**
 * The exact image [H·W·3] of the scene from a camera, averaging `ss`×`ss` rays per pixel.
 * @example const view = renderScene(defaultScene(), orbitCamera(0, 0.5, 4.5, 128), 2);
 */
export function renderScene(scene: Scene, cam: Camera, ss = 2): Float32Array {
  const { width: W, height: H } = cam;
  const R = cam.rotation;
  // camera centre c = −Rᵀ t
  const t = cam.translation;
  const c: V3 = [
    -(R[0] * t[0] + R[3] * t[1] + R[6] * t[2]),
    -(R[1] * t[0] + R[4] * t[1] + R[7] * t[2]),
    -(R[2] * t[0] + R[5] * t[1] + R[8] * t[2]),
  ];
  const out = new Float32Array(H * W * 3);
  for (let i = 0; i < H; i++)
    for (let j = 0; j < W; j++) {
      const acc = [0, 0, 0];
      for (let a = 0; a < ss; a++)
        for (let b = 0; b < ss; b++) {
          const u = (j + (b + 0.5) / ss - cam.cx) / cam.fx, v = (i + (a + 0.5) / ss - cam.cy) / cam.fy;
          // world direction Rᵀ (u, v, 1)
          const d = normalize([R[0] * u + R[3] * v + R[6], R[1] * u + R[4] * v + R[7], R[2] * u + R[5] * v + R[8]]);
          const hit = trace(scene, c, d);
          const col = hit ? hit.colour : scene.sky;
          for (let k = 0; k < 3; k++) acc[k] += col[k];
        }
      for (let k = 0; k < 3; k++) out[(i * W + j) * 3 + k] = acc[k] / (ss * ss);
    }
  return out;
}

/**
 * A camera on a circle around the scene's centre (0, 0.3, 0), looking at it: azimuth and
 * elevation in radians, distance, square images of `size` pixels, 50° field of view.
 */
export function orbitCamera(azimuth: number, elevation: number, distance: number, size: number): Camera {
  const target: V3 = [0, 0.3, 0];
  const c: V3 = [
    target[0] + distance * Math.cos(elevation) * Math.sin(azimuth),
    target[1] + distance * Math.sin(elevation),
    target[2] + distance * Math.cos(elevation) * Math.cos(azimuth),
  ];
  const f = normalize(sub(target, c));
  const r = normalize(cross(f, [0, 1, 0]));
  const d = cross(f, r); // image rows go down
  const R = [...r, ...d, ...f];
  const tr: [number, number, number] = [-dot(r, c), -dot(d, c), -dot(f, c)];
  const focal = (0.5 * size) / Math.tan((25 * Math.PI) / 180);
  return { rotation: R, translation: tr, fx: focal, fy: focal, cx: size / 2, cy: size / 2, width: size, height: size };
}

/** Points on the scene's surfaces, area-weighted, with their true colours and normals. */
export function sampleSurface(scene: Scene, count: number, uniform: () => number): { points: Float32Array; colours: Float32Array } {
  const parts: { area: number; sample: () => [V3, V3] }[] = [];
  const F = scene.floorHalf;
  parts.push({
    area: 4 * F * F,
    sample: () => {
      const x = (2 * uniform() - 1) * F, z = (2 * uniform() - 1) * F;
      return [[x, 0, z], shade(scene, floorAlbedo(scene, x, z), [0, 1, 0])];
    },
  });
  for (const ob of scene.objects) {
    if (ob.kind === "sphere")
      parts.push({
        area: 4 * Math.PI * ob.radius ** 2,
        sample: () => {
          const zc = 2 * uniform() - 1, ph = 2 * Math.PI * uniform(), s = Math.sqrt(1 - zc * zc);
          const n: V3 = [s * Math.cos(ph), zc, s * Math.sin(ph)];
          return [[ob.centre[0] + ob.radius * n[0], ob.centre[1] + ob.radius * n[1], ob.centre[2] + ob.radius * n[2]], shade(scene, ob.albedo, n)];
        },
      });
    else {
      const [hx, hy, hz] = ob.half;
      parts.push({
        area: 8 * (hx * hy + hy * hz + hx * hz),
        sample: () => {
          const faces = [hy * hz, hy * hz, hx * hz, hx * hz, hx * hy, hx * hy];
          let u = uniform() * faces.reduce((a, b) => a + b, 0), f = 0;
          while (u > faces[f] && f < 5) u -= faces[f++];
          const axis = f >> 1, sign = f % 2 ? 1 : -1;
          const p: V3 = [(2 * uniform() - 1) * hx, (2 * uniform() - 1) * hy, (2 * uniform() - 1) * hz];
          p[axis] = sign * ob.half[axis];
          const n: V3 = [0, 0, 0];
          n[axis] = sign;
          return [[ob.centre[0] + p[0], ob.centre[1] + p[1], ob.centre[2] + p[2]], shade(scene, ob.albedo, n)];
        },
      });
    }
  }
  const total = parts.reduce((a, p) => a + p.area, 0);
  const points = new Float32Array(3 * count), colours = new Float32Array(3 * count);
  for (let i = 0; i < count; i++) {
    let u = uniform() * total, k = 0;
    while (u > parts[k].area && k < parts.length - 1) u -= parts[k++].area;
    const [p, c] = parts[k].sample();
    points.set(p, 3 * i);
    colours.set(c, 3 * i);
  }
  return { points, colours };
}
