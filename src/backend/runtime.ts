// The one piece of global state: which backend new tensors live on, whether gradients are
// being recorded, and the counter that orders nested differentiation levels.

import type { Backend } from "./kernel.js";
import { Lowering } from "./lazy.js";
import { cpu, ensureDefaultBackend } from "./default.js";

export { cpu };

export interface Runtime {
  /**
   * Backend that creates and runs new tensors. Until one is set, the first read picks the
   * default (`ensureDefaultBackend`), so importing the package starts nothing.
   */
  backend: Backend;
  /** Lowers primitives to pending kernels on `backend` (or, for what it lacks, the reference backend). */
  readonly lowering: Lowering;
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

let current: Backend | undefined;
let lowering: Lowering | undefined;

export const runtime: Runtime = {
  get backend(): Backend {
    return (current ??= ensureDefaultBackend());
  },
  set backend(backend: Backend) {
    current = backend;
    lowering = undefined;
  },
  get lowering(): Lowering {
    return (lowering ??= new Lowering(this.backend, cpu));
  },
  gradEnabled: true,
  level: 0,
  noGradLevel: -1,
};

/** Makes `backend` the default for tensors created from now on. */
export function setBackend(backend: Backend): void {
  runtime.backend = backend;
}

/** The default backend. */
export function getBackend(): Backend {
  return runtime.backend;
}
