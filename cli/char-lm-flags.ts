// The `run char-lm` flags: one per hyperparameter (nanoGPT's names in kebab-case). Kept apart
// from the engine so that help and bad flags answer at once.

import { InvalidArgumentError } from "commander";
import { parseNonNegativeInt, parsePositiveInt } from "./options.js";

function parseFraction(text: string): number {
  const v = Number(text);
  if (text.trim() === "" || !(v >= 0 && v < 1)) throw new InvalidArgumentError("Expected a number in [0, 1).");
  return v;
}

function parseNonNegative(text: string): number {
  const v = Number(text);
  if (text.trim() === "" || !(v >= 0) || !Number.isFinite(v)) throw new InvalidArgumentError("Expected a number ≥ 0.");
  return v;
}

/** [config key, flag, description, parser] for every hyperparameter besides --steps, --lr and --seed. */
export const CHAR_LM_FLAGS = [
  ["nLayer", "--n-layer <n>", "transformer blocks", parsePositiveInt],
  ["nHead", "--n-head <n>", "attention heads per block", parsePositiveInt],
  ["nEmbd", "--n-embd <n>", "width of the residual stream", parsePositiveInt],
  ["blockSize", "--block-size <n>", "context length in characters", parsePositiveInt],
  ["batchSize", "--batch-size <n>", "windows per micro-batch", parsePositiveInt],
  ["dropout", "--dropout <p>", "dropout probability", parseFraction],
  ["maxIters", "--max-iters <n>", "training iterations (same as --steps)", parsePositiveInt],
  ["minLr", "--min-lr <x>", "learning rate at the end of the cosine decay", parseNonNegative],
  ["warmupIters", "--warmup-iters <n>", "linear warm-up iterations", parseNonNegativeInt],
  ["lrDecayIters", "--lr-decay-iters <n>", "iteration where the cosine decay reaches --min-lr", parsePositiveInt],
  ["beta1", "--beta1 <x>", "AdamW β₁", parseFraction],
  ["beta2", "--beta2 <x>", "AdamW β₂", parseFraction],
  ["weightDecay", "--weight-decay <x>", "AdamW weight decay on the matmul weights", parseNonNegative],
  ["gradClip", "--grad-clip <x>", "clip the gradient norm to this (0: off)", parseNonNegative],
  ["gradAccum", "--grad-accum <n>", "micro-batches per iteration (gradient accumulation)", parsePositiveInt],
  ["evalInterval", "--eval-interval <n>", "iterations between loss estimates", parsePositiveInt],
  ["evalIters", "--eval-iters <n>", "batches per loss estimate and split", parsePositiveInt],
] as const;

export type CharLmFlagKey = (typeof CHAR_LM_FLAGS)[number][0];

/** What `run char-lm` receives. */
export interface CharLmFlags extends Partial<Record<CharLmFlagKey, number>> {
  preset?: string;
  bias?: boolean;
  resume?: string;
  steps?: number;
  lr?: number;
  seed?: number;
  out?: string;
}
