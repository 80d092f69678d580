// One implementation's run, in its own process so that peers never share a heap, a Wasm
// instance or global state. Started by run.ts with a ChildJob as its argument; reports over IPC.

import { FULL_TIMING, QUICK_TIMING, measure } from "./harness.js";
import { loadJax } from "./peers/jax.js";
import { loadKernel } from "./peers/kernel.js";
import { loadTensorgrad } from "./peers/tensorgrad.js";
import { loadTfjs, type TfjsMode } from "./peers/tfjs.js";
import { JAX_WORKERS, KERNEL_THREADS } from "./variants.js";
import { allWorkloads } from "./workloads/index.js";
import type { CellResult, ChildJob, ChildMessage, JaxCtx, KernelCtx, Prepared, TensorgradCtx, TfjsCtx, Variant, Workload } from "./types.js";

type Loaded =
  | { family: "tensorgrad"; ctx: TensorgradCtx; details: string }
  | { family: "kernel"; ctx: KernelCtx; details: string }
  | { family: "tfjs"; ctx: TfjsCtx; details: string }
  | { family: "jax"; ctx: JaxCtx; details: string };

const TFJS_MODES: Record<string, TfjsMode> = {
  "tfjs-cpu": "cpu",
  "tfjs-wasm": "wasm",
  "tfjs-wasm-nosimd": "wasm-nosimd",
  "tfjs-wasm-threads": "wasm-threads",
};

async function load(variant: Variant): Promise<Loaded> {
  switch (variant.family) {
    case "tensorgrad": {
      const backend = variant.id.slice("tensorgrad:".length);
      return { family: "tensorgrad", ctx: { backend }, details: await loadTensorgrad(backend) };
    }
    case "kernel": {
      const threads = KERNEL_THREADS[variant.id];
      if (threads === undefined) throw new Error(`unknown bare-kernel variant ${variant.id}`);
      const { ctx, details } = await loadKernel(threads);
      return { family: "kernel", ctx, details };
    }
    case "tfjs": {
      const mode = TFJS_MODES[variant.id];
      if (!mode) throw new Error(`unknown TF.js variant ${variant.id}`);
      const { ctx, details } = await loadTfjs(mode);
      return { family: "tfjs", ctx, details };
    }
    case "jax": {
      const workers = JAX_WORKERS[variant.id];
      if (workers === undefined) throw new Error(`unknown jax-js variant ${variant.id}`);
      const { ctx, details } = await loadJax(workers);
      return { family: "jax", ctx, details };
    }
    default:
      throw new Error(`${variant.family} does not run in a Node child process`);
  }
}

function prepare(w: Workload, l: Loaded): Prepared | Promise<Prepared> | undefined {
  switch (l.family) {
    case "tensorgrad":
      // the compiled row measures compiled training steps (and a convolution's compiled
      // forward + backward); other workloads are single operations
      if ((l.ctx.backend.endsWith("-compiled") || l.ctx.backend.endsWith("-jit")) && w.group !== "mlp" && w.group !== "conv") return undefined;
      return w.impls.tensorgrad?.(l.ctx);
    case "kernel":
      return w.impls.kernel?.(l.ctx);
    case "tfjs":
      return w.impls.tfjs?.(l.ctx);
    case "jax":
      return w.impls.jax?.(l.ctx);
  }
}

const firstLine = (e: unknown): string => (e instanceof Error ? `${e.name}: ${e.message}` : String(e)).split("\n")[0];

function send(message: ChildMessage): Promise<void> {
  return new Promise((resolve) => {
    if (!process.send) {
      console.log(JSON.stringify(message));
      resolve();
    } else process.send(message, undefined, {}, () => resolve());
  });
}

async function main(): Promise<void> {
  const job = JSON.parse(process.argv[2] ?? "{}") as ChildJob;
  const timing = job.quick ? QUICK_TIMING : FULL_TIMING;
  let loaded: Loaded;
  try {
    loaded = await load(job.variant);
  } catch (e) {
    await send({ type: "loadError", error: firstLine(e) });
    return;
  }
  await send({ type: "loaded", details: loaded.details });
  const byId = new Map(allWorkloads().map((w) => [w.id, w]));
  const seconds = new Map<string, number>();
  for (const id of job.workloads) {
    const w = byId.get(id);
    if (!w) continue;
    const cell: CellResult = { workload: id, variant: job.variant.id };
    const earlier = w.scaleOf ? seconds.get(w.scaleOf.id) : undefined;
    if (w.scaleOf && earlier !== undefined && earlier * w.scaleOf.factor > timing.skipAboveSeconds) {
      cell.skipped = `skipped (> ${timing.skipAboveSeconds} s per call predicted)`;
    } else {
      let prepared: Prepared | undefined;
      try {
        prepared = await prepare(w, loaded);
        if (!prepared) cell.skipped = "not implemented";
        else {
          const m = await measure(prepared.run, timing);
          seconds.set(id, m.seconds);
          Object.assign(cell, {
            seconds: m.seconds,
            value: w.fromSeconds(m.seconds),
            samples: m.samples,
            callsPerSample: m.callsPerSample,
            warmupCalls: m.warmupCalls,
          });
          const notes = [prepared.note, m.note].filter((n): n is string => Boolean(n));
          if (notes.length) cell.note = notes.join("; ");
          if (prepared.check !== undefined) cell.check = prepared.check;
          if (prepared.final) cell.final = await prepared.final();
        }
      } catch (e) {
        cell.error = firstLine(e);
      } finally {
        try {
          prepared?.dispose?.();
        } catch {
          // a failed cleanup does not change the measurement
        }
      }
    }
    await send({ type: "cell", cell });
  }
  await send({ type: "done" });
}

main().then(
  () => process.exit(0),
  async (e: unknown) => {
    await send({ type: "loadError", error: firstLine(e) });
    process.exit(1);
  },
);
