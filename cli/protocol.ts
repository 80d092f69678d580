// Messages between the command (main thread) and the training worker.

import type { Report } from "tensorgrad/report";
import type { ExperimentName } from "./catalog.js";

export type OptimizerName = "sgd" | "momentum" | "adam" | "adamw";
export const OPTIMIZERS: readonly OptimizerName[] = ["sgd", "momentum", "adam", "adamw"];

/** The training options a user can set; unset ones take the experiment's defaults. */
export interface RunOptions {
  steps?: number;
  lr?: number;
  seed?: number;
  optimizer?: OptimizerName;
  image?: string;
  gaussians?: number;
  seconds?: number;
  mu?: number[];
  sigma?: number;
  cov?: number[];
}

/** One training step's numbers. */
export interface Progress {
  step: number;
  total: number;
  loss?: number;
  accuracy?: number;
  /** Steps per second since the first reported step (set by the worker). */
  rate?: number;
}

/** What an experiment may call while it runs. */
export interface RunHooks {
  onStep(p: Progress): void;
  /** True once the user asked to stop (Ctrl-C): finish the current step and return what is done. */
  shouldStop(): boolean;
}

/** Sent to the worker at start (as workerData). */
export interface WorkerInput {
  experiment: ExperimentName;
  options: RunOptions;
  /** Int32Array view over it: element 0 becomes 1 when the user presses Ctrl-C. */
  stopFlag: SharedArrayBuffer;
}

export type WorkerMessage =
  | { type: "progress"; progress: Progress }
  | { type: "done"; report: Report }
  | { type: "error"; name: string; message: string };
