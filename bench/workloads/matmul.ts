// Square float32 matrix products: GFLOP/s = 2n³ / time.

import * as tg from "../../dist/index.js";
import { matmulInputs } from "../data.js";
import { kernelArray } from "../peers/kernel.js";
import type { Workload } from "../types.js";

export function matmulWorkload(n: number, quick: boolean, previous?: number): Workload {
  return {
    id: `matmul-${n}`,
    group: "matmul",
    title: `matmul ${n}×${n} · ${n}×${n}`,
    unit: "GFLOP/s",
    better: "higher",
    quick,
    fromSeconds: (s) => (2 * n ** 3) / s / 1e9,
    ...(previous ? { scaleOf: { id: `matmul-${previous}`, factor: (n / previous) ** 3 } } : {}),
    impls: {
      tensorgrad: () => {
        const { a, b } = matmulInputs(n);
        const A = tg.tensor(a, { shape: [n, n], dtype: "float32" });
        const B = tg.tensor(b, { shape: [n, n], dtype: "float32" });
        // evaluation is lazy: realize the product so the kernel runs
        return { run: () => tg.realize(tg.matmul(A, B)) };
      },
      tfjs: ({ tf }) => {
        const { a, b } = matmulInputs(n);
        const A = tf.tensor2d(a, [n, n], "float32");
        const B = tf.tensor2d(b, [n, n], "float32");
        return {
          run: () => tf.matMul(A, B).dispose(),
          dispose: () => tf.dispose([A, B]),
        };
      },
      jax: ({ jax }) => {
        const np = jax.numpy;
        const { a, b } = matmulInputs(n);
        const A = np.array(a, { shape: [n, n] });
        const B = np.array(b, { shape: [n, n] });
        return {
          // jax-js evaluates lazily: wait for each product.
          run: async () => {
            const c = np.matmul(A.ref, B.ref);
            await c.blockUntilReady();
            c.dispose();
          },
          dispose: () => {
            A.dispose();
            B.dispose();
          },
        };
      },
      kernel: ({ kernels }) => {
        const { a, b } = matmulInputs(n);
        const p = { m: n, n, k: n, a: kernelArray(kernels, a), b: kernelArray(kernels, b), c: kernels.allocF32(n * n) };
        return {
          run: () => kernels.sgemm(p),
          dispose: () => [p.a, p.b, p.c].forEach((ptr) => kernels.free(ptr)),
        };
      },
      python: { kind: "matmul", params: { n } },
    },
  };
}

export const MATMUL_SIZES = [64, 128, 256, 512, 1024];
export const MATMUL_QUICK_SIZES = [64, 256];

export function matmulWorkloads(): Workload[] {
  return MATMUL_SIZES.map((n, i) => matmulWorkload(n, MATMUL_QUICK_SIZES.includes(n), i > 0 ? MATMUL_SIZES[i - 1] : undefined));
}
