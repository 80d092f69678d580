// The stateful optimizer: PyTorch's `opt.step()` / `opt.zeroGrad()` interface over a pure rule.
// It keeps parameter groups (each with its own hyperparameters), the per-parameter state from the
// rule, and writes each new value into its parameter with `assignParameter`, so the model's
// tensors keep their identity while their values change.
//
// State tensors are never written in place (the rule returns fresh ones), so `stateDict()` can
// hand out the current tensors without copying them: later steps cannot change a saved dict.

import { ArgumentError, ShapeError, fmtShape } from "../core/errors.js";
import { shapesEqual } from "../core/shape.js";
import { noGrad } from "../autodiff/transforms.js";
import { Tensor, realize } from "../tensor/tensor.js";
import { assignParameter } from "../nn/parameter.js";
import { captureState, clearGrad, noteSource, type Capture } from "../backend/capture.js";
import { checkGrad, checkParam, checkRange, LR_TENSOR, type BaseHyper, type OptimizerRule, type ParamState } from "./rule.js";
import { scalar } from "../tensor/creation.js";

/** A parameter group as given to a constructor: its tensors and optional hyperparameter overrides. */
export type ParamGroupInput<H> = { params: readonly Tensor[] } & Partial<H>;

/** A live parameter group: its tensors and its hyperparameters, which may be changed between steps. */
export type ParamGroup<H> = H & { params: Tensor[] };

/** What an optimizer accepts: a flat list of parameters, or a list of groups. */
export type ParamsInput<H> = readonly Tensor[] | readonly ParamGroupInput<H>[];

/**
 * A snapshot of an optimizer: the state of each parameter (keyed by its position counting through
 * the groups in order, as PyTorch does) and each group's hyperparameters with its parameter indices.
 */
export interface OptimizerStateDict<H, S> {
  state: Record<number, S>;
  paramGroups: (H & { params: number[] })[];
}

/**
 * Base class of the stateful optimizers (`SGD`, `Adam`, …): a pure rule plus the state it needs.
 * Any rule can be wrapped directly.
 * @example
 * const opt = new tg.optim.Optimizer(tg.optim.adam, model.parameters(), { lr: 1e-3 }); // same as new Adam(...)
 */
export class Optimizer<H extends BaseHyper, S extends ParamState> {
  /** The pure rule this optimizer applies. */
  readonly rule: OptimizerRule<H, S>;
  /** The parameter groups; change a group's hyperparameters (e.g. `lr`) between steps as needed. */
  readonly paramGroups: ParamGroup<H>[];
  readonly #state = new Map<Tensor, S>();

  constructor(rule: OptimizerRule<H, S>, params: ParamsInput<H>, opts: Partial<H> = {}) {
    this.rule = rule;
    const name = rule.name;
    if (!Array.isArray(params) || params.length === 0)
      throw new ArgumentError(`${name}: expected a non-empty array of parameters or parameter groups`);
    const groups: readonly ParamGroupInput<H>[] =
      params[0] instanceof Tensor ? [{ params: params as readonly Tensor[] } as ParamGroupInput<H>] : (params as readonly ParamGroupInput<H>[]);
    const base = rule.hyperparams(opts.lr === undefined && groups.every((g) => g.lr !== undefined) ? { ...opts, lr: 0 } : opts);
    const seen = new Set<Tensor>();
    let index = 0;
    this.paramGroups = groups.map((g, gi) => {
      if (g === null || typeof g !== "object" || !Array.isArray(g.params))
        throw new ArgumentError(`${name}: parameter group ${gi} must be an object with a 'params' array`);
      if (g.params.length === 0) throw new ArgumentError(`${name}: parameter group ${gi} has no parameters`);
      for (const p of g.params) {
        checkParam(name, p, index);
        if (!p.requiresGrad || p._trace)
          throw new ArgumentError(`${name}: parameter ${index} (shape ${fmtShape(p.shape)}) is not a leaf that requires grad; call setRequiresGrad() on it or pass model.parameters()`);
        index++;
        if (seen.has(p)) throw new ArgumentError(`${name}: a parameter of shape ${fmtShape(p.shape)} appears more than once`);
        seen.add(p);
      }
      const { params: ps, ...overrides } = g;
      const hp = rule.hyperparams({ ...base, ...(overrides as unknown as Partial<H>) });
      return { ...hp, params: [...ps] };
    });
    noGrad(() => {
      for (const g of this.paramGroups) {
        const hp = rule.hyperparams(hyperOf(g));
        for (const p of g.params) this.#state.set(p, rule.initParam(p, hp));
      }
    });
  }

