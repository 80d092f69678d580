// `tg.jit`: compiled pure functions of tensors, JAX style. The function is traced once per
// signature (the shapes and dtypes of its tensor arguments and the values of the others): its
// operations build pending buffers over placeholder inputs, and the scheduler turns them into a
// plan (plan.ts) — fused kernels in order with a static memory plan whose buffers stay with the
// compiled function across calls. Later calls with the same signature run the plan directly: no
// tracing, scheduling or allocation of intermediates.
//
// As in JAX, everything that is not a tensor argument is fixed at trace time: numbers and other
// plain arguments are part of the signature, and tensors the function reads from its closure
// are constants of the plan.

import { ArgumentError, MemoryError, TensorGradError, fmtShape } from "../core/errors.js";
import type { DType } from "../core/dtype.js";
import { frozenContiguousStrides } from "../core/shape.js";
import { LazyBuffer } from "../backend/lazy.js";
import { Capture, captureState, sameLayout, type GuardSource, type Layout } from "../backend/capture.js";
import { realize } from "../backend/schedule.js";
import { Tensor } from "../tensor/tensor.js";
import { Plan, type ArgInfo } from "./plan.js";

/** What a compiled function may take: tensors, plain values, and arrays or objects of them. */
export type JitArg = Tensor | number | boolean | string | null | undefined | readonly JitArg[] | { readonly [key: string]: JitArg };
/** What it may return: a tensor, or arrays or objects of tensors. */
export type JitOut = Tensor | readonly JitOut[] | { readonly [key: string]: JitOut };

export interface JitOptions {
  /**
   * Indices (into the flat list of tensor arguments, in argument order) of inputs the caller
   * hands over: their memory may hold the results, and reading them afterwards is an error.
   * Use it for values replaced by the call's results (parameters, optimizer state).
   */
  donate?: readonly number[];
  /** Names the function in errors (default: the function's own name). */
  name?: string;
}

/** A compiled function: call it like the original. */
export type Jitted<A extends JitArg[], R extends JitOut> = ((...args: A) => R) & {
  /** Number of traces so far (one per signature seen). */
  readonly traceCount: number;
  /** Elements of memory the compiled plans hold between calls. */
  readonly residentElements: number;
  /** Releases the plans' memory now; calling the function afterwards is an error. */
  close(): void;
};

// Plans of compiled functions that were collected without close(): free what they own.
const registry = new FinalizationRegistry<Map<string, { plan: Plan }[]>>((cache) => {
  for (const ts of cache.values()) for (const t of ts) t.plan.release();
});

/**
 * Traces kept per signature, one for each state of the guards seen (an optimizer's moments
 * before and after they exist, gradients absent or accumulating): the oldest is released
 * beyond this.
 */
const TRACES_PER_SIGNATURE = 4;

/**
 * The signature key of the last call whose arguments were all tensors, with their shapes and
 * dtypes: a loop calling with the same shapes (shared frozen arrays) gets the same key string
 * back, whose hash the cache lookup has already computed.
 */
interface LastKey {
  shapes: (readonly number[])[];
  dtypes: DType[];
  key: string;
}

/** `flatten` for a call like the last one: the tensors collected and the same key, or null. */
function flattenLike(args: readonly JitArg[], tensors: Tensor[], last: LastKey | null): string | null {
  if (last === null || args.length !== last.shapes.length) return null;
  for (let i = 0; i < args.length; i++) {
    const x = args[i];
    if (!(x instanceof Tensor) || x.shape !== last.shapes[i] || x.dtype !== last.dtypes[i]) return null;
  }
  for (let i = 0; i < args.length; i++) tensors.push(args[i] as Tensor);
  return last.key;
}

/** Flattens arguments into their tensors and a signature key (tensors as shape/dtype, the rest as values). */
function flatten(args: readonly JitArg[], tensors: Tensor[]): string {
  const walk = (x: JitArg): string => {
    if (x instanceof Tensor) {
      tensors.push(x);
      return `T${x.dtype}[${x.shape.join(",")}]`;
    }
    if (Array.isArray(x)) return `[${x.map(walk).join(",")}]`;
    if (x !== null && typeof x === "object")
      return `{${Object.keys(x).sort().map((k) => `${JSON.stringify(k)}:${walk((x as { [key: string]: JitArg })[k])}`).join(",")}}`;
    if (typeof x === "number" || typeof x === "boolean" || typeof x === "string" || x === null || x === undefined) return JSON.stringify(x) ?? "u";
    throw new ArgumentError(`jit: arguments must be tensors, numbers, booleans, strings, or arrays and objects of them; got ${typeof x}`);
  };
  return args.map(walk).join("|");
}

