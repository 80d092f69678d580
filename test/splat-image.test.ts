// PNG in and out, the image losses, and a small image fit that must reach 28 dB.

import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { deflateSync } from "node:zlib";
import * as tg from "../src/index.js";
import { splatImage } from "../src/examples/splat-image.js";

const ASTRONAUT = new URL("../data/astronaut-256.png", import.meta.url);

function crc32(b: Uint8Array): number {
  let c = 0xffffffff;
  for (const x of b) {
    c ^= x;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  }
  return (c ^ 0xffffffff) >>> 0;
}

/** A PNG written independently of the library, each row with its own filter type (0–4 in turn). */
function pngWithFilters(width: number, height: number, channels: number, colour: number, pixels: Uint8Array, interlace = 0, depth = 8): Uint8Array {
  const stride = width * channels;
  const raw = new Uint8Array(height * (stride + 1));
  for (let y = 0; y < height; y++) {
    const f = y % 5;
    raw[y * (stride + 1)] = f;
    for (let x = 0; x < stride; x++) {
      const cur = pixels[y * stride + x];
      const a = x >= channels ? pixels[y * stride + x - channels] : 0;
      const b = y > 0 ? pixels[(y - 1) * stride + x] : 0;
      const c = x >= channels && y > 0 ? pixels[(y - 1) * stride + x - channels] : 0;
      const p = a + b - c, pa = Math.abs(p - a), pb = Math.abs(p - b), pc = Math.abs(p - c);
      const pred = [0, a, b, (a + b) >> 1, pa <= pb && pa <= pc ? a : pb <= pc ? b : c][f];
      raw[y * (stride + 1) + 1 + x] = (cur - pred) & 0xff;
    }
  }
  const chunk = (type: string, body: Uint8Array) => {
    const out = new Uint8Array(12 + body.length);
    const dv = new DataView(out.buffer);
    dv.setUint32(0, body.length);
    out.set([...type].map((ch) => ch.charCodeAt(0)), 4);
    out.set(body, 8);
    dv.setUint32(8 + body.length, crc32(out.subarray(4, 8 + body.length)));
    return out;
  };
  const ihdr = new Uint8Array(13);
  new DataView(ihdr.buffer).setUint32(0, width);
  new DataView(ihdr.buffer).setUint32(4, height);
  ihdr.set([depth, colour, 0, 0, interlace], 8);
  const parts = [Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk("IHDR", ihdr), chunk("IDAT", deflateSync(raw)), chunk("IEND", new Uint8Array(0))];
  return Uint8Array.from(parts.flatMap((p) => [...p]));
}

test("decodePNG reads every filter type and colour type", async () => {
  const W = 7, H = 11;
  for (const [colour, channels] of [[0, 1], [2, 3], [4, 2], [6, 4]]) {
    const pixels = Uint8Array.from({ length: W * H * channels }, (_, i) => (i * 37 + (i >> 3) * 11) & 0xff);
    const img = await tg.splat.decodePNG(pngWithFilters(W, H, channels, colour, pixels));
    assert.deepEqual([img.width, img.height, img.channels], [W, H, channels]);
    assert.deepEqual([...img.pixels], [...pixels], `colour type ${colour}`);
    const t = tg.splat.imageTensor(img);
    assert.deepEqual(t.shape, [H, W, 3]);
    assert.equal(t.data()[3 * 5 + 2], Math.fround(pixels[5 * channels + (channels < 3 ? 0 : 2)] / 255));
  }
});

test("encodePNG round-trips through decodePNG, and the shipped target decodes", async () => {
  const img = tg.rand([9, 13, 3], { generator: tg.random.generator(1) });
  const back = tg.splat.imageTensor(await tg.splat.decodePNG(await tg.splat.encodePNG(img)));
  const a = img.data(), b = back.data();
  for (let i = 0; i < a.length; i++) assert.equal(b[i], Math.fround(Math.round(a[i] * 255) / 255));
  const astro = await tg.splat.decodePNG(readFileSync(ASTRONAUT));
  assert.deepEqual([astro.width, astro.height, astro.channels], [256, 256, 3]);
});