  /** The learning rate of the first group. Setting it sets every group's. */
  get lr(): number {
    return this.paramGroups[0].lr;
  }

  set lr(v: number) {
    for (const g of this.paramGroups) g.lr = v;
  }

  /** Every parameter, in group order. */
  parameters(): Tensor[] {
    return this.paramGroups.flatMap((g) => g.params);
  }

  /** The state of parameter `p` (moments, step count), or undefined for a tensor it does not optimize. */
  stateOf(p: Tensor): S | undefined {
    return this.#state.get(p);
  }

  /**
   * Applies one update to every parameter that has a gradient, from its `.grad`. Parameters whose
   * `.grad` is null are skipped, state included.
   * @example
   * const opt = new tg.optim.Adam(model.parameters(), { lr: 1e-3 });
   * opt.zeroGrad(); loss.backward(); opt.step();
   */
  step(): void {
    const rule = this.rule;
    const updated: Tensor[] = [];
    const capture = captureState.active;
    if (capture) {
      capture.sideEffect(`${rule.name}.step`);
      capture.guards.add(this);
    }
    noGrad(() => {
      let index = 0;
      for (const group of this.paramGroups) {
        let hp = this.#hyperparams(group);
        // compiled, the learning rate is a value the plan reads on each call (schedules need no retrace)
        if (capture) {
          const lrT = this.#lrTensor(group);
          noteSource(lrT, () => this.#lrTensor(group));
          hp = { ...hp, [LR_TENSOR]: lrT };
        }
        for (const p of group.params) {
          const i = index++;
          const g = p.grad;
          if (g === null) continue;
          checkGrad(rule.name, p, g, i);
          const before = this.#state.get(p)!;
          if (capture) this.#traceState(capture, p, before);
          const r = rule.updateParam(g, p, before, hp);
          assignParameter(p, r.param);
          this.#state.set(p, r.state);
          if (capture) this.#traceStateWrite(capture, p, r.state);
          updated.push(p);
          for (const v of Object.values(r.state)) if (v instanceof Tensor) updated.push(v);
        }
      }
    });
    // every update of the step runs here, as one schedule
    realize(...updated);
  }

  // Each group's validated hyperparameters, with the settings they were made from: a step
  // validates them again only when a setting has changed since (an `lr` set by a schedule, …).
  #checked = new WeakMap<object, { settings: unknown[]; hp: H }>();
  #hyperparams(group: ParamGroup<H>): H {
    const c = this.#checked.get(group);
    if (c && sameSettings(c.settings, group)) return c.hp;
    const hp = this.rule.hyperparams(hyperOf(group));
    this.#checked.set(group, { settings: settingsOf(group), hp });
    return hp;
  }

  /** Clears every parameter's gradient (`.grad = null`), ready for the next `backward()`. */
  zeroGrad(): void {
    for (const g of this.paramGroups) for (const p of g.params) clearGrad(p);
  }

  /**
   * The numbers a compiled step depends on: every group's hyperparameters but the learning rate
   * (which the step reads as a tensor, so schedules run without retracing) and the plain numbers
   * of each parameter's state (step counts), with which state entries hold tensors (their dtype and
   * shape). `tg.compile` traces the step again when one changes.
   */
  guardValues(out: unknown[]): void {
    for (const g of this.paramGroups) {
      for (const k in g) {
        // the learning rate reaches a compiled step as a tensor (see step), not as a constant
        if (k === "params" || k === "lr") continue;
        const v = (g as unknown as Record<string, unknown>)[k];
        out.push(k);
        if (Array.isArray(v)) out.push(v.length, ...v);
        else out.push(v);
      }
      out.push("|");
    }
    for (const g of this.paramGroups)
      for (const p of g.params) {
        const s = this.#state.get(p);
        if (!s) {
          out.push(null);
          continue;
        }
        // numbers by value; tensors by kind (a momentum buffer appears after the first step)
        for (const k in s) {
          const v = (s as unknown as Record<string, unknown>)[k];
          out.push(k);
          if (v instanceof Tensor) out.push("T", v.dtype, v.shape.length, ...v.shape);
          else out.push(v);
        }
        out.push("|");
      }
  }

