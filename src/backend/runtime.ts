// The one piece of global state: which backend new tensors live on, whether gradients are
// being recorded, and the counter that orders nested differentiation levels.

import type { Backend } from "./kernel.js";
import { CpuBackend } from "./cpu/index.js";
import { Lowering } from "./lazy.js";

export interface Runtime {
  /** Backend that creates and runs new tensors. */
  backend: Backend;
  /** Lowers primitives to pending kernels on `backend` (or, for what it lacks, the reference backend). */
  lowering: Lowering;
  /** False inside `noGrad`: no reverse-mode graph is recorded. */
  gradEnabled: boolean;
  /** Depth of nested transformations; a new transformation runs one level above the current one. */
  level: number;
  /**
   * Inside `noGrad`, the level it was entered at: reverse-mode transformations at or below it
   * record nothing, while transformations started inside it (higher levels) work as usual.
   * −1 outside `noGrad`.
   */
  noGradLevel: number;
}

export const cpu = new CpuBackend();

export const runtime: Runtime = { backend: cpu, lowering: new Lowering(cpu, cpu), gradEnabled: true, level: 0, noGradLevel: -1 };

/** Makes `backend` the default for tensors created from now on. */
export function setBackend(backend: Backend): void {
  runtime.backend = backend;
  runtime.lowering = new Lowering(backend, cpu);
}

/** The default backend. */
export function getBackend(): Backend {
  return runtime.backend;
}
