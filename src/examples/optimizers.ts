// The optimizers the experiments compare, by name, with the settings each one is run at.

import * as tg from "../library.js";
import { ArgumentError } from "../core/errors.js";

/** Plain SGD, SGD with momentum 0.9, Adam, and AdamW (weight decay 0.01). */
export type OptimizerKind = "sgd" | "momentum" | "adam" | "adamw";

export const OPTIMIZER_KINDS: readonly OptimizerKind[] = ["sgd", "momentum", "adam", "adamw"];

/** What a training loop needs of an optimizer. */
export interface Stepper {
  step(): void;
  zeroGrad(): void;
}

/** A label for tables and legends. */
export function optimizerLabel(kind: OptimizerKind): string {
  switch (kind) {
    case "sgd":
      return "SGD";
    case "momentum":
      return "SGD+momentum";
    case "adam":
      return "Adam";
    case "adamw":
      return "AdamW";
    default:
      throw new ArgumentError(`optimizer: unknown kind '${String(kind)}'`);
  }
}

/**
 * A `tg.optim` optimizer of the given kind over `params` at learning rate `lr`.
 * @example const opt = makeOptimizer("adam", model.parameters(), 0.01);
 */
export function makeOptimizer(kind: OptimizerKind, params: tg.Tensor[], lr: number): Stepper {
  switch (kind) {
    case "sgd":
      return new tg.optim.SGD(params, { lr });
    case "momentum":
      return new tg.optim.SGD(params, { lr, momentum: 0.9 });
    case "adam":
      return new tg.optim.Adam(params, { lr });
    case "adamw":
      return new tg.optim.AdamW(params, { lr, weightDecay: 0.01 });
    default:
      throw new ArgumentError(`optimizer: kind must be "sgd", "momentum", "adam" or "adamw", got '${String(kind)}'`);
  }
}
