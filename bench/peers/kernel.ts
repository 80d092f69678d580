// tensorgrad's Wasm kernels called directly (no tensors, no tape, no allocation per call): the
// "bare kernel" rows, which show what the front end costs on top of the kernels.

import { createWasmKernels, type WasmKernels } from "../../dist/backend/wasm/index.js";
import type { KernelCtx } from "../types.js";

export async function loadKernel(threads: number): Promise<{ ctx: KernelCtx; details: string }> {
  // relaxed-SIMD FMA, as the tensorgrad rows use it (tg.init({ relaxedSimd: true })), so ratios compare like with like
  const kernels = await createWasmKernels({ threads, relaxedSimd: true });
  if (kernels.threads !== threads) {
    await kernels.dispose();
    throw new Error(`asked for ${threads} kernel threads, got ${kernels.threads} (shared memory: ${kernels.threadsSupported})`);
  }
  const simd = kernels.relaxedSimd ? "relaxed-SIMD FMA" : "SIMD mul + add";
  return { ctx: { kernels, threads }, details: `Wasm kernels, ${simd}, ${threads} thread${threads === 1 ? "" : "s"}` };
}

/** Copies `data` into the kernels' memory; returns its pointer. */
export function kernelArray(kernels: WasmKernels, data: Float32Array): number {
  const ptr = kernels.allocF32(data.length);
  kernels.f32(ptr, data.length).set(data);
  return ptr;
}
