// Gaussian-splat rasterisation: one forward and backward pass of the rasteriser (float32, tiled
// path) at 256×256 with 5,000 Gaussians placed as an image fit starts (uniform positions, round,
// σ ≈ 1.8 px, opacity ½); the title gives the Gaussians per pixel it tests and composites.

import * as tg from "../../dist/index.js";
import type { Workload } from "../types.js";

export function splatWorkload(): Workload {
  const n = 5000, H = 256, W = 256;
  const gen = tg.random.generator(0);
  const means = tg.rand([n, 2], { generator: gen }).mul(tg.tensor([W, H]));
  const s = 0.5 * Math.sqrt((H * W) / n);
  const covs = tg.tensor(Array.from({ length: n }, () => [s * s + 0.3, 0, s * s + 0.3]).flat(), { shape: [n, 3] });
  const colors = tg.rand([n, 3], { generator: gen });
  const opac = tg.full([n], 0.5);
  const depths = tg.arange(0, n).cast("float32");
  const stats = tg.splat.rasterStats(means.data(), covs.data(), colors.data(), opac.data(), depths.data(), { n, k: 3, height: H, width: W, background: [0, 0, 0] });
  const weights = tg.rand([H, W, 3], { generator: gen });
  return {
    id: "splat-raster-256-5k",
    group: "splat",
    title: `splat rasteriser forward + backward, ${W}×${H}, ${n.toLocaleString("en-US")} Gaussians (${stats.evaluated.toFixed(1)} tested, ${stats.composited.toFixed(1)} composited per pixel)`,
    unit: "ms/iter",
    better: "lower",
    quick: true,
    fromSeconds: (sec) => sec * 1e3,
    impls: {
      tensorgrad: () => ({
        run: () => {
          const m = means.detach().setRequiresGrad();
          const img = tg.splat.rasterize(m, covs, colors, opac, depths, { height: H, width: W, lowPass: 0 });
          img.mul(weights).sum().backward();
          tg.realize(m.grad!);
        },
      }),
    },
  };
}