/** Rebuilds `args` with each tensor replaced by the next of `subs`. */
function rebuild(args: readonly JitArg[], subs: readonly Tensor[]): JitArg[] {
  let i = 0;
  const walk = (x: JitArg): JitArg => {
    if (x instanceof Tensor) return subs[i++];
    if (Array.isArray(x)) return x.map(walk);
    if (x !== null && typeof x === "object") return Object.fromEntries(Object.entries(x).map(([k, v]) => [k, walk(v as JitArg)]));
    return x;
  };
  return args.map(walk);
}

/** Splits a result into its tensors and a structure with tensor indices in their places. */
function flattenOut(name: string, out: unknown, tensors: Tensor[]): unknown {
  if (out instanceof Tensor) {
    tensors.push(out);
    return tensors.length - 1;
  }
  if (Array.isArray(out)) return out.map((o) => flattenOut(name, o, tensors));
  if (out !== null && typeof out === "object") return Object.fromEntries(Object.entries(out).map(([k, v]) => [k, flattenOut(name, v, tensors)]));
  throw new ArgumentError(`${name}: a compiled function must return tensors (or arrays and objects of tensors), got ${out === null ? "null" : typeof out}`);
}

function unflatten(structure: unknown, results: readonly Tensor[]): JitOut {
  if (typeof structure === "number") return results[structure];
  if (Array.isArray(structure)) return structure.map((s) => unflatten(s, results));
  return Object.fromEntries(Object.entries(structure as object).map(([k, v]) => [k, unflatten(v, results)]));
}

interface Options {
  name: string;
  donate: ReadonlySet<number>;
  /** A `compile` trace: reads and writes state (parameters, optimizer state, gradients). */
  stateful: boolean;
}

/** One signature's trace: its plan, and how results and state map onto the plan's results. */
interface Traced {
  readonly plan: Plan;
  /** The output structure with each tensor replaced by its index among the results. */
  readonly structure: unknown;
  readonly shapes: readonly (readonly number[])[];
  /** The results' (contiguous) strides, shared by every call's tensors. */
  readonly strides: readonly (readonly number[])[];
  readonly dtypes: readonly DType[];
  /** How to read each source on a call. */
  readonly sources: readonly { readonly get: () => Tensor | null; readonly layout: Layout }[];
  /** The state writes, in order; `result` indexes the plan's results (−1: the write stores null). */
  readonly writes: readonly { readonly apply: (v: Tensor | null) => void; readonly result: number }[];
  /** Number of plain (non-write) results. */
  readonly outputs: number;
  /**
   * The gradients the plan writes into the same memory on every call, with the tensor the last
   * call stored: if nothing has read it through `.grad` since, nobody can, and the next call
   * overwrites it without keeping a copy.
   */
  readonly reused: { readonly result: number; last: Tensor | null }[];
  readonly guards: readonly GuardSource[];
  /** The guards' values when the trace ran. */
  readonly guardValues: readonly unknown[];
}

function guardValuesOf(guards: readonly GuardSource[]): unknown[] {
  const out: unknown[] = [];
  for (const g of guards) g.guardValues(out);
  return out;
}

/** Whether the guards still hold the values a trace saw (compared one by one: no key is built per call). */
function guardsHold(guards: readonly GuardSource[], seen: readonly unknown[], scratch: unknown[]): boolean {
  scratch.length = 0;
  for (const g of guards) g.guardValues(scratch);
  if (scratch.length !== seen.length) return false;
  for (let i = 0; i < seen.length; i++) if (!Object.is(scratch[i], seen[i])) return false;
  return true;
}

