// 3-D Gaussian splatting end to end at CI size: the regression scene (views made of known
// Gaussians, training from a perturbed copy) must be recovered above 35 dB on held-out cameras;
// the ray-cast scene's training must raise held-out PSNR, densify and write an orbit APNG.

import { test } from "node:test";
import assert from "node:assert/strict";
import * as tg from "../src/index.js";
import { splat3d } from "../src/examples/splat-3d.js";
import { splat3dReport } from "../src/report/splat.js";

test("the scene made of Gaussians is recovered above 35 dB on held-out views", () => {
  const r = splat3d({ target: "gaussians", size: 48, gaussians: 800, steps: 200, seconds: 1e6, orbitFrames: 1, trainViews: 20, testViews: 4 });
  assert.equal(r.steps, 200);
  assert.ok(r.testPsnr >= 35, r.summary);
});

test("training on the ray-cast scene raises held-out PSNR, densifies, and reports an orbit APNG", async () => {
  const r = splat3d({ size: 32, gaussians: 1500, steps: 120, seconds: 1e6, densifyFrom: 50, densifyEvery: 50, densifyUntil: 0.9, orbitFrames: 3, trainViews: 8, testViews: 2 });
  // at the default (3DGS) gradient threshold
  assert.equal(r.densified.count, 2, r.summary);
  assert.ok(r.densified.cloned + r.densified.split > 0 && r.gaussiansEnd > r.gaussiansStart, `densification added Gaussians: ${r.summary}`);
  assert.ok(r.testPsnr > 20, r.summary);
  const report = await splat3dReport(r);
  const orbit = report.images!.find((i) => i.name === "orbit")!.png;
  const text = new TextDecoder("latin1").decode(orbit);
  assert.ok(text.includes("acTL") && text.includes("fdAT"), "an animated PNG");
  // viewers without APNG support (and our decoder) read the first frame
  const first = await tg.splat.decodePNG(orbit);
  assert.deepEqual([first.width, first.height], [32, 32]);
  assert.equal(first.pixels[0], Math.round(Math.min(1, Math.max(0, r.orbit[0][0])) * 255));
  assert.equal(typeof report.results["held-out psnr"], "number");
});
