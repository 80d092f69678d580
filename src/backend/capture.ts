// Tracing for compiled functions (`tg.jit`, `tg.compile`): while a trace is active, operations
// build pending buffers as usual but nothing runs — realizations are deferred to the compiled
// plan, and reading a value that depends on the traced inputs is an error (the value does not
// exist yet: it would differ from call to call).
//
// A `compile` trace is stateful: it also records where the values it reads come from
// (parameters, optimizer state, gradients: `sources`) and what it writes back (`writes`), so
// the plan can read the current values and store the new ones on every call. A `jit` trace is
// pure: such side effects are errors there.

import { TensorGradError } from "../core/errors.js";
import type { Tensor } from "../tensor/tensor.js";
import type { LazyBuffer } from "./lazy.js";
import { realize } from "./schedule.js";

/** A state write of a traced call: `apply` stores a value (a result of the call, or null). */
export interface StateWrite {
  readonly value: Tensor | null;
  apply(value: Tensor | null): void;
  /** What is written (a parameter, one optimizer state entry): matches the `cell` of the source it replaces. */
  readonly cell?: object;
  /**
   * Set when `apply` stores the value as a `.grad`, which hands it out only through the `grad`
   * getter: a later call may write the same memory again if the getter never handed it out.
   */
  readonly asGrad?: boolean;
}

/** Something whose plain numbers (hyperparameters, step counts) a trace depends on. */
export interface GuardSource {
  /**
   * Appends to `out` every plain value the traced computation used (numbers, booleans, strings,
   * null), in a fixed order: the trace is reused while the values compare equal one by one.
   */
  guardValues(out: unknown[]): void;
}

/** One trace in progress. */
export class Capture {
  /**
   * Realized buffers read by the trace whose value, on a later call, is read afresh from state:
   * how to find the tensor then, and the layout it had (the plan's kernels read it so).
   */
  readonly sources = new Map<LazyBuffer, { get: () => Tensor | null; layout: Layout; cell?: object }>();
  readonly writes: StateWrite[] = [];
  readonly guards = new Set<GuardSource>();
  /** Tensors whose `.grad` the trace has set (cleared or accumulated into) so far. */
  readonly gradWritten = new WeakSet<Tensor>();
  /** Undo actions for the state the trace changed, run (in reverse) when it ends. */
  readonly restores: (() => void)[] = [];

  constructor(
    /** Names the compiled function in errors. */
    readonly name: string,
    /** True for `compile` (state is read and written through `sources`/`writes`), false for `jit`. */
    readonly stateful: boolean,
  ) {}

  /** Records a side effect of the traced function, or refuses it in a pure trace. */
  sideEffect(what: string): void {
    if (!this.stateful)
      throw new TraceError(`${what}: ${this.name} is a pure compiled function (tg.jit); to compile a step that updates parameters, optimizer state or gradients, use tg.compile`);
  }
}

export const captureState: { active: Capture | null } = { active: null };

/** Raised when a traced function reads a value that depends on its inputs. */
export class TraceError extends TensorGradError {
  override name = "TraceError";
}

/** The error for `op` (data(), item(), …) reading a traced value inside `capture`. */
export function dataDependentError(capture: Capture, op: string): TraceError {
  return new TraceError(
    `${op}: ${capture.name} is being traced, so values that depend on its inputs do not exist yet. ` +
      "Data-dependent control flow cannot be compiled: return the value as an output and branch outside, " +
      "pass the decision in as an argument (non-tensor arguments are static), or call the function without compiling it.",
  );
}

/** The error for drawing random numbers while `capture` traces a function. */
export function randomInTraceError(capture: Capture): TraceError {
  return new TraceError(
    `random draw: ${capture.name} is being traced, and random numbers drawn now would be the same on every call ` +
      "(dropout masks, noise). Draw them outside and pass them in as arguments, or put the model in eval mode (model.eval()) for compiled steps.",
  );
}

/**
 * Clears `p.grad` (`zeroGrad`); under a compiled step's trace, the clearing is also one of the
 * step's state writes, and the trace's own later `backward()` starts from no gradient whatever
 * the state is when the step is called.
 */
export function clearGrad(p: Tensor): void {
  const c = captureState.active;
  if (c) {
    c.gradWritten.add(p);
    if (p._grad !== null) {
      c.sideEffect("zeroGrad");
      const old = p._grad;
      c.restores.push(() => (p.grad = old));
      c.writes.push({ value: null, apply: () => (p.grad = null) });
    }
  }
  p.grad = null;
}

/**
 * Sets `p.grad` to `g` (gradient clipping); under a compiled step's trace, the assignment is
 * also one of the step's state writes, so the stored gradient is the one the eager step leaves.
 */
export function assignGrad(p: Tensor, g: Tensor | null): void {
  const c = captureState.active;
  if (c) {
    c.sideEffect("setting .grad");
    c.gradWritten.add(p);
    const old = p._grad;
    c.restores.push(() => (p.grad = old));
    c.writes.push({ value: g, apply: (v) => (p.grad = v), asGrad: true });
  }
  p.grad = g;
}

/** Under a stateful trace, notes that `t` (a parameter, state or gradient) is read through `get` on later calls. */
export function noteSource(t: Tensor, get: () => Tensor | null, cell?: object): void {
  const c = captureState.active;
  if (!c?.stateful) return;
  const lb = t._concrete()._buf;
  if (!lb || lb.traced || c.sources.has(lb)) return;
  // a pending value would be fused into the plan as a constant: give it its buffer first
  if (lb.op) realize([lb]);
  c.sources.set(lb, { get, layout: layoutOf(t), cell });
}

/** The storage layout of a concrete tensor: its buffer's size, offset and strides. */
export interface Layout {
  readonly size: number | undefined;
  readonly offset: number;
  readonly strides: readonly number[];
}

/** The storage layout of a concrete tensor (compared with `sameLayout` on every compiled call). */
export function layoutOf(t: Tensor): Layout {
  const c = t._concrete();
  return { size: c._buf?.size, offset: c._offset, strides: [...c._strides] };
}

/** Whether `t` is stored as `l` describes (no allocation: this runs for every source on every call). */
export function sameLayout(t: Tensor, l: Layout): boolean {
  const c = t._concrete();
  if (c._buf?.size !== l.size || c._offset !== l.offset || c._strides.length !== l.strides.length) return false;
  for (let i = 0; i < l.strides.length; i++) if (c._strides[i] !== l.strides[i]) return false;
  return true;
}
