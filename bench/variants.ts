// The rows of every table: each tensorgrad backend, then the peers in their configurations.

import os from "node:os";
import { tensorgradBackends } from "./peers/tensorgrad.js";
import type { Family, Variant } from "./types.js";

/** Cores visible to this process; the multi-threaded peers use this many threads. */
export const CORES = os.availableParallelism();

/** The Python rows: which peer script runs them and on how many threads (undefined: the library's default). */
export interface PythonPeer {
  peer: "numpy" | "torch";
  threads: number | undefined;
}
export const PYTHON_PEERS: Record<string, PythonPeer> = {
  "numpy-1t": { peer: "numpy", threads: 1 },
  numpy: { peer: "numpy", threads: undefined },
  "torch-1t": { peer: "torch", threads: 1 },
  torch: { peer: "torch", threads: CORES },
};

/** Threads of each bare-kernel row (main thread included). */
export const KERNEL_THREADS: Record<string, number> = { "wasm-kernel": CORES, "wasm-kernel-1t": 1 };

/** Families that asking for another brings along: the bare kernels are tensorgrad's own ceiling. */
const IMPLIED: Partial<Record<string, Family[]>> = { tensorgrad: ["kernel"] };

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
    { id: "wasm-kernel", family: "kernel", label: `bare Wasm kernels, ${CORES} threads`, quick: true },
    { id: "wasm-kernel-1t", family: "kernel", label: "bare Wasm kernels, 1 thread", quick: true },
    { id: "tfjs-cpu", family: "tfjs", label: "TF.js cpu (plain JS)", quick: true },
    { id: "tfjs-wasm", family: "tfjs", label: "TF.js wasm (SIMD, 1 thread)", quick: true },
    { id: "tfjs-wasm-nosimd", family: "tfjs", label: "TF.js wasm (no SIMD, 1 thread)", quick: false },
    { id: "tfjs-wasm-threads", family: "tfjs", label: "TF.js wasm (threaded SIMD build)", quick: false },
    { id: "jax", family: "jax", label: "jax-js wasm, 1 thread", quick: true },
    { id: "jax-workers", family: "jax", label: `jax-js wasm, ${CORES} workers`, quick: true },
    { id: "numpy-1t", family: "numpy", label: "NumPy (OpenBLAS), 1 thread", quick: true },
    { id: "numpy", family: "numpy", label: `NumPy (OpenBLAS), ${CORES} threads`, quick: true },
    { id: "torch-1t", family: "torch", label: "PyTorch (CPU), 1 thread", quick: true },
    { id: "torch", family: "torch", label: `PyTorch (CPU), ${CORES} threads`, quick: true },
  ];
}

/** Variants a run asks for: `impls` lists ids or families; `quick` keeps those marked quick. */
export function selectVariants(impls: readonly string[] | undefined, quick: boolean): Variant[] {
  const all = allVariants();
  if (impls) {
    const known = new Set(all.flatMap((v) => [v.id, v.family]));
    const unknown = impls.filter((i) => !known.has(i));
    if (unknown.length) throw new Error(`--impls: unknown implementation(s) ${unknown.join(", ")}; known: ${[...known].join(", ")}`);
    const families = new Set(impls.flatMap((i) => [i, ...(IMPLIED[i] ?? [])]));
    return all.filter((v) => impls.includes(v.id) || families.has(v.family));
  }
  return all.filter((v) => !quick || v.quick);
}