/** The shared machinery of `jit` and `compile`: signature cache, tracing, running plans. */
function makeCompiled<A extends JitArg[], R extends JitOut>(fn: (...args: A) => R, o: Options): Jitted<A, R> {
  const { name, donate, stateful } = o;
  const cache = new Map<string, Traced[]>();
  /** Signatures whose plan needed more memory than the backend could give: they run eagerly. */
  const eager = new Set<string>();
  let lastKey: LastKey | null = null;
  let warned = false;
  let closed = false;
  let traces = 0;

  const trace = (key: string, args: A, inputs: readonly Tensor[]): Traced => {
    const capture = new Capture(name, stateful);
    const infos: ArgInfo[] = inputs.map((t, i) => ({ dtype: t.dtype, size: t.size, donated: donate.has(i) }));
    const placeholders = inputs.map((t, i) =>
      Tensor._fromBuf(LazyBuffer.placeholder(t._concrete()._backend!, t.dtype, t.size, capture, i), t.shape, t.dtype),
    );
    const prev = captureState.active;
    captureState.active = capture;
    let out: unknown;
    try {
      out = fn(...(rebuild(args, placeholders) as A));
    } finally {
      captureState.active = prev;
      // the trace changed state to traced values; the plan's first run makes the real change
      for (let i = capture.restores.length - 1; i >= 0; i--) capture.restores[i]();
    }
    // the numbers as they were when the call began: the next call must find them so again
    const guardValues = guardValuesOf([...capture.guards]);
    const outs: Tensor[] = [];
    const structure = flattenOut(name, out, outs);
    for (const t of outs)
      if (t._trace) throw new TensorGradError(`${name}: a result is a value inside a transformation (grad, vjp, jvp) that was not returned by it`);
    const writes: { apply: (v: Tensor | null) => void; result: number }[] = [];
    const results = [...outs];
    for (const w of capture.writes) {
      if (w.value) results.push(w.value);
      writes.push({ apply: w.apply, result: w.value ? results.length - 1 : -1 });
    }
    const sourceIndex = new Map<LazyBuffer, number>();
    const sources: { get: () => Tensor | null; layout: Layout }[] = [];
    // state the call writes back is consumed by it: the plan may update it in place
    const written = new Set(capture.writes.filter((w) => w.value && w.cell).map((w) => w.cell));
    const sourceInfos: ArgInfo[] = [];
    for (const [lb, src] of capture.sources) {
      sourceIndex.set(lb, sources.length);
      sources.push(src);
      sourceInfos.push({ dtype: lb.dtype, size: lb.size, donated: false, consumed: src.cell !== undefined && written.has(src.cell) });
    }
    // results that are views become contiguous inside the trace (their copies are part of the plan)
    captureState.active = capture;
    let lbs: LazyBuffer[];
    try {
      lbs = results.map((t) => t._contiguous()._buf!);
    } finally {
      captureState.active = prev;
    }
    const reusable = new Set(writes.filter((w, i) => w.result >= 0 && capture.writes[i].asGrad).map((w) => w.result));
    const plan = new Plan(lbs, infos, sourceIndex, sourceInfos, reusable);
    const traced: Traced = {
      plan,
      structure,
      shapes: results.map((t) => t.shape),
      strides: results.map((t) => frozenContiguousStrides(t.shape)),
      dtypes: results.map((t) => t.dtype),
      sources,
      writes,
      outputs: outs.length,
      reused: [...reusable].filter((i) => plan.reusesResult(i)).map((result) => ({ result, last: null })),
      guards: [...capture.guards],
      guardValues,
    };
    const kept = cache.get(key) ?? cache.set(key, []).get(key)!;
    kept.unshift(traced);
    if (kept.length > TRACES_PER_SIGNATURE) kept.pop()!.plan.release();
    traces++;
    return traced;
  };

  /** The current buffers of the state a trace reads, or null when one is laid out differently now. */
  const readSources = (traced: Traced): LazyBuffer[] | null => {
    const out: LazyBuffer[] = [];
    for (const [i, src] of traced.sources.entries()) {
      const t = src.get();
      if (!t) throw new ArgumentError(`${name}: state read by the compiled step (source ${i}) is gone; call it the same way each time`);
      if (!sameLayout(t, src.layout)) return null;
      const lb = t._concrete()._buf!;
      if (lb.op) realize([lb]);
      out.push(lb);
    }
    return out;
  };

  const guardScratch: unknown[] = [];
  const call = (...args: A): R => {
    if (closed) throw new ArgumentError(`${name}: called after close()`);
    const inputs: Tensor[] = [];
    let key = flattenLike(args, inputs, lastKey);
    if (key === null) {
      inputs.length = 0;
      key = flatten(args, inputs);
      lastKey = args.every((x) => x instanceof Tensor) ? { shapes: inputs.map((t) => t.shape), dtypes: inputs.map((t) => t.dtype), key } : null;
    }
    // inside another trace or a transformation, run the function itself: the outer trace or
    // transformation sees its operations (and differentiates them)
    if (captureState.active || inputs.some((t) => t._trace)) return fn(...args);
    for (const i of donate)
      if (i >= inputs.length) throw new ArgumentError(`${name}: donate index ${i} is out of range for ${inputs.length} tensor arguments`);
    // numbers the trace used (step counts, whether a moment or a gradient exists yet) must be
    // what they were, and state must be laid out as the plan reads it
    let traced: Traced | undefined;
    for (const t of cache.get(key) ?? [])
      if (!t.guards.length || guardsHold(t.guards, t.guardValues, guardScratch)) {
        traced = t;
        break;
      }
    // a signature whose plan did not fit in memory runs as the plain function
    if (eager.has(key)) return fn(...args);
    let srcs = traced && readSources(traced);
    if (!traced || !srcs) {
      try {
        traced = trace(key, args, inputs);
      } catch (e) {
        if (!(e instanceof MemoryError)) throw e;
        eager.add(key);
        if (!warned) {
          warned = true;
          console.warn(`${name}: ${e.message}; calls with this signature run eagerly (the same results, without the plan's fusion)`);
        }
        return fn(...args);
      }
      srcs = readSources(traced)!;
    }
    const bufs = inputs.map((t, i) => {
      const lb = t._readable(name);
      if (donate.has(i) && !t._isContiguous())
        throw new ArgumentError(`${name}: donated argument ${i} ${fmtShape(t.shape)} is a view; donate whole tensors`);
      return lb;
    });
    // gradients stored by the last call that no one has read are overwritten in place
    for (const r of traced.reused) if (r.last !== null && !r.last._handedOut) r.last._buf!.donated = true;
    const lbs = traced.plan.run(bufs, srcs);
    const results = lbs.map((lb, i) => Tensor._fromBuf(lb, traced.shapes[i], traced.dtypes[i], traced.strides[i]));
    for (const r of traced.reused) r.last = results[r.result];
    for (const w of traced.writes) w.apply(w.result >= 0 ? results[w.result] : null);
    return unflatten(traced.structure, results.slice(0, traced.outputs)) as R;
  };

  const jitted = Object.defineProperties(call, {
    traceCount: { get: () => traces },
    residentElements: { get: () => [...cache.values()].flat().reduce((n, t) => n + t.plan.residentElements, 0) },
    close: {
      value: () => {
        for (const ts of cache.values()) for (const t of ts) t.plan.release();
        cache.clear();
        closed = true;
        registry.unregister(jitted);
      },
    },
  }) as Jitted<A, R>;
  registry.register(jitted, cache, jitted);
  return jitted;
}

