// SSIM of tg.splat against the standard formula computed in NumPy (make-splat-ssim.py, which
// writes splat-ssim.json): an 11×11 Gaussian window with σ = 1.5, zero-padded "same" filtering,
// C1 = 0.01², C2 = 0.03², the mean over pixels and channels. The images are rebuilt here from
// the same closed form.

import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import * as tg from "../../src/index.js";

const ref = JSON.parse(readFileSync(new URL("./splat-ssim.json", import.meta.url), "utf8")) as {
  cases: { height: number; width: number; phase: number; ssim: number; ssim_self: number }[];
};

function image(H: number, W: number, phase: number): tg.Tensor {
  const v = new Float64Array(H * W * 3);
  for (let i = 0; i < H; i++)
    for (let j = 0; j < W; j++)
      for (let c = 0; c < 3; c++) v[(i * W + j) * 3 + c] = 0.5 + 0.4 * Math.sin(0.37 * i + 0.23 * j * (1 + phase) + 1.1 * c + phase);
  return tg.tensor(v, { shape: [H, W, 3], dtype: "float64" });
}

test("ssim matches the NumPy reference (float64)", () => {
  assert.ok(ref.cases.length >= 3);
  for (const c of ref.cases) {
    const x = image(c.height, c.width, 0);
    const y = image(c.height, c.width, c.phase);
    const got = tg.splat.ssim(x, y).item();
    assert.ok(Math.abs(got - c.ssim) < 1e-12, `${c.height}×${c.width}: ${got} vs ${c.ssim}`);
    assert.ok(Math.abs(tg.splat.ssim(x, x).item() - c.ssim_self) < 1e-12);
  }
});

test("ssim in float32 agrees with the reference to float32 accuracy", () => {
  const c = ref.cases[0];
  const got = tg.splat.ssim(image(c.height, c.width, 0).cast("float32"), image(c.height, c.width, c.phase).cast("float32")).item();
  assert.ok(Math.abs(got - c.ssim) < 1e-4, `${got} vs ${c.ssim}`);
});
