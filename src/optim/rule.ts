// The functional core of every optimizer: a rule is a pure pair `init(params) → state` and
// `update(grads, state, params, hp) → {params, state}` on arrays of tensors. Nothing is mutated:
// the new parameter values and the new state are fresh tensors, so a rule composes with `tg.grad`
// and needs no module. The stateful classes (optimizer.ts) are a thin wrapper that stores the
// state per parameter and writes the new values back with `assignParameter`.
//
// A rule is written per parameter (`initParam`, `updateParam`); `defineRule` lifts that to arrays,
// fills in default hyperparameters, validates them and runs the arithmetic under `noGrad`.

import { ArgumentError, DTypeError, ShapeError, fmtShape } from "../core/errors.js";
import { isFloat } from "../core/dtype.js";
import { shapesEqual } from "../core/shape.js";
import { noGrad } from "../autodiff/transforms.js";
import { Tensor } from "../tensor/tensor.js";
import { cast, mul, neg, sub } from "../tensor/ops/arith.js";

/** Hyperparameters every optimizer has. */
export interface BaseHyper {
  lr: number;
}

/**
 * Where a stateful optimizer puts the learning rate as a tensor when `tg.compile` traces its
 * step: a float64 0-d tensor that the compiled plan reads afresh on each call, so a learning-rate
 * schedule changes it without tracing the step again. Rules read the rate through `lrOf`.
 */
export const LR_TENSOR: unique symbol = Symbol("lr as a tensor");

/** The learning rate a rule computes with: `hp.lr`, or under `tg.compile` the float64 0-d tensor holding it. */
export function lrOf(hp: BaseHyper): number | Tensor {
  return (hp as { [LR_TENSOR]?: Tensor })[LR_TENSOR] ?? hp.lr;
}

/**
 * −lr as a factor of a `dtype` tensor: the same bits whether the rate is a number or a tensor.
 * Rounding commutes with negation, so the rate is rounded first and negated in `dtype`: the
 * negation then fuses into the kernel that applies the update.
 */
export function negLr(hp: BaseHyper, dtype: Tensor["dtype"]): number | Tensor {
  const lr = lrOf(hp);
  return typeof lr === "number" ? -lr : neg(cast(lr, dtype));
}

/** 1 − lr·c as a factor of a `dtype` tensor (computed in float64 like the number form, then rounded). */
export function oneMinusLrTimes(hp: BaseHyper, c: number, dtype: Tensor["dtype"]): number | Tensor {
  const lr = lrOf(hp);
  return typeof lr === "number" ? 1 - lr * c : cast(sub(1, mul(lr, c)), dtype);
}

/** Per-parameter optimizer state: named moment tensors and counters (PyTorch's `state[p]`). */
export type ParamState = { readonly [key: string]: Tensor | number | null };

/**
 * An optimizer as a pure function pair over parameter arrays.
 * @example
 * const f = (w: tg.Tensor) => w.square().sum();
 * let params = [tg.tensor([3, -2])];
 * let state = tg.optim.adam.init(params);
 * for (let t = 0; t < 100; t++) {
 *   const grads = [tg.grad(f)(params[0])];
 *   ({ params, state } = tg.optim.adam.update(grads, state, params, { lr: 0.1 }));
 * }
 */
export interface OptimizerRule<H extends BaseHyper, S extends ParamState> {
  /** The optimizer's name, used in error messages ("Adam"). */
  readonly name: string;
  /** Default hyperparameters (`lr` is absent where it is required, as in SGD). */
  readonly defaults: Readonly<Omit<H, "lr"> & { lr?: number }>;
  /** Completes `opts` with the defaults and validates the result. */
  hyperparams(opts?: Partial<H>): H;
  /** Fresh state for every parameter. */
  init(params: readonly Tensor[], hp?: Partial<H>): S[];
  /**
   * One optimization step. A `null` gradient leaves its parameter and state unchanged (as
   * PyTorch skips parameters whose `.grad` is None). Runs under `noGrad`.
   */
  update(
    grads: readonly (Tensor | null)[],
    state: readonly S[],
    params: readonly Tensor[],
    hp?: Partial<H>,
  ): { params: Tensor[]; state: S[] };
  /** Fresh state for one parameter. */
  initParam(p: Tensor, hp: H): S;
  /** One step for one parameter (no checks, no `noGrad`): its new value and state. */
  updateParam(g: Tensor, p: Tensor, s: S, hp: H): { param: Tensor; state: S };
}

