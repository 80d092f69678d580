// Choosing the backend: the WebAssembly SIMD backend where the runtime supports it (Node ≥ 20
// and current browsers), the reference backend otherwise. The choice is made once, when the
// package is first imported; `setBackend` changes it at any time.

import { cpu, runtime, setBackend } from "./runtime.js";
import type { Backend } from "./kernel.js";
import { WasmBackend } from "./wasm-backend.js";
import { createWasmKernels } from "./wasm/index.js";
import { ArgumentError } from "../core/errors.js";

/** The most threads large kernels may use (the main thread and up to 63 workers). */
export const MAX_THREADS = 64;

export interface BackendInfo {
  /** Name of the default backend now. */
  name: string;
  /** Whether the Wasm backend could be created, and if not, why. */
  wasm: { available: boolean; relaxedSimd?: boolean; threads?: number; reason?: string };
}

let wasm: WasmBackend | null = null;
let wasmError: string | undefined;

/** The backends that could be created: always `cpu`, and `wasm` where supported. */
export function availableBackends(): { cpu: Backend; wasm?: Backend } {
  return wasm ? { cpu, wasm } : { cpu };
}

/** Creates the Wasm backend (once) and makes it the default. Resolves to null where unsupported. */
export async function initWasm(opts: { threads?: number } = {}): Promise<WasmBackend | null> {
  if (!wasm) {
    try {
      wasm = new WasmBackend(await createWasmKernels(opts));
    } catch (e) {
      wasmError = e instanceof Error ? e.message : String(e);
      return null;
    }
  }
  setBackend(wasm);
  return wasm;
}

/**
 * Sets how many threads large kernels use (1 = no workers). Results are bit-for-bit the same
 * for every thread count. Threads need shared memory: always in Node, in browsers only on
 * cross-origin-isolated pages.
 * @example await tg.setNumThreads(2);
 */
export async function setNumThreads(n: number): Promise<void> {
  if (!Number.isInteger(n) || n < 1 || n > MAX_THREADS)
    throw new ArgumentError(`setNumThreads: expected an integer from 1 to ${MAX_THREADS}, got ${n}`);
  if (wasm) await wasm.kernels.setNumThreads(n);
}

/** Threads used by large kernels of the Wasm backend (1 when it is not in use). */
export function getNumThreads(): number {
  return wasm ? wasm.kernels.threads : 1;
}

/** What the runtime chose and why. */
export function backendInfo(): BackendInfo {
  return {
    name: runtime.backend.name,
    wasm: wasm
      ? { available: true, relaxedSimd: wasm.kernels.relaxedSimd, threads: wasm.kernels.threads }
      : { available: false, reason: wasmError ?? "not initialised" },
  };
}
