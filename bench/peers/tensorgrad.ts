// The tensorgrad backends that the benchmark runs every tensorgrad row on.

import * as tg from "../../dist/index.js";

export interface TensorgradBackendChoice {
  /** Short name used in the row id (`tensorgrad:<name>`). */
  name: string;
  label: string;
  /** Makes this backend the default for new tensors (called in the child process before any workload). */
  activate: () => void | Promise<void>;
}

/** Every tensorgrad backend to benchmark; the first is the reference of the ratio columns. */
export function tensorgradBackends(): TensorgradBackendChoice[] {
  const { cpu, wasm } = tg.availableBackends();
  const out: TensorgradBackendChoice[] = [];
  if (wasm) {
    const info = tg.backendInfo().wasm;
    out.push({
      name: "wasm",
      label: `tensorgrad (wasm, ${info.threads} threads)`,
      activate: () => tg.setBackend(wasm),
    });
    out.push({
      name: "wasm-compiled",
      label: `tensorgrad (wasm, ${info.threads} threads, training steps through tg.compile)`,
      activate: () => tg.setBackend(wasm),
    });
    out.push({
      name: "wasm-jit",
      label: `tensorgrad (wasm, ${info.threads} threads, pure training steps through tg.jit with donated parameters)`,
      activate: () => tg.setBackend(wasm),
    });
    out.push({
      name: "wasm-1t",
      label: "tensorgrad (wasm, 1 thread)",
      activate: async () => {
        tg.setBackend(wasm);
        await tg.setNumThreads(1);
      },
    });
  }
  out.push({ name: "cpu", label: "tensorgrad (cpu reference backend)", activate: () => tg.setBackend(cpu) });
  return out;
}

/** Activates the backend named `name` and returns a description of it. */
export async function loadTensorgrad(name: string): Promise<string> {
  // the benchmark runs the library in its fastest form: relaxed-SIMD FMA (an opt-in V8 flag on
  // Node 20) and recycled result arrays (two opt-in V8 helpers; see tg.init's `recycle`)
  await tg.init({ relaxedSimd: true, recycle: true });
  const choice = tensorgradBackends().find((b) => b.name === name);
  if (!choice) throw new Error(`no tensorgrad backend named ${name}`);
  await choice.activate();
  const info = tg.backendInfo();
  return info.name === "wasm"
    ? `backend wasm, ${info.wasm.relaxedSimd ? "relaxed-SIMD FMA" : "SIMD mul + add"}, ${tg.getNumThreads()} thread${tg.getNumThreads() === 1 ? "" : "s"}, recycled result arrays`
    : `backend ${info.name}, recycled result arrays`;
}