  /** Each group's learning rate as a float64 0-d tensor, made again only when the rate changes. */
  #lrTensors = new WeakMap<object, { lr: number; t: Tensor }>();
  #lrTensor(group: ParamGroup<H>): Tensor {
    const held = this.#lrTensors.get(group);
    if (held && Object.is(held.lr, group.lr)) return held.t;
    checkRange(this.rule.name, "lr", group.lr, 0);
    const t = scalar(group.lr, "float64");
    realize(t);
    this.#lrTensors.set(group, { lr: group.lr, t });
    return t;
  }

  /** Under a compiled step: the state tensors of `p` are read afresh on each call. */
  #traceState(capture: Capture, p: Tensor, s: S): void {
    for (const [k, v] of Object.entries(s))
      if (v instanceof Tensor)
        noteSource(
          v,
          () => {
            const cur = this.#state.get(p)?.[k];
            return cur instanceof Tensor ? cur : null;
          },
          this.#cell(p, k),
        );
    capture.restores.push(() => this.#state.set(p, s));
  }

  /** Under a compiled step: the new state of `p` (its numbers as traced, its tensors from the plan) is stored on each call. */
  #traceStateWrite(capture: Capture, p: Tensor, after: S): void {
    let fresh: Record<string, Tensor | number | null> = {};
    capture.writes.push({
      value: null,
      apply: () => {
        fresh = { ...after };
        this.#state.set(p, fresh as S);
      },
    });
    for (const [k, v] of Object.entries(after))
      if (v instanceof Tensor) capture.writes.push({ value: v, apply: (t) => (fresh[k] = t), cell: this.#cell(p, k) });
  }

  /** One object per parameter and state entry, standing for it in a compiled step's reads and writes. */
  #cells = new WeakMap<Tensor, Map<string, object>>();
  #cell(p: Tensor, key: string): object {
    let m = this.#cells.get(p);
    if (!m) this.#cells.set(p, (m = new Map()));
    let c = m.get(key);
    if (!c) m.set(key, (c = {}));
    return c;
  }

  /**
   * A snapshot of the optimizer to resume training exactly with `loadStateDict`.
   * @example const saved = opt.stateDict(); … opt2.loadStateDict(saved);
   */
  stateDict(): OptimizerStateDict<H, S> {
    const state: Record<number, S> = {};
    const paramGroups: (H & { params: number[] })[] = [];
    let index = 0;
    for (const group of this.paramGroups) {
      const ids: number[] = [];
      for (const p of group.params) {
        const s = this.#state.get(p)!;
        // the dict shares these tensors: a compiled step must not update them in place
        for (const v of Object.values(s)) if (v instanceof Tensor && v._buf) v._buf.shared = true;
        state[index] = { ...s };
        ids.push(index++);
      }
      paramGroups.push({ ...hyperOf(group), params: ids });
    }
    return { state, paramGroups };
  }

  /**
   * Restores hyperparameters and state saved by `stateDict()`. The optimizer must have the same
   * groups with the same number of parameters, of the same shapes, in the same order.
   */
  loadStateDict(dict: OptimizerStateDict<H, S>): void {
    const name = this.rule.name;
    if (!dict || !Array.isArray(dict.paramGroups) || typeof dict.state !== "object")
      throw new ArgumentError(`${name}.loadStateDict: expected an object with 'state' and 'paramGroups'`);
    if (dict.paramGroups.length !== this.paramGroups.length)
      throw new ArgumentError(`${name}.loadStateDict: the dict has ${dict.paramGroups.length} parameter groups, the optimizer has ${this.paramGroups.length}`);
    const updates: [Tensor, S][] = [];
    const hps: H[] = [];
    this.paramGroups.forEach((group, gi) => {
      const saved = dict.paramGroups[gi];
      if (!Array.isArray(saved.params) || saved.params.length !== group.params.length)
        throw new ArgumentError(
          `${name}.loadStateDict: group ${gi} has ${group.params.length} parameters but the dict's group has ${Array.isArray(saved.params) ? saved.params.length : "none"}`,
        );
      const { params: ids, ...hp } = saved;
      hps.push(this.rule.hyperparams(hp as unknown as Partial<H>));
      group.params.forEach((p, k) => {
        const s = dict.state[ids[k]];
        if (s === undefined) throw new ArgumentError(`${name}.loadStateDict: no state for parameter ${ids[k]}`);
        const fresh = this.#state.get(p)!;
        for (const key of Object.keys(fresh))
          if (!(key in s)) throw new ArgumentError(`${name}.loadStateDict: the state of parameter ${ids[k]} lacks '${key}'`);
        for (const [key, v] of Object.entries(s)) {
          // each entry must look like the fresh state's: moments shaped like the parameter, step counts 0-d
          const want = fresh[key];
          const where = `${name}.loadStateDict: state '${key}' of parameter ${ids[k]}`;
          if (want instanceof Tensor && !(v instanceof Tensor))
            throw new ArgumentError(`${where} must be a ${want.dtype}${fmtShape(want.shape)} tensor, got ${v === null ? "null" : typeof v}`);
          if (typeof want === "number" && typeof v !== "number") throw new ArgumentError(`${where} must be a number, got ${typeof v}`);
          if (v instanceof Tensor && want instanceof Tensor && (!shapesEqual(v.shape, want.shape) || v.dtype !== want.dtype))
            throw new ShapeError(
              `${name}.loadStateDict: state '${key}' of parameter ${ids[k]} is ${v.dtype}${fmtShape(v.shape)} but should be ${want.dtype}${fmtShape(want.shape)} (the parameter is ${p.dtype}${fmtShape(p.shape)})`,
            );
          // a NaN, fractional or negative step count would silently corrupt the bias corrections
          if (key === "step") {
            const n = v instanceof Tensor ? (v.size === 1 ? v.item() : NaN) : v;
            if (typeof n !== "number" || !Number.isInteger(n) || n < 0)
              throw new ArgumentError(`${where}: the step count must be a finite non-negative integer, got ${typeof n === "number" ? n : typeof n}`);
          }
        }
        updates.push([p, { ...s }]);
      });
    });
    // everything checked: apply
    this.paramGroups.forEach((g, gi) => Object.assign(g, hps[gi]));
    for (const [p, s] of updates) this.#state.set(p, s);
  }
}

/** A group's settings as a flat list: each key and value, arrays (Adam's betas) copied element by element. */
function settingsOf(group: object): unknown[] {
  const out: unknown[] = [];
  for (const k in group) {
    if (k === "params") continue;
    const v = (group as Record<string, unknown>)[k];
    out.push(k, v);
    if (Array.isArray(v)) out.push(v.length, ...v);
  }
  return out;
}

/** Whether `group`'s settings are still those listed in `settings` (by `settingsOf`), compared with Object.is. */
function sameSettings(settings: readonly unknown[], group: object): boolean {
  let i = 0;
  for (const k in group) {
    if (k === "params") continue;
    const v = (group as Record<string, unknown>)[k];
    if (settings[i++] !== k || !Object.is(settings[i++], v)) return false;
    if (Array.isArray(v)) {
      if (settings[i++] !== v.length) return false;
      for (const x of v) if (!Object.is(settings[i++], x)) return false;
    }
  }
  return i === settings.length;
}

/** A group's hyperparameters without its parameter list. */
function hyperOf<H>(group: ParamGroup<H>): H {
  const { params: _params, ...hp } = group;
  return hp as unknown as H;
}
