// Per-operation overhead: many adds of two 4-element tensors, each result complete before the next.

import * as tg from "../../dist/index.js";
import type { Workload } from "../types.js";

export const OVERHEAD_OPS = 10_000;

export function overheadWorkload(): Workload {
  const ops = OVERHEAD_OPS;
  const a = new Float32Array([1, 2, 3, 4]);
  const b = new Float32Array([5, 6, 7, 8]);
  return {
    id: "overhead-add4",
    group: "overhead",
    title: `per-op overhead: ${ops.toLocaleString("en-US")} adds of 4-element tensors`,
    unit: "µs/op",
    better: "lower",
    quick: true,
    fromSeconds: (s) => (s / ops) * 1e6,
    impls: {
      tensorgrad: () => {
        const x = tg.tensor(a);
        const y = tg.tensor(b);
        return {
          // evaluation is lazy: realize each result, so every add runs its kernel
          run: () => {
            for (let i = 0; i < ops; i++) tg.realize(tg.add(x, y));
          },
        };
      },
      tfjs: ({ tf }) => {
        const x = tf.tensor1d(a);
        const y = tf.tensor1d(b);
        return {
          run: () => {
            for (let i = 0; i < ops; i++) tf.add(x, y).dispose();
          },
          dispose: () => tf.dispose([x, y]),
        };
      },
      jax: ({ jax }) => {
        const np = jax.numpy;
        const x = np.array(a);
        const y = np.array(b);
        return {
          note: "each result awaited (blockUntilReady)",
          run: async () => {
            for (let i = 0; i < ops; i++) {
              const z = np.add(x.ref, y.ref);
              await z.blockUntilReady();
              z.dispose();
            }
          },
          dispose: () => {
            x.dispose();
            y.dispose();
          },
        };
      },
      python: { kind: "overhead", params: { ops } },
    },
  };
}