/**
 * Compiles a pure function of tensors (JAX's `jit`): traced once per signature, then run as a
 * fixed plan of fused kernels whose intermediate buffers are planned once and reused.
 * Non-tensor arguments are static (a new value retraces); tensors read from the closure are
 * constants. Reading a value inside the function (`.item()`, `.data()`) is an error, since
 * traced values do not exist until the plan runs; so are side effects (`backward()`,
 * optimizer steps): use `tg.compile` for those.
 * @example
 * const f = tg.jit((x: tg.Tensor, w: tg.Tensor) => x.matmul(w).relu().sum());
 * const y = f(tg.ones([4, 3]), tg.ones([3, 2])); // 24
 */
export function jit<A extends JitArg[], R extends JitOut>(fn: (...args: A) => R, opts: JitOptions = {}): Jitted<A, R> {
  return makeCompiled(fn, { name: opts.name ?? `jit(${fn.name || "fn"})`, donate: new Set(opts.donate ?? []), stateful: false });
}

/**
 * Compiles a training step written the PyTorch way (`zeroGrad`, `backward`, `step` inside):
 * traced once per signature, then run as a fixed plan. Parameters, optimizer state and
 * gradients the step reads are read afresh on every call, and what it writes (new parameters,
 * new state, `.grad`) is stored after each call, exactly as the eager step would. Plain numbers
 * the optimizers use (learning rate, betas, step counts) are guarded: when one changes, the
 * step is traced again. Pass the batch as an argument — tensors read from the closure are
 * constants of the plan — and return what you want to read (the loss): `.item()` inside is an
 * error.
 * @example
 * const model = new tg.nn.Linear(3, 1);
 * const opt = new tg.optim.SGD(model.parameters(), { lr: 0.1 });
 * const step = tg.compile((x: tg.Tensor, y: tg.Tensor) => {
 *   opt.zeroGrad();
 *   const loss = model.forward(x).sub(y).square().mean();
 *   loss.backward();
 *   opt.step();
 *   return loss;
 * });
 * const loss = step(tg.ones([8, 3]), tg.zeros([8, 1])).item();
 */
export function compile<A extends JitArg[], R extends JitOut>(fn: (...args: A) => R, opts: { name?: string } = {}): Jitted<A, R> {
  return makeCompiled(fn, { name: opts.name ?? `compile(${fn.name || "fn"})`, donate: new Set(), stateful: true });
}
