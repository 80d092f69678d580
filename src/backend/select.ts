// Choosing the backend: `tg.init` and the thread and backend queries over what default.ts
// created. `setBackend` changes the choice at any time.

import { runtime, setBackend } from "./runtime.js";
import type { Backend } from "./kernel.js";
import { WasmBackend } from "./wasm-backend.js";
import { createWasmKernels } from "./wasm/index.js";
import { ArgumentError } from "../core/errors.js";
import { enableRecycling } from "./recycle.js";
import { loadNodeBuiltin } from "./wasm/node-builtins.js";
import { backends, checkThreads, cpu, ensureDefaultBackend, message, type BackendInfo, type InitOptions } from "./default.js";

export { MAX_THREADS, type BackendInfo, type InitOptions } from "./default.js";

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
  if (opts.recycle !== undefined && typeof opts.recycle !== "boolean")
    throw new ArgumentError(`init: recycle must be a boolean, got ${JSON.stringify(opts.recycle)}`);
  if (opts.recycle === true) {
    const v8 = await loadNodeBuiltin<Parameters<typeof enableRecycling>[0]>("node:v8");
    const vm = await loadNodeBuiltin<Parameters<typeof enableRecycling>[1]>("node:vm");
    if (!v8 || !vm || !enableRecycling(v8, vm))
      throw new ArgumentError("init: recycle needs V8's FinalizationRegistry.prototype.cleanupSome and gc helpers (Node), which this engine lacks");
  }
  return serially(() => initNow(opts));
}

async function initNow(opts: InitOptions): Promise<BackendInfo> {
  if (opts.backend === "cpu") {
    if (opts.threads !== undefined) backends.requestedThreads = opts.threads;
    setBackend(cpu);
    return backendInfo();
  }
  if (backends.wasm) {
    if (opts.noLiftoff || (opts.relaxedSimd === true && !backends.wasm.kernels.relaxedSimd) || (opts.relaxedSimd === false && backends.wasm.kernels.relaxedSimd))
      throw new ArgumentError(
        "init: the Wasm backend was already compiled (by an earlier operation or init call); pass relaxedSimd and noLiftoff before the first tensor operation",
      );
  }
  const created = await initWasmNow(opts);
  if (!created && opts.backend === "wasm") throw new ArgumentError(`init: the Wasm backend is unavailable: ${backends.wasmError}`);
  return backendInfo();
}

/**
 * Creates the Wasm backend (once) and makes it the default. Resolves to null where unsupported.
 * Worker threads start when a large kernel first wants them.
 */
export async function initWasm(
  opts: { threads?: number; relaxedSimd?: boolean; noLiftoff?: boolean } = {},
): Promise<WasmBackend | null> {
  if (opts.threads !== undefined) checkThreads("initWasm", opts.threads);
  return serially(() => initWasmNow(opts));
}

async function initWasmNow(opts: { threads?: number; relaxedSimd?: boolean; noLiftoff?: boolean }): Promise<WasmBackend | null> {
  if (opts.threads !== undefined) backends.requestedThreads = opts.threads;
  if (!backends.wasm) {
    try {
      backends.wasm = new WasmBackend(
        await createWasmKernels({
          threads: backends.requestedThreads, relaxedSimd: opts.relaxedSimd, noLiftoff: opts.noLiftoff, lazyWorkers: true,
        }),
      );
      backends.wasmError = undefined;
    } catch (e) {
      backends.wasmError = message(e);
      return null;
    }
  } else if (opts.threads !== undefined) {
    backends.wasm.kernels.setNumThreadsLazily(opts.threads);
  }
  setBackend(backends.wasm);
  return backends.wasm;
}

/** The backends that could be created: always `cpu`, and `wasm` where supported. */
export function availableBackends(): { cpu: Backend; wasm?: Backend } {
  ensureDefaultBackend();
  return backends.wasm ? { cpu, wasm: backends.wasm } : { cpu };
}

/** The tail of the queue of `init`, `initWasm` and `setNumThreads` calls (never rejected). */
let threadChain: Promise<void> = Promise.resolve();

/**
 * Runs `f` after every earlier init/initWasm/setNumThreads call has finished: two of them at
 * once could create two Wasm backends or resize the worker pool from both sides (which
 * deadlocked). The last call made wins.
 */
function serially<T>(f: () => Promise<T>): Promise<T> {
  const done = threadChain.then(f);
  // a failed call must not block the ones after it
  threadChain = done.then(() => undefined, () => undefined);
  return done;
}

/**
 * Sets how many threads large kernels use (1 = no workers) and starts or stops workers now.
 * Results are bit-for-bit the same for every thread count. Threads need shared memory: always
 * in Node, in browsers only on cross-origin-isolated pages.
 * @example await tg.setNumThreads(2);
 */
export async function setNumThreads(n: number): Promise<void> {
  checkThreads("setNumThreads", n);
  // calls run one after another: two resizes of the worker pool at once deadlocked (each waited
  // on workers the other was starting or stopping). The last call made wins.
  const run = async (): Promise<void> => {
    backends.requestedThreads = n;
    ensureDefaultBackend();
    if (backends.wasm) await backends.wasm.kernels.setNumThreads(n);
  };
  return serially(run);
}


/** Threads used by large kernels of the Wasm backend (1 when it is not in use). */
export function getNumThreads(): number {
  ensureDefaultBackend();
  return backends.wasm ? backends.wasm.kernels.threads : 1;
}

/** What the runtime chose and why. */
export function backendInfo(): BackendInfo {
  return {
    name: runtime.backend.name,
    wasm: backends.wasm
      ? { available: true, relaxedSimd: backends.wasm.kernels.relaxedSimd, threads: backends.wasm.kernels.threads }
      : { available: false, reason: backends.wasmError ?? "not initialised" },
  };
}
