// The default backend and the backends that can be created: the WebAssembly SIMD backend where
// the runtime supports it (Node ≥ 20 and current browsers), the reference backend otherwise.
// Nothing happens at import. In Node the first tensor operation creates the Wasm backend
// synchronously (`ensureDefaultBackend`); browsers compile WebAssembly asynchronously, so there
// `await tg.init()` (select.ts) does it and the reference backend runs until then.

import type { Backend } from "./kernel.js";
import { CpuBackend } from "./cpu/index.js";
import { WasmBackend } from "./wasm-backend.js";
import { createWasmKernels, createWasmKernelsSync } from "./wasm/index.js";
import { isNode } from "./wasm/node-builtins.js";
import { ArgumentError } from "../core/errors.js";

/** The most threads large kernels may use (the main thread and up to 63 workers). */
export const MAX_THREADS = 64;

export interface BackendInfo {
  /** Name of the default backend now. */
  name: string;
  /** Whether the Wasm backend could be created, and if not, why. */
  wasm: { available: boolean; relaxedSimd?: boolean; threads?: number; reason?: string };
}

export interface InitOptions {
  /** The default backend: `"wasm"` (fails where unavailable) or `"cpu"`. Unset: wasm where supported. */
  backend?: "wasm" | "cpu";
  /** Threads for large kernels (default: the cores, at most 8); workers start when first needed. */
  threads?: number;
  /**
   * Relaxed-SIMD fused multiply-add. Node 20's V8 has it behind a flag: `true` turns on
   * `--experimental-wasm-relaxed-simd` for the one compilation of the kernels and sets
   * `--no-experimental-wasm-relaxed-simd` (V8's default; there is no getter for the old value)
   * right after. Engines that have it without a flag use it unless this is `false`.
   */
  relaxedSimd?: boolean;
  /**
   * Compile the kernels with V8's `--no-liftoff` (optimising tier only), restored to the
   * default `--liftoff` right after: the first large products of a process then run at full
   * speed instead of in the baseline tier.
   */
  noLiftoff?: boolean;
  /**
   * Recycle the large arrays (64 KiB and up) of collected eager results into later results of
   * the same length, instead of allocating fresh ones (see `src/backend/README.md`, Memory).
   * Node only: it needs two V8 helpers that Node 20 has behind flags,
   * `FinalizationRegistry.prototype.cleanupSome` and `gc`. Each flag is set for the creation of
   * one private context and cleared (V8's default) right after, so nothing else in the process
   * sees either; `init` rejects where the engine lacks them. It forces a full garbage
   * collection now and then (at most about 5% of the time).
   */
  recycle?: boolean;
}

/** The reference backend (one instance per process). */
export const cpu = new CpuBackend();

/** What has been created so far; select.ts changes it through `init` and friends. */
export const backends: {
  wasm: WasmBackend | null;
  wasmError: string | undefined;
  firstUseTried: boolean;
  requestedThreads: number | undefined;
} = { wasm: null, wasmError: undefined, firstUseTried: false, requestedThreads: undefined };

const BROWSER_REASON = "not initialised: call `await tg.init()` (this platform compiles WebAssembly asynchronously)";

export function message(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

export function checkThreads(op: string, n: number): void {
  if (!Number.isInteger(n) || n < 1 || n > MAX_THREADS)
    throw new ArgumentError(`${op}: expected an integer from 1 to ${MAX_THREADS}, got ${n}`);
}

/**
 * The backend for new tensors when none was set: on first call in Node, creates the Wasm
 * backend synchronously (no V8 flags, no threads started) and returns it; elsewhere, or where
 * it cannot be created, returns the reference backend (`backendInfo()` says why). The runtime
 * calls this the first time it needs a backend; later calls return what was chosen.
 */
export function ensureDefaultBackend(): Backend {
  const b = backends;
  if (!b.wasm && !b.firstUseTried) {
    b.firstUseTried = true;
    if (isNode()) {
      try {
        b.wasm = new WasmBackend(createWasmKernelsSync({ threads: b.requestedThreads }));
      } catch (e) {
        b.wasmError = message(e);
      }
    } else {
      b.wasmError = BROWSER_REASON;
    }
  }
  return b.wasm ?? cpu;
}

