// Learning-rate schedules as pure functions step → lr, with the closed forms of PyTorch's
// schedulers (torch.optim.lr_scheduler), and `LRScheduler`, which writes a schedule's value into
// an optimizer's groups once per `step()`.
//
// Step t counts scheduler steps from 0: the value at t = 0 is used for the first optimizer step.

import { ArgumentError } from "../core/errors.js";

/** A learning-rate schedule: the learning rate to use at step t = 0, 1, 2, … */
export type Schedule = (step: number) => number;

function checkStep(op: string, t: number): void {
  if (typeof t !== "number" || !Number.isFinite(t) || t < 0) throw new ArgumentError(`${op}: step must be a number ≥ 0, got ${String(t)}`);
}

function positive(op: string, name: string, v: unknown, integer = false): void {
  if (typeof v !== "number" || !Number.isFinite(v) || v <= 0 || (integer && !Number.isInteger(v)))
    throw new ArgumentError(`${op}: ${name} must be a positive ${integer ? "integer" : "number"}, got ${String(v)}`);
}

function nonNegative(op: string, name: string, v: unknown): void {
  if (typeof v !== "number" || !Number.isFinite(v) || v < 0) throw new ArgumentError(`${op}: ${name} must be a number ≥ 0, got ${String(v)}`);
}

/**
 * lr·γ^⌊t/stepSize⌋: decays by γ every `stepSize` steps (PyTorch's StepLR).
 * @example tg.optim.stepLR({ lr: 0.1, stepSize: 10, gamma: 0.5 })(25) // 0.025
 */
export function stepLR(opts: { lr: number; stepSize: number; gamma?: number }): Schedule {
  const { lr, stepSize, gamma = 0.1 } = opts;
  nonNegative("stepLR", "lr", lr);
  positive("stepLR", "stepSize", stepSize, true);
  nonNegative("stepLR", "gamma", gamma);
  return (t) => {
    checkStep("stepLR", t);
    return lr * gamma ** Math.floor(t / stepSize);
  };
}

/**
 * lr·γᵗ (PyTorch's ExponentialLR).
 * @example tg.optim.exponentialLR({ lr: 1, gamma: 0.9 })(2) // 0.81
 */
export function exponentialLR(opts: { lr: number; gamma: number }): Schedule {
  const { lr, gamma } = opts;
  nonNegative("exponentialLR", "lr", lr);
  nonNegative("exponentialLR", "gamma", gamma);
  return (t) => {
    checkStep("exponentialLR", t);
    return lr * gamma ** t;
  };
}

/**
 * η_min + (lr − η_min)·(1 + cos(π·t/T))/2: half a cosine from lr at t = 0 down to η_min at t = T
 * (PyTorch's CosineAnnealingLR in closed form; past T the cosine continues, rising again).
 * @example tg.optim.cosineAnnealingLR({ lr: 1, tMax: 10 })(5) // 0.5
 */
export function cosineAnnealingLR(opts: { lr: number; tMax: number; etaMin?: number }): Schedule {
  const { lr, tMax, etaMin = 0 } = opts;
  nonNegative("cosineAnnealingLR", "lr", lr);
  positive("cosineAnnealingLR", "tMax", tMax);
  nonNegative("cosineAnnealingLR", "etaMin", etaMin);
  return (t) => {
    checkStep("cosineAnnealingLR", t);
    return etaMin + ((lr - etaMin) * (1 + Math.cos((Math.PI * t) / tMax))) / 2;
  };
}

/**
 * Linear warm-up from 0 to lr over `warmupSteps` (lr·t/warmupSteps), then half a cosine from lr
 * down to `minLr` at `totalSteps`, constant afterwards:
 * minLr + (lr − minLr)·(1 + cos(π·(t − w)/(T − w)))/2.
 * @example
 * const s = tg.optim.linearWarmupCosine({ lr: 1, warmupSteps: 10, totalSteps: 110 });
 * s(5) // 0.5;  s(10) // 1;  s(60) // 0.5;  s(110) // 0
 */
export function linearWarmupCosine(opts: { lr: number; warmupSteps: number; totalSteps: number; minLr?: number }): Schedule {
  const { lr, warmupSteps, totalSteps, minLr = 0 } = opts;
  nonNegative("linearWarmupCosine", "lr", lr);
  nonNegative("linearWarmupCosine", "warmupSteps", warmupSteps);
  nonNegative("linearWarmupCosine", "minLr", minLr);
  if (!Number.isFinite(totalSteps) || totalSteps <= warmupSteps)
    throw new ArgumentError(`linearWarmupCosine: totalSteps (${totalSteps}) must exceed warmupSteps (${warmupSteps})`);
  return (t) => {
    checkStep("linearWarmupCosine", t);
    if (t < warmupSteps) return (lr * t) / warmupSteps;
    const progress = Math.min(1, (t - warmupSteps) / (totalSteps - warmupSteps));
    return minLr + ((lr - minLr) * (1 + Math.cos(Math.PI * progress))) / 2;
  };
}

export interface OneCycleOpts {
  /** The peak learning rate. */
  maxLr: number;
  /** Steps in the cycle. */
  totalSteps: number;
  /** Fraction of the cycle spent increasing the learning rate. Default 0.3. */
  pctStart?: number;
  /** Shape of each phase. Default "cos". */
  annealStrategy?: "cos" | "linear";
  /** The starting learning rate is maxLr/divFactor. Default 25. */
  divFactor?: number;
  /** The final learning rate is maxLr/(divFactor·finalDivFactor). Default 1e4. */
  finalDivFactor?: number;
  /** Three phases (up, back down to the start, then to the final value) instead of two. */
  threePhase?: boolean;
}

