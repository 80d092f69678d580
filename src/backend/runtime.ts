// The one piece of global state: which backend new tensors live on, whether gradients are
// being recorded, and the counter that orders nested differentiation levels.

import type { Backend } from "./kernel.js";
import { CpuBackend } from "./cpu/index.js";
// A cycle (select.ts uses `cpu` and `setBackend`), harmless because neither module touches
// the other's bindings while it loads: loading the package does no work.
import { ensureDefaultBackend } from "./select.js";

export interface Runtime {
  /**
   * Backend that creates and runs new tensors. Until one is set, the first read picks the
   * default (`ensureDefaultBackend`), so importing the package starts nothing.
   */
  backend: Backend;
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

let current: Backend | undefined;

export const runtime: Runtime = {
  get backend(): Backend {
    return (current ??= ensureDefaultBackend());
  },
  set backend(backend: Backend) {
    current = backend;
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