export interface RuleSpec<H extends BaseHyper, S extends ParamState> {
  name: string;
  defaults: Omit<H, "lr"> & { lr?: number };
  /** Throws `ArgumentError` for an invalid setting; `lr` has already been checked. */
  validate(hp: H): void;
  initParam(p: Tensor, hp: H): S;
  updateParam(g: Tensor, p: Tensor, s: S, hp: H): { param: Tensor; state: S };
}

/** Builds an `OptimizerRule` from its per-parameter definition. */
export function defineRule<H extends BaseHyper, S extends ParamState>(spec: RuleSpec<H, S>): OptimizerRule<H, S> {
  const keys = new Set([...Object.keys(spec.defaults), "lr"]);
  const hyperparams = (opts: Partial<H> = {}): H => {
    // array defaults (Adam's betas) are copied: a group that edits its own in place changes no other
    const hp: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(spec.defaults)) hp[k] = Array.isArray(v) ? [...v] : v;
    for (const [k, v] of Object.entries(opts)) {
      if (k === "params") continue;
      if (!keys.has(k)) throw new ArgumentError(`${spec.name}: unknown option '${k}'; known options: ${[...keys].join(", ")}`);
      if (v !== undefined) hp[k] = v;
    }
    const lr = hp.lr;
    if (lr === undefined) throw new ArgumentError(`${spec.name}: the learning rate lr is required`);
    checkRange(spec.name, "lr", lr, 0);
    const full = hp as unknown as H;
    spec.validate(full);
    return full;
  };
  return {
    name: spec.name,
    defaults: spec.defaults,
    hyperparams,
    initParam: spec.initParam,
    updateParam: spec.updateParam,
    init(params, opts = {}) {
      // a required lr is not needed to create the state: it is checked at every update
      const hp = hyperparams(opts.lr === undefined && spec.defaults.lr === undefined ? { ...opts, lr: 0 } : opts);
      params.forEach((p, i) => checkParam(spec.name, p, i));
      return noGrad(() => params.map((p) => spec.initParam(p, hp)));
    },
    update(grads, state, params, opts) {
      const hp = hyperparams(opts);
      if (grads.length !== params.length || state.length !== params.length)
        throw new ArgumentError(
          `${spec.name}.update: ${params.length} parameters, ${grads.length} gradients and ${state.length} states; all three must match`,
        );
      return noGrad(() => {
        const newParams: Tensor[] = [];
        const newState: S[] = [];
        params.forEach((p, i) => {
          const g = grads[i];
          if (g === null) {
            newParams.push(p);
            newState.push(state[i]);
            return;
          }
          checkGrad(spec.name, p, g, i);
          const r = spec.updateParam(g, p, state[i], hp);
          newParams.push(r.param);
          newState.push(r.state);
        });
        return { params: newParams, state: newState };
      });
    },
  };
}

/** Parameters must be floating-point tensors. */
export function checkParam(op: string, p: unknown, i: number): asserts p is Tensor {
  if (!(p instanceof Tensor)) throw new ArgumentError(`${op}: parameter ${i} is not a tensor (got ${p === null ? "null" : typeof p})`);
  if (!isFloat(p.dtype)) throw new DTypeError(`${op}: parameter ${i} has dtype ${p.dtype}${fmtShape(p.shape)}; only float32 and float64 can be optimized`);
}

/** A gradient must match its parameter's shape and dtype. */
export function checkGrad(op: string, p: Tensor, g: Tensor, i: number): void {
  if (!(g instanceof Tensor)) throw new ArgumentError(`${op}: gradient ${i} is not a tensor`);
  if (!shapesEqual(p.shape, g.shape))
    throw new ShapeError(`${op}: gradient ${i} has shape ${fmtShape(g.shape)} but its parameter has shape ${fmtShape(p.shape)}`);
  if (p.dtype !== g.dtype)
    throw new DTypeError(`${op}: gradient ${i} has dtype ${g.dtype} but its parameter has dtype ${p.dtype}${fmtShape(p.shape)}`);
}

/** Checks a hyperparameter is a finite number ≥ `lo` (and < `hi` when given). */
export function checkRange(op: string, name: string, v: unknown, lo: number, hi?: number): void {
  const ok = typeof v === "number" && Number.isFinite(v) && v >= lo && (hi === undefined || v < hi);
  if (!ok) throw new ArgumentError(`${op}: invalid ${name}=${String(v)}; it must be a number in [${lo}, ${hi ?? "∞"})`);
}

/** Checks a boolean hyperparameter. */
export function checkBool(op: string, name: string, v: unknown): void {
  if (typeof v !== "boolean") throw new ArgumentError(`${op}: ${name} must be true or false, got ${String(v)}`);
}
