// TensorFlow.js in Node: the plain-JS cpu backend and the WebAssembly backend (SIMD build,
// plain build, and an attempt at the threaded build, which TF.js does not support in Node).

import { createRequire } from "node:module";
import path from "node:path";
import type { TfjsCtx } from "../types.js";

export type TfjsMode = "cpu" | "wasm" | "wasm-nosimd" | "wasm-threads";

const require = createRequire(import.meta.url);

export function tfjsVersion(): string {
  const pkg = require("@tensorflow/tfjs/package.json") as { version: string };
  return pkg.version;
}

/** Runs `fn` while collecting what TF.js prints through console.warn / console.error (its init failures). */
async function capturingWarnings<T>(fn: (warnings: string[]) => Promise<T>): Promise<T> {
  const warnings: string[] = [];
  const { warn, error } = console;
  const collect = (...xs: unknown[]): void => {
    warnings.push(xs.map((x) => (x instanceof Error ? `${x.name}: ${x.message}` : String(x))).join(" "));
  };
  console.warn = collect;
  console.error = collect;
  try {
    return await fn(warnings);
  } finally {
    console.warn = warn;
    console.error = error;
  }
}

/** Loads TF.js with the requested backend; throws when that backend does not initialise. */
export async function loadTfjs(mode: TfjsMode): Promise<{ ctx: TfjsCtx; details: string }> {
  const tf = await import("@tensorflow/tfjs");
  if (mode === "cpu") {
    await import("@tensorflow/tfjs-backend-cpu");
    if (!(await tf.setBackend("cpu"))) throw new Error("tf.setBackend('cpu') failed");
    await tf.ready();
    return { ctx: { tf }, details: `TF.js ${tfjsVersion()}, backend ${tf.getBackend()}` };
  }
  const wasm = await import("@tensorflow/tfjs-backend-wasm");
  const dist = path.dirname(require.resolve("@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm"));
  wasm.setWasmPaths(dist + path.sep);
  if (mode === "wasm-nosimd") tf.env().set("WASM_HAS_SIMD_SUPPORT", false);
  // TF.js reports no thread support under Node; forcing the flag tries the threaded-SIMD build.
  if (mode === "wasm-threads") tf.env().set("WASM_HAS_MULTITHREAD_SUPPORT", true);
  const ok = await capturingWarnings((warnings) =>
    tf.setBackend("wasm").then((set) => {
      if (!set || tf.getBackend() !== "wasm") {
        const reason = warnings.find((w) => /Error/.test(w)) ?? warnings[0] ?? "no reason given";
        const forced = mode === "wasm-threads" ? "TF.js turns threads off under Node; with them forced on, " : "";
        throw new Error(`${forced}the wasm backend did not initialise: ${reason.split("\n")[0]}`);
      }
      return set;
    }),
  );
  if (!ok) throw new Error("the wasm backend did not initialise");
  await tf.ready();
  const simd = Boolean(await tf.env().getAsync("WASM_HAS_SIMD_SUPPORT"));
  const threads = wasm.getThreadsCount();
  return {
    ctx: { tf },
    details: `TF.js ${tfjsVersion()}, backend wasm, ${simd ? "SIMD" : "no SIMD"} build, ${threads} thread${threads === 1 ? "" : "s"}`,
  };
}
