// Choosing the backend: the WebAssembly SIMD backend where the runtime supports it (Node ≥ 20
// and current browsers), the reference backend otherwise. Nothing happens at import. In Node
// the first tensor operation creates the Wasm backend synchronously (`ensureDefaultBackend`);
// browsers compile WebAssembly asynchronously, so there `await tg.init()` does it and the
// reference backend runs until then. `setBackend` changes the choice at any time.

import { cpu, runtime, setBackend } from "./runtime.js";
import type { Backend } from "./kernel.js";
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
}

let wasm: WasmBackend | null = null;
let wasmError: string | undefined;
let firstUseTried = false;
let requestedThreads: number | undefined;

const BROWSER_REASON = "not initialised: call `await tg.init()` (this platform compiles WebAssembly asynchronously)";

function message(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

function checkThreads(op: string, n: number): void {
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
  if (!wasm && !firstUseTried) {
    firstUseTried = true;
    if (isNode()) {
      try {
        wasm = new WasmBackend(createWasmKernelsSync({ threads: requestedThreads }));
      } catch (e) {
        wasmError = message(e);
      }
    } else {
      wasmError = BROWSER_REASON;
    }
  }
  return wasm ?? cpu;
}

/**
 * Initialises the backend explicitly. Optional in Node (the first operation initialises what
 * it needs), required in browsers for the Wasm backend, and the place for the opt-in V8 flags,
 * which only apply if it runs before the first tensor operation.
 * @example const info = await tg.init({ threads: 2 }); // info.name === "wasm" where supported
 */
export async function init(opts: InitOptions = {}): Promise<BackendInfo> {
  if (opts.threads !== undefined) checkThreads("init", opts.threads);
  if (opts.backend !== undefined && opts.backend !== "wasm" && opts.backend !== "cpu")
    throw new ArgumentError(`init: backend must be "wasm" or "cpu", got ${JSON.stringify(opts.backend)}`);
  if (opts.backend === "cpu") {
    if (opts.threads !== undefined) requestedThreads = opts.threads;
    setBackend(cpu);
    return backendInfo();
  }
  if (wasm) {
    if (opts.noLiftoff || (opts.relaxedSimd === true && !wasm.kernels.relaxedSimd) || (opts.relaxedSimd === false && wasm.kernels.relaxedSimd))
      throw new ArgumentError(
        "init: the Wasm backend was already compiled (by an earlier operation or init call); pass relaxedSimd and noLiftoff before the first tensor operation",
      );
  }
  const created = await initWasm(opts);
  if (!created && opts.backend === "wasm") throw new ArgumentError(`init: the Wasm backend is unavailable: ${wasmError}`);
  return backendInfo();
}

/**
 * Creates the Wasm backend (once) and makes it the default. Resolves to null where unsupported.
 * Worker threads start when a large kernel first wants them.
 */
export async function initWasm(
  opts: { threads?: number; relaxedSimd?: boolean; noLiftoff?: boolean } = {},
): Promise<WasmBackend | null> {
  if (opts.threads !== undefined) {
    checkThreads("initWasm", opts.threads);
    requestedThreads = opts.threads;
  }
  if (!wasm) {
    try {
      wasm = new WasmBackend(
        await createWasmKernels({
          threads: requestedThreads, relaxedSimd: opts.relaxedSimd, noLiftoff: opts.noLiftoff, lazyWorkers: true,
        }),
      );
      wasmError = undefined;
    } catch (e) {
      wasmError = message(e);
      return null;
    }
  } else if (opts.threads !== undefined) {
    wasm.kernels.setNumThreadsLazily(opts.threads);
  }
  setBackend(wasm);
  return wasm;
}

/** The backends that could be created: always `cpu`, and `wasm` where supported. */
export function availableBackends(): { cpu: Backend; wasm?: Backend } {
  ensureDefaultBackend();
  return wasm ? { cpu, wasm } : { cpu };
}

/**
 * Sets how many threads large kernels use (1 = no workers) and starts or stops workers now.
 * Results are bit-for-bit the same for every thread count. Threads need shared memory: always
 * in Node, in browsers only on cross-origin-isolated pages.
 * @example await tg.setNumThreads(2);
 */
export async function setNumThreads(n: number): Promise<void> {
  checkThreads("setNumThreads", n);
  requestedThreads = n;
  ensureDefaultBackend();
  if (wasm) await wasm.kernels.setNumThreads(n);
}

/** Threads used by large kernels of the Wasm backend (1 when it is not in use). */
export function getNumThreads(): number {
  ensureDefaultBackend();
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