/**
 * The 1cycle policy (Smith & Topin, 2017) as PyTorch's OneCycleLR computes it: from maxLr/divFactor
 * up to maxLr over the first pctStart of the steps, then down to maxLr/(divFactor·finalDivFactor)
 * at step totalSteps − 1. (PyTorch's momentum cycling is not included.)
 * @example tg.optim.oneCycleLR({ maxLr: 1, totalSteps: 100 })(29) // 1
 */
export function oneCycleLR(opts: OneCycleOpts): Schedule {
  const { maxLr, totalSteps, pctStart = 0.3, annealStrategy = "cos", divFactor = 25, finalDivFactor = 1e4, threePhase = false } = opts;
  nonNegative("oneCycleLR", "maxLr", maxLr);
  positive("oneCycleLR", "totalSteps", totalSteps, true);
  if (typeof pctStart !== "number" || !(pctStart >= 0 && pctStart <= 1)) throw new ArgumentError(`oneCycleLR: pctStart must be in [0, 1], got ${String(pctStart)}`);
  if (annealStrategy !== "cos" && annealStrategy !== "linear")
    throw new ArgumentError(`oneCycleLR: annealStrategy must be "cos" or "linear", got ${String(annealStrategy)}`);
  positive("oneCycleLR", "divFactor", divFactor);
  positive("oneCycleLR", "finalDivFactor", finalDivFactor);
  const initial = maxLr / divFactor;
  const final = initial / finalDivFactor;
  // phases end at fractional steps, exactly as PyTorch places them
  const phases: [end: number, from: number, to: number][] = threePhase
    ? [
        [pctStart * totalSteps - 1, initial, maxLr],
        [2 * pctStart * totalSteps - 2, maxLr, initial],
        [totalSteps - 1, initial, final],
      ]
    : [
        [pctStart * totalSteps - 1, initial, maxLr],
        [totalSteps - 1, maxLr, final],
      ];
  // cos: to + (from − to)/2·(1 + cos(π·pct)); linear: from + (to − from)·pct
  const anneal =
    annealStrategy === "cos"
      ? (from: number, to: number, pct: number) => to + ((from - to) / 2) * (Math.cos(Math.PI * pct) + 1)
      : (from: number, to: number, pct: number) => (to - from) * pct + from;
  return (t) => {
    checkStep("oneCycleLR", t);
    if (t > totalSteps) throw new ArgumentError(`oneCycleLR: step ${t} is past totalSteps=${totalSteps}`);
    let start = 0;
    for (let i = 0; i < phases.length; i++) {
      const [end, from, to] = phases[i];
      if (t <= end || i === phases.length - 1) {
        const pct = end === start ? 1 : (t - start) / (end - start);
        return anneal(from, to, pct);
      }
      start = end;
    }
    return final;
  };
}

/** What a scheduler drives: anything with parameter groups that have an `lr`. */
export interface HasParamGroups {
  paramGroups: { lr: number }[];
}

/**
 * Applies a schedule to an optimizer: sets every group's lr to `schedule(0)` now and to
 * `schedule(t)` at the t-th `step()`. Call `step()` once per optimizer step (or per epoch, for
 * epoch-based schedules). Give an array of schedules to drive each group separately.
 * @example
 * const opt = new tg.optim.SGD(params, { lr: 0.1 });
 * const sched = new tg.optim.LRScheduler(opt, tg.optim.cosineAnnealingLR({ lr: 0.1, tMax: 100 }));
 * for (let i = 0; i < 100; i++) { train(); opt.step(); sched.step(); }
 */
export class LRScheduler {
  readonly optimizer: HasParamGroups;
  readonly schedules: readonly Schedule[];
  #step = 0;

  constructor(optimizer: HasParamGroups, schedule: Schedule | readonly Schedule[]) {
    const groups = optimizer?.paramGroups;
    if (!Array.isArray(groups)) throw new ArgumentError("LRScheduler: the first argument must be an optimizer (with paramGroups)");
    const list = typeof schedule === "function" ? groups.map(() => schedule) : [...schedule];
    if (list.length !== groups.length)
      throw new ArgumentError(`LRScheduler: ${list.length} schedules for ${groups.length} parameter groups`);
    if (list.some((s) => typeof s !== "function")) throw new ArgumentError("LRScheduler: every schedule must be a function step → lr");
    this.optimizer = optimizer;
    this.schedules = list;
    this.#apply();
  }

  /** Steps taken so far (the t of the current learning rates). */
  get lastStep(): number {
    return this.#step;
  }

  /** The current learning rate of every group. */
  get lastLr(): number[] {
    return this.optimizer.paramGroups.map((g) => g.lr);
  }

  /** Advances to the next step and sets the groups' learning rates; returns the first group's. */
  step(): number {
    this.#step++;
    this.#apply();
    return this.optimizer.paramGroups[0].lr;
  }

  /** The step count, to resume with `loadStateDict`. */
  stateDict(): { step: number } {
    return { step: this.#step };
  }

  loadStateDict(dict: { step: number }): void {
    if (!dict || !Number.isInteger(dict.step) || dict.step < 0) throw new ArgumentError(`LRScheduler.loadStateDict: expected { step: integer ≥ 0 }`);
    this.#step = dict.step;
    this.#apply();
  }

  #apply(): void {
    this.optimizer.paramGroups.forEach((g, i) => (g.lr = this.schedules[i](this.#step)));
  }
}
