// The one piece of global state: which backend new tensors live on, whether gradients are
// being recorded, the counter that orders nested differentiation levels, and the opt-in debug
// checks.

import { ArgumentError } from "../core/errors.js";
import type { Backend } from "./kernel.js";
import { Lowering } from "./lazy.js";
import { cpu, ensureDefaultBackend } from "./default.js";

export { cpu };

/** Opt-in checks that give up laziness (and speed) for errors raised at the call that caused them. */
export interface DebugOptions {
  /**
   * Read index tensors on the host when an indexing operation is called (gather, take,
   * embedding, crossEntropy, …) and throw there for an out-of-range index, instead of at the
   * next sync point (`data()`, `item()`, `backward()`, `realize`). Each check realizes the
   * index, so keep it off outside debugging. Default false.
   */
  checkIndices: boolean;
}

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
  /** The opt-in debug checks (`setDebug`). */
  readonly debug: DebugOptions;
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
  debug: { checkIndices: false },
};

/** Makes `backend` the default for tensors created from now on. */
export function setBackend(backend: Backend): void {
  const b = backend as Partial<Backend> | null;
  if (typeof b !== "object" || b === null || typeof b.supports !== "function" || typeof b.dispatch !== "function" || typeof b.compile !== "function")
    throw new ArgumentError(
      `setBackend: expected a Backend object (tg.cpuBackend, tg.getBackend(), createWebGpuBackend(…)), got ${typeof backend === "string" ? `"${backend}"; to choose a backend by name, await tg.init({ backend: "${backend}" })` : typeof backend}`,
    );
  runtime.backend = backend;
}

/** The default backend. */
export function getBackend(): Backend {
  return runtime.backend;
}

/**
 * Turns opt-in debug checks on or off; returns the previous settings so they can be restored.
 * @example
 * const before = tg.setDebug({ checkIndices: true });
 * tg.take(tg.tensor([1, 2, 3]), [5]); // throws here: take: index 5 at position 0 is out of range …
 * tg.setDebug(before);
 */
export function setDebug(opts: Partial<DebugOptions>): DebugOptions {
  for (const [k, v] of Object.entries(opts)) {
    if (!(k in runtime.debug)) throw new ArgumentError(`setDebug: unknown option '${k}' (known: ${Object.keys(runtime.debug).join(", ")})`);
    if (typeof v !== "boolean") throw new ArgumentError(`setDebug: ${k} must be true or false, got ${String(v)}`);
  }
  const before = { ...runtime.debug };
  Object.assign(runtime.debug, opts);
  return before;
}

/** The current debug settings (a copy). */
export function getDebug(): DebugOptions {
  return { ...runtime.debug };
}
