// `tensorgrad run gaussians` and `tensorgrad run splat-image` as a user runs them (the built
// bin): the files each writes, metrics.json, and bad input refused with nothing written.

import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import * as tg from "../src/index.js";

const root = fileURLToPath(new URL("..", import.meta.url));
const BIN = join(root, "dist/cli/main.js");
const scratch = mkdtempSync(join(tmpdir(), "tensorgrad-splat-cli-"));

before(() => {
  if (!existsSync(BIN)) execFileSync("npm", ["run", "build"], { cwd: root, stdio: "inherit" });
});
after(() => rmSync(scratch, { recursive: true, force: true }));

const run = (args: string[]) => spawnSync(process.execPath, [BIN, ...args], { cwd: scratch, encoding: "utf8", timeout: 120_000 });

test("run gaussians writes both tutorial figures for the given μ, σ and Σ", () => {
  const r = run(["run", "gaussians", "--mu", "1,2", "--sigma", "0.5", "--cov", "3,-1,1", "--out", "g"]);
  assert.equal(r.status, 0, r.stderr);
  for (const f of ["isotropic", "anisotropic"]) assert.ok(existsSync(join(scratch, "g", "figures", `${f}.png`)), f);
  const m = JSON.parse(readFileSync(join(scratch, "g", "metrics.json"), "utf8"));
  // eigenvalues of [[3, −1], [−1, 1]]: 2 ± √2
  assert.ok(Math.abs(m.results["lambda 1"] - (2 + Math.SQRT2)) < 1e-12, JSON.stringify(m.results));
  assert.equal(m.settings["mu y"], 2);
  const bad = run(["run", "gaussians", "--cov", "1,2,1", "--out", "g2"]);
  assert.notEqual(bad.status, 0);
  assert.match(bad.stderr, /not positive definite/);
  assert.ok(!existsSync(join(scratch, "g2")));
});

test("run splat-image fits a given PNG and writes renders, figures and metrics", async () => {
  const gen = tg.random.generator(0);
  const img = tg.rand([24, 32, 3], { generator: gen });
  writeFileSync(join(scratch, "small.png"), await tg.splat.encodePNG(img));
  const r = run(["run", "splat-image", "--image", "small.png", "--gaussians", "60", "--steps", "12", "--out", "s"]);
  assert.equal(r.status, 0, r.stderr);
  const dir = join(scratch, "s");
  for (const f of ["target.png", "fit.png", "error.png", "figures/ellipses.png", "figures/snapshots.png", "figures/psnr.png", "psnr.csv"]) assert.ok(existsSync(join(dir, f)), f);
  const m = JSON.parse(readFileSync(join(dir, "metrics.json"), "utf8"));
  for (const k of ["psnr", "ssim", "steps", "seconds", "gaussians"]) assert.equal(typeof m.results[k], "number", k);
  assert.equal(m.results.steps, 12);
  assert.equal(m.results.gaussians, 60);
  const fit = await tg.splat.decodePNG(readFileSync(join(dir, "fit.png")));
  assert.deepEqual([fit.width, fit.height], [32, 24]);
});

test("run splat-image refuses a file that is not a PNG, writing nothing", () => {
  writeFileSync(join(scratch, "fake.png"), "this is not an image");
  const r = run(["run", "splat-image", "--image", "fake.png", "--steps", "2", "--out", "bad"]);
  assert.notEqual(r.status, 0);
  assert.match(r.stderr, /not a PNG/);
  assert.ok(!existsSync(join(scratch, "bad")));
  const r2 = run(["run", "splat-image", "--gaussians", "0", "--out", "bad"]);
  assert.notEqual(r2.status, 0);
  assert.match(r2.stderr, /--gaussians/);
});

test("gradcheck of the splatting experiments agrees with finite differences", () => {
  for (const name of ["gaussians", "splat-image", "splat-3d"]) {
    const r = run(["gradcheck", name]);
    assert.equal(r.status, 0, `${name}: ${r.stdout}${r.stderr}`);
    assert.match(r.stdout, /^passed: all \d+ inputs agree/m, name);
  }
});
