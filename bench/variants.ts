// The rows of every table: each tensorgrad backend, then the peers in their configurations.

import os from "node:os";
import { tensorgradBackends } from "./peers/tensorgrad.js";
import type { Variant } from "./types.js";

/** Cores visible to this process; the multi-threaded peers use this many threads. */
export const CORES = os.availableParallelism();

/** OpenBLAS thread count of each NumPy row (undefined: OpenBLAS's default, every core). */
export const NUMPY_THREADS: Record<string, number | undefined> = { "numpy-1t": 1, numpy: undefined };

/** jax-js worker threads of each jax-js row (0: main thread only). */
export const JAX_WORKERS: Record<string, number> = { jax: 0, "jax-workers": CORES };

export function allVariants(): Variant[] {
  const tensorgrad: Variant[] = tensorgradBackends().map((b) => ({
    id: `tensorgrad:${b.name}`,
    family: "tensorgrad",
    label: b.label,
    quick: true,
  }));
  return [
    ...tensorgrad,
    { id: "tfjs-cpu", family: "tfjs", label: "TF.js cpu (plain JS)", quick: true },
    { id: "tfjs-wasm", family: "tfjs", label: "TF.js wasm (SIMD, 1 thread)", quick: true },
    { id: "tfjs-wasm-nosimd", family: "tfjs", label: "TF.js wasm (no SIMD, 1 thread)", quick: false },
    { id: "tfjs-wasm-threads", family: "tfjs", label: "TF.js wasm (threaded SIMD build)", quick: false },
    { id: "jax", family: "jax", label: "jax-js wasm, 1 thread", quick: true },
    { id: "jax-workers", family: "jax", label: `jax-js wasm, ${CORES} workers`, quick: true },
    { id: "numpy-1t", family: "numpy", label: "NumPy (OpenBLAS), 1 thread", quick: true },
    { id: "numpy", family: "numpy", label: `NumPy (OpenBLAS), ${CORES} threads`, quick: true },
  ];
}

/** Variants a run asks for: `impls` lists ids or families; `quick` keeps those marked quick. */
export function selectVariants(impls: readonly string[] | undefined, quick: boolean): Variant[] {
  const all = allVariants();
  if (impls) {
    const known = new Set(all.flatMap((v) => [v.id, v.family]));
    const unknown = impls.filter((i) => !known.has(i));
    if (unknown.length) throw new Error(`--impls: unknown implementation(s) ${unknown.join(", ")}; known: ${[...known].join(", ")}`);
    return all.filter((v) => impls.includes(v.id) || impls.includes(v.family));
  }
  return all.filter((v) => !quick || v.quick);
}
