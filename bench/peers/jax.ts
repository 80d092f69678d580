// jax-js on its WebAssembly backend. In Node it runs kernels on the main thread unless a global
// `Worker` exists; `workers > 0` supplies one built on worker_threads, and a `navigator` whose
// `hardwareConcurrency` sets the size of jax-js's worker pool.

import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { resolveObjectURL } from "node:buffer";
import { Worker as ThreadWorker } from "node:worker_threads";
import type { JaxCtx } from "../types.js";

const require = createRequire(import.meta.url);

export function jaxVersion(): string {
  // The package's exports map hides package.json; read it next to the resolved entry point.
  const entry = require.resolve("@jax-js/jax");
  const pkg = JSON.parse(readFileSync(path.join(path.dirname(entry), "..", "package.json"), "utf8")) as { version: string };
  return pkg.version;
}

// Runs a classic web-worker script (which uses `self.onmessage` and `postMessage`) in a worker thread.
const BOOTSTRAP = `
const { parentPort, workerData } = require("node:worker_threads");
globalThis.self = globalThis;
globalThis.postMessage = (message) => parentPort.postMessage(message);
parentPort.on("message", (data) => {
  if (typeof self.onmessage === "function") self.onmessage({ data });
});
(0, eval)(workerData.source);
`;

type Listener = ((event: { data: unknown }) => void) | null;

/** The subset of the web `Worker` that jax-js uses, for scripts given as blob: URLs. */
class WebWorkerShim {
  onmessage: Listener = null;
  onerror: ((error: Error) => void) | null = null;
  #thread: ThreadWorker | null = null;
  #pending: unknown[] = [];
  #terminated = false;

  constructor(url: string | URL) {
    const blob = resolveObjectURL(String(url));
    if (!blob) throw new Error(`Worker: cannot resolve ${String(url)}`);
    void blob.text().then((source) => {
      if (this.#terminated) return;
      const thread = new ThreadWorker(BOOTSTRAP, { eval: true, workerData: { source } });
      thread.unref();
      thread.on("message", (data: unknown) => this.onmessage?.({ data }));
      thread.on("error", (error: Error) => this.onerror?.(error));
      this.#thread = thread;
      for (const message of this.#pending) thread.postMessage(message);
      this.#pending = [];
    });
  }

  postMessage(message: unknown): void {
    if (this.#thread) this.#thread.postMessage(message);
    else this.#pending.push(message);
  }

  terminate(): void {
    this.#terminated = true;
    void this.#thread?.terminate();
  }
}

function installWorkers(count: number): void {
  Object.defineProperty(globalThis, "navigator", {
    value: { hardwareConcurrency: count },
    configurable: true,
    writable: true,
  });
  Object.defineProperty(globalThis, "Worker", { value: WebWorkerShim, configurable: true, writable: true });
}

/** Loads jax-js on the wasm device; `workers` > 0 gives it a pool of that many worker threads. */
export async function loadJax(workers: number): Promise<{ ctx: JaxCtx; details: string }> {
  if (workers > 0) installWorkers(workers);
  const jax = await import("@jax-js/jax");
  const devices = await jax.init("wasm");
  if (!devices.includes("wasm")) throw new Error(`jax-js init('wasm') gave devices [${devices.join(", ")}]`);
  jax.defaultDevice("wasm");
  return {
    ctx: { jax },
    details: `jax-js ${jaxVersion()}, device wasm, ${workers > 0 ? `${workers} worker threads` : "main thread only"}`,
  };
}