test("bad PNG bytes raise ImageFormatError naming the problem", async () => {
  const good = pngWithFilters(4, 4, 3, 2, new Uint8Array(48).fill(9));
  const bad = async (bytes: Uint8Array, re: RegExp) => assert.rejects(tg.splat.decodePNG(bytes), { name: "ImageFormatError", message: re });
  await bad(new TextEncoder().encode("GIF89a not a png"), /not a PNG/);
  await bad(good.subarray(0, good.length - 20), /truncated/);
  const flipped = Uint8Array.from(good);
  flipped[40] ^= 0xff;
  await bad(flipped, /CRC mismatch/);
  await bad(pngWithFilters(4, 4, 3, 2, new Uint8Array(48), 1), /interlaced/);
  await bad(pngWithFilters(4, 4, 3, 2, new Uint8Array(96), 0, 16), /bit depth 16/);
  await bad(pngWithFilters(4, 4, 1, 3, new Uint8Array(16)), /colour type 3/);
  await bad(pngWithFilters(0, 4, 3, 2, new Uint8Array(0)), /empty image/);
  await assert.rejects(tg.splat.encodePNG(tg.tensor([NaN, 0, 0], { shape: [1, 1, 3] })), { name: "ArgumentError", message: /NaN/ });
  await assert.rejects(tg.splat.encodePNG(tg.zeros([2, 2])), { name: "ShapeError" });
});

test("psnr, l1 and the 3DGS loss on known pairs", () => {
  const x = tg.full([4, 4, 3], 0.5, "float64");
  const y = tg.full([4, 4, 3], 0.6, "float64");
  assert.ok(Math.abs(tg.splat.psnr(x, y).item() - 20) < 1e-9);
  assert.ok(Math.abs(tg.splat.l1(x, y).item() - 0.1) < 1e-12);
  assert.ok(Math.abs(tg.splat.ssim(x, x).item() - 1) < 1e-12);
  const z = tg.rand([12, 12, 3], { generator: tg.random.generator(2), dtype: "float64" });
  const w = tg.rand([12, 12, 3], { generator: tg.random.generator(3), dtype: "float64" });
  const mix = tg.splat.splatLoss(z, w).item();
  assert.ok(Math.abs(mix - (0.8 * tg.splat.l1(z, w).item() + 0.2 * (1 - tg.splat.ssim(z, w).item()))) < 1e-12);
  assert.ok(Math.abs(tg.splat.dssim(z, w).item() - (1 - tg.splat.ssim(z, w).item()) / 2) < 1e-12);
  assert.throws(() => tg.splat.ssim(z, tg.zeros([12, 12, 2], "float64")), { name: "ShapeError" });
  // D-SSIM is differentiable: its gradient matches central differences along a direction
  const w2 = tg.rand([5, 6, 3], { generator: tg.random.generator(5), dtype: "float64" });
  const r = tg.gradcheck((a: tg.Tensor) => tg.splat.dssim(a, w2), [tg.rand([5, 6, 3], { generator: tg.random.generator(4), dtype: "float64" })]);
  assert.ok(r.passed, JSON.stringify(r).slice(0, 300));
});

test("a 64×64 image with 500 Gaussians reaches 28 dB", async () => {
  const big = tg.splat.imageTensor(await tg.splat.decodePNG(readFileSync(ASTRONAUT)));
  const small = big.reshape([64, 4, 64, 4, 3]).mean([1, 3]);
  const r = splatImage(small, { gaussians: 500, steps: 200, seconds: 600, evalEvery: 50 });
  assert.equal(r.steps, 200);
  assert.ok(r.psnr >= 28, `PSNR ${r.psnr}`);
  assert.ok(r.curve[0].psnr < 20 && r.curve.at(-1)!.psnr === r.psnr);
});

test("image fitting refuses bad input", () => {
  assert.throws(() => splatImage(tg.zeros([2, 2, 3]), { gaussians: 4, steps: 1 }), { name: "ShapeError", message: /too small/ });
  assert.throws(() => splatImage(tg.zeros([8, 8]), { steps: 1 }), { name: "ShapeError" });
  assert.throws(() => splatImage(tg.zeros([8, 8, 3]), { gaussians: 0, steps: 1 }), { name: "ArgumentError" });
  assert.throws(() => splatImage(tg.full([8, 8, 3], NaN), { gaussians: 4, steps: 1 }), { name: "ArgumentError", message: /non-finite/ });
});
